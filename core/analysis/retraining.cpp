// Retraining: rewind one layer group, freeze the rest, train the group on
// clean examples only. Unlike the published script, exactly the one group is trained (the
// others' parameters are frozen and absent from the optimizer, their modules stay in eval mode)
// and exactly the clean examples are trained on.

#include "memloc/retraining.h"

#include "analysis/eval_sets.h"
#include "analysis/loaded_run.h"
#include "analysis/rewinding_internal.h"
#include "dist/process_group.h"
#include "io/analysis_store.h"
#include "io/h5_util.h"
#include "io/run_file.h"
#include "memloc/error.h"
#include "memloc/run_summary.h"
#include "training/evaluator.h"
#include "training/sgd.h"

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace memloc::core {

namespace {

constexpr const char* kAnalysisName = "retraining";
constexpr const char* kCommand = "retrain";

/// Each (group, epoch) gets its own reproducible order of the clean examples, independent of
/// which other groups the same call retrains.
std::uint64_t shuffleSeed(std::int64_t seed, std::size_t group, std::int64_t epoch) {
    return static_cast<std::uint64_t>(seed) * 1000003ULL + static_cast<std::uint64_t>(group) * 104729ULL +
           static_cast<std::uint64_t>(epoch) * 7919ULL + 29ULL;
}

/// Eval-mode accuracy of `model` on the training examples `ids` (CPU int64) against their given
/// labels, gathering one batch of images at a time. NaN when `ids` is empty.
double accuracyOn(Net& model, const RunData& data, const torch::Tensor& ids, std::int64_t batchSize) {
    if (ids.size(0) == 0) return std::numeric_limits<double>::quiet_NaN();
    std::int64_t correct = 0;
    for (std::int64_t start = 0; start < ids.size(0); start += batchSize) {
        const torch::Tensor idx = ids.slice(0, start, std::min(ids.size(0), start + batchSize)).to(data.trainImages.device());
        const torch::Tensor predicted = predictClasses(model, data.trainImages.index_select(0, idx), batchSize);
        correct += predicted.eq(data.trainGiven.index_select(0, idx).cpu()).sum().item<std::int64_t>();
    }
    return static_cast<double>(correct) / static_cast<double>(ids.size(0));
}

std::shared_ptr<torch::nn::Module> moduleAt(Net& model, const std::string& prefix) {
    for (const auto& item : model.named_modules())
        if (item.key() == prefix) return item.value();
    throw Error("the model has no module '" + prefix + "'");
}

/// Everything one retraining call shares between its groups.
class Retrainer {
public:
    Retrainer(LoadedRun& run, const RetrainOptions& options, RetrainResult& result, std::size_t groupCount)
        : m_run(run), m_opt(options), m_result(result), m_groupCount(static_cast<std::int64_t>(groupCount)),
          m_sets(makeEvalSets(run.data, options.evalSubset)),
          m_cleanIds(run.data.focusMask.logical_not().nonzero().flatten()),
          m_evalCoversClean(m_sets.cleanIds.size(0) == m_cleanIds.size(0)) {
        const std::int64_t n = m_cleanIds.size(0);
        const std::int64_t b = result.batchSize;
        // A lone trailing example would make the group's BatchNorm see a batch of one (which
        // can fail); it is dropped for that epoch and comes in another batch the next.
        m_steps = n % b == 1 && n > 1 ? n / b : (n + b - 1) / b;
        m_result.cleanTrainCount = n;
        m_result.cleanCount = m_sets.cleanLabels.size(0);
        m_result.noisyCount = m_sets.noisyGiven.size(0);
        m_result.testCount = m_sets.testLabels.size(0);
    }

    RetrainEpoch evaluate(std::int64_t epoch, double trainLoss) {
        const EvalAccuracy a = evaluateSets(*m_run.model, m_sets, evalBatch());
        RetrainEpoch e{epoch, trainLoss, a.clean, a.clean, a.noisyGiven, a.noisyTrue, a.test};
        if (!m_evalCoversClean) e.trainClean = accuracyOn(*m_run.model, m_run.data, m_cleanIds, evalBatch());
        return e;
    }

    /// Retrains group `groupIndex` (the `position`-th of this call) from the final model. With
    /// `restoreFinal` the model is the final model again afterwards; without, it keeps the
    /// retrained group (tests inspect it). Either way every parameter is trainable again and the
    /// model is in eval mode.
    RetrainGroupResult retrain(std::size_t position, std::size_t groupIndex, bool restoreFinal) {
        Net& model = *m_run.model;
        const LayerGroup& group = m_run.groups[groupIndex];
        RetrainGroupResult out;
        out.group = group.name;

        // Snapshot what training may change (the group's parameters and its own buffers) so the
        // final model is restored exactly for the next group.
        const std::vector<std::string> modulePaths = group.modulePaths();
        NamedTensors savedBuffers;
        for (const auto& b : model.named_buffers())
            for (const std::string& path : modulePaths)
                if (b.key().rfind(path + ".", 0) == 0) savedBuffers[b.key()] = b.value().clone();
        const NamedTensors finalValues = m_opt.fromEpoch == m_run.finalEpoch
                                             ? NamedTensors{}
                                             : rewindGroups(m_run, {groupIndex}, m_opt.fromEpoch);

        const std::set<std::string> trainable(group.parameters.begin(), group.parameters.end());
        std::vector<torch::Tensor> params;
        std::map<std::string, bool> wasTrainable;
        for (auto& p : model.named_parameters()) {
            wasTrainable[p.key()] = p.value().requires_grad();
            p.value().set_requires_grad(trainable.count(p.key()) > 0);
            if (trainable.count(p.key())) params.push_back(p.value());
        }
        Sgd sgd(params, m_opt.momentum, m_opt.weightDecay, false);
        std::vector<std::shared_ptr<torch::nn::Module>> groupModules;
        for (const std::string& path : modulePaths) groupModules.push_back(moduleAt(model, path));

        out.series.push_back(evaluate(0, std::numeric_limits<double>::quiet_NaN()));
        std::int64_t atFull = 0;
        for (std::int64_t epoch = 1; epoch <= m_opt.maxEpochs; ++epoch) {
            // Everything outside the group in eval mode: frozen BatchNorm buffers stay as they are.
            model.eval();
            for (auto& m : groupModules) m->train();
            const double loss = trainEpoch(model, sgd, params, position, groupIndex, epoch);
            out.series.push_back(evaluate(epoch, loss));
            out.epochsTrained = epoch;
            atFull = out.series.back().trainClean == 1.0 ? atFull + 1 : 0;
            if (atFull >= m_opt.stopAfter) {
                out.stopRuleMet = true;
                break;
            }
        }

        model.eval();
        for (auto& p : model.named_parameters()) p.value().set_requires_grad(wasTrainable[p.key()]);
        for (auto& p : params) p.mutable_grad() = torch::Tensor();
        if (!restoreFinal) return out;
        if (!finalValues.empty()) assignParameters(model, finalValues);
        torch::NoGradGuard noGrad;
        auto buffers = model.named_buffers();
        for (const auto& [name, value] : savedBuffers) buffers[name].copy_(value);
        return out;
    }

private:
    std::int64_t evalBatch() const { return m_opt.evalBatchSize > 0 ? m_opt.evalBatchSize : m_run.config.evalBatchSize; }

    /// One epoch over the clean examples; returns the mean training loss.
    double trainEpoch(Net& model, Sgd& sgd, std::vector<torch::Tensor>& params, std::size_t position,
                      std::size_t groupIndex, std::int64_t epoch) {
        const torch::Device device = m_run.data.trainImages.device();
        const std::int64_t n = m_cleanIds.size(0), b = m_result.batchSize;
        const torch::Tensor order = m_cleanIds.index_select(
            0, torch::randperm(n, at::make_generator<at::CPUGeneratorImpl>(shuffleSeed(m_opt.seed, groupIndex, epoch)),
                               torch::kLong));
        const std::string stage = "retraining " + m_run.groups[groupIndex].name + ": epoch " + std::to_string(epoch) + "/" +
                                  std::to_string(m_opt.maxEpochs);
        const std::int64_t total = m_groupCount * m_opt.maxEpochs * m_steps;
        torch::Tensor lossSum = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(device));
        std::int64_t seen = 0;
        for (std::int64_t step = 0; step < m_steps; ++step) {
            throwIfCancelled(m_opt.run);
            const torch::Tensor ids = order.slice(0, step * b, std::min(n, (step + 1) * b));
            if (m_opt.batchObserver)
                m_opt.batchObserver(std::vector<std::int64_t>(ids.data_ptr<std::int64_t>(),
                                                              ids.data_ptr<std::int64_t>() + ids.numel()));
            const torch::Tensor idx = ids.to(device);
            for (auto& p : params) p.mutable_grad() = torch::Tensor();
            const torch::Tensor loss = torch::nn::functional::cross_entropy(
                model.forward(m_run.data.trainImages.index_select(0, idx)), m_run.data.trainGiven.index_select(0, idx));
            loss.backward();
            sgd.step(m_opt.lr);
            lossSum += loss.detach().to(torch::kFloat64) * static_cast<double>(ids.size(0));
            seen += ids.size(0);
            if (m_opt.run.progress)
                m_opt.run.progress({(static_cast<std::int64_t>(position) * m_opt.maxEpochs + epoch - 1) * m_steps + step + 1,
                                    total, stage});
        }
        return seen > 0 ? lossSum.item<double>() / static_cast<double>(seen) : std::numeric_limits<double>::quiet_NaN();
    }

    LoadedRun& m_run;
    const RetrainOptions& m_opt;
    RetrainResult& m_result;
    std::int64_t m_groupCount;
    EvalSets m_sets;
    torch::Tensor m_cleanIds;  ///< CPU int64: the clean training examples, the only ones trained on
    bool m_evalCoversClean;
    std::int64_t m_steps = 0;
};

void writeSeries(H5::Group& parent, const RetrainGroupResult& g) {
    H5::Group s = parent.createGroup(g.group);
    h5::writeAttr(s, "epochs_trained", g.epochsTrained);
    h5::writeAttr(s, "stop_rule_met", std::int64_t{g.stopRuleMet ? 1 : 0});
    std::vector<std::int64_t> epochs;
    std::vector<double> cols[6];
    for (const auto& e : g.series) {
        epochs.push_back(e.epoch);
        const double values[6] = {e.trainLoss, e.trainClean, e.clean, e.noisyGiven, e.noisyTrue, e.test};
        for (int i = 0; i < 6; ++i) cols[i].push_back(values[i]);
    }
    h5::writeTensor(s, "epoch", torch::tensor(epochs, torch::kInt64));
    const char* names[6] = {"train_loss", "train_clean", "clean", "noisy_given", "noisy_true", "test"};
    for (int i = 0; i < 6; ++i) h5::writeTensor(s, names[i], torch::tensor(cols[i], torch::kFloat64));
}

std::vector<double> readColumn(const H5::Group& s, const std::string& name) {
    const torch::Tensor t = h5::readTensor(s, name).to(torch::kFloat64).contiguous();
    return std::vector<double>(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
}

void storeRetraining(const RetrainResult& r) {
    AnalysisWriter writer(r.runPath, kAnalysisName);
    try {
        H5::Group& g = writer.group();
        std::vector<std::string> names;
        for (const auto& gr : r.groups) names.push_back(gr.group);
        for (const auto& [key, value] : {std::pair{"from_epoch", r.fromEpoch}, {"max_epochs", r.maxEpochs},
                                         {"stop_after", r.stopAfter}, {"batch_size", r.batchSize},
                                         {"eval_subset", r.evalSubset}, {"seed", r.seed}, {"final_epoch", r.finalEpoch},
                                         {"clean_train_count", r.cleanTrainCount}, {"clean_count", r.cleanCount},
                                         {"noisy_count", r.noisyCount}, {"test_count", r.testCount}})
            h5::writeAttr(g, key, value);
        for (const auto& [key, value] : {std::pair{"lr", r.lr}, {"momentum", r.momentum}, {"weight_decay", r.weightDecay},
                                         {"final_train_clean", r.finalModel.trainClean}, {"final_clean", r.finalModel.clean},
                                         {"final_noisy_given", r.finalModel.noisyGiven},
                                         {"final_noisy_true", r.finalModel.noisyTrue}, {"final_test", r.finalModel.test}})
            h5::writeAttr(g, key, value);
        h5::writeStrings(g, "group_names", names);
        H5::Group series = g.createGroup("groups");
        for (const auto& gr : r.groups) writeSeries(series, gr);
    } catch (const H5::Exception& e) {
        rethrowH5(r.runPath, "writing the retraining result", e);
    }
    writer.commit();
}

void validate(const std::string& path, const RetrainOptions& o) {
    auto bad = [&](const std::string& what) { throw Error(path + ": retraining: " + what); };
    if (o.maxEpochs < 1) bad("max epochs must be >= 1, got " + std::to_string(o.maxEpochs));
    if (o.stopAfter < 1) bad("stop-after must be >= 1, got " + std::to_string(o.stopAfter));
    if (!(o.lr > 0)) bad("learning rate must be > 0, got " + std::to_string(o.lr));
    if (!(o.momentum >= 0 && o.momentum < 1)) bad("momentum must be in [0, 1), got " + std::to_string(o.momentum));
    if (!(o.weightDecay >= 0)) bad("weight decay must be >= 0, got " + std::to_string(o.weightDecay));
    if (o.batchSize < 0 || o.evalBatchSize < 0) bad("batch sizes must be >= 1 (0 = the run's)");
    if (o.evalSubset < 0) bad("eval subset must be >= 0 (0 = all), got " + std::to_string(o.evalSubset));
}

RetrainResult newResult(const LoadedRun& run, const RetrainOptions& options) {
    RetrainResult r;
    r.runPath = run.path;
    r.finalEpoch = run.finalEpoch;
    r.fromEpoch = options.fromEpoch;
    r.maxEpochs = options.maxEpochs;
    r.stopAfter = options.stopAfter;
    r.batchSize = options.batchSize > 0 ? options.batchSize : run.config.batchSize;
    r.evalSubset = options.evalSubset;
    r.seed = options.seed;
    r.lr = options.lr;
    r.momentum = options.momentum;
    r.weightDecay = options.weightDecay;
    return r;
}

/// Group results as JSON text for gathering them from several processes (NaN as null).
std::string groupsToBytes(const std::vector<RetrainGroupResult>& groups) {
    auto number = [](double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); };
    nlohmann::json all = nlohmann::json::array();
    for (const auto& g : groups) {
        nlohmann::json series = nlohmann::json::array();
        for (const auto& e : g.series)
            series.push_back({e.epoch, number(e.trainLoss), number(e.trainClean), number(e.clean), number(e.noisyGiven),
                              number(e.noisyTrue), number(e.test)});
        all.push_back({{"group", g.group}, {"epochs", g.epochsTrained}, {"stop", g.stopRuleMet}, {"series", series}});
    }
    return all.dump();
}

std::vector<RetrainGroupResult> groupsFromBytes(const std::string& bytes) {
    auto number = [](const nlohmann::json& j) { return j.is_null() ? std::numeric_limits<double>::quiet_NaN() : j.get<double>(); };
    std::vector<RetrainGroupResult> out;
    for (const auto& j : nlohmann::json::parse(bytes)) {
        RetrainGroupResult g;
        g.group = j.at("group");
        g.epochsTrained = j.at("epochs");
        g.stopRuleMet = j.at("stop");
        for (const auto& e : j.at("series"))
            g.series.push_back({e[0].get<std::int64_t>(), number(e[1]), number(e[2]), number(e[3]), number(e[4]),
                                number(e[5]), number(e[6])});
        out.push_back(std::move(g));
    }
    return out;
}

} // namespace

RetrainResult runRetraining(const std::string& runPath, const RetrainOptions& options) {
    const RunSummary summary = readRunSummary(runPath);
    if (summary.epochsCompleted < 1) throw Error(runPath + ": the run has no completed training epoch to analyse");
    validate(runPath, options);
    std::vector<std::string> groupNames;
    for (const auto& g : summary.groups) groupNames.push_back(g.name);
    const std::vector<std::size_t> groups = resolveGroups(runPath, groupNames, options.groups);
    requireUsableEpoch(runPath, summary.checkpointEpochs, options.fromEpoch, summary.epochsCompleted, "retrain from epoch");
    if (summary.trainSize - summary.noisyCount < 1) throw Error(runPath + ": retraining: the run has no clean example");
    throwIfCancelled(options.run);

    LoadedRun run = loadRun(runPath, options.run.device, options.run.threads);
    RetrainResult r = newResult(run, options);
    Retrainer retrainer(run, options, r, groups.size());
    if (options.run.progress) options.run.progress({0, 1, "retraining: final model"});
    r.finalModel = retrainer.evaluate(run.finalEpoch, std::numeric_limits<double>::quiet_NaN());
    // Several processes (memloc-cli under torchrun): the i-th group is retrained by rank i mod P
    // (its shuffling is seeded by the group, so the split does not change results).
    for (std::size_t i = 0; i < groups.size(); ++i)
        if (dist::ownsItem(static_cast<std::int64_t>(i))) {
            r.groups.push_back(retrainer.retrain(i, groups[i], true));
            dist::recordWork("retrained groups");
        }
    throwIfCancelled(options.run);
    r.groups = dist::gatherRoundRobin(std::move(r.groups), groups.size(), groupsToBytes, groupsFromBytes);
    if (dist::isRoot()) storeRetraining(r);
    dist::barrier();
    return r;
}

RetrainGroupResult retrainGroupInPlace(LoadedRun& run, std::size_t groupIndex, const RetrainOptions& options) {
    validate(run.path, options);
    RetrainResult r = newResult(run, options);
    Retrainer retrainer(run, options, r, 1);
    return retrainer.retrain(0, groupIndex, false);
}

RetrainResult readRetraining(const std::string& runPath) {
    RunFileReader validateFile(runPath);
    RetrainResult r;
    r.runPath = runPath;
    try {
        H5::H5File file(runPath, H5F_ACC_RDONLY);
        const H5::Group g = openAnalysis(file, runPath, kAnalysisName, kCommand);
        for (const auto& [key, target] : {std::pair{"from_epoch", &r.fromEpoch}, {"max_epochs", &r.maxEpochs},
                                          {"stop_after", &r.stopAfter}, {"batch_size", &r.batchSize},
                                          {"eval_subset", &r.evalSubset}, {"seed", &r.seed}, {"final_epoch", &r.finalEpoch},
                                          {"clean_train_count", &r.cleanTrainCount}, {"clean_count", &r.cleanCount},
                                          {"noisy_count", &r.noisyCount}, {"test_count", &r.testCount}})
            *target = h5::readIntAttr(g, key);
        for (const auto& [key, target] :
             {std::pair{"lr", &r.lr}, {"momentum", &r.momentum}, {"weight_decay", &r.weightDecay},
              {"final_train_clean", &r.finalModel.trainClean}, {"final_clean", &r.finalModel.clean},
              {"final_noisy_given", &r.finalModel.noisyGiven}, {"final_noisy_true", &r.finalModel.noisyTrue},
              {"final_test", &r.finalModel.test}})
            *target = h5::readDoubleAttr(g, key);
        r.finalModel.epoch = r.finalEpoch;
        const H5::Group series = g.openGroup("groups");
        for (const auto& name : h5::readStrings(g, "group_names")) {
            const H5::Group s = series.openGroup(name);
            RetrainGroupResult gr;
            gr.group = name;
            gr.epochsTrained = h5::readIntAttr(s, "epochs_trained");
            gr.stopRuleMet = h5::readIntAttr(s, "stop_rule_met") != 0;
            const torch::Tensor epochs = h5::readTensor(s, "epoch").to(torch::kInt64).contiguous();
            const std::vector<double> cols[6] = {readColumn(s, "train_loss"), readColumn(s, "train_clean"),
                                                 readColumn(s, "clean"),      readColumn(s, "noisy_given"),
                                                 readColumn(s, "noisy_true"), readColumn(s, "test")};
            for (std::int64_t i = 0; i < epochs.numel(); ++i) {
                const auto k = static_cast<std::size_t>(i);
                for (const auto& c : cols)
                    if (c.size() != static_cast<std::size_t>(epochs.numel()))
                        throw Error(runPath + ": damaged retraining result for group '" + name + "'");
                gr.series.push_back({epochs.data_ptr<std::int64_t>()[i], cols[0][k], cols[1][k], cols[2][k], cols[3][k],
                                     cols[4][k], cols[5][k]});
            }
            r.groups.push_back(std::move(gr));
        }
    } catch (const H5::Exception& e) {
        rethrowH5(runPath, "reading the retraining result", e);
    }
    return r;
}

} // namespace memloc::core
