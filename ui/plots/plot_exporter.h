#pragma once
// Writes a PlotWidget's figure (PNG, PDF, SVG) or its data (CSV) to a file.

#include "plots/export_settings.h"
#include "plots/plot_widget.h"

#include <QString>

namespace memloc::ui {

/// File suffix without dot: "png", "pdf", "svg", "csv".
QString formatSuffix(PlotFormat format);
/// The format for a suffix; false when unknown (or SVG in a build without Qt SVG).
bool formatFromSuffix(const QString& suffix, PlotFormat* format);
/// Whether this build can write SVG (Qt SVG was found at configure time).
bool svgSupported();

/// Writes `plot` to `path` in `format` at the size (and for PNG the DPI) of `settings`. Works
/// for hidden and offscreen widgets. Returns false and sets `error` on failure.
bool exportPlot(PlotWidget& plot, const QString& path, PlotFormat format, const ExportSettings& settings,
                QString* error = nullptr);

} // namespace memloc::ui
