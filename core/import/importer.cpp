#include "memloc/import.h"

#include "import/arch_match.h"
#include "import/checkpoint_source.h"
#include "import/label_file.h"
#include "io/file_util.h"
#include "io/run_file.h"
#include "memloc/error.h"
#include "models/jit_net.h"
#include "training/device.h"
#include "training/evaluator.h"
#include "training/run_data.h"

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace memloc::core {

namespace fs = std::filesystem;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

EpochMetrics nanMetrics(std::int64_t epoch) {
    EpochMetrics m;
    m.epoch = epoch;
    m.trainLoss = m.trainCleanAcc = m.trainNoisyGivenAcc = m.trainNoisyTrueAcc = m.testAcc = m.lr = m.seconds = kNaN;
    return m;
}

/// A per-example vector from a label file, for the run's training subset: files may hold one
/// value per subset example or one per example of the whole training split.
torch::Tensor alignToSubset(const torch::Tensor& values, const RunData& data, const std::string& file,
                            const std::function<std::int64_t()>& fullSizeOf) {
    const std::int64_t n = data.trainSize();
    if (values.size(0) == n) return values;
    const std::int64_t fullSize = fullSizeOf();
    if (values.size(0) == fullSize) return values.index_select(0, data.trainIndices);
    throw Error(file + ": holds " + std::to_string(values.size(0)) + " values; expected one per training example of the run (" +
                std::to_string(n) + ") or of the whole training split (" + std::to_string(fullSize) + ")");
}

/// Sets the run's given labels from the files the user named (labels = "stored").
std::string bindLabelFiles(const ImportOptions& o, RunData& data, RunConfig& config,
                           const std::function<std::int64_t()>& fullSize) {
    const torch::Tensor trueLabels = data.trainTrue.cpu();
    torch::Tensor mask, given;
    if (!o.noiseMask.empty()) {
        mask = alignToSubset(readIntVectorFile(o.noiseMask), data, o.noiseMask, fullSize);
        if (mask.lt(0).any().item<bool>() || mask.gt(1).any().item<bool>())
            throw Error(o.noiseMask + ": a noise mask holds 0 or 1 per example (found other values; is it a label file? use --given-labels)");
        mask = mask.to(torch::kBool);
    }
    if (!o.givenLabels.empty()) {
        given = alignToSubset(readIntVectorFile(o.givenLabels), data, o.givenLabels, fullSize);
        if (given.lt(0).any().item<bool>() || given.ge(data.numClasses).any().item<bool>())
            throw Error(o.givenLabels + ": labels must be class indices 0.." + std::to_string(data.numClasses - 1));
        const torch::Tensor differs = given.ne(trueLabels);
        if (mask.defined() && !differs.equal(mask))
            throw Error(o.noiseMask + ": the noise mask disagrees with " + o.givenLabels + " on " +
                        std::to_string(differs.ne(mask).sum().item<std::int64_t>()) +
                        " example(s) (a noisy example's given label must differ from its true label)");
        mask = differs;
    } else {
        throw Error(o.noiseMask + ": a noise mask tells which examples are noisy but not which wrong label each was "
                                  "trained with; give the labels too with --given-labels FILE (or use the seeded noise "
                                  "procedure: --noise P --noise-seed S)");
    }
    useStoredLabels(data, given, mask);
    config.labels = "stored";
    config.noise = static_cast<double>(mask.sum().item<std::int64_t>()) / static_cast<double>(data.trainSize());
    return "stored labels from " + o.givenLabels + (o.noiseMask.empty() ? "" : " (checked against " + o.noiseMask + ")");
}

/// Whether a TorchScript module and a built-in model compute the same function on `images`.
bool sameFunction(Net& a, Net& b, const torch::Tensor& images) {
    torch::InferenceMode guard;
    a.eval();
    b.eval();
    const torch::Tensor x = images.slice(0, 0, std::min<std::int64_t>(64, images.size(0)));
    try {
        const torch::Tensor ya = a.forward(x), yb = b.forward(x);
        return ya.sizes().equals(yb.sizes()) && (ya - yb).abs().max().item<double>() <= 1e-4 * std::max(1.0, ya.abs().max().item<double>());
    } catch (const c10::Error&) {
        return false;
    }
}

std::int64_t fullTrainSize(const RunConfig& config, torch::Device device) {
    RunConfig all = config;
    all.subset = 0;
    all.testSubset = 1;
    all.labels = "stored";
    return prepareRunData(all, device).trainSize();
}

} // namespace

ImportResult importCheckpoints(const ImportOptions& o) {
    if (o.out.empty()) throw Error("import: no output run file given (--out RUN.h5)");
    if (fs::exists(o.out) && !o.overwrite) throw Error(o.out + ": file exists (choose another --out, or --overwrite to replace it)");
    auto cancelled = [&] { return o.cancel && o.cancel->isCancelled(); };
    auto report = [&](std::int64_t done, std::int64_t total, const std::string& stage) {
        if (o.progress) o.progress({done, total, stage});
    };

    const std::vector<CheckpointFile> files = listCheckpointFiles(o.source);
    RunConfig config = o.config;
    {
        RunConfig check = config;
        check.model = "resnet9";
        check.dropout = "none";
        validateConfig(check);
    }
    if (config.dropout != "none") throw Error("import: example-tied dropout models cannot be imported (dropout must be none)");
    const ComputeDevice device = selectDevice(o.device, o.threads);

    report(0, 1, "reading the dataset");
    ImportResult result;
    result.out = o.out;
    RunData data = prepareRunData(config, device.device);
    if (!o.givenLabels.empty() || !o.noiseMask.empty()) {
        result.labels = bindLabelFiles(o, data, config, [&] { return fullTrainSize(config, device.device); });
    } else {
        std::ostringstream s;
        s << "seeded noise procedure (noise " << config.noise << ", noise_seed " << config.noiseSeed << ")";
        result.labels = s.str();
    }
    result.trainSize = data.trainSize();
    result.noisyCount = data.noisyCount();
    if (cancelled()) throw Cancelled();

    // The architecture is decided by the last (final) checkpoint.
    const auto total = static_cast<std::int64_t>(files.size());
    report(0, total, "reading " + fs::path(files.back().path).filename().string());
    CheckpointContents last = readCheckpointFile(files.back().path);
    const auto shape = data.imageShape();
    if (shape[1] != shape[2]) throw Error("import: the dataset's images are not square");
    ModelSpec base;
    base.inChannels = shape[0];
    base.imageSize = shape[1];
    base.numClasses = data.numClasses;

    ModelSpec spec;
    if (last.format == "torchscript") {
        spec = base;
        spec.architecture = "torchscript";
        spec.torchscript = last.torchscript;
        spec.scriptGroups = o.groups;
        if (o.model != "torchscript" && o.groups.empty()) {
            // A script of a built-in architecture becomes that architecture (exact layer groups,
            // cached forwards) if it computes the same function.
            try {
                ModelSpec builtIn = matchArchitecture(last.tensors, base, o.model, files.back().path);
                auto candidate = buildModel(builtIn);
                loadTensors(*candidate, last.tensors, files.back().path);
                JitNet script(last.torchscript, "", files.back().path);
                if (sameFunction(script, *candidate, data.trainImages.cpu())) {
                    spec = builtIn;
                    result.notes.push_back("the TorchScript module computes the built-in " + builtIn.architecture +
                                           "; imported as that architecture");
                } else {
                    result.notes.push_back("the TorchScript module has " + builtIn.architecture +
                                           "'s tensors but computes something else; kept as TorchScript");
                }
            } catch (const Error&) {
                if (!o.model.empty()) throw;
            }
        }
    } else {
        if (o.model == "torchscript") throw Error(files.back().path + ": holds no TorchScript module (it is a " + last.format + ")");
        spec = matchArchitecture(last.tensors, base, o.model, files.back().path);
    }
    std::shared_ptr<Net> model = spec.architecture == "torchscript"
                                     ? std::make_shared<JitNet>(spec.torchscript, spec.scriptGroups, files.back().path)
                                     : buildModel(spec);
    model->to(device.device);
    model->eval();
    result.format = last.format;
    result.architecture = spec.architecture;
    result.width = spec.width;
    for (const auto& g : model->layerGroups()) result.groups.push_back(g.name);
    for (const auto& n : last.notes) result.notes.push_back(n);

    // Epoch numbers: from the file names of a folder; for a single file --epoch, its own
    // "epoch" entry, else 1.
    std::vector<std::int64_t> epochs;
    for (const auto& f : files) epochs.push_back(f.epoch);
    if (files.size() == 1 && files[0].epoch < 0) {
        epochs[0] = o.epoch >= 0 ? o.epoch : (last.epoch > 0 ? last.epoch : 1);
        if (o.epoch < 0 && last.epoch <= 0) result.notes.push_back("the file does not say its epoch; stored as epoch 1");
    }
    if (epochs.back() < 1)
        throw Error(files.back().path + ": the final checkpoint must be of an epoch >= 1 (epoch 0 is the initialisation)");

    config.model = spec.architecture;
    config.width = spec.width;
    config.epochs = epochs.back();
    config.accounting = false;
    config.device = o.device;
    config.threads = o.threads;

    const std::string temporary = o.out + ".importing";
    removeQuietly(temporary);
    try {
        RunFileHeader header;
        header.config = config;
        header.modelSpec = spec;
        header.groups = model->layerGroups();
        header.deviceDescription = device.description;
        header.importedFrom = fs::absolute(o.source).string();
        header.sourceFormat = last.format;
        std::int64_t previous = -1;
        for (std::size_t i = 0; i < files.size(); ++i) {
            if (cancelled()) throw Cancelled();
            const std::string name = fs::path(files[i].path).filename().string();
            report(static_cast<std::int64_t>(i), total, "importing " + name);
            CheckpointContents contents = i + 1 == files.size() ? std::move(last) : readCheckpointFile(files[i].path);
            model->to(torch::kCPU);
            loadTensors(*model, contents.tensors, files[i].path);
            model->to(device.device);
            model->eval();

            EpochMetrics metrics = nanMetrics(epochs[i]);
            evaluateRun(*model, data, config.evalBatchSize, metrics);
            result.epochs.push_back({epochs[i], files[i].path, metrics.trainCleanAcc, metrics.trainNoisyGivenAcc,
                                     metrics.trainNoisyTrueAcc, metrics.testAcc});
            if (i == 0) {
                header.initialCheckpoint = epochs[i] == 0;
                createRunFile(temporary, header, data, *model, header.initialCheckpoint ? metrics : nanMetrics(0), true);
                previous = 0;
                if (header.initialCheckpoint) continue;  // epoch 0 is in the new file already
            }
            for (std::int64_t gap = previous + 1; gap < epochs[i]; ++gap) writeEpochMetrics(temporary, nanMetrics(gap));
            appendEpoch(temporary, *model, metrics, nullptr, {}, 0, SaveMode::InPlace);  // a temporary file
            previous = epochs[i];
        }
        report(total, total, "imported");
    } catch (...) {
        removeQuietly(temporary);
        throw;
    }
    moveIntoPlace(temporary, o.out);
    return result;
}

} // namespace memloc::core
