#include "import/checkpoint_source.h"

#include "io/file_util.h"
#include "io/safetensors.h"
#include "io/torch_file.h"
#include "memloc/error.h"
#include "models/jit_net.h"

#include <torch/script.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

namespace memloc::core {

namespace fs = std::filesystem;

namespace {

bool isCheckpointName(const fs::path& p) {
    static const char* const extensions[] = {".pt", ".pth", ".ckpt", ".bin", ".tar", ".safetensors"};
    const std::string ext = lowerExtension(p.string());
    return std::any_of(std::begin(extensions), std::end(extensions), [&](const char* e) { return ext == e; });
}

/// The last run of digits in a file's stem ("epoch_10" -> 10), or -1.
std::int64_t epochFromName(const fs::path& p) {
    const std::string stem = p.stem().string();
    static const std::regex digits("([0-9]+)");
    std::int64_t epoch = -1;
    for (auto it = std::sregex_iterator(stem.begin(), stem.end(), digits); it != std::sregex_iterator(); ++it)
        epoch = std::stoll((*it)[1].str());
    return epoch;
}

bool isTensorDict(const PickleValue& v) {
    if (v.kind != PickleValue::Kind::Dict || v.entries.empty()) return false;
    return std::all_of(v.entries.begin(), v.entries.end(), [](const auto& e) {
        return e.first.kind == PickleValue::Kind::String && e.second.kind == PickleValue::Kind::Tensor;
    });
}

std::string keyList(const PickleValue& dict) {
    std::string out;
    for (const auto& [key, value] : dict.entries) {
        if (out.size() > 200) return out + ", ...";
        out += (out.empty() ? "" : ", ") + (key.kind == PickleValue::Kind::String ? key.text : std::string("<non-string key>"));
    }
    return out;
}

/// Removes a prefix every name carries (DataParallel's "module.", torch.compile's "_orig_mod.").
void stripCommonPrefixes(TensorList& tensors, std::vector<std::string>& notes) {
    for (const std::string prefix : {"module.", "_orig_mod."}) {
        const bool all = !tensors.empty() && std::all_of(tensors.begin(), tensors.end(), [&](const auto& t) {
            return t.first.rfind(prefix, 0) == 0;
        });
        if (!all) continue;
        for (auto& t : tensors) t.first = t.first.substr(prefix.size());
        notes.push_back("removed the '" + prefix + "' prefix from every tensor name");
    }
}

CheckpointContents fromPickle(const std::string& path) {
    const PickleValue root = loadTorchFile(path);
    CheckpointContents c;
    const PickleValue* stateDict = nullptr;
    if (isTensorDict(root)) {
        stateDict = &root;
        c.format = "state_dict";
    } else if (root.kind == PickleValue::Kind::Dict) {
        for (const char* key : {"model_state_dict", "state_dict", "model", "net", "network", "model_state"}) {
            const PickleValue* v = root.find(key);
            if (v && isTensorDict(*v)) {
                stateDict = v;
                c.format = "checkpoint_dict";
                c.notes.push_back(std::string("took the model's tensors from the checkpoint entry '") + key + "'");
                break;
            }
        }
        if (const PickleValue* e = root.find("epoch"); e && e->kind == PickleValue::Kind::Int) c.epoch = e->integer;
        if (!stateDict)
            throw Error(path + ": no state_dict found: the file holds a dict with keys [" + keyList(root) +
                        "]; expected a dict of tensors, or one under model_state_dict / state_dict / model");
    } else {
        throw Error(path + ": no state_dict found: the file holds a single value, not a dict of tensors "
                           "(save model.state_dict(), not the model object)");
    }
    for (const auto& [key, value] : stateDict->entries) c.tensors.emplace_back(key.text, value.tensor);
    return c;
}

CheckpointContents fromTorchScript(const std::string& path, std::string bytes) {
    CheckpointContents c;
    c.format = "torchscript";
    try {
        std::istringstream in(bytes);
        torch::jit::Module module = torch::jit::load(in, torch::kCPU);
        for (const auto& p : module.named_parameters(true)) c.tensors.emplace_back(p.name, p.value.detach().clone());
        for (const auto& b : module.named_buffers(true)) c.tensors.emplace_back(b.name, b.value.detach().clone());
    } catch (const c10::Error& e) {
        throw Error(path + ": cannot load the TorchScript module: " + e.what_without_backtrace());
    } catch (const std::exception& e) {  // the TorchScript parser throws std::runtime_error (found by fuzz_torchscript)
        throw Error(path + ": cannot load the TorchScript module: " + e.what());
    }
    c.torchscript = std::move(bytes);
    return c;
}

} // namespace

std::vector<CheckpointFile> listCheckpointFiles(const std::string& source) {
    if (!fs::exists(source)) throw Error(source + ": no such file or folder");
    if (!fs::is_directory(source)) return {{-1, source}};
    std::vector<CheckpointFile> files;
    std::map<std::int64_t, std::string> seen;
    for (const auto& entry : fs::directory_iterator(source)) {
        if (!entry.is_regular_file() || !isCheckpointName(entry.path())) continue;
        const std::int64_t epoch = epochFromName(entry.path());
        if (epoch < 0)
            throw Error(entry.path().string() + ": cannot tell the epoch from the file name (name per-epoch "
                                                "checkpoints like epoch_10.pt)");
        if (seen.count(epoch))
            throw Error(source + ": two checkpoints of epoch " + std::to_string(epoch) + ": " + seen[epoch] + " and " +
                        entry.path().filename().string());
        seen[epoch] = entry.path().filename().string();
        files.push_back({epoch, entry.path().string()});
    }
    if (files.empty())
        throw Error(source + ": the folder holds no checkpoint files (.pt .pth .ckpt .bin .tar .safetensors)");
    std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.epoch < b.epoch; });
    return files;
}

CheckpointContents readCheckpointFile(const std::string& path) {
    if (!fs::exists(path)) throw Error(path + ": no such file");
    if (fs::is_directory(path)) throw Error(path + ": is a folder, expected a checkpoint file");
    CheckpointContents c;
    std::ifstream probe(path, std::ios::binary);
    char magic[8] = {};
    probe.read(magic, sizeof magic);
    const std::streamsize got = probe.gcount();
    probe.close();
    if (got < 8) throw Error(path + ": too short to be a checkpoint (" + std::to_string(got) + " bytes)");
    const bool zip = magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
    if (lowerExtension(path) == ".safetensors" || (!zip && magic[0] != '\x80')) {
        SafetensorsFile st = loadSafetensors(path);
        c.format = "safetensors";
        c.tensors = std::move(st.tensors);
        if (auto it = st.metadata.find("epoch"); it != st.metadata.end()) {
            try {
                c.epoch = std::stoll(it->second);
            } catch (const std::exception&) {
            }
        }
    } else if (zip) {
        std::string bytes = readFileBytes(path);
        if (JitNet::looksLikeTorchScript(bytes))
            c = fromTorchScript(path, std::move(bytes));
        else
            c = fromPickle(path);
    } else {
        c = fromPickle(path);  // legacy format: loadTorchFile explains how to re-save
    }
    if (c.tensors.empty()) throw Error(path + ": holds no tensors");
    stripCommonPrefixes(c.tensors, c.notes);
    return c;
}

} // namespace memloc::core
