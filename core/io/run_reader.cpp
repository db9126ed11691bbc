// RunFileReader: read access to run files of format versions 1 to 3. Data of epochs beyond
// epochs_completed (the room of epochs not trained yet, or an epoch interrupted mid-save) is
// never returned.

#include "io/h5_util.h"
#include "io/run_file.h"
#include "io/run_layout.h"
#include "memloc/error.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace memloc::core {

namespace fs = std::filesystem;

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
            if (h5::hasAttr(m, "etd_rounding"))  // absent before etd_rounding existed: those runs rounded
                spec.etd.rounding = etdRoundingFromName(h5::readStringAttr(m, "etd_rounding"));
            spec.etd.blocks = h5::readIntList(m, "dropout_blocks");  // an attribute before format 3
            spec.etd.seed = static_cast<std::uint64_t>(h5::readIntAttr(m, "dropout_seed"));
        }
        if (spec.architecture == "torchscript") {
            if (!m.nameExists("torchscript")) throw Error(m_path + ": damaged run file: /model/torchscript is missing");
            const torch::Tensor blob = h5::readTensor(m, "torchscript").contiguous();
            spec.torchscript.assign(static_cast<const char*>(blob.data_ptr()), static_cast<std::size_t>(blob.numel()));
            if (h5::hasAttr(m, "script_groups")) {  // formats 1 and 2
                spec.scriptGroups = h5::readStringAttr(m, "script_groups");
            } else {  // the same "name=path,..." list, from the groups stored with the model
                const std::vector<std::string> names = h5::readStrings(m, "group_names");
                const std::vector<std::string> prefixes = h5::readStrings(m, "group_prefixes");
                if (names.size() != prefixes.size())
                    throw Error(m_path + ": damaged run file: /model/group_names and group_prefixes differ in length");
                for (std::size_t i = 0; i < names.size(); ++i)
                    spec.scriptGroups += (i ? "," : "") + names[i] + "=" + prefixes[i];
            }
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
        // A slot may hold an epoch being saved (beyond epochs_completed): not stored yet.
        if (epoch < 0 || epoch > h5::readIntAttr(file, "epochs_completed")) return {};
        H5::Group opt = file.openGroup("optimizer");
        const std::string slotName = "slot_" + std::to_string(epoch % 2);
        if (!opt.nameExists(slotName)) return {};
        H5::Group slot = opt.openGroup(slotName);
        if (h5::readIntAttr(slot, "epoch") != epoch) return {};
        if (step) *step = h5::readIntAttr(slot, "step");
        // Slots laid out ahead hold a dataset per parameter; "stored" says which hold a buffer.
        std::vector<std::int64_t> stored;
        if (h5::hasAttr(slot, "stored")) stored = h5::readIntVectorAttr(slot, "stored");
        std::vector<torch::Tensor> buffers;
        for (const auto& p : model.named_parameters()) {
            const std::size_t i = buffers.size();
            const bool has = h5::hasAttr(slot, "stored") ? i < stored.size() && stored[i] != 0 : slot.nameExists(p.key());
            buffers.push_back(has ? h5::readTensor(slot, p.key()) : torch::Tensor());
        }
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

namespace memloc::core {

void useRunFocus(RunData& data, const RunFileReader& reader, const RunConfig& config) {
    if (config.focus.empty()) return;
    try {
        useStoredFocus(data, reader.datasetTensor("focus_mask"));
    } catch (const Error& e) {
        const std::string what = e.what();
        throw Error(what.rfind(reader.path(), 0) == 0 ? what : reader.path() + ": " + what);
    }
}

} // namespace memloc::core
