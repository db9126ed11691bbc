// SVHN reader for the "cropped digits" files (train_32x32.mat, test_32x32.mat) through libmatio,
// which reads both MATLAB v5 and v7.3 (HDF5) files. libmatio is optional: a build without it
// compiles this file with MEMLOC_WITH_MATIO undefined and the loader says so.

#include "data/dataset.h"

#include "memloc/error.h"

#include <string>

#ifdef MEMLOC_WITH_MATIO
#include <matio.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <system_error>
#include <vector>
#endif

namespace memloc::core {
namespace {

#ifdef MEMLOC_WITH_MATIO

/// The split's file in `dir`, checked to exist.
std::filesystem::path svhnFile(const std::string& dir, bool train) {
    const std::string name = train ? "train_32x32.mat" : "test_32x32.mat";
    const std::filesystem::path file = std::filesystem::path(dir) / name;
    std::error_code ec;
    if (std::filesystem::is_regular_file(file, ec))
        return file;
    if (!std::filesystem::is_directory(dir, ec))
        throw Error(dir + ": SVHN directory not found");
    throw Error(file.string() + ": SVHN file not found (expected " + name + " in " + dir + ")");
}

constexpr std::int64_t kClasses = 10;
constexpr std::int64_t kChannels = 3;
constexpr std::int64_t kSide = 32;

// matio reports problems through one process-wide log function, and its default one aborts the
// process on errors. Reads are serialised so that the messages of one read land in its own
// error: the log function keeps the last error message for the read in progress.
std::mutex g_matioMutex;
std::string g_matioMessage;

void keepMatioMessage(int level, char* message) {
    if ((level & (MATIO_LOG_LEVEL_ERROR | MATIO_LOG_LEVEL_CRITICAL)) && message)
        g_matioMessage = message;
}

/// ": <matio's message>" when matio logged an error during this read, "" otherwise.
std::string matioNote() { return g_matioMessage.empty() ? "" : ": " + g_matioMessage; }

struct MatCloser {
    void operator()(mat_t* mat) const { Mat_Close(mat); }
};
struct VarFreer {
    void operator()(matvar_t* var) const { Mat_VarFree(var); }
};
using MatFile = std::unique_ptr<mat_t, MatCloser>;
using MatVar = std::unique_ptr<matvar_t, VarFreer>;

std::string dimsText(const matvar_t& v) {
    std::string text;
    for (int i = 0; i < v.rank; ++i)
        text += (i ? "x" : "") + std::to_string(v.dims[i]);
    return text;
}

const char* className(matio_classes c) {
    switch (c) {
    case MAT_C_DOUBLE: return "double";
    case MAT_C_SINGLE: return "single";
    case MAT_C_INT8: return "int8";
    case MAT_C_UINT8: return "uint8";
    case MAT_C_INT16: return "int16";
    case MAT_C_UINT16: return "uint16";
    case MAT_C_INT32: return "int32";
    case MAT_C_UINT32: return "uint32";
    case MAT_C_INT64: return "int64";
    case MAT_C_UINT64: return "uint64";
    case MAT_C_CHAR: return "char";
    case MAT_C_CELL: return "cell";
    case MAT_C_STRUCT: return "struct";
    case MAT_C_SPARSE: return "sparse";
    default: return "non-numeric";
    }
}

/// Reads variable `name` with its data; throws naming the file when it is missing or unreadable.
MatVar readVar(mat_t* mat, const std::string& path, const char* name) {
    MatVar info(Mat_VarReadInfo(mat, name));
    if (!info)
        throw Error(path + ": no variable '" + name + "' (SVHN files hold X and y)" + matioNote());
    MatVar var(Mat_VarRead(mat, name));
    if (!var || (var->nbytes > 0 && !var->data) || !g_matioMessage.empty())
        throw Error(path + ": cannot read variable '" + name + "' (truncated or corrupt file?)" + matioNote());
    return var;
}

/// The images of `X`: uint8 32x32x3xN in MATLAB's column-major order, as uint8 [N, 3, 32, 32].
torch::Tensor readImages(mat_t* mat, const std::string& path) {
    MatVar x = readVar(mat, path, "X");
    if (x->class_type != MAT_C_UINT8 || x->isComplex)
        throw Error(path + ": X must be a real uint8 array, found " + (x->isComplex ? "complex " : "") +
                    className(x->class_type));
    if (x->rank != 4 || x->dims[0] != kSide || x->dims[1] != kSide || x->dims[2] != kChannels)
        throw Error(path + ": X must be 32x32x3xN (height, width, channel, image), found " + dimsText(*x));
    const auto n = static_cast<std::int64_t>(x->dims[3]);
    if (x->nbytes != static_cast<std::size_t>(n * kChannels * kSide * kSide))
        throw Error(path + ": X holds " + std::to_string(x->nbytes) + " bytes, its shape " + dimsText(*x) + " needs " +
                    std::to_string(n * kChannels * kSide * kSide));
    if (n == 0)
        return torch::empty({0, kChannels, kSide, kSide}, torch::kUInt8);
    // Column-major 32x32x3xN read row-major is [N, 3, W, H]; swapping the last two gives CHW. The
    // tensor borrows matio's buffer until the reordered copy exists.
    matvar_t* raw = x.release();
    const torch::Tensor columnMajor = torch::from_blob(
        raw->data, {n, kChannels, kSide, kSide}, [raw](void*) { Mat_VarFree(raw); }, torch::kUInt8);
    return columnMajor.transpose(2, 3).contiguous();
}

template <typename T>
void copyValues(const void* data, std::int64_t n, std::vector<double>& out) {
    const T* values = static_cast<const T*>(data);
    for (std::int64_t i = 0; i < n; ++i)
        out[static_cast<std::size_t>(i)] = static_cast<double>(values[i]);
}

/// The labels of `y` (Nx1 or 1xN, any real numeric class) as they are stored, 1..10.
std::vector<double> readLabelValues(mat_t* mat, const std::string& path) {
    const MatVar y = readVar(mat, path, "y");
    if (y->rank != 2 || (y->dims[0] != 1 && y->dims[1] != 1))
        throw Error(path + ": y must be an Nx1 vector of labels, found " + dimsText(*y));
    const auto n = static_cast<std::int64_t>(y->dims[0] * y->dims[1]);
    std::vector<double> values(static_cast<std::size_t>(n));
    if (y->isComplex)
        throw Error(path + ": y must hold real numbers, found complex " + className(y->class_type));
    if (n > 0 && static_cast<std::int64_t>(y->nbytes) != n * y->data_size)
        throw Error(path + ": y holds " + std::to_string(y->nbytes) + " bytes, its shape " + dimsText(*y) +
                    " needs " + std::to_string(n * y->data_size));
    switch (y->class_type) {
    case MAT_C_DOUBLE: copyValues<double>(y->data, n, values); break;
    case MAT_C_SINGLE: copyValues<float>(y->data, n, values); break;
    case MAT_C_INT8: copyValues<std::int8_t>(y->data, n, values); break;
    case MAT_C_UINT8: copyValues<std::uint8_t>(y->data, n, values); break;
    case MAT_C_INT16: copyValues<std::int16_t>(y->data, n, values); break;
    case MAT_C_UINT16: copyValues<std::uint16_t>(y->data, n, values); break;
    case MAT_C_INT32: copyValues<std::int32_t>(y->data, n, values); break;
    case MAT_C_UINT32: copyValues<std::uint32_t>(y->data, n, values); break;
    case MAT_C_INT64: copyValues<std::int64_t>(y->data, n, values); break;
    case MAT_C_UINT64: copyValues<std::uint64_t>(y->data, n, values); break;
    default: throw Error(path + ": y must be a numeric array, found " + className(y->class_type));
    }
    return values;
}

/// Little- or big-endian unsigned integer of `bytes` bytes at `p`.
std::uint64_t unsignedAt(const unsigned char* p, int bytes, bool bigEndian) {
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i)
        v |= std::uint64_t{p[bigEndian ? bytes - 1 - i : i]} << (8 * i);
    return v;
}

/// A v5 file is a 128-byte header and a sequence of tagged elements (one per variable): each
/// must end within the file, or the file was cut short.
void checkMat5Complete(std::ifstream& in, const std::string& path, std::uint64_t size, bool bigEndian) {
    std::uint64_t offset = 128;
    for (int variable = 1; offset < size; ++variable) {
        unsigned char tag[8];
        in.seekg(static_cast<std::streamoff>(offset));
        if (size - offset < 8 || !in.read(reinterpret_cast<char*>(tag), 8))
            throw Error(path + ": truncated .mat file: it ends inside the header of variable " + std::to_string(variable));
        const std::uint64_t type = unsignedAt(tag, 4, bigEndian);
        std::uint64_t bytes = unsignedAt(tag + 4, 4, bigEndian);
        if ((type >> 16) != 0)  // small data element: everything is in the 8-byte tag
            bytes = 0;
        else if (type != 15)    // not miCOMPRESSED: padded to a multiple of 8 bytes
            bytes = (bytes + 7) / 8 * 8;
        if (bytes > size - offset - 8)
            throw Error(path + ": truncated .mat file: variable " + std::to_string(variable) + " needs " +
                        std::to_string(bytes) + " bytes from byte " + std::to_string(offset + 8) + ", the file has " +
                        std::to_string(size - offset - 8));
        offset += 8 + bytes;
    }
}

/// A v7.3 file is HDF5 after a 512-byte header; its superblock records where the data ends.
void checkMat73Complete(std::ifstream& in, const std::string& path, std::uint64_t size) {
    unsigned char sb[64] = {};
    in.seekg(512);
    in.read(reinterpret_cast<char*>(sb), sizeof sb);
    if (in.gcount() < 16 || std::memcmp(sb, "\x89HDF\r\n\x1a\n", 8) != 0)
        return;  // not the usual layout: left to libmatio
    const int version = sb[8];
    const int offsetSize = version < 2 ? sb[13] : sb[9];
    if (offsetSize != 4 && offsetSize != 8)
        return;
    // Base, free-space (v0/1) or extension (v2/3) address, then the end-of-file address.
    const int addresses = version == 0 ? 24 : version == 1 ? 28 : 12;
    const std::uint64_t end = unsignedAt(sb + addresses + 2 * offsetSize, offsetSize, false);
    if (size < end)
        throw Error(path + ": truncated .mat file: its HDF5 data ends at byte " + std::to_string(end) +
                    ", the file has " + std::to_string(size) + " bytes");
}

/// Reports a file cut short (an interrupted download) as such: libmatio would only miss variables.
void checkMatComplete(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    unsigned char header[128];
    if (!in.read(reinterpret_cast<char*>(header), sizeof header))
        return;  // too short for any .mat file: libmatio says so
    std::error_code ec;
    const std::uint64_t size = std::filesystem::file_size(path, ec);
    if (ec)
        return;
    // Bytes 126-127 hold 'M' 'I' as written by the file's own byte order.
    const bool bigEndian = header[126] == 'M' && header[127] == 'I';
    if (!bigEndian && !(header[126] == 'I' && header[127] == 'M'))
        return;
    const std::uint64_t version = unsignedAt(header + 124, 2, bigEndian);
    if (version == 0x0100)
        checkMat5Complete(in, path, size, bigEndian);
    else if (version == 0x0200)
        checkMat73Complete(in, path, size);
}

ImageSet readSvhnFile(const std::string& path) {
    checkMatComplete(path);
    const std::lock_guard<std::mutex> lock(g_matioMutex);
    g_matioMessage.clear();
    Mat_LogInitFunc("memloc", keepMatioMessage);
    MatFile mat(Mat_Open(path.c_str(), MAT_ACC_RDONLY));
    if (!mat)
        throw Error(path + ": not a MATLAB .mat file libmatio can read" + matioNote());

    ImageSet set;
    set.images = readImages(mat.get(), path);
    const std::vector<double> values = readLabelValues(mat.get(), path);
    const std::int64_t n = set.images.size(0);
    if (static_cast<std::int64_t>(values.size()) != n)
        throw Error(path + ": y has " + std::to_string(values.size()) + " labels, but X has " + std::to_string(n) +
                    " images");
    set.labels = torch::empty({n}, torch::kInt64);
    auto* labels = set.labels.data_ptr<std::int64_t>();
    for (std::int64_t i = 0; i < n; ++i) {
        const double v = values[static_cast<std::size_t>(i)];
        if (!(v >= 1 && v <= kClasses) || v != std::floor(v))
            throw Error(path + ": y(" + std::to_string(i + 1) + ") is " + torch::str(v) +
                        ", expected a label 1..10 (10 is the digit 0)");
        labels[i] = static_cast<std::int64_t>(v) % kClasses;
    }
    set.numClasses = kClasses;
    return set;
}

#endif

} // namespace

#ifdef MEMLOC_WITH_MATIO

bool svhnSupported() { return true; }

ImageSet loadSvhnSplit(const std::string& dir, bool train) { return readSvhnFile(svhnFile(dir, train).string()); }

#else

bool svhnSupported() { return false; }

ImageSet loadSvhnSplit(const std::string& dir, bool /*train*/) {
    throw Error(dir + ": cannot read SVHN's .mat files: this build of memloc has no libmatio (install "
                      "libmatio-dev and rebuild memloc)");
}

#endif

} // namespace memloc::core
