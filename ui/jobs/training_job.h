#pragma once
// A training run in the background: a TrainingWorker on the job's engine thread.

#include "jobs/job.h"
#include "runs/run_snapshot.h"

#include "memloc/training.h"

#include <QString>

namespace memloc::ui {

/// Trains `config` into `outPath`. Signals arrive on the GUI thread. Cancel ends the epoch in
/// progress without saving it; every completed epoch stays in the file.
class TrainingJob : public Job {
    Q_OBJECT

public:
    TrainingJob(const core::RunConfig& config, const QString& outPath, bool overwrite, QObject* parent = nullptr);

    void start() override;

    const core::RunConfig& config() const { return m_config; }
    const QString& outPath() const { return m_outPath; }
    /// Valid once finished() with state Finished or Cancelled.
    const core::TrainResult& result() const { return m_result; }

Q_SIGNALS:
    /// Epoch `metrics.epoch` is saved (0 = initialisation, emitted once the file exists).
    void epochSaved(const memloc::core::EpochMetrics& metrics, const memloc::ui::RunSnapshotPtr& snapshot);

private:
    // Member slots, not lambdas (see AnalysisJob).
    void onTrained(const core::TrainResult& result);
    void onFailed(const QString& message);

    core::RunConfig m_config;
    QString m_outPath;
    bool m_overwrite;
    core::TrainResult m_result;
};

} // namespace memloc::ui
