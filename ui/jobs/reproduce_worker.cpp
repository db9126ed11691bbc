#include "jobs/reproduce_worker.h"

#include "memloc/error.h"
#include "memloc/run_config.h"

#include <QStringList>

#include <algorithm>
#include <exception>
#include <map>
#include <string>
#include <utility>

namespace memloc::ui {

namespace {

/// "holds: 5, partly: 3, does not hold: 1, not measured: 2" over the report's claims.
QString verdictCounts(const core::ReproduceReport& report) {
    std::map<core::Verdict, int> counts;
    for (const core::ClaimRow& c : report.claims) ++counts[c.verdict.verdict];
    QStringList parts;
    for (core::Verdict v : {core::Verdict::Holds, core::Verdict::Partly, core::Verdict::DoesNotHold,
                            core::Verdict::NotMeasured})
        if (counts[v] > 0) parts << QStringLiteral("%1: %2").arg(QString::fromStdString(core::verdictName(v))).arg(counts[v]);
    return parts.join(QStringLiteral(", "));
}

} // namespace

ReproduceWorker::ReproduceWorker(const core::ReproduceRequest& request, std::shared_ptr<core::CancelToken> cancel)
    : m_request(request), m_cancel(std::move(cancel)) {}

void ReproduceWorker::run() {
    core::ReproduceCallbacks callbacks;
    callbacks.sweep.cancel = m_cancel.get();
    callbacks.sweep.event = [this](const core::SweepEvent& e) { onEvent(e); };
    callbacks.sweep.progress = [this](const core::Progress& p) { onStageProgress(p); };
    callbacks.planned = [this](const core::Experiment& experiment) { onPlanned(experiment); };
    callbacks.reporting = [this] { report(tr("writing the report")); };
    try {
        Q_EMIT progress(0, 0, 0.0, tr("opening the experiment folder"));
        const core::ReproduceResult result = core::runReproduction(m_request, callbacks);
        Q_EMIT done(result.failedRuns, verdictCounts(result.report));
    } catch (const core::Cancelled&) {
        Q_EMIT cancelled();
    } catch (const std::exception& e) {
        Q_EMIT failed(QString::fromStdString(e.what()));
    }
}

void ReproduceWorker::onPlanned(const core::Experiment& experiment) {
    m_ended.assign(experiment.runs.size(), false);
    m_work.clear();
    for (std::size_t i = 0; i < experiment.runs.size(); ++i) {
        const core::RunConfig config = core::configFromJson(core::experimentRunConfig(experiment, i), "run");
        RunWork work{config.epochs, 0};
        for (const std::string& a : experiment.analyses)
            if (a != "dropout-eval" || config.dropout == "example-tied") ++work.analyses;  // as the sweep skips it
        m_work.push_back(work);
    }
    report(tr("starting %n run(s)", nullptr, int(experiment.runs.size())));
}

void ReproduceWorker::onEvent(const core::SweepEvent& e) {
    const QString message = QString::fromStdString(e.message);
    if (e.index >= m_ended.size()) return;
    m_runFraction = 0;
    if (!m_ended[e.index] && (message.startsWith(QLatin1String("done")) || message.startsWith(QLatin1String("failed")))) {
        m_ended[e.index] = true;
        ++m_runsDone;
    } else if (e.run && !m_ended[e.index]) {
        // Half for training (epochs saved), half for the analyses stored so far.
        const RunWork& work = m_work[e.index];
        const double trained = work.epochs > 0 ? double(e.run->epochsCompleted) / double(work.epochs) : 1.0;
        const double analysed = work.analyses > 0 ? double(e.run->analysesDone.size()) / double(work.analyses) : 1.0;
        m_runFraction = std::clamp(0.5 * trained + 0.5 * analysed, 0.0, 0.99);
    }
    m_run = tr("run %1/%2 %3").arg(e.index + 1).arg(m_ended.size()).arg(e.run ? QString::fromStdString(e.run->name) : QString());
    m_runMessage = message;
    report(m_run + QStringLiteral(": ") + message);
}

void ReproduceWorker::onStageProgress(const core::Progress& p) {
    if (m_sinceReport.isValid() && m_sinceReport.elapsed() < kProgressIntervalMs) return;
    if (m_run.isEmpty()) return;
    // The core's stage ("epoch 3/15: training", "rewinding conv3") says more than the last event.
    QString stage = m_run + QStringLiteral(": ") + (p.stage.empty() ? m_runMessage : QString::fromStdString(p.stage));
    if (p.total > 0) stage += QStringLiteral(" %1%").arg(100 * p.done / p.total);
    report(stage);
}

void ReproduceWorker::report(const QString& stage) {
    m_sinceReport.start();
    Q_EMIT progress(m_runsDone, int(m_ended.size()), m_runFraction, stage);
}

} // namespace memloc::ui
