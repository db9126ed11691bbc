#include "jobs/job.h"

#include <QThread>

namespace memloc::ui {

Job::Job(const QString& title, QObject* parent) : QObject(parent), m_title(title) {}

Job::~Job() { shutdown(); }

double Job::etaSeconds() const {
    if (m_state != State::Running || m_firstFraction < 0) return -1;
    const double progressed = m_fraction - m_firstFraction;
    const double elapsed = static_cast<double>(m_sinceFirst.elapsed()) / 1000.0;
    if (progressed < 1e-3 || elapsed < 1.0) return -1;
    return elapsed / progressed * (1.0 - m_fraction);
}

void Job::cancel() {
    if (isActive()) m_cancel->cancel();
}

void Job::shutdown() {
    if (!m_thread) return;
    m_cancel->cancel();
    m_thread->requestInterruption();
    m_thread->quit();
    m_thread->wait();
}

void Job::startWorker(EngineWorker* worker) {
    Q_ASSERT(!m_thread);
    m_thread = new QThread(this);
    m_thread->setObjectName(m_title);
    worker->moveToThread(m_thread);
    // started is emitted on the new thread, so run() executes there; the thread's event loop
    // starts only after run() returns and quit() makes it end at once.
    connect(m_thread, &QThread::started, worker, [worker] {
        worker->run();
        QThread::currentThread()->quit();
    });
    connect(m_thread, &QThread::finished, worker, &QObject::deleteLater);
    m_state = State::Running;
    m_thread->start();
    Q_EMIT progressChanged();
}

void Job::setProgress(qint64 done, qint64 total, const QString& stage) {
    if (!isActive()) return;
    m_fraction = total > 0 ? qBound(0.0, static_cast<double>(done) / static_cast<double>(total), 1.0) : 0.0;
    m_stage = stage;
    if (m_firstFraction < 0 && total > 0) {  // set-up stages (no step count) do not time the ETA
        m_firstFraction = m_fraction;
        m_sinceFirst.start();
    }
    Q_EMIT progressChanged();
}

void Job::finish(State state, const QString& message) {
    if (!isActive()) return;
    m_state = state;
    m_message = message;
    if (state == State::Finished) m_fraction = 1.0;
    Q_EMIT progressChanged();
    Q_EMIT finished();
}

QString formatDuration(double seconds) {
    if (seconds < 0) return {};
    const qint64 s = qRound64(seconds);
    const qint64 h = s / 3600, m = (s % 3600) / 60, r = s % 60;
    if (h > 0) return QStringLiteral("%1:%2:%3").arg(h).arg(m, 2, 10, QLatin1Char('0')).arg(r, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1:%2").arg(m).arg(r, 2, 10, QLatin1Char('0'));
}

} // namespace memloc::ui
