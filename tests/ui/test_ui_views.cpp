// GUI tests, offscreen: the main window opens a real (tiny) run, its views show the run's epochs
// and layer groups, every figure exports, and bad files give an error message, not a crash.
#include "main/export_command.h"
#include "main/main_window.h"
#include "main/run_browser_widget.h"
#include "plots/heatmap_plot_widget.h"
#include "plots/plot_exporter.h"
#include "runs/open_runs_model.h"
#include "runs/run_document.h"
#include "views/gradients_view.h"
#include "views/neurons_view.h"
#include "views/rewinding_view.h"
#include "views/training_view.h"
#include "views/view_registry.h"

#include "tiny_run.h"

#include "memloc/run_summary.h"

#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QUrl>
#include <QtTest>

using namespace memloc;
using namespace memloc::ui;
using memloc::test::viewOf;

namespace {

QTreeWidgetItem* childNamed(QTreeWidgetItem* parent, const QString& name) {
    for (int i = 0; i < parent->childCount(); ++i)
        if (parent->child(i)->text(0) == name) return parent->child(i);
    return nullptr;
}

QMessageBox* visibleMessageBox(const QWidget& parent) {
    for (QMessageBox* box : parent.findChildren<QMessageBox*>())
        if (box->isVisible()) return box;
    return nullptr;
}

// The pixel of plot coordinate (x, y) in the plot's main axes.
QPointF pixelOf(const PlotWidget& plot, double x, double y) {
    return {plot.plot()->xAxis->coordToPixel(x), plot.plot()->yAxis->coordToPixel(y)};
}

} // namespace

class TestUiViews : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        test::useTestSettings(QStringLiteral("test_ui_views"));
        QVERIFY(m_dir.isValid());
        m_run = m_dir.filePath(QStringLiteral("tiny.h5"));
        test::trainTinyRun(m_run);
        m_summary = core::readRunSummary(m_run.toStdString());
        QCOMPARE(m_summary.epochsCompleted, 2);
    }

    void opensRunAndShowsEpochsAndGroups() {
        MainWindow w;
        w.show();
        QCOMPARE(static_cast<QStackedWidget*>(w.centralWidget())->currentIndex(), 0);  // welcome page
        QVERIFY(w.openRun(m_run));
        QCOMPARE(w.runs()->runs().size(), 1);
        RunDocument* run = w.runs()->current();
        QVERIFY(run);
        QCOMPARE(run->state(), RunDocument::State::Complete);
        QCOMPARE(static_cast<QStackedWidget*>(w.centralWidget())->currentIndex(), 1);  // the views
        QVERIFY(w.windowTitle().contains(QStringLiteral("tiny.h5")));

        // Run browser: epochs 0..2, every layer group with its units, the config.
        QTreeWidgetItem* top = w.runBrowser()->itemFor(run);
        QVERIFY(top);
        QTreeWidgetItem* epochs = childNamed(top, QStringLiteral("Epochs"));
        QVERIFY(epochs);
        QCOMPARE(epochs->text(1), QStringLiteral("2 / 2"));
        QCOMPARE(epochs->childCount(), 3);
        QTreeWidgetItem* groups = childNamed(top, QStringLiteral("Layer groups"));
        QVERIFY(groups);
        QCOMPARE(groups->childCount(), static_cast<int>(m_summary.groups.size()));
        QCOMPARE(groups->child(0)->text(0), QString::fromStdString(m_summary.groups[0].name));
        QCOMPARE(groups->child(0)->text(1), QStringLiteral("%1 units").arg(m_summary.groups[0].units));
        QTreeWidgetItem* config = childNamed(top, QStringLiteral("Config"));
        QVERIFY(config && childNamed(config, QStringLiteral("dataset")));
        QCOMPARE(childNamed(config, QStringLiteral("dataset"))->text(1), QStringLiteral("synthetic"));

        // Training view: one point per stored epoch on every accuracy curve, tooltip with values.
        auto* training = viewOf<TrainingView>(w);
        QVERIFY(training);
        PlotWidget* accuracy = training->plots().at(0);
        QCOMPARE(accuracy->plot()->graphCount(), 4);
        for (int i = 0; i < 4; ++i) QCOMPARE(accuracy->plot()->graph(i)->data()->size(), 3);
        QCOMPARE(accuracy->plot()->graph(3)->data()->at(2)->value, m_summary.metrics[2].testAcc * 100.0);
        const QString tip = accuracy->toolTipAt(pixelOf(*accuracy, 1, 50));
        QVERIFY2(tip.startsWith(QStringLiteral("Epoch 1")), qPrintable(tip));
        QVERIFY(tip.contains(QStringLiteral("memorized")));

        // Gradients view: latest epoch chosen, one bar per group and series, (epoch x group) maps.
        auto* gradients = viewOf<GradientsView>(w);
        QVERIFY(gradients);
        QCOMPARE(gradients->epoch(), 2);
        PlotWidget* bars = gradients->plots().at(0);
        QCOMPARE(bars->plot()->plottableCount(), 3);
        const auto* noisyBars = static_cast<QCPBars*>(bars->plot()->plottable(1));
        QCOMPARE(noisyBars->data()->size(), static_cast<int>(m_summary.groups.size()));
        const core::AccountingSeries accounting = core::readAccounting(m_run.toStdString());
        QCOMPARE(noisyBars->data()->at(0)->value, accounting.noisyNorm[1][0]);
        gradients->setEpoch(1);
        QCOMPARE(noisyBars->data()->at(0)->value, accounting.noisyNorm[0][0]);
        QVERIFY(bars->toolTipAt(pixelOf(*bars, 0, bars->plot()->yAxis->range().center())).contains(QString::fromStdString(accounting.groups[0])));

        auto* share = qobject_cast<HeatmapPlotWidget*>(gradients->plots().at(1));
        QVERIFY(share);
        const CsvTable shareCsv = share->csv();
        QCOMPARE(shareCsv.rows.size(), 2);                                         // epochs 1, 2
        QCOMPARE(shareCsv.header.size(), 1 + static_cast<int>(accounting.groups.size()));  // epoch + groups
        const double c = accounting.cleanNorm[1][0], n = accounting.noisyNorm[1][0];
        QCOMPARE(shareCsv.rows[1][1].toDouble(), QString::number(n / (c + n), 'g', 10).toDouble());
        int column = -1, row = -1;
        QVERIFY(share->cellAt(pixelOf(*share, 2, 0), &column, &row));
        QCOMPARE(column, 1);
        QCOMPARE(row, 0);
        QVERIFY(share->toolTipAt(pixelOf(*share, 2, 0)).contains(QStringLiteral("epoch 2")));
    }

    // A run with a focus set names it ("atypical") and the rest ("other") in legends, menus, notes
    // and the run browser; a label-noise run keeps its own words, also after switching back.
    void viewsNameTheStudiedSet() {
        const QString focusRun = m_dir.filePath(QStringLiteral("focus.h5"));
        test::trainTinyFocusRun(focusRun, m_dir.filePath(QStringLiteral("atypical.txt")));
        const core::RunSummary focus = core::readRunSummary(focusRun.toStdString());
        QCOMPARE(focus.focusCount, 32);
        QCOMPARE(QString::fromStdString(focus.focus.set), QStringLiteral("atypical"));

        MainWindow w;
        w.show();
        QVERIFY(w.openRun(m_run));
        QVERIFY(w.openRun(focusRun));
        auto* training = viewOf<TrainingView>(w);
        auto* gradients = viewOf<GradientsView>(w);
        auto* rewinding = viewOf<RewindingView>(w);
        auto* neurons = viewOf<NeuronsView>(w);
        QVERIFY(training && gradients && rewinding && neurons);
        QCustomPlot* accuracy = training->plots().at(0)->plot();
        QCustomPlot* bars = gradients->plots().at(0)->plot();
        auto trainingNote = [&w] { return w.viewTabs()->widget(0)->findChild<QLabel*>(QStringLiteral("viewNote"))->text(); };
        auto dataRow = [&w](const QString& path) {
            return childNamed(w.runBrowser()->itemFor(w.runs()->find(path)), QStringLiteral("Data"))->text(1);
        };

        QCOMPARE(accuracy->graph(0)->name(), QStringLiteral("other"));
        QCOMPARE(accuracy->graph(1)->name(), QStringLiteral("atypical (fitted)"));
        QCOMPARE(accuracy->graph(2)->name(), QStringLiteral("atypical, true label"));
        QCOMPARE(accuracy->graph(3)->name(), QStringLiteral("test"));
        const QString tip = training->plots().at(0)->toolTipAt(pixelOf(*training->plots().at(0), 1, 50));
        QVERIFY2(tip.contains(QStringLiteral("atypical (fitted):")) && !tip.contains(QStringLiteral("memorized")), qPrintable(tip));
        QCOMPARE(bars->plottable(0)->name(), QStringLiteral("other"));
        QCOMPARE(bars->plottable(1)->name(), QStringLiteral("atypical"));
        QVERIFY(gradients->plots().at(1)->title().contains(QStringLiteral("atypical")));
        QCOMPARE(rewinding->findChild<QComboBox*>()->itemText(RewindingView::NoisyGiven), QStringLiteral("atypical (fitted)"));
        QCOMPARE(neurons->findChild<QComboBox*>()->itemText(NeuronsView::Attribution), QStringLiteral("attribution (atypical - other)"));
        QCOMPARE(neurons->findChild<QComboBox*>()->itemText(NeuronsView::AblationClean),
                 QStringLiteral("ablation: change of other accuracy"));
        QVERIFY2(trainingNote().contains(QStringLiteral("the atypical examples")), qPrintable(trainingNote()));
        QVERIFY2(dataRow(focusRun).contains(QStringLiteral("32 atypical")), qPrintable(dataRow(focusRun)));

        w.runs()->setCurrent(w.runs()->find(m_run));
        QCOMPARE(accuracy->graph(0)->name(), QStringLiteral("clean"));
        QCOMPARE(accuracy->graph(1)->name(), QStringLiteral("memorized (noisy, given)"));
        QCOMPARE(accuracy->graph(2)->name(), QStringLiteral("noisy, true label"));
        QCOMPARE(bars->plottable(1)->name(), QStringLiteral("noisy"));
        QCOMPARE(gradients->plots().at(1)->title(), QStringLiteral("Noisy share of the gradient"));
        QCOMPARE(rewinding->findChild<QComboBox*>()->itemText(RewindingView::NoisyGiven),
                 QStringLiteral("memorized (noisy, given label)"));
        QCOMPARE(neurons->findChild<QComboBox*>()->itemText(NeuronsView::Attribution), QStringLiteral("attribution (noisy - clean)"));
        QVERIFY(trainingNote().startsWith(QStringLiteral("Accuracy per epoch on clean examples, on mislabeled examples")));
        QVERIFY(!dataRow(m_run).contains(QStringLiteral("atypical")));
        QVERIFY(dataRow(m_run).contains(QStringLiteral("32 mislabeled")));
    }

    void switchesThroughEveryView() {
        MainWindow w;
        w.show();
        QVERIFY(w.openRun(m_run));
        for (const ViewInfo& info : viewInfos()) {
            QVERIFY(w.showView(info.id));
            QCOMPARE(w.viewTabs()->currentWidget()->objectName(), info.id);
        }
        QVERIFY(!w.showView(QStringLiteral("no-such-view")));
    }

    void exportsEveryPlotInEveryFormat_data() {
        QTest::addColumn<QString>("suffix");
        QTest::newRow("png") << "png";
        QTest::newRow("pdf") << "pdf";
        if (svgSupported()) QTest::newRow("svg") << "svg";
        QTest::newRow("csv") << "csv";
    }

    void exportsEveryPlotInEveryFormat() {
        QFETCH(QString, suffix);
        MainWindow w;
        QVERIFY(w.openRun(m_run));
        PlotFormat format;
        QVERIFY(formatFromSuffix(suffix, &format));
        QTemporaryDir out;
        for (const ExportSettings::Size size : {ExportSettings::Size::OneColumn, ExportSettings::Size::Screen}) {
            ExportSettings settings;
            settings.size = size;
            settings.dpi = 150;
            for (RunView* view : w.views()) {
                for (PlotWidget* plot : view->plots()) {
                    const QString path = out.filePath(plot->name() + QLatin1Char('.') + suffix);
                    QString error;
                    QVERIFY2(exportPlot(*plot, path, format, settings, &error), qPrintable(error));
                    QVERIFY2(QFileInfo(path).size() > 0, qPrintable(path));
                    if (format == PlotFormat::Png && size == ExportSettings::Size::OneColumn)
                        QCOMPARE(QImage(path).width(), 525);  // 3.5 in at 150 dpi
                }
            }
        }
        if (format == PlotFormat::Csv) {
            QFile csv(out.filePath(QStringLiteral("training_accuracy.csv")));
            QVERIFY(csv.open(QIODevice::ReadOnly));
            const QStringList lines = QString::fromUtf8(csv.readAll()).trimmed().split(QLatin1Char('\n'));
            QCOMPARE(lines.size(), 4);  // header + epochs 0..2
            QCOMPARE(lines[0], QStringLiteral("epoch,train_clean_acc,train_noisy_given_acc,train_noisy_true_acc,test_acc"));
            QCOMPARE(lines[3].split(QLatin1Char(',')).at(4).toDouble(), m_summary.metrics[2].testAcc);
        }
    }

    void exportReportWritesEveryFigure() {
        MainWindow w;
        QVERIFY(w.openRun(m_run));
        QTemporaryDir out;
        const ReportResult result = w.exportReport(out.filePath(QStringLiteral("report")));
        QVERIFY2(result.errors.isEmpty(), qPrintable(result.errors.join('\n')));
        int plots = 0;
        for (RunView* view : w.views()) plots += view->plots().size();
        QCOMPARE(result.written.size(), plots * (svgSupported() ? 4 : 3));
        for (const QString& path : result.written) QVERIFY2(QFileInfo(path).size() > 0, qPrintable(path));
    }

    void exportCommand() {
        QTemporaryDir out;
        QCOMPARE(runExportCommand({m_run, QStringLiteral("--out"), out.path(), QStringLiteral("--formats"),
                                   QStringLiteral("png,csv"), QStringLiteral("--size"), QStringLiteral("two-column")}),
                 0);
        QVERIFY(QFileInfo(out.filePath(QStringLiteral("gradients_cosine.png"))).size() > 0);
        QVERIFY(QFileInfo(out.filePath(QStringLiteral("gradients_cosine.csv"))).size() > 0);
        QVERIFY(!QFileInfo::exists(out.filePath(QStringLiteral("gradients_cosine.pdf"))));
        QCOMPARE(runExportCommand({m_run}), 2);                                                      // no --out
        QCOMPARE(runExportCommand({m_run, QStringLiteral("--out"), out.path(), QStringLiteral("--formats"),
                                   QStringLiteral("gif")}), 2);
        QCOMPARE(runExportCommand({out.filePath(QStringLiteral("missing.h5")), QStringLiteral("--out"), out.path()}), 1);
    }

    void badFileShowsErrorAndAppKeepsRunning_data() {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<bool>("create");
        QTest::newRow("missing file") << QByteArray() << false;
        QTest::newRow("not HDF5") << QByteArray("this is not a run file\n") << true;
        QTest::newRow("empty") << QByteArray() << true;
    }

    void badFileShowsErrorAndAppKeepsRunning() {
        QFETCH(QByteArray, content);
        QFETCH(bool, create);
        QTemporaryDir dir;
        const QString bad = dir.filePath(QStringLiteral("bad.h5"));
        if (create) {
            QFile file(bad);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(content);
        }
        MainWindow w;
        w.show();
        QVERIFY(!w.openRun(bad));
        QTRY_VERIFY(visibleMessageBox(w));
        QMessageBox* box = visibleMessageBox(w);
        QVERIFY2(box->text().contains(QStringLiteral("bad.h5")), qPrintable(box->text()));  // the core's message
        QCOMPARE(w.runs()->runs().size(), 0);
        box->accept();
        QTRY_VERIFY(!visibleMessageBox(w));
        QVERIFY(w.openRun(m_run));  // still working
        QCOMPARE(w.runs()->runs().size(), 1);
    }

    void dropOpensRunFiles() {
        MainWindow w;
        w.show();
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(m_run)});
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&w, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&w, &drop);
        QCOMPARE(w.runs()->runs().size(), 1);
    }

    void recentFilesAndOpenRunsPersist() {
        {
            MainWindow w;
            QVERIFY(w.openRun(m_run));
            QVERIFY(w.openRun(m_run));  // opening again re-reads, no second entry
            QCOMPARE(w.runs()->runs().size(), 1);
            w.closeCurrentRun();
            QCOMPARE(w.runs()->runs().size(), 0);
        }
        const QStringList recent = QSettings().value(QStringLiteral("recentFiles")).toStringList();
        QCOMPARE(recent.value(0), QFileInfo(m_run).absoluteFilePath());
        QCOMPARE(recent.count(QFileInfo(m_run).absoluteFilePath()), 1);
    }

private:
    QTemporaryDir m_dir;
    QString m_run;
    core::RunSummary m_summary;
};

QTEST_MAIN(TestUiViews)
#include "test_ui_views.moc"
