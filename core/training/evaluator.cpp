#include "training/evaluator.h"

#include <cstdint>
#include <limits>
#include <vector>

namespace memloc::core {

torch::Tensor predictClasses(Net& model, const torch::Tensor& images, std::int64_t batchSize,
                             const torch::Tensor& ids) {
    const bool wasTraining = model.is_training();
    model.eval();
    std::vector<torch::Tensor> parts;
    {
        torch::InferenceMode inference;
        for (std::int64_t start = 0; start < images.size(0); start += batchSize) {
            const std::int64_t end = std::min(images.size(0), start + batchSize);
            if (ids.defined()) model.context().exampleIds = ids.slice(0, start, end).to(images.device());
            parts.push_back(model.forward(images.slice(0, start, end)).argmax(1));
        }
    }
    model.train(wasTraining);
    if (parts.empty()) return torch::empty({0}, torch::kLong);
    return torch::cat(parts).cpu();
}

namespace {

double fractionCorrect(const torch::Tensor& predicted, const torch::Tensor& labels, const torch::Tensor& select) {
    const std::int64_t n = select.sum().item<std::int64_t>();
    if (n == 0) return std::numeric_limits<double>::quiet_NaN();
    return predicted.eq(labels).logical_and(select).sum().item<double>() / static_cast<double>(n);
}

} // namespace

void evaluateRun(Net& model, const RunData& data, std::int64_t batchSize, EpochMetrics& metrics) {
    // With example-tied dropout, training examples are scored as trained (each with its own mask)
    // and test examples with the expected mask.
    torch::Tensor ids;
    if (model.hasEtd()) {
        model.context().etdMode = EtdMode::Example;
        ids = torch::arange(data.trainSize(), torch::kLong);
    }
    const torch::Tensor train = predictClasses(model, data.trainImages, batchSize, ids);
    model.context() = ForwardContext{};
    const torch::Tensor given = data.trainGiven.cpu();
    const torch::Tensor truth = data.trainTrue.cpu();
    const torch::Tensor noisy = data.focusMask;  // the studied set: mislabeled examples or a focus set
    metrics.trainCleanAcc = fractionCorrect(train, given, noisy.logical_not());
    metrics.trainNoisyGivenAcc = fractionCorrect(train, given, noisy);
    metrics.trainNoisyTrueAcc = fractionCorrect(train, truth, noisy);
    const torch::Tensor test = predictClasses(model, data.testImages, batchSize);
    metrics.testAcc = fractionCorrect(test, data.testLabels.cpu(), torch::ones_like(test, torch::kBool));
}

} // namespace memloc::core
