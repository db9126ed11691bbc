#include "memloc/dropout_eval.h"

#include "analysis/batchnorm_recalibration.h"
#include "analysis/eval_sets.h"
#include "analysis/loaded_run.h"
#include "io/analysis_store.h"
#include "io/h5_util.h"
#include "memloc/error.h"
#include "training/evaluator.h"

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace memloc::core {

namespace {

constexpr const char* kName = "dropout_eval";
const char* const kModes[] = {"standard", "test", "drop", "drop-recalibrated"};
constexpr int kModeCount = 4;

double accuracy(const torch::Tensor& predicted, const torch::Tensor& labels) {
    if (labels.size(0) == 0) return std::numeric_limits<double>::quiet_NaN();
    return predicted.eq(labels.cpu()).sum().item<double>() / static_cast<double>(labels.size(0));
}

} // namespace

DropoutEvalResult runDropoutEval(const std::string& runPath, std::int64_t evalSubset, const AnalysisRunOptions& opts) {
    if (evalSubset < 0) throw Error("dropout-eval: --eval-subset must be >= 0 (0 = all)");
    LoadedRun run = loadRun(runPath, opts.device, opts.threads);
    const ModelSpec spec = RunFileReader(runPath).modelSpec();
    if (!spec.etd.enabled)
        throw Error(runPath + ": this run was trained without example-tied dropout (train with --dropout example-tied)");
    Net& model = *run.model;
    const EvalSets sets = makeEvalSets(run.data, evalSubset);
    const std::int64_t batch = run.config.evalBatchSize;

    DropoutEvalResult r;
    r.pGen = spec.etd.pGen;
    r.pMem = spec.etd.pMem;
    r.blocks = spec.etd.blocks;
    const EtdMode modes[] = {EtdMode::Example, EtdMode::Test, EtdMode::Drop, EtdMode::Drop};
    for (int k = 0; k < kModeCount; ++k) {
        if (opts.cancel && opts.cancel->isCancelled()) throw Cancelled();
        model.context() = ForwardContext{};
        model.context().etdMode = modes[k];
        // The last mode: drop mode with BatchNorm statistics of drop mode, over the training images.
        std::unique_ptr<RecalibratedBatchNorm> recalibrated;
        if (k == 3) recalibrated = std::make_unique<RecalibratedBatchNorm>(model, run.data.trainImages, batch);
        DropoutModeResult m;
        m.mode = kModes[k];
        // Example masks need ids; test images have none, so "standard" scores them in test mode.
        m.clean = accuracy(predictClasses(model, sets.cleanImages, batch, sets.cleanIds), sets.cleanLabels);
        const torch::Tensor noisy = predictClasses(model, sets.noisyImages, batch, sets.noisyIds);
        m.noisyGiven = accuracy(noisy, sets.noisyGiven);
        m.noisyTrue = accuracy(noisy, sets.noisyTrue);
        if (modes[k] == EtdMode::Example) model.context() = ForwardContext{};
        m.test = accuracy(predictClasses(model, sets.testImages, batch), sets.testLabels);
        r.modes.push_back(m);
        if (opts.progress) opts.progress({k + 1, kModeCount, std::string("evaluating mode ") + kModes[k]});
    }
    model.context() = ForwardContext{};

    AnalysisWriter w(runPath, kName);
    H5::Group& g = w.group();
    h5::writeAttr(g, "eval_subset", evalSubset);
    h5::writeAttr(g, "p_gen", r.pGen);
    h5::writeAttr(g, "p_mem", r.pMem);
    std::vector<std::string> names;
    std::vector<double> values;
    for (const auto& m : r.modes) {
        names.push_back(m.mode);
        values.insert(values.end(), {m.clean, m.noisyGiven, m.noisyTrue, m.test});
    }
    // Format 3 names; before it: the attribute blocks and the datasets modes and columns.
    h5::writeInts(g, "dropout_blocks", r.blocks);
    h5::writeStrings(g, "mode_names", names);
    h5::writeStrings(g, "column_names", {"clean_acc", "noisy_given_acc", "noisy_true_acc", "test_acc"});
    h5::writeTensor(g, "accuracy", torch::tensor(values, torch::kDouble).view({static_cast<std::int64_t>(r.modes.size()), 4}));
    w.commit();
    return r;
}

DropoutEvalResult readDropoutEval(const std::string& runPath) {
    RunFileReader validate(runPath);
    DropoutEvalResult r;
    try {
        H5::H5File file(runPath, H5F_ACC_RDONLY);
        H5::Group g = openAnalysis(file, runPath, kName, "dropout-eval");
        r.pGen = h5::readDoubleAttr(g, "p_gen");
        r.pMem = h5::readDoubleAttr(g, "p_mem");
        r.blocks = h5::readIntList(g, g.nameExists("dropout_blocks") ? "dropout_blocks" : "blocks");
        const auto names = h5::readStrings(g, h5::childName(g, {"mode_names", "modes"}));
        const torch::Tensor acc = h5::readTensor(g, "accuracy").to(torch::kDouble);
        for (std::size_t k = 0; k < names.size(); ++k) {
            const auto row = acc[static_cast<std::int64_t>(k)];
            r.modes.push_back({names[k], row[0].item<double>(), row[1].item<double>(), row[2].item<double>(), row[3].item<double>()});
        }
    } catch (const H5::Exception& e) {
        rethrowH5(runPath, "reading the dropout evaluation", e);
    }
    return r;
}

} // namespace memloc::core
