#include "plots/plot_widget.h"

#include "dialogs/export_image_dialog.h"
#include "plots/plot_exporter.h"

#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QFileDialog>
#include <QMenu>
#include <QMessageBox>
#include <QToolTip>
#include <QVBoxLayout>

#include <cmath>

namespace memloc::ui {

QSharedPointer<QCPAxisTicker> integerTicker() {
    QSharedPointer<QCPAxisTickerFixed> ticker(new QCPAxisTickerFixed);
    ticker->setTickStep(1.0);
    ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    return ticker;
}

QString percentText(double fraction) {
    return std::isnan(fraction) ? QStringLiteral("n/a") : QStringLiteral("%1%").arg(fraction * 100.0, 0, 'f', 1);
}

PlotWidget::PlotWidget(const QString& name, const QString& title, QWidget* parent)
    : QWidget(parent), m_name(name), m_plot(new QCustomPlot(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    setMinimumSize(280, 200);

    QFont titleFont = font();
    titleFont.setBold(true);
    m_plot->plotLayout()->insertRow(0);
    m_title = new QCPTextElement(m_plot, title, titleFont);
    m_plot->plotLayout()->addElement(0, 0, m_title);

    m_plot->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_plot, &QWidget::customContextMenuRequested, this, &PlotWidget::showContextMenu);
    m_plot->setMouseTracking(true);
    connect(m_plot, &QCustomPlot::mouseMove, this, &PlotWidget::showToolTip);
    m_plot->setStatusTip(tr("Right-click to export this figure (PNG, PDF, SVG) or its data (CSV)"));
}

QString PlotWidget::title() const { return m_title->text(); }

void PlotWidget::setTitle(const QString& title) {
    if (title == m_title->text()) return;
    m_title->setText(title);
    m_plot->replot(QCustomPlot::rpQueuedReplot);  // a title set after the data's replot shows too
}

void PlotWidget::showLegendBelow(int columns) {
    QCPLayoutGrid* layout = m_plot->plotLayout();
    const int row = layout->rowCount();
    auto* holder = new QCPLayoutGrid;
    layout->addElement(row, 0, holder);  // takes the legend out of the axis rect's inset layout
    holder->addElement(0, 0, m_plot->legend);
    holder->setMargins(QMargins(0, 0, 0, 4));
    layout->setRowStretchFactor(row, 0.001);
    m_plot->legend->setVisible(true);
    m_plot->legend->setWrap(columns);
    m_plot->legend->setFillOrder(QCPLegend::foColumnsFirst, true);  // re-flows the existing items
    m_plot->legend->setBorderPen(Qt::NoPen);
    m_plot->legend->setBrush(Qt::NoBrush);
}

void PlotWidget::showToolTip(QMouseEvent* event) {
    const QString text = toolTipAt(event->position());
    if (text.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(event->globalPosition().toPoint(), text, m_plot);
}

void PlotWidget::showContextMenu(const QPoint& pos) {
    QMenu menu(this);
    menu.addAction(tr("Export PNG..."), this, [this] { exportInteractively(PlotFormat::Png); });
    menu.addAction(tr("Export PDF..."), this, [this] { exportInteractively(PlotFormat::Pdf); });
    if (svgSupported()) menu.addAction(tr("Export SVG..."), this, [this] { exportInteractively(PlotFormat::Svg); });
    menu.addAction(tr("Export CSV (data)..."), this, [this] { exportInteractively(PlotFormat::Csv); });
    menu.addSeparator();
    menu.addAction(tr("Copy Image"), this, [this] { QApplication::clipboard()->setPixmap(m_plot->toPixmap()); });
    menu.exec(m_plot->mapToGlobal(pos));
}

void PlotWidget::exportInteractively(PlotFormat format) {
    ExportSettings settings = ExportSettings::load();
    const QString folder = settings.lastFolder.isEmpty() ? QDir::homePath() : settings.lastFolder;
    const QString suggested = QDir(folder).filePath(m_name + QLatin1Char('.') + formatSuffix(format));
    QString path;
    if (format == PlotFormat::Csv) {
        path = QFileDialog::getSaveFileName(this, tr("Export Data"), suggested, tr("CSV files (*.csv)"));
    } else {
        ExportImageDialog dialog(format, suggested, settings, this);
        if (dialog.exec() != QDialog::Accepted) return;
        path = dialog.path();
        settings = dialog.settings();
    }
    if (path.isEmpty()) return;
    settings.lastFolder = QFileInfo(path).absolutePath();
    settings.save();
    QString error;
    if (!exportPlot(*this, path, format, settings, &error))
        QMessageBox::warning(this, tr("Export failed"), error);
}

} // namespace memloc::ui
