#pragma once
// Runs one core analysis (rewinding, retraining, flipping, neuron scores, dropout evaluation) on
// the engine thread and reports through queued signals.

#include "jobs/job.h"

#include "memloc/analysis_options.h"

#include <QElapsedTimer>
#include <QString>

#include <functional>
#include <memory>

namespace memloc::ui {

/// Engine-thread side of an AnalysisJob. `work` calls the core entry point with the options it
/// is given (progress and cancel filled in) and returns a one-line summary of the result.
class AnalysisWorker : public EngineWorker {
    Q_OBJECT

public:
    using Work = std::function<QString(const core::AnalysisRunOptions& options)>;
    /// Progress reports closer together than this are dropped (~20 Hz), except stage changes.
    static constexpr qint64 kProgressIntervalMs = 50;

    /// `runPath`: the run analysed; the work runs on the device the run was trained with when
    /// this machine has it (core::deviceForRun), else on the default device.
    AnalysisWorker(Work work, std::shared_ptr<core::CancelToken> cancel, QString runPath = QString());

    /// Blocks the engine thread until the analysis has ended (done, cancelled or failed).
    void run() override;

Q_SIGNALS:
    void progress(qint64 done, qint64 total, const QString& stage);
    /// The analysis is stored in the run file; `summary` says what it found.
    void done(const QString& summary);
    /// Stopped by Cancel (core::Cancelled); the run's previous result is untouched.
    void cancelled();
    /// Could not run (core::Error text).
    void failed(const QString& message);

private:
    Work m_work;
    std::shared_ptr<core::CancelToken> m_cancel;
    QString m_runPath;
    QString m_lastStage;
    QElapsedTimer m_sinceReport;
};

} // namespace memloc::ui
