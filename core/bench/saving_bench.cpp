// Saving benchmark: appendEpoch timed per epoch for both run file formats on one ResNet-9.

#include "memloc/saving_bench.h"

#include "io/file_util.h"
#include "io/h5_util.h"
#include "io/run_file.h"
#include "memloc/error.h"
#include "models/model.h"
#include "training/run_data.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

namespace memloc::core {

namespace {

namespace fs = std::filesystem;

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

/// Removes a benchmark's run file (and a save copy) however the benchmark ends.
struct RemovedAtEnd {
    std::string path;
    ~RemovedAtEnd() {
        removeQuietly(path);
        removeQuietly(path + ".saving");
        removeQuietly(path + ".partial");
    }
};

RunConfig benchConfig(const SavingBenchOptions& o) {
    RunConfig c;
    c.dataset = "synthetic";  // the dataset only sets the file's header; no training
    c.syntheticTrain = 256;
    c.syntheticTest = 64;
    c.syntheticSize = 28;
    c.syntheticClasses = 10;
    c.noise = 0.1;
    c.model = "resnet9";
    c.width = o.width;
    c.epochs = o.epochs;
    c.accounting = o.accounting;
    c.device = "cpu";
    return c;
}

} // namespace

std::vector<SavingBenchSeries> runSavingBenchmark(const SavingBenchOptions& o, const ProgressFn& progress) {
    if (o.epochs < 1) throw Error("saving bench: epochs must be >= 1");
    if (!(o.width > 0)) throw Error("saving bench: width must be > 0");
    for (int format : o.formats)
        if (format != 1 && format != 2) throw Error("saving bench: format must be 1 or 2, got " + std::to_string(format));
    const RunConfig config = benchConfig(o);
    const RunData data = prepareRunData(config, torch::kCPU);
    ModelSpec spec;
    spec.architecture = "resnet9";
    spec.width = o.width;
    spec.inChannels = data.imageShape()[0];
    spec.imageSize = data.imageShape()[1];
    spec.numClasses = data.numClasses;
    const fs::path folder = o.folder.empty() ? fs::temp_directory_path() : fs::path(o.folder);

    std::vector<SavingBenchSeries> out;
    const auto total = static_cast<std::int64_t>(o.formats.size()) * (o.epochs + 1);
    std::int64_t done = 0;
    for (int format : o.formats) {
        SavingBenchSeries s;
        s.format = format;
        const std::string stage = "format " + std::to_string(format);
        const RemovedAtEnd file{(folder / ("memloc-saving-bench-" + std::to_string(::getpid()) + "-format" +
                                           std::to_string(format) + ".h5")).string()};
        torch::manual_seed(1);
        std::shared_ptr<Net> model = buildModel(spec);
        for (const auto& p : model->named_parameters()) s.checkpointBytes += p.value().nbytes();
        for (const auto& b : model->named_buffers()) s.checkpointBytes += b.value().nbytes();
        RunFileHeader header;
        header.config = config;
        header.modelSpec = spec;
        header.groups = model->layerGroups();
        header.deviceDescription = "cpu (saving benchmark)";
        header.stepsPerEpoch = 1;
        header.preallocate = format == 2;  // format 1 is the layout without room laid out ahead
        const auto created = Clock::now();
        createRunFile(file.path, header, data, *model, EpochMetrics{}, /*overwrite=*/true);
        s.createSeconds = secondsSince(created);
        if (format == 1) {
            H5::H5File h5(file.path, H5F_ACC_RDWR);
            h5::writeAttr(h5, "format_version", std::int64_t{1});
        }
        if (progress) progress({++done, total, stage + ": created"});

        std::vector<torch::Tensor> momentum;
        for (const auto& p : model->parameters()) momentum.push_back(torch::full_like(p, 0.01));
        EpochAccounting accounting;
        const std::size_t groups = model->layerGroups().size();
        accounting.cleanNorm.assign(groups, 1.0);
        accounting.noisyNorm.assign(groups, 0.5);
        accounting.totalNorm.assign(groups, 1.25);
        accounting.cosine.assign(groups, -0.5);
        for (std::int64_t e = 1; e <= o.epochs; ++e) {
            {  // new weights and momentum each epoch, as training gives
                torch::NoGradGuard noGrad;
                for (auto& p : model->parameters()) p.add_(1e-3);
                for (auto& m : momentum) m.mul_(0.9);
            }
            EpochMetrics m;
            m.epoch = e;
            m.trainLoss = 1.0 / static_cast<double>(e);
            m.lr = 0.1;
            const auto start = Clock::now();
            appendEpoch(file.path, *model, m, o.accounting ? &accounting : nullptr, momentum, e);
            s.saveSeconds.push_back(secondsSince(start));
            if (progress) progress({++done, total, stage + ": epoch " + std::to_string(e)});
        }
        s.fileBytes = fs::file_size(file.path);
        out.push_back(std::move(s));
    }
    return out;
}

} // namespace memloc::core
