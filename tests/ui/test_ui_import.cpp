// File > Import Checkpoints: the dialog's fields, its validation, and an import job that opens
// the imported run in the main window.
#include "dialogs/import_dialog.h"
#include "jobs/job.h"
#include "main/main_window.h"
#include "runs/open_runs_model.h"
#include "runs/run_document.h"

#include "tiny_run.h"

#include "memloc/import.h"
#include "memloc/run_summary.h"

#include <QDir>
#include <QLineEdit>
#include <QRadioButton>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <cstdint>
#include <fstream>
#include <string>

using namespace memloc;

class TestUiImport : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_run;

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        QVERIFY(m_dir.isValid());
        m_run = m_dir.filePath(QStringLiteral("tiny.h5"));
        test::trainTinyRun(m_run);
    }

    void dialogProposesOutputAndLabelFiles() {
        QDir(m_dir.path()).mkpath(QStringLiteral("py/checkpoints"));
        std::ofstream(m_dir.filePath(QStringLiteral("py/given_labels.npy")).toStdString()) << "x";
        ui::ImportDialog dialog;
        dialog.setSource(m_dir.filePath(QStringLiteral("py/checkpoints")));
        QCOMPARE(dialog.outputEdit()->text(), m_dir.filePath(QStringLiteral("py/checkpoints.h5")));
        QCOMPARE(dialog.givenLabelsEdit()->text(), m_dir.filePath(QStringLiteral("py/given_labels.npy")));

        dialog.givenLabelsEdit()->clear();
        QVERIFY(dialog.validate().contains(QStringLiteral("labels")));
        dialog.givenLabelsEdit()->setText(QStringLiteral("labels.npy"));
        dialog.subsetBox()->setValue(600);
        dialog.testSubsetBox()->setValue(500);
        const core::ImportOptions o = dialog.options();
        QCOMPARE(o.config.subset, std::int64_t{600});
        QCOMPARE(o.config.testSubset, std::int64_t{500});
        QCOMPARE(o.givenLabels, std::string("labels.npy"));
        QCOMPARE(o.config.normalize, std::string("subset"));
        QVERIFY(dialog.validate().isEmpty());

        dialog.sourceEdit()->setText(m_dir.filePath(QStringLiteral("nothing.pt")));
        QVERIFY(dialog.validate().contains(QStringLiteral("does not exist")));
        dialog.accept();
        QVERIFY(dialog.errorText().contains(QStringLiteral("does not exist")));
    }

    void importJobOpensTheRun() {
        // A checkpoint "from elsewhere": the tiny run's final epoch exported to a .pt file.
        const QString pt = m_dir.filePath(QStringLiteral("tiny-final.pt"));
        core::exportCheckpoint(m_run.toStdString(), -1, pt.toStdString());
        const core::RunSummary original = core::readRunSummary(m_run.toStdString());

        ui::MainWindow window;
        core::ImportOptions o;
        o.source = pt.toStdString();
        o.out = m_dir.filePath(QStringLiteral("imported.h5")).toStdString();
        o.config = original.config;  // the same synthetic data and seeded noise
        o.device = "cpu";
        ui::Job* job = window.startImport(o);
        QTRY_VERIFY_WITH_TIMEOUT(!job->isActive(), 60000);
        QCOMPARE(job->state(), ui::Job::State::Finished);
        QTRY_VERIFY(window.runs()->find(QString::fromStdString(o.out)) != nullptr);
        const core::RunSummary imported = core::readRunSummary(o.out);
        QCOMPARE(imported.metrics.back().trainNoisyGivenAcc, original.metrics.back().trainNoisyGivenAcc);
        QCOMPARE(imported.metrics.back().testAcc, original.metrics.back().testAcc);

        // A second import onto the same file fails cleanly and leaves the first one intact.
        ui::Job* again = window.startImport(o);
        QTRY_VERIFY_WITH_TIMEOUT(!again->isActive(), 60000);
        QCOMPARE(again->state(), ui::Job::State::Failed);
        QVERIFY(again->message().contains(QStringLiteral("file exists")));
        QCOMPARE(core::readRunSummary(o.out).epochsCompleted, imported.epochsCompleted);
    }
};

QTEST_MAIN(TestUiImport)
#include "test_ui_import.moc"
