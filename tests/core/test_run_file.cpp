// Run files: round trip, summary, bad files, and configuration parsing and validation.
#include <torch/torch.h>

#include "io/h5_util.h"
#include "io/run_file.h"
#include "memloc/error.h"
#include "memloc/run_config.h"
#include "memloc/run_summary.h"
#include "models/model.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using namespace memloc::core;

namespace {

RunConfig syntheticConfig() {
    RunConfig c;
    c.dataset = "synthetic";
    c.syntheticTrain = 64;
    c.syntheticTest = 16;
    c.syntheticSize = 12;
    c.noise = 0.25;
    c.width = 0.125;
    c.epochs = 3;
    c.device = "cpu";
    return c;
}

// Makes a run file with epoch 0 and one appended epoch from hand-set parameters.
std::shared_ptr<Net> makeRunFile(const std::string& path, bool overwrite = false) {
    RunConfig config = syntheticConfig();
    RunData data = prepareRunData(config, torch::kCPU);
    ModelSpec spec{"resnet9", 0.125, 1, 12, data.numClasses, {}};
    torch::manual_seed(1);
    auto model = buildModel(spec);
    EpochMetrics e0;
    e0.testAcc = 0.25;
    createRunFile(path, {config, spec, model->layerGroups(), "cpu (test)", 1}, data, *model, e0, overwrite);
    {
        torch::NoGradGuard noGrad;
        for (auto& p : model->parameters()) p.add_(1.0);
        for (auto& b : model->named_buffers())
            if (b.value().is_floating_point()) b.value().add_(0.5);
    }
    EpochMetrics e1;
    e1.epoch = 1;
    e1.trainLoss = 1.5;
    e1.trainCleanAcc = 0.5;
    e1.trainNoisyGivenAcc = 0.125;
    e1.trainNoisyTrueAcc = 0.375;
    e1.testAcc = 0.4375;
    e1.lr = 0.01;
    EpochAccounting acc;
    const std::size_t groups = model->layerGroups().size();
    acc.cleanNorm.assign(groups, 1.0);
    acc.noisyNorm.assign(groups, 0.5);
    acc.totalNorm.assign(groups, 1.2);
    acc.cosine.assign(groups, -0.9);
    std::vector<torch::Tensor> momentum;
    for (const auto& p : model->parameters()) momentum.push_back(torch::full_like(p, 0.25));
    appendEpoch(path, *model, e1, &acc, momentum, 1);
    return model;
}

void expectError(const std::function<void()>& call, const QString& part1, const QString& part2 = QString()) {
    try {
        call();
        QFAIL("no error thrown");
    } catch (const Error& e) {
        QVERIFY2(QString(e.what()).contains(part1), e.what());
        if (!part2.isEmpty()) QVERIFY2(QString(e.what()).contains(part2), e.what());
    }
}

} // namespace

class TestRunFile : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void roundTrip() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("run.h5").toStdString();
        auto written = makeRunFile(path);
        QVERIFY(!QFile::exists(QString::fromStdString(path + ".partial")));

        RunFileReader reader(path);
        QCOMPARE(reader.epochsCompleted(), std::int64_t{1});
        auto loaded = buildModel(reader.modelSpec());
        reader.loadCheckpoint(1, *loaded);
        auto a = written->named_parameters(), b = loaded->named_parameters();
        for (const auto& p : a) QVERIFY2(p.value().equal(b[p.key()]), p.key().c_str());
        auto ab = written->named_buffers(), bb = loaded->named_buffers();
        for (const auto& p : ab) QVERIFY2(p.value().equal(bb[p.key()]), p.key().c_str());

        std::int64_t step = 0;
        const auto momentum = reader.loadMomentum(1, *loaded, &step);
        QCOMPARE(step, std::int64_t{1});
        QCOMPARE(momentum.size(), loaded->parameters().size());
        QVERIFY(momentum.front().eq(0.25).all().item<bool>());
        QVERIFY(reader.loadMomentum(0, *loaded, nullptr).empty());

        const RunSummary s = readRunSummary(path);
        QCOMPARE(s.formatVersion, 1);
        QCOMPARE(s.trainSize, std::int64_t{64});
        QCOMPARE(s.testSize, std::int64_t{16});
        QCOMPARE(s.noisyCount, std::int64_t{16});
        QCOMPARE(s.imageShape, (std::vector<std::int64_t>{1, 12, 12}));
        QCOMPARE(s.epochsCompleted, std::int64_t{1});
        QCOMPARE(s.epochsPlanned, std::int64_t{3});
        QCOMPARE(s.metrics.size(), std::size_t{2});
        QCOMPARE(s.metrics[1].trainNoisyGivenAcc, 0.125);
        QCOMPARE(s.metrics[0].testAcc, 0.25);
        QCOMPARE(s.groups.size(), std::size_t{9});
        QCOMPARE(s.groups[0].units, std::int64_t{8});
        QCOMPARE(s.config.noise, 0.25);
        QVERIFY(s.analyses.empty());
        const AccountingSeries acc = readAccounting(path);
        QCOMPARE(acc.cosine.size(), std::size_t{1});
        QCOMPARE(acc.cosine[0].size(), std::size_t{9});
        QCOMPARE(acc.cosine[0][3], -0.9);
        QCOMPARE(acc.groups[2], std::string("res1.a"));

        const torch::Tensor mask = reader.datasetTensor("noise_mask");
        const torch::Tensor given = reader.datasetTensor("given_labels"), truth = reader.datasetTensor("true_labels");
        QCOMPARE(mask.sum().item<std::int64_t>(), std::int64_t{16});
        QVERIFY(given.ne(truth).eq(mask.to(torch::kBool)).all().item<bool>());
    }

    void summaryJsonHasDocumentedKeys() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("run.h5").toStdString();
        makeRunFile(path);
        const QJsonObject j = QJsonDocument::fromJson(QByteArray::fromStdString(summaryToJson(readRunSummary(path)))).object();
        QCOMPARE(j["epochs"].toInt(), 1);
        const QJsonObject fin = j["final"].toObject();
        for (const char* key : {"train_clean_acc", "train_noisy_given_acc", "train_noisy_true_acc", "test_acc"})
            QVERIFY2(fin.contains(key), key);
        QCOMPARE(fin["test_acc"].toDouble(), 0.4375);
        QCOMPARE(j["groups"].toArray().size(), 9);
        QCOMPARE(j["groups"].toArray()[0].toObject()["name"].toString(), QString("conv1"));
        QCOMPARE(j["groups"].toArray()[0].toObject()["units"].toInt(), 8);
        QVERIFY(j["analyses"].isArray());
        QCOMPARE(j["dataset"].toObject()["noisy_count"].toInt(), 16);
    }

    void refusesToOverwrite() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("run.h5").toStdString();
        makeRunFile(path);
        const QByteArray before = [&] { QFile f(QString::fromStdString(path)); f.open(QIODevice::ReadOnly); return f.readAll(); }();
        expectError([&] { makeRunFile(path); }, QString::fromStdString(path), "exists");
        QFile f(QString::fromStdString(path));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), before);
        makeRunFile(path, /*overwrite=*/true);
        QCOMPARE(readRunSummary(path).epochsCompleted, std::int64_t{1});
        expectError([&] { makeRunFile(dir.filePath("no/such/folder/run.h5").toStdString()); }, "does not exist");
    }

    void badFiles() {
        QTemporaryDir dir;
        const std::string missing = dir.filePath("missing.h5").toStdString();
        expectError([&] { readRunSummary(missing); }, QString::fromStdString(missing), "no such file");

        const QString text = dir.filePath("text.h5");
        QFile t(text);
        QVERIFY(t.open(QIODevice::WriteOnly));
        t.write("this is not HDF5\n");
        t.close();
        expectError([&] { readRunSummary(text.toStdString()); }, text, "not an HDF5 file");

        const std::string foreign = dir.filePath("foreign.h5").toStdString();
        { H5::H5File f(foreign, H5F_ACC_TRUNC); f.createGroup("data"); }
        expectError([&] { readRunSummary(foreign); }, QString::fromStdString(foreign), "not a memloc run");

        const std::string future = dir.filePath("future.h5").toStdString();
        makeRunFile(future);
        { H5::H5File f(future, H5F_ACC_RDWR); h5::writeAttr(f, "format_version", std::int64_t{99}); }
        expectError([&] { readRunSummary(future); }, "version 99");

        // A truncated copy of a good run file.
        const std::string good = dir.filePath("good.h5").toStdString();
        makeRunFile(good);
        QFile in(QString::fromStdString(good));
        QVERIFY(in.open(QIODevice::ReadOnly));
        const QByteArray bytes = in.readAll();
        const QString cut = dir.filePath("cut.h5");
        QFile out(cut);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(bytes.left(bytes.size() / 3));
        out.close();
        expectError([&] {
            RunSummary s = readRunSummary(cut.toStdString());
            RunFileReader r(cut.toStdString());
            auto m = buildModel(r.modelSpec());
            r.loadCheckpoint(1, *m);
        }, cut);

        RunFileReader reader(good);
        auto model = buildModel(reader.modelSpec());
        expectError([&] { reader.loadCheckpoint(7, *model); }, "epoch 7 is not stored");
        auto wrong = buildModel({"resnet9", 0.25, 1, 12, 4, {}});
        expectError([&] { reader.loadCheckpoint(1, *wrong); }, "has shape");
    }

    void configJsonRoundTrip() {
        RunConfig c = syntheticConfig();
        c.lr = 0.125;
        c.nesterov = false;
        c.dataDir = "/data/x";
        const RunConfig back = configFromJson(configToJson(c), "test");
        QCOMPARE(configToJson(back), configToJson(c));
        QCOMPARE(back.lr, 0.125);
        QCOMPARE(back.nesterov, false);
        const RunConfig partial = configFromJson(R"({"epochs": 7, "width": 2})", "test", c);
        QCOMPARE(partial.epochs, std::int64_t{7});
        QCOMPARE(partial.width, 2.0);
        QCOMPARE(partial.dataDir, std::string("/data/x"));
    }

    void configJsonErrors_data() {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("message");
        QTest::newRow("not json") << "{epochs: 3" << "not valid JSON";
        QTest::newRow("not object") << "[1, 2]" << "expected a JSON object";
        QTest::newRow("unknown key") << R"({"epoch": 3})" << "unknown setting \"epoch\"";
        QTest::newRow("string for number") << R"({"epochs": "3"})" << "\"epochs\" must be an integer";
        QTest::newRow("fraction for integer") << R"({"batch_size": 12.5})" << "\"batch_size\"";
        QTest::newRow("number for bool") << R"({"nesterov": 1})" << "\"nesterov\"";
    }
    void configJsonErrors() {
        QFETCH(QString, json);
        QFETCH(QString, message);
        expectError([&] { configFromJson(json.toStdString(), "cfg.json"); }, "cfg.json", message);
    }

    void configValidation_data() {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("message");
        QTest::newRow("negative noise") << R"({"noise": -0.1})" << "noise";
        QTest::newRow("noise 1") << R"({"noise": 1.0})" << "noise";
        QTest::newRow("zero batch") << R"({"batch_size": 0})" << "batch_size";
        QTest::newRow("zero epochs") << R"({"epochs": 0})" << "epochs";
        QTest::newRow("unknown model") << R"({"model": "vgg"})" << "model 'vgg'";
        QTest::newRow("unknown dataset") << R"({"dataset": "imagenet"})" << "dataset 'imagenet'";
        QTest::newRow("negative lr") << R"({"lr": -1})" << "lr";
        QTest::newRow("bad schedule") << R"({"schedule": "step"})" << "schedule 'step'";
        QTest::newRow("bad device") << R"({"device": "tpu"})" << "device 'tpu'";
        QTest::newRow("negative subset") << R"({"subset": -5})" << "subset";
        QTest::newRow("zero width") << R"({"width": 0})" << "width";
    }
    void configValidation() {
        QFETCH(QString, json);
        QFETCH(QString, message);
        expectError([&] { validateConfig(configFromJson(json.toStdString(), "cfg")); }, "invalid config", message);
    }

    void missingConfigFile() {
        expectError([] { loadConfigFile("/nonexistent/cfg.json"); }, "/nonexistent/cfg.json", "cannot open");
    }

    void demoConfigIsValid() {
        const RunConfig demo = loadConfigFile(MEMLOC_SOURCE_DIR "/resources/demo.json");
        validateConfig(demo);
        QCOMPARE(demo.dataset, std::string("fashion-mnist"));
        QCOMPARE(demo.noise, 0.1);
    }
};

QTEST_GUILESS_MAIN(TestRunFile)
#include "test_run_file.moc"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>
