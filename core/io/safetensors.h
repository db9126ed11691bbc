#pragma once
// Reader and writer for the safetensors format (internal: includes torch).
//
// Layout: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
// {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}, then the
// byte buffer the offsets index (little-endian, row-major).

#include <torch/torch.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace memloc::core {

struct SafetensorsFile {
    std::vector<std::pair<std::string, torch::Tensor>> tensors;  // in byte-buffer order
    std::map<std::string, std::string> metadata;                 // "__metadata__"
};

/// Reads a safetensors file into contiguous CPU tensors (dtypes F64 F32 F16 BF16 I64 I32 I16 I8
/// U8 BOOL). Validates it as the specification requires: header length (at most 100 MB and
/// within the file), header JSON (an object, no duplicate names, string-only metadata), dtypes,
/// shapes, offsets that tile the byte buffer exactly (no gaps, overlaps or trailing bytes) and
/// each range's size == product(shape) * dtype size. Blocks on file I/O; thread-safe.
/// Throws Error naming the file and the problem otherwise.
SafetensorsFile loadSafetensors(const std::string& path);

/// Writes tensors (in the given order, contiguous, CPU) and string metadata as a safetensors file
/// that other safetensors readers load. The header is padded with spaces to a multiple of 8 bytes.
/// Written to path + ".partial" and renamed over path when complete. Blocks on file I/O.
/// Throws Error naming the file on a duplicate or reserved name ("__metadata__"), an unsupported
/// dtype or failed I/O.
void saveSafetensors(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                     const std::map<std::string, std::string>& metadata = {});

} // namespace memloc::core
