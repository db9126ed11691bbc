// Run files: round trip, summary, bad files, and configuration parsing and validation.
#include <torch/torch.h>

#include "io/h5_util.h"
#include "io/run_file.h"
#include "io/run_layout.h"
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

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

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

// Saves epoch `e` of the test runs: every parameter +1 and float buffer +0.5 over the previous
// epoch, and metrics, accounting and momentum values that tell the epochs apart.
void appendTestEpoch(const std::string& path, Net& model, std::int64_t e) {
    {
        torch::NoGradGuard noGrad;
        for (auto& p : model.parameters()) p.add_(1.0);
        for (auto& b : model.named_buffers())
            if (b.value().is_floating_point()) b.value().add_(0.5);
    }
    EpochMetrics m;
    m.epoch = e;
    m.trainLoss = 1.5 / static_cast<double>(e);
    m.trainCleanAcc = 0.5;
    m.trainNoisyGivenAcc = 0.125;
    m.trainNoisyTrueAcc = 0.375;
    m.testAcc = 0.4375 + 0.0625 * static_cast<double>(e - 1);
    m.lr = 0.01;
    EpochAccounting acc;
    const std::size_t groups = model.layerGroups().size();
    acc.cleanNorm.assign(groups, 1.0);
    acc.noisyNorm.assign(groups, 0.5);
    acc.totalNorm.assign(groups, 1.2);
    acc.cosine.assign(groups, -0.9 + 0.125 * static_cast<double>(e - 1));
    std::vector<torch::Tensor> momentum;
    for (const auto& p : model.parameters()) momentum.push_back(torch::full_like(p, 0.25 * static_cast<double>(e)));
    appendEpoch(path, model, m, &acc, momentum, e);
}

// Makes a run file of `epochs` planned epochs (laid out ahead, or as format 1 lays them out) with
// epoch 0 and epoch 1 saved from hand-set parameters.
std::shared_ptr<Net> makeRunFile(const std::string& path, bool overwrite = false, bool preallocate = true,
                                 std::int64_t epochs = 3) {
    RunConfig config = syntheticConfig();
    config.epochs = epochs;
    RunData data = prepareRunData(config, torch::kCPU);
    ModelSpec spec{"resnet9", 0.125, 1, 12, data.numClasses, {}};
    torch::manual_seed(1);
    auto model = buildModel(spec);
    EpochMetrics e0;
    e0.testAcc = 0.25;
    RunFileHeader header{config, spec, model->layerGroups(), "cpu (test)", 1};
    header.preallocate = preallocate;
    createRunFile(path, header, data, *model, e0, overwrite);
    appendTestEpoch(path, *model, 1);
    return model;
}

QByteArray fileBytes(const std::string& path) {
    QFile f(QString::fromStdString(path));
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool sameParameters(Net& a, Net& b) {
    auto pa = a.named_parameters(), pb = b.named_parameters();
    for (const auto& p : pa)
        if (!p.value().equal(pb[p.key()])) return false;
    return true;
}

/// Caps the size of files this process writes (as a full disk would: writes past it fail with
/// EFBIG), until destroyed.
struct FileSizeLimit {
    rlimit saved{};
    explicit FileSizeLimit(rlim_t bytes) {
        ::signal(SIGXFSZ, SIG_IGN);
        ::getrlimit(RLIMIT_FSIZE, &saved);
        const rlimit limit{bytes, saved.rlim_max};
        ::setrlimit(RLIMIT_FSIZE, &limit);
    }
    ~FileSizeLimit() { ::setrlimit(RLIMIT_FSIZE, &saved); }
};

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
        QCOMPARE(s.formatVersion, 3);
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
        const QByteArray before = fileBytes(path);
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

    // Format 2: saving an epoch overwrites its room and the values of a few attributes, nothing else.
    void savesEpochInPlace() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("run.h5").toStdString();
        auto model = makeRunFile(path);  // 3 epochs planned, 1 saved
        const QByteArray before = fileBytes(path);
        appendTestEpoch(path, *model, 2);
        const QByteArray after = fileBytes(path);
        QCOMPARE(after.size(), before.size());  // the file does not grow
        QVERIFY(!QFile::exists(QString::fromStdString(path + ".saving")));

        // Where the save may write: epoch 2's datasets, rows and momentum slot (offsets as HDF5 gives
        // them), and the values of the slot's attributes and of epochs_completed.
        std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
        {
            const H5::H5File f(path, H5F_ACC_RDONLY);
            auto datasets = [&](const H5::Group& g) {
                for (hsize_t i = 0; i < g.getNumObjs(); ++i) {
                    const H5::DataSet ds = g.openDataSet(g.getObjnameByIdx(i));
                    ranges.emplace_back(H5Dget_offset(ds.getId()), H5Dget_offset(ds.getId()) + ds.getStorageSize());
                }
            };
            datasets(f.openGroup("checkpoints/epoch_0002"));
            datasets(f.openGroup("optimizer/slot_0"));
            auto rows = [&](const char* group, const auto& names, hsize_t row, hsize_t cols) {
                for (const char* name : names) {
                    const auto at = h5::seriesRowOffset(f.openGroup(group), name, row, cols);
                    QVERIFY2(at, name);
                    ranges.emplace_back(*at, *at + cols * 8);
                }
            };
            rows("metrics", kMetricNames, 2, 1);
            rows("accounting", kAccountingNames, 1, 9);
            const int fd = ::open(path.c_str(), O_RDONLY);
            auto value = [&](const H5::H5Object& obj, const char* name) {
                const std::vector<std::int64_t> v = h5::readIntVectorAttr(obj, name);
                const std::string bytes(reinterpret_cast<const char*>(v.data()), v.size() * 8);
                const auto at = h5::attributeValueOffset(obj, name, fd, 8, v.size(), bytes);
                QVERIFY2(at, name);
                ranges.emplace_back(*at, *at + bytes.size());
            };
            for (const char* name : {"epoch", "step", "stored"}) value(f.openGroup("optimizer/slot_0"), name);
            value(f, "epochs_completed");
            ::close(fd);
        }
        int changed = 0;
        for (int i = 0; i < before.size(); ++i) {
            if (before[i] == after[i]) continue;
            ++changed;
            const auto at = static_cast<std::uint64_t>(i);
            QVERIFY2(std::any_of(ranges.begin(), ranges.end(), [&](const auto& r) { return at >= r.first && at < r.second; }),
                     qPrintable(QString("byte %1 changed outside the epoch's data").arg(i)));
        }
        QVERIFY(changed > 1000);

        RunFileReader reader(path);
        auto loaded = buildModel(reader.modelSpec());
        reader.loadCheckpoint(2, *loaded);
        QVERIFY(sameParameters(*model, *loaded));
        std::int64_t step = 0;
        QVERIFY(reader.loadMomentum(2, *loaded, &step).front().eq(0.5).all().item<bool>());
        QCOMPARE(step, std::int64_t{2});
        QCOMPARE(readRunSummary(path).metrics[2].testAcc, 0.5);
        QCOMPARE(readAccounting(path).cosine[1][0], -0.775);
    }

    // Data beyond epochs_completed (an epoch a killed process was saving) is never read.
    void readersIgnoreEpochsNotCompleted() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("run.h5").toStdString();
        auto model = makeRunFile(path);
        {
            H5::H5File f(path, H5F_ACC_RDWR);
            H5::Group checkpoint = f.openGroup("checkpoints/epoch_0002");
            for (const auto& p : model->named_parameters()) h5::overwriteTensor(checkpoint, p.key(), torch::full_like(p.value(), 7));
            H5::Group metrics = f.openGroup("metrics"), acc = f.openGroup("accounting");
            for (const char* name : kMetricNames) h5::writeSeriesRow(metrics, name, 2, {0.999});
            h5::writeSeriesRow(acc, "cosine", 1, std::vector<double>(9, 0.77));
            H5::Group slot = f.openGroup("optimizer/slot_0");
            h5::writeAttr(slot, "epoch", std::int64_t{2});
        }
        const RunSummary s = readRunSummary(path);
        QCOMPARE(s.epochsCompleted, std::int64_t{1});
        QCOMPARE(s.metrics.size(), std::size_t{2});
        QCOMPARE(s.metrics[1].testAcc, 0.4375);
        QCOMPARE(s.checkpointEpochs, (std::vector<std::int64_t>{0, 1}));
        QCOMPARE(readAccounting(path).cosine.size(), std::size_t{1});
        RunFileReader reader(path);
        auto loaded = buildModel(reader.modelSpec());
        expectError([&] { reader.loadCheckpoint(2, *loaded); }, "epoch 2 is not stored");
        QVERIFY(reader.loadMomentum(2, *loaded, nullptr).empty());
        reader.loadCheckpoint(1, *loaded);
        QVERIFY(sameParameters(*model, *loaded));
        QVERIFY(reader.loadMomentum(1, *loaded, nullptr).front().eq(0.25).all().item<bool>());
        const QByteArray before = fileBytes(path);
        discardIncompleteEpochs(path);  // format 2: nothing to remove
        QCOMPARE(fileBytes(path), before);

        appendTestEpoch(path, *model, 2);  // the next save takes the room again, in place
        QCOMPARE(fileBytes(path).size(), before.size());
        reader.loadCheckpoint(2, *loaded);
        QVERIFY(sameParameters(*model, *loaded));
        QCOMPARE(readRunSummary(path).metrics[2].testAcc, 0.5);
    }

    // Files of format 1 (no room laid out) still read, lose a half-saved epoch and take new epochs.
    void formatOneReadsAndResumes() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("v1.h5").toStdString();
        makeRunFile(path, false, /*preallocate=*/false);
        {
            H5::H5File f(path, H5F_ACC_RDWR);
            h5::writeAttr(f, "format_version", std::int64_t{1});
            H5::Group junk = f.openGroup("checkpoints").createGroup("epoch_0002");  // an older in-place save
            h5::writeTensor(junk, "0.0.weight", torch::zeros({3}));
            H5::Group metrics = f.openGroup("metrics");
            h5::writeSeriesRow(metrics, "test_acc", 2, {0.123});
        }
        QCOMPARE(readRunSummary(path).metrics.size(), std::size_t{2});
        discardIncompleteEpochs(path);
        QCOMPARE(H5::H5File(path, H5F_ACC_RDONLY).openGroup("checkpoints").getNumObjs(), hsize_t{2});

        RunFileReader reader(path);  // as resumeRun does: the last epoch's weights and momentum
        auto model = buildModel(reader.modelSpec());
        reader.loadCheckpoint(1, *model);
        std::int64_t step = 0;
        QVERIFY(reader.loadMomentum(1, *model, &step).size() == model->parameters().size() && step == 1);
        appendTestEpoch(path, *model, 2);
        appendTestEpoch(path, *model, 3);
        const RunSummary s = readRunSummary(path);
        QCOMPARE(s.formatVersion, 1);
        QCOMPARE(s.checkpointEpochs, (std::vector<std::int64_t>{0, 1, 2, 3}));
        QCOMPARE(s.metrics[3].testAcc, 0.5625);
        auto loaded = buildModel(reader.modelSpec());
        reader.loadCheckpoint(3, *loaded);
        QVERIFY(sameParameters(*model, *loaded));
        QVERIFY(reader.loadMomentum(3, *loaded, nullptr).front().eq(0.75).all().item<bool>());
    }

    // Epochs beyond the planned ones are saved by copy, growing the file.
    void savesMoreEpochsThanPlanned() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("run.h5").toStdString();
        auto model = makeRunFile(path);  // 3 planned
        for (std::int64_t e = 2; e <= 5; ++e) appendTestEpoch(path, *model, e);
        const RunSummary s = readRunSummary(path);
        QCOMPARE(s.checkpointEpochs, (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5}));
        QCOMPARE(s.metrics.size(), std::size_t{6});
        QCOMPARE(s.metrics[5].testAcc, 0.6875);
        const AccountingSeries acc = readAccounting(path);
        QVERIFY(acc.cosine.size() == 5 && qFuzzyCompare(acc.cosine[4][8], -0.4));
        RunFileReader reader(path);
        auto loaded = buildModel(reader.modelSpec());
        reader.loadCheckpoint(5, *loaded);
        QVERIFY(sameParameters(*model, *loaded));
        std::int64_t step = 0;
        QVERIFY(reader.loadMomentum(5, *loaded, &step).front().eq(1.25).all().item<bool>());
        QCOMPARE(step, std::int64_t{5});
        QVERIFY(reader.loadMomentum(4, *loaded, nullptr).front().eq(1.0).all().item<bool>());
    }

    // A disk that cannot hold the whole run: one clear error, nothing left (a file there is kept).
    void fullDiskWhenCreating() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("run.h5").toStdString();
        {
            FileSizeLimit limit(4'000'000);  // the 400-epoch file needs ~80 MB
            expectError([&] { makeRunFile(path, false, true, 400); }, QString::fromStdString(path),
                        "cannot write the new run file");
            expectError([&] { makeRunFile(path, false, true, 400); }, "a run of 400 epochs needs");
        }
        QVERIFY(!QFile::exists(QString::fromStdString(path)));
        QVERIFY(!QFile::exists(QString::fromStdString(path + ".partial")));
        makeRunFile(path);
        const QByteArray before = fileBytes(path);
        {
            FileSizeLimit limit(4'000'000);
            expectError([&] { makeRunFile(path, /*overwrite=*/true, true, 400); }, "cannot write the new run file");
        }
        QCOMPARE(fileBytes(path), before);
        QVERIFY(!QFile::exists(QString::fromStdString(path + ".partial")));
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
        QTest::newRow("etd_rounding ceil") << R"({"etd_rounding": "ceil"})" << "etd_rounding must be round or floor";
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
