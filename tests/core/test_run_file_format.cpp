// The run file's naming (format 3) on a tiny run holding every analysis; files with the names of
// format 2 read the same; the example-tied dropout hash as docs/guide/run-file.html states it.
#include <torch/torch.h>

#include "io/h5_util.h"
#include "io/run_file.h"
#include "memloc/dropout_eval.h"
#include "memloc/flipping.h"
#include "memloc/neurons.h"
#include "memloc/retraining.h"
#include "memloc/rewinding.h"
#include "memloc/run_summary.h"
#include "memloc/training.h"
#include "models/channel_gate.h"
#include "old_format.h"
#include "tiny_run.h"

#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include <sys/stat.h>

using namespace memloc::core;
using namespace memloc::core::testing;

namespace {

/// The documented 32-bit mixer: three rounds of x ^= x >> 16; x = x * 0x45d9f3b mod 2^32, then
/// x ^= x >> 16.
std::uint32_t mix32(std::uint32_t x) {
    for (int round = 0; round < 3; ++round) {
        x ^= x >> 16;
        x *= 0x45d9f3bu;
    }
    return x ^ (x >> 16);
}

/// The documented mask bit of (example id, dropout layer k, channel c), memorization channels only.
bool documentedOn(std::uint64_t seed, std::uint64_t id, std::uint64_t layer, std::uint64_t channel, double pMem) {
    const auto salt = static_cast<std::uint32_t>(seed * 0x9E3779B1ull + layer * 0x85EBCA6Bull);
    const std::uint32_t h = mix32(mix32(static_cast<std::uint32_t>(id + salt)) + static_cast<std::uint32_t>(channel * 0x27d4eb2dull));
    return static_cast<double>(h) / 4294967296.0 < pMem;
}

/// Whether every part memloc reads from run file `a` equals what it reads from `b`.
void expectSameContent(const std::string& a, const std::string& b) {
    const RunSummary sa = readRunSummary(a), sb = readRunSummary(b);
    QCOMPARE(sb.imageShape, sa.imageShape);
    QCOMPARE(sb.analyses, sa.analyses);
    QCOMPARE(sb.analyses.size(), std::size_t{5});
    const ModelSpec ma = RunFileReader(a).modelSpec(), mb = RunFileReader(b).modelSpec();
    QVERIFY(mb.etd.enabled && ma.etd.enabled);
    QCOMPARE(mb.etd.blocks, ma.etd.blocks);
    QCOMPARE(readAccounting(b).groups, readAccounting(a).groups);
    QCOMPARE(readAccounting(b).cosine, readAccounting(a).cosine);

    const RewindResult rwa = readRewinding(a), rwb = readRewinding(b);
    QCOMPARE(rwb.groups, rwa.groups);
    QCOMPARE(rwb.epochs, rwa.epochs);
    QCOMPARE(rwb.noisyGiven, rwa.noisyGiven);
    const RetrainResult rta = readRetraining(a), rtb = readRetraining(b);
    QCOMPARE(rtb.groups.size(), rta.groups.size());
    QCOMPARE(rtb.groups[0].group, rta.groups[0].group);
    QCOMPARE(rtb.groups[0].series.size(), rta.groups[0].series.size());
    const FlipResult fa = readFlipping(a), fb = readFlipping(b);
    QCOMPARE(fb.options.noisy, fa.options.noisy);
    QCOMPARE(fb.options.clean, fa.options.clean);
    QCOMPARE(fb.groups, fa.groups);
    QCOMPARE(fb.examples.size(), fa.examples.size());
    for (std::size_t i = 0; i < fa.examples.size(); ++i) {
        QCOMPARE(fb.examples[i].units.size(), fa.examples[i].units.size());
        for (std::size_t k = 0; k < fa.examples[i].units.size(); ++k)
            QCOMPARE(fb.examples[i].units[k].parameter, fa.examples[i].units[k].parameter);
    }
    const NeuronScores na = readNeuronScores(a), nb = readNeuronScores(b);
    QCOMPARE(nb.groups, na.groups);
    QCOMPARE(nb.units, na.units);
    QCOMPARE(nb.ablationNoisy, na.ablationNoisy);
    const DropoutEvalResult da = readDropoutEval(a), db = readDropoutEval(b);
    QCOMPARE(db.blocks, da.blocks);
    QCOMPARE(db.modes.size(), da.modes.size());
    QCOMPARE(db.modes[2].mode, da.modes[2].mode);
    QCOMPARE(db.modes[2].noisyGiven, da.modes[2].noisyGiven);
}

} // namespace

class TestRunFileFormat : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::string m_run;

private Q_SLOTS:
    // A tiny example-tied dropout run with gradient accounting and every analysis stored.
    void initTestCase() {
        torch::set_num_threads(2);
        RunConfig c = tinyConfig(4);
        c.dropout = "example-tied";
        c.pGen = 0.5;
        c.pMem = 0.25;
        c.dropoutBlocks = "2,3,5,6";
        m_run = m_dir.filePath("all.h5").toStdString();
        trainRun(c, m_run);
        RewindOptions rw;
        rw.groups = {"conv1", "fc"};
        rw.epochs = {0, 2};
        rw.evalSubset = 32;
        rw.run.device = "cpu";
        runRewinding(m_run, rw);
        RetrainOptions rt;
        rt.groups = {"fc"};
        rt.maxEpochs = 1;
        rt.evalSubset = 32;
        rt.run.device = "cpu";
        runRetraining(m_run, rt);
        FlipOptions fl;
        fl.noisy = 2;
        fl.clean = 2;
        fl.batch = 16;
        fl.maxUnits = 8;
        fl.evalSubset = 32;
        fl.run.device = "cpu";
        runFlipping(m_run, fl);
        NeuronOptions ne;
        ne.attributionExamples = 8;
        ne.evalSubset = 32;
        ne.run.device = "cpu";
        runNeuronScores(m_run, ne);
        AnalysisRunOptions de;
        de.device = "cpu";
        runDropoutEval(m_run, 32, de);
    }

    // Attributes hold single values, lists are datasets, no attribute is named like a child.
    void formatThreeFollowsTheNamingRule() {
        QCOMPARE(readRunSummary(m_run).formatVersion, 3);
        const std::vector<std::string> violations = namingRuleViolations(m_run);
        QVERIFY2(violations.empty(), violations.empty() ? "" : violations.front().c_str());
        const H5::H5File f(m_run, H5F_ACC_RDONLY);
        for (const char* path : {"dataset/image_shape", "dataset/normalize_mean", "model/dropout_blocks",
                                 "accounting/group_names", "analyses/rewinding/group_names",
                                 "analyses/rewinding/rewind_epochs", "analyses/retraining/group_names",
                                 "analyses/retraining/groups/fc", "analyses/flipping/group_names",
                                 "analyses/flipping/parameter_names", "analyses/neurons/group_names",
                                 "analyses/neurons/group_units", "analyses/dropout_eval/dropout_blocks",
                                 "analyses/dropout_eval/mode_names", "analyses/dropout_eval/column_names"})
            QVERIFY2(f.nameExists(path), path);
    }

    // A file with the names of format 2 reads the same; an analysis added to it gets the format 3
    // names while the file keeps format_version 2.
    void olderNamesStillRead() {
        const QString old = QString::fromStdString(m_run + ".v2.h5");
        QVERIFY(QFile::copy(QString::fromStdString(m_run), old));
        downgradeToFormat2(old.toStdString());
        QCOMPARE(readRunSummary(old.toStdString()).formatVersion, 2);
        QVERIFY(!namingRuleViolations(old.toStdString()).empty());  // it really has the old names
        expectSameContent(m_run, old.toStdString());

        AnalysisRunOptions o;
        o.device = "cpu";
        runDropoutEval(old.toStdString(), 0, o);
        QCOMPARE(readRunSummary(old.toStdString()).formatVersion, 2);
        {
            const H5::H5File f(old.toStdString(), H5F_ACC_RDONLY);
            const H5::Group g = f.openGroup("analyses/dropout_eval");
            QVERIFY(g.nameExists("mode_names") && g.nameExists("dropout_blocks") && !g.attrExists("blocks"));
        }
        QCOMPARE(readDropoutEval(old.toStdString()).blocks, (std::vector<std::int64_t>{2, 3, 5, 6}));
        QCOMPARE(readRewinding(old.toStdString()).epochs, (std::vector<std::int64_t>{0, 2}));
    }

    // A format 2 file with the old names, resumed: its epoch is saved in place, into the room laid
    // out for it (the file neither grows nor is copied), and the file stays format 2.
    void resumesFormatTwoInPlace() {
        const std::string path = m_dir.filePath("resume.h5").toStdString();
        trainRun(tinyConfig(2), path);
        downgradeToFormat2(path);
        {
            H5::H5File f(path, H5F_ACC_RDWR);
            h5::writeAttr(f, "epochs_completed", std::int64_t{1});  // as if killed during epoch 2
        }
        const qint64 size = QFileInfo(QString::fromStdString(path)).size();
        struct stat before {}, after {};
        QCOMPARE(::stat(path.c_str(), &before), 0);
        resumeRun(path);
        QCOMPARE(::stat(path.c_str(), &after), 0);
        QCOMPARE(after.st_ino, before.st_ino);  // the same file: no copy renamed over it
        const RunSummary s = readRunSummary(path);
        QCOMPARE(s.epochsCompleted, std::int64_t{2});
        QCOMPARE(s.formatVersion, 2);
        QCOMPARE(QFileInfo(QString::fromStdString(path)).size(), size);
        QVERIFY(!QFile::exists(QString::fromStdString(path + ".saving")));
        QCOMPARE(readAccounting(path).groups.size(), std::size_t{9});
        QCOMPARE(readAccounting(path).cosine.size(), std::size_t{2});
    }

    // The mask hash as the format documentation writes it equals etdExampleMask bit for bit.
    void exampleTiedMaskHashAsDocumented() {
        for (const auto& [seed, pGen, pMem] : {std::tuple<std::uint64_t, double, double>{0, 0.5, 0.25},
                                               {7, 0.4, 0.1}, {123456789, 0.2, 0.6}}) {
            EtdSpec spec;
            spec.enabled = true;
            spec.seed = seed;
            spec.pGen = pGen;
            spec.pMem = pMem;
            const torch::Tensor ids = torch::arange(300, torch::kLong);
            for (std::int64_t layer : {0, 1, 3}) {
                const std::int64_t channels = 37;
                const torch::Tensor mask = etdExampleMask(ids, layer, channels, spec);
                const std::int64_t gen = etdGeneralizationChannels(channels, pGen);
                QCOMPARE(gen, static_cast<std::int64_t>(std::llround(pGen * channels)));
                for (std::int64_t i = 0; i < ids.size(0); ++i)
                    for (std::int64_t c = 0; c < channels; ++c) {
                        const bool expected = c < gen || documentedOn(seed, static_cast<std::uint64_t>(i),
                                                                      static_cast<std::uint64_t>(layer),
                                                                      static_cast<std::uint64_t>(c), pMem);
                        if (mask[i][c].item<bool>() != expected)
                            QFAIL(qPrintable(QString("seed %1 layer %2 id %3 channel %4").arg(seed).arg(layer).arg(i).arg(c)));
                    }
            }
        }
        // The values the Python reader's copy of the hash is checked against
        // (tests/python/test_memloc_run.py): seed 3, layer 2, p_gen 0.25, p_mem 0.5, ids 0..3 x 8 channels.
        EtdSpec spec;
        spec.enabled = true;
        spec.seed = 3;
        spec.pGen = 0.25;
        spec.pMem = 0.5;
        const torch::Tensor mask = etdExampleMask(torch::arange(4, torch::kLong), 2, 8, spec);
        std::string bits;
        for (std::int64_t i = 0; i < 4; ++i)
            for (std::int64_t c = 0; c < 8; ++c) bits += mask[i][c].item<bool>() ? '1' : '0';
        QCOMPARE(bits, std::string("11001101110100001110001111110001"));
    }

    // etd_rounding: a floor run stores it as a /model attribute and reads back the masks it trained
    // with; a file without the attribute (written before it existed) reads as round.
    void etdRoundingStoredAndRead() {
        QTemporaryDir dir;
        RunConfig c = tinyConfig(2);
        c.dropout = "example-tied";
        c.pGen = 0.3;  // blocks of 16 and 32 channels: 4.8 and 9.6, so floor and round differ
        c.pMem = 0.25;
        c.dropoutBlocks = "2,3,5,6";
        c.etdRounding = "floor";
        c.accounting = false;
        const std::string path = dir.filePath("floor.h5").toStdString();
        trainRun(c, path, {}, true);
        {
            H5::H5File f(path, H5F_ACC_RDONLY);
            QCOMPARE(h5::readStringAttr(f.openGroup("model"), "etd_rounding"), std::string("floor"));
        }
        QCOMPARE(readRunSummary(path).config.etdRounding, std::string("floor"));
        const ModelSpec spec = RunFileReader(path).modelSpec();
        QVERIFY(spec.etd.rounding == EtdSpec::Rounding::Floor);

        // The masks of the reloaded spec are those of the training spec, not round's.
        EtdSpec trained;
        trained.enabled = true;
        trained.pGen = 0.3;
        trained.pMem = 0.25;
        trained.seed = static_cast<std::uint64_t>(c.seed);
        trained.rounding = EtdSpec::Rounding::Floor;
        EtdSpec rounded = trained;
        rounded.rounding = EtdSpec::Rounding::Round;
        const torch::Tensor ids = torch::arange(256, torch::kLong);
        const std::int64_t channels[] = {16, 32, 32, 16};  // blocks 2, 3, 5, 6 at width 0.125
        for (std::int64_t k = 0; k < 4; ++k) {
            const torch::Tensor mask = etdExampleMask(ids, k, channels[k], spec.etd);
            QVERIFY(mask.equal(etdExampleMask(ids, k, channels[k], trained)));
            QVERIFY(!mask.equal(etdExampleMask(ids, k, channels[k], rounded)));
        }
        // The reloaded model in the standard mode (each example's own mask) scores what training
        // measured with those masks at the last epoch.
        AnalysisRunOptions o;
        o.device = "cpu";
        const DropoutEvalResult r = runDropoutEval(path, 0, o);
        const EpochMetrics& last = readRunSummary(path).metrics.back();
        QCOMPARE(r.modes[0].clean, last.trainCleanAcc);
        QCOMPARE(r.modes[0].noisyGiven, last.trainNoisyGivenAcc);

        // Before etd_rounding existed, /model had no such attribute and memloc rounded.
        const std::string old = dir.filePath("old.h5").toStdString();
        QVERIFY(QFile::copy(QString::fromStdString(path), QString::fromStdString(old)));
        {
            H5::H5File f(old, H5F_ACC_RDWR);
            f.openGroup("model").removeAttr("etd_rounding");
        }
        QVERIFY(RunFileReader(old).modelSpec().etd.rounding == EtdSpec::Rounding::Round);
    }
};

QTEST_GUILESS_MAIN(TestRunFileFormat)
#include "test_run_file_format.moc"
