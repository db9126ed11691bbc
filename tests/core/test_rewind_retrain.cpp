// Layer rewinding and retraining on tiny synthetic runs.
#include <torch/torch.h>

#include "analysis/eval_sets.h"
#include "analysis/loaded_run.h"
#include "analysis/rewinding_internal.h"
#include "io/run_file.h"
#include "memloc/error.h"
#include "memloc/retraining.h"
#include "memloc/rewinding.h"
#include "memloc/run_summary.h"
#include "memloc/training.h"
#include "tiny_run.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

using namespace memloc::core;

namespace {

RunConfig tinyConfig(const std::string& model) {
    RunConfig c = testing::tinyConfig(12);  // long enough to memorize every noisy example
    c.model = model;
    c.threads = 2;
    c.accounting = false;
    return c;
}

bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

bool sameAccuracy(const EvalAccuracy& a, const EvalAccuracy& b) {
    return same(a.clean, b.clean) && same(a.noisyGiven, b.noisyGiven) && same(a.noisyTrue, b.noisyTrue) &&
           same(a.test, b.test);
}

bool sameGrid(const std::vector<std::vector<double>>& a, const std::vector<std::vector<double>>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].size() != b[i].size()) return false;
        for (std::size_t j = 0; j < a[i].size(); ++j)
            if (!same(a[i][j], b[i][j])) return false;
    }
    return true;
}

bool sameEpoch(const RetrainEpoch& a, const RetrainEpoch& b) {
    return a.epoch == b.epoch && same(a.trainLoss, b.trainLoss) && same(a.trainClean, b.trainClean) &&
           same(a.clean, b.clean) && same(a.noisyGiven, b.noisyGiven) && same(a.noisyTrue, b.noisyTrue) &&
           same(a.test, b.test);
}

bool sameSeries(const RetrainGroupResult& a, const RetrainGroupResult& b) {
    if (a.group != b.group || a.epochsTrained != b.epochsTrained || a.stopRuleMet != b.stopRuleMet ||
        a.series.size() != b.series.size())
        return false;
    for (std::size_t i = 0; i < a.series.size(); ++i)
        if (!sameEpoch(a.series[i], b.series[i])) return false;
    return true;
}

/// Every parameter and buffer of checkpoint `epoch`, by name (CPU).
NamedTensors checkpointState(const std::string& path, std::int64_t epoch) {
    RunFileReader reader(path);
    auto model = buildModel(reader.modelSpec());
    reader.loadCheckpoint(epoch, *model);
    NamedTensors state;
    for (const auto& p : model->named_parameters()) state[p.key()] = p.value().detach().clone();
    for (const auto& b : model->named_buffers()) state[b.key()] = b.value().clone();
    return state;
}

NamedTensors modelState(Net& model) {
    NamedTensors state;
    for (const auto& p : model.named_parameters()) state[p.key()] = p.value().detach().cpu().clone();
    for (const auto& b : model.named_buffers()) state[b.key()] = b.value().cpu().clone();
    return state;
}

std::string errorOf(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace

class TestRewindRetrain : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::string m_resnet, m_mlp;

    std::string copyOf(const std::string& path, const char* name) {
        const QString target = m_dir.filePath(name);
        QFile::remove(target);
        if (!QFile::copy(QString::fromStdString(path), target)) qFatal("cannot copy the run");
        return target.toStdString();
    }

private Q_SLOTS:
    void initTestCase() {
        torch::set_num_threads(2);
        QVERIFY(m_dir.isValid());
        m_resnet = m_dir.filePath("resnet.h5").toStdString();
        m_mlp = m_dir.filePath("mlp.h5").toStdString();
        QCOMPARE(trainRun(tinyConfig("resnet9"), m_resnet).epochsCompleted, std::int64_t{12});
        QCOMPARE(trainRun(tinyConfig("mlp"), m_mlp).epochsCompleted, std::int64_t{12});
    }

    void defaultEpochsSpreadOverTheRun() {
        QCOMPARE(defaultRewindEpochs(20), (std::vector<std::int64_t>{0, 5, 10, 15, 19}));
        QCOMPARE(defaultRewindEpochs(4), (std::vector<std::int64_t>{0, 1, 2, 3}));
        QCOMPARE(defaultRewindEpochs(2), (std::vector<std::int64_t>{0, 1}));
        QCOMPARE(defaultRewindEpochs(1), (std::vector<std::int64_t>{0}));
    }

    // Rewinding swaps exactly the group's parameters in place; BatchNorm statistics stay final,
    // and putting the returned values back restores the final model bit for bit.
    void rewindTouchesOnlyGroupParameters() {
        LoadedRun run = loadRun(m_resnet, "cpu", 2);
        const NamedTensors final = checkpointState(m_resnet, run.finalEpoch);
        const NamedTensors epoch0 = checkpointState(m_resnet, 0);
        const std::size_t g = run.groupIndex("res1.a");
        const std::set<std::string> inGroup(run.groups[g].parameters.begin(), run.groups[g].parameters.end());
        const NamedTensors saved = rewindGroups(run, {g}, 0);
        for (const auto& [name, t] : modelState(*run.model)) {
            const bool expect0 = inGroup.count(name) > 0;
            QVERIFY2(t.equal(expect0 ? epoch0.at(name) : final.at(name)), name.c_str());
            if (expect0) QVERIFY2(!t.equal(final.at(name)), name.c_str());
        }
        assignParameters(*run.model, saved);
        for (const auto& [name, t] : modelState(*run.model)) QVERIFY2(t.equal(final.at(name)), name.c_str());
    }

    // A no-op rewind (every group to the final epoch) reproduces the final accuracies exactly.
    void rewindToFinalReproducesFinal() {
        LoadedRun run = loadRun(m_resnet, "cpu", 2);
        const EvalSets sets = makeEvalSets(run.data, 0);
        const EvalAccuracy before = evaluateSets(*run.model, sets, 64);
        std::vector<std::size_t> all(run.groups.size());
        for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
        rewindGroups(run, all, run.finalEpoch);
        QVERIFY(sameAccuracy(evaluateSets(*run.model, sets, 64), before));

        // Through the public entry point: the final-epoch column equals the baseline although the
        // group before was just rewound to epoch 0 (restoration between cells is exact).
        const std::string path = copyOf(m_resnet, "final.h5");
        RewindOptions o;
        o.epochs = {12, 0};
        o.allowFinalEpoch = true;
        const RewindResult r = runRewinding(path, o);
        QCOMPARE(r.groups.size(), run.groups.size());
        for (std::size_t g = 0; g < r.groups.size(); ++g) {
            QVERIFY2(same(r.clean[g][0], r.finalModel.clean) && same(r.noisyGiven[g][0], r.finalModel.noisyGiven) &&
                         same(r.noisyTrue[g][0], r.finalModel.noisyTrue) && same(r.test[g][0], r.finalModel.test),
                     r.groups[g].c_str());
        }
        QVERIFY(same(r.finalModel.clean, before.clean) && same(r.finalModel.noisyGiven, before.noisyGiven));

        // The run memorized its noisy examples, and rewinding some group to initialisation undoes
        // much of it (a grid that never moves would mean nothing was rewound).
        QVERIFY(r.finalModel.noisyGiven > 0.8);
        double lowest = 1;
        for (const auto& row : r.noisyGiven) lowest = std::min(lowest, row[1]);
        QVERIFY2(lowest < r.finalModel.noisyGiven - 0.2, qPrintable(QString::number(lowest)));
    }

    // Rewinding every group to epoch 0 at once is the initial model (the MLP has no buffers, so
    // its accuracies must equal epoch 0's exactly).
    void rewindAllToEpoch0ReproducesEpoch0() {
        LoadedRun run = loadRun(m_mlp, "cpu", 2);
        const EvalSets sets = makeEvalSets(run.data, 0);
        auto initial = buildRunModel(run);
        loadEpoch(run, 0, *initial);
        const EvalAccuracy expected = evaluateSets(*initial, sets, 64);
        const EvalAccuracy final = evaluateSets(*run.model, sets, 64);
        QVERIFY(!sameAccuracy(expected, final));
        rewindGroups(run, {0, 1, 2}, 0);
        QVERIFY(sameAccuracy(evaluateSets(*run.model, sets, 64), expected));

        // ResNet-9: every parameter is in a group; with epoch 0's buffers too it is the epoch-0 model.
        LoadedRun resnet = loadRun(m_resnet, "cpu", 2);
        std::vector<std::size_t> all(resnet.groups.size());
        for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
        rewindGroups(resnet, all, 0);
        const NamedTensors epoch0 = checkpointState(m_resnet, 0);
        {
            torch::NoGradGuard noGrad;
            for (auto& b : resnet.model->named_buffers()) b.value().copy_(epoch0.at(b.key()));
        }
        auto resnet0 = buildRunModel(resnet);
        loadEpoch(resnet, 0, *resnet0);
        const EvalSets resnetSets = makeEvalSets(resnet.data, 0);
        QVERIFY(sameAccuracy(evaluateSets(*resnet.model, resnetSets, 64), evaluateSets(*resnet0, resnetSets, 64)));
    }

    void gridShapesAndStoredRoundTrip() {
        const std::string path = copyOf(m_resnet, "grid.h5");
        RewindOptions o;
        o.groups = {"fc", "conv1", "3", "fc"};
        o.epochs = {2, 0};
        o.evalSubset = 20;
        std::vector<Progress> reports;
        o.run.progress = [&](const Progress& p) { reports.push_back(p); };
        const RewindResult r = runRewinding(path, o);
        QCOMPARE(r.groups, (std::vector<std::string>{"fc", "conv1", "res1.b"}));
        QCOMPARE(r.epochs, (std::vector<std::int64_t>{2, 0}));
        QCOMPARE(r.cleanCount, std::int64_t{20});
        QCOMPARE(r.noisyCount, std::int64_t{20});
        QCOMPARE(r.testCount, std::int64_t{20});
        for (const auto* grid : {&r.clean, &r.noisyGiven, &r.noisyTrue, &r.test}) {
            QCOMPARE(grid->size(), std::size_t{3});
            for (const auto& row : *grid) {
                QCOMPARE(row.size(), std::size_t{2});
                for (double v : row) QVERIFY(v >= 0 && v <= 1);
            }
        }
        QVERIFY(reports.size() >= 7);  // one per cell + the final model
        QCOMPARE(reports.front().total, std::int64_t{7});

        const RewindResult back = readRewinding(path);
        QCOMPARE(back.groups, r.groups);
        QCOMPARE(back.epochs, r.epochs);
        QCOMPARE(back.finalEpoch, std::int64_t{12});
        QCOMPARE(back.evalSubset, std::int64_t{20});
        QCOMPARE(back.batchSize, r.batchSize);
        QCOMPARE(back.cleanCount, r.cleanCount);
        QVERIFY(sameGrid(back.clean, r.clean) && sameGrid(back.noisyGiven, r.noisyGiven) &&
                sameGrid(back.noisyTrue, r.noisyTrue) && sameGrid(back.test, r.test));
        QCOMPARE(back.finalModel.noisyGiven, r.finalModel.noisyGiven);
        QCOMPARE(back.finalModel.test, r.finalModel.test);
        const RunSummary s = readRunSummary(path);
        QCOMPARE(s.analyses, (std::vector<std::string>{"rewinding"}));
    }

    void badGroupOrEpochNamesTheRun_data() {
        QTest::addColumn<QString>("group");
        QTest::addColumn<qint64>("epoch");
        QTest::addColumn<QString>("expected");
        QTest::newRow("unknown group") << "res9.z" << qint64{0} << "unknown layer group 'res9.z'";
        QTest::newRow("group index out of range") << "42" << qint64{0} << "unknown layer group '42'";
        QTest::newRow("epoch not stored") << "fc" << qint64{13} << "epoch 13 is not a stored checkpoint (usable: epochs 0..11)";
        QTest::newRow("negative epoch") << "fc" << qint64{-1} << "is not a stored checkpoint";
        QTest::newRow("final epoch") << "fc" << qint64{12} << "not before the final epoch 12 (usable: epochs 0..11)";
    }

    void badGroupOrEpochNamesTheRun() {
        QFETCH(QString, group);
        QFETCH(qint64, epoch);
        QFETCH(QString, expected);
        RewindOptions o;
        o.groups = {group.toStdString()};
        o.epochs = {epoch};
        const std::string message = errorOf([&] { runRewinding(m_resnet, o); });
        QVERIFY2(message.rfind(m_resnet + ": ", 0) == 0, message.c_str());
        QVERIFY2(message.find(expected.toStdString()) != std::string::npos, message.c_str());
        QVERIFY(errorOf([&] { readRewinding(m_resnet); }).find("memloc-cli rewind") != std::string::npos);
    }

    void rerunReplacesAndCancelKeepsStoredResult() {
        const std::string path = copyOf(m_resnet, "rerun.h5");
        RewindOptions first;
        first.epochs = {0};
        first.evalSubset = 16;
        runRewinding(path, first);
        RewindOptions second;
        second.epochs = {1, 3};
        second.groups = {"fc"};
        runRewinding(path, second);
        RewindResult stored = readRewinding(path);
        QCOMPARE(stored.groups, (std::vector<std::string>{"fc"}));
        QCOMPARE(stored.epochs, (std::vector<std::int64_t>{1, 3}));
        QCOMPARE(stored.evalSubset, std::int64_t{0});

        CancelToken cancel;
        RewindOptions third;
        third.run.cancel = &cancel;
        third.run.progress = [&](const Progress& p) {
            if (p.done == 2) cancel.cancel();
        };
        QVERIFY_THROWS_EXCEPTION(Cancelled, runRewinding(path, third));
        stored = readRewinding(path);
        QCOMPARE(stored.epochs, (std::vector<std::int64_t>{1, 3}));
        QCOMPARE(readRunSummary(path).analyses, (std::vector<std::string>{"rewinding"}));
    }

    // The one group trains; every other parameter and every buffer outside the group stays
    // bit-identical to the final checkpoint; no noisy example is ever seen.
    void retrainingChangesOnlyTheGroupOnCleanExamples() {
        LoadedRun run = loadRun(m_resnet, "cpu", 2);
        const NamedTensors final = checkpointState(m_resnet, run.finalEpoch);
        const NamedTensors epoch0 = checkpointState(m_resnet, 0);
        const std::size_t g = run.groupIndex("res1.a");
        const LayerGroup group = run.groups[g];
        const std::set<std::string> inGroup(group.parameters.begin(), group.parameters.end());

        std::vector<std::int64_t> seen;
        std::int64_t batches = 0;
        RetrainOptions o;
        o.maxEpochs = 2;
        o.stopAfter = 100;
        o.batchObserver = [&](const std::vector<std::int64_t>& ids) {
            seen.insert(seen.end(), ids.begin(), ids.end());
            ++batches;
        };
        const RetrainGroupResult r = retrainGroupInPlace(run, g, o);
        QCOMPARE(r.epochsTrained, std::int64_t{2});
        QCOMPARE(r.series.size(), std::size_t{3});

        const NamedTensors after = modelState(*run.model);
        for (const auto& [name, t] : after) {
            const bool inside = inGroup.count(name) || name.rfind(group.prefix + ".", 0) == 0;
            if (!inside) {
                QVERIFY2(t.equal(final.at(name)), ("changed outside the group: " + name).c_str());
            } else if (name.find("num_batches_tracked") == std::string::npos) {
                QVERIFY2(!t.equal(final.at(name)), ("group tensor did not change: " + name).c_str());
                QVERIFY2(!t.equal(epoch0.at(name)), ("group tensor not trained: " + name).c_str());
            }
        }
        for (const auto& p : run.model->parameters()) QVERIFY(p.requires_grad());

        const std::int64_t clean = run.data.trainSize() - run.data.noisyCount();
        const std::int64_t perEpoch = clean % 32 == 1 ? clean - 1 : clean;
        QCOMPARE(static_cast<std::int64_t>(seen.size()), 2 * perEpoch);
        QCOMPARE(batches, 2 * ((perEpoch + 31) / 32));
        for (std::int64_t id : seen) QVERIFY2(!run.data.noiseMask[id].item<bool>(), "a noisy example was trained on");
        std::set<std::int64_t> distinct(seen.begin(), seen.begin() + perEpoch);
        QCOMPARE(static_cast<std::int64_t>(distinct.size()), perEpoch);  // each clean example once per epoch
    }

    // With a generous maximum the stop rule ends training at the first `stopAfter` consecutive
    // epochs at 100% clean accuracy.
    void stopRuleEndsTrainingEarly() {
        LoadedRun run = loadRun(m_resnet, "cpu", 2);
        for (std::int64_t stopAfter : {3, 5}) {
            RetrainOptions o;
            o.maxEpochs = 60;
            o.stopAfter = stopAfter;
            const RetrainGroupResult r = retrainGroupInPlace(run, run.groupIndex("conv2"), o);
            run.restoreFinal();
            QVERIFY(r.series.front().trainClean < 1.0);  // rewinding conv2 broke the fit; training restores it
            QVERIFY2(r.stopRuleMet, qPrintable(QString("trained %1 epochs").arg(r.epochsTrained)));
            QVERIFY(r.epochsTrained < 60);
            QCOMPARE(static_cast<std::int64_t>(r.series.size()), r.epochsTrained + 1);
            std::int64_t atFull = 0;
            for (std::size_t i = 1; i < r.series.size(); ++i) {
                atFull = r.series[i].trainClean == 1.0 ? atFull + 1 : 0;
                QVERIFY(i + 1 == r.series.size() ? atFull == stopAfter : atFull < stopAfter);
            }
        }
    }

    void retrainingStoresRoundTripsAndRestoresBetweenGroups() {
        const std::string path = copyOf(m_resnet, "retrain.h5");
        RetrainOptions o;
        o.groups = {"conv2", "fc"};
        o.maxEpochs = 2;
        o.evalSubset = 10;  // the stop rule still looks at every clean example
        const RetrainResult r = runRetraining(path, o);
        QCOMPARE(r.groups.size(), std::size_t{2});
        QCOMPARE(r.cleanCount, std::int64_t{10});
        QCOMPARE(r.cleanTrainCount, std::int64_t{256 - 51});

        // Retraining fc alone gives the same series: conv2's retraining was undone completely.
        RetrainOptions alone = o;
        alone.groups = {"fc"};
        const RetrainResult fcOnly = runRetraining(copyOf(m_resnet, "alone.h5"), alone);
        QVERIFY(sameSeries(fcOnly.groups[0], r.groups[1]));

        const RetrainResult back = readRetraining(path);
        QCOMPARE(back.groups.size(), r.groups.size());
        for (std::size_t i = 0; i < r.groups.size(); ++i) QVERIFY(sameSeries(back.groups[i], r.groups[i]));
        QVERIFY(sameEpoch(back.finalModel, r.finalModel));
        QCOMPARE(back.fromEpoch, std::int64_t{0});
        QCOMPARE(back.maxEpochs, std::int64_t{2});
        QCOMPARE(back.batchSize, std::int64_t{32});
        QCOMPARE(back.evalSubset, std::int64_t{10});
        QCOMPARE(back.lr, 0.01);
        QCOMPARE(back.weightDecay, 5e-4);
        QCOMPARE(back.cleanTrainCount, r.cleanTrainCount);
        QCOMPARE(readRunSummary(path).analyses, (std::vector<std::string>{"retraining"}));
    }

    void retrainingErrorsAndCancel() {
        RetrainOptions bad;
        bad.groups = {"nope"};
        std::string message = errorOf([&] { runRetraining(m_resnet, bad); });
        QVERIFY2(message.rfind(m_resnet + ": unknown layer group 'nope'", 0) == 0, message.c_str());
        RetrainOptions late;
        late.fromEpoch = 13;
        message = errorOf([&] { runRetraining(m_resnet, late); });
        QVERIFY2(message.rfind(m_resnet + ": retrain from epoch 13 is not a stored checkpoint", 0) == 0, message.c_str());
        RetrainOptions zero;
        zero.maxEpochs = 0;
        QVERIFY(errorOf([&] { runRetraining(m_resnet, zero); }).find("max epochs") != std::string::npos);
        QVERIFY(errorOf([&] { readRetraining(m_resnet); }).find("memloc-cli retrain") != std::string::npos);

        const std::string path = copyOf(m_resnet, "cancel.h5");
        RetrainOptions first;
        first.groups = {"fc"};
        first.maxEpochs = 1;
        runRetraining(path, first);
        CancelToken cancel;
        RetrainOptions second;
        second.run.cancel = &cancel;
        second.run.progress = [&](const Progress& p) {
            if (p.done == 3) cancel.cancel();
        };
        QVERIFY_THROWS_EXCEPTION(Cancelled, runRetraining(path, second));
        const RetrainResult stored = readRetraining(path);
        QCOMPARE(stored.groups.size(), std::size_t{1});
        QCOMPARE(stored.maxEpochs, std::int64_t{1});
    }
};

QTEST_GUILESS_MAIN(TestRewindRetrain)
#include "test_rewind_retrain.moc"
