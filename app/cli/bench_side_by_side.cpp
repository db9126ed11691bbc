// memloc-cli bench --suite side-by-side: times memloc's core on a benchmark run, runs the Python
// reference (tests/python/bench_reference.py) on the same run, measures peak memory of child
// processes, and prints one table.

#include "bench_side_by_side.h"

#include "child_process.h"
#include "commands.h"
#include "progress_bar.h"

#include "memloc/bench.h"
#include "memloc/error.h"
#include "memloc/version.h"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace memloc::cli {

namespace {

namespace fs = std::filesystem;

std::string loadAverage() {
    std::ifstream in("/proc/loadavg");
    std::string one, five, fifteen;
    in >> one >> five >> fifteen;
    return one + " " + five + " " + fifteen;
}

std::string findScript(const Arguments& args) {
    if (args.has("python-script")) return args.value("python-script");
    const fs::path exeDir = fs::path(selfExecutable()).parent_path();
    for (const fs::path& candidate : {exeDir / "bench_reference.py", exeDir / "../share/memloc/bench_reference.py",
                                      fs::path(MEMLOC_SOURCE_DIR) / "tests/python/bench_reference.py"})
        if (fs::exists(candidate)) return candidate.lexically_normal().string();
    throw UsageError{"cannot find bench_reference.py; give --python-script PATH"};
}

std::string joined(const std::vector<std::int64_t>& v) {
    std::string s;
    for (std::int64_t x : v) s += (s.empty() ? "" : ",") + std::to_string(x);
    return s;
}

void row(const std::string& task, const std::string& memloc, const std::string& python, const std::string& ratio,
         const std::string& target, bool met) {
    std::printf("%-44s %11s %11s %8s %-12s %s\n", task.c_str(), memloc.c_str(), python.c_str(), ratio.c_str(),
                target.c_str(), met ? "yes" : "NO");
}

std::string secs(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, s < 1 ? "%.3f s" : "%.2f s", s);
    return buf;
}

std::string times(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2fx", x);
    return buf;
}

std::string mib(long kb) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f MiB", static_cast<double>(kb) / 1024.0);
    return buf;
}

/// Peak RSS (KiB) of `memloc-cli ARGS...` in a child process; throws on failure.
long peakOfSelf(const std::vector<std::string>& args) {
    std::vector<std::string> argv{selfExecutable()};
    argv.insert(argv.end(), args.begin(), args.end());
    const ChildResult r = runChild(argv);
    if (r.exitCode != 0) throw core::Error("memory probe 'memloc-cli " + args.front() + "' failed with status " +
                                           std::to_string(r.exitCode));
    return r.peakRssKb;
}

} // namespace

int benchSideBySide(const Arguments& args) {
    args.requireKnown({"suite", "train", "test", "width", "epochs", "eval-subset", "eval-batch", "flip-examples",
                       "repeats", "threads", "python", "python-script", "work-dir", "memory", "history-width",
                       "history-epochs"});
    core::SideBySideOptions o;
    o.train = args.intValue("train", o.train);
    o.test = args.intValue("test", o.test);
    o.width = args.doubleValue("width", o.width);
    o.epochs = args.intValue("epochs", o.epochs);
    o.evalSubset = args.intValue("eval-subset", o.evalSubset);
    o.evalBatch = args.intValue("eval-batch", o.evalBatch);
    o.flipExamples = args.intValue("flip-examples", o.flipExamples);
    o.repeats = args.intValue("repeats", o.repeats);
    o.threads = args.intValue("threads", o.threads);
    if (o.train < 256 || o.test < 1 || o.width <= 0 || o.epochs < 2 || o.evalSubset < 1 || o.evalBatch < 1 ||
        o.flipExamples < 1 || o.repeats < 1 || o.threads < 1)
        throw UsageError{"side-by-side: --train >= 256, --epochs >= 2 and every other size >= 1"};
    const std::string python = args.value("python", "/usr/bin/python3");
    const std::string script = findScript(args);
    const bool memory = args.value("memory", "true") != "false";
    const double historyWidth = args.doubleValue("history-width", 1.0);
    const std::vector<std::int64_t> historyEpochs =
        args.has("history-epochs") ? args.intListValue("history-epochs") : std::vector<std::int64_t>{5, 50};

    const fs::path work = args.has("work-dir") ? fs::path(args.value("work-dir"))
                                               : fs::temp_directory_path() / ("memloc-bench-" + std::to_string(getpid()));
    fs::create_directories(work);
    const std::string runPath = (work / "bench.h5").string();

    std::printf("%s\n", core::versionLine().c_str());
    std::printf("side by side: ResNet-9 width %g, first %lld Fashion-MNIST training images (10%% noise), %lld test; "
                "%lld epochs trained; batch %lld; eval %lld clean + %lld noisy + %lld test, eval batch %lld; "
                "%lld threads both sides; median of %lld after a warm-up\n",
                o.width, static_cast<long long>(o.train), static_cast<long long>(o.test),
                static_cast<long long>(o.epochs), static_cast<long long>(o.batchSize),
                static_cast<long long>(o.evalSubset), static_cast<long long>(o.evalSubset),
                static_cast<long long>(o.evalSubset), static_cast<long long>(o.evalBatch),
                static_cast<long long>(o.threads), static_cast<long long>(o.repeats));
    std::printf("python: %s %s\nload average before: %s\n", python.c_str(), script.c_str(), loadAverage().c_str());
    std::fflush(stdout);

    ProgressBar bar(0, true);
    auto progress = [&](const core::Progress& p) { bar.update(p.done, p); };
    core::prepareBenchRun(o, runPath, progress);
    const core::SideBySideTimings m = core::runSideBySide(o, runPath, progress);
    bar.clear();

    const std::vector<std::string> py{python, script, runPath, "--threads", std::to_string(o.threads),
                                      "--batch-size", std::to_string(o.batchSize), "--eval-subset",
                                      std::to_string(o.evalSubset), "--eval-batch", std::to_string(o.evalBatch),
                                      "--rewind-epochs", joined(m.rewindEpochs), "--flip-ids", joined(m.flipIds),
                                      "--repeats", std::to_string(o.repeats)};
    std::fprintf(stderr, "running the Python reference...\n");
    const ChildResult pr = runChild(py);
    if (pr.exitCode != 0) throw core::Error("the Python reference failed with status " + std::to_string(pr.exitCode));
    const nlohmann::json p = nlohmann::json::parse(pr.out.substr(pr.out.rfind('{')));
    const std::string loadAfterTiming = loadAverage();

    std::printf("\n%-44s %11s %11s %8s %-12s %s\n", "task", "memloc", "python", "ratio", "target", "met");
    const double pyEpoch = p.at("epoch_accounting_s"), pyPlain = p.at("epoch_plain_s");
    row("(a) training epoch with gradient accounting", secs(m.epochAccounting.median), secs(pyEpoch),
        times(pyEpoch / m.epochAccounting.median), ">= 1.3x", pyEpoch / m.epochAccounting.median >= 1.3);
    row("    plain training epoch", secs(m.epochPlain.median), secs(pyPlain), times(pyPlain / m.epochPlain.median), "", true);
    const double overhead = m.epochAccounting.median / m.epochPlain.median;
    row("    accounting / plain (memloc; python " + times(pyEpoch / pyPlain) + ")", times(overhead), "", "", "<= 1.75x",
        overhead <= 1.75);
    const double pyRewind = p.at("rewind_s");
    row("(b) rewinding grid, " + std::to_string(m.rewindCells) + " cells", secs(m.rewindGrid.median), secs(pyRewind),
        times(pyRewind / m.rewindGrid.median), ">= 2x", pyRewind / m.rewindGrid.median >= 2);
    const double pyFlip = p.at("flip_per_example_s");
    std::vector<std::int64_t> pyUnits = p.at("flip_units").get<std::vector<std::int64_t>>();
    row("(c) flipping, per example", secs(m.flipPerExample.median), secs(pyFlip), times(pyFlip / m.flipPerExample.median),
        ">= 1.5x", pyFlip / m.flipPerExample.median >= 1.5);
    std::printf("    units zeroed per example: memloc %s, python %s%s\n", joined(m.flipUnits).c_str(),
                joined(pyUnits).c_str(), m.flipUnits == pyUnits ? " (same work)" : " (DIFFERENT paths: compare with care)");
    const double pyDrop = p.at("drop_s");
    row("(d) neuron drop re-evaluation, first group", secs(m.dropFirstGroup.median), secs(pyDrop),
        times(pyDrop / m.dropFirstGroup.median), "<= 0.3 s", m.dropFirstGroup.median <= 0.3);
    row("    neuron drop, last conv group (cached)", secs(m.dropLastConv.median), "", "", "<= 0.3 s",
        m.dropLastConv.median <= 0.3);
    const double gflops = m.trainFlopsPerEpoch / m.epochPlain.median / 1e9;
    std::printf("training: %.1f GFLOP/s achieved (plain epoch, ~3x forward FLOPs of convs + linear) of a measured "
                "conv2d peak of %.1f GFLOP/s (%.0f%%)\n",
                gflops, m.convPeakGflops, 100.0 * gflops / m.convPeakGflops);
    std::printf("load average after timing: %s\n", loadAfterTiming.c_str());
    std::fflush(stdout);

    if (memory) {
        std::fprintf(stderr, "measuring peak memory in child processes...\n");
        const std::string threads = std::to_string(o.threads);
        std::vector<long> trainPeaks;
        std::vector<std::int64_t> trainEpochs{2, 6};
        for (std::int64_t e : trainEpochs)
            trainPeaks.push_back(peakOfSelf({"train", "--out", (work / "demo-mem.h5").string(), "--subset",
                                             std::to_string(o.train), "--test-subset", std::to_string(o.test), "--width",
                                             "0.25", "--epochs", std::to_string(e), "--threads", threads, "--overwrite",
                                             "--quiet"}));
        std::vector<long> analysisPeaks;
        for (std::int64_t e : historyEpochs) {
            const std::string h = (work / ("history-" + std::to_string(e) + ".h5")).string();
            core::writeHistoryRun(h, historyWidth, e, 256, o.threads);
            analysisPeaks.push_back(peakOfSelf({"rewind", h, "--groups", "0,8", "--epochs", "0,1", "--eval-subset", "100",
                                                "--threads", threads, "--quiet"}));
            fs::remove(h);
        }
        // Equal within noise: 5% or 20 MiB, whichever is larger.
        auto flat = [](const std::vector<long>& v) {
            const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
            return static_cast<double>(*hi - *lo) <= std::max(0.05 * static_cast<double>(*hi), 20.0 * 1024);
        };
        std::string trainText, analysisText;
        for (std::size_t i = 0; i < trainPeaks.size(); ++i)
            trainText += (i ? " / " : "") + mib(trainPeaks[i]) + " (" + std::to_string(trainEpochs[i]) + " ep)";
        for (std::size_t i = 0; i < analysisPeaks.size(); ++i)
            analysisText += (i ? " / " : "") + mib(analysisPeaks[i]) + " (" + std::to_string(historyEpochs[i]) + " ep)";
        const bool trainFlat = flat(trainPeaks), analysisFlat = flat(analysisPeaks);
        std::printf("(e) peak RSS, demo settings training (width 0.25, %lld images): %s: %s\n",
                    static_cast<long long>(o.train), trainText.c_str(), trainFlat ? "independent of epochs: yes" : "GROWS: NO");
        std::printf("(e) peak RSS, rewind on a width-%g run history: %s: %s\n", historyWidth, analysisText.c_str(),
                    analysisFlat ? "independent of epochs stored: yes" : "GROWS: NO");
    }
    if (!args.has("work-dir")) fs::remove_all(work);
    std::printf("load average at the end: %s\n", loadAverage().c_str());
    return kExitOk;
}

} // namespace memloc::cli
