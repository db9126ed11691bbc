#pragma once
// One function per fuzzed reader, by target name (internal: for fuzz/ and the corpus test).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace memloc::fuzz {

/// The target names: fuzz_idx, fuzz_cifar, fuzz_torch_file, fuzz_unpickler, fuzz_safetensors,
/// fuzz_torchscript, fuzz_run_file, fuzz_config (also the folders of tests/fuzz-corpus).
const std::vector<std::string>& fuzzTargets();

/// Feeds one input to the target's reader(s). Returns normally when the reader accepts the input
/// or rejects it with memloc::core::Error; any other exception propagates (a bug), and so does a
/// crash. Not thread-safe (inputs go through one temporary folder).
void runFuzzInput(const std::string& target, const std::uint8_t* data, std::size_t size);

} // namespace memloc::fuzz
