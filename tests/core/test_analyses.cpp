// Flipping, neuron scores, neuron dropping and example-tied dropout on a tiny trained run.
#include <torch/torch.h>

#include "analysis/batchnorm_recalibration.h"
#include "analysis/eval_sets.h"
#include "analysis/flipping_internal.h"
#include "analysis/loaded_run.h"
#include "analysis/unit_scores.h"
#include "memloc/dropout_eval.h"
#include "memloc/error.h"
#include "memloc/examples.h"
#include "memloc/flipping.h"
#include "memloc/neurons.h"
#include "memloc/run_summary.h"
#include "memloc/training.h"
#include "models/channel_gate.h"
#include "error_of.h"
#include "tiny_run.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace memloc::core;
using namespace memloc::core::testing;

class TestAnalyses : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::string m_run, m_etdRun;

private Q_SLOTS:
    void initTestCase() {
        torch::set_num_threads(2);
        m_run = m_dir.filePath("tiny.h5").toStdString();
        trainRun(tinyConfig(8), m_run);
        RunConfig etd = tinyConfig(8);
        etd.dropout = "example-tied";
        etd.pGen = 0.5;
        etd.pMem = 0.25;
        etd.dropoutBlocks = "2,3,5,6";
        etd.epochs = 3;
        m_etdRun = m_dir.filePath("etd.h5").toStdString();
        trainRun(etd, m_etdRun);
    }

    // Each flipped example is really mispredicted by the edited model; the model is restored.
    void flippingEditsAreRealAndReverted() {
        LoadedRun run = loadRun(m_run, "cpu", 2);
        Net& model = *run.model;
        const auto before = snapshot(model);
        FlipOptions o;
        o.batch = 16;
        o.maxUnits = 30;
        const EvalSets sets = makeEvalSets(run.data, 64);
        for (bool channelMode : {true, false}) {
            o.mode = channelMode ? "channel" : "weight";
            auto params = scoredParams(model, run.groups, channelMode);
            int checked = 0;
            for (std::int64_t id = 0; id < run.data.trainSize() && checked < 4; ++id) {
                FlipExample ex = flipOneExample(model, run.data, o, id, run.data.noiseMask[id].item<bool>(), params, sets, 256);
                QVERIFY(sameState(snapshot(model), before));  // restored bit for bit
                if (!ex.flipped || ex.originalPrediction != ex.givenLabel) continue;
                ++checked;
                QVERIFY(!ex.units.empty());
                QCOMPARE(ex.units.back().predictionAfter == ex.givenLabel, false);
                // Apply the recorded edit to a fresh copy of the final model and check by hand.
                auto fresh = buildRunModel(run);
                loadEpoch(run, run.finalEpoch, *fresh);
                auto named = fresh->named_parameters();
                {
                    torch::NoGradGuard noGrad;
                    for (const auto& u : ex.units) {
                        torch::Tensor& p = named[u.parameter];
                        if (channelMode && p.dim() == 4)
                            p[u.element].zero_();
                        else
                            p.view({-1})[u.element].zero_();
                    }
                }
                torch::NoGradGuard noGrad;
                fresh->eval();
                const std::int64_t pred = fresh->forward(run.data.trainImages.slice(0, id, id + 1)).argmax(1).item<std::int64_t>();
                QVERIFY(pred != ex.givenLabel);
                QCOMPARE(pred, ex.units.back().predictionAfter);
            }
            QVERIFY2(checked > 0, "no example was flipped");
        }
    }

    // Conv channels scored from their BatchNorms' gradients (flipping skips the conv weight
    // gradients) equal sum(w * dL/dw) over each channel, for ResNet-9 and ResNet-50.
    void convScoresFromBatchNormEqualWeightGradients() {
        LoadedRun run = loadRun(m_run, "cpu", 2);
        ModelSpec r50;
        r50.architecture = "resnet50";
        r50.width = 0.125;
        r50.resnetStem = "cifar";
        torch::manual_seed(3);
        auto resnet50 = buildModel(r50);
        {
            torch::NoGradGuard noGrad;  // non-trivial running statistics, so the mean term matters
            for (auto& b : resnet50->named_buffers())
                if (b.key().find("running_mean") != std::string::npos) b.value().normal_(0, 0.5);
                else if (b.key().find("running_var") != std::string::npos) b.value().uniform_(0.5, 2.0);
        }
        struct Case {
            Net* model;
            torch::Tensor x, y;
            std::size_t linked;
        };
        const torch::Tensor images = run.data.trainImages.slice(0, 0, 24);
        const torch::Tensor labels = run.data.trainGiven.slice(0, 0, 24);
        for (const Case& c : {Case{run.model.get(), images, labels, 8},
                              Case{resnet50.get(), torch::randn({6, 1, 28, 28}), torch::randint(10, {6}), 1 + 3 * 16 + 4}}) {
            Net& model = *c.model;
            model.eval();
            auto params = scoredParams(model, model.layerGroups(), true);
            std::vector<std::size_t> linked;
            for (std::size_t i = 0; i < params.size(); ++i)
                if (params[i].batchNorm) linked.push_back(i);
            QCOMPARE(linked.size(), c.linked);
            {
                torch::NoGradGuard noGrad;
                params[linked[1]].param[0].zero_();  // a zeroed channel scores exactly 0 both ways
            }
            auto objective = [&] {
                model.zero_grad(true);
                torch::nn::functional::cross_entropy(model.forward(c.x), c.y).backward();
                return unitScores(params);
            };
            const torch::Tensor exact = objective();
            torch::Tensor derived;
            {
                const SkipConvWeightGradients skip(params);
                derived = objective();
                for (std::size_t i : linked) QVERIFY(!params[i].param.grad().defined());
            }
            for (const auto& p : params) QVERIFY(p.param.requires_grad());
            const double scale = exact.abs().max().item<double>();
            QVERIFY(scale > 0);
            const double worst = (derived - exact).abs().max().item<double>();
            QVERIFY2(worst <= 1e-4 * scale, qPrintable(QString("max difference %1 of %2").arg(worst).arg(scale)));
            std::int64_t offset = 0;
            for (std::size_t i = 0; i < linked[1]; ++i) offset += params[i].unitCount();
            QCOMPARE(derived[offset].item<double>(), 0.0);
            QCOMPARE(exact[offset].item<double>(), 0.0);
        }
    }

    void flippingStoresAndReproduces() {
        FlipOptions o;
        o.noisy = 4;
        o.clean = 4;
        o.batch = 16;
        o.evalSubset = 64;
        o.run.device = "cpu";
        const FlipResult a = runFlipping(m_run, o);
        const FlipResult stored = readFlipping(m_run);
        const FlipResult b = runFlipping(m_run, o);  // replaces the stored result
        QCOMPARE(a.examples.size(), stored.examples.size());
        QVERIFY(!a.examples.empty());
        for (std::size_t i = 0; i < a.examples.size(); ++i) {
            QCOMPARE(a.examples[i].id, b.examples[i].id);
            QCOMPARE(a.examples[i].id, stored.examples[i].id);
            QCOMPARE(a.examples[i].noisy, stored.examples[i].noisy);
            QCOMPARE(a.examples[i].units.size(), b.examples[i].units.size());
            QCOMPARE(a.examples[i].units.size(), stored.examples[i].units.size());
            for (std::size_t k = 0; k < a.examples[i].units.size(); ++k) {
                QCOMPARE(a.examples[i].units[k].element, stored.examples[i].units[k].element);
                QCOMPARE(a.examples[i].units[k].parameter, stored.examples[i].units[k].parameter);
                QCOMPARE(a.examples[i].units[k].channel, b.examples[i].units[k].channel);
            }
            QCOMPARE(a.examples[i].accTest, stored.examples[i].accTest);
            // Noisy targets are memorized, clean ones correctly predicted, before the edit.
            QCOMPARE(a.examples[i].originalPrediction, a.examples[i].givenLabel);
        }
        QVERIFY(readRunSummary(m_run).analyses == std::vector<std::string>{"flipping"} ||
                std::count(readRunSummary(m_run).analyses.begin(), readRunSummary(m_run).analyses.end(), "flipping") == 1);
        QVERIFY(errorOf([&] { FlipOptions bad = o; bad.mode = "layer"; runFlipping(m_run, bad); }).contains("channel or weight"));
    }

    void dropNothingEqualsModelAndDropMatchesZeroedBatchNorm() {
        DropSession session(m_run, 0, "cpu", 2);
        const DropResult none = session.evaluate({}, 3);
        LoadedRun run = loadRun(m_run, "cpu", 2);
        const EvalAccuracy plain = evaluateSets(*run.model, makeEvalSets(run.data, 0), 256);
        QCOMPARE(none.clean, plain.clean);
        QCOMPARE(none.noisyGiven, plain.noisyGiven);
        QCOMPARE(none.test, plain.test);
        QCOMPARE(none.probabilities.size(), std::size_t{4});

        // Dropping conv1:2 equals zeroing BatchNorm's affine weight and bias of channel 2.
        const DropResult dropped = session.evaluate({{"conv1", 2}, {"res2.a", 1}});
        {
            torch::NoGradGuard noGrad;
            auto named = run.model->named_parameters();
            named["0.1.weight"][2].zero_();
            named["0.1.bias"][2].zero_();
            named["5.module.0.1.weight"][1].zero_();
            named["5.module.0.1.bias"][1].zero_();
        }
        const EvalAccuracy manual = evaluateSets(*run.model, makeEvalSets(run.data, 0), 256);
        QCOMPARE(dropped.clean, manual.clean);
        QCOMPARE(dropped.noisyGiven, manual.noisyGiven);
        QCOMPARE(dropped.test, manual.test);
        // The session forgets drops between calls.
        const DropResult again = session.evaluate({});
        QCOMPARE(again.clean, none.clean);

        QVERIFY(errorOf([&] { session.evaluate({{"conv9", 0}}); }).contains("unknown layer group 'conv9'"));
        QVERIFY(errorOf([&] { session.evaluate({{"conv1", 999}}); }).contains("out of range"));
        QVERIFY(errorOf([&] { session.evaluate({}, 1000000); }).contains("out of range"));
        QVERIFY(errorOf([] { parseUnitList("conv1-3"); }).contains("GROUP:CHANNEL"));
        QCOMPARE(parseUnitList("res1.a:5,3:17").size(), std::size_t{2});
        QCOMPARE(parseUnitList("res1.a:5,3:17")[1].group, std::string("3"));
    }

    void neuronScoresAgreeWithDropping() {
        NeuronOptions o;
        o.attributionExamples = 32;
        o.evalSubset = 0;
        o.run.device = "cpu";
        const NeuronScores s = runNeuronScores(m_run, o);
        QCOMPARE(s.groups.size(), std::size_t{9});
        QCOMPARE(s.attribution[0].size(), std::size_t{8});
        QVERIFY(s.hasFlipping);  // flippingStoresAndReproduces stored one
        double flipSum = 0;
        for (const auto& row : s.flipNoisy)
            for (double v : row) {
                QVERIFY(v >= 0 && v <= 1);
                flipSum += v;
            }
        QVERIFY(flipSum > 0);
        DropSession session(m_run, 0, "cpu", 2);
        const DropResult base = session.evaluate({});
        for (const auto& [g, c] : std::vector<std::pair<std::size_t, std::int64_t>>{{0, 1}, {3, 2}, {7, 0}}) {
            const DropResult r = session.evaluate({{s.groups[g], c}});
            QVERIFY(std::abs((r.noisyGiven - base.noisyGiven) - s.ablationNoisy[g][static_cast<std::size_t>(c)]) < 1e-12);
            QVERIFY(std::abs((r.clean - base.clean) - s.ablationClean[g][static_cast<std::size_t>(c)]) < 1e-12);
        }
        const NeuronScores stored = readNeuronScores(m_run);
        QCOMPARE(stored.attribution, s.attribution);
        QCOMPARE(stored.ablationNoisy, s.ablationNoisy);
        QCOMPARE(stored.flipClean, s.flipClean);
    }

    void etdMasksAreFunctionsOfExampleLayerChannel() {
        EtdSpec spec;
        spec.enabled = true;
        spec.pGen = 0.25;
        spec.pMem = 0.3;
        const torch::Tensor ids = torch::arange(2000, torch::kLong);
        const torch::Tensor a = etdExampleMask(ids, 1, 64, spec);
        QVERIFY(a.equal(etdExampleMask(ids, 1, 64, spec)));  // same every epoch
        QVERIFY(a.slice(1, 0, 16).all().item<bool>());        // generalization channels always on
        const double onRate = a.slice(1, 16).to(torch::kDouble).mean().item<double>();
        QVERIFY2(std::abs(onRate - 0.3) < 0.01, qPrintable(QString::number(onRate)));
        QVERIFY(!a[0].equal(a[1]));                               // differs between examples
        QVERIFY(!a.equal(etdExampleMask(ids, 2, 64, spec)));      // and between layers
        QVERIFY(a[5].equal(etdExampleMask(torch::tensor({5}, torch::kLong), 1, 64, spec)[0]));  // independent of the batch

        ForwardContext ctx;
        ChannelGate gate(8);
        spec.pGen = 0.5;
        gate->configureEtd(spec, 0, &ctx);
        const torch::Tensor ones = torch::ones({2, 8, 3, 3});
        ctx.etdMode = EtdMode::Drop;
        const torch::Tensor drop = gate->forward(ones);
        QVERIFY(drop.slice(1, 4).eq(0).all().item<bool>());                       // memorization channels zeroed
        QVERIFY(drop.slice(1, 0, 4).eq((0.5 + 0.3) / 0.5).all().item<bool>());    // generalization rescaled
        ctx.etdMode = EtdMode::Test;
        const torch::Tensor test = gate->forward(ones);
        QVERIFY(torch::allclose(test.slice(1, 4), torch::full({2, 4, 3, 3}, 0.3)));
        QVERIFY(test.slice(1, 0, 4).eq(1).all().item<bool>());
        ctx.etdMode = EtdMode::Example;
        ctx.exampleIds = torch::tensor({11, 12}, torch::kLong);
        const torch::Tensor example = gate->forward(ones);
        const torch::Tensor expected = etdExampleMask(ctx.exampleIds, 0, 8, spec).to(torch::kFloat);
        QVERIFY(example.select(3, 0).select(2, 0).equal(expected));
        ctx.exampleIds = torch::Tensor();
        QVERIFY(errorOf([&] { gate->forward(ones); }).contains("example ids"));
    }

    void dropoutEvalModes() {
        AnalysisRunOptions o;
        o.device = "cpu";
        const DropoutEvalResult r = runDropoutEval(m_etdRun, 0, o);
        QCOMPARE(r.modes.size(), std::size_t{4});
        QCOMPARE(r.modes[0].mode, std::string("standard"));
        QCOMPARE(r.modes[2].mode, std::string("drop"));
        QCOMPARE(r.modes[3].mode, std::string("drop-recalibrated"));
        QVERIFY(r.modes[3].clean >= 0 && r.modes[3].clean <= 1);
        QCOMPARE(readDropoutEval(m_etdRun).modes[3].clean, r.modes[3].clean);
        QCOMPARE(r.pGen, 0.5);
        const DropoutEvalResult stored = readDropoutEval(m_etdRun);
        QCOMPARE(stored.modes[2].noisyGiven, r.modes[2].noisyGiven);
        QCOMPARE(stored.blocks, (std::vector<std::int64_t>{2, 3, 5, 6}));
        // The run's own test-mode metric at the last epoch equals the test mode here.
        const RunSummary s = readRunSummary(m_etdRun);
        QCOMPARE(s.metrics.back().testAcc, r.modes[1].test);
        QVERIFY(errorOf([&] { runDropoutEval(m_run, 0, o); }).contains("without example-tied dropout"));
    }
    // Re-estimated BatchNorm statistics are those of the layer's input over the images (one batch:
    // the mean and the unbiased variance of the first convolution's output), and the model's own
    // statistics come back bit for bit afterwards.
    void batchNormRecalibration() {
        LoadedRun run = loadRun(m_etdRun, "cpu", 2);
        Net& model = *run.model;
        std::map<std::string, torch::Tensor> before;
        for (const auto& b : model.named_buffers()) before[b.key()] = b.value().clone();
        const torch::Tensor images = run.data.trainImages;
        torch::Tensor conv;
        {
            torch::NoGradGuard noGrad;
            conv = torch::conv2d(images, model.named_parameters()["0.0.weight"], {}, 1, 1);
        }
        model.context().etdMode = EtdMode::Drop;
        {
            RecalibratedBatchNorm recalibrated(model, images, images.size(0));
            const auto buffers = model.named_buffers();
            QVERIFY(torch::allclose(buffers["0.1.running_mean"], conv.mean({0, 2, 3}), 1e-4, 1e-5));
            QVERIFY(torch::allclose(buffers["0.1.running_var"], conv.var({0, 2, 3}, true), 1e-4, 1e-5));
            QVERIFY(!buffers["0.1.running_mean"].equal(before["0.1.running_mean"]));
            QVERIFY(!model.is_training());
        }
        model.context() = ForwardContext{};
        for (const auto& b : model.named_buffers()) QVERIFY2(b.value().equal(before[b.key()]), b.key().c_str());
    }

    // Every training example as the final model sees it: the prediction the training-time metrics
    // counted, the given-label loss and margin of the logits, and the raw pixels.
    void trainingExamplesUnderTheFinalModel() {
        for (const std::string& path : {m_run, m_etdRun}) {
            const std::vector<ExampleStat> stats = evaluateTrainingExamples(path, "cpu", 2);
            LoadedRun run = loadRun(path, "cpu", 2);
            const std::int64_t n = run.data.trainSize();
            QCOMPARE(std::int64_t(stats.size()), n);
            std::int64_t noisy = 0, memorized = 0;
            for (std::int64_t i = 0; i < n; ++i) {
                const ExampleStat& s = stats[size_t(i)];
                QCOMPARE(s.id, i);
                QCOMPARE(s.given, run.data.trainGiven[i].item<std::int64_t>());
                QCOMPARE(s.trueLabel, run.data.trainTrue[i].item<std::int64_t>());
                QCOMPARE(s.noisy, run.data.noiseMask[i].item<bool>());
                QVERIFY(s.loss >= 0);
                if (s.margin > 0) QCOMPARE(s.prediction, s.given);
                if (s.margin < 0) QVERIFY(s.prediction != s.given);
                noisy += s.noisy;
                memorized += s.memorized();
            }
            // The memorized fraction is the run's own final noisy (given-label) accuracy.
            const RunSummary summary = readRunSummary(path);
            QCOMPARE(double(memorized) / double(noisy), summary.metrics.back().trainNoisyGivenAcc);
            if (path != m_run) continue;
            // Loss and margin by hand for a few examples.
            torch::NoGradGuard noGrad;
            const torch::Tensor logits = run.model->forward(run.data.trainImages.slice(0, 0, 8));
            for (std::int64_t i = 0; i < 8; ++i) {
                const ExampleStat& s = stats[size_t(i)];
                const torch::Tensor row = logits[i];
                const double loss = -torch::log_softmax(row, 0)[s.given].item<double>();
                torch::Tensor others = row.clone();
                others[s.given] = -1e30;
                QVERIFY(std::abs(s.loss - loss) < 1e-4);
                QVERIFY(std::abs(s.margin - (row[s.given] - others.max()).item<double>()) < 1e-4);
                QCOMPARE(s.prediction, row.argmax().item<std::int64_t>());
            }
            const TrainingExamples all = loadTrainingExamples(path, "cpu", 2);
            QCOMPARE(all.stats.size(), stats.size());
            QCOMPARE(all.numClasses, std::int64_t(4));
            QCOMPARE(all.pixels.size(), size_t(n) * all.imageBytes());
            const std::vector<ExampleImage> images = readExampleImages(path, {3, 200});
            for (const ExampleImage& image : images) {
                QCOMPARE(all.stats[size_t(image.id)].prediction, stats[size_t(image.id)].prediction);
                QCOMPARE(std::vector<std::uint8_t>(all.image(image.id), all.image(image.id) + all.imageBytes()), image.pixels);
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestAnalyses)
#include "test_analyses.moc"

#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>
