// Subset selection and synthetic label noise, both reproducible from a seed.

#include "data/dataset.h"

#include "memloc/error.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

namespace memloc::core {
namespace {

// fraction * N is computed in binary floating point, where e.g. 0.29 * 100 = 28.999999999999996;
// the tolerance makes the count the floor of the decimal value the user wrote.
constexpr double kCountTolerance = 1e-9;

} // namespace

torch::Tensor chooseSubset(std::int64_t total, std::int64_t n, const std::string& mode,
                           std::uint64_t seed) {
    if (total < 0)
        throw Error("subset: dataset size must be non-negative, got " + std::to_string(total));
    if (n < 0)
        throw Error("subset: size must be non-negative (0 = all), got " + std::to_string(n));
    if (mode != "first" && mode != "random")
        throw Error("subset: mode must be \"first\" or \"random\", got \"" + mode + "\"");

    const auto longs = torch::TensorOptions().dtype(torch::kInt64);
    if (n == 0 || n >= total)
        return torch::arange(total, longs);
    if (mode == "first")
        return torch::arange(n, longs);
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    return std::get<0>(torch::randperm(total, gen, longs).narrow(0, 0, n).sort());
}

NoisyLabels applyLabelNoise(const torch::Tensor& trueLabels, std::int64_t numClasses, double fraction,
                            std::uint64_t seed) {
    if (!(fraction >= 0.0 && fraction < 1.0))  // written this way so NaN is rejected too
        throw Error("label noise: fraction must be in [0, 1), got " + std::to_string(fraction));
    if (numClasses < 2)
        throw Error("label noise: needs at least 2 classes, got " + std::to_string(numClasses));
    if (!trueLabels.defined() || trueLabels.dim() != 1)
        throw Error("label noise: labels must be a 1-D tensor");
    if (trueLabels.is_floating_point() || trueLabels.is_complex() ||
        trueLabels.scalar_type() == torch::kBool)
        throw Error("label noise: labels must be integers, got " +
                    std::string(c10::toString(trueLabels.scalar_type())));

    NoisyLabels out;
    out.trueLabels = trueLabels.to(torch::kCPU, torch::kInt64).contiguous().clone();
    const std::int64_t n = out.trueLabels.size(0);
    if (n > 0) {
        const std::int64_t lo = out.trueLabels.min().item<std::int64_t>();
        const std::int64_t hi = out.trueLabels.max().item<std::int64_t>();
        if (lo < 0 || hi >= numClasses)
            throw Error("label noise: labels must be in [0, " + std::to_string(numClasses) +
                        "), found " + std::to_string(lo < 0 ? lo : hi));
    }

    const auto count = std::min<std::int64_t>(
        n, static_cast<std::int64_t>(std::floor(fraction * static_cast<double>(n) + kCountTolerance)));
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    const torch::Tensor chosen = torch::randperm(n, gen, torch::kInt64).narrow(0, 0, count);
    // An offset in 1..numClasses-1 (mod numClasses) reaches each other class exactly once, so
    // this is uniform over the wrong labels and can never give back the true one.
    const torch::Tensor offsets = torch::randint(1, numClasses, {count}, gen, torch::kInt64);

    out.givenLabels = out.trueLabels.clone();
    out.givenLabels.index_put_({chosen},
                               (out.trueLabels.index_select(0, chosen) + offsets).remainder(numClasses));
    out.noiseMask = torch::zeros({n}, torch::kBool);
    out.noiseMask.index_fill_(0, chosen, true);
    return out;
}

} // namespace memloc::core
