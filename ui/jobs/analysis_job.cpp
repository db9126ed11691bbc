#include "jobs/analysis_job.h"

#include "memloc/dropout_eval.h"
#include "memloc/run_summary.h"

#include <QFileInfo>

#include <cstdint>
#include <string>


namespace memloc::ui {

namespace {
QString fileName(const QString& path) { return QFileInfo(path).fileName(); }
} // namespace

AnalysisJob::AnalysisJob(const QString& title, const QString& runPath, const QString& analysis,
                         AnalysisWorker::Work work, QObject* parent)
    : Job(title, parent), m_runPath(runPath), m_analysis(analysis), m_work(std::move(work)) {}

void AnalysisJob::start() {
    auto* worker = new AnalysisWorker(m_work, cancelToken(), m_runPath);
    // The worker lives on another thread: these connections queue copies of the arguments.
    connect(worker, &AnalysisWorker::progress, this, &AnalysisJob::setProgress);
    connect(worker, &AnalysisWorker::done, this, &AnalysisJob::onDone);
    connect(worker, &AnalysisWorker::cancelled, this, &AnalysisJob::onCancelled);
    connect(worker, &AnalysisWorker::failed, this, &AnalysisJob::onFailed);
    startWorker(worker);
}

void AnalysisJob::onDone(const QString& summary) { finish(State::Finished, summary); }

void AnalysisJob::onCancelled() { finish(State::Cancelled, tr("cancelled; any previous result is kept")); }

void AnalysisJob::onFailed(const QString& message) { finish(State::Failed, message); }

AnalysisParams AnalysisParams::defaults(AnalysisKind kind) {
    AnalysisParams p;
    p.kind = kind;
    p.rewinding.evalSubset = 500;
    p.retraining.maxEpochs = 4;
    p.retraining.evalSubset = 500;
    p.flipping.noisy = 30;
    p.flipping.clean = 30;
    p.neurons.evalSubset = 300;
    p.dropoutEvalSubset = 0;
    return p;
}

AnalysisJob* AnalysisJob::create(const QString& runPath, const AnalysisParams& params) {
    switch (params.kind) {
    case AnalysisKind::Rewinding: return rewinding(runPath, params.rewinding);
    case AnalysisKind::Retraining: return retraining(runPath, params.retraining);
    case AnalysisKind::Flipping: return flipping(runPath, params.flipping);
    case AnalysisKind::NeuronScores: return neuronScores(runPath, params.neurons);
    case AnalysisKind::DropoutEval: return dropoutEval(runPath, params.dropoutEvalSubset);
    }
    return nullptr;
}

AnalysisJob* AnalysisJob::rewinding(const QString& runPath, const core::RewindOptions& options) {
    const std::string path = runPath.toStdString();
    auto* job = new AnalysisJob(tr("Rewinding %1").arg(fileName(runPath)), runPath, QStringLiteral("rewinding"),
                                [path, options](const core::AnalysisRunOptions& run) {
                                    core::RewindOptions o = options;
                                    o.run = run;
                                    const core::RewindResult r = core::runRewinding(path, o);
                                    return tr("%1 groups x %2 epochs").arg(r.groups.size()).arg(r.epochs.size());
                                });
    job->m_params.kind = AnalysisKind::Rewinding;
    job->m_params.rewinding = options;
    return job;
}

AnalysisJob* AnalysisJob::retraining(const QString& runPath, const core::RetrainOptions& options) {
    const std::string path = runPath.toStdString();
    auto* job = new AnalysisJob(tr("Retraining %1").arg(fileName(runPath)), runPath, QStringLiteral("retraining"),
                                [path, options](const core::AnalysisRunOptions& run) {
                                    core::RetrainOptions o = options;
                                    o.run = run;
                                    const core::RetrainResult r = core::runRetraining(path, o);
                                    return tr("%1 groups retrained").arg(r.groups.size());
                                });
    job->m_params.kind = AnalysisKind::Retraining;
    job->m_params.retraining = options;
    return job;
}

AnalysisJob* AnalysisJob::flipping(const QString& runPath, const core::FlipOptions& options) {
    const std::string path = runPath.toStdString();
    auto* job = new AnalysisJob(tr("Flipping %1").arg(fileName(runPath)), runPath, QStringLiteral("flipping"),
                                [path, options](const core::AnalysisRunOptions& run) {
                                    core::FlipOptions o = options;
                                    o.run = run;
                                    const core::FlipResult r = core::runFlipping(path, o);
                                    const core::FocusNames names = core::readRunSummary(path).focus;
                                    if (names.labelNoise)
                                        return tr("median units to flip: noisy %1, clean %2")
                                            .arg(core::medianUnits(r, true))
                                            .arg(core::medianUnits(r, false));
                                    return tr("median units to flip: %3 %1, %4 %2")
                                        .arg(core::medianUnits(r, true))
                                        .arg(core::medianUnits(r, false))
                                        .arg(QString::fromStdString(names.set), QString::fromStdString(names.rest));
                                });
    job->m_params.kind = AnalysisKind::Flipping;
    job->m_params.flipping = options;
    return job;
}

AnalysisJob* AnalysisJob::neuronScores(const QString& runPath, const core::NeuronOptions& options) {
    const std::string path = runPath.toStdString();
    auto* job = new AnalysisJob(tr("Neuron scores %1").arg(fileName(runPath)), runPath, QStringLiteral("neurons"),
                                [path, options](const core::AnalysisRunOptions& run) {
                                    core::NeuronOptions o = options;
                                    o.run = run;
                                    const core::NeuronScores s = core::runNeuronScores(path, o);
                                    return tr("%1 layer groups scored").arg(s.groups.size());
                                });
    job->m_params.kind = AnalysisKind::NeuronScores;
    job->m_params.neurons = options;
    return job;
}

AnalysisJob* AnalysisJob::dropoutEval(const QString& runPath, std::int64_t evalSubset) {
    const std::string path = runPath.toStdString();
    auto* job = new AnalysisJob(tr("Dropout evaluation %1").arg(fileName(runPath)), runPath,
                                QStringLiteral("dropout_eval"), [path, evalSubset](const core::AnalysisRunOptions& run) {
                                    const core::DropoutEvalResult r = core::runDropoutEval(path, evalSubset, run);
                                    return tr("%1 modes evaluated").arg(r.modes.size());
                                });
    job->m_params.kind = AnalysisKind::DropoutEval;
    job->m_params.dropoutEvalSubset = evalSubset;
    return job;
}

} // namespace memloc::ui
