// Screenshots of the main window in an interactive state (a unit dropped, an example selected), for
// a person to look at; screenshots.sh covers the plain views.
// usage: ui_view_shots RUN.h5 OUT_DIR   -> OUT_DIR/gui-neurons-dropped.png, gui-examples-selected.png
#include "main/main_window.h"
#include "tiny_run.h"
#include "runs/live_drop_model.h"
#include "views/example_table_model.h"
#include "views/examples_view.h"
#include "views/neurons_view.h"

#include "memloc/flipping.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QTimer>

#include <cstdio>
#include <exception>

using namespace memloc;
using namespace memloc::ui;
using memloc::test::viewOf;

namespace {
// Runs the event loop until `done` or `ms` elapse.
template <typename Pred> void waitFor(Pred done, int ms) {
    QElapsedTimer timer;
    timer.start();
    while (!done() && timer.elapsed() < ms) {
        QEventLoop loop;
        QTimer::singleShot(50, &loop, &QEventLoop::quit);
        loop.exec();
    }
}
} // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    if (argc != 3) {
        std::fprintf(stderr, "usage: ui_view_shots RUN.h5 OUT_DIR\n");
        return 2;
    }
    const QString run = QString::fromLocal8Bit(argv[1]);
    const QDir out(QString::fromLocal8Bit(argv[2]));
    MainWindow w;
    w.resize(1600, 1000);
    w.show();
    if (!w.openRun(run)) return 1;

    auto* examples = viewOf<ExamplesView>(w);
    w.showView(QStringLiteral("examples"));
    waitFor([&] { return examples->loadedImages() > 0; }, 60000);
    core::FlipResult flip;
    try {
        flip = core::readFlipping(run.toStdString());
    } catch (const std::exception&) {
        // No flipping analysis: a memorized example, without a flip path.
    }
    qint64 id = -1;
    for (const core::FlipExample& e : flip.examples)
        if (e.noisy && e.flipped && e.units.size() >= 2) {
            id = e.id;
            break;
        }
    if (id < 0 && !flip.examples.empty()) id = flip.examples.front().id;
    for (int r = 0; id < 0 && r < examples->tableModel()->rowCount(); ++r)
        if (examples->tableModel()->row(r).stat.memorized()) id = examples->tableModel()->row(r).stat.id;
    examples->selectExample(id);
    waitFor([] { return false; }, 500);
    w.grab().save(out.filePath(QStringLiteral("gui-examples-selected.png")));

    // The Neurons view with the example's flip path dropped: its prediction should change.
    auto* neurons = viewOf<NeuronsView>(w);
    w.showView(QStringLiteral("neurons"));
    for (const core::FlipExample& e : flip.examples)
        if (e.id == id)
            for (const core::FlipUnit& u : e.units) neurons->toggleUnit(int(u.group), int(u.channel));
    waitFor([&] { return neurons->liveDrop()->isUpToDate(); }, 120000);
    waitFor([] { return false; }, 300);
    w.grab().save(out.filePath(QStringLiteral("gui-neurons-dropped.png")));
    std::printf("%s\n%s\n", qPrintable(out.filePath(QStringLiteral("gui-examples-selected.png"))),
                qPrintable(out.filePath(QStringLiteral("gui-neurons-dropped.png"))));
    return 0;
}
