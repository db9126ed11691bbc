// memloc-cli reproduce: the paper's experiment suite (noise 0.05 / 0.1 / 0.2 x dropout none /
// example-tied, every analysis) as one experiment folder, then a report that judges each of the
// paper's claims by a fixed rule: DIR/report.html, report.json and CSVs.

#include "commands.h"
#include "interrupt.h"

#include "memloc/error.h"
#include "memloc/experiment.h"
#include "memloc/reproduce.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

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

// --noise 0.05,0.1 or --noise 0: each a fraction in [0, 1), as the sweep's values are written.
std::vector<std::string> noiseList(const std::string& text) {
    std::vector<std::string> out;
    for (const std::string& item : splitList(text, ',')) {
        std::size_t used = 0;
        double v = -1;
        try {
            v = std::stod(item, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (item.empty() || used != item.size() || !(v >= 0.0 && v < 1.0))
            throw UsageError{"--noise: '" + item + "' is not a fraction in [0, 1) (expected e.g. 0.05,0.1,0.2 or 0)"};
        out.push_back(item);
    }
    return out;
}

} // namespace

int reproduceCommand(const Arguments& args) {
    args.requireKnown({"scale", "out", "config", "eval-subset", "retrain-epochs", "flip-examples", "device", "threads",
                       "quiet", "focus", "focus-threshold", "focus-name", "noise"});
    if (!args.positionals().empty()) throw UsageError{"unexpected argument '" + args.positionals().front() + "'"};
    const core::ReproduceScale scale = scaleOf(args.value("scale", "demo"));
    const std::string out = args.value("out", "memloc-reproduce-" + scale.name);
    const bool quiet = args.has("quiet");
    const auto start = std::chrono::steady_clock::now();

    // --config: keys over the scale's preset (noise and dropout are the suite's own).
    core::ReproduceRequest request = core::reproduceRequest(scale.name, out, args.value("config", ""));
    request.options.evalSubset = args.intValue("eval-subset", request.options.evalSubset);
    request.options.retrainEpochs = args.intValue("retrain-epochs", request.options.retrainEpochs);
    request.options.flipExamples = args.intValue("flip-examples", request.options.flipExamples);
    if (args.has("focus")) {
        std::optional<double> threshold;
        if (args.has("focus-threshold")) threshold = args.doubleValue("focus-threshold", 0.0);
        core::setReproduceFocus(request, args.value("focus"), threshold, args.value("focus-name"));
    } else if (args.has("focus-threshold") || args.has("focus-name")) {
        throw UsageError{"--focus-threshold and --focus-name need --focus FILE"};
    }
    if (args.has("noise")) request.noise = noiseList(args.value("noise"));
    request.device = args.value("device", "auto");
    request.threads = args.intValue("threads", 0);

    std::size_t runCount = 0;
    core::ReproduceCallbacks cb;
    cb.planned = [&](const core::Experiment& experiment) {
        runCount = experiment.runs.size();
        if (!quiet)
            std::printf("reproduce: %s scale (%s), %zu runs with every analysis in %s on %s\n", scale.name.c_str(),
                        scale.description.c_str(), runCount, out.c_str(), request.device.c_str());
    };
    cb.sweep.cancel = &installInterrupt();
    cb.sweep.event = [&](const core::SweepEvent& e) {
        if (quiet) return;
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("[%5.0fs] run %zu/%zu %s: %s\n", s, e.index + 1, runCount, e.run->name.c_str(), e.message.c_str());
        std::fflush(stdout);
    };
    cb.reporting = [] { restoreInterrupt(); };
    const core::ReproduceResult result = core::runReproduction(request, cb);
    if (!quiet) {
        for (const core::ClaimRow& c : result.report.claims)
            std::printf("  %-20s %-14s %s\n", c.id.c_str(), core::verdictName(c.verdict.verdict).c_str(), c.title.c_str());
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("reproduce: report %s (%.0f s)%s\n", (fs::path(out) / "report.html").string().c_str(), s,
                    result.failedRuns ? "; some runs failed: see experiment.json" : "");
    }
    return result.failedRuns == 0 ? kExitOk : kExitError;
}

} // namespace memloc::cli
