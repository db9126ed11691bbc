#pragma once
// Per-channel gates on activations: neuron dropping and example-tied dropout (internal: torch).

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace memloc::core {

/// Example-tied dropout: after the chosen top-level blocks, the first
/// etdGeneralizationChannels(C, pGen, rounding) channels are generalization channels (always
/// on); each other channel is a memorization channel, on for an example with probability pMem,
/// decided by a hash of (seed, example id, layer, channel) - a function, never a stored mask tensor.
struct EtdSpec {
    bool enabled = false;
    double pGen = 0.2;
    double pMem = 0.1;
    std::vector<std::int64_t> blocks;  ///< top-level block indices whose outputs get dropout
    std::uint64_t seed = 0;
    /// How pGen x C becomes a channel count: Round (to nearest) or Floor (truncation, as the
    /// published code's int(p_gen * C) does).
    enum class Rounding { Round, Floor } rounding = Rounding::Round;
};

/// The rounding's config and run-file name ("round" | "floor").
const char* etdRoundingName(EtdSpec::Rounding rounding);
/// Parses "round" | "floor"; throws Error otherwise.
EtdSpec::Rounding etdRoundingFromName(const std::string& name);

/// How example-tied dropout acts in a forward pass.
///  - Example: each example's own mask (needs example ids; training, and the "standard" eval)
///  - Test: memorization channels scaled by pMem (the expected mask)
///  - Drop: memorization channels zeroed, generalization channels scaled by (pGen + pMem) / pGen
enum class EtdMode { Example, Test, Drop };

/// State of one forward pass shared by all gates of a model.
struct ForwardContext {
    torch::Tensor exampleIds;  ///< int64 [B] on the model's device, indices into the training set
    EtdMode etdMode = EtdMode::Test;
};

/// Multiplies channel c of its input ([B, C, ...]) by keep[c] (neuron dropping; undefined keep =
/// identity) and, when configured, applies example-tied dropout. Holds no parameters or buffers,
/// so it never changes a model's state_dict names.
class ChannelGateImpl : public torch::nn::Module {
public:
    explicit ChannelGateImpl(std::int64_t channels) : m_channels(channels) {}
    torch::Tensor forward(const torch::Tensor& x);

    std::int64_t channels() const { return m_channels; }
    /// float [C] of 0/1 on the model's device, or undefined to keep every channel.
    void setKeep(torch::Tensor keep) { m_keep = std::move(keep); }
    const torch::Tensor& keep() const { return m_keep; }
    /// Turns this gate into an example-tied dropout layer with id `layer`.
    void configureEtd(const EtdSpec& spec, std::int64_t layer, const ForwardContext* context);

private:
    std::int64_t m_channels;
    torch::Tensor m_keep;
    bool m_etd = false;
    EtdSpec m_spec;
    std::int64_t m_layer = 0;
    const ForwardContext* m_context = nullptr;
};
TORCH_MODULE(ChannelGate);

/// Number of generalization channels of a layer with `channels` (>= 1) channels: pGen x channels
/// rounded to nearest (Round) or truncated (Floor), at most `channels` (0 when pGen x channels is
/// below 0.5, or below 1 with Floor).
std::int64_t etdGeneralizationChannels(std::int64_t channels, double pGen,
                                       EtdSpec::Rounding rounding = EtdSpec::Rounding::Round);

/// The example-tied memorization masks: bool [B, channels], true = channel on for that example.
/// Generalization channels (the first etdGeneralizationChannels) are always true. Pure function
/// of (seed, id, layer, channel); runs on ids' device.
torch::Tensor etdExampleMask(const torch::Tensor& ids, std::int64_t layer, std::int64_t channels, const EtdSpec& spec);

} // namespace memloc::core
