#pragma once
// The bottom dock: one row per background job with progress bar, ETA and Cancel.

#include <QHash>
#include <QWidget>

class QVBoxLayout;

namespace memloc::ui {

class Job;
class JobListModel;
class JobRowWidget;

/// Shows every job of a JobListModel; rows update on the jobs' progress signals.
class JobPanelWidget : public QWidget {
    Q_OBJECT

public:
    explicit JobPanelWidget(JobListModel* jobs, QWidget* parent = nullptr);

    /// A short strip: the views get the height.
    QSize sizeHint() const override { return {800, 90}; }

    /// The row showing `job` (tests press its Cancel button).
    JobRowWidget* rowFor(Job* job) const { return m_rows.value(job); }

private:
    void addRow(Job* job);
    void removeRow(Job* job);
    void updateEmptyHint();

    JobListModel* m_jobs;
    QVBoxLayout* m_rowsLayout;
    QWidget* m_emptyHint;
    QHash<Job*, JobRowWidget*> m_rows;
};

} // namespace memloc::ui
