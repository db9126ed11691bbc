// CIFAR-10 binary-batch reader ("CIFAR-10 binary version": fixed-size records, no header).

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

constexpr std::int64_t kClasses = 10;
constexpr std::int64_t kChannels = 3;
constexpr std::int64_t kSide = 32;
constexpr std::int64_t kPixelBytes = kChannels * kSide * kSide;
constexpr std::int64_t kRecordBytes = 1 + kPixelBytes;
constexpr int kTrainBatches = 5;
constexpr const char* kSubdir = "cifar-10-batches-bin";

std::vector<std::string> batchNames(bool train) {
    if (!train)
        return {"test_batch.bin"};
    std::vector<std::string> names;
    for (int i = 1; i <= kTrainBatches; ++i)
        names.push_back("data_batch_" + std::to_string(i) + ".bin");
    return names;
}

/// The directory that holds the batches: `dir` itself, or its cifar-10-batches-bin/ (the layout
/// the official archive unpacks to).
std::filesystem::path batchDir(const std::string& dir, const std::string& firstBatch) {
    std::error_code ec;
    const std::filesystem::path base(dir);
    if (std::filesystem::exists(base / firstBatch, ec))
        return base;
    if (std::filesystem::exists(base / kSubdir / firstBatch, ec))
        return base / kSubdir;
    if (!std::filesystem::is_directory(base, ec))
        throw Error(dir + ": CIFAR-10 directory not found");
    throw Error(dir + ": no CIFAR-10 batches: expected " + firstBatch + " in it or in its " +
                kSubdir + "/ subdirectory");
}

/// Reads one batch file as uint8 [records, 3073], checking size and labels.
torch::Tensor readBatch(const std::filesystem::path& file) {
    const std::string path = file.string();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec))
        throw Error(path + ": CIFAR-10 batch file not found");
    const std::uintmax_t size = std::filesystem::file_size(file, ec);
    if (ec)
        throw Error(path + ": cannot read file size: " + ec.message());
    if (size == 0)
        throw Error(path + ": empty CIFAR-10 batch file");
    const auto records = static_cast<std::int64_t>(size / kRecordBytes);
    const auto leftover = static_cast<std::int64_t>(size % kRecordBytes);
    if (leftover != 0)
        throw Error(path + ": truncated CIFAR-10 batch: " + std::to_string(size) +
                    " bytes is not a multiple of the " + std::to_string(kRecordBytes) +
                    "-byte record size (" + std::to_string(records) + " whole records + " +
                    std::to_string(leftover) + " bytes)");

    torch::Tensor data = torch::empty({records, kRecordBytes}, torch::kUInt8);
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw Error(path + ": cannot open CIFAR-10 batch file");
    in.read(reinterpret_cast<char*>(data.data_ptr<std::uint8_t>()),
            static_cast<std::streamsize>(size));
    if (in.gcount() != static_cast<std::streamsize>(size))
        throw Error(path + ": read error: expected " + std::to_string(size) + " bytes, got " +
                    std::to_string(in.gcount()));

    const torch::Tensor labels = data.select(1, 0);
    const torch::Tensor bad = (labels >= kClasses).nonzero();
    if (bad.size(0) > 0) {
        const std::int64_t record = bad[0][0].item<std::int64_t>();
        throw Error(path + ": record " + std::to_string(record) + " has label " +
                    std::to_string(labels[record].item<int>()) + ", expected 0.." +
                    std::to_string(kClasses - 1));
    }
    return data;
}

} // namespace

ImageSet loadCifar10Split(const std::string& dir, bool train) {
    const std::vector<std::string> names = batchNames(train);
    const std::filesystem::path root = batchDir(dir, names.front());

    std::vector<torch::Tensor> batches;
    for (const std::string& name : names)
        batches.push_back(readBatch(root / name));
    const torch::Tensor all = batches.size() == 1 ? batches.front() : torch::cat(batches);

    ImageSet set;
    // Records already store each image as R plane, G plane, B plane (CHW), so a view suffices.
    set.images = all.narrow(1, 1, kPixelBytes).reshape({-1, kChannels, kSide, kSide}).contiguous();
    set.labels = all.select(1, 0).to(torch::kInt64);
    set.numClasses = kClasses;
    return set;
}

} // namespace memloc::core
