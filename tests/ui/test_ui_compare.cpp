// The Compare window on a real experiment (a sweep of tiny synthetic runs made with memloc-cli):
// it shows the stored numbers, reads each part only when its page is shown, and every comparison
// figure exports; `memloc export FOLDER` writes the same figures headless.
#include "compare/compare_figures.h"
#include "compare/compare_rewinding.h"
#include "compare/compare_window.h"
#include "main/export_command.h"
#include "main/main_window.h"
#include "main/run_browser_widget.h"
#include "plots/heatmap_plot_widget.h"
#include "runs/open_runs_model.h"
#include "tiny_run.h"

#include "memloc/compare.h"
#include "memloc/flipping.h"
#include "memloc/retraining.h"
#include "memloc/rewinding.h"
#include "memloc/run_summary.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTableWidget>
#include <QTreeWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

using memloc::ui::CompareFigures;
using memloc::ui::CompareWindow;

namespace {

bool close(double a, double b) { return std::abs(a - b) < 1e-9; }

double meanOf(const std::vector<double>& v) {
    double sum = 0;
    for (double x : v) sum += x;
    return sum / double(v.size());
}

/// The runs of the experiment with these settings (file names as the sweep writes them).
std::vector<std::string> runsOf(const QString& folder, const QString& noise, const QString& dropout) {
    std::vector<std::string> out;
    for (const char* seed : {"0", "1"})
        out.push_back(QStringLiteral("%1/runs/noise-%2_seed-%3_dropout-%4.h5")
                          .arg(folder, noise, QLatin1String(seed), dropout)
                          .toStdString());
    return out;
}

CompareWindow* waitForWindow(QWidget* parent) {
    CompareWindow* window = nullptr;
    for (int i = 0; i < 600 && !window; ++i) {
        QTest::qWait(50);
        window = parent->findChild<CompareWindow*>();
    }
    return window;
}

bool waitForParts(CompareWindow* w, unsigned parts) {
    for (int i = 0; i < 1200; ++i) {
        const auto c = w->comparison();
        if (c && !w->isReading() && (c->conditions.front().loaded & parts) == parts) return true;
        QTest::qWait(50);
    }
    return false;
}

/// The y value of a graph at key `x` (NaN if absent).
double valueAt(QCPGraph* graph, double x) {
    for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it)
        if (it->key == x) return it->value;
    return std::nan("");
}

} // namespace

class TestUiCompare : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        memloc::test::useTestSettings(QStringLiteral("test_ui_compare"));
        QVERIFY(m_dir.isValid());
        m_folder = m_dir.filePath(QStringLiteral("exp"));
        const QString base = m_dir.filePath(QStringLiteral("base.json"));
        QFile f(base);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"dataset": "synthetic", "synthetic_train": 128, "synthetic_test": 32, "synthetic_size": 12,
            "subset": 0, "test_subset": 0, "width": 0.125, "epochs": 2, "batch_size": 32, "device": "cpu",
            "accounting": false, "p_gen": 0.5, "p_mem": 0.25, "dropout_blocks": "2,3"})");
        f.close();
        QProcess p;
        p.start(QStringLiteral(MEMLOC_CLI),
                {"sweep", "--config", base, "--vary", "noise=0.1,0.25", "--vary", "seed=0,1", "--vary",
                 "dropout=none,example-tied", "--analyses", "rewind,retrain,flip,dropout-eval", "--eval-subset", "32",
                 "--retrain-epochs", "1", "--flip-examples", "3", "--threads", "1", "--quiet", "--out", m_folder});
        QVERIFY(p.waitForFinished(600000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
    }

    // Opening the folder in the main window opens a Compare window; at first it reads only the
    // run summaries, and its curves and table show the stored numbers.
    void showsStoredNumbersReadingLazily() {
        memloc::ui::MainWindow main;
        QVERIFY(main.openRun(m_folder));
        CompareWindow* w = waitForWindow(&main);
        QVERIFY(w);
        QVERIFY(waitForParts(w, memloc::core::CompareCurves));
        const auto c = w->comparison();
        QCOMPARE(c->conditions.size(), size_t(4));
        QCOMPARE(c->varied, (std::vector<std::string>{"dropout", "noise"}));
        QCOMPARE(c->conditions.front().loaded, unsigned(memloc::core::CompareCurves));  // nothing else read yet
        QVERIFY(w->firstShownMs() >= 0);

        // Condition "dropout none, noise 0.25": the mean over its two seeds of each run's stored
        // final memorized accuracy, drawn at the last epoch, and in the table.
        int index = -1;
        for (size_t i = 0; i < c->conditions.size(); ++i)
            if (c->conditions[i].label == "dropout none, noise 0.25") index = int(i);
        QVERIFY(index >= 0);
        std::vector<double> memorized;
        for (const auto& run : runsOf(m_folder, QStringLiteral("0.25"), QStringLiteral("none")))
            memorized.push_back(memloc::core::readRunSummary(run).metrics.back().trainNoisyGivenAcc);
        const double expected = meanOf(memorized);
        memloc::ui::PlotWidget* curves = w->figures()->plots().first();
        QCOMPARE(curves->name(), QStringLiteral("compare_memorized"));
        QCOMPARE(curves->plot()->graphCount(), 12);  // per condition: band edges and the mean
        QCPGraph* mean = curves->plot()->graph(index * 3 + 2);
        QVERIFY(mean->name().startsWith(QStringLiteral("dropout none, noise 0.25 (n=2)")));
        QVERIFY(close(valueAt(mean, 2), expected * 100));
        QCPGraph* low = curves->plot()->graph(index * 3 + 1);
        QVERIFY(close(valueAt(low, 2), *std::min_element(memorized.begin(), memorized.end()) * 100));
        const QString cell = w->figures()->summaryTable()->item(index, 2)->text();
        QVERIFY2(cell.startsWith(QString::number(expected * 100, 'f', 1) + QLatin1Char('%')), qPrintable(cell));
        // The +-1 sd band: mean - sd.
        w->figures()->setBandMode(memloc::ui::BandMode::StdDev);
        const double sd = std::abs(memorized[0] - memorized[1]) / std::sqrt(2.0);
        QVERIFY(close(valueAt(curves->plot()->graph(index * 3 + 1), 2), (expected - sd) * 100));

        // The Rewinding page reads the rewinding analyses, and only those.
        w->figures()->showPage(CompareFigures::Rewinding);
        QVERIFY(waitForParts(w, memloc::core::CompareRewinding));
        QCOMPARE(w->comparison()->conditions.front().loaded,
                 unsigned(memloc::core::CompareCurves | memloc::core::CompareRewinding));
        const auto& cond = w->comparison()->conditions[size_t(index)];
        std::vector<double> cell00;
        for (const auto& run : runsOf(m_folder, QStringLiteral("0.25"), QStringLiteral("none")))
            cell00.push_back(memloc::core::readRewinding(run).noisyGiven[0][0]);
        QVERIFY(close(cond.rewindGrid[0][0].mean, meanOf(cell00)));
        const memloc::ui::CsvTable grid = w->figures()->rewindingPage()->plots()[index]->csv();
        QVERIFY(close(grid.rows[0][1].toDouble(), meanOf(cell00)));

        // The Flipping page: every flipped example of both runs in the box plot's data.
        w->figures()->showPage(CompareFigures::Flipping);
        QVERIFY(waitForParts(w, memloc::core::CompareFlipping));
        size_t examples = 0;
        for (const auto& run : runsOf(m_folder, QStringLiteral("0.25"), QStringLiteral("none")))
            examples += memloc::core::readFlipping(run).examples.size();
        const auto& flipped = w->comparison()->conditions[size_t(index)];
        QCOMPARE(flipped.unitsNoisyAll.size() + flipped.unitsCleanAll.size(), examples);
        w->close();
    }

    // The difference view shows condition A's mean grid minus B's, cell by cell.
    void differenceView() {
        CompareWindow w({m_folder});
        w.setAttribute(Qt::WA_DeleteOnClose, false);
        QVERIFY(waitForParts(&w, memloc::core::CompareCurves));
        w.figures()->showPage(CompareFigures::Rewinding);
        QVERIFY(waitForParts(&w, memloc::core::CompareRewinding));
        const auto c = w.comparison();
        QVERIFY(w.figures()->rewindingPage()->setDifference(1, 0));
        const memloc::ui::CsvTable diff = w.figures()->rewindingPage()->differencePlot()->csv();
        QVERIFY(!diff.rows.isEmpty());
        const auto& a = c->conditions[1].rewindGrid;
        const auto& b = c->conditions[0].rewindGrid;
        for (int e = 0; e < diff.rows.size(); ++e)
            for (size_t g = 0; g < a.size(); ++g)
                QVERIFY(close(diff.rows[e][int(g) + 1].toDouble(), a[g][size_t(e)].mean - b[g][size_t(e)].mean));
        QVERIFY(!w.figures()->rewindingPage()->setDifference(0, 9));
    }

    // File > Export Report of the window: every comparison figure as PNG, PDF and CSV, each CSV
    // with data (the example-tied runs give the dropout figure its numbers).
    void everyFigureExports() {
        CompareWindow w({m_folder});
        w.setAttribute(Qt::WA_DeleteOnClose, false);
        QVERIFY(waitForParts(&w, memloc::core::CompareCurves));
        const QString out = m_dir.filePath(QStringLiteral("report"));
        const memloc::ui::ReportResult result = w.exportReport(out);
        QVERIFY2(result.errors.isEmpty(), qPrintable(result.errors.join(QLatin1Char('\n'))));
        const QList<memloc::ui::PlotWidget*> plots = w.figures()->plots();
        QCOMPARE(plots.size(), 3 + 4 + 2 + 1 + 2 + 2);  // curves, 4 grids + difference + drops, flips, retraining, dropout
        for (memloc::ui::PlotWidget* plot : plots) {
            for (const char* suffix : {"png", "pdf", "csv"}) {
                const QFileInfo file(QStringLiteral("%1/%2.%3").arg(out, plot->name(), QLatin1String(suffix)));
                QVERIFY2(file.exists() && file.size() > 0, qPrintable(file.filePath()));
            }
            QVERIFY2(!plot->csv().rows.isEmpty(), qPrintable(plot->name()));
        }
        QVERIFY(QFileInfo::exists(out + QStringLiteral("/compare_rewinding_dropout-example-tied_noise-0.1.png")));
        // Retraining: the stored value after retraining, averaged.
        const auto c = w.comparison();
        std::vector<double> after;
        for (const auto& run : runsOf(m_folder, QStringLiteral("0.1"), QStringLiteral("none")))
            after.push_back(memloc::core::readRetraining(run).groups[0].series.back().noisyGiven);
        for (const auto& cond : c->conditions)
            if (cond.label == "dropout none, noise 0.1") QVERIFY(close(cond.retrainMemorized[0].mean, meanOf(after)));
    }

    // `memloc export FOLDER --out DIR` without a window writes the same figures; and the main
    // window's Export Report puts an open comparison into a subfolder.
    void headlessAndMainWindowExport() {
        const QString out = m_dir.filePath(QStringLiteral("headless"));
        QCOMPARE(memloc::ui::runExportCommand({m_folder, QStringLiteral("--out"), out, QStringLiteral("--formats"),
                                               QStringLiteral("png,csv")}),
                 0);
        for (const char* name : {"compare_memorized", "compare_units_to_flip", "compare_retraining_recovered",
                                 "compare_dropout_drop_mode", "compare_rewinding_difference"})
            QVERIFY2(QFileInfo::exists(QStringLiteral("%1/%2.csv").arg(out, QLatin1String(name))), name);

        memloc::ui::MainWindow main;
        QVERIFY(main.openRun(m_folder));
        CompareWindow* w = waitForWindow(&main);
        QVERIFY(w && waitForParts(w, memloc::core::CompareCurves));
        const QString report = m_dir.filePath(QStringLiteral("main-report"));
        const memloc::ui::ReportResult result = main.exportReport(report);
        QVERIFY2(result.errors.isEmpty(), qPrintable(result.errors.join(QLatin1Char('\n'))));
        QVERIFY(QFileInfo::exists(report + QStringLiteral("/compare-exp/compare_units_to_flip.png")));
    }

    // Open runs compared from the File menu: the two selected in the Runs panel (one condition
    // each), not the third.
    void compareOpenRuns() {
        memloc::ui::MainWindow main;
        const auto a = runsOf(m_folder, QStringLiteral("0.1"), QStringLiteral("none"));
        const auto b = runsOf(m_folder, QStringLiteral("0.25"), QStringLiteral("none"));
        for (const std::string& run : {a[0], b[0], a[1]}) QVERIFY(main.openRun(QString::fromStdString(run)));
        QTreeWidget* tree = main.runBrowser()->tree();
        tree->clearSelection();
        tree->topLevelItem(0)->setSelected(true);
        tree->topLevelItem(1)->child(0)->setSelected(true);  // an item under a run selects that run
        QCOMPARE(main.runBrowser()->selectedRunPaths(),
                 (QStringList{QString::fromStdString(a[0]), QString::fromStdString(b[0])}));
        main.compareOpenRuns();
        CompareWindow* w = waitForWindow(&main);
        QVERIFY(w && waitForParts(w, memloc::core::CompareCurves));
        QCOMPARE(w->inputs().size(), 2);
        QCOMPARE(w->comparison()->conditions.size(), size_t(2));
        QCOMPARE(w->comparison()->varied, std::vector<std::string>{"noise"});
    }

    // A run the manifest records as still training (another process may be writing it) is left
    // out and listed; the other seven are compared.
    void leavesOutUnfinishedRuns() {
        const QString copy = m_dir.filePath(QStringLiteral("partial"));
        QVERIFY(QDir().mkpath(copy));
        QVERIFY(QFile::link(m_folder + QStringLiteral("/runs"), copy + QStringLiteral("/runs")));
        QFile in(m_folder + QStringLiteral("/experiment.json"));
        QVERIFY(in.open(QIODevice::ReadOnly));
        QJsonObject manifest = QJsonDocument::fromJson(in.readAll()).object();
        QJsonArray runs = manifest.value(QStringLiteral("runs")).toArray();
        QJsonObject first = runs[0].toObject();
        first.insert(QStringLiteral("state"), QStringLiteral("training"));
        runs[0] = first;
        manifest.insert(QStringLiteral("runs"), runs);
        QFile out(copy + QStringLiteral("/experiment.json"));
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(QJsonDocument(manifest).toJson());
        out.close();
        const auto c = memloc::core::compareRuns({copy.toStdString()}, memloc::core::CompareCurves);
        QCOMPARE(c.leftOut.size(), size_t(1));
        QVERIFY(QString::fromStdString(c.leftOut[0]).endsWith(QStringLiteral("noise-0.1_seed-0_dropout-none.h5 (training)")));
        size_t compared = 0;
        for (const auto& cond : c.conditions) compared += cond.runs.size();
        QCOMPARE(compared, size_t(7));
    }

    // A folder without a manifest, and a manifest that is not JSON: the window says which file
    // and what is wrong; nothing crashes.
    void badInput() {
        QTemporaryDir dir;
        CompareWindow empty({dir.path()});
        empty.setAttribute(Qt::WA_DeleteOnClose, false);
        QTRY_VERIFY_WITH_TIMEOUT(!empty.isReading(), 20000);
        QVERIFY2(empty.error().contains(QStringLiteral("experiment.json")), qPrintable(empty.error()));
        QFile f(dir.filePath(QStringLiteral("experiment.json")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{ not json");
        f.close();
        CompareWindow broken({dir.path()});
        broken.setAttribute(Qt::WA_DeleteOnClose, false);
        QTRY_VERIFY_WITH_TIMEOUT(!broken.isReading(), 20000);
        QVERIFY2(broken.error().contains(dir.filePath(QStringLiteral("experiment.json"))), qPrintable(broken.error()));
        QVERIFY(!broken.comparison());
    }

private:
    QTemporaryDir m_dir;
    QString m_folder;
};

QTEST_MAIN(TestUiCompare)
#include "test_ui_compare.moc"
