#pragma once
// The paper's reproduction in the background: a ReproduceWorker on the job's engine thread.

#include "jobs/job.h"

#include "memloc/reproduce.h"

#include <QString>

namespace memloc::ui {

/// Runs core::runReproduction for `request`: the six runs of the suite with every analysis, then
/// the report (report.html, report.json, report-*.csv) in the experiment folder. Progress is the
/// runs ended of the runs planned, with the current run's event as the stage. Cancel stops at the
/// core's next check and leaves a folder that the same request resumes; a finished job has written
/// the report even when some runs failed (failedRuns()). The bar moves within a run too (its
/// epochs and analyses), never backwards.
class ReproduceJob : public Job {
    Q_OBJECT

public:
    explicit ReproduceJob(const core::ReproduceRequest& request, QObject* parent = nullptr);

    void start() override;

    const core::ReproduceRequest& request() const { return m_request; }
    /// The experiment folder.
    QString folder() const;
    /// FOLDER/report.html.
    QString reportPath() const;
    /// Runs ended (done or failed) so far, of runCount() (0 until the experiment is open).
    int runsDone() const { return m_runsDone; }
    int runCount() const { return m_runCount; }
    /// Runs that failed; valid once finished() with state Finished.
    int failedRuns() const { return m_failedRuns; }

private:
    // Member slots, not lambdas (see AnalysisJob).
    void onProgress(int runsDone, int runCount, double runFraction, const QString& stage);
    void onDone(int failedRuns, const QString& verdicts);
    void onCancelled();
    void onFailed(const QString& message);

    core::ReproduceRequest m_request;
    int m_runsDone = 0;
    int m_runCount = 0;
    int m_failedRuns = 0;
    qint64 m_steps = 0;   // progress shown, in kStepsPerRun per run; never goes back
};

} // namespace memloc::ui
