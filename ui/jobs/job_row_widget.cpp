#include "jobs/job_row_widget.h"

#include "jobs/job.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>

namespace memloc::ui {

namespace {
constexpr int kBarSteps = 1000;

QString stateWord(Job::State state) {
    switch (state) {
    case Job::State::Pending: return JobRowWidget::tr("waiting");
    case Job::State::Running: return JobRowWidget::tr("running");
    case Job::State::Finished: return JobRowWidget::tr("done");
    case Job::State::Failed: return JobRowWidget::tr("failed");
    case Job::State::Cancelled: return JobRowWidget::tr("cancelled");
    }
    return {};
}
} // namespace

JobRowWidget::JobRowWidget(Job* job, QWidget* parent) : QWidget(parent), m_job(job) {
    m_title = new QLabel(job->title());
    m_title->setMinimumWidth(220);
    m_bar = new QProgressBar;
    m_bar->setRange(0, kBarSteps);
    m_bar->setMinimumWidth(240);
    m_detail = new QLabel;
    m_detail->setMinimumWidth(260);
    m_detail->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_cancel = new QPushButton(tr("Cancel"));
    m_cancel->setToolTip(tr("Stop after the current batch; completed epochs stay in the file"));
    connect(m_cancel, &QPushButton::clicked, job, &Job::cancel);
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        m_cancel->setEnabled(false);
        m_cancel->setText(tr("Cancelling..."));
    });

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_title);
    layout->addWidget(m_bar, 1);
    layout->addWidget(m_detail, 1);
    layout->addWidget(m_cancel);

    connect(job, &Job::progressChanged, this, &JobRowWidget::refresh);
    refresh();
}

void JobRowWidget::refresh() {
    const Job::State state = m_job->state();
    m_bar->setValue(qRound(m_job->fraction() * kBarSteps));
    QString detail;
    if (m_job->isActive()) {
        detail = m_job->stage();
        const QString eta = formatDuration(m_job->etaSeconds());
        detail += eta.isEmpty() ? tr(" - ETA estimating...") : tr(" - ETA %1").arg(eta);
    } else {
        detail = stateWord(state) + QStringLiteral(": ") + m_job->message();
        m_cancel->setEnabled(false);
        m_cancel->setText(tr("Cancel"));
        m_cancel->setVisible(false);
    }
    m_detail->setText(detail);
    m_detail->setToolTip(detail);
    if (state == Job::State::Failed) m_detail->setStyleSheet(QStringLiteral("color: #b2182b;"));
}

} // namespace memloc::ui
