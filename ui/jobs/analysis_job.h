#pragma once
// An analysis of a run in the background: an AnalysisWorker on the job's engine thread.

#include "jobs/analysis_worker.h"
#include "jobs/job.h"

#include <QString>

namespace memloc::ui {

/// Runs one core analysis on a run file and stores its result there. Signals arrive on the GUI
/// thread; whoever starts the job re-reads the run when it finishes (state Finished). Cancel stops
/// it at the core's next check (core::Cancelled) and keeps any previous result.
class AnalysisJob : public Job {
    Q_OBJECT

public:
    /// `analysis` is the stored name (rewinding, retraining, flipping, neurons, dropout_eval).
    AnalysisJob(const QString& title, const QString& runPath, const QString& analysis, AnalysisWorker::Work work,
                QObject* parent = nullptr);

    // The analyses the views start, with the parameters memloc's GUI uses for them.
    /// core::runRewinding with the default epochs and groups, evalSubset 500.
    static AnalysisJob* rewinding(const QString& runPath);
    /// core::runRetraining of every group from initialisation, maxEpochs 4, evalSubset 500.
    static AnalysisJob* retraining(const QString& runPath, qint64 maxEpochs = 4);
    /// core::runFlipping of `noisy` memorized and `clean` clean examples.
    static AnalysisJob* flipping(const QString& runPath, qint64 noisy = 30, qint64 clean = 30);
    /// core::runNeuronScores, evalSubset 300.
    static AnalysisJob* neuronScores(const QString& runPath);
    /// core::runDropoutEval (example-tied dropout runs only), evalSubset 0 (every example).
    static AnalysisJob* dropoutEval(const QString& runPath);

    const QString& runPath() const { return m_runPath; }
    const QString& analysis() const { return m_analysis; }

    void start() override;

private:
    QString m_runPath, m_analysis;
    AnalysisWorker::Work m_work;
};

} // namespace memloc::ui
