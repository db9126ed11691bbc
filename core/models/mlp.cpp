#include "models/mlp.h"

#include <cstdint>
#include <string>

namespace memloc::core {

Mlp::Mlp(const ModelSpec& spec) {
    constexpr std::int64_t kBaseHidden = 512;
    const std::int64_t hidden = scaledWidth(kBaseHidden, spec.width);
    const std::int64_t inputs = spec.inChannels * spec.imageSize * spec.imageSize;
    append(torch::nn::Flatten());                             // 0
    append(torch::nn::Linear(inputs, hidden));                // 1
    append(torch::nn::ReLU());                                // 2
    append(torch::nn::Linear(hidden, hidden));                // 3
    append(torch::nn::ReLU());                                // 4
    append(torch::nn::Linear(hidden, spec.numClasses));       // 5
    auto linearGroup = [](const std::string& name, const std::string& prefix, std::int64_t units) {
        return LayerGroup{name, prefix, units, {prefix + ".weight", prefix + ".bias"}};
    };
    // Unit gates after each hidden ReLU (equivalent to after the linear layer) and the output.
    for (auto [after, units] : {std::pair<std::size_t, std::int64_t>{2, hidden}, {4, hidden}, {5, spec.numClasses}}) {
        m_unitGates.push_back(ChannelGate(units));
        gateAfter(after, m_unitGates.back());
    }
    m_groups = {linearGroup("fc1", "1", hidden), linearGroup("fc2", "3", hidden),
                linearGroup("fc3", "5", spec.numClasses)};
}

} // namespace memloc::core
