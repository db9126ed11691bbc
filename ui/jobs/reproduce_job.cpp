#include "jobs/reproduce_job.h"

#include "jobs/reproduce_worker.h"

#include <QDir>

namespace memloc::ui {

namespace {
constexpr qint64 kStepsPerRun = 1000;
} // namespace

ReproduceJob::ReproduceJob(const core::ReproduceRequest& request, QObject* parent)
    : Job(tr("Reproduction report (%1) in %2")
              .arg(QString::fromStdString(request.scale), QDir(QString::fromStdString(request.folder)).dirName()),
          parent),
      m_request(request) {}

QString ReproduceJob::folder() const { return QString::fromStdString(m_request.folder); }

QString ReproduceJob::reportPath() const { return QDir(folder()).filePath(QStringLiteral("report.html")); }

void ReproduceJob::start() {
    auto* worker = new ReproduceWorker(m_request, cancelToken());
    // The worker lives on another thread: these connections queue copies of the arguments.
    connect(worker, &ReproduceWorker::progress, this, &ReproduceJob::onProgress);
    connect(worker, &ReproduceWorker::done, this, &ReproduceJob::onDone);
    connect(worker, &ReproduceWorker::cancelled, this, &ReproduceJob::onCancelled);
    connect(worker, &ReproduceWorker::failed, this, &ReproduceJob::onFailed);
    startWorker(worker);
}

void ReproduceJob::onProgress(int runsDone, int runCount, double runFraction, const QString& stage) {
    m_runsDone = runsDone;
    m_runCount = runCount;
    m_steps = qMax(m_steps, qint64(runsDone) * kStepsPerRun + qRound64(runFraction * kStepsPerRun));
    setProgress(m_steps, qint64(runCount) * kStepsPerRun,
                runCount > 0 ? tr("%1/%2 runs done - %3").arg(runsDone).arg(runCount).arg(stage) : stage);
}

void ReproduceJob::onDone(int failedRuns, const QString& verdicts) {
    m_failedRuns = failedRuns;
    QString message = tr("report written (%1)").arg(verdicts);
    if (failedRuns > 0)
        message += tr("; %n of %1 run(s) failed: see experiment.json", nullptr, failedRuns).arg(m_runCount);
    finish(State::Finished, message);
}

void ReproduceJob::onCancelled() {
    // Short enough for the job row; the folder keeps every finished epoch and analysis.
    finish(State::Cancelled, tr("stopped after %1 of %2 runs; start it again on %3 to resume")
                                 .arg(m_runsDone)
                                 .arg(m_runCount)
                                 .arg(QDir(folder()).dirName()));
}

void ReproduceJob::onFailed(const QString& message) { finish(State::Failed, message); }

} // namespace memloc::ui
