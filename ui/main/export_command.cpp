#include "main/export_command.h"

#include "compare/compare_figures.h"

#include "plots/plot_exporter.h"
#include "plots/report_writer.h"
#include "runs/run_snapshot.h"
#include "views/run_view.h"
#include "views/view_registry.h"

#include <QCommandLineParser>
#include <QFileInfo>
#include <QTextStream>

#include <exception>
#include <memory>
#include <string>
#include <vector>

namespace memloc::ui {

namespace {
bool parseSize(const QString& text, ExportSettings::Size* size) {
    if (text == QLatin1String("one-column")) *size = ExportSettings::Size::OneColumn;
    else if (text == QLatin1String("two-column")) *size = ExportSettings::Size::TwoColumn;
    else if (text == QLatin1String("screen")) *size = ExportSettings::Size::Screen;
    else return false;
    return true;
}

int printResult(const ReportResult& result) {
    QTextStream out(stdout), err(stderr);
    for (const QString& path : result.written) out << path << "\n";
    for (const QString& error : result.errors) err << "memloc export: " << error << "\n";
    return result.errors.isEmpty() ? 0 : 1;
}

/// Every comparison figure of experiment folders and/or run files, read in full.
int exportComparison(const QStringList& inputs, const QString& folder, const ExportSettings& settings) {
    std::vector<std::string> paths;
    for (const QString& input : inputs) paths.push_back(input.toStdString());
    ComparisonPtr comparison;
    try {
        comparison = std::make_shared<const core::Comparison>(core::compareRuns(paths, core::CompareAll));
    } catch (const std::exception& e) {
        QTextStream(stderr) << "memloc export: " << e.what() << "\n";
        return 1;
    }
    CompareFigures figures;
    figures.setComparison(comparison);
    return printResult(writeReport(figures.plots(), folder, settings));
}
} // namespace

int runExportCommand(const QStringList& arguments) {
    QTextStream err(stderr);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Write every figure of a run, or the comparison figures of an "
                                                    "experiment folder or several runs (PNG, PDF, SVG), and their data "
                                                    "(CSV)."));
    parser.addPositionalArgument(QStringLiteral("run"), QStringLiteral("a run file (.h5), or experiment folders / several runs"));
    const QCommandLineOption outOption(QStringLiteral("out"), QStringLiteral("output folder"), QStringLiteral("DIR"));
    const QCommandLineOption formatsOption(QStringLiteral("formats"), QStringLiteral("comma-separated: png,pdf,svg,csv"),
                                           QStringLiteral("LIST"), QStringLiteral("png,pdf,svg,csv"));
    const QCommandLineOption dpiOption(QStringLiteral("dpi"), QStringLiteral("PNG resolution (300)"), QStringLiteral("N"),
                                       QStringLiteral("300"));
    const QCommandLineOption sizeOption(QStringLiteral("size"), QStringLiteral("one-column | two-column | screen"),
                                        QStringLiteral("SIZE"), QStringLiteral("one-column"));
    parser.addOptions({outOption, formatsOption, dpiOption, sizeOption});
    if (!parser.parse(QStringList{QStringLiteral("memloc export")} + arguments)) {
        err << "memloc export: " << parser.errorText() << "\n";
        return 2;
    }
    ExportSettings settings;
    bool dpiOk = false;
    settings.dpi = parser.value(dpiOption).toInt(&dpiOk);
    settings.reportFormats = parser.value(formatsOption).split(QLatin1Char(','), Qt::SkipEmptyParts);
    for (const QString& f : settings.reportFormats) {
        PlotFormat format;
        if (!formatFromSuffix(f, &format)) {
            err << "memloc export: unknown or unsupported format '" << f << "' (png, pdf, "
                << (svgSupported() ? "svg, " : "") << "csv)\n";
            return 2;
        }
    }
    const QStringList inputs = parser.positionalArguments();
    if (inputs.isEmpty() || !parser.isSet(outOption) || !dpiOk || settings.dpi < 72 ||
        settings.dpi > 1200 || !parseSize(parser.value(sizeOption), &settings.size)) {
        err << "usage: memloc export RUN.h5|EXPERIMENT_FOLDER|RUN.h5 RUN.h5... --out DIR [--formats png,pdf,svg,csv] "
               "[--dpi 72..1200] [--size one-column|two-column|screen]\n";
        return 2;
    }
    if (inputs.size() > 1 || QFileInfo(inputs.first()).isDir()) return exportComparison(inputs, parser.value(outOption), settings);

    RunSnapshotPtr run;
    try {
        run = readRunSnapshot(inputs.first());
    } catch (const std::exception& e) {
        err << "memloc export: " << e.what() << "\n";
        return 1;
    }
    std::vector<std::unique_ptr<RunView>> views;
    QList<PlotWidget*> plots;
    for (const ViewInfo& info : viewInfos()) {
        views.emplace_back(info.create(nullptr));
        views.back()->setRun(run);
        plots << views.back()->plots();
    }
    return printResult(writeReport(plots, parser.value(outOption), settings));
}

} // namespace memloc::ui
