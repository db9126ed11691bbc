#pragma once
// A titled QCustomPlot with value tooltips and a context menu that exports PNG, PDF, SVG and CSV.

#include "plots/csv_table.h"
#include "plots/qcustomplot_wrapper.h"

#include <QString>
#include <QWidget>

#include <functional>

namespace memloc::ui {

enum class PlotFormat { Png, Pdf, Svg, Csv };

/// A ticker for integer axes (epochs): ticks on whole numbers only, multiples as the range grows.
QSharedPointer<QCPAxisTicker> integerTicker();
/// "87.2%" for a fraction; "n/a" for NaN (undefined, e.g. a run without noisy examples).
QString percentText(double fraction);

/// Every figure of memloc is one PlotWidget. The view that owns it draws into plot() and says
/// what the CSV behind the figure is and what the tooltip at a mouse position shows.
class PlotWidget : public QWidget {
    Q_OBJECT

public:
    /// `name` is the figure's file name in reports (e.g. "training_accuracy"); `title` is drawn
    /// above the plot and exported with it.
    PlotWidget(const QString& name, const QString& title, QWidget* parent = nullptr);

    QCustomPlot* plot() const { return m_plot; }
    const QString& name() const { return m_name; }
    void setName(const QString& name) { m_name = name; }
    QString title() const;
    void setTitle(const QString& title);

    /// The data behind the figure, produced on demand.
    void setCsvSource(std::function<CsvTable()> source) { m_csv = std::move(source); }
    CsvTable csv() const { return m_csv ? m_csv() : CsvTable{}; }
    /// Tooltip text at a pixel position of the plot; "" shows none.
    void setToolTipSource(std::function<QString(const QPointF&)> source) { m_toolTip = std::move(source); }
    QString toolTipAt(const QPointF& pixel) const { return m_toolTip ? m_toolTip(pixel) : QString(); }

    /// Moves the legend out of the axis rect into a row below it, `columns` entries per line.
    void showLegendBelow(int columns);

    /// Asks for a file (and for PNG the DPI and size) and exports the figure in `format`.
    void exportInteractively(PlotFormat format);

private:
    void showContextMenu(const QPoint& pos);
    void showToolTip(QMouseEvent* event);

    QString m_name;
    QCustomPlot* m_plot;
    QCPTextElement* m_title;
    std::function<CsvTable()> m_csv;
    std::function<QString(const QPointF&)> m_toolTip;
};

} // namespace memloc::ui
