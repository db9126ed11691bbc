#pragma once
// Safe reader and writer for files made by Python's torch.save (internal: includes torch).
//
// The reader never executes anything from the file: it interprets the pickle itself and accepts
// only containers, numbers, strings, bytes and tensors. Any other global is refused by name.

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace memloc::core {

/// A value from a torch.save file. Only safe kinds exist; nothing is ever executed.
/// Torch dtype and device objects (torch.float32, torch.device('cpu')) load as String
/// ("torch.float32", "cpu"); torch.Size loads as a Tuple of Int.
struct PickleValue {
    enum class Kind { None, Bool, Int, Float, String, Bytes, Tensor, List, Tuple, Dict };
    Kind kind = Kind::None;
    bool boolean = false;
    std::int64_t integer = 0;
    double real = 0;
    std::string text;  // String (UTF-8) or Bytes (raw)
    torch::Tensor tensor;
    std::vector<PickleValue> items;                            // List/Tuple
    std::vector<std::pair<PickleValue, PickleValue>> entries;  // Dict (insertion order kept; OrderedDict -> Dict)

    /// The value stored under the string key `key` if this is a Dict, else nullptr.
    const PickleValue* find(const std::string& key) const;
};

/// Reads a file written by Python's torch.save in the zip format (the default since PyTorch 1.6).
/// Tensors come back as fresh contiguous CPU tensors of the stored dtype (views are materialised;
/// nn.Parameter becomes a plain tensor; requires_grad is dropped). Blocks on file I/O; thread-safe
/// (no shared state).
/// Throws Error naming the file when it is missing or unreadable, a truncated or corrupt zip, a
/// legacy (pre-1.6, non-zip) torch.save file, a TorchScript archive, or when its pickle uses an
/// opcode or global that is not allowed (e.g. "refuses to load global 'posix.system'").
PickleValue loadTorchFile(const std::string& path);

/// Writes a plain dict {name: tensor} (insertion order kept) that Python's torch.load(path) reads,
/// also with weights_only=True. Tensors are written contiguous, on the CPU, with their dtype
/// (float64/32/16, bfloat16, int64/32/16/8, uint8, bool). The file is written to path + ".partial"
/// and renamed over path when complete. Blocks on file I/O.
/// Throws Error naming the file on a duplicate name, an unsupported dtype or failed I/O.
void saveTorchFile(const std::string& path,
                   const std::vector<std::pair<std::string, torch::Tensor>>& tensors);

} // namespace memloc::core
