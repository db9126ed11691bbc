#include "jobs/drop_worker.h"

#include "memloc/analysis_options.h"
#include "memloc/run_summary.h"

#include <exception>
#include <string>

namespace memloc::ui {

bool DropRequestSlot::post(DropRequest request) {
    const std::lock_guard<std::mutex> lock(m_mutex);
    m_pending = std::move(request);
    if (m_scheduled) return false;
    m_scheduled = true;
    return true;
}

std::optional<DropRequest> DropRequestSlot::take() {
    const std::lock_guard<std::mutex> lock(m_mutex);
    std::optional<DropRequest> request = std::move(m_pending);
    m_pending.reset();
    if (!request) m_scheduled = false;
    return request;
}

DropWorker::DropWorker(const QString& runPath, qint64 evalSubset, std::shared_ptr<DropRequestSlot> slot)
    : m_runPath(runPath), m_evalSubset(evalSubset), m_slot(std::move(slot)) {}

DropWorker::~DropWorker() = default;

void DropWorker::process() {
    if (!m_session && m_loadError.isEmpty()) {
        try {
            const std::string path = m_runPath.toStdString();
            m_session = std::make_unique<core::DropSession>(path, m_evalSubset,
                                                            core::deviceForRun(core::readRunSummary(path).config.device));
        } catch (const std::exception& e) {
            m_loadError = QString::fromStdString(e.what());
        }
        Q_EMIT loaded(m_loadError);
    }
    while (std::optional<DropRequest> request = m_slot->take()) {
        DropOutcome outcome;
        outcome.serial = request->serial;
        outcome.units = request->units;
        outcome.example = request->example;
        if (!m_session) {
            outcome.error = m_loadError;
        } else {
            try {
                outcome.result = m_session->evaluate(request->units, request->example);
            } catch (const std::exception& e) {
                outcome.error = QString::fromStdString(e.what());
            }
        }
        Q_EMIT evaluated(outcome);
    }
}

} // namespace memloc::ui
