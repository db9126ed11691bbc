// Every input in tests/fuzz-corpus/<target>/ (the fuzzers' seeds and every input that once made a
// reader crash, leak or hang: regression-* files) through the same reader calls as the fuzzers
// (fuzz/fuzz_inputs.cpp). Each input must be read or refused with memloc::core::Error; under
// tools/sanitize.sh address the sanitizers also check the memory accesses.
#include "fuzz_inputs.h"

#include <QDir>
#include <QFile>
#include <QtTest>

#include <cstdint>
#include <exception>
#include <string>

class TestFuzzCorpus : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void corpus_data() {
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("file");
        const QDir root(MEMLOC_SOURCE_DIR "/tests/fuzz-corpus");
        for (const std::string& target : memloc::fuzz::fuzzTargets()) {
            const QDir dir(root.filePath(QString::fromStdString(target)));
            const QStringList files = dir.entryList(QDir::Files, QDir::Name);
            QVERIFY2(!files.isEmpty(), qPrintable(dir.path() + " holds no seeds"));
            for (const QString& f : files)
                QTest::newRow(qPrintable(QString::fromStdString(target) + "/" + f))
                    << QString::fromStdString(target) << dir.filePath(f);
        }
    }
    void corpus() {
        QFETCH(QString, target);
        QFETCH(QString, file);
        QFile f(file);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray bytes = f.readAll();
        try {
            memloc::fuzz::runFuzzInput(target.toStdString(), reinterpret_cast<const std::uint8_t*>(bytes.constData()),
                                       static_cast<std::size_t>(bytes.size()));
        } catch (const std::exception& e) {
            QFAIL(qPrintable(QString("escaped the reader: ") + e.what()));
        }
    }
};

QTEST_GUILESS_MAIN(TestFuzzCorpus)
#include "test_fuzz_corpus.moc"
