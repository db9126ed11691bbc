#pragma once
// A (column x row) heatmap with categorical rows, a colour scale and a marked column.

#include "plots/plot_widget.h"

#include <QStringList>
#include <QVector>

#include <vector>

namespace memloc::ui {

/// Heatmaps of memloc (epoch x layer group now; group x channel later). Columns are numeric
/// (e.g. epochs), rows are named (e.g. layer groups, first row on top). Provides a default
/// tooltip (row, column, value) and CSV (one line per column, one field per row).
class HeatmapPlotWidget : public PlotWidget {
    Q_OBJECT

public:
    HeatmapPlotWidget(const QString& name, const QString& title, QWidget* parent = nullptr);

    /// values[c][r] is the cell of column `columns[c]` and row `rowLabels[r]` (NaN = blank);
    /// `columns` are consecutive integers (e.g. epochs 1..E).
    /// `range` fixes the colour scale (e.g. [0, 1] for a share, [-1, 1] for a cosine centred on
    /// 0); `valueName` labels the scale, the tooltip and the CSV.
    void setGrid(const QString& columnName, const QVector<double>& columns, const QStringList& rowLabels,
                 const std::vector<std::vector<double>>& values, const QCPRange& range,
                 const QCPColorGradient& gradient, const QString& valueName);
    void clear();
    /// Outlines one column (e.g. the epoch chosen elsewhere); NaN removes the outline.
    void setMarkedColumn(double column);
    /// Cell under a pixel of plot(); false outside the grid.
    bool cellAt(const QPointF& pixel, int* column, int* row) const;

private:
    QString defaultToolTip(const QPointF& pixel) const;
    CsvTable defaultCsv() const;

    QCPColorMap* m_map;
    QCPColorScale* m_scale;
    QCPItemRect* m_markerOuter;
    QCPItemRect* m_markerInner;
    QString m_columnName, m_valueName;
    QVector<double> m_columns;
    QStringList m_rows;
    std::vector<std::vector<double>> m_values;
};

} // namespace memloc::ui
