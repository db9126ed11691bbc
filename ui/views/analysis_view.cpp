#include "views/analysis_view.h"

#include "dialogs/analysis_params_dialog.h"
#include "plots/plot_widget.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStackedWidget>
#include <QVBoxLayout>

#include <string>

namespace memloc::ui {

AnalysisView::AnalysisView(QWidget* parent) : RunView(parent) {}

void AnalysisView::setContent(QWidget* content, const QString& runButtonText) {
    m_hint = new QLabel;
    m_hint->setAlignment(Qt::AlignCenter);
    m_hint->setWordWrap(true);
    m_runButton = new QPushButton(runButtonText);
    m_runButton->setObjectName(QStringLiteral("runAnalysisButton"));
    connect(m_runButton, &QPushButton::clicked, this, &AnalysisView::editAndStartAnalysis);
    auto* placeholder = new QWidget;
    auto* column = new QVBoxLayout(placeholder);
    column->addStretch(1);
    column->addWidget(m_hint);
    column->addWidget(m_runButton, 0, Qt::AlignHCenter);
    column->addStretch(1);

    m_rerunButton = new QPushButton(tr("Re-run..."));
    m_rerunButton->setObjectName(QStringLiteral("rerunAnalysisButton"));
    m_rerunButton->setToolTip(tr("Run this analysis again with other parameters (replaces the stored result)"));
    connect(m_rerunButton, &QPushButton::clicked, this, &AnalysisView::editAndStartAnalysis);
    auto* contentPage = new QWidget;
    auto* contentColumn = new QVBoxLayout(contentPage);
    contentColumn->setContentsMargins(0, 0, 0, 0);
    contentColumn->addWidget(content, 1);
    auto* rerunRow = new QHBoxLayout;
    rerunRow->addStretch(1);
    rerunRow->addWidget(m_rerunButton);
    contentColumn->addLayout(rerunRow);

    m_pages = new QStackedWidget;
    m_pages->addWidget(contentPage);
    m_pages->addWidget(placeholder);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_pages);
}

Job* AnalysisView::job() const { return m_job.data(); }

bool AnalysisView::showsContent() const { return m_pages->currentIndex() == 0; }

AnalysisParamsDialog* AnalysisView::paramsDialog() const { return m_dialog.data(); }

AnalysisParams AnalysisView::nextParams() const {
    return m_hasLastParams ? m_lastParams : AnalysisParams::defaults(analysisKind());
}

void AnalysisView::editAndStartAnalysis() {
    if (!m_run || (m_job && m_job->isActive()) || (m_dialog && m_dialog->isVisible())) return;
    auto* dialog = new AnalysisParamsDialog(nextParams(), SetNames(m_run->summary.focus), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_dialog = dialog;
    const std::string path = m_run->summary.path;  // the run the dialog was opened for
    connect(dialog, &QDialog::accepted, this, [this, dialog, path] {
        if (m_run && m_run->summary.path == path) startAnalysis(dialog->params());
    });
    dialog->open();
}

void AnalysisView::startAnalysis(const AnalysisParams& params) {
    if (!m_run || (m_job && m_job->isActive()) || params.kind != analysisKind()) return;
    m_lastParams = params;
    m_hasLastParams = true;
    AnalysisJob* job = AnalysisJob::create(QString::fromStdString(m_run->summary.path), params);
    m_job = job;
    connect(job, &Job::finished, this, &AnalysisView::updateButton);
    Q_EMIT jobRequested(job);
    Q_EMIT analysisStarted(job);
    updateButton();
}

void AnalysisView::showContent() {
    updateButton();
    m_pages->setCurrentIndex(0);
}

void AnalysisView::showPlaceholder(const QString& text, bool offerRun) {
    m_hint->setText(text);
    m_runButton->setVisible(offerRun);
    updateButton();
    m_pages->setCurrentIndex(1);
}

void AnalysisView::updateButton() {
    const bool running = m_job && m_job->isActive();
    m_runButton->setEnabled(m_run && !running);
    m_runButton->setToolTip(running ? tr("Running; see the Jobs panel") : QString());
    m_rerunButton->setEnabled(m_run && !running);
}

QString accuracyLine(const QString& name, double fraction) {
    return QStringLiteral("%1: %2").arg(name, percentText(fraction));
}

} // namespace memloc::ui
