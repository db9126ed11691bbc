#pragma once
// Every background job of the window, for the job panel and for shutdown.

#include <QList>
#include <QObject>

namespace memloc::ui {

class Job;

/// Owns the jobs (running and finished until cleared). GUI thread only.
class JobListModel : public QObject {
    Q_OBJECT

public:
    explicit JobListModel(QObject* parent = nullptr);
    ~JobListModel() override;

    /// Takes ownership of `job` and starts it.
    void start(Job* job);
    const QList<Job*>& jobs() const { return m_jobs; }
    int activeCount() const;
    /// Deletes the jobs that have ended.
    void clearFinished();
    /// Cancels every job and waits for each engine thread to end (application exit).
    void shutdown();

Q_SIGNALS:
    void jobAdded(memloc::ui::Job* job);
    void jobRemoved(memloc::ui::Job* job);
    void activeCountChanged(int active);

private:
    QList<Job*> m_jobs;
};

} // namespace memloc::ui
