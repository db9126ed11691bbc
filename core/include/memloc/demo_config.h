#pragma once
// The embedded default runs (compiled in from resources/demo.json and demo-etd.json).

#include "memloc/run_config.h"

namespace memloc::core {

/// The demo run: ResNet-9 x0.25 on 6000 Fashion-MNIST images with 10% label noise.
RunConfig demoConfig();
/// The demo's example-tied dropout twin (same data and training, dropout after blocks 2,3,5,6).
RunConfig demoEtdConfig();

} // namespace memloc::core
