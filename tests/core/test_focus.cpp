// Focus sets: the studied example set read from a file of indices or of scores, and a run that
// studies it instead of its mislabeled examples.
#include <torch/torch.h>

#include "analysis/eval_sets.h"
#include "analysis/loaded_run.h"
#include "analysis/rewinding_internal.h"
#include "data/dataset.h"
#include "error_of.h"
#include "io/run_file.h"
#include "memloc/examples.h"
#include "memloc/retraining.h"
#include "memloc/run_summary.h"
#include "memloc/training.h"
#include "tiny_run.h"

#include <H5Cpp.h>

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

using namespace memloc::core;
using memloc::core::testing::errorOf;

namespace {

void writeText(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

// A 1-D little-endian .npy file of `descr` (e.g. "<f4") from raw bytes.
void writeNpy(const std::string& path, const std::string& descr, std::int64_t count, const void* data, std::size_t bytes) {
    std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + std::to_string(count) + ",), }";
    while ((10 + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::string out = "\x93NUMPY";
    out += '\x01';
    out += '\x00';
    out += static_cast<char>(header.size() & 0xff);
    out += static_cast<char>(header.size() >> 8);
    out += header;
    out.append(static_cast<const char*>(data), bytes);
    writeText(path, out);
}

std::vector<bool> boolsOf(const torch::Tensor& mask) {
    std::vector<bool> out;
    for (std::int64_t i = 0; i < mask.size(0); ++i) out.push_back(mask[i].item<bool>());
    return out;
}

// Fraction of `mask`'s examples whose prediction equals their given label.
double fittedFraction(const std::vector<ExampleStat>& stats, bool inFocus) {
    double hit = 0, n = 0;
    for (const ExampleStat& s : stats)
        if (s.focus == inFocus) {
            n += 1;
            hit += s.prediction == s.given ? 1 : 0;
        }
    return hit / n;
}

} // namespace

class TestFocus : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::string path(const std::string& name) const { return m_dir.filePath(QString::fromStdString(name)).toStdString(); }

    // Training-split indices 0, 2, 4, ..., 18 form the run's subset of 10.
    const torch::Tensor m_subset = torch::arange(0, 20, 2, torch::kLong);

private Q_SLOTS:
    // Listed indices select the subset's examples whose dataset index they name; indices outside
    // the subset are ignored; comments and blank lines are skipped.
    void idsPickSubsetExamplesByDatasetIndex() {
        writeText(path("ids.txt"), "# atypical examples\n4 5 6\n\n18  # the last one\n19\n");
        const torch::Tensor mask = focusMaskFromFile(path("ids.txt"), std::nullopt, m_subset, 20);
        QCOMPARE(boolsOf(mask), (std::vector<bool>{false, false, true, true, false, false, false, false, false, true}));

        const std::vector<std::int64_t> ids = {2, 16};
        writeNpy(path("ids.npy"), "<i8", 2, ids.data(), 16);
        QCOMPARE(focusMaskFromFile(path("ids.npy"), std::nullopt, m_subset, 20).sum().item<std::int64_t>(), std::int64_t{2});
    }

    // Scores: one per training-split example; those strictly below the threshold form the set.
    void scoresBelowTheThresholdFormTheSet() {
        std::string csv = "cscore\n";
        for (int i = 0; i < 20; ++i) csv += std::to_string(i / 20.0) + "\n";  // example i scores i/20
        writeText(path("scores.csv"), csv);
        // Subset examples 0, 2, 4 (scores 0, 0.1, 0.2) are below 0.25.
        QCOMPARE(boolsOf(focusMaskFromFile(path("scores.csv"), 0.25, m_subset, 20)),
                 (std::vector<bool>{true, true, true, false, false, false, false, false, false, false}));

        std::vector<float> scores(20, 0.9f);
        scores[6] = 0.1f;
        scores[7] = 0.1f;  // not in the subset
        writeNpy(path("scores.npy"), "<f4", 20, scores.data(), 80);
        QCOMPARE(boolsOf(focusMaskFromFile(path("scores.npy"), 0.5, m_subset, 20)),
                 (std::vector<bool>{false, false, false, true, false, false, false, false, false, false}));

        H5::H5File file(path("scores.h5"), H5F_ACC_TRUNC);
        const hsize_t n = 20;
        H5::DataSet ds = file.createDataSet("cscores", H5::PredType::NATIVE_DOUBLE, H5::DataSpace(1, &n));
        std::vector<double> d(20, 1.0);
        d[0] = -1;
        ds.write(d.data(), H5::PredType::NATIVE_DOUBLE);
        file.close();
        QCOMPARE(focusMaskFromFile(path("scores.h5") + ":cscores", 0.0, m_subset, 20).sum().item<std::int64_t>(),
                 std::int64_t{1});
    }

    // Every bad file is an error naming the file and the problem.
    void badFilesAreClearErrors() {
        auto error = [&](const std::string& file, std::optional<double> threshold) {
            return errorOf([&] { focusMaskFromFile(path(file), threshold, m_subset, 20); });
        };
        QVERIFY(error("none.txt", std::nullopt).contains("none.txt: no such file"));
        writeText(path("far.txt"), "3 20\n");
        QVERIFY2(error("far.txt", std::nullopt).contains("example index 20 is outside the training split (0..19)"),
                 qPrintable(error("far.txt", std::nullopt)));
        writeText(path("neg.txt"), "-1\n");
        QVERIFY(error("neg.txt", std::nullopt).contains("example index -1"));
        writeText(path("frac.txt"), "0.5 0.7\n");
        QVERIFY2(error("frac.txt", std::nullopt).contains("scores need focus_threshold"), qPrintable(error("frac.txt", std::nullopt)));
        writeText(path("short.csv"), "0.1\n0.2\n");
        QVERIFY2(error("short.csv", 0.5).contains("one score per example of the dataset's training split (20), found 2"),
                 qPrintable(error("short.csv", 0.5)));
        writeText(path("outside.txt"), "1 3 5\n");  // odd indices: none in the subset
        QVERIFY2(error("outside.txt", std::nullopt).contains("no example of the run's 10 training examples is in the focus set"),
                 qPrintable(error("outside.txt", std::nullopt)));
        writeText(path("all.txt"), "0 2 4 6 8 10 12 14 16 18\n");
        QVERIFY(error("all.txt", std::nullopt).contains("nothing to compare it with"));
        writeText(path("empty.txt"), "# nothing\n");
        QVERIFY(error("empty.txt", std::nullopt).contains("holds no values"));
        const double nan[2] = {0.0, std::nan("")};
        writeNpy(path("nan.npy"), "<f8", 2, nan, 16);
        QVERIFY2(error("nan.npy", 0.5).contains("not a finite number"), qPrintable(error("nan.npy", 0.5)));
        writeText(path("ids.bin"), "1 2");
        QVERIFY(error("ids.bin", std::nullopt).contains("unknown format '.bin'"));
    }

    // The config checks its focus keys.
    void configRejectsNonsense() {
        RunConfig c = memloc::core::testing::tinyConfig(1);
        c.focusThreshold = 0.5;
        QVERIFY(errorOf([&] { validateConfig(c); }).contains("focus_threshold needs a focus file"));
        c = memloc::core::testing::tinyConfig(1);
        c.focusName = "atypical";
        QVERIFY(errorOf([&] { validateConfig(c); }).contains("focus_name names a focus set"));
        QVERIFY(errorOf([&] { configFromJson(R"({"focus_threshold": "low"})", "x.json"); })
                    .contains("\"focus_threshold\" must be a number or null"));
        const RunConfig parsed = configFromJson(R"({"focus": "a.txt", "focus_threshold": 0.3})", "x.json");
        QCOMPARE(*parsed.focusThreshold, 0.3);
        QVERIFY(!configFromJson(configToJson(c), "round trip").focusThreshold);
        QCOMPARE(focusNames(parsed).set, std::string("a"));
        QCOMPARE(focusNames(c).set, std::string("mislabeled"));
    }

    // A run with label noise that studies a listed set: the run file keeps both masks; the
    // metrics, evaluation sets and retraining are about the focus set; the analyses need the
    // focus file no more; an interrupted run resumes without it.
    void runStudiesTheFocusSetNotTheMislabeledOnes() {
        RunConfig c = memloc::core::testing::tinyConfig(4);
        std::string ids;
        std::vector<std::int64_t> focusIds;
        for (std::int64_t i = 5; i < 256; i += 7) {  // 36 examples, some of them mislabeled
            ids += std::to_string(i) + "\n";
            focusIds.push_back(i);
        }
        writeText(path("focus.txt"), ids);
        c.focus = path("focus.txt");
        c.focusName = "picked";
        const std::string run = path("focus.h5");
        CancelToken stop;
        TrainCallbacks cb;
        cb.cancel = &stop;
        cb.epochDone = [&](const EpochMetrics& m) {
            if (m.epoch == 2) stop.cancel();
        };
        QCOMPARE(trainRun(c, run, cb).epochsCompleted, std::int64_t{2});
        QVERIFY(QFile::remove(QString::fromStdString(c.focus)));
        QCOMPARE(resumeRun(run, {}, "cpu", 2).epochsCompleted, std::int64_t{4});

        const RunSummary s = readRunSummary(run);
        QCOMPARE(s.focusCount, std::int64_t{36});
        QCOMPARE(s.focus.set, std::string("picked"));
        QCOMPARE(s.focus.rest, std::string("other"));
        QCOMPARE(s.noisyCount, std::int64_t{51});  // the label noise is still there

        LoadedRun loaded = loadRun(run, "cpu", 2);
        const torch::Tensor expected = torch::zeros({256}, torch::kBool).index_fill_(0, torch::tensor(focusIds), true);
        QVERIFY(loaded.data.focusMask.equal(expected));
        QVERIFY(loaded.data.noiseMask.equal(loaded.data.trainGiven.cpu().ne(loaded.data.trainTrue.cpu())));
        QVERIFY(RunFileReader(run).datasetTensor("focus_mask").to(torch::kBool).equal(expected));
        const EvalSets sets = makeEvalSets(loaded.data, 0);
        QVERIFY(sets.noisyIds.equal(torch::tensor(focusIds)));

        // The stored "noisy" accuracies are the focus set's, the "clean" ones the rest's.
        const std::vector<ExampleStat> stats = evaluateTrainingExamples(run, "cpu", 2);
        for (const ExampleStat& e : stats) QCOMPARE(e.focus, expected[e.id].item<bool>());
        QCOMPARE(s.metrics.back().trainNoisyGivenAcc, fittedFraction(stats, true));
        QCOMPARE(s.metrics.back().trainCleanAcc, fittedFraction(stats, false));

        // Retraining trains on the rest only.
        std::vector<std::int64_t> seen;
        RetrainOptions o;
        o.maxEpochs = 1;
        o.batchObserver = [&](const std::vector<std::int64_t>& batch) { seen.insert(seen.end(), batch.begin(), batch.end()); };
        retrainGroupInPlace(loaded, loaded.groupIndex("fc"), o);
        QVERIFY(seen.size() >= 200);
        for (std::int64_t id : seen) QVERIFY2(!expected[id].item<bool>(), "a focus example was trained on");
    }

    // A focus file listing exactly the mislabeled examples gives the run without one, number for
    // number: the focus path and the label-noise path are one computation.
    void focusOnTheMislabeledEqualsNoFocus() {
        const RunConfig c = memloc::core::testing::tinyConfig(2);
        const std::string plain = path("noise-only.h5"), focused = path("noise-as-focus.h5");
        trainRun(c, plain);
        const torch::Tensor mask = RunFileReader(plain).datasetTensor("noise_mask").to(torch::kBool);
        const torch::Tensor split = RunFileReader(plain).datasetTensor("train_indices");
        const torch::Tensor listed = split.index({mask}).contiguous();  // dataset indices of the mislabeled
        std::string ids;
        for (std::int64_t k = 0; k < listed.size(0); ++k) ids += std::to_string(listed[k].item<std::int64_t>()) + " ";
        writeText(path("mislabeled.txt"), ids);
        RunConfig f = c;
        f.focus = path("mislabeled.txt");
        trainRun(f, focused);
        const RunSummary a = readRunSummary(plain), b = readRunSummary(focused);
        QCOMPARE(b.focusCount, a.noisyCount);
        QCOMPARE(b.metrics.size(), a.metrics.size());
        for (std::size_t e = 1; e < a.metrics.size(); ++e) {
            QCOMPARE(b.metrics[e].trainLoss, a.metrics[e].trainLoss);
            QCOMPARE(b.metrics[e].trainCleanAcc, a.metrics[e].trainCleanAcc);
            QCOMPARE(b.metrics[e].trainNoisyGivenAcc, a.metrics[e].trainNoisyGivenAcc);
        }
        const AccountingSeries x = readAccounting(plain), y = readAccounting(focused);
        QCOMPARE(y.noisyNorm, x.noisyNorm);
        QCOMPARE(y.cosine, x.cosine);
    }

    // Without a focus file the studied set is the mislabeled examples, and no focus_mask is stored.
    void withoutAFocusFileTheSetIsTheMislabeledOnes() {
        const std::string run = path("plain.h5");
        trainRun(memloc::core::testing::tinyConfig(1), run);
        const RunSummary s = readRunSummary(run);
        QCOMPARE(s.focusCount, s.noisyCount);
        QCOMPARE(s.focus.set, std::string("mislabeled"));
        QVERIFY(errorOf([&] { RunFileReader(run).datasetTensor("focus_mask"); }).contains("/dataset/focus_mask is missing"));
        LoadedRun loaded = loadRun(run, "cpu", 2);
        QVERIFY(loaded.data.focusMask.equal(loaded.data.noiseMask));
    }
};

QTEST_GUILESS_MAIN(TestFocus)
#include "test_focus.moc"
