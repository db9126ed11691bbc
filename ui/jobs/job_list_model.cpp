#include "jobs/job_list_model.h"

#include "jobs/job.h"

namespace memloc::ui {

JobListModel::JobListModel(QObject* parent) : QObject(parent) {}

JobListModel::~JobListModel() { shutdown(); }

void JobListModel::start(Job* job) {
    job->setParent(this);
    m_jobs.append(job);
    connect(job, &Job::finished, this, [this] { Q_EMIT activeCountChanged(activeCount()); });
    Q_EMIT jobAdded(job);
    job->start();
    Q_EMIT activeCountChanged(activeCount());
}

int JobListModel::activeCount() const {
    int active = 0;
    for (const Job* job : m_jobs) active += job->isActive() ? 1 : 0;
    return active;
}

void JobListModel::clearFinished() {
    for (Job* job : QList<Job*>(m_jobs)) {
        if (job->isActive()) continue;
        m_jobs.removeOne(job);
        Q_EMIT jobRemoved(job);
        job->deleteLater();
    }
}

void JobListModel::shutdown() {
    // Cancel all first so the threads wind down together, then wait for each.
    for (Job* job : m_jobs) job->cancel();
    for (Job* job : m_jobs) job->shutdown();
}

} // namespace memloc::ui
