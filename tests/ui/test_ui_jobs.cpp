// GUI tests, offscreen: the New Training Run dialog validates and starts a real training job on
// an engine thread; its signals arrive on the GUI thread; Cancel keeps the completed epochs;
// closing the window mid-training shuts the engine thread down.
#include "dialogs/new_run_dialog.h"
#include "dialogs/run_presets.h"
#include "jobs/job_list_model.h"
#include "jobs/job_panel_widget.h"
#include "jobs/job_row_widget.h"
#include "jobs/training_job.h"
#include "main/main_window.h"
#include "plots/plot_widget.h"
#include "runs/open_runs_model.h"
#include "runs/run_document.h"
#include "views/training_view.h"

#include "tiny_run.h"

#include "memloc/run_summary.h"

#include <QDialogButtonBox>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <cmath>

using namespace memloc;
using namespace memloc::ui;

namespace {

void clickOk(QDialog* dialog) {
    auto* buttons = dialog->findChild<QDialogButtonBox*>();
    QVERIFY(buttons);
    QTest::mouseClick(buttons->button(QDialogButtonBox::Ok), Qt::LeftButton);
}

// A run long enough to cancel in the middle (each epoch well under a second).
core::RunConfig longConfig() {
    core::RunConfig c = test::tinyConfig();
    c.syntheticTrain = 256;
    c.epochs = 500;
    return c;
}

TrainingJob* onlyTrainingJob(const MainWindow& w) {
    return w.jobs()->jobs().size() == 1 ? qobject_cast<TrainingJob*>(w.jobs()->jobs().first()) : nullptr;
}

} // namespace

class TestUiJobs : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        test::useTestSettings(QStringLiteral("test_ui_jobs"));
        QVERIFY(m_dir.isValid());
    }

    void presetsMatchTheirSources() {
        NewRunDialog dialog;
        dialog.applyPreset(0);  // Demo (CPU, minutes) = resources/demo.json
        const core::RunConfig demo = dialog.config();
        QCOMPARE(QString::fromStdString(demo.dataset), QStringLiteral("fashion-mnist"));
        QCOMPARE(demo.subset, 6000);
        QCOMPARE(demo.testSubset, 2000);
        QCOMPARE(demo.width, 0.25);
        QCOMPARE(demo.epochs, 20);
        QCOMPARE(demo.lr, 0.05);
        QCOMPARE(demo.noise, 0.1);
        dialog.applyPreset(1);  // Paper: ResNet-9, 10% noise (the paper's setup)
        const core::RunConfig paper = dialog.config();
        QCOMPARE(paper.subset, 0);
        QCOMPARE(paper.width, 1.0);
        QCOMPARE(paper.epochs, 50);
        QCOMPARE(paper.batchSize, 512);
        QCOMPARE(paper.lr, 0.1);
        QCOMPARE(QString::fromStdString(paper.schedule), QStringLiteral("cosine"));
        QCOMPARE(paper.weightDecay, 5e-4);
        QCOMPARE(paper.momentum, 0.9);
    }

    void dialogCarriesPrecisionAndMemoryFormat() {
        NewRunDialog dialog;
        core::RunConfig c = test::tinyConfig();
        QCOMPARE(QString::fromStdString(dialog.config().precision), QStringLiteral("fp32"));
        c.precision = "bf16";
        c.memoryFormat = "channels_last";
        dialog.setConfig(c);
        QCOMPARE(QString::fromStdString(dialog.config().precision), QStringLiteral("bf16"));
        QCOMPARE(QString::fromStdString(dialog.config().memoryFormat), QStringLiteral("channels_last"));
    }

    void dialogValidatesInline() {
        NewRunDialog dialog;
        dialog.setConfig(test::tinyConfig());
        const QString existing = m_dir.filePath(QStringLiteral("exists.h5"));
        QFile(existing).open(QIODevice::WriteOnly);
        dialog.setOutputPath(existing);
        dialog.open();
        clickOk(&dialog);
        QVERIFY(dialog.isVisible());  // not accepted
        QVERIFY2(dialog.errorText().contains(QStringLiteral("Overwrite")), qPrintable(dialog.errorText()));

        dialog.setOutputPath(QString());
        clickOk(&dialog);
        QVERIFY(dialog.isVisible());
        QVERIFY(dialog.errorText().contains(QStringLiteral("run file")));

        core::RunConfig mnist = test::tinyConfig();
        mnist.dataset = "mnist";  // needs a folder
        dialog.setConfig(mnist);
        dialog.setOutputPath(m_dir.filePath(QStringLiteral("new.h5")));
        QVERIFY(dialog.validate().contains(QStringLiteral("folder")));

        core::RunConfig nesterovNoMomentum = test::tinyConfig();  // a core validateConfig message
        nesterovNoMomentum.momentum = 0;
        dialog.setConfig(nesterovNoMomentum);
        QVERIFY2(dialog.validate().contains(QStringLiteral("nesterov")), qPrintable(dialog.validate()));

        dialog.setConfig(test::tinyConfig());
        QCOMPARE(dialog.validate(), QString());
    }

    void trainingFromDialogFinishesOnEngineThread() {
        MainWindow w;
        w.show();
        w.newTrainingRun();
        auto* dialog = w.findChild<NewRunDialog*>();
        QVERIFY(dialog);
        QTRY_VERIFY(dialog->isVisible());
        const QString path = m_dir.filePath(QStringLiteral("from-dialog.h5"));
        dialog->setConfig(test::tinyConfig());
        dialog->setOutputPath(path);
        clickOk(dialog);

        TrainingJob* job = onlyTrainingJob(w);
        QVERIFY(job);
        QSignalSpy finished(job, &Job::finished);
        QSignalSpy progress(job, &Job::progressChanged);
        QList<qint64> epochs;
        bool onGuiThread = true;
        connect(job, &TrainingJob::epochSaved, this, [&](const core::EpochMetrics& m, const RunSnapshotPtr& s) {
            epochs << m.epoch;
            onGuiThread = onGuiThread && QThread::currentThread() == qApp->thread();
            QVERIFY(s);
            QCOMPARE(s->summary.epochsCompleted, m.epoch);  // the snapshot was read right after the save
        });
        QVERIFY(finished.wait(300000));
        QCOMPARE(job->state(), Job::State::Finished);
        QCOMPARE(job->result().epochsCompleted, 2);
        QVERIFY(!job->result().cancelled);
        QCOMPARE(epochs, (QList<qint64>{0, 1, 2}));
        QVERIFY(onGuiThread);
        QVERIFY(progress.count() >= 2);
        QCOMPARE(job->fraction(), 1.0);

        // The run opened itself as it appeared and shows its final state in the views.
        RunDocument* run = w.runs()->find(path);
        QVERIFY(run);
        QCOMPARE(w.runs()->current(), run);
        QCOMPARE(run->state(), RunDocument::State::Complete);
        QCOMPARE(run->snapshot()->summary.epochsCompleted, 2);
        auto* training = w.findChild<TrainingView*>();
        QVERIFY(training);
        QCOMPARE(training->plots().at(0)->plot()->graph(0)->data()->size(), 3);
        QCOMPARE(w.jobs()->activeCount(), 0);
    }

    void cancelKeepsCompletedEpochs() {
        MainWindow w;
        w.show();
        const QString path = m_dir.filePath(QStringLiteral("cancelled.h5"));
        TrainingJob* job = w.startTraining(longConfig(), path, true);
        QSignalSpy epochs(job, &TrainingJob::epochSaved);
        QSignalSpy finished(job, &Job::finished);
        QTRY_VERIFY_WITH_TIMEOUT(epochs.count() >= 3, 300000);  // epoch 0 and two trained epochs
        RunDocument* run = w.runs()->find(path);
        QVERIFY(run);
        QCOMPARE(run->state(), RunDocument::State::Training);

        JobRowWidget* row = w.jobPanel()->rowFor(job);
        QVERIFY(row);
        QTest::mouseClick(row->cancelButton(), Qt::LeftButton);
        QVERIFY(finished.count() == 1 || finished.wait(300000));
        QCOMPARE(job->state(), Job::State::Cancelled);
        QVERIFY(job->result().cancelled);
        const qint64 done = job->result().epochsCompleted;
        QVERIFY(done >= 2 && done < 500);
        const core::RunSummary summary = core::readRunSummary(path.toStdString());
        QCOMPARE(summary.epochsCompleted, done);  // every completed epoch is in the file
        QCOMPARE(summary.epochsPlanned, 500);
        QCOMPARE(run->state(), RunDocument::State::Partial);
        QVERIFY(run->stateText().contains(QStringLiteral("interrupted")));
    }

    void failedTrainingShowsTheCoreMessage() {
        MainWindow w;
        w.show();
        core::RunConfig missing = test::tinyConfig();
        missing.dataset = "mnist";
        missing.dataDir = m_dir.filePath(QStringLiteral("no-such-folder")).toStdString();
        TrainingJob* job = w.startTraining(missing, m_dir.filePath(QStringLiteral("failed.h5")), true);
        QSignalSpy finished(job, &Job::finished);
        QVERIFY(finished.wait(60000));
        QCOMPARE(job->state(), Job::State::Failed);
        QVERIFY2(job->message().contains(QStringLiteral("no-such-folder")), qPrintable(job->message()));
        QTRY_VERIFY(w.findChild<QMessageBox*>() && w.findChild<QMessageBox*>()->isVisible());
        QVERIFY(w.findChild<QMessageBox*>()->text().contains(QStringLiteral("no-such-folder")));
        QCOMPARE(w.runs()->runs().size(), 0);
    }

    void closingTheWindowStopsTraining() {
        const QString path = m_dir.filePath(QStringLiteral("shutdown.h5"));
        {
            MainWindow w;
            TrainingJob* job = w.startTraining(longConfig(), path, true);
            QSignalSpy epochs(job, &TrainingJob::epochSaved);
            QTRY_VERIFY_WITH_TIMEOUT(epochs.count() >= 2, 300000);
        }  // ~MainWindow: cancel -> quit -> wait, within a batch
        const core::RunSummary summary = core::readRunSummary(path.toStdString());
        QVERIFY(summary.epochsCompleted >= 1 && summary.epochsCompleted < 500);
    }

private:
    QTemporaryDir m_dir;
};

QTEST_MAIN(TestUiJobs)
#include "test_ui_jobs.moc"
