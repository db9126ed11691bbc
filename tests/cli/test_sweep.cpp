// memloc-cli sweep on tiny synthetic runs: the manifest, skipping finished runs, resuming after a
// kill in the middle, two processes sharing one sweep, and bad input.
#include "memloc/compare.h"
#include "memloc/experiment.h"
#include "memloc/rewinding.h"
#include "memloc/run_summary.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>

#include <cmath>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace {

struct Result {
    int code = -1;
    QString out, err;
};

Result runCli(const QStringList& args, const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(MEMLOC_CLI), args);
    if (!p.waitForFinished(600000)) p.kill();
    p.waitForFinished();
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

QString writeBase(const QTemporaryDir& dir, int epochs) {
    const QString path = dir.filePath(QStringLiteral("base.json"));
    QFile f(path);
    f.open(QIODevice::WriteOnly);
    f.write(QStringLiteral(R"({"dataset": "synthetic", "synthetic_train": 128, "synthetic_test": 32,
        "synthetic_size": 12, "subset": 0, "test_subset": 0, "width": 0.125, "epochs": %1,
        "batch_size": 32, "device": "cpu", "accounting": false})")
                .arg(epochs)
                .toUtf8());
    return path;
}

QStringList sweepArgs(const QString& base, const QString& out, const QString& analyses = QStringLiteral("rewind,flip")) {
    return {"sweep", "--config", base, "--vary", "noise=0.1,0.25", "--vary", "seed=0,1", "--analyses", analyses,
            "--eval-subset", "32", "--flip-examples", "2", "--threads", "1", "--out", out};
}

QJsonObject manifest(const QString& folder) {
    QFile f(folder + QStringLiteral("/experiment.json"));
    f.open(QIODevice::ReadOnly);
    return QJsonDocument::fromJson(f.readAll()).object();
}

/// (inode, modification time in ns) of a file: whether a later step rewrote it.
QPair<qint64, qint64> identity(const QString& path) {
    struct stat s {};
    ::stat(path.toLocal8Bit().constData(), &s);
    return {qint64(s.st_ino), qint64(s.st_mtim.tv_sec) * 1000000000 + s.st_mtim.tv_nsec};
}

QJsonObject inspect(const QString& run) {
    return QJsonDocument::fromJson(runCli({"inspect", run, "--json"}).out.toUtf8()).object();
}

} // namespace

class TestSweep : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void planNamesAndAssignsRuns() {
        using namespace memloc::core;
        const Experiment e = planExperiment("x", R"({"dataset": "synthetic"})",
                                            {{"noise", {"0.1", "0.2"}}, {"dropout", {"none", "example-tied"}}}, {"flip", "rewind"});
        QCOMPARE(e.runs.size(), size_t(4));
        QCOMPARE(QString::fromStdString(e.runs[1].name), QStringLiteral("noise=0.1,dropout=example-tied"));
        QCOMPARE(QString::fromStdString(e.runs[1].path), QStringLiteral("runs/noise-0.1_dropout-example-tied.h5"));
        QCOMPARE(e.analyses, (std::vector<std::string>{"rewind", "flip"}));  // run order, not the order given
        QVERIFY(QString::fromStdString(experimentRunConfig(e, 2)).contains(QStringLiteral("\"noise\": 0.2")));
        QCOMPARE(runsOfProcess(5, 1, 2), (std::vector<std::size_t>{1, 3}));
        QCOMPARE(runsOfProcess(5, 0, 2), (std::vector<std::size_t>{0, 2, 4}));
        QCOMPARE(runsOfProcess(1, 2, 3), (std::vector<std::size_t>{}));
    }

    void bandsByHand() {
        const memloc::core::Band b = memloc::core::bandOf({0.1, std::nan(""), 0.2, 0.6});
        QCOMPARE(b.n, 3);
        QVERIFY(std::abs(b.mean - 0.3) < 1e-15);
        QCOMPARE(b.min, 0.1);
        QCOMPARE(b.max, 0.6);
        QVERIFY(std::abs(b.sd - std::sqrt(0.07)) < 1e-15);  // ((0.2^2 + 0.1^2 + 0.3^2) / 2)^0.5
        QCOMPARE(memloc::core::bandOf({0.5}).sd, 0.0);
        QCOMPARE(memloc::core::bandOf({}).n, 0);
    }

    void sweepWritesManifestAndRuns() {
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("exp"));
        const Result r = runCli(sweepArgs(writeBase(dir, 2), out));
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonObject m = manifest(out);
        QCOMPARE(m.value(QStringLiteral("format")).toString(), QStringLiteral("memloc-experiment"));
        const QJsonArray runs = m.value(QStringLiteral("runs")).toArray();
        QCOMPARE(runs.size(), 4);
        for (const QJsonValue& v : runs) {
            const QJsonObject run = v.toObject();
            QCOMPARE(run.value(QStringLiteral("state")).toString(), QStringLiteral("done"));
            QCOMPARE(run.value(QStringLiteral("analyses_done")).toArray().size(), 2);
            // The run file trained with exactly the settings its entry names.
            const QJsonObject info = inspect(out + QLatin1Char('/') + run.value(QStringLiteral("path")).toString());
            const QJsonObject settings = run.value(QStringLiteral("settings")).toObject();
            const QJsonObject config = info.value(QStringLiteral("config")).toObject();
            QCOMPARE(config.value(QStringLiteral("noise")).toDouble(), settings.value(QStringLiteral("noise")).toString().toDouble());
            QCOMPARE(config.value(QStringLiteral("seed")).toInt(), settings.value(QStringLiteral("seed")).toString().toInt());
            QCOMPARE(info.value(QStringLiteral("epochs")).toInt(), 2);
            const QJsonArray analyses = info.value(QStringLiteral("analyses")).toArray();
            QVERIFY(analyses.contains(QStringLiteral("rewinding")) && analyses.contains(QStringLiteral("flipping")));
        }
        QVERIFY(r.out.contains(QStringLiteral("[run 4/4, 4 of 4 done here]")));

        // compare: one condition per noise rate, averaged over the seeds; the bands equal the
        // ones computed here by hand from each run's stored numbers.
        const memloc::core::Comparison c = memloc::core::compareRuns({out.toStdString()});
        QCOMPARE(c.varied, std::vector<std::string>{"noise"});
        QCOMPARE(c.seedKeys, std::vector<std::string>{"seed"});
        QCOMPARE(c.conditions.size(), size_t(2));
        for (const auto& cond : c.conditions) {
            QCOMPARE(cond.runs.size(), size_t(2));
            double memorized[2], drop[2];
            for (int k = 0; k < 2; ++k) {
                const auto summary = memloc::core::readRunSummary(cond.runs[size_t(k)]);
                memorized[k] = summary.metrics.back().trainNoisyGivenAcc;
                const auto rw = memloc::core::readRewinding(cond.runs[size_t(k)]);
                const auto e = size_t(std::find(rw.epochs.begin(), rw.epochs.end(), cond.rewindEpoch) - rw.epochs.begin());
                drop[k] = rw.finalModel.noisyGiven - rw.noisyGiven[2][e];  // group res1.a
            }
            const memloc::core::Band m = cond.memorized.back();
            QCOMPARE(m.n, 2);
            QVERIFY(std::abs(m.mean - (memorized[0] + memorized[1]) / 2) < 1e-12);
            QCOMPARE(m.min, std::min(memorized[0], memorized[1]));
            QCOMPARE(m.max, std::max(memorized[0], memorized[1]));
            QVERIFY(std::abs(m.sd - std::abs(memorized[0] - memorized[1]) / std::sqrt(2.0)) < 1e-12);
            QCOMPARE(cond.memorized.size(), size_t(3));  // epochs 0, 1, 2
            QCOMPARE(cond.rewindEpoch, std::int64_t(1));
            QVERIFY(std::abs(cond.rewindDrop[2].mean - (drop[0] + drop[1]) / 2) < 1e-12);
            QCOMPARE(cond.unitsClean.n, 2);
        }
        const Result table = runCli({"compare", out});
        QVERIFY2(table.code == 0, qPrintable(table.err));
        QVERIFY(table.out.contains(QStringLiteral("4 runs in 2 conditions (varied: noise; averaged over: seed)")));
        const QJsonObject json = QJsonDocument::fromJson(runCli({"compare", out, "--json"}).out.toUtf8()).object();
        QCOMPARE(json.value(QStringLiteral("conditions")).toArray().size(), 2);
        QCOMPARE(json.value(QStringLiteral("conditions")).toArray()[1].toObject().value(QStringLiteral("name")).toString(),
                 QStringLiteral("noise=0.25"));

        // The same command again: every run skipped, no run file rewritten.
        const auto before = identity(out + QStringLiteral("/runs/noise-0.25_seed-1.h5"));
        const Result again = runCli(sweepArgs(writeBase(dir, 2), out));
        QVERIFY2(again.code == 0, qPrintable(again.err));
        QCOMPARE(again.out.count(QStringLiteral("already complete: skipped")), 4);
        QCOMPARE(identity(out + QStringLiteral("/runs/noise-0.25_seed-1.h5")), before);

        // Another experiment in the same folder is refused, naming the manifest.
        QStringList other = sweepArgs(writeBase(dir, 2), out);
        other[4] = QStringLiteral("noise=0.1,0.3");
        const Result refused = runCli(other);
        QCOMPARE(refused.code, 1);
        QVERIFY(refused.err.contains(QStringLiteral("experiment.json: this folder holds another experiment")));
    }

    // SIGKILL while the second run trains: the first run stays as it was, the second resumes from
    // its last saved epoch, the rest train; the manifest ends with every run done.
    void resumesAfterAKill() {
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("exp"));
        const QString base = writeBase(dir, 6);
        QProcess p;
        p.start(QStringLiteral(MEMLOC_CLI), sweepArgs(base, out, QStringLiteral("rewind")));
        QVERIFY(p.waitForStarted());
        QString seen;
        while (!seen.contains(QStringLiteral("noise=0.1,seed=1: epoch 2/6")) && p.state() == QProcess::Running) {
            p.waitForReadyRead(100);
            seen += QString::fromUtf8(p.readAllStandardOutput());
        }
        QVERIFY2(p.state() == QProcess::Running, qPrintable(seen));
        p.kill();  // SIGKILL: no clean-up at all
        p.waitForFinished();
        QCOMPARE(manifest(out).value(QStringLiteral("runs")).toArray()[0].toObject().value(QStringLiteral("state")).toString(),
                 QStringLiteral("done"));
        const auto first = identity(out + QStringLiteral("/runs/noise-0.1_seed-0.h5"));
        const int saved = inspect(out + QStringLiteral("/runs/noise-0.1_seed-1.h5")).value(QStringLiteral("epochs")).toInt();
        QVERIFY2(saved >= 2 && saved < 6, qPrintable(QString::number(saved)));

        const Result again = runCli(sweepArgs(base, out, QStringLiteral("rewind")));
        QVERIFY2(again.code == 0, qPrintable(again.err));
        QVERIFY(again.out.contains(QStringLiteral("noise=0.1,seed=0: done (already complete: skipped)")));
        QVERIFY2(again.out.contains(QStringLiteral("noise=0.1,seed=1: resuming at epoch %1").arg(saved)), qPrintable(again.out));
        QVERIFY(!again.out.contains(QStringLiteral("noise=0.1,seed=1: epoch 1/6")));
        QCOMPARE(identity(out + QStringLiteral("/runs/noise-0.1_seed-0.h5")), first);
        for (const QJsonValue& v : manifest(out).value(QStringLiteral("runs")).toArray())
            QCOMPARE(v.toObject().value(QStringLiteral("state")).toString(), QStringLiteral("done"));
    }

    // Two processes started torchrun-style share the sweep: process r does runs r, r + 2.
    void twoProcessesSplitTheRuns() {
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("exp"));
        const QString base = writeBase(dir, 1);
        QProcess ranks[2];
        for (int r = 0; r < 2; ++r) {
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("WORLD_SIZE"), QStringLiteral("2"));
            env.insert(QStringLiteral("RANK"), QString::number(r));
            ranks[r].setProcessEnvironment(env);
            ranks[r].start(QStringLiteral(MEMLOC_CLI), sweepArgs(base, out, QStringLiteral("rewind")));
        }
        QString output[2];
        for (int r = 0; r < 2; ++r) {
            QVERIFY(ranks[r].waitForFinished(600000));
            output[r] = QString::fromUtf8(ranks[r].readAllStandardOutput());
            QVERIFY2(ranks[r].exitCode() == 0, qPrintable(QString::fromUtf8(ranks[r].readAllStandardError())));
        }
        QVERIFY(output[0].contains(QStringLiteral("process 0 of 2 does 2 of them")));
        QVERIFY(output[0].contains(QStringLiteral("noise=0.1,seed=0: done")) && output[0].contains(QStringLiteral("noise=0.25,seed=0: done")));
        QVERIFY(!output[0].contains(QStringLiteral("seed=1:")));
        QVERIFY(output[1].contains(QStringLiteral("noise=0.1,seed=1: done")) && output[1].contains(QStringLiteral("noise=0.25,seed=1: done")));
        QVERIFY(!output[1].contains(QStringLiteral("seed=0:")));
        // Both recorded their runs in the one manifest.
        for (const QJsonValue& v : manifest(out).value(QStringLiteral("runs")).toArray())
            QCOMPARE(v.toObject().value(QStringLiteral("state")).toString(), QStringLiteral("done"));
    }

    void badInput_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("message");
        QTest::newRow("no --out") << QStringList{"sweep", "--vary", "noise=0.1"} << 2 << "needs --out";
        QTest::newRow("vary without =") << QStringList{"sweep", "--vary", "noise", "--out", "x"} << 2 << "KEY=V1,V2";
        QTest::newRow("empty value") << QStringList{"sweep", "--vary", "noise=0.1,,0.2", "--out", "x"} << 2 << "empty value";
        QTest::newRow("unknown key") << QStringList{"sweep", "--vary", "nosie=0.1", "--out", "x"} << 1 << "nosie";
        QTest::newRow("nonsense value") << QStringList{"sweep", "--vary", "noise=2", "--out", "x"} << 1 << "noise";
        QTest::newRow("varied twice") << QStringList{"sweep", "--vary", "seed=0", "--vary", "seed=1", "--out", "x"} << 1 << "varied twice";
        QTest::newRow("unknown analysis") << QStringList{"sweep", "--vary", "seed=0", "--analyses", "rewinding", "--out", "x"} << 1
                                         << "analysis 'rewinding' is unknown";
    }

    void badInput() {
        QFETCH(QStringList, args);
        QFETCH(int, code);
        QFETCH(QString, message);
        QTemporaryDir dir;
        args.replaceInStrings(QRegularExpression(QStringLiteral("^x$")), dir.filePath(QStringLiteral("exp")));
        const Result r = runCli(args);
        QCOMPARE(r.code, code);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
        QVERIFY(!QFileInfo::exists(dir.filePath(QStringLiteral("exp/experiment.json"))));
    }
};

QTEST_MAIN(TestSweep)
#include "test_sweep.moc"
