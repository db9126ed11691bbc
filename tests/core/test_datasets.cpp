// Tests for the 3-channel datasets read from the files researchers have: CIFAR-100's binary
// version and SVHN's .mat files (written here with libmatio's own writer), their errors on bad
// files, the dataset settings, and one tiny training run on CIFAR-10, CIFAR-100 and SVHN each.

// LibTorch first: Qt's keyword macros would otherwise clash with its headers.
#include <torch/torch.h>

#include "data/dataset.h"
#include "error_of.h"
#include "tiny_run.h"
#include "memloc/class_names.h"
#include "memloc/error.h"
#include "memloc/run_config.h"
#include "memloc/run_summary.h"
#include "memloc/training.h"

#ifdef MEMLOC_TEST_MATIO
#include <matio.h>
#endif

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <vector>

using namespace memloc::core;
using memloc::core::testing::errorOf;

namespace {

bool writeBytes(const QString& path, const QByteArray& data) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(data) == data.size();
}

/// Pixel value of image `n`, channel `c`, row `h`, column `w` in every fixture below.
int pixel(int n, int c, int h, int w) { return (n * 11 + c * 50 + h * 3 + w * 7) % 256; }

/// 3072 pixel bytes in the CIFAR order: R plane, G plane, B plane, each row by row.
QByteArray cifarPixels(int n) {
    QByteArray r;
    for (int c = 0; c < 3; ++c)
        for (int h = 0; h < 32; ++h)
            for (int w = 0; w < 32; ++w)
                r.append(static_cast<char>(pixel(n, c, h, w)));
    return r;
}

/// A CIFAR-100 record: coarse label, fine label, pixels.
QByteArray cifar100Record(int coarse, int fine, int n) {
    QByteArray r;
    r.append(static_cast<char>(coarse));
    r.append(static_cast<char>(fine));
    return r + cifarPixels(n);
}

/// `count` CIFAR-10 records whose labels cycle through 0..9.
QByteArray cifar10Records(int count, int first) {
    QByteArray out;
    for (int i = 0; i < count; ++i) {
        out.append(static_cast<char>((first + i) % 10));
        out += cifarPixels(first + i);
    }
    return out;
}

/// `count` CIFAR-100 records whose fine labels cycle through 0..99.
QByteArray cifar100Records(int count, int first) {
    QByteArray out;
    for (int i = 0; i < count; ++i)
        out += cifar100Record((first + i) % 20, (first + i * 7) % 100, first + i);
    return out;
}

bool imagesMatch(const torch::Tensor& images, int first) {
    for (std::int64_t n = 0; n < images.size(0); ++n)
        for (int c = 0; c < 3; ++c)
            for (int h : {0, 5, 31})
                for (int w : {0, 9, 31})
                    if (images[n][c][h][w].item<int>() != pixel(static_cast<int>(n) + first, c, h, w))
                        return false;
    return true;
}

#ifdef MEMLOC_TEST_MATIO

/// What an SVHN-like .mat file holds; the defaults make a valid one of `n` images.
struct MatContents {
    std::vector<std::size_t> xDims;  ///< empty: 32x32x3xn
    matio_classes xClass = MAT_C_UINT8;
    std::vector<double> y;  ///< the labels, as stored (1..10)
    bool withX = true, withY = true;
};

/// X(h, w, c, n) = pixel(n, c, h, w), in MATLAB's column-major order.
std::vector<std::uint8_t> svhnPixels(std::size_t n) {
    std::vector<std::uint8_t> x(n * 3 * 32 * 32);
    std::size_t i = 0;
    for (std::size_t k = 0; k < n; ++k)
        for (int c = 0; c < 3; ++c)
            for (int w = 0; w < 32; ++w)
                for (int h = 0; h < 32; ++h)
                    x[i++] = static_cast<std::uint8_t>(pixel(static_cast<int>(k), c, h, w));
    return x;
}

/// Labels 1..10 cycling, the SVHN way (10 = digit 0).
std::vector<double> svhnLabels(std::size_t n) {
    std::vector<double> y(n);
    for (std::size_t i = 0; i < n; ++i) y[i] = static_cast<double>(i % 10 + 1);
    return y;
}

bool writeVar(mat_t* mat, const char* name, matio_classes cls, matio_types type, std::vector<std::size_t> dims,
              void* data) {
    matvar_t* var = Mat_VarCreate(name, cls, type, static_cast<int>(dims.size()), dims.data(), data, 0);
    if (!var) return false;
    const bool ok = Mat_VarWrite(mat, var, MAT_COMPRESSION_ZLIB) == 0;
    Mat_VarFree(var);
    return ok;
}

bool writeSvhnMat(const QString& path, mat_ft version, MatContents m) {
    mat_t* mat = Mat_CreateVer(QFile::encodeName(path).constData(), nullptr, version);
    if (!mat) return false;
    const std::size_t n = m.y.size();
    std::vector<std::size_t> dims = m.xDims.empty() ? std::vector<std::size_t>{32, 32, 3, n} : m.xDims;
    std::size_t count = 1;
    for (std::size_t d : dims) count *= d;
    std::vector<std::uint8_t> x = svhnPixels(n);
    x.resize(count);
    std::vector<double> xDouble(x.begin(), x.end());
    bool ok = true;
    if (m.withX)
        ok = m.xClass == MAT_C_UINT8 ? writeVar(mat, "X", MAT_C_UINT8, MAT_T_UINT8, dims, x.data())
                                     : writeVar(mat, "X", MAT_C_DOUBLE, MAT_T_DOUBLE, dims, xDouble.data());
    if (ok && m.withY) ok = writeVar(mat, "y", MAT_C_DOUBLE, MAT_T_DOUBLE, {n, 1}, m.y.data());
    return Mat_Close(mat) == 0 && ok;
}

#endif

/// Small folders of every real 3-channel format: `train` training and `test` test images.
bool writeCifar10(const QString& dir, int train, int test) {
    bool ok = true;
    for (int b = 1; b <= 5; ++b)
        ok = ok && writeBytes(QDir(dir).filePath(QString("data_batch_%1.bin").arg(b)),
                              cifar10Records(train / 5, (b - 1) * (train / 5)));
    return ok && writeBytes(QDir(dir).filePath("test_batch.bin"), cifar10Records(test, 1000));
}

bool writeCifar100(const QString& dir, int train, int test) {
    return writeBytes(QDir(dir).filePath("train.bin"), cifar100Records(train, 0)) &&
           writeBytes(QDir(dir).filePath("test.bin"), cifar100Records(test, 1000));
}

/// The core suites' tiny ResNet-9 run, on `dataset` read from `dir`, for one epoch.
RunConfig datasetConfig(const std::string& dataset, const QString& dir) {
    RunConfig c = memloc::core::testing::tinyConfig(1);
    c.dataset = dataset;
    c.dataDir = dir.toStdString();
    c.noise = 0.1;
    c.batchSize = 16;
    c.threads = 1;
    return c;
}

/// Trains `config` for one epoch and checks what the run file says about its data.
void checkTinyRun(const RunConfig& config, std::int64_t trainSize, std::int64_t classes, const std::string& name0) {
    QTemporaryDir out;
    const std::string path = QDir(out.path()).filePath("run.h5").toStdString();
    QCOMPARE(trainRun(config, path).epochsCompleted, std::int64_t{1});
    const RunSummary s = readRunSummary(path);
    QCOMPARE(s.config.dataset, config.dataset);
    QCOMPARE(s.trainSize, trainSize);
    QCOMPARE(s.numClasses, classes);
    QCOMPARE(s.imageShape, (std::vector<std::int64_t>{3, 32, 32}));
    QCOMPARE(s.noisyCount, trainSize / 10);
    QCOMPARE(classNames(s.config.dataset, s.numClasses)[0], name0);
}

} // namespace

class TestDatasets : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void cifar100ReadsRecords();
    void cifar100RejectsBadFiles();
    void cifar100ClassNames();
    void svhnReadsMatFiles();
    void svhnRejectsBadFiles();
    void datasetSettings();
    void trainsOnCifar10();
    void trainsOnCifar100();
    void trainsOnSvhn();
};

void TestDatasets::cifar100ReadsRecords() {
    QTemporaryDir dir;
    QVERIFY(writeBytes(QDir(dir.path()).filePath("test.bin"),
                       cifar100Record(4, 30, 0) + cifar100Record(19, 99, 1) + cifar100Record(0, 0, 2)));
    const ImageSet set = loadCifar100Split(dir.path().toStdString(), false);
    QCOMPARE(set.size(), 3);
    QCOMPARE(set.numClasses, 100);
    QCOMPARE(set.images.scalar_type(), torch::kUInt8);
    QCOMPARE(set.images.sizes().vec(), (std::vector<std::int64_t>{3, 3, 32, 32}));
    QVERIFY(torch::equal(set.labels, torch::tensor({30, 99, 0}, torch::kInt64)));  // the fine labels
    QVERIFY(imagesMatch(set.images, 0));

    // The train split from the parent of the archive's own directory.
    QVERIFY(QDir(dir.path()).mkdir("cifar-100-binary"));
    QVERIFY(writeBytes(QDir(dir.path()).filePath("cifar-100-binary/train.bin"), cifar100Records(25, 5)));
    const ImageSet train = loadCifar100Split(dir.path().toStdString(), true);
    QCOMPARE(train.size(), 25);
    QCOMPARE(train.labels[1].item<std::int64_t>(), std::int64_t{(5 + 7) % 100});
    QVERIFY(imagesMatch(train.images, 5));
}

void TestDatasets::cifar100RejectsBadFiles() {
    QTemporaryDir dir;
    const QString file = QDir(dir.path()).filePath("test.bin");
    CHECK_ERROR(loadCifar100Split(dir.path().toStdString(), false), dir.path(), "no CIFAR-100 batches", "test.bin",
                "cifar-100-binary/");
    CHECK_ERROR(loadCifar100Split(dir.path().toStdString() + "/nowhere", false), "nowhere",
                "CIFAR-100 directory not found");

    QVERIFY(writeBytes(file, QByteArray()));
    CHECK_ERROR(loadCifar100Split(dir.path().toStdString(), false), file, "empty CIFAR-100 batch file");

    // The second record cut one byte short.
    QVERIFY(writeBytes(file, cifar100Record(1, 1, 0) + cifar100Record(1, 2, 0).left(3073)));
    CHECK_ERROR(loadCifar100Split(dir.path().toStdString(), false), file, "truncated CIFAR-100 batch",
                "3074-byte record size", "1 whole records + 3073 bytes");

    QVERIFY(writeBytes(file, cifar100Record(1, 1, 0) + cifar100Record(2, 100, 0)));
    CHECK_ERROR(loadCifar100Split(dir.path().toStdString(), false), file, "record 1 has fine label 100",
                "expected 0..99");
    QVERIFY(writeBytes(file, cifar100Record(20, 1, 0)));
    CHECK_ERROR(loadCifar100Split(dir.path().toStdString(), false), file, "record 0 has coarse label 20",
                "expected 0..19");
}

void TestDatasets::cifar100ClassNames() {
    const std::vector<std::string> names = classNames("cifar100", 100);
    QCOMPARE(names.size(), std::size_t{100});
    // The official fine_label_names are in alphabetical order, every one distinct.
    QVERIFY(std::is_sorted(names.begin(), names.end()));
    QCOMPARE(std::set<std::string>(names.begin(), names.end()).size(), std::size_t{100});
    const std::vector<std::string> first = {"apple", "aquarium_fish", "baby", "bear",    "beaver",
                                            "bed",   "bee",           "beetle", "bicycle", "bottle"};
    QVERIFY(std::equal(first.begin(), first.end(), names.begin()));
    QCOMPARE(names[19], std::string("cattle"));
    QCOMPARE(names[46], std::string("man"));
    QCOMPARE(names[47], std::string("maple_tree"));
    QCOMPARE(names[68], std::string("road"));
    QCOMPARE(names[85], std::string("tank"));
    QCOMPARE(names[98], std::string("woman"));
    QCOMPARE(classNames("CIFAR-100", 100), names);
    QCOMPARE(classNames("svhn", 10)[0], std::string("0"));
}

void TestDatasets::svhnReadsMatFiles() {
#ifdef MEMLOC_TEST_MATIO
    QVERIFY(svhnSupported());
    QTemporaryDir dir;
    const std::vector<double> labels = svhnLabels(12);
    QVERIFY(writeSvhnMat(QDir(dir.path()).filePath("test_32x32.mat"), MAT_FT_MAT5, {{}, MAT_C_UINT8, labels}));
    QVERIFY(writeSvhnMat(QDir(dir.path()).filePath("train_32x32.mat"), MAT_FT_MAT73, {{}, MAT_C_UINT8, labels}));
    for (bool train : {false, true}) {
        const ImageSet set = loadSvhnSplit(dir.path().toStdString(), train);
        QCOMPARE(set.size(), 12);
        QCOMPARE(set.numClasses, 10);
        QCOMPARE(set.images.scalar_type(), torch::kUInt8);
        QCOMPARE(set.images.sizes().vec(), (std::vector<std::int64_t>{12, 3, 32, 32}));
        QVERIFY(set.images.is_contiguous());
        QVERIFY2(imagesMatch(set.images, 0), train ? "v7.3 file" : "v5 file");
        // Labels 1..10 with 10 as the digit 0.
        QVERIFY(torch::equal(set.labels,
                             torch::tensor({1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2}, torch::kInt64)));
    }
#else
    QVERIFY(!svhnSupported());
    CHECK_ERROR(loadSvhnSplit("/tmp", true), "this build of memloc has no libmatio");
#endif
}

void TestDatasets::svhnRejectsBadFiles() {
#ifdef MEMLOC_TEST_MATIO
    QTemporaryDir dir;
    const std::string d = dir.path().toStdString();
    const QString file = QDir(dir.path()).filePath("test_32x32.mat");
    CHECK_ERROR(loadSvhnSplit(d, false), file, "SVHN file not found");
    CHECK_ERROR(loadSvhnSplit(d + "/nowhere", false), "nowhere", "SVHN directory not found");

    QVERIFY(writeBytes(file, QByteArray("not a MATLAB file at all, just some text for the reader to refuse")));
    CHECK_ERROR(loadSvhnSplit(d, false), file, "not a MATLAB .mat file");

    const std::vector<double> labels = svhnLabels(4);
    for (mat_ft version : {MAT_FT_MAT5, MAT_FT_MAT73}) {
        const QString v = version == MAT_FT_MAT5 ? "v5" : "v7.3";
        MatContents noX{{}, MAT_C_UINT8, labels};
        noX.withX = false;
        QVERIFY(QFile::remove(file) || !QFile::exists(file));
        QVERIFY(writeSvhnMat(file, version, noX));
        CHECK_ERROR(loadSvhnSplit(d, false), file, "no variable 'X'");
        MatContents noY{{}, MAT_C_UINT8, labels};
        noY.withY = false;
        QVERIFY(QFile::remove(file));
        QVERIFY(writeSvhnMat(file, version, noY));
        CHECK_ERROR(loadSvhnSplit(d, false), file, "no variable 'y'");

        QVERIFY(QFile::remove(file));
        QVERIFY(writeSvhnMat(file, version, {{}, MAT_C_DOUBLE, labels}));
        CHECK_ERROR(loadSvhnSplit(d, false), file, "X must be a real uint8 array, found double");
        QVERIFY(QFile::remove(file));
        QVERIFY(writeSvhnMat(file, version, {{32, 32, 1, 4}, MAT_C_UINT8, labels}));
        CHECK_ERROR(loadSvhnSplit(d, false), file, "X must be 32x32x3xN", "found 32x32x1x4");
        QVERIFY(QFile::remove(file));
        QVERIFY(writeSvhnMat(file, version, {{32, 32, 3, 5}, MAT_C_UINT8, labels}));
        CHECK_ERROR(loadSvhnSplit(d, false), file, "y has 4 labels, but X has 5 images");
        QVERIFY(QFile::remove(file));
        QVERIFY(writeSvhnMat(file, version, {{}, MAT_C_UINT8, {1, 2, 11, 4}}));
        CHECK_ERROR(loadSvhnSplit(d, false), file, "y(3) is 11", "expected a label 1..10");
        QVERIFY(QFile::remove(file));
        QVERIFY2(writeSvhnMat(file, version, {{}, MAT_C_UINT8, {1, 0, 3, 4}}), qPrintable(v));
        CHECK_ERROR(loadSvhnSplit(d, false), file, "y(2) is 0");
        QVERIFY(QFile::remove(file));
    }

    // Downloads cut short, in both formats: the file says how much is missing.
    for (mat_ft version : {MAT_FT_MAT5, MAT_FT_MAT73}) {
        QVERIFY(writeSvhnMat(file, version, {{}, MAT_C_UINT8, svhnLabels(40)}));
        QFile whole(file);
        QVERIFY(whole.open(QIODevice::ReadWrite));
        QVERIFY(whole.resize(whole.size() / 2));
        whole.close();
        CHECK_ERROR(loadSvhnSplit(d, false), file, "truncated .mat file");
        QVERIFY(QFile::remove(file));
    }
    // Damaged compressed data inside X.
    QVERIFY(writeSvhnMat(file, MAT_FT_MAT5, {{}, MAT_C_UINT8, svhnLabels(40)}));
    QFile damaged(file);
    QVERIFY(damaged.open(QIODevice::ReadWrite) && damaged.seek(700));
    QCOMPARE(damaged.write(QByteArray(40, 'Z')), qint64{40});
    damaged.close();
    CHECK_ERROR(loadSvhnSplit(d, false), file, "cannot read variable 'X'", "corrupt");
#else
    CHECK_ERROR(loadSvhnSplit("/tmp", false), "/tmp", "no libmatio");
#endif
}

void TestDatasets::datasetSettings() {
    RunConfig c;
    for (const char* name : {"cifar10", "cifar100", "svhn"}) {
        c.dataset = name;
        validateConfig(c);
        QCOMPARE(defaultDataDir(name), std::string("/usr/share/datasets/") + name);
    }
    QCOMPARE(defaultDataDir("fashion-mnist"), std::string("/usr/share/datasets/fashion-mnist"));
    QCOMPARE(defaultDataDir("synthetic"), std::string());
    c.dataset = "cifar-100";
    CHECK_ERROR(validateConfig(c), "dataset 'cifar-100' is unknown",
                "fashion-mnist, mnist, cifar10, cifar100, svhn or synthetic");

    // An unset data_dir whose default folder is missing says how to set it.
    const std::string fallback = defaultDataDir("cifar100");
    if (!std::filesystem::exists(fallback)) {
        QTemporaryDir out;
        RunConfig missing = datasetConfig("cifar100", QString());
        CHECK_ERROR(trainRun(missing, QDir(out.path()).filePath("run.h5").toStdString()),
                    QString::fromStdString(fallback), "does not exist", "data_dir");
    }
}

void TestDatasets::trainsOnCifar10() {
    QTemporaryDir dir;
    QVERIFY(writeCifar10(dir.path(), 40, 20));
    checkTinyRun(datasetConfig("cifar10", dir.path()), 40, 10, "airplane");
}

void TestDatasets::trainsOnCifar100() {
    QTemporaryDir dir;
    QVERIFY(writeCifar100(dir.path(), 40, 20));
    checkTinyRun(datasetConfig("cifar100", dir.path()), 40, 100, "apple");
}

void TestDatasets::trainsOnSvhn() {
#ifdef MEMLOC_TEST_MATIO
    QTemporaryDir dir;
    QVERIFY(writeSvhnMat(QDir(dir.path()).filePath("train_32x32.mat"), MAT_FT_MAT5, {{}, MAT_C_UINT8, svhnLabels(40)}));
    QVERIFY(writeSvhnMat(QDir(dir.path()).filePath("test_32x32.mat"), MAT_FT_MAT73, {{}, MAT_C_UINT8, svhnLabels(20)}));
    checkTinyRun(datasetConfig("svhn", dir.path()), 40, 10, "0");
#else
    QTemporaryDir out;
    CHECK_ERROR(trainRun(datasetConfig("svhn", out.path()), QDir(out.path()).filePath("run.h5").toStdString()),
                "no libmatio");
#endif
}

QTEST_GUILESS_MAIN(TestDatasets)
#include "test_datasets.moc"
