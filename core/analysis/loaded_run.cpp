#include "analysis/loaded_run.h"

#include "memloc/error.h"

#include <cstdint>


namespace memloc::core {

std::size_t LoadedRun::groupIndex(const std::string& key) const {
    for (std::size_t i = 0; i < groups.size(); ++i)
        if (groups[i].name == key) return i;
    std::string digits = key;
    if (!digits.empty() && digits[0] == 'g') digits = digits.substr(1);
    if (!digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos) {
        const std::size_t i = std::stoul(digits);
        if (i < groups.size()) return i;
    }
    std::string names;
    for (const auto& g : groups) names += (names.empty() ? "" : ", ") + g.name;
    throw Error("unknown layer group '" + key + "' (this run has: " + names + "; or an index 0.." +
                std::to_string(groups.size() - 1) + ")");
}

void LoadedRun::restoreFinal() { loadEpoch(*this, finalEpoch, *model); }

std::shared_ptr<Net> buildRunModel(const LoadedRun& run) {
    RunFileReader reader(run.path);
    auto model = buildModel(reader.modelSpec());
    model->to(run.device.device);
    model->eval();
    return model;
}

void loadEpoch(const LoadedRun& run, std::int64_t epoch, Net& model) {
    RunFileReader reader(run.path);
    model.to(torch::kCPU);
    reader.loadCheckpoint(epoch, model);
    model.to(run.device.device);
}

LoadedRun loadRun(const std::string& path, const std::string& device, std::int64_t threads) {
    RunFileReader reader(path);
    LoadedRun run;
    run.path = path;
    run.config = reader.config();
    run.finalEpoch = reader.epochsCompleted();
    if (run.finalEpoch < 1) throw Error(path + ": the run has no completed training epoch to analyse");
    run.device = selectDevice(device, threads);
    run.data = prepareRunData(run.config, run.device.device, false);
    if (run.config.labels == "stored") {
        if (!reader.datasetTensor("true_labels").to(torch::kLong).equal(run.data.trainTrue.cpu()))
            throw Error(path + ": the dataset's labels differ from the ones stored in this run (files under '" +
                        run.data.dataDir + "' changed?)");
        try {
            useStoredLabels(run.data, reader.datasetTensor("given_labels"), reader.datasetTensor("noise_mask"));
        } catch (const Error& e) {
            throw Error(path + ": " + e.what());
        }
    }
    if (!reader.datasetTensor("given_labels").equal(run.data.trainGiven.cpu()) ||
        !reader.datasetTensor("train_indices").equal(run.data.trainIndices))
        throw Error(path + ": the dataset read now differs from the one this run was trained on (files under '" +
                    run.data.dataDir + "' changed?)");
    useRunFocus(run.data, reader, run.config);
    run.model = buildModel(reader.modelSpec());
    run.groups = run.model->layerGroups();
    reader.loadCheckpoint(run.finalEpoch, *run.model);
    run.model->to(run.device.device);
    run.model->eval();
    return run;
}

} // namespace memloc::core
