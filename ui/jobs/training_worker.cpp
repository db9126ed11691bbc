#include "jobs/training_worker.h"

#include "memloc/error.h"

#include <exception>

namespace memloc::ui {

TrainingWorker::TrainingWorker(const core::RunConfig& config, const QString& outPath, bool overwrite,
                               std::shared_ptr<core::CancelToken> cancel)
    : m_config(config), m_outPath(outPath), m_overwrite(overwrite), m_cancel(std::move(cancel)) {}

void TrainingWorker::run() {
    core::TrainCallbacks callbacks;
    callbacks.cancel = m_cancel.get();
    callbacks.progress = [this](const core::Progress& p) { reportProgress(p); };
    callbacks.epochDone = [this](const core::EpochMetrics& metrics) {
        m_epochsDone = metrics.epoch;
        RunSnapshotPtr snapshot;
        try {
            snapshot = readRunSnapshot(m_outPath);
        } catch (const std::exception&) {
            // The metrics still reach the GUI; the next epoch's read will catch up.
        }
        Q_EMIT epochSaved(metrics, snapshot);
    };
    try {
        Q_EMIT progress(0, 0, tr("loading data"));
        const core::TrainResult result = core::trainRun(m_config, m_outPath.toStdString(), callbacks, m_overwrite);
        Q_EMIT trained(result);
    } catch (const core::Cancelled&) {
        core::TrainResult result;
        result.cancelled = true;
        result.epochsCompleted = m_epochsDone;
        result.epochsPlanned = m_config.epochs;
        Q_EMIT trained(result);
    } catch (const std::exception& e) {
        Q_EMIT failed(QString::fromStdString(e.what()));
    }
}

void TrainingWorker::reportProgress(const core::Progress& p) {
    const QString stage = QString::fromStdString(p.stage);
    const bool stageChanged = stage != m_lastStage;
    if (!stageChanged && m_sinceReport.isValid() && m_sinceReport.elapsed() < kProgressIntervalMs) return;
    m_sinceReport.start();
    m_lastStage = stage;
    const qint64 steps = p.total;
    Q_EMIT progress(m_epochsDone * steps + p.done, m_config.epochs * steps, stage);
}

} // namespace memloc::ui
