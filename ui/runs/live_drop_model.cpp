#include "runs/live_drop_model.h"

#include <QThread>

#include <algorithm>

namespace memloc::ui {

LiveDropModel::LiveDropModel(QObject* parent) : QObject(parent) { qRegisterMetaType<DropOutcome>(); }

LiveDropModel::~LiveDropModel() {
    stop();
    // Application exit: cancel -> quit -> wait (at most the evaluation or load in progress).
    for (QThread* thread : findChildren<QThread*>()) {
        thread->quit();
        thread->wait();
    }
    // Their threads have ended, but the queued deletions will not run any more.
    for (const QPointer<DropWorker>& worker : m_retired) delete worker.data();
}

void LiveDropModel::setRun(const QString& runPath, const QStringList& groups, qint64 epochsCompleted) {
    if (runPath == m_runPath && groups == m_groups && epochsCompleted == m_epochs) return;
    stop();
    m_runPath = runPath;
    m_groups = groups;
    m_epochs = epochsCompleted;
    m_units.clear();
    m_outcome = DropOutcome{};
    m_outcome.serial = m_serial;  // answers to the previous run's requests still queued are ignored
    m_evaluations = 0;
    Q_EMIT unitsChanged();
}

std::vector<core::UnitRef> LiveDropModel::unitRefs() const {
    std::vector<core::UnitRef> refs;
    for (const Unit& u : m_units)
        if (u.first >= 0 && u.first < m_groups.size()) refs.push_back({m_groups[u.first].toStdString(), u.second});
    return refs;
}

void LiveDropModel::toggle(int group, int channel) {
    if (!m_units.erase({group, channel})) m_units.insert({group, channel});
    Q_EMIT unitsChanged();
    post();
}

void LiveDropModel::reset() {
    m_units.clear();
    Q_EMIT unitsChanged();
    post();
}

void LiveDropModel::setExample(qint64 example) {
    if (example == m_example) return;
    m_example = example;
    post();
}

void LiveDropModel::refresh() { post(); }

void LiveDropModel::post() {
    if (m_runPath.isEmpty() || m_epochs < 1) return;
    if (!m_thread) {
        // The session is created on the engine thread by the first process() (loading blocks).
        m_slot = std::make_shared<DropRequestSlot>();
        m_thread = new QThread(this);
        m_thread->setObjectName(QStringLiteral("live drop"));
        m_worker = new DropWorker(m_runPath, kEvalSubset, m_slot);
        m_worker->moveToThread(m_thread);
        connect(m_worker, &DropWorker::evaluated, this, &LiveDropModel::onEvaluated);
        m_thread->start();
    }
    DropRequest request;
    request.serial = ++m_serial;
    request.units = unitRefs();
    request.example = m_example;
    if (m_slot->post(std::move(request)))
        QMetaObject::invokeMethod(m_worker, &DropWorker::process, Qt::QueuedConnection);
}

void LiveDropModel::onEvaluated(const DropOutcome& outcome) {
    if (outcome.serial <= m_outcome.serial) return;
    m_outcome = outcome;
    ++m_evaluations;
    Q_EMIT evaluated(m_outcome);
}

void LiveDropModel::stop() {
    if (!m_thread) return;
    // Retire the engine without waiting on it (a load or evaluation may be in progress): its
    // thread ends after that, then both objects are deleted. The destructor waits for any still
    // running.
    DropWorker* worker = m_worker;
    QThread* thread = m_thread;
    m_retired.erase(std::remove_if(m_retired.begin(), m_retired.end(), [](const auto& w) { return w.isNull(); }),
                    m_retired.end());
    m_retired.emplace_back(worker);
    connect(thread, &QThread::finished, thread, [thread, worker] {
        delete worker;  // its thread has ended
        thread->deleteLater();
    });
    thread->requestInterruption();
    thread->quit();
    m_worker = nullptr;
    m_thread = nullptr;
    m_slot.reset();
}

} // namespace memloc::ui
