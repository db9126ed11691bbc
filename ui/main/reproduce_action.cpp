#include "main/reproduce_action.h"

#include "dialogs/reproduce_dialog.h"
#include "jobs/reproduce_job.h"
#include "main/main_window.h"

#include "memloc/experiment.h"

#include <QDesktopServices>
#include <QDir>
#include <QFileInfo>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QUrl>

#include <algorithm>
#include <exception>

namespace memloc::ui {

namespace {

/// Asks whether to open the finished report of `request` or to re-check it; non-blocking.
void offerFinishedReport(MainWindow* window, const core::ReproduceRequest& request) {
    const QString folder = QString::fromStdString(request.folder);
    auto* box = new QMessageBox(QMessageBox::Question, MainWindow::tr("Reproduction Report"),
                                MainWindow::tr("%1 already holds a finished reproduction: every run is done and "
                                               "report.html is written.")
                                    .arg(QDir::toNativeSeparators(folder)),
                                QMessageBox::Cancel, window);
    box->setObjectName(QStringLiteral("reproduceFinishedBox"));
    box->setInformativeText(MainWindow::tr("Open the report, or re-check the runs and rewrite the report (quick: "
                                           "nothing is retrained)."));
    QPushButton* open = box->addButton(MainWindow::tr("Open Report"), QMessageBox::AcceptRole);
    QPushButton* recheck = box->addButton(MainWindow::tr("Re-check and Rewrite"), QMessageBox::ActionRole);
    box->setDefaultButton(open);
    box->setAttribute(Qt::WA_DeleteOnClose);
    QObject::connect(box, &QMessageBox::buttonClicked, window, [window, request, folder, open, recheck](QAbstractButton* b) {
        if (b == open) {
            QDesktopServices::openUrl(QUrl::fromLocalFile(QDir(folder).filePath(QStringLiteral("report.html"))));
            window->openRun(folder);
        } else if (b == recheck) {
            startReproduction(window, request);
        }
    });
    box->open();
}

} // namespace

void reproduceInteractively(MainWindow* window) {
    auto* dialog = new ReproduceDialog(window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    QObject::connect(dialog, &QDialog::accepted, window, [window, dialog] {
        core::ReproduceRequest request;
        try {
            request = dialog->request();  // validated by accept(); the file could have changed since
        } catch (const std::exception& e) {
            QMessageBox::warning(window, MainWindow::tr("Reproduction Report"), QString::fromStdString(e.what()));
            return;
        }
        if (reproductionComplete(request))
            offerFinishedReport(window, request);
        else
            startReproduction(window, request);
    });
    dialog->open();
}

ReproduceJob* startReproduction(MainWindow* window, const core::ReproduceRequest& request) {
    auto* job = new ReproduceJob(request);
    QPointer<MainWindow> owner(window);
    QObject::connect(job, &Job::finished, window, [owner, job] {
        if (!owner || job->state() != Job::State::Finished) return;
        QDesktopServices::openUrl(QUrl::fromLocalFile(job->reportPath()));
        owner->openRun(job->folder());
        if (job->failedRuns() > 0) {
            auto* box = new QMessageBox(
                QMessageBox::Warning, MainWindow::tr("Reproduction Report"),
                MainWindow::tr("%n of %1 run(s) failed; the report judges the claims on the others. "
                               "experiment.json in %2 says why; starting the reproduction again on the same "
                               "folder retries them.",
                               nullptr, job->failedRuns())
                    .arg(job->runCount())
                    .arg(QDir::toNativeSeparators(job->folder())),
                QMessageBox::Ok, owner);
            box->setAttribute(Qt::WA_DeleteOnClose);
            box->open();
        }
    });
    window->startJob(job);
    return job;
}

bool reproductionComplete(const core::ReproduceRequest& request) {
    const QString folder = QString::fromStdString(request.folder);
    if (!QFileInfo::exists(QDir(folder).filePath(QStringLiteral("report.html")))) return false;
    try {
        const core::Experiment existing = core::readExperiment(request.folder);
        const core::Experiment planned = core::planReproduction(request.folder, request.baseConfigJson, request.noise);
        if (existing.baseConfig != planned.baseConfig || existing.runs.size() != planned.runs.size()) return false;
        return std::all_of(existing.runs.begin(), existing.runs.end(),
                           [](const core::ExperimentRun& run) { return run.state == "done"; });
    } catch (const std::exception&) {
        return false;
    }
}

} // namespace memloc::ui
