#include "io/safetensors.h"

#include "io/file_util.h"
#include "memloc/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>

namespace memloc::core {

namespace {

// Same limit as the reference implementation: a larger header means a corrupt or hostile file.
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;
const char* const kMetadataKey = "__metadata__";

struct Dtype {
    const char* name;
    torch::ScalarType type;
};

const Dtype kDtypes[] = {
    {"F64", torch::kDouble}, {"F32", torch::kFloat}, {"F16", torch::kHalf}, {"BF16", torch::kBFloat16},
    {"I64", torch::kLong},   {"I32", torch::kInt},   {"I16", torch::kShort}, {"I8", torch::kChar},
    {"U8", torch::kByte},    {"BOOL", torch::kBool},
};

const Dtype* dtypeByName(const std::string& name) {
    for (const Dtype& d : kDtypes)
        if (name == d.name) return &d;
    return nullptr;
}

const Dtype* dtypeByType(torch::ScalarType type) {
    for (const Dtype& d : kDtypes)
        if (type == d.type) return &d;
    return nullptr;
}

struct Entry {
    std::string name;
    const Dtype* dtype = nullptr;
    std::vector<std::int64_t> shape;
    std::uint64_t begin = 0;
    std::uint64_t end = 0;
};

/// Parses one tensor entry of the header, checking its fields and that its byte range matches.
Entry parseEntry(const std::string& path, const std::string& name, const nlohmann::json& info) {
    const std::string where = path + ": tensor '" + name + "' ";
    if (!info.is_object()) throw Error(where + "has a header entry that is not a JSON object");
    Entry e;
    e.name = name;
    const auto dtype = info.find("dtype");
    if (dtype == info.end() || !dtype->is_string()) throw Error(where + "has no \"dtype\" string");
    e.dtype = dtypeByName(dtype->get<std::string>());
    if (!e.dtype)
        throw Error(where + "has unsupported dtype \"" + dtype->get<std::string>() +
                    "\" (supported: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)");
    const auto shape = info.find("shape");
    if (shape == info.end() || !shape->is_array()) throw Error(where + "has no \"shape\" array");
    std::uint64_t numel = 1;
    for (const auto& d : *shape) {
        if (!d.is_number_unsigned()) throw Error(where + "has a shape entry that is not a non-negative integer");
        const auto dim = d.get<std::uint64_t>();
        if (dim > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
            (dim != 0 && numel > std::numeric_limits<std::uint64_t>::max() / dim))
            throw Error(where + "has a shape whose size overflows");
        numel *= dim;
        e.shape.push_back(static_cast<std::int64_t>(dim));
    }
    const auto offsets = info.find("data_offsets");
    if (offsets == info.end() || !offsets->is_array() || offsets->size() != 2 || !(*offsets)[0].is_number_unsigned() ||
        !(*offsets)[1].is_number_unsigned())
        throw Error(where + "needs \"data_offsets\": [begin, end] with non-negative integers");
    e.begin = (*offsets)[0].get<std::uint64_t>();
    e.end = (*offsets)[1].get<std::uint64_t>();
    if (e.end < e.begin) throw Error(where + "has data_offsets with end before begin");
    const std::uint64_t elementSize = c10::elementSize(e.dtype->type);
    if (numel > std::numeric_limits<std::uint64_t>::max() / elementSize)
        throw Error(where + "has a shape whose byte size overflows");
    if (e.end - e.begin != numel * elementSize)
        throw Error(where + "has " + std::to_string(e.end - e.begin) + " bytes in data_offsets but its shape and " +
                    e.dtype->name + " need " + std::to_string(numel * elementSize));
    return e;
}

} // namespace

SafetensorsFile loadSafetensors(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw Error(path + ": is a directory, not a safetensors file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot open safetensors file (" + std::strerror(errno) + ")");
    const std::uint64_t fileSize = std::filesystem::file_size(path, ec);
    if (ec) throw Error(path + ": cannot read the size of the safetensors file (" + ec.message() + ")");
    if (fileSize < 8) throw Error(path + ": is too short for a safetensors file (" + std::to_string(fileSize) + " bytes)");

    unsigned char lengthBytes[8];
    in.read(reinterpret_cast<char*>(lengthBytes), 8);
    std::uint64_t headerSize = 0;
    for (int i = 7; i >= 0; --i) headerSize = (headerSize << 8) | lengthBytes[i];
    if (headerSize > kMaxHeaderBytes)
        throw Error(path + ": safetensors header length " + std::to_string(headerSize) +
                    " exceeds the 100 MB limit (corrupt or not a safetensors file)");
    if (headerSize > fileSize - 8)
        throw Error(path + ": safetensors header length " + std::to_string(headerSize) + " runs past the end of the " +
                    std::to_string(fileSize) + "-byte file (truncated or not a safetensors file)");
    std::string header(headerSize, '\0');
    in.read(header.data(), static_cast<std::streamsize>(headerSize));
    if (!in) throw Error(path + ": failed reading the safetensors header");
    if (header.empty() || header[0] != '{')
        throw Error(path + ": safetensors header does not start with '{' (corrupt or not a safetensors file)");

    // nlohmann keeps only the last of duplicate keys; a duplicate tensor name is refused instead.
    std::set<std::string> seen;
    std::string duplicate;
    const nlohmann::json::parser_callback_t noteDuplicates =
        [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
            if (event == nlohmann::json::parse_event_t::key && depth == 1 && parsed.is_string() &&
                !seen.insert(parsed.get<std::string>()).second && duplicate.empty())
                duplicate = parsed.get<std::string>();
            return true;
        };
    nlohmann::json json;
    try {
        json = nlohmann::json::parse(header, noteDuplicates);
    } catch (const nlohmann::json::exception& e) {
        throw Error(path + ": safetensors header is not valid JSON (" + e.what() + ")");
    }
    if (!json.is_object()) throw Error(path + ": safetensors header is not a JSON object");
    if (!duplicate.empty()) throw Error(path + ": safetensors header names '" + duplicate + "' twice");

    SafetensorsFile result;
    std::vector<Entry> entries;
    for (const auto& [name, info] : json.items()) {
        if (name == kMetadataKey) {
            if (!info.is_object()) throw Error(path + ": safetensors \"__metadata__\" is not a JSON object");
            for (const auto& [key, value] : info.items()) {
                if (!value.is_string())
                    throw Error(path + ": safetensors metadata '" + key + "' is not a string");
                result.metadata[key] = value.get<std::string>();
            }
            continue;
        }
        entries.push_back(parseEntry(path, name, info));
    }

    // The ranges must tile the byte buffer exactly: no gaps, overlaps or trailing bytes.
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
    });
    const std::uint64_t bufferSize = fileSize - 8 - headerSize;
    std::uint64_t cursor = 0;
    for (const Entry& e : entries) {
        if (e.begin != cursor)
            throw Error(path + ": tensor '" + e.name + "' starts at byte " + std::to_string(e.begin) +
                        " of the data buffer but the previous data ends at " + std::to_string(cursor) +
                        (e.begin < cursor ? " (overlapping tensors)" : " (a gap)"));
        if (e.end > bufferSize)
            throw Error(path + ": tensor '" + e.name + "' ends at byte " + std::to_string(e.end) +
                        " but the data buffer has " + std::to_string(bufferSize) + " bytes (truncated file?)");
        cursor = e.end;
    }
    if (cursor != bufferSize)
        throw Error(path + ": the data buffer has " + std::to_string(bufferSize) + " bytes but the tensors use " +
                    std::to_string(cursor) + " (trailing bytes)");

    for (const Entry& e : entries) {
        torch::Tensor t = torch::empty(e.shape, torch::TensorOptions().dtype(e.dtype->type));
        const std::uint64_t n = e.end - e.begin;
        if (n > 0) {
            in.seekg(static_cast<std::streamoff>(8 + headerSize + e.begin));
            in.read(static_cast<char*>(t.data_ptr()), static_cast<std::streamsize>(n));
            if (!in) throw Error(path + ": failed reading the data of tensor '" + e.name + "'");
        }
        if (e.dtype->type == torch::kBool) {
            // Any byte other than 0 or 1 would be an invalid C++ bool.
            const auto* bytes = static_cast<const unsigned char*>(t.data_ptr());
            if (std::any_of(bytes, bytes + n, [](unsigned char b) { return b > 1; }))
                throw Error(path + ": BOOL tensor '" + e.name + "' holds bytes other than 0 and 1");
        }
        result.tensors.emplace_back(e.name, t);
    }
    return result;
}

void saveSafetensors(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                     const std::map<std::string, std::string>& metadata) {
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty()) header[kMetadataKey] = metadata;
    std::vector<torch::Tensor> data;
    std::uint64_t offset = 0;
    for (const auto& [name, tensor] : tensors) {
        if (name == kMetadataKey) throw Error(path + ": '__metadata__' is reserved and cannot name a tensor");
        if (header.contains(name)) throw Error(path + ": duplicate tensor name '" + name + "'");
        if (!tensor.defined()) throw Error(path + ": tensor '" + name + "' is undefined");
        const Dtype* dtype = dtypeByType(tensor.scalar_type());
        if (!dtype)
            throw Error(path + ": tensor '" + name + "' has dtype " + c10::toString(tensor.scalar_type()) +
                        ", which safetensors cannot hold here (supported: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)");
        torch::Tensor t = tensor.detach().to(torch::kCPU).contiguous();
        const std::uint64_t n = t.nbytes();
        header[name] = {{"dtype", dtype->name}, {"shape", t.sizes().vec()}, {"data_offsets", {offset, offset + n}}};
        offset += n;
        data.push_back(t);
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');

    const std::string partial = path + ".partial";
    {
        std::ofstream out(partial, std::ios::binary | std::ios::trunc);
        if (!out) throw Error(path + ": cannot write safetensors file " + partial + " (" + std::strerror(errno) + ")");
        char length[8];
        for (int i = 0; i < 8; ++i) length[i] = static_cast<char>((static_cast<std::uint64_t>(text.size()) >> (8 * i)) & 0xFF);
        out.write(length, 8);
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        for (const torch::Tensor& t : data)
            out.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(t.nbytes()));
        out.close();
        if (out.fail()) {
            removeQuietly(partial);
            throw Error(path + ": failed writing safetensors file " + partial + " (disk full or not writable?)");
        }
    }
    moveIntoPlace(partial, path);
}

} // namespace memloc::core
