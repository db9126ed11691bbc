// ui_responsiveness: not a test but a measurement. Opens the main window
// offscreen, trains the embedded demo (the "Demo (CPU, minutes)" preset, fewer epochs) through
// MainWindow::startTraining - the New Run dialog's path - and meanwhile measures how long the GUI
// thread's event loop stalls: a 5 ms QTimer records the gap between consecutive timeouts.
//
//   QT_QPA_PLATFORM=offscreen ui_responsiveness [--epochs N] [--out RUN.h5]
//
// Prints one line per figure: longest stall (ms), 99th percentile gap (ms), epoch updates
// received, seconds. Exits 0 when training finished (1 if it failed).

#include "../../app/common/openmp_wait.h"
#include "dialogs/run_presets.h"
#include "jobs/training_job.h"
#include "main/main_window.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace memloc;

int main(int argc, char** argv) {
    app::ensurePassiveOpenMpWait(argv);  // as the memloc app does
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication application(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("memloc-bench"));
    QApplication::setApplicationName(QStringLiteral("ui_responsiveness"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Longest GUI event-loop stall while the demo trains."));
    parser.addHelpOption();
    const QCommandLineOption epochsOption(QStringLiteral("epochs"), QStringLiteral("training epochs (default 3)"),
                                          QStringLiteral("N"), QStringLiteral("3"));
    const QCommandLineOption outOption(QStringLiteral("out"), QStringLiteral("run file (default: a temporary file)"),
                                       QStringLiteral("PATH"));
    parser.addOption(epochsOption);
    parser.addOption(outOption);
    parser.process(application);
    bool ok = false;
    const int epochs = parser.value(epochsOption).toInt(&ok);
    if (!ok || epochs < 1) {
        std::fprintf(stderr, "ui_responsiveness: --epochs needs a positive number\n");
        return 2;
    }
    QTemporaryDir temporary;
    const QString out =
        parser.isSet(outOption) ? parser.value(outOption) : temporary.filePath(QStringLiteral("demo.h5"));

    ui::MainWindow window;
    window.show();

    // Every gap between two 5 ms ticks; a gap far above 5 ms is the event loop being blocked.
    constexpr int kTickMs = 5;
    std::vector<double> gaps;
    gaps.reserve(1 << 16);
    double longest = 0, longestAt = 0;  // the longest gap, and when it ended (seconds since the start)
    QElapsedTimer clock, total;
    QTimer ticker;
    ticker.setTimerType(Qt::PreciseTimer);
    ticker.setInterval(kTickMs);
    QObject::connect(&ticker, &QTimer::timeout, [&] {
        const double gap = double(clock.nsecsElapsed()) / 1e6;
        if (gap > longest) {
            longest = gap;
            longestAt = double(total.elapsed()) / 1000.0;
        }
        gaps.push_back(gap);
        clock.start();
    });

    core::RunConfig config = ui::demoConfig();
    config.epochs = epochs;
    ui::TrainingJob* job = window.startTraining(config, out, true);
    int epochUpdates = 0;
    QObject::connect(job, &ui::TrainingJob::epochSaved, [&](const core::EpochMetrics& metrics, const ui::RunSnapshotPtr&) {
        if (metrics.epoch >= 1) ++epochUpdates;
    });
    QObject::connect(job, &ui::Job::finished, &application, &QCoreApplication::quit, Qt::QueuedConnection);
    total.start();
    clock.start();
    ticker.start();
    QApplication::exec();
    ticker.stop();
    const double seconds = double(total.elapsed()) / 1000.0;

    std::vector<double> sorted = gaps;
    std::sort(sorted.begin(), sorted.end());
    const double p99 = sorted.empty() ? 0.0 : sorted[std::min(sorted.size() - 1, size_t(double(sorted.size()) * 0.99))];
    std::printf("longest stall ms: %.1f\n", longest);
    std::printf("p99 gap ms: %.1f\n", p99);
    std::printf("epochs: %d\n", epochUpdates);
    std::printf("seconds: %.1f\n", seconds);
    std::printf("ticks: %zu (interval %d ms), longest stall ended at %.1f s\n", gaps.size(), kTickMs, longestAt);
    if (job->state() != ui::Job::State::Finished) {
        std::fprintf(stderr, "ui_responsiveness: training ended: %s\n", qPrintable(job->message()));
        return 1;
    }
    return 0;
}
