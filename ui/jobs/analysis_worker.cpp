#include "jobs/analysis_worker.h"

#include "memloc/error.h"
#include "memloc/run_summary.h"

#include <exception>
#include <utility>

namespace memloc::ui {

AnalysisWorker::AnalysisWorker(Work work, std::shared_ptr<core::CancelToken> cancel, QString runPath)
    : m_work(std::move(work)), m_cancel(std::move(cancel)), m_runPath(std::move(runPath)) {}

void AnalysisWorker::run() {
    core::AnalysisRunOptions options;
    options.cancel = m_cancel.get();
    options.progress = [this](const core::Progress& p) {
        const QString stage = QString::fromStdString(p.stage);
        const bool stageChanged = stage != m_lastStage;
        if (!stageChanged && m_sinceReport.isValid() && m_sinceReport.elapsed() < kProgressIntervalMs) return;
        m_sinceReport.start();
        m_lastStage = stage;
        Q_EMIT progress(p.done, p.total, stage);
    };
    try {
        Q_EMIT progress(0, 0, tr("loading the run"));
        if (!m_runPath.isEmpty()) {
            try {
                options.device = core::deviceForRun(core::readRunSummary(m_runPath.toStdString()).config.device);
            } catch (const std::exception&) {
                // Not a run yet (an import writes it); the work itself reports real problems.
            }
        }
        const QString summary = m_work(options);
        Q_EMIT done(summary);
    } catch (const core::Cancelled&) {
        Q_EMIT cancelled();
    } catch (const std::exception& e) {
        Q_EMIT failed(QString::fromStdString(e.what()));
    }
}

} // namespace memloc::ui
