// memloc: the desktop application. `memloc [RUN.h5 ...] [--view ID] [--demo RUN.h5]` opens the window;
// `memloc export RUN.h5 --out DIR` writes every figure of a run without a display.

#include "../common/openmp_wait.h"
#include "compare/compare_figures.h"
#include "compare/compare_window.h"
#include "dialogs/run_presets.h"
#include "main/export_command.h"
#include "main/main_window.h"

#include "memloc/version.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QIcon>

#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
    memloc::app::ensurePassiveOpenMpWait(argv);  // the GUI thread and the engine share 2 cores
    // Answered before QApplication exists, so it works without a display (e.g. after installing).
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--version") == 0 || std::strcmp(argv[i], "-v") == 0) {
            std::printf("%s\n", memloc::core::versionReport().c_str());
            return 0;
        }
    const bool exportCommand = argc > 1 && std::strcmp(argv[1], "export") == 0;
    if (exportCommand && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");

    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("memloc"));
    QApplication::setApplicationName(QStringLiteral("memloc"));
    QApplication::setApplicationVersion(QString::fromStdString(memloc::core::memlocVersion()));
    if (exportCommand) return memloc::ui::runExportCommand(QApplication::arguments().mid(2));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Find where a neural network memorizes (desktop app).\n"
                                                    "memloc export RUN.h5 --out DIR writes every figure headless."));
    parser.addHelpOption();
    parser.addOption(QCommandLineOption({QStringLiteral("v"), QStringLiteral("version")},
                                        QStringLiteral("print memloc's, LibTorch's version and CUDA availability")));
    parser.addPositionalArgument(QStringLiteral("runs"), QStringLiteral("run files (.h5) or experiment folders to open"),
                                 QStringLiteral("[RUN.h5|FOLDER...]"));
    const QCommandLineOption viewOption(QStringLiteral("view"), QStringLiteral("view to show: training, gradients, rewinding, retraining, neurons, examples, "
                                                       "dropout; for an experiment folder compare-curves, "
                                                       "compare-rewinding, compare-flipping, compare-retraining, "
                                                       "compare-dropout"),
                                        QStringLiteral("ID"));
    parser.addOption(viewOption);
    const QCommandLineOption demoOption(QStringLiteral("demo"),
                                        QStringLiteral("open RUN.h5, or first train the embedded demo into it "
                                                       "(resources/demo.json) with live progress"),
                                        QStringLiteral("RUN.h5"));
    parser.addOption(demoOption);
    parser.process(app);

    memloc::ui::MainWindow window;
    QApplication::setWindowIcon(window.windowIcon());
    window.show();
    for (const QString& path : parser.positionalArguments()) window.openRun(path);
    if (parser.isSet(demoOption)) {
        const QString demo = parser.value(demoOption);
        if (QFileInfo::exists(demo))
            window.openRun(demo);
        else
            window.startTraining(memloc::ui::demoConfig(), demo, false);
    }
    if (parser.isSet(viewOption)) {
        const QString view = parser.value(viewOption);
        // "compare-<page>": that page of the Compare windows opened above (experiment folders).
        if (view.startsWith(QLatin1String("compare-"))) {
            for (auto* compare : window.findChildren<memloc::ui::CompareWindow*>())
                compare->figures()->showPage(memloc::ui::CompareFigures::pageOf(view.mid(8)));
        } else {
            window.showView(view);
        }
    }
    return QApplication::exec();
}
