#include "jobs/job_panel_widget.h"

#include "jobs/job.h"
#include "jobs/job_list_model.h"
#include "jobs/job_row_widget.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

namespace memloc::ui {

JobPanelWidget::JobPanelWidget(JobListModel* jobs, QWidget* parent) : QWidget(parent), m_jobs(jobs) {
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(4, 4, 4, 4);

    auto* rows = new QWidget;
    m_rowsLayout = new QVBoxLayout(rows);
    m_rowsLayout->setContentsMargins(0, 0, 0, 0);
    m_emptyHint = new QLabel(tr("No background jobs. File > New Training Run... starts one."));
    m_emptyHint->setEnabled(false);
    m_rowsLayout->addWidget(m_emptyHint);
    m_rowsLayout->addStretch(1);

    auto* scroll = new QScrollArea;
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(rows);
    outer->addWidget(scroll, 1);

    auto* clear = new QPushButton(tr("Clear Finished"));
    clear->setToolTip(tr("Remove the jobs that have ended from this list"));
    connect(clear, &QPushButton::clicked, m_jobs, &JobListModel::clearFinished);
    auto* buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(clear);
    outer->addLayout(buttons);

    connect(m_jobs, &JobListModel::jobAdded, this, &JobPanelWidget::addRow);
    connect(m_jobs, &JobListModel::jobRemoved, this, &JobPanelWidget::removeRow);
    for (Job* job : m_jobs->jobs()) addRow(job);
}

void JobPanelWidget::addRow(Job* job) {
    auto* row = new JobRowWidget(job);
    m_rows.insert(job, row);
    m_rowsLayout->insertWidget(m_rowsLayout->count() - 1, row);  // above the stretch
    updateEmptyHint();
}

void JobPanelWidget::removeRow(Job* job) {
    if (JobRowWidget* row = m_rows.take(job)) row->deleteLater();
    updateEmptyHint();
}

void JobPanelWidget::updateEmptyHint() { m_emptyHint->setVisible(m_rows.isEmpty()); }

} // namespace memloc::ui
