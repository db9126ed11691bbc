#include "analysis/cached_evaluator.h"

#include <cstdint>
#include <limits>
#include <vector>

namespace memloc::core {

namespace {

double accuracy(const torch::Tensor& predicted, const torch::Tensor& labels) {
    if (labels.size(0) == 0) return std::numeric_limits<double>::quiet_NaN();
    return predicted.eq(labels).sum().item<double>() / static_cast<double>(labels.size(0));
}

} // namespace

CachedEvaluator::CachedEvaluator(Net& model, const EvalSets& sets, std::int64_t batchSize)
    : m_model(model),
      m_batch(batchSize),
      m_images(torch::cat({sets.cleanImages, sets.noisyImages, sets.testImages})),
      m_clean(sets.cleanImages.size(0)),
      m_noisy(sets.noisyImages.size(0)),
      m_test(sets.testImages.size(0)),
      m_cleanLabels(sets.cleanLabels.cpu()),
      m_noisyGiven(sets.noisyGiven.cpu()),
      m_noisyTrue(sets.noisyTrue.cpu()),
      m_testLabels(sets.testLabels.cpu()) {}

const torch::Tensor& CachedEvaluator::inputOf(std::size_t block) {
    auto it = m_cache.find(block);
    if (it != m_cache.end()) return it->second;
    torch::InferenceMode inference;
    m_model.eval();
    std::vector<torch::Tensor> parts;
    for (std::int64_t s = 0; s < m_images.size(0); s += m_batch)
        parts.push_back(m_model.forwardRange(m_images.slice(0, s, std::min(m_images.size(0), s + m_batch)), 0, block));
    return m_cache[block] = parts.empty() ? m_images.slice(0, 0, 0) : torch::cat(parts);
}

torch::Tensor CachedEvaluator::predict(std::size_t firstBlock) {
    const torch::Tensor& input = inputOf(firstBlock);
    torch::InferenceMode inference;
    m_model.eval();
    std::vector<torch::Tensor> parts;
    for (std::int64_t s = 0; s < input.size(0); s += m_batch)
        parts.push_back(m_model.forwardRange(input.slice(0, s, std::min(input.size(0), s + m_batch)), firstBlock,
                                             m_model.blockCount()).argmax(1));
    return parts.empty() ? torch::empty({0}, torch::kLong) : torch::cat(parts).cpu();
}

EvalAccuracy CachedEvaluator::evaluate(std::size_t firstBlock) {
    const torch::Tensor pred = predict(firstBlock);
    const torch::Tensor noisy = pred.slice(0, m_clean, m_clean + m_noisy);
    EvalAccuracy a;
    a.clean = accuracy(pred.slice(0, 0, m_clean), m_cleanLabels);
    a.noisyGiven = accuracy(noisy, m_noisyGiven);
    a.noisyTrue = accuracy(noisy, m_noisyTrue);
    a.test = accuracy(pred.slice(0, m_clean + m_noisy), m_testLabels);
    return a;
}

void CachedEvaluator::advanceTo(std::size_t block) {
    auto it = m_cache.upper_bound(block);
    if (!m_cache.count(block) && it != m_cache.begin()) {
        --it;
        const std::size_t from = it->first;
        const torch::Tensor& input = it->second;
        torch::InferenceMode inference;
        m_model.eval();
        std::vector<torch::Tensor> parts;
        for (std::int64_t s = 0; s < input.size(0); s += m_batch)
            parts.push_back(m_model.forwardRange(input.slice(0, s, std::min(input.size(0), s + m_batch)), from, block));
        if (!parts.empty()) m_cache[block] = torch::cat(parts);
    }
    keepOnly(block);
    inputOf(block);
}

void CachedEvaluator::keepOnly(std::size_t keep) {
    for (auto it = m_cache.begin(); it != m_cache.end();)
        it = it->first == keep ? std::next(it) : m_cache.erase(it);
}

} // namespace memloc::core
