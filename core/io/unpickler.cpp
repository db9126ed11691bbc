#include "io/unpickler.h"

#include "io/pickle_node.h"
#include "memloc/error.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

namespace memloc::core {

namespace {

using pickle::makeNode;
using pickle::Node;
using pickle::NodePtr;
using pickle::toPickleValue;
using pickle::typeName;

const TorchDtype kDtypes[] = {
    {"FloatStorage", "float32", torch::kFloat},     {"DoubleStorage", "float64", torch::kDouble},
    {"HalfStorage", "float16", torch::kHalf},       {"BFloat16Storage", "bfloat16", torch::kBFloat16},
    {"LongStorage", "int64", torch::kLong},         {"IntStorage", "int32", torch::kInt},
    {"ShortStorage", "int16", torch::kShort},       {"CharStorage", "int8", torch::kChar},
    {"ByteStorage", "uint8", torch::kByte},         {"BoolStorage", "bool", torch::kBool},
};

// ---------------------------------------------------------------------------------------------
// The unpickler. It builds a graph of pickle::Node (see pickle_node.h), converted to PickleValue
// at the end.

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
    ~Unpickler() { pickle::unlinkContainers(m_containers); }
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
    void setItem(Node& dict, const NodePtr& key, NodePtr value) {
        if (!pickle::setDictItem(dict, key, std::move(value)))
            fail(std::string("unhashable dict key of type ") + typeName(key->type));
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
        if (fn == "torch._utils._rebuild_tensor_v2") {
            auto out = make(Node::Type::Tensor);
            out->tensor = pickle::rebuildTensorV2(args, m_fail);
            return out;
        }
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
            auto out = make(Node::Type::Bytes);
            out->text = pickle::latin1Bytes(args[0]->text, m_fail);
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
                out->text += ":" + std::to_string(pickle::intValue(*args[1], "device index", m_fail));
            return out;
        }
        if (fn == "torch.Size") {
            if (args.size() != 1) fail("bad torch.Size arguments");
            auto out = make(Node::Type::Tuple);
            for (std::int64_t v : pickle::intValues(*args[0], "torch.Size", m_fail)) {
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
        const std::int64_t numel = pickle::intValue(*pid->items[4], "storage size", m_fail);
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
    const pickle::PickleFailure m_fail = [this](const std::string& what) { fail(what); };
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
    return toPickleValue(path, *root);
}

} // namespace memloc::core
