#include "io/run_file.h"

#include "io/file_util.h"
#include "io/h5_util.h"
#include "io/run_layout.h"
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

std::string isoNow() {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    return buf;
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

/// Whether a new file gets the room of every planned epoch (the layout of format 2 and later).
/// Imported runs hold the epochs they were given, maybe sparse, and are written in place under a
/// temporary name.
bool laidOutAhead(const RunFileHeader& h) {
    return h.preallocate && h.importedFrom.empty() && h.initialCheckpoint && h.config.epochs >= 1;
}

std::string sizeText(std::uint64_t bytes) {
    char buf[32];
    if (bytes >= (1ull << 30)) std::snprintf(buf, sizeof buf, "%.1f GiB", static_cast<double>(bytes) / (1ull << 30));
    else std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1ull << 20));
    return buf;
}

/// Writes the root attributes, /dataset and /model of a new run file.
void writeHeader(H5::H5File& file, const RunFileHeader& header, const RunData& data) {
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
    h5::writeAttr(ds, "noise_fraction", header.config.noise);
    h5::writeAttr(ds, "noise_seed", header.config.noiseSeed);
    h5::writeAttr(ds, "noisy_count", data.noisyCount());
    h5::writeInts(ds, "image_shape", data.imageShape());
    h5::writeDoubles(ds, "normalize_mean", data.mean);
    h5::writeDoubles(ds, "normalize_std", data.stddev);
    h5::writeTensor(ds, "train_indices", data.trainIndices);
    h5::writeTensor(ds, "test_indices", data.testIndices);
    h5::writeTensor(ds, "true_labels", data.trainTrue);
    h5::writeTensor(ds, "given_labels", data.trainGiven);
    h5::writeTensor(ds, "noise_mask", data.noiseMask);
    if (!header.config.focus.empty()) {
        h5::writeAttr(ds, "focus_count", data.focusCount());
        h5::writeAttr(ds, "focus_name", focusNames(header.config).set);
        h5::writeTensor(ds, "focus_mask", data.focusMask);
    }

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
        h5::writeAttr(m, "etd_rounding", std::string(etdRoundingName(etd.rounding)));
        h5::writeAttr(m, "dropout_seed", static_cast<std::int64_t>(etd.seed));
        h5::writeInts(m, "dropout_blocks", etd.blocks);
    }
    if (header.modelSpec.architecture == "torchscript") {
        // Its layer groups are group_names with group_prefixes (formats 1 and 2 also kept the
        // "name=path,..." list they came from as the attribute script_groups).
        const std::string& bytes = header.modelSpec.torchscript;
        torch::Tensor blob = torch::empty({static_cast<std::int64_t>(bytes.size())}, torch::kByte);
        std::memcpy(blob.data_ptr(), bytes.data(), bytes.size());
        h5::writeTensor(m, "torchscript", blob);
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
}

/// Creates /metrics, /accounting (when enabled), /optimizer, /analyses and /checkpoints; with
/// `ahead`, the room of every planned epoch too (layOutEpochs).
void writeLayout(H5::H5File& file, const RunFileHeader& header, Net& model, bool ahead) {
    const std::int64_t epochs = header.config.epochs;
    H5::Group metrics = h5::createUntimedGroup(file, "metrics");
    for (const char* name : kMetricNames) h5::createSeries(metrics, name, 0, ahead ? epochs + 1 : 0);
    if (header.config.accounting) {
        std::vector<std::string> names;
        for (const auto& g : header.groups) names.push_back(g.name);
        H5::Group acc = h5::createUntimedGroup(file, "accounting");
        h5::writeStrings(acc, "group_names", names);
        for (const char* name : kAccountingNames) h5::createSeries(acc, name, names.size(), ahead ? epochs : 0);
    }
    h5::createUntimedGroup(file, "optimizer");
    h5::createUntimedGroup(file, "analyses");
    h5::createUntimedGroup(file, "checkpoints");
    if (ahead) layOutEpochs(file, model, epochs, header.config.momentum != 0);
}

/// Bytes of the header: the dataset identity and the model's blobs, with room for the rest.
std::uint64_t headerBytes(const RunFileHeader& header, const RunData& data) {
    std::uint64_t bytes = 64 * 1024 + header.modelSpec.torchscript.size() + configToJson(header.config).size();
    for (const torch::Tensor& t : {data.trainIndices, data.testIndices, data.trainTrue, data.trainGiven, data.noiseMask, data.focusMask})
        bytes += static_cast<std::uint64_t>(t.numel()) * 8;
    return bytes;
}

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
    H5::Exception::dontPrint();
    const char* const what = "the new run file";
    if (!laidOutAhead(header)) {
        // Built in memory and written with plain file I/O: a full disk or an unwritable folder then
        // fails with a clear error, never inside HDF5 (which cannot report failed writes of objects
        // still open and crashes at exit after them), and never leaves a file at `path`.
        std::string image;
        try {
            H5::H5File file = createMemoryFile(path);
            writeHeader(file, header, data);
            writeLayout(file, header, model, false);
            if (header.initialCheckpoint) {
                H5::Group checkpoints = file.openGroup("checkpoints");
                writeCheckpoint(checkpoints, 0, model);
            }
            writeMetrics(file, epoch0);
            h5::writeAttr(file, "epochs_completed", std::int64_t{0});
            image = fileImage(file);
        } catch (const H5::Exception& e) {
            rethrowH5(path, "creating the run file", e);
        }
        writeNewFile(path, image, what);
        return;
    }
    // Every planned epoch laid out: too large to build in memory, so made on the disk under
    // "<path>.partial", its whole size reserved before HDF5 writes any data.
    const std::int64_t epochs = header.config.epochs;
    const std::uint64_t bytes = layoutBytes(model, epochs, header.config.momentum != 0,
                                            header.config.accounting ? header.groups.size() : 0,
                                            headerBytes(header, data));
    const std::string need = "; a run of " + std::to_string(epochs) + " epochs needs " + sizeText(bytes);
    H5::H5File file = createReservedFile(path, bytes, what, need);
    try {
        writeHeader(file, header, data);
        writeLayout(file, header, model, true);
        haddr_t end = 0;
        if (H5Fget_eoa(file.getId(), &end) < 0) throw H5::FileIException("H5Fget_eoa", "cannot read the file's end");
        if (end > bytes) reserveNewFile(path, end, what, need);
        H5::Group checkpoint = file.openGroup("checkpoints").openGroup(checkpointName(0));
        for (const auto& p : model.named_parameters()) h5::overwriteTensor(checkpoint, p.key(), p.value());
        for (const auto& b : model.named_buffers()) h5::overwriteTensor(checkpoint, b.key(), b.value());
        writeMetrics(file, epoch0);
        h5::writeAttr(file, "epochs_completed", std::int64_t{0});
    } catch (const H5::Exception& e) {
        removeQuietly(path + ".partial");
        rethrowH5(path, "creating the run file", e);
    } catch (...) {
        removeQuietly(path + ".partial");
        throw;
    }
    finishNewFile(file, path, what);
}

void appendEpoch(const std::string& path, Net& model, const EpochMetrics& metrics,
                 const EpochAccounting* accounting, const std::vector<torch::Tensor>& momentum,
                 std::int64_t step, SaveMode mode) {
    H5::Exception::dontPrint();
    // Files laid out ahead take the epoch in place; others (format 1, imports, epochs beyond the
    // planned ones) by a copy that may add groups and grow series.
    if (mode == SaveMode::CopyAndRename && saveEpochInPlace(path, model, metrics, accounting, momentum, step)) return;
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
        std::vector<std::int64_t> stored;  // which parameters have a momentum buffer
        for (const auto& p : model.named_parameters()) {
            const std::size_t i = stored.size();
            stored.push_back(i < momentum.size() && momentum[i].defined() ? 1 : 0);
            if (stored.back() != 0) h5::writeTensor(slot, p.key(), momentum[i]);
        }
        h5::writeAttr(slot, "stored", stored);

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
    // Files saved by editCopy never hold an incomplete epoch; format 1 files of memloc versions that
    // saved in place may. Files of format 2 and later keep the room of epochs not yet complete on
    // purpose (data beyond epochs_completed is ignored and overwritten by the next save): nothing
    // to remove.
    std::int64_t done = 0;
    bool extra = false;
    try {
        H5::H5File file(path, H5F_ACC_RDONLY);
        if (h5::readIntAttr(file, "format_version") >= 2) return;
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

} // namespace memloc::core
