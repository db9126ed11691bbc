#pragma once
// Base of the views that show one stored analysis, with a "Run ..." button when it is missing
// and a "Re-run..." button when it exists, both through the analysis' parameters dialog.

#include "jobs/analysis_job.h"
#include "plots/color_maps.h"
#include "views/run_view.h"

#include <QColor>
#include <QPointer>

class QLabel;
class QPushButton;
class QStackedWidget;

namespace memloc::ui {

class AnalysisParamsDialog;

/// A RunView with two pages: the analysis' content (with a "Re-run..." button), and a placeholder
/// that says why there is nothing to show and offers to run the analysis. Either button opens an
/// AnalysisParamsDialog (the GUI's defaults, or the parameters this view used last); OK starts the
/// analysis as a background job (emitted as jobRequested), Cancel starts nothing. The buttons stay
/// disabled while the job this view started is active.
class AnalysisView : public RunView {
    Q_OBJECT

public:
    explicit AnalysisView(QWidget* parent = nullptr);

    /// The placeholder's "Run ..." button (for tests and the screenshot script).
    QPushButton* runButton() const { return m_runButton; }
    /// The content page's "Re-run..." button.
    QPushButton* rerunButton() const { return m_rerunButton; }
    /// The parameters dialog while it is open (null otherwise).
    AnalysisParamsDialog* paramsDialog() const;
    /// The job this view started last, while it exists.
    Job* job() const;
    bool showsContent() const;
    /// The parameters the dialog offers next: the defaults, or the ones this view used last.
    AnalysisParams nextParams() const;

public Q_SLOTS:
    /// Opens the parameters dialog (window-modal, not blocking); OK calls startAnalysis(params).
    void editAndStartAnalysis();
    /// Creates the analysis job for the current run with `params` and emits jobRequested.
    void startAnalysis(const memloc::ui::AnalysisParams& params);

Q_SIGNALS:
    /// startAnalysis created `job` (right after jobRequested; the receiver owns it).
    void analysisStarted(memloc::ui::Job* job);

protected:
    /// The analysis this view shows.
    virtual AnalysisKind analysisKind() const = 0;
    /// Puts `content` on the first page and builds the placeholder; call once from the constructor.
    void setContent(QWidget* content, const QString& runButtonText);
    void showContent();
    /// Shows `text` instead of the content; with `offerRun` the Run button too.
    void showPlaceholder(const QString& text, bool offerRun);
    const RunSnapshotPtr& run() const { return m_run; }
    void setCurrentRun(const RunSnapshotPtr& run) { m_run = run; }

private:
    void updateButton();

    RunSnapshotPtr m_run;
    QStackedWidget* m_pages = nullptr;
    QLabel* m_hint = nullptr;
    QPushButton* m_runButton = nullptr;
    QPushButton* m_rerunButton = nullptr;
    QPointer<Job> m_job;
    QPointer<AnalysisParamsDialog> m_dialog;
    AnalysisParams m_lastParams;
    bool m_hasLastParams = false;
};

/// "x" line of a tooltip: accuracy as a percentage.
QString accuracyLine(const QString& name, double fraction);

} // namespace memloc::ui
