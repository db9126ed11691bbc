#pragma once
// A background job: work that runs on its own engine thread and reports progress to the GUI.

#include "memloc/progress.h"

#include <QElapsedTimer>
#include <QObject>
#include <QString>

#include <memory>

class QThread;

namespace memloc::ui {

/// The part of a job that runs on the engine thread. run() blocks that thread until the work is
/// done; it reports only through (automatically queued) signals and never touches widgets.
class EngineWorker : public QObject {
    Q_OBJECT

public:
    using QObject::QObject;
    virtual void run() = 0;
};

/// Base of every background job (training now; rewinding, retraining, flipping... later).
/// Lives on the GUI thread; owns one QThread on which its EngineWorker runs. Progress, ETA and
/// the final state are kept here, on the GUI thread, and announced by signals.
class Job : public QObject {
    Q_OBJECT

public:
    enum class State { Pending, Running, Finished, Failed, Cancelled };

    explicit Job(const QString& title, QObject* parent = nullptr);
    /// Calls shutdown(): a job never outlives its thread.
    ~Job() override;

    const QString& title() const { return m_title; }
    State state() const { return m_state; }
    bool isActive() const { return m_state == State::Pending || m_state == State::Running; }
    /// Fraction done in [0, 1].
    double fraction() const { return m_fraction; }
    const QString& stage() const { return m_stage; }
    /// Estimated seconds left from the progress rate so far; negative while unknown.
    double etaSeconds() const;
    /// The final outcome in words (error message for Failed).
    const QString& message() const { return m_message; }

    /// Starts the work on a new engine thread. Call once.
    virtual void start() = 0;
    /// Asks the work to stop at its next check (at least once per batch); returns at once.
    void cancel();
    /// cancel -> requestInterruption -> quit -> wait. Blocks until the engine thread has ended
    /// (at most one batch after cancel). Used at application exit.
    void shutdown();

Q_SIGNALS:
    void progressChanged();
    /// The job ended; state() is Finished, Failed or Cancelled.
    void finished();

protected:
    /// Moves `worker` to a new thread owned by this job, runs worker->run() there, then lets the
    /// thread end and deletes the worker with it.
    void startWorker(EngineWorker* worker);
    const std::shared_ptr<core::CancelToken>& cancelToken() const { return m_cancel; }
    /// GUI thread: record progress `done` of `total` in `stage`.
    void setProgress(qint64 done, qint64 total, const QString& stage);
    /// GUI thread: record the outcome and emit finished().
    void finish(State state, const QString& message);

private:
    QString m_title;
    State m_state = State::Pending;
    QString m_stage, m_message;
    double m_fraction = 0;
    double m_firstFraction = -1;  // fraction at the first report, so set-up time is not extrapolated
    QElapsedTimer m_sinceFirst;
    QThread* m_thread = nullptr;
    std::shared_ptr<core::CancelToken> m_cancel = std::make_shared<core::CancelToken>();
};

/// "1:23" / "12:05:09" for a number of seconds; "" when negative.
QString formatDuration(double seconds);

} // namespace memloc::ui
