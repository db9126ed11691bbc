#include "io/run_file.h"

#include "io/file_util.h"
#include "io/h5_util.h"
#include "io/safe_save.h"
#include "memloc/error.h"
#include "memloc/version.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>

namespace memloc::core {

namespace fs = std::filesystem;

namespace {

const char* const kMetricNames[] = {"epoch", "train_loss", "train_clean_acc", "train_noisy_given_acc",
                                    "train_noisy_true_acc", "test_acc", "lr", "seconds"};
const char* const kAccountingNames[] = {"clean_norm", "noisy_norm", "total_norm", "cosine"};

std::string checkpointName(std::int64_t epoch) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "epoch_%04lld", static_cast<long long>(epoch));
    return buf;
}

std::string isoNow() {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    return buf;
}

std::vector<double> metricRow(const EpochMetrics& m) {
    return {static_cast<double>(m.epoch), m.trainLoss, m.trainCleanAcc, m.trainNoisyGivenAcc,
            m.trainNoisyTrueAcc, m.testAcc, m.lr, m.seconds};
}

void writeCheckpoint(H5::Group& checkpoints, std::int64_t epoch, Net& model) {
    const std::string name = checkpointName(epoch);
    if (checkpoints.nameExists(name)) checkpoints.unlink(name);
    H5::Group g = checkpoints.createGroup(name);
    h5::writeAttr(g, "epoch", epoch);
    for (const auto& p : model.named_parameters()) h5::writeTensor(g, p.key(), p.value());
    for (const auto& b : model.named_buffers()) h5::writeTensor(g, b.key(), b.value());
}

void writeMetrics(H5::H5File& file, const EpochMetrics& m) {
    H5::Group metrics = file.openGroup("metrics");
    const std::vector<double> row = metricRow(m);
    for (std::size_t i = 0; i < row.size(); ++i)
        h5::writeSeriesRow(metrics, kMetricNames[i], static_cast<hsize_t>(m.epoch), {row[i]});
}

// Room reserved for HDF5's own additions to a save (object headers, heaps, B-tree nodes).
constexpr std::uint64_t kReserveSlack = 1 << 20;

/// What every failed save of a training epoch leaves.
constexpr const char* kEpochsKept = "; the file keeps the epochs saved before";

} // namespace

void rethrowH5(const std::string& path, const std::string& doing, const H5::Exception& e) {
    throw Error(path + ": HDF5 error while " + doing + ": " + e.getDetailMsg());
}

void createRunFile(const std::string& path, const RunFileHeader& header, const RunData& data,
                   Net& model, const EpochMetrics& epoch0, bool overwrite) {
    if (fs::exists(path) && !overwrite)
        throw Error(path + ": file exists (choose another --out, or --overwrite to replace it)");
    const fs::path parent = fs::absolute(path).parent_path();
    if (!fs::is_directory(parent)) throw Error(path + ": folder " + parent.string() + " does not exist");
    // The new file is built in memory and written with plain file I/O: a full disk or an unwritable
    // folder then fails with a clear error, never inside HDF5 (which cannot report failed writes
    // of objects still open and crashes at exit after them), and never leaves a file at `path`.
    H5::Exception::dontPrint();
    std::string image;
    try {
        H5::H5File file = createMemoryFile(path);
        h5::writeAttr(file, "format", std::string(kRunFormatName));
        h5::writeAttr(file, "format_version", kRunFormatVersion);
        h5::writeAttr(file, "memloc_version", memlocVersion());
        h5::writeAttr(file, "torch_version", torchVersion());
        h5::writeAttr(file, "created", isoNow());
        h5::writeAttr(file, "config", configToJson(header.config));
        h5::writeAttr(file, "device", header.deviceDescription);
        h5::writeAttr(file, "epochs_planned", header.config.epochs);
        h5::writeAttr(file, "steps_per_epoch", header.stepsPerEpoch);
        if (!header.importedFrom.empty()) {
            h5::writeAttr(file, "imported_from", header.importedFrom);
            h5::writeAttr(file, "source_format", header.sourceFormat);
        }

        H5::Group ds = file.createGroup("dataset");
        h5::writeAttr(ds, "name", data.datasetName);
        h5::writeAttr(ds, "data_dir", data.dataDir);
        h5::writeAttr(ds, "num_classes", data.numClasses);
        h5::writeAttr(ds, "image_shape", data.imageShape());
        h5::writeAttr(ds, "noise_fraction", header.config.noise);
        h5::writeAttr(ds, "noise_seed", header.config.noiseSeed);
        h5::writeAttr(ds, "noisy_count", data.noisyCount());
        h5::writeAttr(ds, "normalize_mean", data.mean);
        h5::writeAttr(ds, "normalize_std", data.stddev);
        h5::writeTensor(ds, "train_indices", data.trainIndices);
        h5::writeTensor(ds, "test_indices", data.testIndices);
        h5::writeTensor(ds, "true_labels", data.trainTrue);
        h5::writeTensor(ds, "given_labels", data.trainGiven);
        h5::writeTensor(ds, "noise_mask", data.noiseMask);

        H5::Group m = file.createGroup("model");
        h5::writeAttr(m, "architecture", header.modelSpec.architecture);
        h5::writeAttr(m, "width", header.modelSpec.width);
        h5::writeAttr(m, "in_channels", header.modelSpec.inChannels);
        h5::writeAttr(m, "image_size", header.modelSpec.imageSize);
        h5::writeAttr(m, "num_classes", header.modelSpec.numClasses);
        h5::writeAttr(m, "resnet_stem", header.modelSpec.resnetStem);
        h5::writeAttr(m, "patch_size", header.modelSpec.patchSize);
        const EtdSpec& etd = header.modelSpec.etd;
        h5::writeAttr(m, "dropout", std::string(etd.enabled ? "example-tied" : "none"));
        if (etd.enabled) {
            h5::writeAttr(m, "p_gen", etd.pGen);
            h5::writeAttr(m, "p_mem", etd.pMem);
            h5::writeAttr(m, "dropout_blocks", etd.blocks);
            h5::writeAttr(m, "dropout_seed", static_cast<std::int64_t>(etd.seed));
        }
        if (header.modelSpec.architecture == "torchscript") {
            const std::string& bytes = header.modelSpec.torchscript;
            torch::Tensor blob = torch::empty({static_cast<std::int64_t>(bytes.size())}, torch::kByte);
            std::memcpy(blob.data_ptr(), bytes.data(), bytes.size());
            h5::writeTensor(m, "torchscript", blob);
            h5::writeAttr(m, "script_groups", header.modelSpec.scriptGroups);
        }
        std::vector<std::string> names, prefixes;
        std::vector<std::int64_t> units;
        for (const auto& g : header.groups) {
            names.push_back(g.name);
            prefixes.push_back(g.prefix);
            units.push_back(g.units);
        }
        h5::writeStrings(m, "group_names", names);
        h5::writeStrings(m, "group_prefixes", prefixes);
        h5::writeTensor(m, "group_units", torch::tensor(units, torch::kLong));

        H5::Group metrics = file.createGroup("metrics");
        for (const char* name : kMetricNames) h5::createSeries(metrics, name, 0);
        if (header.config.accounting) {
            H5::Group acc = file.createGroup("accounting");
            h5::writeStrings(acc, "groups", names);
            for (const char* name : kAccountingNames) h5::createSeries(acc, name, header.groups.size());
        }
        file.createGroup("optimizer");
        file.createGroup("analyses");
        H5::Group checkpoints = file.createGroup("checkpoints");
        if (header.initialCheckpoint) writeCheckpoint(checkpoints, 0, model);
        writeMetrics(file, epoch0);
        h5::writeAttr(file, "epochs_completed", std::int64_t{0});
        image = fileImage(file);
    } catch (const H5::Exception& e) {
        rethrowH5(path, "creating the run file", e);
    }
    writeNewFile(path, image, "the new run file");
}

void appendEpoch(const std::string& path, Net& model, const EpochMetrics& metrics,
                 const EpochAccounting* accounting, const std::vector<torch::Tensor>& momentum,
                 std::int64_t step, SaveMode mode) {
    H5::Exception::dontPrint();
    auto write = [&](H5::H5File& file) {
        H5::Group checkpoints = file.openGroup("checkpoints");
        writeCheckpoint(checkpoints, metrics.epoch, model);

        // Two optimizer slots, alternating by epoch parity, so the state after the last complete
        // epoch survives a crash while the next one is written.
        H5::Group opt = file.openGroup("optimizer");
        const std::string slotName = "slot_" + std::to_string(metrics.epoch % 2);
        if (opt.nameExists(slotName)) opt.unlink(slotName);
        H5::Group slot = opt.createGroup(slotName);
        h5::writeAttr(slot, "epoch", metrics.epoch);
        h5::writeAttr(slot, "step", step);
        std::size_t i = 0;
        for (const auto& p : model.named_parameters()) {
            if (i < momentum.size() && momentum[i].defined()) h5::writeTensor(slot, p.key(), momentum[i]);
            ++i;
        }

        writeMetrics(file, metrics);
        if (accounting && file.nameExists("accounting")) {
            H5::Group acc = file.openGroup("accounting");
            const auto row = static_cast<hsize_t>(metrics.epoch - 1);
            h5::writeSeriesRow(acc, "clean_norm", row, accounting->cleanNorm);
            h5::writeSeriesRow(acc, "noisy_norm", row, accounting->noisyNorm);
            h5::writeSeriesRow(acc, "total_norm", row, accounting->totalNorm);
            h5::writeSeriesRow(acc, "cosine", row, accounting->cosine);
        }
        file.flush(H5F_SCOPE_GLOBAL);
        h5::writeAttr(file, "epochs_completed", metrics.epoch);
    };
    const std::string doing = "epoch " + std::to_string(metrics.epoch);
    // What the epoch adds: its checkpoint, the optimizer slot, rows and HDF5's object headers.
    std::uint64_t bytes = kReserveSlack;
    for (const auto& p : model.named_parameters()) bytes += 2 * p.value().nbytes();  // + momentum
    for (const auto& b : model.named_buffers()) bytes += b.value().nbytes();
    if (mode == SaveMode::CopyAndRename)
        editCopy(path, doing, kEpochsKept, bytes + bytes / 4, write);
    else
        editInPlace(path, doing, bytes + bytes / 4, write);
}

void writeEpochMetrics(const std::string& path, const EpochMetrics& metrics) {
    editInPlace(path, "the metrics of epoch " + std::to_string(metrics.epoch), kReserveSlack,
                [&](H5::H5File& file) { writeMetrics(file, metrics); });
}

void discardIncompleteEpochs(const std::string& path) {
    H5::Exception::dontPrint();
    // Files saved by editCopy never hold an incomplete epoch; older files (in-place saves) may.
    std::int64_t done = 0;
    bool extra = false;
    try {
        H5::H5File file(path, H5F_ACC_RDONLY);
        done = h5::readIntAttr(file, "epochs_completed");
        extra = file.openGroup("checkpoints").nameExists(checkpointName(done + 1));
        const H5::Group metrics = file.openGroup("metrics");
        for (const char* m : kMetricNames)
            extra = extra || h5::readSeries(metrics, m).size() > static_cast<std::size_t>(done + 1);
        if (file.nameExists("accounting")) {
            const H5::Group acc = file.openGroup("accounting");
            for (const char* m : kAccountingNames)
                extra = extra || h5::readSeries(acc, m).size() > static_cast<std::size_t>(done);
        }
    } catch (const H5::Exception& e) {
        rethrowH5(path, "checking for an incomplete epoch", e);
    }
    if (!extra) return;
    editCopy(path, "the removal of an incomplete epoch", kEpochsKept, kReserveSlack, [&](H5::H5File& file) {
        H5::Group checkpoints = file.openGroup("checkpoints");
        const std::string name = checkpointName(done + 1);
        if (checkpoints.nameExists(name)) checkpoints.unlink(name);
        H5::Group metrics = file.openGroup("metrics");
        for (const char* m : kMetricNames) h5::truncateSeries(metrics, m, static_cast<hsize_t>(done + 1));
        if (file.nameExists("accounting")) {
            H5::Group acc = file.openGroup("accounting");
            for (const char* m : kAccountingNames) h5::truncateSeries(acc, m, static_cast<hsize_t>(done));
        }
    });
}

RunFileReader::RunFileReader(std::string path) : m_path(std::move(path)) {
    if (!fs::exists(m_path)) throw Error(m_path + ": no such file");
    if (fs::is_directory(m_path)) throw Error(m_path + ": is a folder, expected a run file (.h5)");
    H5::Exception::dontPrint();
    bool isHdf5 = false;
    try {
        isHdf5 = H5::H5File::isHdf5(m_path);
    } catch (const H5::Exception&) {
    }
    if (!isHdf5) throw Error(m_path + ": not an HDF5 file (expected a memloc run file)");
    H5::H5File file;
    try {
        file.openFile(m_path, H5F_ACC_RDONLY);
    } catch (const H5::Exception& e) {
        throw Error(m_path + ": damaged or truncated run file: HDF5 cannot open it (" + e.getDetailMsg() + ")");
    }
    try {
        if (!h5::hasAttr(file, "format") || h5::readStringAttr(file, "format") != kRunFormatName)
            throw Error(m_path + ": an HDF5 file, but not a memloc run (no format=\"memloc-run\" attribute)");
        const std::int64_t version = h5::readIntAttr(file, "format_version");
        if (version > kRunFormatVersion || version < 1)
            throw Error(m_path + ": run format version " + std::to_string(version) + " is not supported (this memloc reads up to " +
                        std::to_string(kRunFormatVersion) + "; update memloc)");
        for (const char* group : {"dataset", "model", "metrics", "checkpoints"})
            if (!file.nameExists(group)) throw Error(m_path + ": damaged run file: group /" + std::string(group) + " is missing");
    } catch (const H5::Exception& e) {
        rethrowH5(m_path, "reading the file header", e);
    }
}

H5::H5File RunFileReader::open() const {
    try {
        return H5::H5File(m_path, H5F_ACC_RDONLY);
    } catch (const H5::Exception& e) {
        rethrowH5(m_path, "opening", e);
    }
}

RunConfig RunFileReader::config() const {
    H5::H5File file = open();
    std::string json;
    try {
        json = h5::readStringAttr(file, "config");
    } catch (const H5::Exception& e) {
        rethrowH5(m_path, "reading the config", e);
    }
    return configFromJson(json, m_path + " (stored config)");
}

std::int64_t RunFileReader::epochsCompleted() const {
    try {
        return h5::readIntAttr(open(), "epochs_completed");
    } catch (const H5::Exception& e) {
        rethrowH5(m_path, "reading epochs_completed", e);
    }
}

ModelSpec RunFileReader::modelSpec() const {
    try {
        H5::Group m = open().openGroup("model");
        ModelSpec spec;
        spec.architecture = h5::readStringAttr(m, "architecture");
        spec.width = h5::readDoubleAttr(m, "width");
        spec.inChannels = h5::readIntAttr(m, "in_channels");
        spec.imageSize = h5::readIntAttr(m, "image_size");
        spec.numClasses = h5::readIntAttr(m, "num_classes");
        if (h5::hasAttr(m, "resnet_stem")) spec.resnetStem = h5::readStringAttr(m, "resnet_stem");  // absent before resnet50
        if (h5::hasAttr(m, "patch_size")) spec.patchSize = h5::readIntAttr(m, "patch_size");
        if (h5::hasAttr(m, "dropout") && h5::readStringAttr(m, "dropout") == "example-tied") {
            spec.etd.enabled = true;
            spec.etd.pGen = h5::readDoubleAttr(m, "p_gen");
            spec.etd.pMem = h5::readDoubleAttr(m, "p_mem");
            spec.etd.blocks = h5::readIntVectorAttr(m, "dropout_blocks");
            spec.etd.seed = static_cast<std::uint64_t>(h5::readIntAttr(m, "dropout_seed"));
        }
        if (spec.architecture == "torchscript") {
            if (!m.nameExists("torchscript")) throw Error(m_path + ": damaged run file: /model/torchscript is missing");
            const torch::Tensor blob = h5::readTensor(m, "torchscript").contiguous();
            spec.torchscript.assign(static_cast<const char*>(blob.data_ptr()), static_cast<std::size_t>(blob.numel()));
            spec.scriptGroups = h5::readStringAttr(m, "script_groups");
        }
        return spec;
    } catch (const H5::Exception& e) {
        rethrowH5(m_path, "reading the model description", e);
    }
}

void RunFileReader::loadCheckpoint(std::int64_t epoch, Net& model) const {
    std::vector<std::pair<std::string, torch::Tensor>> targets;
    for (auto& p : model.named_parameters()) targets.emplace_back(p.key(), p.value());
    for (auto& b : model.named_buffers()) targets.emplace_back(b.key(), b.value());
    std::vector<std::string> names;
    for (const auto& t : targets) names.push_back(t.first);
    const std::map<std::string, torch::Tensor> stored = readCheckpointTensors(epoch, names);
    torch::NoGradGuard noGrad;
    for (auto& [key, target] : targets) {
        const torch::Tensor& t = stored.at(key);
        if (!t.sizes().equals(target.sizes()))
            throw Error(m_path + ": checkpoint " + checkpointName(epoch) + ": '" + key + "' has shape " +
                        c10::str(t.sizes()) + ", the model expects " + c10::str(target.sizes()));
        target.copy_(t);
    }
}

std::map<std::string, torch::Tensor> RunFileReader::readCheckpointTensors(std::int64_t epoch,
                                                                         const std::vector<std::string>& names) const {
    const std::string name = checkpointName(epoch);
    std::map<std::string, torch::Tensor> out;
    try {
        H5::H5File file = open();
        H5::Group checkpoints = file.openGroup("checkpoints");
        if (epoch < 0 || epoch > h5::readIntAttr(file, "epochs_completed") || !checkpoints.nameExists(name))
            throw Error(m_path + ": epoch " + std::to_string(epoch) + " is not stored (" +
                        std::to_string(h5::readIntAttr(file, "epochs_completed")) + " epochs completed)");
        H5::Group g = checkpoints.openGroup(name);
        for (const auto& key : names) {
            if (!g.nameExists(key)) throw Error(m_path + ": checkpoint " + name + " lacks '" + key + "'");
            out[key] = h5::readTensor(g, key);
        }
    } catch (const H5::Exception& e) {
        rethrowH5(m_path, "reading checkpoint " + name, e);
    }
    return out;
}

std::vector<torch::Tensor> RunFileReader::loadMomentum(std::int64_t epoch, Net& model, std::int64_t* step) const {
    try {
        H5::H5File file = open();
        H5::Group opt = file.openGroup("optimizer");
        const std::string slotName = "slot_" + std::to_string(epoch % 2);
        if (!opt.nameExists(slotName)) return {};
        H5::Group slot = opt.openGroup(slotName);
        if (h5::readIntAttr(slot, "epoch") != epoch) return {};
        if (step) *step = h5::readIntAttr(slot, "step");
        std::vector<torch::Tensor> buffers;
        for (const auto& p : model.named_parameters())
            buffers.push_back(slot.nameExists(p.key()) ? h5::readTensor(slot, p.key()) : torch::Tensor());
        return buffers;
    } catch (const H5::Exception& e) {
        rethrowH5(m_path, "reading the optimizer state", e);
    }
}

torch::Tensor RunFileReader::datasetTensor(const std::string& name) const {
    try {
        H5::Group ds = open().openGroup("dataset");
        if (!ds.nameExists(name)) throw Error(m_path + ": /dataset/" + name + " is missing");
        return h5::readTensor(ds, name);
    } catch (const H5::Exception& e) {
        rethrowH5(m_path, "reading /dataset/" + name, e);
    }
}

} // namespace memloc::core
