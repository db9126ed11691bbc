#include "memloc/import.h"

#include "io/file_util.h"
#include "io/run_file.h"
#include "io/safetensors.h"
#include "io/torch_file.h"
#include "memloc/error.h"
#include "memloc/version.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace memloc::core {

void exportCheckpoint(const std::string& runPath, std::int64_t epoch, const std::string& out) {
    RunFileReader reader(runPath);
    const std::int64_t finalEpoch = reader.epochsCompleted();
    if (epoch < 0) epoch = finalEpoch;
    const std::string ext = lowerExtension(out);
    if (ext != ".pt" && ext != ".pth" && ext != ".safetensors")
        throw Error(out + ": choose the format by extension: .pt / .pth (torch.load) or .safetensors");

    const ModelSpec spec = reader.modelSpec();
    auto model = buildModel(spec);
    reader.loadCheckpoint(epoch, *model);  // throws naming the run file if the epoch is not stored
    // PyTorch's state_dict order: modules in pre-order, each module's parameters then buffers.
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const auto& m : model->named_modules()) {
        const std::string prefix = m.key().empty() ? "" : m.key() + ".";
        for (const auto& p : m.value()->named_parameters(false)) tensors.emplace_back(prefix + p.key(), p.value().detach());
        for (const auto& b : m.value()->named_buffers(false)) tensors.emplace_back(prefix + b.key(), b.value().detach());
    }
    if (ext == ".safetensors") {
        saveSafetensors(out, tensors,
                        {{"format", "pt"},
                         {"epoch", std::to_string(epoch)},
                         {"architecture", spec.architecture},
                         {"width", std::to_string(spec.width)},
                         {"source", runPath},
                         {"memloc_version", memlocVersion()}});
    } else {
        saveTorchFile(out, tensors);
    }
}

} // namespace memloc::core
