// memloc-cli on bad input: each bad command line, config file, import source or
// output path gives one clear error line and a non-zero exit, and writes nothing; a full disk or
// a failed write while training ends with a clear error and leaves every saved epoch readable.
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <signal.h>
#include <sys/resource.h>

namespace {

struct Result {
    int code = -1;
    QString out, err;
};

/// Runs memloc-cli; `fileSizeLimit` > 0 caps the size of every file it writes (RLIMIT_FSIZE, as a
/// full disk would: writes past it fail with EFBIG instead of raising SIGXFSZ).
Result runCli(const QStringList& args, qint64 fileSizeLimit = 0) {
    QProcess p;
    if (fileSizeLimit > 0) {
        p.setChildProcessModifier([fileSizeLimit] {
            ::signal(SIGXFSZ, SIG_IGN);
            const rlimit limit{static_cast<rlim_t>(fileSizeLimit), static_cast<rlim_t>(fileSizeLimit)};
            ::setrlimit(RLIMIT_FSIZE, &limit);
        });
    }
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("OMP_WAIT_POLICY", "PASSIVE");
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(MEMLOC_CLI), args);
    if (!p.waitForFinished(300000)) {
        p.kill();
        p.waitForFinished();
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

/// The tiny synthetic run of tests/core/tiny_run.h (ResNet-9 width 0.125, ~0.1 s per epoch).
QStringList tinyTrain(const QString& out, int epochs) {
    return {"train", "--dataset", "synthetic", "--synthetic-train", "256", "--synthetic-test", "64",
            "--synthetic-size", "16", "--synthetic-classes", "4", "--noise", "0.2", "--width", "0.125",
            "--epochs", QString::number(epochs), "--batch-size", "32", "--device", "cpu", "--threads", "1",
            "--out", out};
}

bool writeText(const QString& path, const QByteArray& text) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(text) == text.size();
}

/// The whole file; empty when it cannot be read.
QByteArray fileBytes(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QJsonObject inspectJson(const QString& run) {
    const Result r = runCli({"inspect", run, "--json"});
    return r.code == 0 ? QJsonDocument::fromJson(r.out.toUtf8()).object() : QJsonObject();
}

} // namespace

class TestCliBadInput : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString path(const QString& name) const { return m_dir.filePath(name); }
    QString never() const { return path("never-written.h5"); }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        QVERIFY(writeText(path("bad.json"), "{\"epochs\": 2,\n"));
        QVERIFY(writeText(path("unknown-key.json"), "{\"epochz\": 2}\n"));
        QVERIFY(writeText(path("wrong-type.json"), "{\"epochs\": \"two\"}\n"));
        QVERIFY(writeText(path("array.json"), "[1, 2]\n"));
        QVERIFY(writeText(path("negative-lr.json"), "{\"dataset\": \"synthetic\", \"lr\": -1}\n"));
        QVERIFY(writeText(path("noise-one.json"), "{\"dataset\": \"synthetic\", \"noise\": 1.0}\n"));
        QVERIFY(writeText(path("empty.json"), ""));
        QVERIFY(writeText(path("labels-short.txt"), "0 1 2\n"));
        QVERIFY(writeText(path("not-a-checkpoint.pt"), "hello, this is text\n"));
        QVERIFY(QDir().mkpath(path("folder.h5")));
    }

    void badInput_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("message");
        const QStringList train = {"train", "--dataset", "synthetic", "--out", never()};
        const auto withConfig = [&](const QString& file) { return train + QStringList{"--config", path(file)}; };
        // Settings on the command line.
        QTest::newRow("negative noise") << (train + QStringList{"--noise", "-0.1"}) << 1 << "noise must be a fraction";
        QTest::newRow("noise >= 1") << (train + QStringList{"--noise", "1"}) << 1 << "noise must be a fraction";
        QTest::newRow("noise nan") << (train + QStringList{"--noise", "nan"}) << 2 << "--noise expects a finite number";
        QTest::newRow("zero batch") << (train + QStringList{"--batch-size", "0"}) << 1 << "batch_size must be >= 1";
        QTest::newRow("zero epochs") << (train + QStringList{"--epochs", "0"}) << 1 << "epochs must be >= 1";
        QTest::newRow("zero lr") << (train + QStringList{"--lr", "0"}) << 1 << "lr must be > 0";
        QTest::newRow("zero width") << (train + QStringList{"--width", "0"}) << 1 << "width must be in";
        QTest::newRow("negative threads") << (train + QStringList{"--threads", "-2"}) << 1 << "threads must be >= 0";
        QTest::newRow("unknown device") << (train + QStringList{"--device", "tpu"}) << 1 << "device 'tpu' is unknown";
        QTest::newRow("unknown schedule") << (train + QStringList{"--schedule", "weird"}) << 1 << "schedule 'weird' is unknown";
        QTest::newRow("p_gen > 1") << (train + QStringList{"--dropout", "example-tied", "--p-gen", "1.5"}) << 1
                                   << "p_gen must be in (0, 1]";
        QTest::newRow("negative subset") << (train + QStringList{"--subset", "-1"}) << 1 << "subset must be >= 0";
        QTest::newRow("unknown model") << (train + QStringList{"--model", "vgg"}) << 1 << "model 'vgg' is unknown";
        QTest::newRow("missing dataset") << QStringList{"train", "--dataset", "mnist", "--data-dir", "/nonexistent/mnist",
                                                       "--out", never()}
                                         << 1 << "/nonexistent/mnist";
        QTest::newRow("unknown dataset") << (train + QStringList{"--dataset", "imagenet"}) << 1 << "imagenet";
        QTest::newRow("integer as text") << (train + QStringList{"--epochs", "2.5"}) << 2 << "--epochs expects an integer";
        // Config files.
        QTest::newRow("config: bad JSON") << withConfig("bad.json") << 1 << "not valid JSON";
        QTest::newRow("config: empty") << withConfig("empty.json") << 1 << "not valid JSON";
        QTest::newRow("config: unknown key") << withConfig("unknown-key.json") << 1 << "unknown setting \"epochz\"";
        QTest::newRow("config: wrong type") << withConfig("wrong-type.json") << 1 << "\"epochs\" must be an integer";
        QTest::newRow("config: not an object") << withConfig("array.json") << 1 << "expected a JSON object";
        QTest::newRow("config: negative lr") << withConfig("negative-lr.json") << 1 << "lr must be > 0";
        QTest::newRow("config: noise 1") << withConfig("noise-one.json") << 1 << "noise must be a fraction";
        QTest::newRow("config: missing") << withConfig("nonexistent.json") << 1 << "cannot open";
        // Output paths that cannot be written.
        QTest::newRow("out under a file") << QStringList{"train", "--dataset", "synthetic", "--out", "/dev/null/x.h5"} << 1
                                          << "/dev/null/x.h5";
        QTest::newRow("out in /proc") << QStringList{"train", "--dataset", "synthetic", "--synthetic-train", "64",
                                                     "--epochs", "1", "--out", "/proc/memloc-x.h5"}
                                      << 1 << "/proc/memloc-x.h5";
        QTest::newRow("out is a folder") << QStringList{"train", "--dataset", "synthetic", "--out", path("folder.h5")} << 1
                                         << "folder.h5";
        // Run files that are not runs.
        QTest::newRow("resume: missing") << QStringList{"train", "--resume", path("nonexistent.h5")} << 1 << "no such file";
        QTest::newRow("resume: not HDF5") << QStringList{"train", "--resume", path("bad.json")} << 1 << "not an HDF5 file";
        QTest::newRow("resume: folder") << QStringList{"train", "--resume", path("folder.h5")} << 1 << "is a folder";
        QTest::newRow("rewind: not HDF5") << QStringList{"rewind", path("bad.json")} << 1 << "not an HDF5 file";
        QTest::newRow("flip: missing") << QStringList{"flip", path("nonexistent.h5")} << 1 << "no such file";
        QTest::newRow("drop: missing") << QStringList{"drop", path("nonexistent.h5"), "--units", "0:0"} << 1 << "no such file";
        QTest::newRow("export: missing") << QStringList{"export-checkpoint", path("nonexistent.h5"), "--out", path("x.pt")}
                                         << 1 << "no such file";
        // Import sources.
        const QString fixtures = MEMLOC_SOURCE_DIR "/tests/fixtures/";
        const QStringList importData = {"--dataset", "synthetic", "--synthetic-train", "64", "--synthetic-test", "16",
                                        "--synthetic-size", "16", "--out", never()};
        QTest::newRow("import: missing file") << (QStringList{"import", path("nonexistent.pt")} + importData) << 1
                                              << "nonexistent.pt";
        QTest::newRow("import: not a checkpoint") << (QStringList{"import", path("not-a-checkpoint.pt")} + importData) << 1
                                                  << "not-a-checkpoint.pt";
        QTest::newRow("import: legacy format") << (QStringList{"import", fixtures + "checkpoints/legacy.pt"} + importData)
                                               << 1 << "legacy torch.save format";
        QTest::newRow("import: forbidden global") << (QStringList{"import", fixtures + "checkpoints/forbidden_global.pt"} + importData)
                                                  << 1 << "refuses to load global";
        QTest::newRow("import: labels of wrong length")
            << (QStringList{"import", fixtures + "resnet9_w0125.pt", "--given-labels", path("labels-short.txt")} + importData)
            << 1 << "labels-short.txt";
    }
    void badInput() {
        QFETCH(QStringList, args);
        QFETCH(int, code);
        QFETCH(QString, message);
        const Result r = runCli(args);
        QVERIFY2(r.code == code, qPrintable(QString("exit %1, expected %2: %3").arg(r.code).arg(code).arg(r.err)));
        QVERIFY2(r.err.contains(message, Qt::CaseInsensitive), qPrintable(r.err));
        QVERIFY2(r.err.count('\n') == 1, qPrintable(r.err));  // one clear line
        QVERIFY(!QFile::exists(never()));
        QVERIFY(!QFile::exists(never() + ".partial"));
    }

    // A full disk while training: the run file reserves the room of every planned epoch when it is
    // made and never grows, so a disk that takes the new file takes every epoch (no .saving copy),
    // and one that cannot hold the whole run fails at the start in one line, leaving no file.
    void diskFullWhileTraining() {
        const QString sized = path("disk-sized.h5");
        QCOMPARE(runCli(tinyTrain(sized, 12)).code, 0);
        const qint64 size = QFileInfo(sized).size();
        const QString run = path("disk-full.h5");
        const Result r = runCli(tinyTrain(run, 12), size + size / 2);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(inspectJson(run)["epochs"].toInt(), 12);
        QCOMPARE(QFileInfo(run).size(), size);
        QVERIFY(!QFile::exists(run + ".saving"));

        const QString small = path("disk-small.h5");
        const Result s = runCli(tinyTrain(small, 12), size / 2);
        QCOMPARE(s.code, 1);
        QVERIFY2(s.err.count('\n') == 1 && s.err.contains("cannot write the new run file") &&
                     s.err.contains("12 epochs needs"),
                 qPrintable(s.err));
        QVERIFY(!QFile::exists(small));
        QVERIFY(!QFile::exists(small + ".partial"));
    }

    // A disk too full for even the new run file: one error line, exit 1, no file (not a broken
    // one), no crash at exit; with --overwrite the run already there is kept as it was.
    void diskFullCreatingRunFile() {
        const QString run = path("no-room.h5");
        const Result r = runCli(tinyTrain(run, 2), 100'000);
        QVERIFY2(r.code == 1, qPrintable(QString("exit %1: %2").arg(r.code).arg(r.err)));
        QVERIFY2(r.err.count('\n') == 1 && r.err.contains("cannot write the new run file"), qPrintable(r.err));
        QVERIFY(!QFile::exists(run));
        QVERIFY(!QFile::exists(run + ".partial"));

        const QString kept = path("kept.h5");
        QCOMPARE(runCli(tinyTrain(kept, 2)).code, 0);
        const QByteArray before = fileBytes(kept);
        QVERIFY(!before.isEmpty());
        const Result over = runCli(tinyTrain(kept, 2) << "--overwrite", 100'000);
        QVERIFY2(over.code == 1, qPrintable(QString("exit %1: %2").arg(over.code).arg(over.err)));
        QVERIFY(fileBytes(kept) == before);
        QCOMPARE(inspectJson(kept)["epochs"].toInt(), 2);
    }

    // A full disk while an analysis is stored: one error line, exit 1, the run file unchanged
    // (its epochs and earlier analyses), no crash at exit; with room the analysis is stored.
    void diskFullStoringAnalysis() {
        const QString run = path("analysis-room.h5");
        QCOMPARE(runCli(tinyTrain(run, 2)).code, 0);
        const qint64 size = QFileInfo(run).size();
        const QByteArray before = fileBytes(run);
        QVERIFY(!before.isEmpty());
        const QStringList flip{"flip", run, "--noisy", "2", "--clean", "2", "--batch", "16", "--eval-subset", "32",
                               "--threads", "1"};
        for (qint64 limit : {size / 2, size + 4096}) {  // the copy fails; the reservation fails
            const Result r = runCli(flip, limit);
            QVERIFY2(r.code == 1, qPrintable(QString("limit %1: exit %2: %3").arg(limit).arg(r.code).arg(r.err)));
            QVERIFY2(r.err.count('\n') == 1 && r.err.contains("cannot save analysis 'flipping'") &&
                         r.err.contains("the run file is unchanged"),
                     qPrintable(r.err));
            QVERIFY(fileBytes(run) == before);
            QVERIFY(!QFile::exists(run + ".saving"));
        }
        const Result ok = runCli(flip);
        QVERIFY2(ok.code == 0, qPrintable(ok.err));
        QVERIFY(inspectJson(run)["analyses"].toArray().contains(QJsonValue("flipping")));
    }
};

QTEST_GUILESS_MAIN(TestCliBadInput)
#include "test_cli_bad_input.moc"
