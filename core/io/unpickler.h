#pragma once
// The safe unpickler behind loadTorchFile (internal: includes torch).
//
// It interprets a pickle itself and accepts only containers, numbers, strings, bytes, tensors and
// a short list of allowed globals (OrderedDict, the tensor rebuild functions, torch dtypes and
// storages, torch.device, torch.Size, _codecs.encode, bytes). Nothing is ever executed.

#include "io/torch_file.h"

#include <cstddef>
#include <functional>
#include <string>
#include <tuple>

namespace memloc::core {

/// A dtype as a torch.save pickle names it.
struct TorchDtype {
    const char* storage;  // torch.<storage> global in the pickle
    const char* name;     // torch.<name> dtype global
    torch::ScalarType type;
};

/// The dtype of a torch.<storage> global ("FloatStorage"), or nullptr.
const TorchDtype* torchDtypeByStorage(const std::string& storage);
/// The pickle names of a scalar type, or nullptr when torch.save files cannot hold it here.
const TorchDtype* torchDtypeByType(torch::ScalarType type);

/// Returns the bytes of the storage record with the given key (data/<key> in a zip checkpoint).
using PickleRecordLoader = std::function<std::tuple<at::DataPtr, std::size_t>(const std::string& key)>;

/// Unpickles `pickle` (protocol <= 5) into a PickleValue; storages are read through `loader`.
/// `path` only names the file in errors. Throws Error on malformed input, an opcode or global
/// that is not allowed, structures nested deeper than 1000 levels or expanding to more than
/// 20 million values. Thread-safe (no shared state).
PickleValue unpickle(const std::string& path, const std::string& pickle, const PickleRecordLoader& loader);

} // namespace memloc::core
