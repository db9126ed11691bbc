// memloc-cli bench: training throughput of ResNet-9 with and without gradient accounting
// (--suite side-by-side: bench_side_by_side.cpp; --suite saving: the time of saving an epoch).

#include "bench_side_by_side.h"
#include "commands.h"
#include "progress_bar.h"

#include "memloc/saving_bench.h"
#include "memloc/training.h"
#include "memloc/version.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>

namespace memloc::cli {

namespace {

/// --suite saving: seconds per saved epoch for each run file format, every epoch and a summary.
int benchSaving(const Arguments& args) {
    args.requireKnown({"suite", "width", "epochs", "format", "dir"});
    core::SavingBenchOptions o;
    o.width = args.doubleValue("width", 1.0);
    o.epochs = args.intValue("epochs", 50);
    o.folder = args.value("dir");
    const std::string format = args.value("format", "both");
    if (format == "1" || format == "2") o.formats = {std::stoi(format)};
    else if (format != "both") throw UsageError{"--format must be 1, 2 or both, got '" + format + "'"};
    if (o.epochs < 1 || !(o.width > 0)) throw UsageError{"--epochs must be >= 1 and --width > 0"};

    std::printf("%s\n", core::versionLine().c_str());
    std::printf("saving %lld epochs of a ResNet-9 of width %g (random weights%s); seconds per appendEpoch\n",
                static_cast<long long>(o.epochs), o.width, o.accounting ? ", with accounting rows" : "");
    ProgressBar bar(static_cast<std::int64_t>(o.formats.size()) * (o.epochs + 1), true);
    const auto series = core::runSavingBenchmark(o, [&](const core::Progress& p) { bar.update(p.done, p); });
    bar.clear();
    std::printf("checkpoint: %.1f MB per epoch\n", static_cast<double>(series.front().checkpointBytes) / 1e6);
    std::printf("%-6s", "epoch");
    for (const auto& s : series) std::printf(" %12s", ("format " + std::to_string(s.format)).c_str());
    std::printf("\n");
    for (std::int64_t e = 1; e <= o.epochs; ++e) {
        std::printf("%-6lld", static_cast<long long>(e));
        for (const auto& s : series) std::printf(" %12.4f", s.saveSeconds[static_cast<std::size_t>(e - 1)]);
        std::printf("\n");
    }
    std::printf("\nsummary (seconds)\n");
    for (const auto& s : series) {
        const auto at = [&](std::int64_t e) { return s.saveSeconds[static_cast<std::size_t>(std::min(e, o.epochs) - 1)]; };
        const auto [lo, hi] = std::minmax_element(s.saveSeconds.begin(), s.saveSeconds.end());
        std::printf("format %d (%s): create %.3f, epoch 1 %.4f, 10 %.4f, 25 %.4f, %lld %.4f; max/min %.2f; file %.1f MB\n",
                    s.format, s.format == 2 ? "in place" : "copy and rename", s.createSeconds, at(1), at(10), at(25),
                    static_cast<long long>(o.epochs), at(o.epochs), *hi / std::max(*lo, 1e-9),
                    static_cast<double>(s.fileBytes) / 1e6);
    }
    return kExitOk;
}

} // namespace

int benchCommand(const Arguments& args) {
    const std::string suite = args.value("suite", "throughput");
    if (suite == "side-by-side") return benchSideBySide(args);
    if (suite == "saving") return benchSaving(args);
    if (suite != "throughput") throw UsageError{"--suite must be throughput, side-by-side or saving, got '" + suite + "'"};
    args.requireKnown({"suite", "widths", "batches", "batch-size", "device", "threads", "precision", "memory-format"});
    core::BenchOptions o;  // defaults: widths 1.0,0.25; fp32; contiguous
    if (args.has("widths")) {
        o.widths.clear();
        for (const std::string& item : args.listValue("widths")) {
            try {
                o.widths.push_back(std::stod(item));
            } catch (const std::exception&) {
                throw UsageError{"--widths expects numbers separated by commas, got '" + item + "'"};
            }
        }
    }
    if (args.has("precision")) o.precisions = args.listValue("precision");
    if (args.has("memory-format")) o.memoryFormats = args.listValue("memory-format");
    o.batches = args.intValue("batches", 20);
    o.batchSize = args.intValue("batch-size", 128);
    o.device = args.value("device", "auto");
    o.threads = args.intValue("threads", 0);
    if (o.batches < 1 || o.batchSize < 2) throw UsageError{"--batches must be >= 1 and --batch-size >= 2"};

    std::printf("%s\n", core::versionLine().c_str());
    std::printf("ResNet-9 training on 1x28x28 inputs, batch %lld, %lld timed batches per figure\n",
                static_cast<long long>(o.batchSize), static_cast<long long>(o.batches));
    ProgressBar bar(static_cast<std::int64_t>(o.widths.size() * o.precisions.size() * o.memoryFormats.size()) * 2 * o.batches, true);
    const auto figures = core::runTrainingBenchmark(o, [&](const core::Progress& p) { bar.update(p.done, p); });
    bar.clear();
    // The achieved rate counts 3x the forward FLOPs of convolutions and linear layers per image
    // (plain training); the peak is LibTorch's best conv2d on this device in this precision.
    const char* unit = figures.empty() || figures.front().peakFlops < 1e12 ? "GFLOP/s" : "TFLOP/s";
    const double scale = std::string(unit) == "GFLOP/s" ? 1e9 : 1e12;
    std::printf("%-8s %-10s %-14s %14s %14s %10s %12s %12s %8s\n", "width", "precision", "memory format", "plain img/s",
                "account img/s", "overhead", (std::string("plain ") + unit).c_str(), (std::string("peak ") + unit).c_str(),
                "of peak");
    for (std::size_t i = 0; i + 1 < figures.size(); i += 2) {
        const auto& plain = figures[i];
        const auto& acc = figures[i + 1];
        std::printf("%-8g %-10s %-14s %14.1f %14.1f %9.2fx %12.2f %12.2f %7.0f%%\n", plain.width, plain.precision.c_str(),
                    plain.memoryFormat.c_str(), plain.imagesPerSecond, acc.imagesPerSecond,
                    plain.imagesPerSecond / acc.imagesPerSecond, plain.achievedFlops() / scale, plain.peakFlops / scale,
                    plain.peakFlops > 0 ? 100.0 * plain.achievedFlops() / plain.peakFlops : 0.0);
    }
    std::printf("overhead = time per image with accounting / without (target <= 1.8x)\n");
    std::printf("plain %s = 3 x forward FLOPs (convolutions, linear layers) per image x plain img/s; peak = the\n"
                "fastest 3x3 conv2d LibTorch runs on this device in that precision (CPU: 128 channels, 14x14, batch 128;\n"
                "GPU: 256 channels, 28x28, batch 512)\n",
                unit);
    return kExitOk;
}

} // namespace memloc::cli
