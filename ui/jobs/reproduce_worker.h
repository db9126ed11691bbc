#pragma once
// Runs core::runReproduction on the engine thread and reports through queued signals.

#include "jobs/job.h"

#include "memloc/reproduce.h"

#include <QElapsedTimer>
#include <QString>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace memloc::ui {

/// Engine-thread side of a ReproduceJob. Every signal carries values, so the connections to the
/// GUI thread are queued copies.
class ReproduceWorker : public EngineWorker {
    Q_OBJECT

public:
    /// Reports of the stage within a run closer together than this are dropped (~20 Hz); the
    /// sweep's own events (an epoch, an analysis, a run done) always go through.
    static constexpr qint64 kProgressIntervalMs = 50;

    ReproduceWorker(const core::ReproduceRequest& request, std::shared_ptr<core::CancelToken> cancel);

    /// Blocks the engine thread for the whole reproduction (sweep and report).
    void run() override;

Q_SIGNALS:
    /// `runsDone` of `runCount` runs have ended (done or failed); the run in progress is about
    /// `runFraction` (in [0, 1)) done, judged by its epochs saved and analyses stored; `stage` says
    /// what happens now.
    void progress(int runsDone, int runCount, double runFraction, const QString& stage);
    /// The report is written; `verdicts` counts the claims' verdicts ("holds: 5, partly: 3, ...").
    void done(int failedRuns, const QString& verdicts);
    /// Stopped by Cancel (core::Cancelled); every finished epoch and analysis is in the folder.
    void cancelled();
    /// Could not run or write the report (core::Error text, naming the file or folder).
    void failed(const QString& message);

private:
    void onPlanned(const core::Experiment& experiment);
    void onEvent(const core::SweepEvent& event);
    void onStageProgress(const core::Progress& p);
    void report(const QString& stage);

    core::ReproduceRequest m_request;
    std::shared_ptr<core::CancelToken> m_cancel;
    struct RunWork {
        std::int64_t epochs = 0;
        std::size_t analyses = 0;
    };
    std::vector<RunWork> m_work;  // per run: epochs to train and analyses to store
    std::vector<bool> m_ended;    // per run: done or failed
    int m_runsDone = 0;
    double m_runFraction = 0;
    QString m_run;               // "run 3/6 noise=0.1,dropout=none"
    QString m_runMessage;        // the sweep's last event on it: "epoch 2/15", "rewind", ...
    QElapsedTimer m_sinceReport;
};

} // namespace memloc::ui
