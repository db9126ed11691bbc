// runNeuronScores / readNeuronScores: flip frequency, attribution and ablation per unit.

#include "memloc/flipping.h"
#include "memloc/neurons.h"

#include "analysis/cached_evaluator.h"
#include "analysis/eval_sets.h"
#include "analysis/loaded_run.h"
#include "analysis/unit_scores.h"
#include "dist/process_group.h"
#include "io/analysis_store.h"
#include "io/h5_util.h"
#include "memloc/error.h"

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace memloc::core {

namespace {

constexpr const char* kName = "neurons";
const char* const kGrids[] = {"flip_noisy", "flip_clean", "attribution", "ablation_noisy", "ablation_clean"};

UnitGrid zeros(const std::vector<std::int64_t>& units) {
    UnitGrid g;
    for (std::int64_t n : units) g.emplace_back(static_cast<std::size_t>(n), 0.0);
    return g;
}

/// Mean over the examples of the per-channel w * d(-loss)/dw scores (linear in the gradient, so
/// one backward pass over the summed loss gives the mean of the per-example scores).
std::vector<torch::Tensor> meanChannelScores(Net& model, const std::vector<LayerGroup>& groups, const torch::Tensor& images,
                                             const torch::Tensor& labels, std::int64_t batch) {
    model.eval();
    model.zero_grad(true);
    const double n = static_cast<double>(std::max<std::int64_t>(1, images.size(0)));
    for (std::int64_t s = 0; s < images.size(0); s += batch) {
        const std::int64_t e = std::min(images.size(0), s + batch);
        const torch::Tensor loss = torch::nn::functional::cross_entropy(
            model.forward(images.slice(0, s, e)), labels.slice(0, s, e),
            torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
        (-loss / n).backward();
    }
    auto scores = channelScores(model, groups);
    model.zero_grad(true);
    return scores;
}

void flipFrequencies(const std::string& path, NeuronScores& s) {
    FlipResult flips;
    try {
        flips = readFlipping(path);
    } catch (const Error&) {
        return;  // no flipping stored: frequencies stay zero
    }
    s.hasFlipping = true;
    double counts[2] = {0, 0};
    for (const auto& e : flips.examples) {
        counts[e.noisy ? 0 : 1] += 1;
        std::set<std::pair<std::int64_t, std::int64_t>> seen;  // a unit counts once per example
        for (const auto& u : e.units)
            if (u.channel >= 0) seen.insert({u.group, u.channel});  // -1: not tied to one unit
        UnitGrid& grid = e.noisy ? s.flipNoisy : s.flipClean;
        for (const auto& [g, c] : seen) grid.at(static_cast<std::size_t>(g)).at(static_cast<std::size_t>(c)) += 1;
    }
    for (int k = 0; k < 2; ++k)
        if (counts[k] > 0)
            for (auto& row : (k == 0 ? s.flipNoisy : s.flipClean))
                for (double& v : row) v /= counts[k];
}

void store(const std::string& path, const NeuronScores& s, const NeuronOptions& o) {
    AnalysisWriter w(path, kName);
    H5::Group& g = w.group();
    h5::writeAttr(g, "attribution_examples", o.attributionExamples);
    h5::writeAttr(g, "eval_subset", o.evalSubset);
    h5::writeAttr(g, "has_flipping", static_cast<std::int64_t>(s.hasFlipping));
    h5::writeAttr(g, "base_clean_acc", s.baseClean);
    h5::writeAttr(g, "base_noisy_acc", s.baseNoisy);
    h5::writeStrings(g, "group_names", s.groups);  // groups and units before format 3
    h5::writeInts(g, "group_units", s.units);
    const UnitGrid* grids[] = {&s.flipNoisy, &s.flipClean, &s.attribution, &s.ablationNoisy, &s.ablationClean};
    for (int k = 0; k < 5; ++k) {
        std::vector<double> flat;
        for (const auto& row : *grids[k]) flat.insert(flat.end(), row.begin(), row.end());
        h5::writeTensor(g, kGrids[k], torch::tensor(flat, torch::kDouble));  // rows concatenated, lengths = units
    }
    w.commit();
}

} // namespace

NeuronScores runNeuronScores(const std::string& runPath, const NeuronOptions& o) {
    if (o.attributionExamples < 1) throw Error("neurons: --attribution-examples must be >= 1");
    if (o.evalSubset < 0) throw Error("neurons: --eval-subset must be >= 0 (0 = all)");
    LoadedRun run = loadRun(runPath, o.run.device, o.run.threads);
    Net& model = *run.model;
    NeuronScores s;
    for (const auto& g : run.groups) {
        s.groups.push_back(g.name);
        s.units.push_back(g.units);
    }
    s.flipNoisy = s.flipClean = s.attribution = s.ablationNoisy = s.ablationClean = zeros(s.units);
    flipFrequencies(runPath, s);

    const std::int64_t batch = run.config.evalBatchSize;
    const EvalSets attr = makeEvalSets(run.data, o.attributionExamples);
    const auto noisy = meanChannelScores(model, run.groups, attr.noisyImages, attr.noisyGiven, batch);
    const auto clean = meanChannelScores(model, run.groups, attr.cleanImages, attr.cleanLabels, batch);
    for (std::size_t g = 0; g < run.groups.size(); ++g) {
        const torch::Tensor diff = (noisy[g] - clean[g]).contiguous();
        s.attribution[g].assign(diff.data_ptr<double>(), diff.data_ptr<double>() + diff.numel());
    }

    EvalSets sets = makeEvalSets(run.data, o.evalSubset);
    sets.testImages = sets.testImages.slice(0, 0, 0);  // ablation reports train accuracies only
    sets.testLabels = sets.testLabels.slice(0, 0, 0);
    CachedEvaluator evaluator(model, sets, batch);
    const EvalAccuracy base = evaluator.evaluate(model.blockCount());
    s.baseClean = base.clean;
    s.baseNoisy = base.noisyGiven;
    std::int64_t done = 0, total = 0;
    for (std::int64_t n : s.units) total += n;
    // Several processes (memloc-cli under torchrun): unit k (counted over all groups) is ablated
    // by rank k mod P; the grids (0 elsewhere) are summed over the processes afterwards.
    std::int64_t unitIndex = -1;
    for (std::size_t g = 0; g < run.groups.size(); ++g) {
        const std::size_t block = blockOfGroup(run.groups[g]);
        evaluator.keepOnly(block);
        ChannelGateImpl& gate = model.unitGate(g);
        for (std::int64_t c = 0; c < run.groups[g].units; ++c) {
            if (!dist::ownsItem(++unitIndex)) {
                s.ablationNoisy[g][static_cast<std::size_t>(c)] = 0.0;
                s.ablationClean[g][static_cast<std::size_t>(c)] = 0.0;
                continue;
            }
            if (o.run.cancel && o.run.cancel->isCancelled()) {
                model.clearUnitMasks();
                throw Cancelled();
            }
            torch::Tensor keep = torch::ones({run.groups[g].units}, torch::TensorOptions().device(run.device.device));
            keep[c] = 0.0;
            gate.setKeep(keep);
            const EvalAccuracy a = evaluator.evaluate(block);
            gate.setKeep({});
            s.ablationNoisy[g][static_cast<std::size_t>(c)] = a.noisyGiven - base.noisyGiven;
            s.ablationClean[g][static_cast<std::size_t>(c)] = a.clean - base.clean;
            dist::recordWork("ablated units");
            if (o.run.progress) o.run.progress({++done, total, "ablating " + run.groups[g].name + " unit " + std::to_string(c)});
        }
    }
    dist::allReduceSumGrids({&s.ablationNoisy, &s.ablationClean});
    if (dist::isRoot()) store(runPath, s, o);
    dist::barrier();
    return s;
}

NeuronScores readNeuronScores(const std::string& runPath) {
    RunFileReader validate(runPath);
    NeuronScores s;
    try {
        H5::H5File file(runPath, H5F_ACC_RDONLY);
        H5::Group g = openAnalysis(file, runPath, kName, "neurons");
        s.hasFlipping = h5::readIntAttr(g, "has_flipping") != 0;
        s.baseClean = h5::readDoubleAttr(g, "base_clean_acc");
        s.baseNoisy = h5::readDoubleAttr(g, "base_noisy_acc");
        s.groups = h5::readStrings(g, h5::childName(g, {"group_names", "groups"}));
        s.units = h5::readIntList(g, h5::childName(g, {"group_units", "units"}));
        UnitGrid* grids[] = {&s.flipNoisy, &s.flipClean, &s.attribution, &s.ablationNoisy, &s.ablationClean};
        for (int k = 0; k < 5; ++k) {
            const torch::Tensor flat = h5::readTensor(g, kGrids[k]).to(torch::kDouble).contiguous();
            const double* p = flat.data_ptr<double>();
            std::int64_t offset = 0;
            for (std::int64_t n : s.units) {
                if (offset + n > flat.numel()) throw Error(runPath + ": damaged neuron scores (" + kGrids[k] + " too short)");
                grids[k]->emplace_back(p + offset, p + offset + n);
                offset += n;
            }
        }
    } catch (const H5::Exception& e) {
        rethrowH5(runPath, "reading the neuron scores", e);
    }
    return s;
}

std::vector<UnitRef> parseUnitList(const std::string& text) {
    std::vector<UnitRef> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t end = std::min(text.find(',', start), text.size());
        const std::string item = text.substr(start, end - start);
        start = end + 1;
        if (item.empty()) continue;
        const std::size_t colon = item.rfind(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == item.size())
            throw Error("unit '" + item + "': expected GROUP:CHANNEL, e.g. res1.a:5 or 3:17");
        UnitRef u{item.substr(0, colon), 0};
        const std::string channel = item.substr(colon + 1);
        if (channel.find_first_not_of("0123456789") != std::string::npos)
            throw Error("unit '" + item + "': channel must be a non-negative integer");
        u.channel = std::stoll(channel);
        out.push_back(u);
    }
    return out;
}

} // namespace memloc::core
