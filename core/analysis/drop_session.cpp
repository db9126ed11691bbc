// DropSession: live neuron dropping on a loaded run.

#include "memloc/neurons.h"

#include "analysis/cached_evaluator.h"
#include "analysis/eval_sets.h"
#include "analysis/loaded_run.h"
#include "memloc/error.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace memloc::core {

struct DropSession::Impl {
    LoadedRun run;
    EvalSets sets;
    std::unique_ptr<CachedEvaluator> evaluator;
};

DropSession::DropSession(const std::string& runPath, std::int64_t evalSubset, const std::string& device, std::int64_t threads)
    : m(std::make_unique<Impl>()) {
    if (evalSubset < 0) throw Error("drop: --eval-subset must be >= 0 (0 = all)");
    m->run = loadRun(runPath, device, threads);
    m->sets = makeEvalSets(m->run.data, evalSubset);
    m->evaluator = std::make_unique<CachedEvaluator>(*m->run.model, m->sets, m->run.config.evalBatchSize);
}

DropSession::~DropSession() = default;

std::vector<std::string> DropSession::groups() const {
    std::vector<std::string> out;
    for (const auto& g : m->run.groups) out.push_back(g.name);
    return out;
}

std::vector<std::int64_t> DropSession::units() const {
    std::vector<std::int64_t> out;
    for (const auto& g : m->run.groups) out.push_back(g.units);
    return out;
}

std::int64_t DropSession::trainSize() const { return m->run.data.trainSize(); }

DropResult DropSession::evaluate(const std::vector<UnitRef>& units, std::int64_t example) {
    Net& model = *m->run.model;
    const auto& groups = m->run.groups;
    if (example >= trainSize())
        throw Error("example " + std::to_string(example) + " is out of range (the run has " + std::to_string(trainSize()) +
                    " training examples)");
    std::vector<torch::Tensor> keep(groups.size());
    std::size_t firstBlock = model.blockCount();
    for (const auto& u : units) {
        const std::size_t g = m->run.groupIndex(u.group);
        if (u.channel < 0 || u.channel >= groups[g].units)
            throw Error("unit " + u.group + ":" + std::to_string(u.channel) + " is out of range (group " + groups[g].name +
                        " has units 0.." + std::to_string(groups[g].units - 1) + ")");
        if (!keep[g].defined()) keep[g] = torch::ones({groups[g].units}, torch::TensorOptions().device(m->run.device.device));
        keep[g][u.channel] = 0.0;
        firstBlock = std::min(firstBlock, blockOfGroup(groups[g]));
    }
    // Cached block inputs were computed without masks; masks only ever sit at or after firstBlock.
    model.clearUnitMasks();
    for (std::size_t g = 0; g < groups.size(); ++g) model.unitGate(g).setKeep(keep[g]);

    DropResult r;
    const EvalAccuracy a = m->evaluator->evaluate(firstBlock);
    r.clean = a.clean;
    r.noisyGiven = a.noisyGiven;
    r.noisyTrue = a.noisyTrue;
    r.test = a.test;
    if (example >= 0) {
        torch::InferenceMode inference;
        const RunData& d = m->run.data;
        const torch::Tensor logits = model.forward(d.trainImages.slice(0, example, example + 1));
        const torch::Tensor probs = torch::softmax(logits, 1).squeeze(0).to(torch::kDouble).cpu().contiguous();
        r.example = example;
        r.exampleNoisy = d.focusMask[example].item<bool>();
        r.givenLabel = d.trainGiven[example].item<std::int64_t>();
        r.trueLabel = d.trainTrue[example].item<std::int64_t>();
        r.prediction = probs.argmax().item<std::int64_t>();
        r.probabilities.assign(probs.data_ptr<double>(), probs.data_ptr<double>() + probs.numel());
    }
    model.clearUnitMasks();
    return r;
}

} // namespace memloc::core
