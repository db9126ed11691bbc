#pragma once
// Every comparison figure of several runs, on tabs: accuracy curves, rewinding, units to flip,
// retraining and example-tied dropout, one colour per condition.

#include "compare/compare_charts.h"

#include <QList>
#include <QWidget>

class QLabel;
class QTabWidget;
class QTableWidget;

namespace memloc::ui {

class CompareRewindingPage;

class CompareFigures : public QWidget {
    Q_OBJECT

public:
    enum Page { Curves, Rewinding, Flipping, Retraining, Dropout };

    explicit CompareFigures(QWidget* parent = nullptr);

    /// Shows `comparison` (null: empty). Figures whose part has not been read yet say so.
    void setComparison(const ComparisonPtr& comparison);
    const ComparisonPtr& comparison() const { return m_comparison; }
    void setBandMode(BandMode mode);
    BandMode bandMode() const { return m_mode; }

    /// The page named "curves", "rewinding", "flipping", "retraining" or "dropout" (Curves otherwise).
    static int pageOf(const QString& name);
    /// The core::ComparePart bits the figures of `page` read.
    static unsigned partsOf(int page);
    /// The page on screen.
    int currentPage() const;
    void showPage(int page);
    /// Every figure, page by page, for File > Export Report.
    QList<PlotWidget*> plots() const;
    QTableWidget* summaryTable() const { return m_table; }
    CompareRewindingPage* rewindingPage() const { return m_rewinding; }

Q_SIGNALS:
    /// The page on screen changed to `page`.
    void pageChanged(int page);

private:
    void redraw();
    void fillTable();

    ComparisonPtr m_comparison;
    BandMode m_mode = BandMode::MinMax;
    QLabel* m_header;
    QTableWidget* m_table;
    QTabWidget* m_tabs;
    PlotWidget* m_curves[3];
    CompareRewindingPage* m_rewinding;
    PlotWidget* m_units;
    PlotWidget* m_retrainRewound;
    PlotWidget* m_retrained;
    PlotWidget* m_final;
    PlotWidget* m_dropMode;
};

} // namespace memloc::ui
