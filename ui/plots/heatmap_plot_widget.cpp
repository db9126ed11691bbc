#include "plots/heatmap_plot_widget.h"

#include <algorithm>
#include <cmath>

namespace memloc::ui {

HeatmapPlotWidget::HeatmapPlotWidget(const QString& name, const QString& title, QWidget* parent)
    : PlotWidget(name, title, parent) {
    QCustomPlot* p = plot();
    m_map = new QCPColorMap(p->xAxis, p->yAxis);
    m_map->setInterpolate(false);
    m_map->setTightBoundary(false);

    // Axis rect and colour scale share one row of their own, so a wide title (row 0 of the
    // outer layout) cannot squeeze the scale's column.
    m_scale = new QCPColorScale(p);
    auto* row = new QCPLayoutGrid;
    QCPAxisRect* rect = p->axisRect();
    p->plotLayout()->take(rect);
    p->plotLayout()->simplify();
    p->plotLayout()->addElement(1, 0, row);
    row->addElement(0, 0, rect);
    row->addElement(0, 1, m_scale);
    row->setColumnSpacing(8);
    m_scale->setType(QCPAxis::atRight);
    m_scale->setBarWidth(12);
    m_map->setColorScale(m_scale);
    auto* margins = new QCPMarginGroup(p);
    p->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    m_scale->setMarginGroup(QCP::msBottom | QCP::msTop, margins);

    p->xAxis->grid()->setVisible(false);
    p->yAxis->grid()->setVisible(false);
    p->yAxis->setRangeReversed(true);  // first row on top
    p->yAxis->setSubTicks(false);
    p->yAxis->setTickLength(0, 3);
    p->xAxis->setTicker(integerTicker());
    p->xAxis->setSubTicks(false);

    // Two outlines (dark under light) stay visible on every colour of both maps.
    m_markerOuter = new QCPItemRect(p);
    m_markerOuter->setPen(QPen(Qt::black, 3));
    m_markerInner = new QCPItemRect(p);
    m_markerInner->setPen(QPen(Qt::white, 1.5));
    setMarkedColumn(std::nan(""));

    setToolTipSource([this](const QPointF& pixel) { return defaultToolTip(pixel); });
    setCsvSource([this] { return defaultCsv(); });
}

void HeatmapPlotWidget::setGrid(const QString& columnName, const QVector<double>& columns, const QStringList& rowLabels,
                                const std::vector<std::vector<double>>& values, const QCPRange& range,
                                const QCPColorGradient& gradient, const QString& valueName) {
    m_columnName = columnName;
    m_columns = columns;
    m_rows = rowLabels;
    m_values = values;
    m_valueName = valueName;
    const int nx = static_cast<int>(columns.size()), ny = static_cast<int>(rowLabels.size());
    if (nx == 0 || ny == 0) {
        clear();
        return;
    }
    // QCustomPlot draws a dimension of one cell with zero extent; such a dimension is stored as two
    // equal cells half a unit apart, which cover the same [-0.5, 0.5] around the one cell.
    const int sx = nx == 1 ? 2 : nx, sy = ny == 1 ? 2 : ny;
    m_map->data()->setSize(sx, sy);
    m_map->data()->setRange(nx == 1 ? QCPRange(columns.first() - 0.25, columns.first() + 0.25)
                                    : QCPRange(columns.first(), columns.first() + nx - 1),
                            ny == 1 ? QCPRange(-0.25, 0.25) : QCPRange(0, ny - 1));
    for (int x = 0; x < sx; ++x)
        for (int y = 0; y < sy; ++y) m_map->data()->setCell(x, y, values[std::min(x, nx - 1)][std::min(y, ny - 1)]);
    m_map->setGradient(gradient);
    m_map->setDataRange(range);
    m_scale->axis()->setLabel(valueName);

    QSharedPointer<QCPAxisTickerText> rowTicker(new QCPAxisTickerText);
    for (int y = 0; y < ny; ++y) rowTicker->addTick(y, rowLabels[y]);
    plot()->yAxis->setTicker(rowTicker);
    plot()->xAxis->setLabel(columnName);
    plot()->xAxis->setRange(columns.first() - 0.5, columns.first() + nx - 0.5);
    plot()->yAxis->setRange(-0.5, ny - 0.5);
    plot()->replot();
}

void HeatmapPlotWidget::clear() {
    m_columns.clear();
    m_rows.clear();
    m_values.clear();
    m_map->data()->clear();
    setMarkedColumn(std::nan(""));
    plot()->replot();
}

void HeatmapPlotWidget::setMarkedColumn(double column) {
    const bool visible = !std::isnan(column) && !m_rows.isEmpty();
    for (QCPItemRect* rect : {m_markerOuter, m_markerInner}) {
        rect->setVisible(visible);
        if (!visible) continue;
        rect->topLeft->setCoords(column - 0.5, -0.5);
        rect->bottomRight->setCoords(column + 0.5, m_rows.size() - 0.5);
    }
    plot()->replot();
}

bool HeatmapPlotWidget::cellAt(const QPointF& pixel, int* column, int* row) const {
    if (m_columns.isEmpty() || !plot()->axisRect()->rect().contains(pixel.toPoint())) return false;
    const int x = qRound(plot()->xAxis->pixelToCoord(pixel.x()) - m_columns.first());
    const int y = qRound(plot()->yAxis->pixelToCoord(pixel.y()));
    if (x < 0 || x >= m_columns.size() || y < 0 || y >= m_rows.size()) return false;
    *column = x;
    *row = y;
    return true;
}

QString HeatmapPlotWidget::defaultToolTip(const QPointF& pixel) const {
    int x = 0, y = 0;
    if (!cellAt(pixel, &x, &y)) return {};
    const double v = m_values[x][y];
    return tr("%1, %2 %3\n%4: %5")
        .arg(m_rows[y], m_columnName)
        .arg(m_columns[x])
        .arg(m_valueName, std::isnan(v) ? tr("undefined") : QString::number(v, 'f', 3));
}

CsvTable HeatmapPlotWidget::defaultCsv() const {
    CsvTable table;
    table.header << m_columnName;
    for (const QString& row : m_rows) table.header << QStringLiteral("%1 %2").arg(row, m_valueName);
    for (int x = 0; x < m_columns.size(); ++x) {
        QStringList line{CsvTable::number(m_columns[x])};
        for (int y = 0; y < m_rows.size(); ++y) line << CsvTable::number(m_values[x][y]);
        table.rows << line;
    }
    return table;
}

} // namespace memloc::ui
