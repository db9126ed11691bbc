#include "io/torch_file.h"

#include "io/file_util.h"
#include "io/unpickler.h"

#include "memloc/error.h"

#include <caffe2/serialize/inline_container.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <new>
#include <set>
#include <tuple>
#include <unordered_map>

namespace memloc::core {

namespace {

/// First line of a c10::Error, without the C++ backtrace LibTorch appends.
std::string firstLine(const std::string& text) {
    const std::size_t end = text.find('\n');
    return end == std::string::npos ? text : text.substr(0, end);
}

[[noreturn]] void corruptZip(const std::string& path, const std::string& what) {
    throw Error(path + ": is a truncated or corrupt torch.save zip archive (" + what + ")");
}

std::uint64_t readLe(const std::string& s, std::size_t pos, int bytes) {
    std::uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<std::uint8_t>(s[pos + i]);
    return v;
}

/// The CRC-32 of every record in the zip's central directory, by name without the archive folder.
/// PyTorch's zip reader skips CRC checks, so without these a damaged byte in tensor data would
/// load silently.
std::unordered_map<std::string, std::uint32_t> readZipCrcs(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) throw Error(path + ": cannot open checkpoint file (" + std::strerror(errno) + ")");
    const auto size = static_cast<std::uint64_t>(in.tellg());
    auto readAt = [&](std::uint64_t pos, std::uint64_t n) {
        if (pos > size || n > size - pos) corruptZip(path, "a zip directory points past the end of the file");
        std::string buf(n, '\0');
        in.seekg(static_cast<std::streamoff>(pos));
        in.read(buf.data(), static_cast<std::streamsize>(n));
        if (!in) corruptZip(path, "failed reading the zip directory");
        return buf;
    };
    const std::uint64_t tailSize = std::min<std::uint64_t>(size, 65535 + 22);
    const std::string tail = readAt(size - tailSize, tailSize);
    const std::size_t eocd = tail.rfind(std::string("PK\x05\x06", 4));
    if (eocd == std::string::npos || eocd + 22 > tail.size()) corruptZip(path, "no zip end-of-directory record");
    std::uint64_t entries = readLe(tail, eocd + 10, 2);
    std::uint64_t cdSize = readLe(tail, eocd + 12, 4);
    std::uint64_t cdOffset = readLe(tail, eocd + 16, 4);
    if (entries == 0xFFFF || cdSize == 0xFFFFFFFF || cdOffset == 0xFFFFFFFF) {
        // ZIP64: a locator just before the end record points at the 64-bit end record.
        if (eocd < 20 || tail.compare(eocd - 20, 4, std::string("PK\x06\x07", 4)) != 0)
            corruptZip(path, "no ZIP64 locator");
        const std::string z = readAt(readLe(tail, eocd - 20 + 8, 8), 56);
        if (z.compare(0, 4, std::string("PK\x06\x06", 4)) != 0) corruptZip(path, "no ZIP64 end record");
        entries = readLe(z, 32, 8);
        cdSize = readLe(z, 40, 8);
        cdOffset = readLe(z, 48, 8);
    }
    const std::string cd = readAt(cdOffset, cdSize);
    std::unordered_map<std::string, std::uint32_t> crcs;
    std::size_t pos = 0;
    for (std::uint64_t i = 0; i < entries; ++i) {
        if (pos + 46 > cd.size() || cd.compare(pos, 4, std::string("PK\x01\x02", 4)) != 0)
            corruptZip(path, "damaged zip directory");
        const auto nameLength = static_cast<std::size_t>(readLe(cd, pos + 28, 2));
        if (pos + 46 + nameLength > cd.size()) corruptZip(path, "damaged zip directory");
        std::string name = cd.substr(pos + 46, nameLength);
        const std::size_t slash = name.find('/');
        if (slash != std::string::npos) name = name.substr(slash + 1);
        crcs[name] = static_cast<std::uint32_t>(readLe(cd, pos + 16, 4));
        pos += 46 + nameLength + readLe(cd, pos + 30, 2) + readLe(cd, pos + 32, 2);
    }
    return crcs;
}

/// A record's bytes after checking them against the CRC-32 in the zip directory.
std::tuple<at::DataPtr, std::size_t> checkedRecord(const std::string& path,
                                                   caffe2::serialize::PyTorchStreamReader& reader,
                                                   const std::unordered_map<std::string, std::uint32_t>& crcs,
                                                   const std::string& name) {
    auto [ptr, size] = reader.getRecord(name);
    const auto expected = crcs.find(name);
    if (expected == crcs.end()) corruptZip(path, "record " + name + " is missing from the zip directory");
    uLong crc = crc32(0L, Z_NULL, 0);
    const auto* bytes = static_cast<const Bytef*>(ptr.get());
    for (std::size_t done = 0; done < size;) {
        const auto chunk = static_cast<uInt>(std::min<std::size_t>(size - done, 1u << 30));
        crc = crc32(crc, bytes + done, chunk);
        done += chunk;
    }
    if (static_cast<std::uint32_t>(crc) != expected->second)
        corruptZip(path, "record " + name + " fails its CRC check; the file was damaged after it was written");
    return {std::move(ptr), size};
}

PickleValue readZip(const std::string& path) {
    const auto crcs = readZipCrcs(path);
    caffe2::serialize::PyTorchStreamReader reader(path);
    std::vector<std::string> records = reader.getAllRecords();
    const bool torchScript = std::any_of(records.begin(), records.end(), [](const std::string& r) {
        return r.rfind("code/", 0) == 0 || r == "constants.pkl";
    });
    if (torchScript)
        throw Error(path + ": is a TorchScript archive (torch.jit.save or C++ torch::save), not a torch.save "
                           "checkpoint; save the model's state_dict() with Python's torch.save instead");
    if (!reader.hasRecord("data.pkl"))
        throw Error(path + ": is a zip archive without data.pkl, not a torch.save checkpoint");
    auto [pklPtr, pklSize] = checkedRecord(path, reader, crcs, "data.pkl");
    const std::string pickle(static_cast<const char*>(pklPtr.get()), pklSize);
    auto loader = [&](const std::string& key) {
        const std::string name = "data/" + key;
        if (key.empty() || key.find('/') != std::string::npos || !reader.hasRecord(name))
            throw Error(path + ": the checkpoint refers to a missing storage record '" + name + "'");
        return checkedRecord(path, reader, crcs, name);
    };
    return unpickle(path, pickle, loader);
}

// ---------------------------------------------------------------------------------------------
// The writer: a protocol-2 pickle of a plain dict of _rebuild_tensor_v2 calls, like torch.save's.

class PickleWriter {
public:
    void op(char c) { m_out.push_back(c); }
    void integer(std::int64_t v) {
        if (v >= 0 && v < 256) {
            op('K');
            m_out.push_back(static_cast<char>(v));
        } else if (v >= 0 && v < 65536) {
            op('M');
            putLe(static_cast<std::uint64_t>(v), 2);
        } else if (v >= INT32_MIN && v <= INT32_MAX) {
            op('J');
            putLe(static_cast<std::uint32_t>(static_cast<std::int32_t>(v)), 4);
        } else {
            op('\x8a');
            m_out.push_back(8);
            putLe(static_cast<std::uint64_t>(v), 8);
        }
    }
    void string(const std::string& s) {
        op('X');
        putLe(s.size(), 4);
        m_out += s;
    }
    void global(const std::string& module, const std::string& name) {
        op('c');
        m_out += module + "\n" + name + "\n";
    }
    void intTuple(c10::IntArrayRef values) {
        op('(');
        for (std::int64_t v : values) integer(v);
        op('t');
    }
    const std::string& bytes() const { return m_out; }

private:
    void putLe(std::uint64_t v, int n) {
        for (int i = 0; i < n; ++i) m_out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
    }
    std::string m_out;
};

} // namespace

const PickleValue* PickleValue::find(const std::string& key) const {
    if (kind != Kind::Dict) return nullptr;
    for (const auto& [k, v] : entries)
        if (k.kind == Kind::String && k.text == key) return &v;
    return nullptr;
}

PickleValue loadTorchFile(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw Error(path + ": is a directory, not a checkpoint file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot open checkpoint file (" + std::strerror(errno) + ")");
    char magic[4] = {};
    in.read(magic, 4);
    const std::streamsize got = in.gcount();
    in.close();
    if (got >= 1 && static_cast<unsigned char>(magic[0]) == 0x80)
        throw Error(path + ": is in the legacy torch.save format (PyTorch < 1.6 or "
                           "_use_new_zipfile_serialization=False), which memloc does not read; re-save it in "
                           "Python with torch.save(torch.load(path), path) using PyTorch >= 1.6 and without "
                           "_use_new_zipfile_serialization=False");
    if (got < 4 || std::memcmp(magic, "PK\x03\x04", 4) != 0)
        throw Error(path + ": is not a torch.save checkpoint (expected a zip archive, found " +
                    (got < 4 ? std::string("a file of ") + std::to_string(got) + " bytes" : std::string("other data")) +
                    ")");
    try {
        return readZip(path);
    } catch (const c10::Error& e) {
        throw Error(path + ": is a truncated or corrupt torch.save zip archive (" +
                    firstLine(e.what_without_backtrace()) + ")");
    } catch (const std::bad_alloc&) {
        throw Error(path + ": is a corrupt torch.save zip archive (a record size is impossibly large)");
    }
}

void saveTorchFile(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& tensors) {
    // Validate and prepare everything before the file is created.
    std::set<std::string> names;
    std::vector<torch::Tensor> data;
    PickleWriter pickle;
    pickle.op('\x80');
    pickle.op(2);
    pickle.op('}');
    if (!tensors.empty()) pickle.op('(');
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        const auto& [name, tensor] = tensors[i];
        if (!names.insert(name).second) throw Error(path + ": duplicate tensor name '" + name + "'");
        if (!tensor.defined()) throw Error(path + ": tensor '" + name + "' is undefined");
        const TorchDtype* dtype = torchDtypeByType(tensor.scalar_type());
        if (!dtype)
            throw Error(path + ": tensor '" + name + "' has dtype " + c10::toString(tensor.scalar_type()) +
                        ", which cannot be written (supported: float64/32/16, bfloat16, int64/32/16/8, uint8, bool)");
        torch::Tensor t = tensor.detach().to(torch::kCPU).contiguous();
        pickle.string(name);
        pickle.global("torch._utils", "_rebuild_tensor_v2");
        pickle.op('(');
        pickle.op('(');
        pickle.string("storage");
        pickle.global("torch", dtype->storage);
        pickle.string(std::to_string(i));
        pickle.string("cpu");
        pickle.integer(t.numel());
        pickle.op('t');
        pickle.op('Q');  // BINPERSID
        pickle.integer(0);
        pickle.intTuple(t.sizes());
        pickle.intTuple(t.strides());
        pickle.op('\x89');  // requires_grad False
        pickle.global("collections", "OrderedDict");
        pickle.op(')');
        pickle.op('R');
        pickle.op('t');
        pickle.op('R');
        data.push_back(t);
    }
    if (!tensors.empty()) pickle.op('u');
    pickle.op('.');

    const std::string partial = path + ".partial";
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(path + ": cannot write checkpoint file " + partial + " (" + std::strerror(errno) + ")");
    bool writeFailed = false;
    // The writer callback never reports failure (the zip writer would throw from its destructor);
    // the stream state is checked once the archive is complete.
    auto writeFn = [&](const void* buf, std::size_t n) -> std::size_t {
        out.write(static_cast<const char*>(buf), static_cast<std::streamsize>(n));
        if (!out) writeFailed = true;
        return n;
    };
    try {
        caffe2::serialize::PyTorchStreamWriter writer(writeFn);
        writer.writeRecord("data.pkl", pickle.bytes().data(), pickle.bytes().size());
        for (std::size_t i = 0; i < data.size(); ++i)
            writer.writeRecord("data/" + std::to_string(i), data[i].data_ptr(), data[i].nbytes());
        writer.writeEndOfFile();
    } catch (const c10::Error& e) {
        writeFailed = true;
    }
    out.close();
    if (writeFailed || out.fail()) {
        removeQuietly(partial);
        throw Error(path + ": failed writing checkpoint file " + partial + " (disk full or not writable?)");
    }
    moveIntoPlace(partial, path);
}

} // namespace memloc::core
