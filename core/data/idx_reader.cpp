// IDX (MNIST-layout) readers. Files are read through zlib so the gzipped files the Debian
// packages ship and plain, already-unpacked files go through the same code path.

#include "data/dataset.h"

#include "memloc/error.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace memloc::core {
namespace {

/// What distinguishes the two IDX file kinds we read.
struct IdxKind {
    const char* name;      ///< for messages: "image" or "label"
    const char* dataNoun;  ///< for messages: what the payload holds
    std::uint32_t magic;
    std::size_t rank;
};
constexpr IdxKind kImages{"image", "pixel data", 0x00000803, 3};
constexpr IdxKind kLabels{"label", "label data", 0x00000801, 1};
constexpr std::int64_t kMnistClasses = 10;
// Grow the buffer in steps rather than trusting the header up front, so a corrupt header on a
// small file cannot make us allocate gigabytes.
constexpr std::size_t kReadChunk = std::size_t{8} << 20;
// A header can claim up to 2^96 bytes; anything this large is corruption, not a dataset.
constexpr std::uint64_t kMaxPayloadBytes = std::uint64_t{16} << 30;

std::string hex32(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08" PRIX32, v);
    return buf;
}

std::uint32_t bigEndian32(const unsigned char* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           std::uint32_t{p[3]};
}

/// A file opened through zlib; reads return what the file holds and throw only on real errors.
class GzReader {
public:
    explicit GzReader(std::string path) : m_path(std::move(path)) {
        std::error_code ec;
        if (!std::filesystem::exists(m_path, ec))
            throw Error(m_path + ": file not found");
        if (!std::filesystem::is_regular_file(m_path, ec))
            throw Error(m_path + ": not a regular file");
        errno = 0;
        m_file = gzopen(m_path.c_str(), "rb");
        if (!m_file)
            throw Error(m_path + ": cannot open: " + (errno ? std::strerror(errno) : "out of memory"));
        gzbuffer(m_file, 1 << 18);
    }
    ~GzReader() { gzclose(m_file); }
    GzReader(const GzReader&) = delete;
    GzReader& operator=(const GzReader&) = delete;

    /// Reads up to `len` bytes; fewer only at the end of the data.
    std::size_t read(void* dst, std::size_t len) {
        auto* out = static_cast<unsigned char*>(dst);
        std::size_t got = 0;
        while (got < len) {
            const unsigned step = static_cast<unsigned>(std::min<std::size_t>(len - got, INT_MAX / 2));
            const int n = gzread(m_file, out + got, step);
            if (n < 0)
                fail();
            if (n == 0)
                break;
            got += static_cast<std::size_t>(n);
        }
        // Z_BUF_ERROR means the compressed stream itself was cut off (e.g. a partial download).
        int code = Z_OK;
        gzerror(m_file, &code);
        m_cut = code == Z_BUF_ERROR;
        return got;
    }

    /// For messages about short reads: says when the gzip stream, not just the data, ends early.
    std::string cutNote() const { return m_cut ? " (the gzip stream is cut off)" : ""; }

    /// Counts the bytes left after the expected payload.
    std::uint64_t countRemaining() {
        std::vector<unsigned char> sink(1 << 16);
        std::uint64_t total = 0;
        for (std::size_t n; (n = read(sink.data(), sink.size())) > 0;)
            total += n;
        if (m_cut)
            throw Error(m_path + ": truncated gzip file: the compressed stream ends before its "
                                 "trailer");
        return total;
    }

private:
    [[noreturn]] void fail() {
        int code = Z_OK;
        const char* msg = gzerror(m_file, &code);
        if (code == Z_ERRNO)
            throw Error(m_path + ": read error: " + std::strerror(errno));
        throw Error(m_path + ": corrupt gzip data: " + (msg ? msg : "unknown zlib error"));
    }

    std::string m_path;
    gzFile m_file = nullptr;
    bool m_cut = false;
};

/// Reads the magic and the kind's dimensions into `dims`; returns the payload size they imply.
std::uint64_t readHeader(GzReader& in, const std::string& path, const IdxKind& kind,
                         std::vector<std::int64_t>& dims) {
    const std::size_t headerBytes = 4 * (kind.rank + 1);
    unsigned char header[16];
    const std::size_t got = in.read(header, headerBytes);
    const std::string prefix = path + ": ";
    // The magic comes first so that a short file of the wrong kind is reported as the wrong kind.
    if (got >= 4 && bigEndian32(header) != kind.magic)
        throw Error(prefix + "not an IDX " + kind.name + " file: expected magic " +
                    hex32(kind.magic) + ", found " + hex32(bigEndian32(header)));
    if (got < headerBytes)
        throw Error(prefix + "truncated IDX " + kind.name + " file: expected a " +
                    std::to_string(headerBytes) + "-byte header, found " + std::to_string(got) +
                    " bytes" + in.cutNote());
    dims.assign(kind.rank, 0);
    std::uint64_t bytes = 1;
    for (std::size_t i = 0; i < kind.rank; ++i) {
        const std::uint32_t d = bigEndian32(header + 4 * (i + 1));
        dims[i] = d;
        // The count (dimension 0) may be 0; an image with no rows or columns is corruption.
        if (i > 0 && d == 0)
            throw Error(prefix + "bad IDX " + kind.name + " file: dimension " + std::to_string(i) +
                        " is 0");
        bytes = (d != 0 && bytes > kMaxPayloadBytes / d) ? kMaxPayloadBytes + 1 : bytes * d;
    }
    if (bytes > kMaxPayloadBytes)
        throw Error(prefix + "bad IDX " + kind.name + " file: header dimensions imply more than " +
                    std::to_string(kMaxPayloadBytes >> 30) + " GiB of data");
    return bytes;
}

/// Reads exactly `bytes` bytes of payload into a uint8 tensor of `sizes`, rejecting short and
/// over-long files. `what` describes the header's claim for messages.
torch::Tensor readPayload(GzReader& in, const std::string& path, const IdxKind& kind,
                          const std::string& what, std::uint64_t bytes, at::IntArrayRef sizes) {
    auto buf = std::make_unique<std::vector<unsigned char>>();
    while (buf->size() < bytes) {
        const std::size_t old = buf->size();
        const std::size_t step = std::min<std::uint64_t>(kReadChunk, bytes - old);
        buf->resize(old + step);
        const std::size_t got = in.read(buf->data() + old, step);
        if (got < step)
            throw Error(path + ": truncated IDX " + kind.name + " file (header says " + what +
                        "): expected " + std::to_string(bytes) + " bytes of " + kind.dataNoun +
                        ", found " + std::to_string(old + got) + in.cutNote());
    }
    const std::uint64_t extra = in.countRemaining();
    if (extra > 0)
        throw Error(path + ": bad IDX " + kind.name + " file (header says " + what +
                    "): expected " + std::to_string(bytes) + " bytes of " + kind.dataNoun +
                    ", found " + std::to_string(extra) + " more after them");
    // An empty buffer has no data pointer, and from_blob never calls the deleter of a null one
    // (the leak was found by fuzz_idx).
    if (bytes == 0) return torch::empty(sizes, torch::kUInt8);
    auto* owner = buf.release();
    return torch::from_blob(
        owner->data(), sizes, [owner](void*) { delete owner; }, torch::kUInt8);
}

std::filesystem::path findMnistFile(const std::string& dir, const std::string& name) {
    const std::filesystem::path base = std::filesystem::path(dir) / name;
    std::error_code ec;
    for (const auto& candidate : {std::filesystem::path(base.string() + ".gz"), base})
        if (std::filesystem::exists(candidate, ec))
            return candidate;
    throw Error(dir + ": MNIST-layout file not found: neither " + name + ".gz nor " + name +
                " exists");
}

} // namespace

ImageSet readIdxImages(const std::string& path) {
    GzReader in(path);
    std::vector<std::int64_t> dims;
    const std::uint64_t bytes = readHeader(in, path, kImages, dims);
    const std::string what = std::to_string(dims[0]) + " images of " + std::to_string(dims[1]) +
                             "x" + std::to_string(dims[2]);
    ImageSet set;
    set.images = readPayload(in, path, kImages, what, bytes, {dims[0], 1, dims[1], dims[2]});
    return set;
}

torch::Tensor readIdxLabels(const std::string& path) {
    GzReader in(path);
    std::vector<std::int64_t> dims;
    const std::uint64_t bytes = readHeader(in, path, kLabels, dims);
    const std::string what = std::to_string(dims[0]) + " labels";
    return readPayload(in, path, kLabels, what, bytes, {dims[0]}).to(torch::kInt64);
}

ImageSet loadMnistSplit(const std::string& dir, bool train) {
    const std::string prefix = train ? "train" : "t10k";
    const std::string imagePath = findMnistFile(dir, prefix + "-images-idx3-ubyte").string();
    const std::string labelPath = findMnistFile(dir, prefix + "-labels-idx1-ubyte").string();

    ImageSet set = readIdxImages(imagePath);
    set.labels = readIdxLabels(labelPath);
    set.numClasses = kMnistClasses;
    const std::int64_t nImages = set.images.size(0);
    const std::int64_t nLabels = set.labels.size(0);
    if (nImages != nLabels)
        throw Error(labelPath + ": " + std::to_string(nLabels) + " labels, but " + imagePath +
                    " has " + std::to_string(nImages) + " images");
    if (nLabels > 0) {
        const auto bad = (set.labels >= kMnistClasses).nonzero();
        if (bad.size(0) > 0) {
            const std::int64_t index = bad[0][0].item<std::int64_t>();
            throw Error(labelPath + ": label " +
                        std::to_string(set.labels[index].item<std::int64_t>()) + " at index " +
                        std::to_string(index) + " is out of range: expected 0.." +
                        std::to_string(kMnistClasses - 1));
        }
    }
    return set;
}

} // namespace memloc::core
