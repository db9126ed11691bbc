// Tests for the dataset layer: IDX and CIFAR-10 readers, synthetic sets, subsets, label noise.

// LibTorch first: Qt's keyword macros would otherwise clash with its headers.
#include <torch/torch.h>

#include "data/dataset.h"
#include "error_of.h"
#include "memloc/class_names.h"
#include "memloc/error.h"

#include <zlib.h>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

using namespace memloc::core;
using memloc::core::testing::errorOf;

namespace {

const QString kFashionMnistDir = QStringLiteral("/usr/share/datasets/fashion-mnist");

/// An IDX file image: big-endian magic, big-endian dims, then the payload.
QByteArray idxBytes(std::uint32_t magic, const std::vector<std::uint32_t>& dims,
                    const QByteArray& payload) {
    QByteArray out;
    auto put32 = [&out](std::uint32_t v) {
        for (int shift = 24; shift >= 0; shift -= 8)
            out.append(static_cast<char>((v >> shift) & 0xFF));
    };
    put32(magic);
    for (std::uint32_t d : dims)
        put32(d);
    return out + payload;
}

/// Pixel i of the fixture images is i mod 251, so any misplaced byte changes the result.
QByteArray rampBytes(int n) {
    QByteArray out(n, '\0');
    for (int i = 0; i < n; ++i)
        out[i] = static_cast<char>(i % 251);
    return out;
}

bool writeFile(const QString& path, const QByteArray& data, bool gzip) {
    if (!gzip) {
        QFile f(path);
        return f.open(QIODevice::WriteOnly) && f.write(data) == data.size();
    }
    gzFile f = gzopen(QFile::encodeName(path).constData(), "wb");
    if (!f)
        return false;
    const int written = gzwrite(f, data.constData(), static_cast<unsigned>(data.size()));
    return gzclose(f) == Z_OK && written == data.size();
}

QByteArray readFile(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}


torch::Tensor rampLabels(std::int64_t n, std::int64_t numClasses) {
    return torch::arange(n, torch::kInt64).remainder(numClasses);
}

} // namespace

class TestData : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // A program linked with LibTorch must reach the system's std::filesystem: the wheel's
    // libtorch.so exports its own copy, whose remove_all crashed (cmake/MemlocTorch.cmake).
    void filesystemWorksBesideLibTorch() {
        QTemporaryDir dir;
        const std::filesystem::path root = dir.filePath("a").toStdString();
        std::filesystem::create_directories(root / "b" / "c");
        QFile f(QString::fromStdString((root / "b" / "file").string()));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        std::error_code ec;
        QCOMPARE(std::filesystem::remove_all(root, ec), std::uintmax_t{4});
        QVERIFY(!ec);
        QVERIFY(!std::filesystem::exists(root));
        QCOMPARE(std::filesystem::remove_all(root), std::uintmax_t{0});
    }

    void noiseCount_data();
    void noiseCount();
    void noiseChangesExactlyMaskedLabels_data();
    void noiseChangesExactlyMaskedLabels();
    void noiseIsUniformOverOtherClasses();
    void noiseIsDeterministic();
    void noiseRejectsBadArguments();
    void chooseSubsetFirst();
    void chooseSubsetRandom();
    void chooseSubsetRejectsBadArguments();
    void idxReadsGoodFiles_data();
    void idxReadsGoodFiles();
    void idxRejectsTruncatedFiles_data();
    void idxRejectsTruncatedFiles();
    void idxRejectsCutGzipStream_data();
    void idxRejectsCutGzipStream();
    void idxRejectsBadSizes();
    void idxRejectsWrongMagic_data();
    void idxRejectsWrongMagic();
    void idxRejectsMissingFile();
    void mnistSplitLoadsFromDirectory();
    void mnistSplitRejectsInconsistentFiles();
    void cifarReadsRecords();
    void cifarRejectsBadFiles();
    void syntheticIsDeterministic();
    void syntheticSplitsShareClasses();
    void fashionMnistTestSplit();
    void classNamesOfKnownDatasets();
    void classNamesFallBackToNumbers();
};

void TestData::noiseCount_data() {
    QTest::addColumn<qint64>("n");
    QTest::addColumn<double>("fraction");
    QTest::addColumn<qint64>("expected");
    QTest::newRow("empty") << qint64(0) << 0.5 << qint64(0);
    QTest::newRow("no noise") << qint64(1000) << 0.0 << qint64(0);
    QTest::newRow("0.1 of 1000") << qint64(1000) << 0.1 << qint64(100);
    QTest::newRow("0.2 of 7 rounds down") << qint64(7) << 0.2 << qint64(1);
    QTest::newRow("0.29 of 100 despite binary rounding") << qint64(100) << 0.29 << qint64(29);
    QTest::newRow("0.5 of 1") << qint64(1) << 0.5 << qint64(0);
    QTest::newRow("0.8 of 60000") << qint64(60000) << 0.8 << qint64(48000);
    QTest::newRow("0.333 of 1001") << qint64(1001) << 0.333 << qint64(333);
    QTest::newRow("0.999 of 10") << qint64(10) << 0.999 << qint64(9);
}

void TestData::noiseCount() {
    QFETCH(qint64, n);
    QFETCH(double, fraction);
    QFETCH(qint64, expected);
    const NoisyLabels noisy = applyLabelNoise(rampLabels(n, 10), 10, fraction, 42);
    QCOMPARE(noisy.noiseMask.size(0), n);
    QCOMPARE(noisy.noiseMask.sum().item<std::int64_t>(), expected);
    QCOMPARE(noisy.givenLabels.ne(noisy.trueLabels).sum().item<std::int64_t>(), expected);
}

void TestData::noiseChangesExactlyMaskedLabels_data() {
    QTest::addColumn<qint64>("numClasses");
    QTest::newRow("2 classes") << qint64(2);
    QTest::newRow("3 classes") << qint64(3);
    QTest::newRow("10 classes") << qint64(10);
    QTest::newRow("100 classes") << qint64(100);
}

void TestData::noiseChangesExactlyMaskedLabels() {
    QFETCH(qint64, numClasses);
    const torch::Tensor labels = rampLabels(5000, numClasses);
    for (std::uint64_t seed : {0ULL, 1ULL, 12345ULL}) {
        const NoisyLabels noisy = applyLabelNoise(labels, numClasses, 0.4, seed);
        QVERIFY(torch::equal(noisy.trueLabels, labels));
        QCOMPARE(noisy.givenLabels.scalar_type(), torch::kInt64);
        QCOMPARE(noisy.noiseMask.scalar_type(), torch::kBool);
        QVERIFY(torch::equal(noisy.givenLabels.ne(labels), noisy.noiseMask));
        QVERIFY(noisy.givenLabels.min().item<std::int64_t>() >= 0);
        QVERIFY(noisy.givenLabels.max().item<std::int64_t>() < numClasses);
    }
}

void TestData::noiseIsUniformOverOtherClasses() {
    constexpr std::int64_t kClasses = 4;
    const torch::Tensor labels = torch::zeros({40000}, torch::kInt64);
    const NoisyLabels noisy = applyLabelNoise(labels, kClasses, 0.75, 3);
    const torch::Tensor counts = torch::bincount(noisy.givenLabels, {}, kClasses);
    QCOMPARE(counts[0].item<std::int64_t>(), 10000);
    // 30000 replaced labels over 3 classes: 10000 each, binomial sd ~82.
    for (std::int64_t c = 1; c < kClasses; ++c)
        QVERIFY2(std::abs(counts[c].item<std::int64_t>() - 10000) < 500,
                 qPrintable(QString("class %1 got %2").arg(c).arg(counts[c].item<std::int64_t>())));
}

void TestData::noiseIsDeterministic() {
    const torch::Tensor labels = rampLabels(2000, 10);
    const NoisyLabels a = applyLabelNoise(labels, 10, 0.3, 7);
    const NoisyLabels b = applyLabelNoise(labels, 10, 0.3, 7);
    const NoisyLabels c = applyLabelNoise(labels, 10, 0.3, 8);
    QVERIFY(torch::equal(a.noiseMask, b.noiseMask));
    QVERIFY(torch::equal(a.givenLabels, b.givenLabels));
    QVERIFY(!torch::equal(a.noiseMask, c.noiseMask));
    QVERIFY(!torch::equal(a.givenLabels, c.givenLabels));
}

void TestData::noiseRejectsBadArguments() {
    const torch::Tensor labels = rampLabels(10, 10);
    CHECK_ERROR(applyLabelNoise(labels, 10, 1.0, 0), "fraction");
    CHECK_ERROR(applyLabelNoise(labels, 10, -0.1, 0), "fraction");
    CHECK_ERROR(applyLabelNoise(labels, 10, std::nan(""), 0), "fraction");
    CHECK_ERROR(applyLabelNoise(labels, 1, 0.1, 0), "2 classes");
    CHECK_ERROR(applyLabelNoise(labels, 5, 0.1, 0), "[0, 5)", "9");
    CHECK_ERROR(applyLabelNoise(labels - 1, 10, 0.1, 0), "-1");
    CHECK_ERROR(applyLabelNoise(labels.to(torch::kFloat32), 10, 0.1, 0), "integers");
    CHECK_ERROR(applyLabelNoise(labels.reshape({2, 5}), 10, 0.1, 0), "1-D");
}

void TestData::chooseSubsetFirst() {
    QVERIFY(torch::equal(chooseSubset(10, 3, "first", 0), torch::arange(3, torch::kInt64)));
    QVERIFY(torch::equal(chooseSubset(10, 0, "first", 0), torch::arange(10, torch::kInt64)));
    QVERIFY(torch::equal(chooseSubset(10, 10, "first", 0), torch::arange(10, torch::kInt64)));
    QVERIFY(torch::equal(chooseSubset(10, 25, "random", 0), torch::arange(10, torch::kInt64)));
    QCOMPARE(chooseSubset(0, 5, "random", 0).size(0), 0);
}

void TestData::chooseSubsetRandom() {
    const torch::Tensor a = chooseSubset(1000, 100, "random", 5);
    QCOMPARE(a.scalar_type(), torch::kInt64);
    QCOMPARE(a.size(0), 100);
    QVERIFY(torch::equal(std::get<0>(a.sort()), a));  // ascending
    QCOMPARE(std::get<0>(torch::_unique(a)).size(0), 100);  // without replacement
    QVERIFY(a.min().item<std::int64_t>() >= 0 && a.max().item<std::int64_t>() < 1000);
    QVERIFY(!torch::equal(a, torch::arange(100, torch::kInt64)));
    QVERIFY(torch::equal(a, chooseSubset(1000, 100, "random", 5)));
    QVERIFY(!torch::equal(a, chooseSubset(1000, 100, "random", 6)));
}

void TestData::chooseSubsetRejectsBadArguments() {
    CHECK_ERROR(chooseSubset(10, 3, "last", 0), "mode", "last");
    CHECK_ERROR(chooseSubset(10, -1, "first", 0), "-1");
    CHECK_ERROR(chooseSubset(-5, 1, "first", 0), "-5");
}

void TestData::idxReadsGoodFiles_data() {
    QTest::addColumn<bool>("gzip");
    QTest::newRow("plain") << false;
    QTest::newRow("gzip") << true;
}

void TestData::idxReadsGoodFiles() {
    QFETCH(bool, gzip);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString images = dir.filePath("images.idx");
    const QString labels = dir.filePath("labels.idx");
    QVERIFY(writeFile(images, idxBytes(0x803, {3, 4, 5}, rampBytes(60)), gzip));
    QVERIFY(writeFile(labels, idxBytes(0x801, {3}, QByteArray("\x07\x00\xff", 3)), gzip));

    const ImageSet set = readIdxImages(images.toStdString());
    QCOMPARE(set.images.scalar_type(), torch::kUInt8);
    QCOMPARE(set.images.sizes().vec(), (std::vector<std::int64_t>{3, 1, 4, 5}));
    const torch::Tensor expected =
        torch::arange(60, torch::kInt64).remainder(251).to(torch::kUInt8).reshape({3, 1, 4, 5});
    QVERIFY(torch::equal(set.images, expected));

    const torch::Tensor l = readIdxLabels(labels.toStdString());
    QCOMPARE(l.scalar_type(), torch::kInt64);
    QVERIFY(torch::equal(l, torch::tensor({7, 0, 255}, torch::kInt64)));

    // An empty but well-formed file is a valid, empty set.
    QVERIFY(writeFile(images, idxBytes(0x803, {0, 28, 28}, {}), gzip));
    QCOMPARE(readIdxImages(images.toStdString()).images.size(0), 0);
}

void TestData::idxRejectsTruncatedFiles_data() {
    QTest::addColumn<bool>("gzip");
    QTest::newRow("plain") << false;
    QTest::newRow("gzip") << true;
}

void TestData::idxRejectsTruncatedFiles() {
    QFETCH(bool, gzip);
    QTemporaryDir dir;
    const QString images = dir.filePath("images.idx");
    const QString labels = dir.filePath("labels.idx");

    QVERIFY(writeFile(images, idxBytes(0x803, {3, 4, 5}, rampBytes(25)), gzip));
    CHECK_ERROR(readIdxImages(images.toStdString()), images, "truncated IDX image file",
                "expected 60 bytes of pixel data, found 25");

    QVERIFY(writeFile(labels, idxBytes(0x801, {100}, rampBytes(99)), gzip));
    CHECK_ERROR(readIdxLabels(labels.toStdString()), labels, "truncated IDX label file",
                "expected 100 bytes of label data, found 99");

    QVERIFY(writeFile(images, idxBytes(0x803, {3, 4, 5}, {}).left(10), gzip));
    CHECK_ERROR(readIdxImages(images.toStdString()), images, "16-byte header, found 10");

    QVERIFY(writeFile(images, {}, gzip));
    CHECK_ERROR(readIdxImages(images.toStdString()), images, "found 0");
}

void TestData::idxRejectsCutGzipStream_data() {
    QTest::addColumn<int>("cutBytes");
    QTest::addColumn<QString>("expected");
    QTest::newRow("inside the data") << 400 << QString("expected 6000 bytes of pixel data, found");
    QTest::newRow("inside the trailer") << 3 << QString("truncated gzip file");
}

void TestData::idxRejectsCutGzipStream() {
    QFETCH(int, cutBytes);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    const QString images = dir.filePath("images.idx.gz");
    // Random pixels keep the compressed stream long enough to cut in the middle.
    const torch::Tensor pixels = torch::randint(0, 256, {6000}, torch::kUInt8);
    const QByteArray payload(reinterpret_cast<const char*>(pixels.data_ptr<std::uint8_t>()), 6000);
    QVERIFY(writeFile(images, idxBytes(0x803, {60, 10, 10}, payload), true));
    const QByteArray whole = readFile(images);
    QVERIFY(whole.size() > cutBytes + 100);
    QVERIFY(writeFile(images, whole.left(whole.size() - cutBytes), false));
    CHECK_ERROR(readIdxImages(images.toStdString()), images, expected);
}

void TestData::idxRejectsBadSizes() {
    QTemporaryDir dir;
    const QString labels = dir.filePath("labels.idx");
    QVERIFY(writeFile(labels, idxBytes(0x801, {4}, rampBytes(10)), false));
    CHECK_ERROR(readIdxLabels(labels.toStdString()), labels, "expected 4 bytes", "found 6 more");

    const QString images = dir.filePath("images.idx");
    QVERIFY(writeFile(images, idxBytes(0x803, {3, 0, 5}, {}), false));
    CHECK_ERROR(readIdxImages(images.toStdString()), images, "dimension 1 is 0");
    // A corrupt header must be rejected before anything that size is allocated.
    QVERIFY(writeFile(images, idxBytes(0x803, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, rampBytes(10)),
                      false));
    CHECK_ERROR(readIdxImages(images.toStdString()), images, "GiB");
    QVERIFY(writeFile(images, idxBytes(0x803, {1000000, 28, 28}, rampBytes(10)), false));
    CHECK_ERROR(readIdxImages(images.toStdString()), images,
                "expected 784000000 bytes of pixel data, found 10");
}

void TestData::idxRejectsWrongMagic_data() {
    QTest::addColumn<bool>("gzip");
    QTest::newRow("plain") << false;
    QTest::newRow("gzip") << true;
}

void TestData::idxRejectsWrongMagic() {
    QFETCH(bool, gzip);
    QTemporaryDir dir;
    const QString labels = dir.filePath("labels.idx");
    QVERIFY(writeFile(labels, idxBytes(0x801, {3}, rampBytes(3)), gzip));
    // A label file where images are expected is the likeliest mix-up.
    CHECK_ERROR(readIdxImages(labels.toStdString()), labels, "expected magic 0x00000803",
                "found 0x00000801");
    const QString images = dir.filePath("images.idx");
    QVERIFY(writeFile(images, idxBytes(0x803, {1, 2, 2}, rampBytes(4)), gzip));
    CHECK_ERROR(readIdxLabels(images.toStdString()), images, "expected magic 0x00000801",
                "found 0x00000803");
    QVERIFY(writeFile(images, "GIF89a: not an idx file at all", gzip));
    CHECK_ERROR(readIdxImages(images.toStdString()), images, "found 0x47494638");
}

void TestData::idxRejectsMissingFile() {
    QTemporaryDir dir;
    const QString missing = dir.filePath("nope-idx3-ubyte.gz");
    CHECK_ERROR(readIdxImages(missing.toStdString()), missing, "not found");
    CHECK_ERROR(readIdxLabels(missing.toStdString()), missing, "not found");
    CHECK_ERROR(readIdxImages(dir.path().toStdString()), dir.path(), "not a regular file");
    CHECK_ERROR(loadMnistSplit(dir.path().toStdString(), true), dir.path(),
                "train-images-idx3-ubyte.gz", "train-images-idx3-ubyte");
}

void TestData::mnistSplitLoadsFromDirectory() {
    QTemporaryDir dir;
    QDir d(dir.path());
    // Mixed on purpose: the .gz and plain variants are found independently.
    QVERIFY(writeFile(d.filePath("train-images-idx3-ubyte.gz"),
                      idxBytes(0x803, {5, 2, 3}, rampBytes(30)), true));
    QVERIFY(writeFile(d.filePath("train-labels-idx1-ubyte"),
                      idxBytes(0x801, {5}, QByteArray("\x00\x09\x03\x03\x01", 5)), false));
    QVERIFY(writeFile(d.filePath("t10k-images-idx3-ubyte"), idxBytes(0x803, {2, 2, 3}, rampBytes(12)),
                      false));
    QVERIFY(writeFile(d.filePath("t10k-labels-idx1-ubyte.gz"),
                      idxBytes(0x801, {2}, QByteArray("\x04\x05", 2)), true));

    const ImageSet train = loadMnistSplit(dir.path().toStdString(), true);
    QCOMPARE(train.size(), 5);
    QCOMPARE(train.numClasses, 10);
    QCOMPARE(train.images.sizes().vec(), (std::vector<std::int64_t>{5, 1, 2, 3}));
    QVERIFY(torch::equal(train.labels, torch::tensor({0, 9, 3, 3, 1}, torch::kInt64)));

    const ImageSet test = loadMnistSplit(dir.path().toStdString(), false);
    QCOMPARE(test.size(), 2);
    QVERIFY(torch::equal(test.labels, torch::tensor({4, 5}, torch::kInt64)));
}

void TestData::mnistSplitRejectsInconsistentFiles() {
    QTemporaryDir dir;
    QDir d(dir.path());
    const QString labels = d.filePath("train-labels-idx1-ubyte");
    QVERIFY(writeFile(d.filePath("train-images-idx3-ubyte"), idxBytes(0x803, {3, 2, 2}, rampBytes(12)),
                      false));
    QVERIFY(writeFile(labels, idxBytes(0x801, {2}, QByteArray("\x01\x02", 2)), false));
    CHECK_ERROR(loadMnistSplit(dir.path().toStdString(), true), labels, "2 labels", "3 images",
                d.filePath("train-images-idx3-ubyte"));

    QVERIFY(writeFile(labels, idxBytes(0x801, {3}, QByteArray("\x01\x0a\x02", 3)), false));
    CHECK_ERROR(loadMnistSplit(dir.path().toStdString(), true), labels, "label 10 at index 1");
}

namespace {

/// A CIFAR-10 record: label, then 3072 bytes whose value encodes channel and position.
QByteArray cifarRecord(char label, int seed) {
    QByteArray r(1, label);
    for (int c = 0; c < 3; ++c)
        for (int i = 0; i < 1024; ++i)
            r.append(static_cast<char>((seed * 7 + c * 50 + i) % 256));
    return r;
}

} // namespace

void TestData::cifarReadsRecords() {
    QTemporaryDir dir;
    QDir root(dir.path());
    QVERIFY(writeFile(root.filePath("test_batch.bin"), cifarRecord(3, 0) + cifarRecord(9, 1), false));
    const ImageSet set = loadCifar10Split(dir.path().toStdString(), false);
    QCOMPARE(set.size(), 2);
    QCOMPARE(set.numClasses, 10);
    QCOMPARE(set.images.scalar_type(), torch::kUInt8);
    QCOMPARE(set.images.sizes().vec(), (std::vector<std::int64_t>{2, 3, 32, 32}));
    QVERIFY(torch::equal(set.labels, torch::tensor({3, 9}, torch::kInt64)));
    // CHW: the second record, green plane, row 1, column 2 is pixel 32 + 2 of plane 1.
    QCOMPARE(set.images[1][1][1][2].item<int>(), (7 + 50 + 34) % 256);
    QCOMPARE(set.images[0][2][31][31].item<int>(), (100 + 1023) % 256);

    // The train split from the parent of the archive's own directory.
    QVERIFY(root.mkdir("cifar-10-batches-bin"));
    for (int i = 1; i <= 5; ++i)
        QVERIFY(writeFile(root.filePath(QString("cifar-10-batches-bin/data_batch_%1.bin").arg(i)),
                          cifarRecord(static_cast<char>(i), i), false));
    const ImageSet train = loadCifar10Split(dir.path().toStdString(), true);
    QVERIFY(torch::equal(train.labels, torch::tensor({1, 2, 3, 4, 5}, torch::kInt64)));
    QCOMPARE(train.images[4][0][0][0].item<int>(), 35);
}

void TestData::cifarRejectsBadFiles() {
    QTemporaryDir dir;
    QDir root(dir.path());
    const QString batch = root.filePath("test_batch.bin");
    CHECK_ERROR(loadCifar10Split(dir.path().toStdString(), false), dir.path(), "test_batch.bin");

    QVERIFY(writeFile(batch, cifarRecord(1, 0) + cifarRecord(2, 0).left(100), false));
    CHECK_ERROR(loadCifar10Split(dir.path().toStdString(), false), batch, "truncated",
                "1 whole records + 100 bytes");

    QVERIFY(writeFile(batch, cifarRecord(1, 0) + cifarRecord(10, 0), false));
    CHECK_ERROR(loadCifar10Split(dir.path().toStdString(), false), batch, "record 1 has label 10");

    // One train batch present, the rest missing: name the first missing one.
    QVERIFY(writeFile(root.filePath("data_batch_1.bin"), cifarRecord(1, 0), false));
    CHECK_ERROR(loadCifar10Split(dir.path().toStdString(), true), "data_batch_2.bin", "not found");
}

void TestData::syntheticIsDeterministic() {
    const ImageSet a = makeSyntheticImages(200, 10, 3, 16, 11, false);
    const ImageSet b = makeSyntheticImages(200, 10, 3, 16, 11, false);
    const ImageSet c = makeSyntheticImages(200, 10, 3, 16, 12, false);
    QCOMPARE(a.images.scalar_type(), torch::kUInt8);
    QCOMPARE(a.images.sizes().vec(), (std::vector<std::int64_t>{200, 3, 16, 16}));
    QCOMPARE(a.labels.scalar_type(), torch::kInt64);
    QCOMPARE(a.numClasses, 10);
    QVERIFY(torch::equal(a.images, b.images));
    QVERIFY(torch::equal(a.labels, b.labels));
    QVERIFY(!torch::equal(a.images, c.images));
    // Balanced classes.
    QVERIFY(torch::equal(torch::bincount(a.labels, {}, 10), torch::full({10}, 20, torch::kInt64)));
    const ImageSet t = makeSyntheticImages(200, 10, 3, 16, 11, true);
    QVERIFY(!torch::equal(a.images, t.images));
    CHECK_ERROR(makeSyntheticImages(-1, 10, 1, 8, 0, false), "-1");
    CHECK_ERROR(makeSyntheticImages(10, 10, 0, 8, 0, false), "channels");
}

void TestData::syntheticSplitsShareClasses() {
    // A nearest-class-mean classifier fitted on train must work on test of the same seed (shared
    // prototypes) and fail on another seed's test split (different prototypes).
    const ImageSet train = makeSyntheticImages(500, 10, 1, 28, 7, false);
    const torch::Tensor x = train.images.to(torch::kFloat32).flatten(1);
    const torch::Tensor means =
        torch::zeros({10, x.size(1)}).index_add_(0, train.labels, x) / 50.0;
    auto accuracy = [&means](const ImageSet& s) {
        const torch::Tensor d = torch::cdist(s.images.to(torch::kFloat32).flatten(1), means);
        return d.argmin(1).eq(s.labels).to(torch::kFloat64).mean().item<double>();
    };
    const double same = accuracy(makeSyntheticImages(300, 10, 1, 28, 7, true));
    const double other = accuracy(makeSyntheticImages(300, 10, 1, 28, 8, true));
    QVERIFY2(same > 0.95, qPrintable(QString("same-seed accuracy %1").arg(same)));
    QVERIFY2(other < 0.5, qPrintable(QString("other-seed accuracy %1").arg(other)));
}

void TestData::fashionMnistTestSplit() {
    if (!QDir(kFashionMnistDir).exists())
        QSKIP("Fashion-MNIST is not installed at /usr/share/datasets/fashion-mnist");
    const ImageSet set = loadMnistSplit(kFashionMnistDir.toStdString(), false);
    QCOMPARE(set.size(), 10000);
    QCOMPARE(set.numClasses, 10);
    QCOMPARE(set.images.sizes().vec(), (std::vector<std::int64_t>{10000, 1, 28, 28}));
    // The test split is balanced: 1000 images per class.
    QVERIFY(torch::equal(torch::bincount(set.labels, {}, 10), torch::full({10}, 1000, torch::kInt64)));
    const double mean = set.images.to(torch::kFloat64).mean().item<double>();
    QVERIFY2(mean > 60 && mean < 85, qPrintable(QString("mean pixel %1").arg(mean)));
}

void TestData::classNamesOfKnownDatasets() {
    const std::vector<std::string> fashion = classNames("fashion-mnist", 10);
    QCOMPARE(fashion.size(), size_t(10));
    QCOMPARE(fashion[0], std::string("T-shirt/top"));
    QCOMPARE(fashion[5], std::string("Sandal"));
    QCOMPARE(fashion[9], std::string("Ankle boot"));
    QCOMPARE(classNames("FashionMNIST", 10), fashion);  // the spellings people use match too
    QCOMPARE(classNames("mnist", 10)[7], std::string("7"));
    QCOMPARE(classNames("SVHN", 10)[0], std::string("0"));
    const std::vector<std::string> cifar = classNames("cifar10", 10);
    QCOMPARE(cifar[1], std::string("automobile"));
    QCOMPARE(cifar[9], std::string("truck"));
    QCOMPARE(classNames("CIFAR-10", 10), cifar);
    const std::vector<std::string> cifar100 = classNames("cifar100", 100);
    QCOMPARE(cifar100.size(), size_t(100));
    QCOMPARE(cifar100[0], std::string("apple"));
    QCOMPARE(cifar100[1], std::string("aquarium_fish"));
    QCOMPARE(cifar100[58], std::string("pickup_truck"));
    QCOMPARE(cifar100[99], std::string("worm"));
    QCOMPARE(className(fashion, 8), std::string("Bag"));
    QCOMPARE(className(fashion, 10), std::string("10"));  // out of range: the number
    QCOMPARE(className(fashion, -1), std::string("-1"));
}

void TestData::classNamesFallBackToNumbers() {
    const std::vector<std::string> numbers = {"0", "1", "2", "3"};
    QCOMPARE(classNames("synthetic", 4), numbers);
    QCOMPARE(classNames("imagenet", 4), numbers);       // unknown dataset
    QCOMPARE(classNames("fashion-mnist", 4), numbers);  // class count differs from the dataset's
    QCOMPARE(classNames("cifar10", 100).size(), size_t(100));
    QCOMPARE(classNames("cifar10", 100)[42], std::string("42"));
    QVERIFY(classNames("mnist", 0).empty());
}

QTEST_GUILESS_MAIN(TestData)
#include "test_data.moc"
