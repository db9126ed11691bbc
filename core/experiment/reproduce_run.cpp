// Running a reproduction from start to report: the request of a scale, the experiment folder, the
// sweep and the report.

#include "memloc/reproduce.h"

#include "memloc/error.h"
#include "memloc/run_config.h"

#include <filesystem>
#include <optional>
#include <string>
#include <system_error>

namespace memloc::core {

namespace fs = std::filesystem;

ReproduceRequest reproduceRequest(const std::string& scale, const std::string& folder, const std::string& configFile) {
    const ReproduceScale preset = reproduceScale(scale);
    ReproduceRequest request;
    request.folder = folder;
    request.scale = preset.name;
    request.options = preset.options;
    request.baseConfigJson = preset.baseConfig;
    // The file's keys over the preset (noise and dropout stay the suite's own: planReproduction sets them).
    if (!configFile.empty())
        request.baseConfigJson = configToJson(loadConfigFile(configFile, configFromJson(preset.baseConfig, "preset")));
    return request;
}

void setReproduceFocus(ReproduceRequest& request, const std::string& file, std::optional<double> threshold,
                       const std::string& name) {
    std::error_code ec;
    if (!fs::exists(file, ec)) throw Error(file + ": no such file (the focus set)");
    RunConfig config = configFromJson(request.baseConfigJson, "reproduction base config");
    config.focus = fs::absolute(file, ec).lexically_normal().string();
    config.focusThreshold = threshold;
    config.focusName = name;
    request.baseConfigJson = configToJson(config);
}

ReproduceResult runReproduction(const ReproduceRequest& request, const ReproduceCallbacks& callbacks) {
    if (request.folder.empty()) throw Error("reproduce: no output folder given");
    std::error_code ec;
    fs::create_directories(request.folder, ec);
    if (ec || !fs::is_directory(request.folder))
        throw Error(request.folder + ": cannot create the output folder: " + ec.message());
    const Experiment experiment = openOrCreateExperiment(planReproduction(request.folder, request.baseConfigJson, request.noise));
    if (callbacks.planned) callbacks.planned(experiment);

    ReproduceResult result;
    result.runCount = experiment.runs.size();
    result.failedRuns = runSweep(experiment, 0, 1, request.device, request.threads, request.options, callbacks.sweep);
    if (callbacks.reporting) callbacks.reporting();
    result.report = buildReproduceReport(request.folder, request.scale);
    writeReproduceReport(result.report);
    return result;
}

} // namespace memloc::core
