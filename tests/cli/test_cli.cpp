// memloc-cli smoke tests: train and inspect on tiny synthetic data, exit codes, error lines.
#include "memloc/version.h"

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
        // The LibTorch this test was built against, the C++ standard, and CUDA: either the runtime,
        // cuDNN and each GPU (or why there is none), or that this is a CPU build.
        const memloc::core::BuildInfo info = memloc::core::buildInfo();
        QVERIFY2(r.out.contains(QString::fromStdString("LibTorch " + memloc::core::torchVersion())), qPrintable(r.out));
        QVERIFY(r.out.contains(QString::fromStdString("compiled as " + info.cxxStandard)));
        if (info.cudaBuild) {
            QVERIFY2(r.out.contains(QString::fromStdString("CUDA runtime " + info.cudaRuntime)), qPrintable(r.out));
            QVERIFY(r.out.contains(QStringLiteral("cuDNN")));
            QVERIFY(r.out.contains(info.gpus.empty() ? QStringLiteral("CUDA not available: no GPU visible")
                                                      : QStringLiteral("CUDA available: %1 device(s)").arg(info.gpus.size())));
            for (const std::string& gpu : info.gpus) QVERIFY(r.out.contains(QString::fromStdString(gpu)));
        } else {
            QVERIFY(r.out.contains(QStringLiteral("not built with CUDA")));
        }
    }

    // "help", "--help" and "COMMAND --help" print the reference and exit 0; no command at all exits 2.
    void helpForEveryCommand() {
        for (const QStringList& args : {QStringList{"help"}, QStringList{"--help"}, QStringList{"train", "--help"},
                                        QStringList{"rewind", "run.h5", "-h"}, QStringList{"demo", "--help"}}) {
            const Result r = runCli(args);
            QVERIFY2(r.code == 0, qPrintable(args.join(' ') + ": " + r.err));
            QVERIFY(r.out.contains("usage: memloc-cli COMMAND"));
            QVERIFY(r.out.contains("dropout-eval"));
        }
        QCOMPARE(runCli({}).code, 2);
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

    // A run with a focus set names it in the text of train, inspect (with the set's file and
    // size) and the analyses, and keeps the JSON keys.
    void focusRunNamesItsSet() {
        QTemporaryDir dir;
        const QString list = dir.filePath("atypical.txt");
        QFile file(list);
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Text));
        for (int i = 0; i < 192; i += 4) file.write(QByteArray::number(i) + '\n');  // 48 examples
        file.close();
        const QString run = dir.filePath("focus.h5");
        QStringList args = tinyTrain(run);
        args[args.indexOf("--noise") + 1] = "0";
        args << "--focus" << list << "--focus-name" << "atypical";
        const Result t = runCli(args);
        QVERIFY2(t.code == 0, qPrintable(t.err));
        QVERIFY2(t.out.contains("other ") && t.out.contains("atypical "), qPrintable(t.out));

        const Result inspect = runCli({"inspect", run});
        QCOMPARE(inspect.code, 0);
        QVERIFY2(inspect.out.contains("focus:     atypical, 48 training examples (25.0%) from " + list), qPrintable(inspect.out));
        QVERIFY(inspect.out.contains("compare it with the other examples"));
        QVERIFY(inspect.out.contains("atypical vs given label (fitted)"));
        QVERIFY(!inspect.out.contains("memorized"));
        const QJsonObject focus =
            QJsonDocument::fromJson(runCli({"inspect", run, "--json"}).out.toUtf8()).object()["dataset"].toObject()["focus"].toObject();
        QCOMPARE(focus["name"].toString(), QString("atypical"));
        QCOMPARE(focus["count"].toInt(), 48);

        const Result rewind = runCli({"rewind", run, "--eval-subset", "32", "--device", "cpu"});
        QVERIFY2(rewind.code == 0, qPrintable(rewind.err));
        QVERIFY2(rewind.out.contains("evaluated on 32 other, 32 atypical, 32 test examples"), qPrintable(rewind.out));
        QVERIFY(rewind.out.contains("fit of the atypical examples"));
        QVERIFY(rewind.out.contains("atypical (fitted) ") && rewind.out.contains("atypical-true "));
        QVERIFY(!rewind.out.contains("noisy") && !rewind.out.contains("memoriz") && !rewind.out.contains("clean"));
        const Result rewindJson = runCli({"rewind", run, "--eval-subset", "32", "--device", "cpu", "--json"});
        QVERIFY(QJsonDocument::fromJson(rewindJson.out.toUtf8()).object()["grids"].toObject().contains("noisy_given"));
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

    // Every analysis command on a tiny run: exit 0, JSON with its documented keys, stored result.
    void analysisCommands() {
        QTemporaryDir dir;
        const QString run = dir.filePath("a.h5");
        QStringList args = tinyTrain(run);
        args[args.indexOf("--epochs") + 1] = "3";
        args << "--dropout" << "example-tied" << "--p-gen" << "0.5" << "--p-mem" << "0.25" << "--dropout-blocks" << "2,3,5,6";
        QCOMPARE(runCli(args).code, 0);
        auto json = [&](const QStringList& a) {
            const Result r = runCli(a + QStringList{"--json", "--device", "cpu"});
            if (r.code != 0) qWarning("%s", qPrintable(r.err));
            return QJsonDocument::fromJson(r.out.toUtf8()).object();
        };
        const QJsonObject rw = json({"rewind", run, "--eval-subset", "32"});
        QCOMPARE(rw["groups"].toArray().size(), 9);
        const Result rewindText = runCli({"rewind", run, "--eval-subset", "32", "--device", "cpu"});
        QCOMPARE(rewindText.code, 0);
        QVERIFY2(rewindText.out.contains("evaluated on 32 clean, 32 noisy, 32 test examples"), qPrintable(rewindText.out));
        QVERIFY(rewindText.out.contains("memorization (noisy examples predicted with their given label)"));
        QVERIFY(rewindText.out.contains("clean ") && rewindText.out.contains("noisy-given (memorized) "));
        const QJsonObject rt = json({"retrain", run, "--groups", "conv1,fc", "--max-epochs", "1", "--eval-subset", "32"});
        QVERIFY(!rt.isEmpty());
        const QJsonObject fl = json({"flip", run, "--noisy", "2", "--clean", "2", "--batch", "16", "--eval-subset", "32"});
        QVERIFY(fl.contains("median_units_noisy") && fl.contains("median_units_clean"));
        QVERIFY(fl["examples"].isArray());
        const QJsonObject ne = json({"neurons", run, "--attribution-examples", "8", "--eval-subset", "32"});
        QCOMPARE(ne["attribution"].toArray().size(), 9);
        QCOMPARE(ne["ablation_noisy"].toArray()[0].toArray().size(), 8);
        QCOMPARE(ne["classifier_group"].toString(), QString("fc"));
        // The rankings leave out the classifier's units (the 4 classes) unless asked, and say so.
        const QStringList neurons = {"neurons", run, "--attribution-examples", "8", "--eval-subset", "32", "--device", "cpu"};
        const Result ranked = runCli(neurons);
        QCOMPARE(ranked.code, 0);
        QVERIFY2(ranked.out.contains("leave out the 4 units of the final classifier group 'fc'"), qPrintable(ranked.out));
        QVERIFY2(!ranked.out.contains(" fc:"), qPrintable(ranked.out));
        const Result withFc = runCli(neurons + QStringList{"--include-classifier"});
        QCOMPARE(withFc.code, 0);
        QVERIFY2(!withFc.out.contains("leave out"), qPrintable(withFc.out));
        const QJsonObject dr = json({"drop", run, "--units", "conv1:1,res1.a:2", "--example", "5"});
        QVERIFY(dr.contains("clean_acc") && dr.contains("test_acc"));
        QCOMPARE(dr["example"].toObject()["probabilities"].toArray().size(), 4);
        const QJsonObject de = json({"dropout-eval", run});
        for (const char* mode : {"standard", "test", "drop"}) QVERIFY2(de["modes"].toObject().contains(mode), mode);
        const QJsonObject inspect = QJsonDocument::fromJson(runCli({"inspect", run, "--json"}).out.toUtf8()).object();
        QStringList analyses;
        for (const auto& a : inspect["analyses"].toArray()) analyses << a.toString();
        analyses.sort();
        QCOMPARE(analyses, (QStringList{"dropout_eval", "flipping", "neurons", "retraining", "rewinding"}));

        // Bad arguments name the problem in one line.
        const Result badUnit = runCli({"drop", run, "--units", "conv9:1"});
        QCOMPARE(badUnit.code, 1);
        QVERIFY(badUnit.err.contains("unknown layer group 'conv9'"));
        const Result badGroup = runCli({"rewind", run, "--groups", "nope"});
        QCOMPARE(badGroup.code, 1);
        QVERIFY(badGroup.err.contains("nope"));
        const Result badEpoch = runCli({"rewind", run, "--epochs", "99"});
        QCOMPARE(badEpoch.code, 1);
        QVERIFY(badEpoch.err.contains(run));
        const Result badMode = runCli({"flip", run, "--mode", "layer"});
        QCOMPARE(badMode.code, 1);
        const Result badExample = runCli({"drop", run, "--units", "conv1:1", "--example", "100000"});
        QCOMPARE(badExample.code, 1);
        QVERIFY(badExample.err.contains("out of range"));
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

#include <string>
