#pragma once
// Base of the views that show one stored analysis, with a "Run ..." button when it is missing.

#include "views/run_view.h"

#include <QColor>
#include <QPointer>

class QLabel;
class QPushButton;
class QStackedWidget;

namespace memloc::ui {

class AnalysisJob;

/// A RunView with two pages: the analysis' content, and a placeholder that says why there is
/// nothing to show and offers to run the analysis as a background job (emitted as jobRequested).
/// The button stays disabled while the job it started is active.
class AnalysisView : public RunView {
    Q_OBJECT

public:
    explicit AnalysisView(QWidget* parent = nullptr);

    /// The placeholder's "Run ..." button (for tests and the screenshot script).
    QPushButton* runButton() const { return m_runButton; }
    /// The job this view started last, while it exists.
    Job* job() const;
    bool showsContent() const;

public Q_SLOTS:
    /// Creates the analysis job for the current run and emits jobRequested.
    void startAnalysis();

protected:
    /// The job that computes this view's analysis for `runPath`.
    virtual AnalysisJob* createJob(const QString& runPath) const = 0;
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
    QPointer<Job> m_job;
};

/// The colour of layer group / series `index` (matplotlib's tab10, cycled).
QColor seriesColour(int index);

/// "x" line of a tooltip: accuracy as a percentage.
QString accuracyLine(const QString& name, double fraction);

} // namespace memloc::ui
