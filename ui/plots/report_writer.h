#pragma once
// File > Export Report and `memloc export`: every figure of a run into one folder.

#include "plots/export_settings.h"

#include <QList>
#include <QString>
#include <QStringList>

class QWidget;

namespace memloc::ui {

class PlotWidget;

struct ReportResult {
    QStringList written;  ///< absolute paths
    QStringList errors;   ///< one line each
};

/// Writes each plot as <folder>/<plot name>.<format> for every format in
/// settings.reportFormats (png, pdf, svg, csv; svg skipped without Qt SVG). Creates the folder.
ReportResult writeReport(const QList<PlotWidget*>& plots, const QString& folder, const ExportSettings& settings);

/// Asks for the folder of a report, starting at the last one used, and remembers the choice;
/// "" when the user cancelled.
QString askReportFolder(QWidget* parent, const QString& title);

} // namespace memloc::ui
