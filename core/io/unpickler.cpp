#include "io/unpickler.h"

#include "memloc/error.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

namespace memloc::core {

namespace {

// A nested structure deeper than this, or expanding (through shared memo references) to more
// values than this, is refused instead of exhausting the C++ stack or memory.
constexpr int kMaxDepth = 1000;
constexpr std::size_t kMaxValues = 20'000'000;
constexpr std::size_t kMaxTensorDims = 64;

const TorchDtype kDtypes[] = {
    {"FloatStorage", "float32", torch::kFloat},     {"DoubleStorage", "float64", torch::kDouble},
    {"HalfStorage", "float16", torch::kHalf},       {"BFloat16Storage", "bfloat16", torch::kBFloat16},
    {"LongStorage", "int64", torch::kLong},         {"IntStorage", "int32", torch::kInt},
    {"ShortStorage", "int16", torch::kShort},       {"CharStorage", "int8", torch::kChar},
    {"ByteStorage", "uint8", torch::kByte},         {"BoolStorage", "bool", torch::kBool},
};

// ---------------------------------------------------------------------------------------------
// The unpickler. Values live in shared nodes while unpickling because the pickle memo refers to
// objects that are mutated afterwards (a dict is memoised before its SETITEMS); the result is
// converted to PickleValue at the end.

struct Node;
using NodePtr = std::shared_ptr<Node>;

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

/// Python's dict key identity for the hashable kinds (True == 1 == 1.0); "" if unhashable here.
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

/// Decodes UTF-8 into code points; false on malformed input.
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

/// Functions C++ torch::pickle_save (the TorchScript pickler) wraps values in to record their
/// static type; each returns its first argument unchanged.
bool isTorchScriptTag(const std::string& name) {
    return name == "torch.jit._pickle.restore_type_tag" || name == "torch.jit._pickle.build_intlist" ||
           name == "torch.jit._pickle.build_doublelist" || name == "torch.jit._pickle.build_boollist" ||
           name == "torch.jit._pickle.build_tensorlist";
}

class Unpickler {
public:
    Unpickler(const std::string& path, const std::string& data, PickleRecordLoader loader)
        : m_path(path), m_data(data), m_loader(std::move(loader)) {}

    // A pickle can build cycles (a list appended to itself through DUP or the memo) that shared
    // pointers never free: break every container's links once the result has been converted
    // (the leak was found by fuzz_unpickler).
    ~Unpickler() {
        for (const std::weak_ptr<Node>& weak : m_containers) {
            if (const NodePtr node = weak.lock()) {
                node->items.clear();
                node->entries.clear();
            }
        }
    }
    Unpickler(const Unpickler&) = delete;
    Unpickler& operator=(const Unpickler&) = delete;

    NodePtr run() {
        for (;;) {
            m_opStart = m_pos;
            const std::uint8_t op = u8();
            if (op == '.') {
                if (m_stack.empty()) fail("STOP with an empty stack");
                return m_stack.back();
            }
            step(op);
        }
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw Error(m_path + ": malformed or unsupported pickle in data.pkl (" + what + " at byte " +
                    std::to_string(m_opStart) + ")");
    }

    // --- reading ---
    void need(std::uint64_t n) const {
        if (n > m_data.size() - m_pos) fail("unexpected end of data");
    }
    std::uint8_t u8() {
        need(1);
        return static_cast<std::uint8_t>(m_data[m_pos++]);
    }
    std::uint64_t le(int bytes) {
        need(bytes);
        std::uint64_t v = 0;
        for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<std::uint8_t>(m_data[m_pos + i]);
        m_pos += bytes;
        return v;
    }
    std::string bytes(std::uint64_t n) {
        need(n);
        std::string s = m_data.substr(m_pos, n);
        m_pos += n;
        return s;
    }
    std::string line() {
        const std::size_t end = m_data.find('\n', m_pos);
        if (end == std::string::npos) fail("unterminated GLOBAL name");
        std::string s = m_data.substr(m_pos, end - m_pos);
        m_pos = end + 1;
        return s;
    }

    NodePtr make(Node::Type type) {
        NodePtr node = makeNode(type);
        if (type == Node::Type::List || type == Node::Type::Tuple || type == Node::Type::Dict) m_containers.push_back(node);
        return node;
    }

    // --- stack ---
    std::size_t floor() const { return m_marks.empty() ? 0 : m_marks.back(); }
    NodePtr pop() {
        if (m_stack.size() <= floor()) fail("stack underflow");
        NodePtr v = m_stack.back();
        m_stack.pop_back();
        return v;
    }
    NodePtr& top() {
        if (m_stack.size() <= floor()) fail("stack underflow");
        return m_stack.back();
    }
    std::vector<NodePtr> popMark() {
        if (m_marks.empty()) fail("no MARK on the stack");
        const std::size_t mark = m_marks.back();
        m_marks.pop_back();
        std::vector<NodePtr> items(m_stack.begin() + static_cast<std::ptrdiff_t>(mark), m_stack.end());
        m_stack.resize(mark);
        return items;
    }
    void push(NodePtr v) { m_stack.push_back(std::move(v)); }
    void pushInt(std::int64_t v) {
        auto n = make(Node::Type::Int);
        n->integer = v;
        push(n);
    }
    void pushText(Node::Type type, std::string s) {
        auto n = make(type);
        n->text = std::move(s);
        push(n);
    }
    NodePtr tuple(std::vector<NodePtr> items) {
        auto n = make(Node::Type::Tuple);
        n->items = std::move(items);
        return n;
    }
    void memoPut(std::uint64_t index) {
        m_memo[index] = top();
    }
    void memoGet(std::uint64_t index) {
        const auto it = m_memo.find(index);
        if (it == m_memo.end()) fail("memo index " + std::to_string(index) + " not defined");
        push(it->second);
    }
    void setItem(Node& dict, NodePtr key, NodePtr value) {
        const std::string h = hashKey(*key);
        if (h.empty()) fail(std::string("unhashable dict key of type ") + typeName(key->type));
        const auto it = dict.keyIndex.find(h);
        if (it != dict.keyIndex.end()) {
            dict.entries[it->second].second = std::move(value);
        } else {
            dict.keyIndex.emplace(h, dict.entries.size());
            dict.entries.emplace_back(std::move(key), std::move(value));
        }
    }
    Node& expect(const NodePtr& node, Node::Type type, const char* what) {
        if (node->type != type)
            fail(std::string(what) + " expects a " + typeName(type) + ", found " + typeName(node->type));
        return *node;
    }

    void step(std::uint8_t op) {
        switch (op) {
        case 0x80: {  // PROTO
            const int proto = u8();
            if (proto > 5) fail("pickle protocol " + std::to_string(proto));
            break;
        }
        case 0x95: le(8); break;  // FRAME: framing is irrelevant when the whole pickle is in memory
        case '}': push(make(Node::Type::Dict)); break;
        case ']': push(make(Node::Type::List)); break;
        case ')': push(make(Node::Type::Tuple)); break;
        case '(': m_marks.push_back(m_stack.size()); break;
        case 'N': push(make(Node::Type::None)); break;
        case 0x88:
        case 0x89: {
            auto n = make(Node::Type::Bool);
            n->boolean = op == 0x88;
            push(n);
            break;
        }
        case 'J': pushInt(static_cast<std::int32_t>(static_cast<std::uint32_t>(le(4)))); break;
        case 'K': pushInt(u8()); break;
        case 'M': pushInt(static_cast<std::int64_t>(le(2))); break;
        case 0x8a: {  // LONG1: little-endian two's complement of n bytes
            const int n = u8();
            if (n > 8) fail("integer wider than 64 bits");
            std::uint64_t v = n ? le(n) : 0;
            if (n > 0 && n < 8 && (v >> (8 * n - 1)) & 1u) v |= ~std::uint64_t(0) << (8 * n);
            pushInt(static_cast<std::int64_t>(v));
            break;
        }
        case 'G': {  // BINFLOAT: big-endian IEEE double
            need(8);
            std::uint64_t bits = 0;
            for (int i = 0; i < 8; ++i) bits = (bits << 8) | static_cast<std::uint8_t>(m_data[m_pos + i]);
            m_pos += 8;
            auto n = make(Node::Type::Float);
            std::memcpy(&n->real, &bits, sizeof bits);
            push(n);
            break;
        }
        case 'X': pushText(Node::Type::String, bytes(le(4))); break;
        case 0x8c: pushText(Node::Type::String, bytes(u8())); break;
        case 0x8d: pushText(Node::Type::String, bytes(le(8))); break;
        case 'B': pushText(Node::Type::Bytes, bytes(le(4))); break;
        case 'C': pushText(Node::Type::Bytes, bytes(u8())); break;
        case 0x8e: pushText(Node::Type::Bytes, bytes(le(8))); break;
        case 't': push(tuple(popMark())); break;
        case 0x85:
        case 0x86:
        case 0x87: {
            std::vector<NodePtr> items(static_cast<std::size_t>(op - 0x84));
            for (auto it = items.rbegin(); it != items.rend(); ++it) *it = pop();
            push(tuple(std::move(items)));
            break;
        }
        case 'l': {
            auto n = make(Node::Type::List);
            n->items = popMark();
            push(n);
            break;
        }
        case 'd': {
            std::vector<NodePtr> items = popMark();
            if (items.size() % 2) fail("DICT with an odd number of items");
            auto n = make(Node::Type::Dict);
            for (std::size_t i = 0; i < items.size(); i += 2) setItem(*n, items[i], items[i + 1]);
            push(n);
            break;
        }
        case 's': {
            NodePtr value = pop();
            NodePtr key = pop();
            setItem(expect(top(), Node::Type::Dict, "SETITEM"), key, value);
            break;
        }
        case 'u': {
            std::vector<NodePtr> items = popMark();
            if (items.size() % 2) fail("SETITEMS with an odd number of items");
            Node& dict = expect(top(), Node::Type::Dict, "SETITEMS");
            for (std::size_t i = 0; i < items.size(); i += 2) setItem(dict, items[i], items[i + 1]);
            break;
        }
        case 'a': {
            NodePtr value = pop();
            expect(top(), Node::Type::List, "APPEND").items.push_back(value);
            break;
        }
        case 'e': {
            std::vector<NodePtr> items = popMark();
            Node& list = expect(top(), Node::Type::List, "APPENDS");
            list.items.insert(list.items.end(), items.begin(), items.end());
            break;
        }
        case 'q': memoPut(u8()); break;
        case 'r': memoPut(le(4)); break;
        case 0x94: memoPut(m_memo.size()); break;
        case 'h': memoGet(u8()); break;
        case 'j': memoGet(le(4)); break;
        case '0': pop(); break;
        case '1': popMark(); break;
        case '2': push(top()); break;
        case 'c': {
            std::string module = line();
            std::string name = line();
            push(resolveGlobal(module, name));
            break;
        }
        case 0x93: {
            NodePtr name = pop();
            NodePtr module = pop();
            if (name->type != Node::Type::String || module->type != Node::Type::String)
                fail("STACK_GLOBAL expects two strings");
            push(resolveGlobal(module->text, name->text));
            break;
        }
        case 'R':
        case 0x81: {  // REDUCE, NEWOBJ: only the allowed globals, interpreted here
            NodePtr args = pop();
            NodePtr callable = pop();
            if (callable->type != Node::Type::Global) fail("call of a non-global");
            if (args->type != Node::Type::Tuple) fail("call arguments are not a tuple");
            push(call(callable->text, args->items));
            break;
        }
        case 'b': {  // BUILD: only OrderedDict's _metadata attribute, which is not needed
            pop();  // the state
            if (top()->type != Node::Type::Dict) fail(std::string("BUILD on a ") + typeName(top()->type));
            break;
        }
        case 'Q': push(persistentLoad(pop())); break;
        default: {
            char hex[8];
            std::snprintf(hex, sizeof hex, "0x%02x", op);
            fail(std::string("pickle opcode ") + hex + " is not supported");
        }
        }
    }

    NodePtr resolveGlobal(const std::string& module, const std::string& name) {
        const std::string mod = module == "__builtin__" ? "builtins" : module;
        const std::string full = mod + "." + name;
        bool allowed = full == "collections.OrderedDict" || full == "torch._utils._rebuild_tensor_v2" ||
                       full == "torch._utils._rebuild_parameter" ||
                       full == "torch._utils._rebuild_parameter_with_state" || full == "torch.device" ||
                       full == "torch.Size" || full == "_codecs.encode" || full == "builtins.bytes" ||
                       isTorchScriptTag(full);
        if (!allowed && mod == "torch") {
            for (const TorchDtype& d : kDtypes)
                allowed = allowed || name == d.storage || name == d.name;
        }
        if (!allowed) {
            std::string shown = module + "." + name;
            if (shown.size() > 200) shown = shown.substr(0, 200) + "...";
            throw Error(m_path + ": refuses to load global '" + shown +
                        "' (a checkpoint may hold only tensors, containers, numbers and strings; nothing in "
                        "the file is executed; for a whole pickled model, torch.save its state_dict() instead)");
        }
        auto n = make(Node::Type::Global);
        n->text = full;
        return n;
    }

    std::int64_t intArg(const NodePtr& v, const char* what) {
        if (v->type == Node::Type::Int) return v->integer;
        if (v->type == Node::Type::Bool) return v->boolean ? 1 : 0;
        fail(std::string(what) + " is a " + typeName(v->type) + ", expected an int");
    }

    std::vector<std::int64_t> intTuple(const NodePtr& v, const char* what) {
        if (v->type != Node::Type::Tuple && v->type != Node::Type::List)
            fail(std::string(what) + " is a " + typeName(v->type) + ", expected a tuple");
        if (v->items.size() > kMaxTensorDims) fail(std::string(what) + " has too many dimensions");
        std::vector<std::int64_t> out;
        for (const NodePtr& item : v->items) out.push_back(intArg(item, what));
        return out;
    }

    NodePtr call(const std::string& fn, const std::vector<NodePtr>& args) {
        if (fn == "collections.OrderedDict") {
            auto dict = make(Node::Type::Dict);
            if (args.size() == 1 && args[0]->type == Node::Type::List) {
                for (const NodePtr& pair : args[0]->items) {
                    if (pair->type != Node::Type::Tuple || pair->items.size() != 2)
                        fail("OrderedDict item is not a (key, value) pair");
                    setItem(*dict, pair->items[0], pair->items[1]);
                }
            } else if (!args.empty()) {
                fail("unexpected OrderedDict arguments");
            }
            return dict;
        }
        if (fn == "torch._utils._rebuild_tensor_v2") return rebuildTensor(args);
        if (isTorchScriptTag(fn)) {  // type annotations only: the value passes through
            if (args.empty()) fail("'" + fn + "' without arguments");
            return args[0];
        }
        if (fn == "torch._utils._rebuild_parameter" || fn == "torch._utils._rebuild_parameter_with_state") {
            if (args.size() < 3 || args[0]->type != Node::Type::Tensor) fail("bad _rebuild_parameter arguments");
            return args[0];
        }
        if (fn == "_codecs.encode") {
            if (args.size() != 2 || args[0]->type != Node::Type::String ||
                args[1]->type != Node::Type::String || args[1]->text != "latin1")
                fail("_codecs.encode is allowed only as (str, 'latin1') for bytes");
            std::vector<std::uint32_t> cps;
            if (!decodeUtf8(args[0]->text, cps)) fail("invalid UTF-8 in bytes");
            auto out = make(Node::Type::Bytes);
            for (std::uint32_t cp : cps) {
                if (cp > 0xFF) fail("non-latin1 character in bytes");
                out->text.push_back(static_cast<char>(cp));
            }
            return out;
        }
        if (fn == "builtins.bytes") {
            if (!args.empty()) fail("bytes() is allowed only without arguments");
            return make(Node::Type::Bytes);
        }
        if (fn == "torch.device") {
            if (args.empty() || args.size() > 2 || args[0]->type != Node::Type::String)
                fail("bad torch.device arguments");
            auto out = make(Node::Type::String);
            out->text = args[0]->text;
            if (args.size() == 2 && args[1]->type != Node::Type::None)
                out->text += ":" + std::to_string(intArg(args[1], "device index"));
            return out;
        }
        if (fn == "torch.Size") {
            if (args.size() != 1) fail("bad torch.Size arguments");
            auto out = make(Node::Type::Tuple);
            for (std::int64_t v : intTuple(args[0], "torch.Size")) {
                auto n = make(Node::Type::Int);
                n->integer = v;
                out->items.push_back(n);
            }
            return out;
        }
        fail("global '" + fn + "' cannot be called");
    }

    /// persistent_load(('storage', torch.XStorage, key, location, numel)) -> the storage's data.
    NodePtr persistentLoad(const NodePtr& pid) {
        if (pid->type != Node::Type::Tuple || pid->items.size() != 5 ||
            pid->items[0]->type != Node::Type::String || pid->items[0]->text != "storage" ||
            pid->items[1]->type != Node::Type::Global || pid->items[2]->type != Node::Type::String)
            fail("persistent id is not a ('storage', type, key, location, numel) tuple");
        const std::string& typeNameFull = pid->items[1]->text;  // "torch.FloatStorage"
        const TorchDtype* dtype =
            typeNameFull.rfind("torch.", 0) == 0 ? torchDtypeByStorage(typeNameFull.substr(6)) : nullptr;
        if (!dtype) fail("'" + typeNameFull + "' is not a supported storage type");
        const std::string& key = pid->items[2]->text;
        const std::int64_t numel = intArg(pid->items[4], "storage size");
        if (numel < 0) fail("negative storage size");

        const auto cached = m_storages.find(key);
        if (cached != m_storages.end()) {
            if (cached->second->tensor.scalar_type() != dtype->type || cached->second->tensor.numel() != numel)
                fail("storage '" + key + "' is used with two different types or sizes");
            return cached->second;
        }
        const auto elementSize = static_cast<std::int64_t>(c10::elementSize(dtype->type));
        if (numel > std::numeric_limits<std::int64_t>::max() / elementSize) fail("storage size overflows");
        auto [ptr, size] = m_loader(key);
        if (static_cast<std::uint64_t>(size) != static_cast<std::uint64_t>(numel * elementSize))
            fail("storage record data/" + key + " holds " + std::to_string(size) + " bytes, expected " +
                 std::to_string(numel * elementSize) + " (" + std::to_string(numel) + " x " + dtype->name + ")");
        auto node = make(Node::Type::Storage);
        node->tensor = torch::empty({numel}, torch::TensorOptions().dtype(dtype->type));
        if (size > 0) std::memcpy(node->tensor.data_ptr(), ptr.get(), size);
        m_storages.emplace(key, node);
        return node;
    }

    /// _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks[, metadata]).
    NodePtr rebuildTensor(const std::vector<NodePtr>& args) {
        if (args.size() < 6 || args.size() > 7) fail("_rebuild_tensor_v2 takes 6 or 7 arguments");
        if (args[0]->type != Node::Type::Storage) fail("_rebuild_tensor_v2 argument is not a storage");
        const torch::Tensor& storage = args[0]->tensor;
        const std::int64_t offset = intArg(args[1], "tensor offset");
        const std::vector<std::int64_t> sizes = intTuple(args[2], "tensor size");
        const std::vector<std::int64_t> strides = intTuple(args[3], "tensor stride");
        if (sizes.size() != strides.size()) fail("tensor size and stride differ in length");
        if (args[5]->type != Node::Type::Dict || !args[5]->entries.empty())
            fail("tensor backward hooks are not supported");
        if (offset < 0) fail("negative tensor offset");
        // The largest element index must lie inside the storage (checked without overflow).
        bool empty = false;
        std::int64_t last = offset;
        for (std::size_t i = 0; i < sizes.size(); ++i) {
            if (sizes[i] < 0 || strides[i] < 0) fail("negative tensor size or stride");
            if (sizes[i] == 0) empty = true;
        }
        auto out = make(Node::Type::Tensor);
        const auto options = torch::TensorOptions().dtype(storage.scalar_type());
        if (empty) {
            if (offset > storage.numel()) fail("tensor offset beyond its storage");
            out->tensor = torch::empty(sizes, options);
            return out;
        }
        for (std::size_t i = 0; i < sizes.size(); ++i) {
            std::int64_t span = 0;
            if (__builtin_mul_overflow(sizes[i] - 1, strides[i], &span) ||
                __builtin_add_overflow(last, span, &last))
                fail("tensor extent overflows");
        }
        if (last >= storage.numel())
            fail("tensor of size " + c10::str(c10::IntArrayRef(sizes)) + " reaches element " + std::to_string(last) +
                 " of a storage of " + std::to_string(storage.numel()));
        out->tensor = storage.as_strided(sizes, strides, offset).clone(at::MemoryFormat::Contiguous);
        return out;
    }

    const std::string& m_path;
    const std::string& m_data;
    PickleRecordLoader m_loader;
    std::size_t m_pos = 0;
    std::size_t m_opStart = 0;
    std::vector<NodePtr> m_stack;
    std::vector<std::size_t> m_marks;
    std::unordered_map<std::uint64_t, NodePtr> m_memo;
    std::unordered_map<std::string, NodePtr> m_storages;
    std::vector<std::weak_ptr<Node>> m_containers;
};

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

const TorchDtype* torchDtypeByStorage(const std::string& storage) {
    for (const TorchDtype& d : kDtypes)
        if (storage == d.storage) return &d;
    return nullptr;
}

const TorchDtype* torchDtypeByType(torch::ScalarType type) {
    for (const TorchDtype& d : kDtypes)
        if (type == d.type) return &d;
    return nullptr;
}

PickleValue unpickle(const std::string& path, const std::string& pickle, const PickleRecordLoader& loader) {
    Unpickler unpickler(path, pickle, loader);
    const NodePtr root = unpickler.run();
    return Converter(path).convert(*root);
}

} // namespace memloc::core
