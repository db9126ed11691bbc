#include "jobs/training_job.h"

#include "jobs/training_worker.h"

#include <QFileInfo>

namespace memloc::ui {

TrainingJob::TrainingJob(const core::RunConfig& config, const QString& outPath, bool overwrite, QObject* parent)
    : Job(tr("Train %1").arg(QFileInfo(outPath).fileName()), parent),
      m_config(config),
      m_outPath(outPath),
      m_overwrite(overwrite) {
    qRegisterMetaType<core::EpochMetrics>();
    qRegisterMetaType<core::TrainResult>();
    qRegisterMetaType<RunSnapshotPtr>();
}

void TrainingJob::start() {
    auto* worker = new TrainingWorker(m_config, m_outPath, m_overwrite, cancelToken());
    // The worker lives on another thread: these connections queue copies of the arguments.
    connect(worker, &TrainingWorker::progress, this, &TrainingJob::setProgress);
    connect(worker, &TrainingWorker::epochSaved, this, &TrainingJob::epochSaved);
    connect(worker, &TrainingWorker::trained, this, &TrainingJob::onTrained);
    connect(worker, &TrainingWorker::failed, this, &TrainingJob::onFailed);
    startWorker(worker);
}

void TrainingJob::onTrained(const core::TrainResult& result) {
    m_result = result;
    if (result.cancelled)
        finish(State::Cancelled,
               tr("after %1/%2 epochs (completed epochs kept)").arg(result.epochsCompleted).arg(result.epochsPlanned));
    else
        finish(State::Finished, tr("%1 epochs on %2").arg(result.epochsCompleted).arg(QString::fromStdString(result.device)));
}

void TrainingJob::onFailed(const QString& message) { finish(State::Failed, message); }

} // namespace memloc::ui
