// memloc-cli bench: training throughput of ResNet-9 with and without gradient accounting
// (--suite side-by-side: bench_side_by_side.cpp).

#include "bench_side_by_side.h"
#include "commands.h"
#include "progress_bar.h"

#include "memloc/training.h"
#include "memloc/version.h"

#include <cstdint>
#include <cstdio>
#include <string>

namespace memloc::cli {

int benchCommand(const Arguments& args) {
    const std::string suite = args.value("suite", "throughput");
    if (suite == "side-by-side") return benchSideBySide(args);
    if (suite != "throughput") throw UsageError{"--suite must be throughput or side-by-side, got '" + suite + "'"};
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
    std::printf("%-8s %-10s %-14s %14s %14s %10s\n", "width", "precision", "memory format", "plain img/s", "account img/s",
                "overhead");
    for (std::size_t i = 0; i + 1 < figures.size(); i += 2) {
        const auto& plain = figures[i];
        const auto& acc = figures[i + 1];
        std::printf("%-8g %-10s %-14s %14.1f %14.1f %9.2fx\n", plain.width, plain.precision.c_str(),
                    plain.memoryFormat.c_str(), plain.imagesPerSecond, acc.imagesPerSecond,
                    plain.imagesPerSecond / acc.imagesPerSecond);
    }
    std::printf("overhead = time per image with accounting / without (target <= 1.8x)\n");
    return kExitOk;
}

} // namespace memloc::cli
