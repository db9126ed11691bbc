#pragma once
// One row of the job panel.

#include <QWidget>

class QLabel;
class QProgressBar;
class QPushButton;

namespace memloc::ui {

class Job;

/// One job: title, stage, progress bar, ETA and a Cancel button.
class JobRowWidget : public QWidget {
    Q_OBJECT

public:
    JobRowWidget(Job* job, QWidget* parent = nullptr);
    QPushButton* cancelButton() const { return m_cancel; }

private:
    void refresh();

    Job* m_job;
    QLabel* m_title;
    QLabel* m_detail;
    QProgressBar* m_bar;
    QPushButton* m_cancel;
};

} // namespace memloc::ui
