// memloc-cli inspect: what a run file holds, as text or JSON.

#include "commands.h"

#include "memloc/run_summary.h"

#include <cstdint>
#include <cstdio>
#include <string>

namespace memloc::cli {

namespace {

std::string pct(double v) {
    if (v != v) return "n/a";
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.1f%%", v * 100.0);
    return buf;
}

} // namespace

int inspectCommand(const Arguments& args) {
    args.requireKnown({"json"});
    if (args.positionals().size() != 1) throw UsageError{"inspect takes one run file: memloc-cli inspect RUN.h5 [--json]"};
    const core::RunSummary s = core::readRunSummary(args.positionals().front());
    if (args.has("json")) {
        std::printf("%s\n", core::summaryToJson(s).c_str());
        return kExitOk;
    }
    const core::RunConfig& c = s.config;
    std::printf("run:       %s (memloc-run format %d, written by memloc %s, LibTorch %s, %s)\n", s.path.c_str(),
                s.formatVersion, s.memlocVersion.c_str(), s.torchVersion.c_str(), s.created.c_str());
    std::string shape;
    for (std::size_t i = 0; i < s.imageShape.size(); ++i) shape += (i ? "x" : "") + std::to_string(s.imageShape[i]);
    std::printf("dataset:   %s, %lld training examples (%lld noisy = %s, noise seed %lld), %lld test, %lld classes, %s images\n",
                c.dataset.c_str(), static_cast<long long>(s.trainSize), static_cast<long long>(s.noisyCount),
                pct(s.trainSize ? static_cast<double>(s.noisyCount) / static_cast<double>(s.trainSize) : 0).c_str(),
                static_cast<long long>(c.noiseSeed), static_cast<long long>(s.testSize), static_cast<long long>(s.numClasses),
                shape.c_str());
    if (!s.focus.labelNoise) {
        char threshold[64] = "";
        if (c.focusThreshold) std::snprintf(threshold, sizeof threshold, ", the examples scoring below %g", *c.focusThreshold);
        std::printf("focus:     %s, %lld training examples (%s) from %s%s; analyses compare it with the %s examples\n",
                    s.focus.set.c_str(), static_cast<long long>(s.focusCount),
                    pct(s.trainSize ? static_cast<double>(s.focusCount) / static_cast<double>(s.trainSize) : 0).c_str(),
                    c.focus.c_str(), threshold, s.focus.rest.c_str());
    }
    std::printf("model:     %s, width %g\n", c.model.c_str(), c.width);
    if (c.dropout == "example-tied")
        std::printf("dropout:   example-tied after blocks %s, p_gen %g, p_mem %g, etd_rounding %s (generalization channels = %s)\n",
                    c.dropoutBlocks.c_str(), c.pGen, c.pMem, c.etdRounding.c_str(),
                    c.etdRounding == "floor" ? "floor(p_gen x C), as the published code" : "round(p_gen x C)");
    if (!s.importedFrom.empty()) {
        std::printf("imported:  from %s (%s); trained elsewhere, so its training settings are not known\n",
                    s.importedFrom.c_str(), s.sourceFormat.c_str());
        std::printf("labels:    %s\n", c.labels == "stored" ? "stored in the run (from label files)" : "seeded noise procedure");
    } else {
        std::printf("training:  %lld of %lld epochs, batch %lld, lr %g (%s), momentum %g%s, weight decay %g, seed %lld\n",
                    static_cast<long long>(s.epochsCompleted), static_cast<long long>(s.epochsPlanned),
                    static_cast<long long>(c.batchSize), c.lr, c.schedule.c_str(), c.momentum, c.nesterov ? " nesterov" : "",
                    c.weightDecay, static_cast<long long>(c.seed));
    }
    std::string stored;
    for (std::int64_t e : s.checkpointEpochs) stored += (stored.empty() ? "" : " ") + std::to_string(e);
    if (s.checkpointEpochs.size() == static_cast<std::size_t>(s.epochsCompleted + 1))
        std::printf("checkpoints: epochs 0..%lld\n", static_cast<long long>(s.epochsCompleted));
    else
        std::printf("checkpoints: epochs %s (%zu stored)\n", stored.c_str(), s.checkpointEpochs.size());
    if (!s.metrics.empty()) {
        const core::EpochMetrics& m = s.metrics.back();
        if (s.focus.labelNoise)
            std::printf("final (epoch %lld): clean %s, noisy vs given label (memorized) %s, noisy vs true label %s, test %s\n",
                        static_cast<long long>(m.epoch), pct(m.trainCleanAcc).c_str(), pct(m.trainNoisyGivenAcc).c_str(),
                        pct(m.trainNoisyTrueAcc).c_str(), pct(m.testAcc).c_str());
        else
            std::printf("final (epoch %lld): %s %s, %s vs given label (fitted) %s, %s vs true label %s, test %s\n",
                        static_cast<long long>(m.epoch), s.focus.rest.c_str(), pct(m.trainCleanAcc).c_str(),
                        s.focus.set.c_str(), pct(m.trainNoisyGivenAcc).c_str(), s.focus.set.c_str(),
                        pct(m.trainNoisyTrueAcc).c_str(), pct(m.testAcc).c_str());
    }
    std::printf("layer groups (%zu):", s.groups.size());
    for (const auto& g : s.groups) std::printf(" %s[%lld]", g.name.c_str(), static_cast<long long>(g.units));
    std::printf("\ngradient accounting: %s\n", s.hasAccounting ? "yes" : "no");
    std::string analyses;
    for (const auto& a : s.analyses) analyses += (analyses.empty() ? "" : ", ") + a;
    std::printf("analyses:  %s\n", analyses.empty() ? "none" : analyses.c_str());
    return kExitOk;
}

} // namespace memloc::cli
