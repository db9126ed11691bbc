#pragma once
// A small fully connected network.

#include "models/model.h"

namespace memloc::core {

/// Flatten -> Linear(in, h) -> ReLU -> Linear(h, h) -> ReLU -> Linear(h, C), h = 512 x width.
/// Children "0".."5" as in the equivalent Python nn.Sequential.
class Mlp : public SequentialNet {
public:
    explicit Mlp(const ModelSpec& spec);
};

} // namespace memloc::core
