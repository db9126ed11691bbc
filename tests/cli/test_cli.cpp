// memloc-cli smoke tests: train and inspect on tiny synthetic data, exit codes, error lines.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <signal.h>

namespace {

struct Result {
    int code = -1;
    QString out, err;
};

Result runCli(const QStringList& args, int timeoutMs = 300000) {
    QProcess p;
    p.start(QStringLiteral(MEMLOC_CLI), args);
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

QStringList tinyTrain(const QString& out) {
    return {"train", "--dataset", "synthetic", "--synthetic-train", "192", "--synthetic-test", "64", "--synthetic-size",
            "12", "--noise", "0.25", "--width", "0.125", "--epochs", "2", "--batch-size", "32", "--device", "cpu",
            "--out", out};
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void version() {
        const Result r = runCli({"--version"});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.startsWith("memloc "));
        QVERIFY(r.out.contains("LibTorch"));
        QVERIFY(r.out.contains("CUDA"));
    }

    void trainThenInspect() {
        QTemporaryDir dir;
        const QString run = dir.filePath("tiny.h5");
        const Result t = runCli(tinyTrain(run));
        QVERIFY2(t.code == 0, qPrintable(t.err));
        QVERIFY(t.out.contains("epoch   2/2"));
        QVERIFY(t.out.contains("saved in"));

        const Result text = runCli({"inspect", run});
        QCOMPARE(text.code, 0);
        QVERIFY(text.out.contains("48 noisy"));  // floor(0.25 * 192)
        QVERIFY(text.out.contains("conv1[8]"));

        const Result j = runCli({"inspect", run, "--json"});
        QCOMPARE(j.code, 0);
        QJsonParseError error;
        const QJsonObject o = QJsonDocument::fromJson(j.out.toUtf8(), &error).object();
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
        QCOMPARE(o["epochs"].toInt(), 2);
        const QJsonObject fin = o["final"].toObject();
        for (const char* key : {"train_clean_acc", "train_noisy_given_acc", "train_noisy_true_acc", "test_acc"}) {
            QVERIFY2(fin[key].isDouble(), key);
            QVERIFY(fin[key].toDouble() >= 0.0 && fin[key].toDouble() <= 1.0);
        }
        QCOMPARE(o["groups"].toArray().size(), 9);
        QCOMPARE(o["groups"].toArray().last().toObject()["name"].toString(), QString("fc"));
        QVERIFY(o["analyses"].isArray());
        QCOMPARE(o["dataset"].toObject()["noisy_count"].toInt(), 48);

        // The file exists now: a second train refuses, --overwrite replaces, --resume is a no-op.
        const Result again = runCli(tinyTrain(run));
        QCOMPARE(again.code, 1);
        QVERIFY(again.err.contains("exists"));
        const Result resumed = runCli({"train", "--resume", run, "--quiet"});
        QCOMPARE(resumed.code, 0);
    }

    // Ctrl-C ends the epoch in progress, keeps the completed ones and says how to resume.
    void interruptKeepsCompletedEpochs() {
        QTemporaryDir dir;
        const QString run = dir.filePath("cut.h5");
        QStringList args = tinyTrain(run);
        args[args.indexOf("--epochs") + 1] = "200";
        QProcess p;
        p.start(QStringLiteral(MEMLOC_CLI), args);
        QVERIFY(p.waitForStarted());
        QString out;
        while (!out.contains("epoch   2/200") && p.waitForReadyRead(60000)) out += QString::fromUtf8(p.readAllStandardOutput());
        QVERIFY2(out.contains("epoch   2/200"), qPrintable(out));
        ::kill(static_cast<pid_t>(p.processId()), SIGINT);
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 130);
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QVERIFY2(err.contains("interrupted") && err.contains("--resume"), qPrintable(err));
        const QJsonObject o = QJsonDocument::fromJson(runCli({"inspect", run, "--json"}).out.toUtf8()).object();
        QVERIFY(o["epochs"].toInt() >= 2);
        QVERIFY(o["epochs"].toInt() < 200);
        QCOMPARE(o["epochs_planned"].toInt(), 200);
    }

    // The README's h5py example reads a run written by memloc-cli.
    void h5pyReadsRunFile() {
        if (!QFile::exists(MEMLOC_PYTHON)) QSKIP("no /usr/bin/python3");
        QProcess probe;
        probe.start(MEMLOC_PYTHON, {"-c", "import h5py"});
        probe.waitForFinished();
        if (probe.exitCode() != 0) QSKIP("python3-h5py is not installed");
        QTemporaryDir dir;
        const QString run = dir.filePath("py.h5");
        QCOMPARE(runCli(tinyTrain(run)).code, 0);
        QProcess py;
        py.start(MEMLOC_PYTHON, {MEMLOC_SOURCE_DIR "/tests/python/read_run.py", run});
        QVERIFY(py.waitForFinished(60000));
        const QString out = QString::fromUtf8(py.readAllStandardOutput());
        QVERIFY2(py.exitCode() == 0, qPrintable(QString::fromUtf8(py.readAllStandardError())));
        QVERIFY(out.contains("epochs 2\n"));
        QVERIFY(out.contains("noisy 48 of 192"));
        QVERIFY(out.contains("groups conv1 conv2 res1.a res1.b conv3 res2.a res2.b conv4 fc"));
        QVERIFY(out.contains("first_conv_shape 8x1x3x3"));
        QVERIFY(out.contains("accounting_shape 2x9"));
    }

    void configFileAndFlags() {
        QTemporaryDir dir;
        const QString cfg = dir.filePath("cfg.json");
        QFile f(cfg);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"dataset": "synthetic", "synthetic_train": 96, "synthetic_test": 32, "synthetic_size": 12,
                   "model": "mlp", "width": 0.1, "epochs": 3, "accounting": false, "device": "cpu"})");
        f.close();
        const QString run = dir.filePath("cfg.h5");
        const Result t = runCli({"train", "--config", cfg, "--epochs", "1", "--quiet", "--out", run});
        QVERIFY2(t.code == 0, qPrintable(t.err));
        const QJsonObject o = QJsonDocument::fromJson(runCli({"inspect", run, "--json"}).out.toUtf8()).object();
        QCOMPARE(o["epochs"].toInt(), 1);  // the flag wins over the file
        QCOMPARE(o["config"].toObject()["model"].toString(), QString("mlp"));
        QCOMPARE(o["accounting"].toBool(), false);
    }

    void badInput_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("message");
        const QStringList base = {"train", "--dataset", "synthetic", "--out", "/tmp/memloc-never-written.h5"};
        QTest::newRow("no command") << QStringList{} << 2 << "usage";
        QTest::newRow("unknown command") << QStringList{"fly"} << 2 << "unknown command 'fly'";
        QTest::newRow("unknown option") << (base + QStringList{"--bogus", "1"}) << 2 << "unknown option --bogus";
        QTest::newRow("option without value") << (base + QStringList{"--epochs"}) << 2 << "--epochs needs a value";
        QTest::newRow("non-numeric") << (base + QStringList{"--epochs", "many"}) << 2 << "--epochs expects an integer";
        QTest::newRow("negative noise") << (base + QStringList{"--noise", "-0.1"}) << 1 << "noise must be a fraction";
        QTest::newRow("noise >= 1") << (base + QStringList{"--noise", "1"}) << 1 << "noise must be a fraction";
        QTest::newRow("zero batch") << (base + QStringList{"--batch-size", "0"}) << 1 << "batch_size must be >= 1";
        QTest::newRow("unknown model") << (base + QStringList{"--model", "vgg"}) << 1 << "model 'vgg' is unknown";
        QTest::newRow("missing dataset") << QStringList{"train", "--dataset", "mnist", "--data-dir", "/nonexistent/mnist", "--out",
                                                       "/tmp/memloc-never-written.h5"}
                                         << 1 << "/nonexistent/mnist";
        QTest::newRow("no --out") << QStringList{"train", "--dataset", "synthetic"} << 2 << "--out";
        QTest::newRow("missing config") << QStringList{"train", "--config", "/nonexistent.json", "--out", "/tmp/x.h5"} << 1
                                        << "/nonexistent.json: cannot open";
        QTest::newRow("inspect missing") << QStringList{"inspect", "/nonexistent/run.h5"} << 1 << "/nonexistent/run.h5: no such file";
        QTest::newRow("inspect not hdf5") << QStringList{"inspect", MEMLOC_SOURCE_DIR "/resources/demo.json"} << 1 << "not an HDF5 file";
        QTest::newRow("resume with settings") << QStringList{"train", "--resume", "/tmp/x.h5", "--epochs", "3"} << 2 << "--resume takes only";
    }
    void badInput() {
        QFETCH(QStringList, args);
        QFETCH(int, code);
        QFETCH(QString, message);
        const Result r = runCli(args);
        QCOMPARE(r.code, code);
        const QString all = r.out + r.err;
        QVERIFY2(all.contains(message, Qt::CaseInsensitive), qPrintable(all));
        if (code == 1) QCOMPARE(r.err.count('\n'), 1);  // one clear line
        QVERIFY(!QFile::exists("/tmp/memloc-never-written.h5"));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
