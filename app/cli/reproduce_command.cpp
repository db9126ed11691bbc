// memloc-cli reproduce: the paper's experiment suite (noise 0.05 / 0.1 / 0.2 x dropout none /
// example-tied, every analysis) as one experiment folder, then a report that judges each of the
// paper's claims by a fixed rule: DIR/report.html, report.json and CSVs.

#include "commands.h"
#include "interrupt.h"

#include "memloc/error.h"
#include "memloc/experiment.h"
#include "memloc/reproduce.h"
#include "memloc/run_config.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>

namespace memloc::cli {

namespace {

namespace fs = std::filesystem;

core::ReproduceScale scaleOf(const std::string& name) {
    try {
        return core::reproduceScale(name);
    } catch (const core::Error& e) {
        throw UsageError{std::string("--scale: ") + e.what()};
    }
}

} // namespace

int reproduceCommand(const Arguments& args) {
    args.requireKnown({"scale", "out", "config", "eval-subset", "retrain-epochs", "flip-examples", "device", "threads",
                       "quiet"});
    if (!args.positionals().empty()) throw UsageError{"unexpected argument '" + args.positionals().front() + "'"};
    const core::ReproduceScale scale = scaleOf(args.value("scale", "demo"));
    const std::string out = args.value("out", "memloc-reproduce-" + scale.name);
    const bool quiet = args.has("quiet");
    const auto start = std::chrono::steady_clock::now();

    // --config: keys over the scale's preset (noise and dropout are the suite's own).
    std::string baseJson = scale.baseConfig;
    if (args.has("config"))
        baseJson = core::configToJson(core::loadConfigFile(args.value("config"), core::configFromJson(baseJson, "preset")));
    core::SweepAnalysisOptions options = scale.options;
    options.evalSubset = args.intValue("eval-subset", options.evalSubset);
    options.retrainEpochs = args.intValue("retrain-epochs", options.retrainEpochs);
    options.flipExamples = args.intValue("flip-examples", options.flipExamples);

    std::error_code ec;
    fs::create_directories(out, ec);
    if (ec || !fs::is_directory(out)) throw core::Error(out + ": cannot create the output folder: " + ec.message());
    const core::Experiment experiment = core::openOrCreateExperiment(core::planReproduction(out, baseJson));

    const std::string device = args.value("device", "auto");
    if (!quiet)
        std::printf("reproduce: %s scale (%s), %zu runs with every analysis in %s on %s\n", scale.name.c_str(),
                    scale.description.c_str(), experiment.runs.size(), out.c_str(), device.c_str());
    core::SweepCallbacks cb;
    cb.cancel = &installInterrupt();
    cb.event = [&](const core::SweepEvent& e) {
        if (quiet) return;
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("[%5.0fs] run %zu/%zu %s: %s\n", s, e.index + 1, experiment.runs.size(), e.run->name.c_str(),
                    e.message.c_str());
        std::fflush(stdout);
    };
    const int failed = core::runSweep(experiment, 0, 1, device, args.intValue("threads", 0), options, cb);
    restoreInterrupt();

    const core::ReproduceReport report = core::buildReproduceReport(out, scale.name);
    core::writeReproduceReport(report);
    if (!quiet) {
        for (const core::ClaimRow& c : report.claims)
            std::printf("  %-20s %-14s %s\n", c.id.c_str(), core::verdictName(c.verdict.verdict).c_str(), c.title.c_str());
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("reproduce: report %s (%.0f s)%s\n", (fs::path(out) / "report.html").string().c_str(), s,
                    failed ? "; some runs failed: see experiment.json" : "");
    }
    return failed == 0 ? kExitOk : kExitError;
}

} // namespace memloc::cli
