#include "jobs/analysis_job.h"

#include "memloc/dropout_eval.h"
#include "memloc/flipping.h"
#include "memloc/neurons.h"
#include "memloc/retraining.h"
#include "memloc/rewinding.h"

#include <QFileInfo>

#include <cmath>

namespace memloc::ui {

namespace {
QString fileName(const QString& path) { return QFileInfo(path).fileName(); }
} // namespace

AnalysisJob::AnalysisJob(const QString& title, const QString& runPath, const QString& analysis,
                         AnalysisWorker::Work work, QObject* parent)
    : Job(title, parent), m_runPath(runPath), m_analysis(analysis), m_work(std::move(work)) {}

void AnalysisJob::start() {
    auto* worker = new AnalysisWorker(m_work, cancelToken());
    // The worker lives on another thread: these connections queue copies of the arguments.
    connect(worker, &AnalysisWorker::progress, this, &AnalysisJob::setProgress);
    connect(worker, &AnalysisWorker::done, this, [this](const QString& summary) { finish(State::Finished, summary); });
    connect(worker, &AnalysisWorker::cancelled, this,
            [this] { finish(State::Cancelled, tr("cancelled; any previous result is kept")); });
    connect(worker, &AnalysisWorker::failed, this, [this](const QString& message) { finish(State::Failed, message); });
    startWorker(worker);
}

AnalysisJob* AnalysisJob::rewinding(const QString& runPath) {
    const std::string path = runPath.toStdString();
    return new AnalysisJob(tr("Rewinding %1").arg(fileName(runPath)), runPath, QStringLiteral("rewinding"),
                           [path](const core::AnalysisRunOptions& run) {
                               core::RewindOptions options;
                               options.evalSubset = 500;
                               options.run = run;
                               const core::RewindResult r = core::runRewinding(path, options);
                               return tr("%1 groups x %2 epochs").arg(r.groups.size()).arg(r.epochs.size());
                           });
}

AnalysisJob* AnalysisJob::retraining(const QString& runPath, qint64 maxEpochs) {
    const std::string path = runPath.toStdString();
    return new AnalysisJob(tr("Retraining %1").arg(fileName(runPath)), runPath, QStringLiteral("retraining"),
                           [path, maxEpochs](const core::AnalysisRunOptions& run) {
                               core::RetrainOptions options;
                               options.maxEpochs = maxEpochs;
                               options.evalSubset = 500;
                               options.run = run;
                               const core::RetrainResult r = core::runRetraining(path, options);
                               return tr("%1 groups retrained").arg(r.groups.size());
                           });
}

AnalysisJob* AnalysisJob::flipping(const QString& runPath, qint64 noisy, qint64 clean) {
    const std::string path = runPath.toStdString();
    return new AnalysisJob(tr("Flipping %1").arg(fileName(runPath)), runPath, QStringLiteral("flipping"),
                           [path, noisy, clean](const core::AnalysisRunOptions& run) {
                               core::FlipOptions options;
                               options.noisy = noisy;
                               options.clean = clean;
                               options.run = run;
                               const core::FlipResult r = core::runFlipping(path, options);
                               return tr("median units to flip: noisy %1, clean %2")
                                   .arg(core::medianUnits(r, true))
                                   .arg(core::medianUnits(r, false));
                           });
}

AnalysisJob* AnalysisJob::neuronScores(const QString& runPath) {
    const std::string path = runPath.toStdString();
    return new AnalysisJob(tr("Neuron scores %1").arg(fileName(runPath)), runPath, QStringLiteral("neurons"),
                           [path](const core::AnalysisRunOptions& run) {
                               core::NeuronOptions options;
                               options.evalSubset = 300;
                               options.run = run;
                               const core::NeuronScores s = core::runNeuronScores(path, options);
                               return tr("%1 layer groups scored").arg(s.groups.size());
                           });
}

AnalysisJob* AnalysisJob::dropoutEval(const QString& runPath) {
    const std::string path = runPath.toStdString();
    return new AnalysisJob(tr("Dropout evaluation %1").arg(fileName(runPath)), runPath, QStringLiteral("dropout_eval"),
                           [path](const core::AnalysisRunOptions& run) {
                               const core::DropoutEvalResult r = core::runDropoutEval(path, 0, run);
                               return tr("%1 modes evaluated").arg(r.modes.size());
                           });
}

} // namespace memloc::ui
