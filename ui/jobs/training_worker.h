#pragma once
// Runs core::trainRun on the engine thread and reports through queued signals.

#include "jobs/job.h"
#include "runs/run_snapshot.h"

#include "memloc/training.h"

#include <QElapsedTimer>
#include <QString>

#include <cstdint>
#include <memory>

namespace memloc::ui {

/// Engine-thread side of a TrainingJob. Every signal carries values (no pointers into the
/// worker), so the connections to the GUI thread are queued copies.
class TrainingWorker : public EngineWorker {
    Q_OBJECT

public:
    /// Progress reports closer together than this are dropped (~20 Hz), except stage changes.
    static constexpr qint64 kProgressIntervalMs = 50;

    TrainingWorker(const core::RunConfig& config, const QString& outPath, bool overwrite,
                   std::shared_ptr<core::CancelToken> cancel);

    /// Blocks the engine thread for the whole training (core::trainRun).
    void run() override;

Q_SIGNALS:
    /// Overall progress: `done` of `total` batches over all epochs.
    void progress(qint64 done, qint64 total, const QString& stage);
    /// An epoch (0 = initialisation) is saved; `snapshot` is the run file re-read right after the
    /// save, on this thread, while the trainer has the file closed (null if that read failed).
    void epochSaved(const memloc::core::EpochMetrics& metrics, const memloc::ui::RunSnapshotPtr& snapshot);
    /// Training ended normally or by Cancel (result.cancelled); completed epochs are in the file.
    void trained(const memloc::core::TrainResult& result);
    /// Training could not run or stopped on an error (core::Error text).
    void failed(const QString& message);

private:
    void reportProgress(const core::Progress& p);

    core::RunConfig m_config;
    QString m_outPath;
    bool m_overwrite;
    std::shared_ptr<core::CancelToken> m_cancel;
    std::int64_t m_epochsDone = 0;
    QString m_lastStage;
    QElapsedTimer m_sinceReport;
};

} // namespace memloc::ui
