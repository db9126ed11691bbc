#pragma once
// Tiny real runs for the GUI tests (synthetic data, ResNet-9 x0.125; seconds on a CPU).

#include "memloc/run_config.h"

#include <QString>

namespace memloc::test {

/// 128 synthetic 12x12 training images (25% noisy), 32 test images, 2 epochs, CPU.
core::RunConfig tinyConfig();
/// Trains tinyConfig() into `path` with core::trainRun on the calling thread.
void trainTinyRun(const QString& path);

} // namespace memloc::test
