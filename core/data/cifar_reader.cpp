// CIFAR-10 and CIFAR-100 readers for the "binary version" files: fixed-size records, no header.
// A CIFAR-10 record is 1 label byte + 3072 pixel bytes; a CIFAR-100 record is 1 coarse label
// byte + 1 fine label byte + 3072 pixel bytes (memloc trains on the fine labels).

#include "data/dataset.h"

#include "memloc/error.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

namespace memloc::core {
namespace {

constexpr std::int64_t kChannels = 3;
constexpr std::int64_t kSide = 32;
constexpr std::int64_t kPixelBytes = kChannels * kSide * kSide;

/// A label byte of each record: its position, what it is called and its range.
struct LabelByte {
    std::int64_t offset;
    const char* noun;  ///< "label", "coarse label", "fine label"
    std::int64_t classes;
};

/// What tells the two binary formats apart.
struct CifarFormat {
    const char* name;    ///< for messages
    const char* subdir;  ///< the directory the official archive unpacks to
    std::vector<std::string> trainFiles, testFiles;
    std::vector<LabelByte> labelBytes;  ///< every label byte, checked; the last one is trained on
    std::int64_t recordBytes() const { return static_cast<std::int64_t>(labelBytes.size()) + kPixelBytes; }
};

const CifarFormat& cifar10() {
    static const CifarFormat format{
        "CIFAR-10",
        "cifar-10-batches-bin",
        {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"},
        {"test_batch.bin"},
        {{0, "label", 10}}};
    return format;
}

const CifarFormat& cifar100() {
    static const CifarFormat format{"CIFAR-100",
                                    "cifar-100-binary",
                                    {"train.bin"},
                                    {"test.bin"},
                                    {{0, "coarse label", 20}, {1, "fine label", 100}}};
    return format;
}

/// The directory that holds the files: `dir` itself, or its subdirectory named as the official
/// archive unpacks it.
std::filesystem::path batchDir(const CifarFormat& f, const std::string& dir, const std::string& firstFile) {
    std::error_code ec;
    const std::filesystem::path base(dir);
    if (std::filesystem::exists(base / firstFile, ec))
        return base;
    if (std::filesystem::exists(base / f.subdir / firstFile, ec))
        return base / f.subdir;
    if (!std::filesystem::is_directory(base, ec))
        throw Error(dir + ": " + f.name + " directory not found");
    throw Error(dir + ": no " + f.name + " batches: expected " + firstFile + " in it or in its " + f.subdir +
                "/ subdirectory");
}

/// Reads one batch file as uint8 [records, recordBytes], checking size and labels.
torch::Tensor readBatch(const CifarFormat& f, const std::filesystem::path& file) {
    const std::string path = file.string();
    const std::int64_t recordBytes = f.recordBytes();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec))
        throw Error(path + ": " + f.name + " batch file not found");
    const std::uintmax_t size = std::filesystem::file_size(file, ec);
    if (ec)
        throw Error(path + ": cannot read file size: " + ec.message());
    if (size == 0)
        throw Error(path + ": empty " + f.name + " batch file");
    const auto records = static_cast<std::int64_t>(size / recordBytes);
    const auto leftover = static_cast<std::int64_t>(size % recordBytes);
    if (leftover != 0)
        throw Error(path + ": truncated " + f.name + " batch: " + std::to_string(size) +
                    " bytes is not a multiple of the " + std::to_string(recordBytes) + "-byte record size (" +
                    std::to_string(records) + " whole records + " + std::to_string(leftover) + " bytes)");

    torch::Tensor data = torch::empty({records, recordBytes}, torch::kUInt8);
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw Error(path + ": cannot open " + f.name + " batch file");
    in.read(reinterpret_cast<char*>(data.data_ptr<std::uint8_t>()), static_cast<std::streamsize>(size));
    if (in.gcount() != static_cast<std::streamsize>(size))
        throw Error(path + ": read error: expected " + std::to_string(size) + " bytes, got " +
                    std::to_string(in.gcount()));

    for (const LabelByte& label : f.labelBytes) {
        const torch::Tensor labels = data.select(1, label.offset);
        const torch::Tensor bad = (labels >= label.classes).nonzero();
        if (bad.size(0) > 0) {
            const std::int64_t record = bad[0][0].item<std::int64_t>();
            throw Error(path + ": record " + std::to_string(record) + " has " + label.noun + " " +
                        std::to_string(labels[record].item<int>()) + ", expected 0.." +
                        std::to_string(label.classes - 1));
        }
    }
    return data;
}

ImageSet loadSplit(const CifarFormat& f, const std::string& dir, bool train) {
    const std::vector<std::string>& names = train ? f.trainFiles : f.testFiles;
    const std::filesystem::path root = batchDir(f, dir, names.front());

    std::vector<torch::Tensor> batches;
    for (const std::string& name : names)
        batches.push_back(readBatch(f, root / name));
    const torch::Tensor all = batches.size() == 1 ? batches.front() : torch::cat(batches);

    const std::int64_t labelBytes = static_cast<std::int64_t>(f.labelBytes.size());
    ImageSet set;
    // Records already store each image as R plane, G plane, B plane (CHW), so a view suffices.
    set.images = all.narrow(1, labelBytes, kPixelBytes).reshape({-1, kChannels, kSide, kSide}).contiguous();
    set.labels = all.select(1, f.labelBytes.back().offset).to(torch::kInt64);
    set.numClasses = f.labelBytes.back().classes;
    return set;
}

} // namespace

ImageSet loadCifar10Split(const std::string& dir, bool train) { return loadSplit(cifar10(), dir, train); }

ImageSet loadCifar100Split(const std::string& dir, bool train) { return loadSplit(cifar100(), dir, train); }

} // namespace memloc::core
