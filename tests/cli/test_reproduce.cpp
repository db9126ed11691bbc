// memloc-cli reproduce: each claim's rule on hand-made evidence (one input it passes, one it
// fails), the scales' presets, a tiny end-to-end reproduction on synthetic runs (the report's
// verdicts, a self-contained report.html, the CSVs, a second run that skips everything), and bad
// input.
#include "memloc/error.h"
#include "memloc/reproduce.h"
#include "memloc/run_config.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace {

using namespace memloc::core;

struct Result {
    int code = -1;
    QString out, err;
};

Result runCli(const QStringList& args) {
    QProcess p;
    p.start(QStringLiteral(MEMLOC_CLI), args);
    if (!p.waitForFinished(600000)) p.kill();
    p.waitForFinished();
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

Band one(double v) { return bandOf({v}); }

std::vector<Band> many(std::initializer_list<double> values) {
    std::vector<Band> out;
    for (double v : values) out.push_back(one(v));
    return out;
}

const std::vector<std::string> kGroups = {"conv1", "conv2", "res1.a", "res1.b", "conv3", "res2.a", "res2.b", "conv4", "fc"};

QString readAll(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QString::fromUtf8(f.readAll());
}

} // namespace

class TestReproduce : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void gradientAccountingRule() {
        AccountingEvidence pass{{"a", "b", "c", "d"}, many({0.8, 0.9, 1.1, 0.7}), many({-0.5, -0.4, -0.6, -0.3})};
        QCOMPARE(judgeGradientAccounting(pass).verdict, Verdict::Holds);
        QVERIFY(!judgeGradientAccounting(pass).rule.empty());
        AccountingEvidence fail{{"a", "b", "c", "d"}, many({0.1, 0.1, 0.2, 0.1}), many({0.3, 0.2, 0.1, 0.4})};
        QCOMPARE(judgeGradientAccounting(fail).verdict, Verdict::DoesNotHold);
        AccountingEvidence standsOut{{"a", "b", "c", "d"}, many({0.6, 0.6, 0.6, 5.0}), many({-0.5, -0.5, -0.5, -0.5})};
        QCOMPARE(judgeGradientAccounting(standsOut).verdict, Verdict::Partly);
        QCOMPARE(judgeGradientAccounting({}).verdict, Verdict::NotMeasured);
    }

    void rewindingRule() {
        RewindEvidence pass{kGroups, many({0.05, 0.1, 0.3, 0.05, 0.25, 0.05, 0.02, 0.01, 0.0})};
        QCOMPARE(judgeRewinding(pass).verdict, Verdict::Holds);
        RewindEvidence fail{kGroups, many({0.05, 0.1, 0.3, 0.05, 0.25, 0.05, 0.02, 0.01, 0.6})};
        QCOMPARE(judgeRewinding(fail).verdict, Verdict::DoesNotHold);
        RewindEvidence noCritical{kGroups, many({0, 0, 0, 0, 0, 0, 0, 0, 0})};
        QCOMPARE(judgeRewinding(noCritical).verdict, Verdict::Partly);
        QVERIFY(QString::fromStdString(judgeRewinding(pass).measured).contains(QStringLiteral("critical: res1.a, conv3")));
    }

    void retrainingRule() {
        RetrainEvidence pass{{"a", "b", "c", "d"}, many({0.9, 0.2, 0.8, 0.1}), many({0.0, 0.3, 0.05, 0.4})};
        QCOMPARE(judgeRetraining(pass).verdict, Verdict::Holds);
        QVERIFY(QString::fromStdString(judgeRetraining(pass).measured)
                    .contains(QStringLiteral("non-critical mean 85%, critical (b, d) mean 15%")));
        RetrainEvidence fail{{"a", "b", "c", "d"}, many({0.1, 0.2, 0.1, 0.1}), many({0.0, 0.3, 0.05, 0.4})};
        QCOMPARE(judgeRetraining(fail).verdict, Verdict::DoesNotHold);
        RetrainEvidence noGap{{"a", "b"}, many({0.9, 0.85}), many({0.0, 0.3})};
        QCOMPARE(judgeRetraining(noGap).verdict, Verdict::Partly);
        QCOMPARE(judgeRetraining({{"a"}, many({0.9}), {}}).verdict, Verdict::NotMeasured);
    }

    void flippingRule() {
        QCOMPARE(judgeFlipping({one(3), one(12), one(0.01), one(0.05)}).verdict, Verdict::Holds);
        QCOMPARE(judgeFlipping({one(12), one(5), one(0.01), one(0.05)}).verdict, Verdict::DoesNotHold);
        QCOMPARE(judgeFlipping({one(3), one(12), one(0.05), one(0.01)}).verdict, Verdict::Partly);
        QCOMPARE(judgeFlipping({}).verdict, Verdict::NotMeasured);
    }

    void spreadRule() {
        QCOMPARE(judgeSpread({{"a", "b", "c", "fc"}, many({0.3, 0.3, 0.3, 0.1})}).verdict, Verdict::Holds);
        QCOMPARE(judgeSpread({{"a", "b", "c", "fc"}, many({0.0, 0.0, 0.0, 1.0})}).verdict, Verdict::DoesNotHold);
        QCOMPARE(judgeSpread({{"a", "b", "c", "fc"}, many({0.5, 0.0, 0.0, 0.5})}).verdict, Verdict::DoesNotHold);
        QCOMPARE(judgeSpread({{"a", "b", "c", "fc"}, many({0.9, 0.05, 0.05, 0.0})}).verdict, Verdict::Partly);
    }

    void dropoutRule() {
        DropoutEvidence pass{one(1.0), one(0.05), one(0.99), one(0.95), one(0.05), one(0.15)};
        QCOMPARE(judgeDropout(pass).verdict, Verdict::Holds);
        DropoutEvidence fail{one(1.0), one(0.9), one(0.99), one(0.95), one(0.05), one(0.15)};
        QCOMPARE(judgeDropout(fail).verdict, Verdict::DoesNotHold);
        DropoutEvidence cleanLost{one(1.0), one(0.05), one(0.99), one(0.5), one(0.05), one(0.15)};
        QCOMPARE(judgeDropout(cleanLost).verdict, Verdict::Partly);
        QCOMPARE(judgeDropout({}).verdict, Verdict::NotMeasured);
    }

    void acrossSettingsRule() {
        const std::vector<Verdict> holds(6, Verdict::Holds), fails(6, Verdict::DoesNotHold);
        QCOMPARE(judgeAcrossSettings({{"0.05", holds}, {"0.1", holds}}, 2).verdict, Verdict::Holds);
        QCOMPARE(judgeAcrossSettings({{"0.05", holds}, {"0.1", holds}}, 1).verdict, Verdict::Partly);  // one dataset
        QCOMPARE(judgeAcrossSettings({{"0.05", fails}, {"0.1", fails}}, 2).verdict, Verdict::DoesNotHold);
        QCOMPARE(judgeAcrossSettings({{"0.1", std::vector<Verdict>(6, Verdict::NotMeasured)}}, 1).verdict,
                 Verdict::NotMeasured);
    }

    void headlineRules() {
        QCOMPARE(judgeHeadlineUnits(one(5)).verdict, Verdict::Holds);
        QCOMPARE(judgeHeadlineUnits(one(30)).verdict, Verdict::DoesNotHold);
        QCOMPARE(judgeHeadlineUnits(one(1)).verdict, Verdict::Partly);
        QCOMPARE(judgeHeadlineDropout(one(1.0), one(0.03)).verdict, Verdict::Holds);
        QCOMPARE(judgeHeadlineDropout(one(1.0), one(0.8)).verdict, Verdict::DoesNotHold);
        QCOMPARE(judgeHeadlineGradient(one(1.0)).verdict, Verdict::Holds);
        QCOMPARE(judgeHeadlineGradient(one(0.1)).verdict, Verdict::DoesNotHold);
        QCOMPARE(judgeHeadlineFinalLayer(one(0.02), one(0.9), one(0.95)).verdict, Verdict::Holds);
        QCOMPARE(judgeHeadlineFinalLayer(one(0.5), one(0.1), one(0.95)).verdict, Verdict::DoesNotHold);
        QCOMPARE(judgeHeadlineFinalLayer(Band{}, one(0.1), one(0.95)).verdict, Verdict::NotMeasured);
        QCOMPARE(verdictName(Verdict::DoesNotHold), std::string("does not hold"));
    }

    void scales() {
        for (const char* name : {"demo", "paper", "test"}) {
            const ReproduceScale s = reproduceScale(name);
            const Experiment e = planReproduction("x", s.baseConfig);
            QCOMPARE(e.runs.size(), size_t(6));
            QCOMPARE(e.analyses, sweepAnalysisNames());
        }
        const RunConfig paper = configFromJson(reproduceScale("paper").baseConfig, "paper");
        QCOMPARE(paper.subset, std::int64_t(0));
        QCOMPARE(paper.width, 1.0);
        QCOMPARE(paper.epochs, std::int64_t(50));
        QCOMPARE(paper.batchSize, std::int64_t(512));
        QCOMPARE(paper.schedule, std::string("cosine"));
        QCOMPARE(configFromJson(reproduceScale("demo").baseConfig, "demo").dataset, std::string("fashion-mnist"));
        QVERIFY_EXCEPTION_THROWN(reproduceScale("huge"), memloc::core::Error);
    }

    void endToEnd() {
        QTemporaryDir dir;
        const QString base = dir.filePath(QStringLiteral("base.json"));
        QFile f(base);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"epochs": 3, "synthetic_train": 160})");
        f.close();
        const QString out = dir.filePath(QStringLiteral("repro"));
        const QStringList args = {"reproduce", "--scale", "test", "--config", base, "--out", out, "--device", "cpu",
                                  "--threads", "1"};
        const Result r = runCli(args);
        QVERIFY2(r.code == 0, qPrintable(r.err + r.out));

        QFile json(out + QStringLiteral("/report.json"));
        QVERIFY(json.open(QIODevice::ReadOnly));
        const QJsonObject report = QJsonDocument::fromJson(json.readAll()).object();
        QCOMPARE(report.value(QStringLiteral("format")).toString(), QStringLiteral("memloc-reproduction-report"));
        QCOMPARE(report.value(QStringLiteral("base_config")).toObject().value(QStringLiteral("epochs")).toInt(), 3);
        const QJsonArray claims = report.value(QStringLiteral("claims")).toArray();
        QStringList ids;
        const QStringList verdicts = {"holds", "partly", "does not hold", "not measured"};
        for (const QJsonValue& v : claims) {
            const QJsonObject c = v.toObject();
            ids << c.value(QStringLiteral("id")).toString();
            QVERIFY2(verdicts.contains(c.value(QStringLiteral("verdict")).toString()), qPrintable(c.value("id").toString()));
            QVERIFY(!c.value(QStringLiteral("rule")).toString().isEmpty());
            QVERIFY(!c.value(QStringLiteral("runs")).toArray().isEmpty());
        }
        for (int k = 1; k <= 7; ++k) QVERIFY(ids.contains(QStringLiteral("claim-%1").arg(k)));
        for (const char* h : {"headline-units", "headline-dropout", "headline-gradient", "headline-final-layer"})
            QVERIFY(ids.contains(QLatin1String(h)));
        QCOMPARE(report.value(QStringLiteral("per_noise_rate")).toArray().size(), 3);
        // Flipping, rewinding and dropout evaluation ran on every run: those claims were measured.
        for (const QJsonValue& v : claims)
            if (v.toObject().value("id").toString() == QLatin1String("claim-4") ||
                v.toObject().value("id").toString() == QLatin1String("claim-6"))
                QVERIFY(v.toObject().value("verdict").toString() != QLatin1String("not measured"));

        const QString html = readAll(out + QStringLiteral("/report.html"));
        QVERIFY(html.contains(QStringLiteral("<table")));
        QVERIFY(html.contains(QStringLiteral("id='claim-7'")));
        QCOMPARE(html.count(QStringLiteral("<svg")), report.value(QStringLiteral("figures")).toArray().size());
        QVERIFY(html.count(QStringLiteral("<svg")) >= 7);
        QVERIFY(!html.contains(QStringLiteral("http"), Qt::CaseInsensitive));  // nothing fetched from anywhere
        QVERIFY(!html.contains(QStringLiteral("<script")) && !html.contains(QStringLiteral("<link")));
        for (const QJsonValue& v : claims) {
            const QString figure = v.toObject().value(QStringLiteral("figure")).toString();
            QVERIFY2(html.contains(QStringLiteral("id='%1'").arg(figure)), qPrintable(figure));  // every link lands
        }
        const QStringList csvs = QDir(out).entryList({QStringLiteral("report-*.csv")});
        QCOMPARE(csvs.size(), 1 + report.value(QStringLiteral("figures")).toArray().size());
        QVERIFY(readAll(out + QStringLiteral("/report-claims.csv")).startsWith(QStringLiteral("id,title,paper,verdict")));

        // The same command again finds every run complete and only rewrites the report.
        const Result again = runCli(args);
        QVERIFY2(again.code == 0, qPrintable(again.err));
        QCOMPARE(again.out.count(QStringLiteral("already complete: skipped")), 6);
        QVERIFY(again.out.contains(QStringLiteral("report.html")));
    }

    // A reproduction of a focus set without label noise: two runs, every label names the set,
    // and each run studies exactly the listed examples.
    void focusSetWithoutNoise() {
        QTemporaryDir dir;
        QFile base(dir.filePath(QStringLiteral("base.json")));
        QVERIFY(base.open(QIODevice::WriteOnly));
        base.write(R"({"epochs": 2, "synthetic_train": 160})");
        base.close();
        QFile ids(dir.filePath(QStringLiteral("ids.txt")));
        QVERIFY(ids.open(QIODevice::WriteOnly));
        for (int i = 3; i < 160; i += 8) ids.write(QByteArray::number(i) + "\n");  // 20 examples
        ids.close();
        const QString out = dir.filePath(QStringLiteral("repro"));
        const Result r = runCli({"reproduce", "--scale", "test", "--config", base.fileName(), "--out", out, "--device", "cpu",
                                 "--threads", "1", "--focus", ids.fileName(), "--focus-name", "atypical", "--noise", "0"});
        QVERIFY2(r.code == 0, qPrintable(r.err + r.out));

        QFile json(out + QStringLiteral("/report.json"));
        QVERIFY(json.open(QIODevice::ReadOnly));
        const QJsonObject report = QJsonDocument::fromJson(json.readAll()).object();
        const QJsonObject studied = report.value(QStringLiteral("studied_set")).toObject();
        QCOMPARE(studied.value(QStringLiteral("name")).toString(), QStringLiteral("atypical"));
        QCOMPARE(studied.value(QStringLiteral("label_noise")).toBool(), false);
        QCOMPARE(report.value(QStringLiteral("per_noise_rate")).toArray().size(), 1);
        QCOMPARE(report.value(QStringLiteral("runs")).toArray().size(), 2);
        const QJsonObject memorization = report.value(QStringLiteral("figures")).toArray().first().toObject();
        QCOMPARE(memorization.value(QStringLiteral("y_label")).toString(), QStringLiteral("atypical accuracy"));
        const QString html = readAll(out + QStringLiteral("/report.html"));
        QVERIFY(html.contains(QStringLiteral("Studied set: <b>atypical</b>")));
        QVERIFY(html.contains(QStringLiteral("runs (noise 0 &times;")));

        const QStringList runs = QDir(out + QStringLiteral("/runs")).entryList({QStringLiteral("*.h5")});
        QCOMPARE(runs.size(), 2);
        for (const QString& run : runs) {
            const Result inspect = runCli({"inspect", out + QStringLiteral("/runs/") + run, "--json"});
            QVERIFY2(inspect.code == 0, qPrintable(inspect.err));
            const QJsonObject dataset = QJsonDocument::fromJson(inspect.out.toUtf8()).object().value("dataset").toObject();
            QCOMPARE(dataset.value(QStringLiteral("noisy_count")).toInt(), 0);
            QCOMPARE(dataset.value(QStringLiteral("focus")).toObject().value(QStringLiteral("count")).toInt(), 20);
            QCOMPARE(dataset.value(QStringLiteral("focus")).toObject().value(QStringLiteral("name")).toString(),
                     QStringLiteral("atypical"));
        }
    }

    void badInput_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown scale") << QStringList{"reproduce", "--scale", "huge"} << 2 << "demo, paper or test";
        QTest::newRow("unknown option") << QStringList{"reproduce", "--bogus", "0.3"} << 2 << "--bogus";
        QTest::newRow("noise out of range") << QStringList{"reproduce", "--noise", "0.1,1.5"} << 2 << "--noise: '1.5'";
        QTest::newRow("focus name alone") << QStringList{"reproduce", "--focus-name", "x"} << 2 << "need --focus FILE";
        QTest::newRow("missing focus file") << QStringList{"reproduce", "--scale", "test", "--focus", "/nonexistent-ids.txt",
                                                           "--out", "/tmp/x"}
                                            << 1 << "/nonexistent-ids.txt: no such file";
        QTest::newRow("stray argument") << QStringList{"reproduce", "extra"} << 2 << "extra";
        QTest::newRow("unwritable out") << QStringList{"reproduce", "--scale", "test", "--out", "/proc/memloc-repro"} << 1
                                        << "/proc/memloc-repro";
        QTest::newRow("missing config") << QStringList{"reproduce", "--scale", "test", "--config", "/nonexistent.json",
                                                       "--out", "/tmp/x"}
                                        << 1 << "/nonexistent.json";
    }

    void badInput() {
        QFETCH(QStringList, args);
        QFETCH(int, code);
        QFETCH(QString, message);
        const Result r = runCli(args);
        QCOMPARE(r.code, code);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
    }
};

QTEST_MAIN(TestReproduce)
#include "test_reproduce.moc"
