#pragma once
// Optional faster arithmetic for training: bfloat16 autocast and channels-last memory layout
// (internal: includes torch).

#include "memloc/run_config.h"

#include <torch/torch.h>

namespace memloc::core {

/// How training steps compute (RunConfig "precision" and "memory_format").
struct TrainingMode {
    bool bf16 = false;          ///< forward passes under bfloat16 autocast
    bool channelsLast = false;  ///< 4-D weights and image batches in NHWC layout
};

/// The mode `config` asks for on `device` (memory_format "auto": channels-last on CUDA only).
TrainingMode trainingModeOf(const RunConfig& config, const torch::Device& device);

/// While alive, operators on `device` that autocast lowers (convolutions, matrix products) run
/// in bfloat16; everything else (BatchNorm statistics, losses, the optimizer, stored weights)
/// stays float32. Does nothing when `enabled` is false. Backward passes belong outside it.
class AutocastScope {
public:
    AutocastScope(bool enabled, const torch::Device& device);
    ~AutocastScope();
    AutocastScope(const AutocastScope&) = delete;
    AutocastScope& operator=(const AutocastScope&) = delete;

private:
    bool m_enabled;
    bool m_cuda = false;
    bool m_wasEnabled = false;
    at::ScalarType m_wasDtype = at::kFloat;
};

/// Puts every 4-D parameter and buffer of `module` in channels-last layout, in place (values,
/// names and the tensors' identity are kept, so optimizers and run-file writers see the same
/// tensors).
void toChannelsLast(torch::nn::Module& module);

/// `images` laid out for `mode` (a channels-last copy of a 4-D batch when asked for).
torch::Tensor forMode(const torch::Tensor& images, const TrainingMode& mode);

} // namespace memloc::core
