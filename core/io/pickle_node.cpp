#include "io/pickle_node.h"

#include "memloc/error.h"

#include <cmath>

namespace memloc::core::pickle {

namespace {

/// Calls `fail`, which must throw; throws Error itself should it return.
[[noreturn]] void raise(const PickleFailure& fail, const std::string& what) {
    fail(what);
    throw Error(what);
}

class Converter {
public:
    explicit Converter(const std::string& path) : m_path(path) {}

    PickleValue convert(const Node& node, int depth = 0) {
        if (depth > kMaxDepth) fail("is nested more than " + std::to_string(kMaxDepth) + " levels deep (or recursive)");
        if (++m_count > kMaxValues) fail("expands to more than " + std::to_string(kMaxValues) + " values");
        PickleValue v;
        switch (node.type) {
        case Node::Type::None: v.kind = PickleValue::Kind::None; break;
        case Node::Type::Bool: v.kind = PickleValue::Kind::Bool; v.boolean = node.boolean; break;
        case Node::Type::Int: v.kind = PickleValue::Kind::Int; v.integer = node.integer; break;
        case Node::Type::Float: v.kind = PickleValue::Kind::Float; v.real = node.real; break;
        case Node::Type::String: v.kind = PickleValue::Kind::String; v.text = node.text; break;
        case Node::Type::Bytes: v.kind = PickleValue::Kind::Bytes; v.text = node.text; break;
        case Node::Type::Global: v.kind = PickleValue::Kind::String; v.text = node.text; break;
        case Node::Type::Tensor: v.kind = PickleValue::Kind::Tensor; v.tensor = node.tensor; break;
        case Node::Type::Storage: fail("holds a bare storage outside a tensor");
        case Node::Type::List:
        case Node::Type::Tuple:
            v.kind = node.type == Node::Type::List ? PickleValue::Kind::List : PickleValue::Kind::Tuple;
            v.items.reserve(node.items.size());
            for (const NodePtr& item : node.items) v.items.push_back(convert(*item, depth + 1));
            break;
        case Node::Type::Dict:
            v.kind = PickleValue::Kind::Dict;
            v.entries.reserve(node.entries.size());
            for (const auto& [key, value] : node.entries)
                v.entries.emplace_back(convert(*key, depth + 1), convert(*value, depth + 1));
            break;
        }
        return v;
    }

private:
    [[noreturn]] void fail(const std::string& what) const { throw Error(m_path + ": the checkpoint " + what); }

    const std::string& m_path;
    std::size_t m_count = 0;
};

} // namespace

NodePtr makeNode(Node::Type type) {
    auto node = std::make_shared<Node>();
    node->type = type;
    return node;
}

const char* typeName(Node::Type type) {
    switch (type) {
    case Node::Type::None: return "None";
    case Node::Type::Bool: return "bool";
    case Node::Type::Int: return "int";
    case Node::Type::Float: return "float";
    case Node::Type::String: return "str";
    case Node::Type::Bytes: return "bytes";
    case Node::Type::Tensor: return "tensor";
    case Node::Type::List: return "list";
    case Node::Type::Tuple: return "tuple";
    case Node::Type::Dict: return "dict";
    case Node::Type::Global: return "global";
    case Node::Type::Storage: return "storage";
    }
    return "?";
}

std::string hashKey(const Node& key) {
    switch (key.type) {
    case Node::Type::None: return "n";
    case Node::Type::Bool: return key.boolean ? "i1" : "i0";
    case Node::Type::Int: return "i" + std::to_string(key.integer);
    case Node::Type::Float:
        // Range first: converting an out-of-range double to int64 is undefined (found by fuzz_unpickler).
        if (std::abs(key.real) < 9e18 && key.real == static_cast<double>(static_cast<std::int64_t>(key.real)))
            return "i" + std::to_string(static_cast<std::int64_t>(key.real));
        return "f" + std::to_string(key.real);
    case Node::Type::String: return "s" + key.text;
    case Node::Type::Bytes: return "b" + key.text;
    case Node::Type::Global: return "g" + key.text;
    default: return std::string();
    }
}

bool decodeUtf8(const std::string& s, std::vector<std::uint32_t>& out) {
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        int extra = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) { cp = c; }
        else if ((c & 0xE0) == 0xC0) { cp = c & 0x1F; extra = 1; }
        else if ((c & 0xF0) == 0xE0) { cp = c & 0x0F; extra = 2; }
        else if ((c & 0xF8) == 0xF0) { cp = c & 0x07; extra = 3; }
        else return false;
        if (i + extra >= s.size()) return false;
        for (int k = 1; k <= extra; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        out.push_back(cp);
        i += 1 + extra;
    }
    return true;
}

bool setDictItem(Node& dict, const NodePtr& key, NodePtr value) {
    const std::string h = hashKey(*key);
    if (h.empty()) return false;
    const auto it = dict.keyIndex.find(h);
    if (it != dict.keyIndex.end()) {
        dict.entries[it->second].second = std::move(value);
    } else {
        dict.keyIndex.emplace(h, dict.entries.size());
        dict.entries.emplace_back(key, std::move(value));
    }
    return true;
}

void unlinkContainers(const std::vector<std::weak_ptr<Node>>& containers) {
    for (const std::weak_ptr<Node>& weak : containers) {
        if (const NodePtr node = weak.lock()) {
            node->items.clear();
            node->entries.clear();
        }
    }
}

std::int64_t intValue(const Node& v, const char* what, const PickleFailure& fail) {
    if (v.type == Node::Type::Int) return v.integer;
    if (v.type == Node::Type::Bool) return v.boolean ? 1 : 0;
    raise(fail, std::string(what) + " is a " + typeName(v.type) + ", expected an int");
}

std::vector<std::int64_t> intValues(const Node& v, const char* what, const PickleFailure& fail) {
    if (v.type != Node::Type::Tuple && v.type != Node::Type::List)
        raise(fail, std::string(what) + " is a " + typeName(v.type) + ", expected a tuple");
    if (v.items.size() > kMaxTensorDims) raise(fail, std::string(what) + " has too many dimensions");
    std::vector<std::int64_t> out;
    for (const NodePtr& item : v.items) out.push_back(intValue(*item, what, fail));
    return out;
}

std::string latin1Bytes(const std::string& text, const PickleFailure& fail) {
    std::vector<std::uint32_t> cps;
    if (!decodeUtf8(text, cps)) raise(fail, "invalid UTF-8 in bytes");
    std::string out;
    for (std::uint32_t cp : cps) {
        if (cp > 0xFF) raise(fail, "non-latin1 character in bytes");
        out.push_back(static_cast<char>(cp));
    }
    return out;
}

torch::Tensor rebuildStridedTensor(const torch::Tensor& storage, std::int64_t offset,
                                   const std::vector<std::int64_t>& sizes, const std::vector<std::int64_t>& strides,
                                   const PickleFailure& fail) {
    if (offset < 0) raise(fail, "negative tensor offset");
    // The largest element index must lie inside the storage (checked without overflow).
    bool empty = false;
    std::int64_t last = offset;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
        if (sizes[i] < 0 || strides[i] < 0) raise(fail, "negative tensor size or stride");
        if (sizes[i] == 0) empty = true;
    }
    const auto options = torch::TensorOptions().dtype(storage.scalar_type());
    if (empty) {
        if (offset > storage.numel()) raise(fail, "tensor offset beyond its storage");
        return torch::empty(sizes, options);
    }
    for (std::size_t i = 0; i < sizes.size(); ++i) {
        std::int64_t span = 0;
        if (__builtin_mul_overflow(sizes[i] - 1, strides[i], &span) || __builtin_add_overflow(last, span, &last))
            raise(fail, "tensor extent overflows");
    }
    if (last >= storage.numel())
        raise(fail, "tensor of size " + c10::str(c10::IntArrayRef(sizes)) + " reaches element " +
                        std::to_string(last) + " of a storage of " + std::to_string(storage.numel()));
    return storage.as_strided(sizes, strides, offset).clone(at::MemoryFormat::Contiguous);
}

torch::Tensor rebuildTensorV2(const std::vector<NodePtr>& args, const PickleFailure& fail) {
    if (args.size() < 6 || args.size() > 7) raise(fail, "_rebuild_tensor_v2 takes 6 or 7 arguments");
    if (args[0]->type != Node::Type::Storage) raise(fail, "_rebuild_tensor_v2 argument is not a storage");
    const torch::Tensor& storage = args[0]->tensor;
    const std::int64_t offset = intValue(*args[1], "tensor offset", fail);
    const std::vector<std::int64_t> sizes = intValues(*args[2], "tensor size", fail);
    const std::vector<std::int64_t> strides = intValues(*args[3], "tensor stride", fail);
    if (sizes.size() != strides.size()) raise(fail, "tensor size and stride differ in length");
    if (args[5]->type != Node::Type::Dict || !args[5]->entries.empty())
        raise(fail, "tensor backward hooks are not supported");
    return rebuildStridedTensor(storage, offset, sizes, strides, fail);
}

PickleValue toPickleValue(const std::string& path, const Node& root) {
    return Converter(path).convert(root);
}

} // namespace memloc::core::pickle
