// Synthetic image sets: fast, deterministic stand-ins for real datasets in tests.

#include "data/dataset.h"

#include "memloc/error.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cstdint>
#include <string>

namespace memloc::core {
namespace {

// Prototypes are constant over square cells rather than per pixel, so the class signal survives
// the pooling layers of a small CNN instead of averaging out.
constexpr std::int64_t kCellPx = 4;
constexpr double kNoiseStd = 48.0;  // in pixel units; well below the spread between prototypes
constexpr std::uint64_t kPrototypeStream = 0;
constexpr std::uint64_t kTrainStream = 1;
constexpr std::uint64_t kTestStream = 2;

/// Derives independent generator seeds from one user seed (splitmix64 finaliser), so nearby
/// seeds and the different streams do not produce correlated sequences.
std::uint64_t mixSeed(std::uint64_t seed, std::uint64_t stream) {
    std::uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (stream + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void requireAtLeast(std::int64_t value, std::int64_t min, const char* name) {
    if (value < min)
        throw Error(std::string("synthetic dataset: ") + name + " must be at least " +
                    std::to_string(min) + ", got " + std::to_string(value));
}

} // namespace

ImageSet makeSyntheticImages(std::int64_t n, std::int64_t numClasses, std::int64_t channels,
                             std::int64_t side, std::uint64_t seed, bool testSplit) {
    requireAtLeast(n, 0, "number of examples");
    requireAtLeast(numClasses, 1, "number of classes");
    requireAtLeast(channels, 1, "channels");
    requireAtLeast(side, 1, "image side");

    // The prototype stream ignores testSplit: both splits must share the same classes.
    auto protoGen = at::make_generator<at::CPUGeneratorImpl>(mixSeed(seed, kPrototypeStream));
    const std::int64_t cells = (side + kCellPx - 1) / kCellPx;
    const torch::Tensor prototypes =
        (torch::rand({numClasses, channels, cells, cells}, protoGen, torch::kFloat32) * 255.0)
            .repeat_interleave(kCellPx, 2)
            .repeat_interleave(kCellPx, 3)
            .narrow(2, 0, side)
            .narrow(3, 0, side);

    auto exampleGen =
        at::make_generator<at::CPUGeneratorImpl>(mixSeed(seed, testSplit ? kTestStream : kTrainStream));
    // Balanced classes in shuffled order, so any prefix of the set still covers every class.
    const torch::Tensor order = torch::randperm(n, exampleGen, torch::kInt64);
    const torch::Tensor labels = order.remainder(numClasses);
    const torch::Tensor noise =
        torch::randn({n, channels, side, side}, exampleGen, torch::kFloat32) * kNoiseStd;

    ImageSet set;
    set.images =
        (prototypes.index_select(0, labels) + noise).round().clamp(0.0, 255.0).to(torch::kUInt8);
    set.labels = labels;
    set.numClasses = numClasses;
    return set;
}

} // namespace memloc::core
