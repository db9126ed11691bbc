// memloc-cli sweep: every combination of a few varied settings over a base config, trained and
// analysed into one experiment folder (FOLDER/experiment.json and FOLDER/runs/*.h5).

#include "commands.h"
#include "interrupt.h"

#include "memloc/distributed.h"
#include "memloc/error.h"
#include "memloc/experiment.h"
#include "memloc/run_config.h"
#include "memloc/version.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <sys/resource.h>

namespace memloc::cli {

namespace {

/// "noise=0.05,0.1,0.2" -> {noise, [0.05, 0.1, 0.2]}. dropout_blocks values hold commas
/// themselves: separate its values with ';' ("dropout_blocks=2,3;0,1,2,3,5,6").
core::SweepAxis parseAxis(const std::string& text) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
        throw UsageError{"--vary needs KEY=V1,V2,... (e.g. noise=0.05,0.1), got '" + text + "'"};
    core::SweepAxis axis{text.substr(0, eq), {}};
    const std::string values = text.substr(eq + 1);
    for (const std::string& v : splitList(values, values.find(';') != std::string::npos ? ';' : ',')) {
        if (v.empty()) throw UsageError{"--vary " + axis.key + ": an empty value in '" + values + "'"};
        axis.values.push_back(v);
    }
    return axis;
}

/// This process's share of the runs: --rank/--processes, a torchrun-style launch (RANK,
/// WORLD_SIZE) or a Slurm job array (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT).
std::pair<int, int> processShare(const Arguments& args) {
    if (args.has("processes"))
        return {static_cast<int>(args.intValue("rank", 0)), static_cast<int>(args.intValue("processes", 1))};
    const core::LaunchInfo launch = core::launchFromEnvironment();
    if (launch.distributed()) return {launch.rank, launch.worldSize};
    auto env = [](const char* name) -> const char* { return std::getenv(name); };
    if (env("SLURM_ARRAY_TASK_ID") && env("SLURM_ARRAY_TASK_COUNT")) {
        const int min = env("SLURM_ARRAY_TASK_MIN") ? std::atoi(env("SLURM_ARRAY_TASK_MIN")) : 0;
        return {std::atoi(env("SLURM_ARRAY_TASK_ID")) - min, std::atoi(env("SLURM_ARRAY_TASK_COUNT"))};
    }
    return {0, 1};
}

} // namespace

int sweepCommand(int argc, char** argv) {
    // --vary may repeat: take its values out before the ordinary option parsing.
    std::vector<core::SweepAxis> axes;
    std::vector<char*> rest(argv, argv + argc);
    for (std::size_t i = 2; i < rest.size();) {
        if (!std::strcmp(rest[i], "--vary")) {
            if (i + 1 >= rest.size()) throw UsageError{"option --vary needs a value (KEY=V1,V2,...)"};
            axes.push_back(parseAxis(rest[i + 1]));
            rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(i), rest.begin() + static_cast<std::ptrdiff_t>(i) + 2);
        } else {
            ++i;
        }
    }
    const Arguments args(static_cast<int>(rest.size()), rest.data(), 2, {"quiet"});
    args.requireKnown({"config", "out", "analyses", "eval-subset", "retrain-epochs", "flip-examples", "device",
                       "threads", "rank", "processes", "quiet"});
    if (!args.positionals().empty()) throw UsageError{"unexpected argument '" + args.positionals().front() + "'"};
    const std::string out = args.value("out");
    if (out.empty()) throw UsageError{"sweep needs --out FOLDER (the experiment folder)"};
    const bool quiet = args.has("quiet");

    const std::string baseJson = args.has("config") ? core::configToJson(core::loadConfigFile(args.value("config")))
                                                    : core::configToJson(core::RunConfig{});
    std::vector<std::string> analyses;
    if (args.has("analyses") && args.value("analyses") != "none") analyses = args.listValue("analyses");
    const core::Experiment planned = core::planExperiment(out, baseJson, axes, analyses);

    const auto [rank, processes] = processShare(args);
    // The same command again continues the experiment; another one is refused.
    const core::Experiment experiment = core::openOrCreateExperiment(planned);

    std::string device = args.value("device", "auto");
    const char* localRank = std::getenv("LOCAL_RANK");
    if (device == "auto" && localRank && !core::buildInfo().gpus.empty())
        device = "cuda:" + std::to_string(std::atoi(localRank) % static_cast<int>(core::buildInfo().gpus.size()));
    core::SweepAnalysisOptions options;
    options.evalSubset = args.intValue("eval-subset", options.evalSubset);
    options.retrainEpochs = args.intValue("retrain-epochs", options.retrainEpochs);
    options.flipExamples = args.intValue("flip-examples", options.flipExamples);

    const std::vector<std::size_t> mine = core::runsOfProcess(experiment.runs.size(), rank, processes);
    if (!quiet)
        std::printf("sweep: %zu runs in %s; process %d of %d does %zu of them on %s\n", experiment.runs.size(),
                    out.c_str(), rank, processes, mine.size(), device.c_str());
    std::size_t finished = 0;
    core::SweepCallbacks cb;
    cb.cancel = &installInterrupt();
    cb.event = [&](const core::SweepEvent& e) {
        if (e.message.rfind("done", 0) == 0 || e.message.rfind("failed", 0) == 0) ++finished;
        if (!quiet) {
            // Runs are trained one after another in this process: its peak memory is one run's, not
            // the sweep's total, and the line shows it after each run.
            std::string memory;
            struct rusage usage {};
            if (e.message.rfind("done", 0) == 0 && ::getrusage(RUSAGE_SELF, &usage) == 0)
                memory = " (peak memory of this process so far: " + std::to_string(usage.ru_maxrss / 1024) + " MiB)";
            std::printf("[run %zu/%zu, %zu of %zu done here] %s: %s%s\n", e.index + 1, experiment.runs.size(), finished,
                        mine.size(), e.run->name.c_str(), e.message.c_str(), memory.c_str());
            std::fflush(stdout);
        }
    };
    const int failed = core::runSweep(experiment, rank, processes, device, args.intValue("threads", 0), options, cb);
    restoreInterrupt();
    if (!quiet) std::printf("sweep: %zu runs done here, %d failed; manifest %s\n", mine.size() - failed, failed,
                            core::manifestPath(out).c_str());
    return failed == 0 ? kExitOk : kExitError;
}

} // namespace memloc::cli
