#include "memloc/flipping.h"

#include "analysis/flipping_internal.h"
#include "analysis/loaded_run.h"
#include "analysis/unit_scores.h"
#include "dist/process_group.h"
#include "io/analysis_store.h"
#include "io/h5_util.h"
#include "memloc/error.h"
#include "training/evaluator.h"

#include <ATen/CPUGeneratorImpl.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace memloc::core {

namespace {

constexpr const char* kName = "flipping";

void validate(const FlipOptions& o) {
    if (o.noisy < 0 || o.clean < 0) throw Error("flip: --noisy and --clean must be >= 0");
    if (o.noisy + o.clean == 0) throw Error("flip: nothing to do (--noisy 0 --clean 0)");
    if (o.batch < 1) throw Error("flip: --batch must be >= 1");
    if (o.eot < 1) throw Error("flip: --eot must be >= 1");
    if (o.mode != "channel" && o.mode != "weight") throw Error("flip: --mode must be channel or weight, got '" + o.mode + "'");
    if (o.maxUnits < 1) throw Error("flip: --max-units must be >= 1");
    if (o.evalSubset < 0) throw Error("flip: --eval-subset must be >= 0 (0 = all)");
}

/// The edits made while flipping one example, so the model can be restored exactly.
class EditLog {
public:
    void zero(ScoredParam& p, std::int64_t unit) {
        torch::NoGradGuard noGrad;
        m_saved.push_back({&p, unit, p.perChannel ? p.param[unit].clone() : p.param.view({-1})[unit].clone()});
        zeroUnit(p, unit);
    }
    void restore() {
        torch::NoGradGuard noGrad;
        for (auto it = m_saved.rbegin(); it != m_saved.rend(); ++it) {
            if (it->param->perChannel)
                it->param->param[it->unit].copy_(it->value);
            else
                it->param->param.view({-1})[it->unit].copy_(it->value);
        }
        m_saved.clear();
    }

private:
    struct Saved {
        ScoredParam* param;
        std::int64_t unit;
        torch::Tensor value;
    };
    std::vector<Saved> m_saved;
};

/// Computes the flip objective's gradients for one target (in the parameters' .grad()).
class FlipObjective {
public:
    FlipObjective(Net& model, const RunData& data, const FlipOptions& o) : m_model(model), m_data(data), m_o(o) {}

    void prepare(std::int64_t target) {
        const std::int64_t n = m_data.trainSize();
        auto gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<std::uint64_t>(m_o.seed) * 7919ULL +
                                                            static_cast<std::uint64_t>(target) + 1ULL);
        torch::Tensor perm = torch::randperm(n, gen, torch::kLong);
        perm = perm.masked_select(perm.ne(target)).slice(0, 0, m_o.batch);
        const torch::Tensor ids = torch::cat({torch::tensor({target}, torch::kLong), perm}).to(m_data.trainImages.device());
        m_images = m_data.trainImages.index_select(0, ids);
        m_labels = m_data.trainGiven.index_select(0, ids);
        m_noise.clear();
        if (m_o.eot > 1) {
            torch::manual_seed(static_cast<std::uint64_t>(m_o.seed) + static_cast<std::uint64_t>(target));
            const torch::Tensor norms = m_images.flatten(1).norm(2, 1).view({-1, 1, 1, 1});
            for (std::int64_t k = 0; k < m_o.eot; ++k) {
                torch::Tensor z = torch::randn_like(m_images);
                z = z / z.flatten(1).norm(2, 1).view({-1, 1, 1, 1}).clamp_min(1e-12);
                m_noise.push_back(z * norms * m_o.eotNoise);
            }
        }
    }

    void backward() {
        m_model.zero_grad(true);
        torch::Tensor logits;
        if (m_noise.empty()) {
            logits = m_model.forward(m_images);
        } else {
            for (const auto& z : m_noise) {
                torch::Tensor l = m_model.forward(m_images + z);
                logits = logits.defined() ? logits + l : l;
            }
            logits = logits / static_cast<double>(m_noise.size());
        }
        const torch::Tensor losses = torch::nn::functional::cross_entropy(
            logits, m_labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
        // (mean loss of the others) - (loss of the target): lowering it flips the target.
        const torch::Tensor objective = (m_o.batch > 0 && losses.size(0) > 1 ? losses.slice(0, 1).mean() : torch::zeros({}, losses.options())) - losses[0];
        objective.backward();
    }

    std::int64_t predictTarget() {
        torch::NoGradGuard noGrad;
        return m_model.forward(m_images.slice(0, 0, 1)).argmax(1).item<std::int64_t>();
    }

private:
    Net& m_model;
    const RunData& m_data;
    const FlipOptions& m_o;
    torch::Tensor m_images, m_labels;
    std::vector<torch::Tensor> m_noise;
};

/// Eligible targets: noisy examples predicted with their given label, clean ones predicted right.
std::vector<std::pair<std::int64_t, bool>> chooseTargets(Net& model, const RunData& data, const FlipOptions& o) {
    const torch::Tensor pred = predictClasses(model, data.trainImages, 1024);
    const torch::Tensor correct = pred.eq(data.trainGiven.cpu());
    auto gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<std::uint64_t>(o.seed));
    const torch::Tensor order = torch::randperm(data.trainSize(), gen, torch::kLong);
    std::vector<std::pair<std::int64_t, bool>> noisy, clean;
    const auto* ord = order.data_ptr<std::int64_t>();
    const auto* ok = correct.data_ptr<bool>();
    const auto* mask = data.focusMask.data_ptr<bool>();
    for (std::int64_t i = 0; i < order.size(0); ++i) {
        const std::int64_t id = ord[i];
        if (!ok[id]) continue;
        if (mask[id] && static_cast<std::int64_t>(noisy.size()) < o.noisy) noisy.push_back({id, true});
        if (!mask[id] && static_cast<std::int64_t>(clean.size()) < o.clean) clean.push_back({id, false});
    }
    noisy.insert(noisy.end(), clean.begin(), clean.end());
    return noisy;
}

void store(const std::string& path, const FlipResult& r, const std::vector<std::string>& paramNames) {
    AnalysisWriter w(path, kName);
    H5::Group& g = w.group();
    const FlipOptions& o = r.options;
    // Format 3 names; before it the two counts asked for were the attributes noisy and clean (beside
    // the dataset noisy), the name lists the datasets groups and parameters.
    h5::writeAttr(g, "noisy_requested", o.noisy);
    h5::writeAttr(g, "clean_requested", o.clean);
    h5::writeAttr(g, "batch", o.batch);
    h5::writeAttr(g, "eot", o.eot);
    h5::writeAttr(g, "eot_noise", o.eotNoise);
    h5::writeAttr(g, "mode", o.mode);
    h5::writeAttr(g, "max_units", o.maxUnits);
    h5::writeAttr(g, "eval_subset", o.evalSubset);
    h5::writeAttr(g, "seed", o.seed);
    h5::writeAttr(g, "base_clean_acc", r.baseClean);
    h5::writeAttr(g, "base_noisy_acc", r.baseNoisy);
    h5::writeAttr(g, "base_test_acc", r.baseTest);
    h5::writeStrings(g, "group_names", r.groups);
    h5::writeStrings(g, "parameter_names", paramNames);
    std::vector<std::int64_t> id, noisy, given, truth, orig, flipped, count, offsets{0}, ug, uc, ue, up, upred;
    std::vector<double> ac, an, at;
    std::map<std::string, std::int64_t> paramIndex;
    for (std::size_t i = 0; i < paramNames.size(); ++i) paramIndex[paramNames[i]] = static_cast<std::int64_t>(i);
    for (const auto& e : r.examples) {
        id.push_back(e.id);
        noisy.push_back(e.noisy);
        given.push_back(e.givenLabel);
        truth.push_back(e.trueLabel);
        orig.push_back(e.originalPrediction);
        flipped.push_back(e.flipped);
        count.push_back(static_cast<std::int64_t>(e.units.size()));
        ac.push_back(e.accClean);
        an.push_back(e.accNoisy);
        at.push_back(e.accTest);
        for (const auto& u : e.units) {
            ug.push_back(u.group);
            uc.push_back(u.channel);
            ue.push_back(u.element);
            up.push_back(paramIndex.at(u.parameter));
            upred.push_back(u.predictionAfter);
        }
        offsets.push_back(static_cast<std::int64_t>(ug.size()));
    }
    auto longs = [](const std::vector<std::int64_t>& v) { return torch::tensor(v, torch::kLong); };
    auto doubles = [](const std::vector<double>& v) { return torch::tensor(v, torch::kDouble); };
    h5::writeTensor(g, "id", longs(id));
    h5::writeTensor(g, "noisy", longs(noisy).to(torch::kBool));
    h5::writeTensor(g, "given_label", longs(given));
    h5::writeTensor(g, "true_label", longs(truth));
    h5::writeTensor(g, "original_prediction", longs(orig));
    h5::writeTensor(g, "flipped", longs(flipped).to(torch::kBool));
    h5::writeTensor(g, "units_zeroed", longs(count));
    h5::writeTensor(g, "acc_clean_after", doubles(ac));
    h5::writeTensor(g, "acc_noisy_after", doubles(an));
    h5::writeTensor(g, "acc_test_after", doubles(at));
    h5::writeTensor(g, "unit_offsets", longs(offsets));
    h5::writeTensor(g, "unit_group", longs(ug));
    h5::writeTensor(g, "unit_channel", longs(uc));
    h5::writeTensor(g, "unit_element", longs(ue));
    h5::writeTensor(g, "unit_parameter", longs(up));
    h5::writeTensor(g, "unit_prediction_after", longs(upred));
    w.commit();
}

} // namespace

FlipExample flipOneExample(Net& model, const RunData& data, const FlipOptions& options, std::int64_t id, bool isNoisy,
                           std::vector<ScoredParam>& params, const EvalSets& sets, std::int64_t evalBatch,
                           const FlipEvalCache* cache) {
    FlipObjective objective(model, data, options);
    FlipExample ex;
    ex.id = id;
    ex.noisy = isNoisy;
    ex.givenLabel = data.trainGiven[id].item<std::int64_t>();
    ex.trueLabel = data.trainTrue[id].item<std::int64_t>();
    objective.prepare(id);
    ex.originalPrediction = objective.predictTarget();
    EditLog edits;
    const SkipConvWeightGradients skip(params);  // scores of conv channels come from their BatchNorms
    std::size_t firstEdited = model.blockCount();
    for (std::int64_t step = 0; step < options.maxUnits; ++step) {
        if (options.run.cancel && options.run.cancel->isCancelled()) {
            edits.restore();
            throw Cancelled();
        }
        objective.backward();
        const torch::Tensor scores = unitScores(params);
        const auto best = scores.max(0);
        if (std::get<0>(best).item<double>() <= 0) break;  // no unit would lower the objective
        const auto [pi, unit] = locateUnit(params, std::get<1>(best).item<std::int64_t>());
        edits.zero(params[pi], unit);
        if (cache) firstEdited = std::min(firstEdited, cache->groupBlocks.at(params[pi].group));
        FlipUnit u{static_cast<std::int64_t>(params[pi].group), params[pi].channelOf(unit), params[pi].name, unit,
                   objective.predictTarget()};
        ex.units.push_back(u);
        if (u.predictionAfter != ex.givenLabel) {
            ex.flipped = true;
            break;
        }
    }
    model.zero_grad(true);
    // From cached activations the evaluation skips the blocks before the first edit; block 1's
    // input (the widest activation) is not worth its memory for the one small conv it saves.
    const EvalAccuracy after = cache ? cache->evaluator->evaluate(firstEdited <= 1 ? 0 : firstEdited)
                                     : evaluateSets(model, sets, evalBatch);
    ex.accClean = after.clean;
    ex.accNoisy = after.noisyGiven;
    ex.accTest = after.test;
    edits.restore();
    return ex;
}

namespace {

/// Flip results as JSON text (for gathering them from several processes).
std::string examplesToBytes(const std::vector<FlipExample>& examples) {
    nlohmann::json all = nlohmann::json::array();
    for (const FlipExample& e : examples) {
        nlohmann::json units = nlohmann::json::array();
        for (const FlipUnit& u : e.units) units.push_back({u.group, u.channel, u.parameter, u.element, u.predictionAfter});
        all.push_back({{"id", e.id}, {"noisy", e.noisy}, {"given", e.givenLabel}, {"true", e.trueLabel},
                       {"orig", e.originalPrediction}, {"flipped", e.flipped}, {"units", units},
                       {"acc", {e.accClean, e.accNoisy, e.accTest}}});
    }
    return all.dump();
}

std::vector<FlipExample> examplesFromBytes(const std::string& bytes) {
    std::vector<FlipExample> out;
    for (const auto& j : nlohmann::json::parse(bytes)) {
        FlipExample e;
        e.id = j.at("id");
        e.noisy = j.at("noisy");
        e.givenLabel = j.at("given");
        e.trueLabel = j.at("true");
        e.originalPrediction = j.at("orig");
        e.flipped = j.at("flipped");
        for (const auto& u : j.at("units")) e.units.push_back({u[0], u[1], u[2], u[3], u[4]});
        e.accClean = j.at("acc")[0];
        e.accNoisy = j.at("acc")[1];
        e.accTest = j.at("acc")[2];
        out.push_back(std::move(e));
    }
    return out;
}

} // namespace

FlipResult runFlipping(const std::string& runPath, const FlipOptions& options) {
    validate(options);
    LoadedRun run = loadRun(runPath, options.run.device, options.run.threads);
    Net& model = *run.model;
    model.eval();
    FlipResult result;
    result.options = options;
    for (const auto& g : run.groups) result.groups.push_back(g.name);

    const EvalSets sets = makeEvalSets(run.data, options.evalSubset);
    const EvalAccuracy base = evaluateSets(model, sets, run.config.evalBatchSize);
    result.baseClean = base.clean;
    result.baseNoisy = base.noisyGiven;
    result.baseTest = base.test;

    std::vector<ScoredParam> params = scoredParams(model, run.groups, options.mode == "channel");
    CachedEvaluator evaluator(model, sets, run.config.evalBatchSize);
    FlipEvalCache cache{&evaluator, {}};
    for (const auto& g : run.groups) cache.groupBlocks.push_back(blockOfGroup(g));
    std::vector<std::string> paramNames;
    for (const auto& p : params) paramNames.push_back(p.name);
    const auto targets = chooseTargets(model, run.data, options);

    // Several processes: example t is flipped by rank t mod P (each example's randomness is
    // seeded by its id, so the split does not change results); the results are gathered in order.
    for (std::size_t t = 0; t < targets.size(); ++t) {
        if (!dist::ownsItem(static_cast<std::int64_t>(t))) continue;
        const auto [id, isNoisy] = targets[t];
        result.examples.push_back(
            flipOneExample(model, run.data, options, id, isNoisy, params, sets, run.config.evalBatchSize, &cache));
        dist::recordWork("flipped examples");
        if (options.run.progress)
            options.run.progress({static_cast<std::int64_t>(t + 1), static_cast<std::int64_t>(targets.size()),
                                  std::string("flipping ") + (isNoisy ? "noisy" : "clean") + " example " + std::to_string(id)});
    }
    result.examples = dist::gatherRoundRobin(std::move(result.examples), targets.size(), examplesToBytes, examplesFromBytes);
    if (dist::isRoot()) store(runPath, result, paramNames);
    dist::barrier();
    return result;
}

FlipResult readFlipping(const std::string& runPath) {
    RunFileReader validate(runPath);
    FlipResult r;
    try {
        H5::H5File file(runPath, H5F_ACC_RDONLY);
        H5::Group g = openAnalysis(file, runPath, kName, "flip");
        FlipOptions& o = r.options;
        const bool v3 = h5::hasAttr(g, "noisy_requested");
        o.noisy = h5::readIntAttr(g, v3 ? "noisy_requested" : "noisy");
        o.clean = h5::readIntAttr(g, v3 ? "clean_requested" : "clean");
        o.batch = h5::readIntAttr(g, "batch");
        o.eot = h5::readIntAttr(g, "eot");
        o.eotNoise = h5::readDoubleAttr(g, "eot_noise");
        o.mode = h5::readStringAttr(g, "mode");
        o.maxUnits = h5::readIntAttr(g, "max_units");
        o.evalSubset = h5::readIntAttr(g, "eval_subset");
        o.seed = h5::readIntAttr(g, "seed");
        r.baseClean = h5::readDoubleAttr(g, "base_clean_acc");
        r.baseNoisy = h5::readDoubleAttr(g, "base_noisy_acc");
        r.baseTest = h5::readDoubleAttr(g, "base_test_acc");
        r.groups = h5::readStrings(g, h5::childName(g, {"group_names", "groups"}));
        const auto params = h5::readStrings(g, h5::childName(g, {"parameter_names", "parameters"}));
        auto longs = [&](const char* name) { return h5::readTensor(g, name).to(torch::kLong); };
        auto doubles = [&](const char* name) { return h5::readTensor(g, name).to(torch::kDouble); };
        const torch::Tensor id = longs("id"), noisy = longs("noisy"), given = longs("given_label"), truth = longs("true_label"),
                            orig = longs("original_prediction"), flipped = longs("flipped"), offsets = longs("unit_offsets"),
                            ug = longs("unit_group"), uc = longs("unit_channel"), ue = longs("unit_element"),
                            up = longs("unit_parameter"), upred = longs("unit_prediction_after");
        const torch::Tensor ac = doubles("acc_clean_after"), an = doubles("acc_noisy_after"), at = doubles("acc_test_after");
        for (std::int64_t i = 0; i < id.size(0); ++i) {
            FlipExample e;
            e.id = id[i].item<std::int64_t>();
            e.noisy = noisy[i].item<std::int64_t>() != 0;
            e.givenLabel = given[i].item<std::int64_t>();
            e.trueLabel = truth[i].item<std::int64_t>();
            e.originalPrediction = orig[i].item<std::int64_t>();
            e.flipped = flipped[i].item<std::int64_t>() != 0;
            e.accClean = ac[i].item<double>();
            e.accNoisy = an[i].item<double>();
            e.accTest = at[i].item<double>();
            for (std::int64_t k = offsets[i].item<std::int64_t>(); k < offsets[i + 1].item<std::int64_t>(); ++k)
                e.units.push_back({ug[k].item<std::int64_t>(), uc[k].item<std::int64_t>(),
                                   params.at(static_cast<std::size_t>(up[k].item<std::int64_t>())), ue[k].item<std::int64_t>(),
                                   upred[k].item<std::int64_t>()});
            r.examples.push_back(std::move(e));
        }
    } catch (const H5::Exception& e) {
        rethrowH5(runPath, "reading the flipping result", e);
    }
    return r;
}

double medianUnits(const FlipResult& result, bool noisy) {
    std::vector<double> counts;
    for (const auto& e : result.examples)
        if (e.noisy == noisy)
            counts.push_back(e.flipped ? static_cast<double>(e.units.size()) : static_cast<double>(result.options.maxUnits + 1));
    if (counts.empty()) return std::numeric_limits<double>::quiet_NaN();
    std::sort(counts.begin(), counts.end());
    const std::size_t n = counts.size();
    return n % 2 ? counts[n / 2] : 0.5 * (counts[n / 2 - 1] + counts[n / 2]);
}

} // namespace memloc::core
