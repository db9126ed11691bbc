#include "plots/plot_exporter.h"

#include <QFileInfo>
#include <QPageSize>
#include <QPdfWriter>

#ifdef MEMLOC_HAVE_SVG
#include <QSvgGenerator>
#endif

namespace memloc::ui {

namespace {
// Figure sizes in inches are laid out at this many logical pixels per inch. Above the screen's 96,
// so the screen's ~9 pt fonts print at ~7 pt, as in a paper; a one-column PNG at 300 DPI is
// 1050 px wide.
constexpr double kLogicalDpi = 120.0;

// Vector pages are measured at the screen's 96 units per inch, the resolution QCustomPlot
// measures text with; the layout (kLogicalDpi) is scaled onto the page.
constexpr double kVectorDpi = 96.0;

struct Layout {
    QSize logical;  // what QCustomPlot lays out
    QSizeF page;    // the figure's size in kVectorDpi units
};

Layout layoutFor(const PlotWidget& plot, const ExportSettings& settings) {
    const QSizeF inches = ExportSettings::inches(settings.size);
    if (!inches.isEmpty())
        return {QSize(qRound(inches.width() * kLogicalDpi), qRound(inches.height() * kLogicalDpi)), inches * kVectorDpi};
    QSize onScreen = plot.plot()->size();
    // A view that was never shown has no real size yet: use a typical screen figure.
    if (!plot.plot()->isVisible() || onScreen.width() < 200 || onScreen.height() < 150) onScreen = {800, 500};
    return {onScreen, QSizeF(onScreen)};
}

bool fail(QString* error, const QString& message) {
    if (error) *error = message;
    return false;
}

// Draws the plot as vectors on an open painter, scaled from its layout size onto the page.
void paintVector(PlotWidget& plot, QCPPainter& painter, const Layout& layout) {
    painter.setMode(QCPPainter::pmVectorized);
    painter.setMode(QCPPainter::pmNoCaching);
    painter.setMode(QCPPainter::pmNonCosmetic);  // line widths scale with the figure
    painter.fillRect(QRectF(QPointF(0, 0), layout.page), Qt::white);
    painter.scale(layout.page.width() / layout.logical.width(), layout.page.height() / layout.logical.height());
    plot.plot()->toPainter(&painter, layout.logical.width(), layout.logical.height());
}

bool writePdf(PlotWidget& plot, const QString& path, const Layout& layout) {
    QPdfWriter writer(path);
    writer.setResolution(qRound(kVectorDpi));
    writer.setPageSize(QPageSize(layout.page / kVectorDpi, QPageSize::Inch));
    writer.setPageMargins(QMarginsF(0, 0, 0, 0));
    writer.setCreator(QStringLiteral("memloc"));
    writer.setTitle(plot.title());
    QCPPainter painter;
    if (!painter.begin(&writer)) return false;
    paintVector(plot, painter, layout);
    return painter.end();
}

#ifdef MEMLOC_HAVE_SVG
bool writeSvg(PlotWidget& plot, const QString& path, const Layout& layout) {
    QSvgGenerator generator;
    generator.setFileName(path);
    generator.setResolution(qRound(kVectorDpi));
    generator.setSize(layout.page.toSize());
    generator.setViewBox(QRectF(QPointF(0, 0), layout.page));
    generator.setTitle(plot.title());
    generator.setDescription(QStringLiteral("memloc figure %1").arg(plot.name()));
    QCPPainter painter;
    if (!painter.begin(&generator)) return false;
    paintVector(plot, painter, layout);
    return painter.end();
}
#endif
} // namespace

QString formatSuffix(PlotFormat format) {
    switch (format) {
    case PlotFormat::Png: return QStringLiteral("png");
    case PlotFormat::Pdf: return QStringLiteral("pdf");
    case PlotFormat::Svg: return QStringLiteral("svg");
    case PlotFormat::Csv: break;
    }
    return QStringLiteral("csv");
}

bool formatFromSuffix(const QString& suffix, PlotFormat* format) {
    for (PlotFormat f : {PlotFormat::Png, PlotFormat::Pdf, PlotFormat::Svg, PlotFormat::Csv}) {
        if (suffix.compare(formatSuffix(f), Qt::CaseInsensitive) != 0) continue;
        if (f == PlotFormat::Svg && !svgSupported()) return false;
        *format = f;
        return true;
    }
    return false;
}

bool svgSupported() {
#ifdef MEMLOC_HAVE_SVG
    return true;
#else
    return false;
#endif
}

bool exportPlot(PlotWidget& plot, const QString& path, PlotFormat format, const ExportSettings& settings,
                QString* error) {
    if (format == PlotFormat::Csv) return plot.csv().write(path, error);
    const Layout layout = layoutFor(plot, settings);
    QCustomPlot* qcp = plot.plot();
    bool ok = false;
    switch (format) {
    case PlotFormat::Png:
        ok = qcp->savePng(path, layout.logical.width(), layout.logical.height(), settings.dpi / kLogicalDpi, -1,
                          settings.dpi, QCP::ruDotsPerInch);
        break;
    case PlotFormat::Pdf:
        ok = writePdf(plot, path, layout);
        break;
    case PlotFormat::Svg:
#ifdef MEMLOC_HAVE_SVG
        ok = writeSvg(plot, path, layout);
        break;
#else
        return fail(error, QStringLiteral("this build of memloc cannot write SVG (Qt SVG was not found)"));
#endif
    case PlotFormat::Csv: break;
    }
    // Exporting lays the plot out at the figure size; lay it out for the screen again.
    qcp->replot();
    if (!ok || QFileInfo(path).size() == 0) return fail(error, QStringLiteral("could not write %1").arg(path));
    return true;
}

} // namespace memloc::ui
