// ui_compare_open: not a test but a measurement. Opens the Compare window offscreen on experiment
// folders or run files, as File > Open Experiment does, and prints how long until the curves are
// on screen, then how long each other page takes to read its part when it is first shown, and the
// process's peak memory.
//
//   QT_QPA_PLATFORM=offscreen ui_compare_open FOLDER|RUN.h5 ...
//
// Exits 1 when the comparison cannot be read.

#include "compare/compare_figures.h"
#include "compare/compare_window.h"

#include "memloc/compare.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QStringList>

#include <sys/resource.h>

#include <cstdio>

using memloc::ui::CompareFigures;
using memloc::ui::CompareWindow;

namespace {
/// Runs the event loop until the window's read in progress finished.
void waitForRead(CompareWindow& window) {
    if (!window.isReading()) return;
    QEventLoop loop;
    QObject::connect(&window, &CompareWindow::readFinished, &loop, &QEventLoop::quit);
    loop.exec();
}
} // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const QStringList inputs = QApplication::arguments().mid(1);
    if (inputs.isEmpty()) {
        std::fprintf(stderr, "usage: ui_compare_open FOLDER|RUN.h5 ...\n");
        return 2;
    }
    CompareWindow window(inputs);
    window.setAttribute(Qt::WA_DeleteOnClose, false);
    window.show();
    waitForRead(window);
    if (!window.error().isEmpty()) {
        std::fprintf(stderr, "ui_compare_open: %s\n", qPrintable(window.error()));
        return 1;
    }
    std::size_t runs = 0;
    for (const auto& c : window.comparison()->conditions) runs += c.runs.size();
    std::printf("%zu runs in %zu conditions\n", runs, window.comparison()->conditions.size());
    std::printf("open to curves on screen: %lld ms\n", static_cast<long long>(window.firstShownMs()));
    const char* names[] = {"curves", "rewinding", "flipping", "retraining", "dropout"};
    for (int page = CompareFigures::Rewinding; page <= CompareFigures::Dropout; ++page) {
        QElapsedTimer clock;
        clock.start();
        window.figures()->showPage(page);
        waitForRead(window);
        QApplication::processEvents();
        std::printf("page %-10s first shown: %lld ms\n", names[page], static_cast<long long>(clock.elapsed()));
    }
    struct rusage usage {};
    ::getrusage(RUSAGE_SELF, &usage);
    std::printf("peak memory: %ld MiB\n", usage.ru_maxrss / 1024);
    return 0;
}
