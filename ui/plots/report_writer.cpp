#include "plots/report_writer.h"

#include "plots/plot_exporter.h"
#include "plots/plot_widget.h"

#include <QDir>
#include <QFileDialog>

namespace memloc::ui {

ReportResult writeReport(const QList<PlotWidget*>& plots, const QString& folder, const ExportSettings& settings) {
    ReportResult result;
    QDir dir(folder);
    if (!dir.mkpath(QStringLiteral("."))) {
        result.errors << QStringLiteral("cannot create folder %1").arg(folder);
        return result;
    }
    for (const QString& suffix : settings.reportFormats) {
        PlotFormat format;
        if (!formatFromSuffix(suffix, &format)) continue;
        for (PlotWidget* plot : plots) {
            const QString path = dir.absoluteFilePath(plot->name() + QLatin1Char('.') + formatSuffix(format));
            QString error;
            if (exportPlot(*plot, path, format, settings, &error))
                result.written << path;
            else
                result.errors << error;
        }
    }
    return result;
}

QString askReportFolder(QWidget* parent, const QString& title) {
    ExportSettings settings = ExportSettings::load();
    const QString folder = QFileDialog::getExistingDirectory(parent, title, settings.lastFolder);
    if (folder.isEmpty()) return folder;
    settings.lastFolder = folder;
    settings.save();
    return folder;
}

} // namespace memloc::ui
