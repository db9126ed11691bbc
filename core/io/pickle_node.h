#pragma once
// The value graph the unpickler builds and its conversion to PickleValue (internal: includes torch).
//
// Values live in shared nodes while unpickling because the pickle memo refers to objects that are
// mutated afterwards (a dict is memoised before its SETITEMS); the result is converted to
// PickleValue at the end.

#include "io/torch_file.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace memloc::core::pickle {

// A nested structure deeper than this, or expanding (through shared memo references) to more
// values than this, is refused instead of exhausting the C++ stack or memory.
constexpr int kMaxDepth = 1000;
constexpr std::size_t kMaxValues = 20'000'000;
constexpr std::size_t kMaxTensorDims = 64;

struct Node;
using NodePtr = std::shared_ptr<Node>;

/// One unpickled value; which members are used depends on `type`.
struct Node {
    enum class Type { None, Bool, Int, Float, String, Bytes, Tensor, List, Tuple, Dict, Global, Storage };
    Type type = Type::None;
    bool boolean = false;
    std::int64_t integer = 0;
    double real = 0;
    std::string text;  // String, Bytes, or the canonical "module.name" of a Global
    torch::Tensor tensor;  // Tensor; or the flat data of a Storage
    std::vector<NodePtr> items;
    std::vector<std::pair<NodePtr, NodePtr>> entries;
    std::unordered_map<std::string, std::size_t> keyIndex;  // Dict: hash key -> entry
};

/// A new node of the given type with all other members empty.
NodePtr makeNode(Node::Type type);
/// The Python name of a node type ("dict", "tensor") for error messages.
const char* typeName(Node::Type type);
/// Python's dict key identity for the hashable kinds (True == 1 == 1.0); "" if unhashable here.
std::string hashKey(const Node& key);
/// Decodes UTF-8 into code points; false on malformed input.
bool decodeUtf8(const std::string& s, std::vector<std::uint32_t>& out);

/// Sets dict[key] = value under Python's key identity (see hashKey); a key already there keeps its
/// position and gets the new value. False, and nothing set, when the key is unhashable here.
bool setDictItem(Node& dict, const NodePtr& key, NodePtr value);
/// Clears the items and entries of every container still alive, freeing the reference cycles a
/// pickle can build (a list appended to itself).
void unlinkContainers(const std::vector<std::weak_ptr<Node>>& containers);

/// Reports a malformed input; must throw (it is never expected to return).
using PickleFailure = std::function<void(const std::string& what)>;

/// The value of an int or bool node; calls `fail` when `v` (named `what` in the message) is neither.
std::int64_t intValue(const Node& v, const char* what, const PickleFailure& fail);
/// The values of a tuple or list of at most kMaxTensorDims ints or bools; calls `fail` otherwise.
std::vector<std::int64_t> intValues(const Node& v, const char* what, const PickleFailure& fail);

/// The bytes of _codecs.encode(text, 'latin1'), as pickle protocols 0 to 2 write bytes. Calls
/// `fail` on invalid UTF-8 or a character beyond U+00FF.
std::string latin1Bytes(const std::string& text, const PickleFailure& fail);

/// The tensor _rebuild_tensor_v2 makes: a contiguous copy of `storage` (flat) viewed at `offset`
/// with `sizes` and `strides` (of equal length). Calls `fail` when the offset, a size or a stride
/// is negative, or when the view does not lie inside the storage.
torch::Tensor rebuildStridedTensor(const torch::Tensor& storage, std::int64_t offset,
                                   const std::vector<std::int64_t>& sizes, const std::vector<std::int64_t>& strides,
                                   const PickleFailure& fail);

/// The tensor of _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks[,
/// metadata]); calls `fail` on any argument it cannot use (backward hooks included).
torch::Tensor rebuildTensorV2(const std::vector<NodePtr>& args, const PickleFailure& fail);

/// Converts the graph under `root` to a PickleValue; `path` only names the file in errors. Throws
/// Error on a bare storage, on nesting deeper than kMaxDepth (a recursive structure included) and
/// on more than kMaxValues values in all.
PickleValue toPickleValue(const std::string& path, const Node& root);

} // namespace memloc::core::pickle
