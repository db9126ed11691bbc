#include "analysis/eval_sets.h"

#include "training/evaluator.h"

#include <cstdint>
#include <limits>

namespace memloc::core {

namespace {

torch::Tensor firstOf(const torch::Tensor& ids, std::int64_t limit) {
    return limit > 0 && ids.size(0) > limit ? ids.slice(0, 0, limit) : ids;
}

double accuracy(const torch::Tensor& predicted, const torch::Tensor& labels) {
    if (labels.size(0) == 0) return std::numeric_limits<double>::quiet_NaN();
    return predicted.eq(labels.cpu()).sum().item<double>() / static_cast<double>(labels.size(0));
}

} // namespace

EvalSets makeEvalSets(const RunData& data, std::int64_t limit) {
    EvalSets s;
    const torch::Tensor clean = firstOf(data.focusMask.logical_not().nonzero().flatten(), limit);
    const torch::Tensor noisy = firstOf(data.focusMask.nonzero().flatten(), limit);
    const torch::Device device = data.trainImages.device();
    s.cleanIds = clean;
    s.noisyIds = noisy;
    const torch::Tensor cleanDev = clean.to(device), noisyDev = noisy.to(device);
    s.cleanImages = data.trainImages.index_select(0, cleanDev);
    s.cleanLabels = data.trainGiven.index_select(0, cleanDev);
    s.noisyImages = data.trainImages.index_select(0, noisyDev);
    s.noisyGiven = data.trainGiven.index_select(0, noisyDev);
    s.noisyTrue = data.trainTrue.index_select(0, noisyDev);
    const std::int64_t nTest = limit > 0 ? std::min(limit, data.testImages.size(0)) : data.testImages.size(0);
    s.testImages = data.testImages.slice(0, 0, nTest);
    s.testLabels = data.testLabels.slice(0, 0, nTest);
    return s;
}

EvalAccuracy evaluateSets(Net& model, const EvalSets& sets, std::int64_t batchSize) {
    EvalAccuracy a;
    a.clean = accuracy(predictClasses(model, sets.cleanImages, batchSize), sets.cleanLabels);
    const torch::Tensor noisy = predictClasses(model, sets.noisyImages, batchSize);
    a.noisyGiven = accuracy(noisy, sets.noisyGiven);
    a.noisyTrue = accuracy(noisy, sets.noisyTrue);
    a.test = accuracy(predictClasses(model, sets.testImages, batchSize), sets.testLabels);
    return a;
}

} // namespace memloc::core
