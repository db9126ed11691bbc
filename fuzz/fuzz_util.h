#pragma once
// Shared helpers of the libFuzzer targets: readers that take a path get the input as a file.

#include <cstddef>
#include <cstdint>
#include <string>

namespace memloc::fuzz {

/// Writes the fuzz input to `name` inside this process's private temporary folder (created once,
/// removed at exit) and returns its path. Aborts if the file cannot be written.
std::string writeInput(const std::uint8_t* data, std::size_t size, const std::string& name);

/// This process's private temporary folder.
const std::string& tempDir();

/// One-time set-up: one LibTorch thread, HDF5's error printing off.
void initOnce();

} // namespace memloc::fuzz
