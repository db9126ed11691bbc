// GUI tests, offscreen: File > Reproduction Report as a background job on tiny synthetic runs
// (scale "test"): the report is written and opened, progress counts the runs up to the total, a
// cancelled job leaves a folder that resumes to completion, a finished folder offers its report,
// and bad input fails with a message naming the file.
#include "compare/compare_window.h"
#include "dialogs/reproduce_dialog.h"
#include "jobs/job_list_model.h"
#include "jobs/reproduce_job.h"
#include "main/main_window.h"
#include "main/reproduce_action.h"

#include "tiny_run.h"

#include "memloc/experiment.h"
#include "memloc/reproduce.h"

#include <QComboBox>
#include <QDateTime>
#include <QDesktopServices>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageBox>
#include <QPushButton>
#include <QSet>
#include <QTemporaryDir>
#include <QUrl>
#include <QtTest>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>

using namespace memloc;
using namespace memloc::ui;

namespace {

constexpr int kJobTimeoutMs = 600000;

core::ReproduceRequest testRequest(const QString& folder) {
    core::ReproduceRequest request = core::reproduceRequest("test", folder.toStdString());
    request.device = "cpu";
    request.threads = 1;
    return request;
}

QString readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

/// Every value of runsDone() and of the bar's fraction the job shows, in order, and its run count.
struct ProgressLog {
    QList<int> done;
    QList<double> fractions;
    int total = 0;
    void watch(ReproduceJob* job) {
        QObject::connect(job, &Job::progressChanged, job, [this, job] {
            fractions << job->fraction();
            if (job->runCount() == 0) return;
            done << job->runsDone();
            total = job->runCount();
        });
    }
};

QStringList runStates(const QString& folder) {
    QStringList states;
    for (const core::ExperimentRun& run : core::readExperiment(folder.toStdString()).runs)
        states << QString::fromStdString(run.state);
    return states;
}

} // namespace

class TestUiReproduce : public QObject {
    Q_OBJECT

public Q_SLOTS:
    /// QDesktopServices' handler for file URLs: records what the app asked to open.
    void openUrl(const QUrl& url) { m_opened << url; }

private Q_SLOTS:
    void initTestCase() {
        test::useTestSettings(QStringLiteral("test_ui_reproduce"));
        QVERIFY(m_dir.isValid());
        QDesktopServices::setUrlHandler(QStringLiteral("file"), this, "openUrl");
    }

    void cleanupTestCase() { QDesktopServices::unsetUrlHandler(QStringLiteral("file")); }

    void dialogOffersDemoAndPaper() {
        ReproduceDialog dialog;
        auto* scale = dialog.findChild<QComboBox*>();
        QVERIFY(scale);
        QCOMPARE(scale->count(), 2);
        QCOMPARE(scale->itemData(0).toString(), QStringLiteral("demo"));
        QCOMPARE(scale->itemData(1).toString(), QStringLiteral("paper"));
        QCOMPARE(dialog.folder(), QDir::home().filePath(QStringLiteral("memloc-reproduce-demo")));
        auto* description = dialog.findChild<QLabel*>(QStringLiteral("scaleDescription"));
        QVERIFY(description && description->text().contains(QStringLiteral("Fashion-MNIST")));
        dialog.setScale(QStringLiteral("paper"));  // the default folder follows the scale
        QCOMPARE(dialog.folder(), QDir::home().filePath(QStringLiteral("memloc-reproduce-paper")));
        QVERIFY(description->text().contains(QStringLiteral("60000")));
        dialog.setFolder(m_dir.filePath(QStringLiteral("mine")));
        dialog.setScale(QStringLiteral("demo"));  // a chosen folder stays
        QCOMPARE(dialog.folder(), m_dir.filePath(QStringLiteral("mine")));
        dialog.setDevice(QStringLiteral("cpu"));
        dialog.setThreads(2);
        const core::ReproduceRequest r = dialog.request();
        QCOMPARE(QString::fromStdString(r.scale), QStringLiteral("demo"));
        QCOMPARE(r.device, std::string("cpu"));
        QCOMPARE(r.threads, std::int64_t(2));
        QCOMPARE(r.baseConfigJson, core::reproduceScale("demo").baseConfig);
    }

    void runsToReportAndOpensIt() {
        MainWindow w;
        const QString folder = m_dir.filePath(QStringLiteral("repro"));
        m_opened.clear();
        ReproduceJob* job = startReproduction(&w, testRequest(folder));
        ProgressLog log;
        log.watch(job);
        QCOMPARE(w.jobs()->jobs().size(), 1);
        QTRY_VERIFY_WITH_TIMEOUT(!job->isActive(), kJobTimeoutMs);
        QVERIFY2(job->state() == Job::State::Finished, qPrintable(job->message()));
        QCOMPARE(job->failedRuns(), 0);
        QVERIFY2(job->message().contains(QStringLiteral("report written")), qPrintable(job->message()));

        // Progress: runs ended, never going back, from below the total up to the total.
        QCOMPARE(log.total, 6);
        QVERIFY(!log.done.isEmpty());
        QVERIFY2(std::is_sorted(log.done.begin(), log.done.end()), qPrintable(QString::number(log.done.size())));
        QCOMPARE(log.done.first(), 0);
        QCOMPARE(log.done.last(), 6);
        QVERIFY(std::is_sorted(log.fractions.begin(), log.fractions.end()));
        // The bar moves within a run too: more distinct positions than runs.
        QVERIFY2(QSet<double>(log.fractions.begin(), log.fractions.end()).size() > 7,
                 qPrintable(QString::number(QSet<double>(log.fractions.begin(), log.fractions.end()).size())));
        QCOMPARE(job->fraction(), 1.0);

        // The report: JSON and a page whose claims table has a row per claim.
        QVERIFY(QFileInfo::exists(QDir(folder).filePath(QStringLiteral("report.json"))));
        const QJsonObject report =
            QJsonDocument::fromJson(readAll(QDir(folder).filePath(QStringLiteral("report.json"))).toUtf8()).object();
        const QJsonArray claims = report.value(QStringLiteral("claims")).toArray();
        QCOMPARE(claims.size(), 11);  // seven claims and four headline numbers
        const QString html = readAll(job->reportPath());
        QVERIFY(!html.isEmpty());
        const qsizetype tableStart = html.indexOf(QStringLiteral("<h2 id='claims'>"));
        QVERIFY(tableStart >= 0);
        const QString table = html.mid(tableStart, html.indexOf(QStringLiteral("</table>"), tableStart) - tableStart);
        QCOMPARE(table.count(QStringLiteral("<tr id='")), claims.size());
        for (const QJsonValue& c : claims)
            QVERIFY(table.contains(QStringLiteral("<tr id='%1'>").arg(c.toObject().value(QStringLiteral("id")).toString())));
        QCOMPARE(runStates(folder), QStringList(6, QStringLiteral("done")));

        // Opened: the page in the browser, the experiment in a Compare window.
        QCOMPARE(m_opened, QList<QUrl>{QUrl::fromLocalFile(job->reportPath())});
        const QList<CompareWindow*> compares = w.findChildren<CompareWindow*>();
        QCOMPARE(compares.size(), 1);
        QCOMPARE(compares.first()->inputs(), QStringList{folder});
    }

    void finishedFolderOffersItsReport() {
        const QString folder = m_dir.filePath(QStringLiteral("repro"));  // finished by the test above
        QVERIFY(core::readExperiment(folder.toStdString()).runs.size() == 6);
        QVERIFY(reproductionComplete(testRequest(folder)));
        QVERIFY(!reproductionComplete(testRequest(m_dir.filePath(QStringLiteral("nothing-here")))));
        core::ReproduceRequest other = testRequest(folder);
        other.baseConfigJson = core::reproduceScale("demo").baseConfig;  // another plan: not this one's report
        QVERIFY(!reproductionComplete(other));

        MainWindow w;
        m_opened.clear();
        reproduceInteractively(&w);
        auto* dialog = w.findChild<ReproduceDialog*>();
        QVERIFY(dialog);
        dialog->setScale(QStringLiteral("test"));
        dialog->setFolder(folder);
        dialog->setDevice(QStringLiteral("cpu"));
        dialog->accept();
        QMessageBox* box = nullptr;
        QTRY_VERIFY((box = w.findChild<QMessageBox*>(QStringLiteral("reproduceFinishedBox"))) != nullptr);
        QVERIFY(box->text().contains(QDir::toNativeSeparators(folder)));
        QPushButton* open = nullptr;
        QPushButton* recheck = nullptr;
        for (QAbstractButton* b : box->buttons()) {
            if (b->text() == QLatin1String("Open Report")) open = qobject_cast<QPushButton*>(b);
            if (b->text() == QLatin1String("Re-check and Rewrite")) recheck = qobject_cast<QPushButton*>(b);
        }
        QVERIFY(open && recheck);
        open->click();
        QTRY_COMPARE(m_opened, QList<QUrl>{QUrl::fromLocalFile(QDir(folder).filePath(QStringLiteral("report.html")))});
        QTRY_COMPARE(w.findChildren<CompareWindow*>().size(), 1);
        QVERIFY(w.jobs()->jobs().isEmpty());  // nothing retrained

        // Re-checking runs the sweep, which finds every run done, and rewrites the report.
        const QDateTime written = QFileInfo(QDir(folder).filePath(QStringLiteral("report.json"))).lastModified();
        QTest::qWait(1100);  // file times have a second's resolution on some file systems
        m_opened.clear();
        ReproduceJob* again = startReproduction(&w, testRequest(folder));
        ProgressLog log;
        log.watch(again);
        QTRY_VERIFY_WITH_TIMEOUT(!again->isActive(), kJobTimeoutMs);
        QVERIFY2(again->state() == Job::State::Finished, qPrintable(again->message()));
        QCOMPARE(log.done.last(), 6);
        QVERIFY(QFileInfo(QDir(folder).filePath(QStringLiteral("report.json"))).lastModified() > written);
        QCOMPARE(m_opened.size(), 1);
    }

    void cancelLeavesAResumableFolder() {
        const QString folder = m_dir.filePath(QStringLiteral("resumable"));
        core::ReproduceRequest request = testRequest(folder);
        auto job = std::make_unique<ReproduceJob>(request);
        // Cancel at the first run event ("run 1/6 ...: training").
        connect(job.get(), &Job::progressChanged, job.get(), [j = job.get()] {
            if (j->stage().contains(QStringLiteral("run 1/6"))) j->cancel();
        });
        job->start();
        QTRY_VERIFY_WITH_TIMEOUT(!job->isActive(), kJobTimeoutMs);
        QVERIFY2(job->state() == Job::State::Cancelled, qPrintable(job->message()));
        QVERIFY2(job->message().contains(QStringLiteral("start it again on resumable to resume")),
                 qPrintable(job->message()));
        QVERIFY(job->runsDone() < 6);
        QVERIFY(!QFileInfo::exists(QDir(folder).filePath(QStringLiteral("report.html"))));
        const QStringList states = runStates(folder);
        QCOMPARE(states.size(), 6);
        QVERIFY2(states.count(QStringLiteral("done")) < 6, qPrintable(states.join(QLatin1Char(','))));
        QVERIFY(!reproductionComplete(request));

        // The same request again continues in that folder and finishes.
        ReproduceJob resumed(request);
        ProgressLog log;
        log.watch(&resumed);
        resumed.start();
        QTRY_VERIFY_WITH_TIMEOUT(!resumed.isActive(), kJobTimeoutMs);
        QVERIFY2(resumed.state() == Job::State::Finished, qPrintable(resumed.message()));
        QCOMPARE(log.done.last(), 6);
        QVERIFY(std::is_sorted(log.done.begin(), log.done.end()));
        QVERIFY(QFileInfo::exists(QDir(folder).filePath(QStringLiteral("report.html"))));
        QCOMPARE(runStates(folder), QStringList(6, QStringLiteral("done")));
    }

    void unwritableFolderFails() {
        MainWindow w;
        const QString folder = QStringLiteral("/proc/memloc-reproduce");
        ReproduceJob* job = startReproduction(&w, testRequest(folder));
        QTRY_VERIFY_WITH_TIMEOUT(!job->isActive(), kJobTimeoutMs);
        QCOMPARE(job->state(), Job::State::Failed);
        QVERIFY2(job->message().contains(folder), qPrintable(job->message()));
        // The window says so (a message box naming the folder) and opens nothing.
        QMessageBox* box = nullptr;
        QTRY_VERIFY((box = w.findChild<QMessageBox*>()) != nullptr);
        QVERIFY2(box->text().contains(folder), qPrintable(box->text()));
        QVERIFY(w.findChildren<CompareWindow*>().isEmpty());
    }

    void badConfigFileIsNamed_data() {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("message");
        QTest::newRow("not JSON") << QByteArray("{ \"epochs\": ") << QString();
        QTest::newRow("unknown key") << QByteArray(R"({"epochz": 3})") << QStringLiteral("epochz");
        QTest::newRow("missing file") << QByteArray() << QString();
    }

    void badConfigFileIsNamed() {
        QFETCH(QByteArray, content);
        QFETCH(QString, message);
        const QString path = m_dir.filePath(QStringLiteral("base-%1.json").arg(QTest::currentDataTag()).replace(QLatin1Char(' '), QLatin1Char('-')));
        if (!content.isEmpty()) {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(content);
        }
        ReproduceDialog dialog;
        dialog.setScale(QStringLiteral("test"));
        dialog.setFolder(m_dir.filePath(QStringLiteral("never-made")));
        dialog.setConfigFile(path);
        dialog.accept();
        QCOMPARE(dialog.result(), int(QDialog::Rejected));  // stays open
        QVERIFY2(dialog.errorText().contains(path), qPrintable(dialog.errorText()));
        QVERIFY2(dialog.errorText().contains(message), qPrintable(dialog.errorText()));
        QVERIFY(!QFileInfo::exists(m_dir.filePath(QStringLiteral("never-made"))));
    }

private:
    QTemporaryDir m_dir;
    QList<QUrl> m_opened;
};

QTEST_MAIN(TestUiReproduce)
#include "test_ui_reproduce.moc"
