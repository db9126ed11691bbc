#pragma once
// An analysis of a run in the background: an AnalysisWorker on the job's engine thread.

#include "jobs/analysis_worker.h"
#include "jobs/job.h"

#include "memloc/flipping.h"
#include "memloc/neurons.h"
#include "memloc/retraining.h"
#include "memloc/rewinding.h"

#include <QString>

#include <cstdint>

namespace memloc::ui {

/// The analyses a view can start.
enum class AnalysisKind { Rewinding, Retraining, Flipping, NeuronScores, DropoutEval };

/// The options of one analysis run: `kind` says which member is used (the others keep their
/// defaults). The `run` members (device, progress, cancel) are filled in by the job.
struct AnalysisParams {
    AnalysisKind kind = AnalysisKind::Rewinding;
    core::RewindOptions rewinding;
    core::RetrainOptions retraining;
    core::FlipOptions flipping;
    core::NeuronOptions neurons;
    std::int64_t dropoutEvalSubset = 0;  ///< core::runDropoutEval's evalSubset (0 = every example)

    /// The parameters memloc's GUI uses for `kind` unless the user changes them: rewinding of the
    /// default epochs and every group and retraining of every group from initialisation for at
    /// most 4 epochs, both on 500 evaluation examples; flipping of 30 noisy and 30 clean examples;
    /// neuron scores on 300 evaluation examples; dropout evaluation on every example.
    static AnalysisParams defaults(AnalysisKind kind);
};

/// Runs one core analysis on a run file and stores its result there. Signals arrive on the GUI
/// thread; whoever starts the job re-reads the run when it finishes (state Finished). Cancel stops
/// it at the core's next check (core::Cancelled) and keeps any previous result.
class AnalysisJob : public Job {
    Q_OBJECT

public:
    /// `analysis` is the stored name (rewinding, retraining, flipping, neurons, dropout_eval).
    AnalysisJob(const QString& title, const QString& runPath, const QString& analysis, AnalysisWorker::Work work,
                QObject* parent = nullptr);

    /// The job of `params.kind` with `params`' options (one of the factories below).
    static AnalysisJob* create(const QString& runPath, const AnalysisParams& params);
    // The analyses the views start; the default options are AnalysisParams::defaults'.
    /// core::runRewinding.
    static AnalysisJob* rewinding(const QString& runPath, const core::RewindOptions& options =
                                                              AnalysisParams::defaults(AnalysisKind::Rewinding).rewinding);
    /// core::runRetraining.
    static AnalysisJob* retraining(const QString& runPath, const core::RetrainOptions& options =
                                                               AnalysisParams::defaults(AnalysisKind::Retraining).retraining);
    /// core::runFlipping.
    static AnalysisJob* flipping(const QString& runPath, const core::FlipOptions& options =
                                                             AnalysisParams::defaults(AnalysisKind::Flipping).flipping);
    /// core::runNeuronScores.
    static AnalysisJob* neuronScores(const QString& runPath, const core::NeuronOptions& options =
                                                                 AnalysisParams::defaults(AnalysisKind::NeuronScores).neurons);
    /// core::runDropoutEval (example-tied dropout runs only); evalSubset 0 = every example.
    static AnalysisJob* dropoutEval(const QString& runPath, std::int64_t evalSubset = 0);

    const QString& runPath() const { return m_runPath; }
    const QString& analysis() const { return m_analysis; }
    /// The options this job runs with (the member of params().kind; `run` not yet filled in). A job
    /// built with the constructor rather than a factory has the default AnalysisParams.
    const AnalysisParams& params() const { return m_params; }

    void start() override;

private:
    // The worker's results. Member slots, not lambdas: Qt deletes a queued connection's slot
    // object on the worker's thread, and a lambda's captures would be read from it here, an
    // ordering TSan cannot see inside Qt (README "Reliability").
    void onDone(const QString& summary);
    void onCancelled();
    void onFailed(const QString& message);

    QString m_runPath, m_analysis;
    AnalysisWorker::Work m_work;
    AnalysisParams m_params;
};

} // namespace memloc::ui
