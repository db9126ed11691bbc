// GUI tests of the example browser (every training example, with the final model's prediction,
// loss and margin), class names in the views, and the Neurons view's classifier row and empty
// probability plot; offscreen, on tiny real runs.
#include "main/main_window.h"
#include "plots/heatmap_plot_widget.h"
#include "views/class_probability_plot.h"
#include "views/example_table_model.h"
#include "views/examples_view.h"
#include "views/neurons_view.h"
#include "views/units_to_flip_plot.h"

#include "tiny_run.h"

#include "memloc/class_names.h"
#include "memloc/examples.h"
#include "memloc/flipping.h"
#include "memloc/neurons.h"
#include "memloc/run_summary.h"
#include "memloc/training.h"

#include <QComboBox>
#include <QFile>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

using namespace memloc;
using namespace memloc::ui;
using memloc::test::viewOf;

namespace {

// Opens `run` in `w` on the Examples view and waits until its training set is loaded.
ExamplesView* openExamples(MainWindow& w, const QString& run) {
    auto* view = viewOf<ExamplesView>(w);
    QSignalSpy loaded(view, &ExamplesView::imagesLoaded);
    w.show();
    if (!w.openRun(run) || !w.showView(QStringLiteral("examples"))) return nullptr;
    if (loaded.isEmpty() && !loaded.wait(120000)) return nullptr;
    if (!loaded.first().first().toString().isEmpty()) qWarning("%s", qPrintable(loaded.first().first().toString()));
    return view;
}

QString cell(const ExamplesView* view, int row, int column) {
    return view->table()->model()->index(row, column).data().toString();
}

QVariant sortValue(const ExamplesView* view, int row, int column) {
    return view->table()->model()->index(row, column).data(ExampleTableModel::SortRole);
}

} // namespace

class TestUiExamples : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        test::useTestSettings(QStringLiteral("test_ui_examples"));
        QVERIFY(m_dir.isValid());
        m_run = m_dir.filePath(QStringLiteral("tiny.h5"));
        m_bare = m_dir.filePath(QStringLiteral("bare.h5"));
        test::trainTinyRun(m_run);
        QVERIFY(QFile::copy(m_run, m_bare));  // the same run without a flipping analysis
        core::FlipOptions flip;
        flip.noisy = 3;
        flip.clean = 3;
        m_flip = core::runFlipping(m_run.toStdString(), flip);
        if (test::hasFashionMnist()) {
            m_fashion = m_dir.filePath(QStringLiteral("fashion.h5"));
            core::trainRun(test::tinyFashionConfig(), m_fashion.toStdString(), {}, true);
        }
    }

    // Without a flipping analysis the browser lists every training example, its flip columns
    // blank, and offers to run flipping; the filters count what the run file stores.
    void browserListsEveryTrainingExample() {
        MainWindow w;
        ExamplesView* view = openExamples(w, m_bare);
        QVERIFY(view);
        QVERIFY(view->showsContent());
        const core::RunSummary summary = core::readRunSummary(m_bare.toStdString());
        const int n = int(summary.trainSize);
        QCOMPARE(n, 128);
        QCOMPARE(view->loadedImages(), n);
        QCOMPARE(view->visibleCount(), n);
        bool offered = false;
        for (QPushButton* button : view->findChildren<QPushButton*>())
            offered = offered || (button->isVisible() && button->text().startsWith(QStringLiteral("Run flipping")));
        QVERIFY(offered);
        QVERIFY(!view->rerunButton()->isVisible());
        for (int r = 0; r < n; ++r) QVERIFY(cell(view, r, ExampleTableModel::UnitsToFlip).isEmpty());

        int memorized = 0;
        for (int r = 0; r < n; ++r) memorized += cell(view, r, ExampleTableModel::Memorized) == QStringLiteral("yes");
        view->setFilter(ExamplesView::Noisy);
        QCOMPARE(view->visibleCount(), int(summary.noisyCount));
        view->setFilter(ExamplesView::Clean);
        QCOMPARE(view->visibleCount(), n - int(summary.noisyCount));
        view->setFilter(ExamplesView::Memorized);
        QCOMPARE(view->visibleCount(), memorized);
        view->setFilter(ExamplesView::NoisyNotMemorized);
        QCOMPARE(view->visibleCount(), int(summary.noisyCount) - memorized);
        // The memorized share is the run's own final noisy-given accuracy.
        QCOMPARE(double(memorized) / double(summary.noisyCount), summary.metrics.back().trainNoisyGivenAcc);
        for (ExamplesView::Filter f : {ExamplesView::Tried, ExamplesView::Flipped, ExamplesView::NotFlipped}) {
            view->setFilter(f);
            QCOMPARE(view->visibleCount(), 0);
        }
        view->setFilter(ExamplesView::All);
        // Thumbnails are drawn on demand from the raw pixels.
        const QVariant thumbnail = view->table()->model()->index(0, ExampleTableModel::Id).data(Qt::DecorationRole);
        QCOMPARE(thumbnail.value<QPixmap>().width(), ExampleTableModel::kThumbnailSide);
    }

    // What the table stores is what the core computes for the final model.
    void statsMatchCoreEvaluation() {
        MainWindow w;
        ExamplesView* view = openExamples(w, m_bare);
        QVERIFY(view);
        const std::vector<core::ExampleStat> stats = core::evaluateTrainingExamples(m_bare.toStdString(), "cpu");
        ExampleTableModel* model = view->tableModel();
        QCOMPARE(model->rowCount(), int(stats.size()));
        for (const core::ExampleStat& s : stats) {
            const int r = model->rowOf(s.id);
            QVERIFY(r >= 0);
            const core::ExampleStat& shown = model->row(r).stat;
            QCOMPARE(shown.given, s.given);
            QCOMPARE(shown.trueLabel, s.trueLabel);
            QCOMPARE(shown.noisy, s.noisy);
            QCOMPARE(shown.prediction, s.prediction);
            QVERIFY(std::abs(shown.loss - s.loss) < 1e-5);
            QVERIFY(std::abs(shown.margin - s.margin) < 1e-5);
        }
    }

    void sortsByLossMarginAndUnits() {
        MainWindow w;
        ExamplesView* view = openExamples(w, m_run);
        QVERIFY(view);
        const int n = view->visibleCount();
        for (Qt::SortOrder order : {Qt::AscendingOrder, Qt::DescendingOrder})
            for (int column : {int(ExampleTableModel::Loss), int(ExampleTableModel::Margin)}) {
                view->table()->sortByColumn(column, order);
                for (int r = 1; r < n; ++r) {
                    const double a = sortValue(view, r - 1, column).toDouble(), b = sortValue(view, r, column).toDouble();
                    QVERIFY2(order == Qt::AscendingOrder ? a <= b : a >= b, qPrintable(QString::number(r)));
                }
            }
        // Units to flip: the tried examples first in either order, the blanks after them.
        const int tried = int(m_flip.examples.size());
        for (Qt::SortOrder order : {Qt::AscendingOrder, Qt::DescendingOrder}) {
            view->table()->sortByColumn(ExampleTableModel::UnitsToFlip, order);
            for (int r = 0; r < n; ++r) QCOMPARE(sortValue(view, r, ExampleTableModel::UnitsToFlip).isValid(), r < tried);
            for (int r = 1; r < tried; ++r) {
                const double a = sortValue(view, r - 1, ExampleTableModel::UnitsToFlip).toDouble();
                const double b = sortValue(view, r, ExampleTableModel::UnitsToFlip).toDouble();
                QVERIFY(order == Qt::AscendingOrder ? a <= b : a >= b);
            }
        }
    }

    // The flipping analysis' examples: the filters, the flip path, the Neurons view follows.
    void flippingColumnsAndPath() {
        MainWindow w;
        ExamplesView* view = openExamples(w, m_run);
        QVERIFY(view);
        QCOMPARE(view->visibleCount(), 128);
        int flipped = 0;
        for (const core::FlipExample& e : m_flip.examples) flipped += e.flipped;
        const int tried = int(m_flip.examples.size());
        view->setFilter(ExamplesView::Tried);
        QCOMPARE(view->visibleCount(), tried);
        view->setFilter(ExamplesView::Flipped);
        QCOMPARE(view->visibleCount(), flipped);
        view->setFilter(ExamplesView::NotFlipped);
        QCOMPARE(view->visibleCount(), tried - flipped);
        view->setFilter(ExamplesView::All);
        QVERIFY(view->rerunButton()->isVisible());

        const core::FlipExample& e = m_flip.examples.front();
        QVERIFY(view->selectExample(e.id));
        QCOMPARE(view->selectedExample(), e.id);
        QCOMPARE(view->flipPathText().size(), int(e.units.size()));
        QCOMPARE(viewOf<NeuronsView>(w)->selectedExample(), e.id);
        const int r = view->tableModel()->rowOf(e.id);
        const QString units = view->tableModel()->index(r, ExampleTableModel::UnitsToFlip).data().toString();
        QCOMPARE(units, e.flipped ? QString::number(e.units.size()) : QStringLiteral("> %1").arg(m_flip.options.maxUnits));
        QCOMPARE(view->plots()[0]->csv().rows.size(), tried);  // the histogram: one row per tried example
    }

    // A focus run's table, filters and histogram are about its set ("atypical", every fourth
    // example) and the rest ("other"); label replacement keeps a column of its own. A label-noise
    // run keeps its words and shows no separate replaced column.
    void focusRunNamesItsSet() {
        const QString focusRun = m_dir.filePath(QStringLiteral("focus.h5"));
        test::trainTinyFocusRun(focusRun, m_dir.filePath(QStringLiteral("atypical.txt")));
        core::FlipOptions flip;
        flip.noisy = 2;
        flip.clean = 2;
        const core::FlipResult flipped = core::runFlipping(focusRun.toStdString(), flip);
        for (const core::FlipExample& e : flipped.examples) QCOMPARE(e.noisy, e.id % 4 == 0);  // "noisy" = in the set

        MainWindow w;
        ExamplesView* view = openExamples(w, focusRun);
        QVERIFY(view);
        QAbstractItemModel* model = view->table()->model();
        QCOMPARE(model->headerData(ExampleTableModel::InSet, Qt::Horizontal).toString(), QStringLiteral("atypical"));
        QCOMPARE(model->headerData(ExampleTableModel::Memorized, Qt::Horizontal).toString(), QStringLiteral("fitted"));
        QVERIFY(!view->table()->isColumnHidden(ExampleTableModel::Replaced));
        int replaced = 0;
        for (int r = 0; r < view->visibleCount(); ++r) {
            const core::ExampleStat& s = view->tableModel()->row(view->tableModel()->rowOf(
                model->index(r, 0).data(ExampleTableModel::IdRole).toLongLong())).stat;
            QCOMPARE(s.focus, s.id % 4 == 0);
            QCOMPARE(cell(view, r, ExampleTableModel::InSet), s.focus ? QStringLiteral("atypical") : QStringLiteral("other"));
            QCOMPARE(cell(view, r, ExampleTableModel::Replaced), s.noisy ? QStringLiteral("yes") : QString());
            replaced += s.noisy;
        }
        QCOMPARE(replaced, 32);  // the tiny run's label noise, 25%
        view->setFilter(ExamplesView::Noisy);
        QCOMPARE(view->visibleCount(), 32);
        view->setFilter(ExamplesView::Clean);
        QCOMPARE(view->visibleCount(), 96);
        auto* filters = view->findChild<QComboBox*>();
        QCOMPARE(filters->itemText(ExamplesView::Noisy), QStringLiteral("atypical"));
        QCOMPARE(filters->itemText(ExamplesView::Clean), QStringLiteral("other"));
        QCustomPlot* histogram = view->plots()[0]->plot();
        QCOMPARE(histogram->plottable(0)->name(), QStringLiteral("atypical (fitted)"));
        QCOMPARE(histogram->plottable(1)->name(), QStringLiteral("other"));
        view->setFilter(ExamplesView::All);
        QVERIFY(view->selectExample(4));
        QVERIFY2(view->detailText().contains(QStringLiteral("atypical")), qPrintable(view->detailText()));

        MainWindow noise;
        ExamplesView* noiseView = openExamples(noise, m_run);
        QVERIFY(noiseView);
        QAbstractItemModel* noiseModel = noiseView->table()->model();
        QCOMPARE(noiseModel->headerData(ExampleTableModel::InSet, Qt::Horizontal).toString(), QStringLiteral("noisy"));
        QCOMPARE(noiseModel->headerData(ExampleTableModel::Memorized, Qt::Horizontal).toString(), QStringLiteral("memorized"));
        QVERIFY(noiseView->table()->isColumnHidden(ExampleTableModel::Replaced));
        QCOMPARE(noiseView->findChild<QComboBox*>()->itemText(ExamplesView::Noisy), QStringLiteral("Noisy"));
        QCOMPARE(noiseView->plots()[0]->plot()->plottable(0)->name(), QStringLiteral("noisy (memorized)"));
    }

    // "Find id" selects the example, also one the filter hides.
    void findIdSelects() {
        MainWindow w;
        ExamplesView* view = openExamples(w, m_bare);
        QVERIFY(view);
        QSignalSpy selected(view, &ExamplesView::exampleSelected);
        auto* find = view->findChild<QLineEdit*>();
        QVERIFY(find);
        qint64 clean = -1;
        for (int r = 0; r < view->tableModel()->rowCount() && clean < 0; ++r)
            if (!view->tableModel()->row(r).stat.noisy) clean = view->tableModel()->row(r).stat.id;
        view->setFilter(ExamplesView::Noisy);  // hides it
        find->setText(QString::number(clean));
        QTest::keyClick(find, Qt::Key_Return);
        QCOMPARE(view->selectedExample(), clean);
        QCOMPARE(view->filter(), ExamplesView::All);
        QCOMPARE(selected.count(), 1);
        QCOMPARE(selected.first().first().toLongLong(), clean);
        const QModelIndex current = view->table()->currentIndex();
        QCOMPARE(current.data(ExampleTableModel::IdRole).toLongLong(), clean);
        QCOMPARE(viewOf<NeuronsView>(w)->selectedExample(), clean);
        QVERIFY(view->detailText().contains(QStringLiteral("Example %1").arg(clean)));
        QVERIFY(!view->selectExample(100000));
    }

    // A Fashion-MNIST run shows class names in the table, the details and the Neurons view.
    void classNamesInTheViews() {
        if (m_fashion.isEmpty()) QSKIP("Fashion-MNIST is not installed");
        MainWindow w;
        ExamplesView* view = openExamples(w, m_fashion);
        QVERIFY(view);
        QStringList names;
        for (const std::string& name : core::classNames("fashion-mnist", 10)) names << QString::fromStdString(name);
        QCOMPARE(view->visibleCount(), 128);
        for (int r = 0; r < view->visibleCount(); ++r) {
            const core::ExampleStat& s = view->tableModel()->row(view->tableModel()->rowOf(
                view->table()->model()->index(r, 0).data(ExampleTableModel::IdRole).toLongLong())).stat;
            QCOMPARE(cell(view, r, ExampleTableModel::Given), names[int(s.given)]);
            QCOMPARE(cell(view, r, ExampleTableModel::True), names[int(s.trueLabel)]);
            QCOMPARE(cell(view, r, ExampleTableModel::Prediction), names[int(s.prediction)]);
        }
        QVERIFY(view->selectExample(0));
        const core::ExampleStat& first = view->tableModel()->row(view->tableModel()->rowOf(0)).stat;
        QVERIFY2(view->detailText().contains(names[int(first.given)].toHtmlEscaped()), qPrintable(view->detailText()));

        // The Neurons view names the classes on its (empty, then filled) probability axis.
        auto* neurons = viewOf<NeuronsView>(w);
        QCOMPARE(neurons->probabilityPlot()->classes(), names);
        QVERIFY(w.showView(QStringLiteral("neurons")));
        QTRY_VERIFY_WITH_TIMEOUT(neurons->liveDrop() && neurons->readoutText().contains(QStringLiteral("prediction:")), 60000);
        QVERIFY2(neurons->readoutText().contains(names[int(first.given)]), qPrintable(neurons->readoutText()));
        QCOMPARE(neurons->probabilityPlot()->csv().rows.size(), 10);
        QCOMPARE(neurons->probabilityPlot()->csv().rows[5][2], QStringLiteral("Sandal"));
    }

    // Before an example is chosen the probability axis spans every class of the run.
    void emptyProbabilityPlotShowsAllClasses() {
        MainWindow w;
        QVERIFY(w.openRun(m_run));
        auto* neurons = viewOf<NeuronsView>(w);
        QCOMPARE(neurons->selectedExample(), qint64(-1));
        QCustomPlot* plot = neurons->probabilityPlot()->plot();
        QCOMPARE(plot->xAxis->range().upper, 4 - 0.4);  // the tiny run's 4 classes
        QCOMPARE(neurons->probabilityPlot()->classes(), (QStringList{"0", "1", "2", "3"}));
        QVERIFY(neurons->probabilityPlot()->csv().rows.isEmpty());
        bool note = false;
        for (int i = 0; i < plot->itemCount(); ++i)
            if (auto* text = qobject_cast<QCPItemText*>(plot->item(i)))
                note = note || (text->visible() && text->text().contains(QStringLiteral("Choose an example")));
        QVERIFY(note);
    }

    // The classifier's units (the classes) are drawn apart and left out of the main colour scale.
    void classifierRowIsApart() {
        MainWindow w;
        QVERIFY(w.openRun(m_run));
        const core::NeuronScores scores = core::runNeuronScores(m_run.toStdString(), core::NeuronOptions{});
        QVERIFY(w.openRun(m_run));  // re-read with the scores
        auto* neurons = viewOf<NeuronsView>(w);
        const int last = int(scores.groups.size()) - 1;
        QCOMPARE(neurons->classifierGroup(), last);
        QCOMPARE(QString::fromStdString(scores.groups[size_t(last)]), QStringLiteral("fc"));
        HeatmapPlotWidget* classifier = neurons->classifierHeatmap();
        QVERIFY(!classifier->isHidden());
        QVERIFY(classifier->title().contains(QStringLiteral("output classes")));
        // Main map: every group but fc; its scale from those groups only.
        double extent = 0;
        for (int g = 0; g < last; ++g)
            for (double v : scores.attribution[size_t(g)]) extent = std::max(extent, std::abs(v));
        QCPColorMap* map = nullptr;
        for (int i = 0; i < neurons->heatmap()->plot()->plottableCount() && !map; ++i)
            map = qobject_cast<QCPColorMap*>(neurons->heatmap()->plot()->plottable(i));
        QVERIFY(map);
        QCOMPARE(map->data()->valueSize(), last);  // one row per group but fc
        QCOMPARE(map->dataRange().upper, extent);
        const CsvTable fc = classifier->csv();
        QCOMPARE(fc.rows.size(), 4);
        for (int c = 0; c < 4; ++c) {
            const double want = scores.attribution[size_t(last)][size_t(c)];
            QVERIFY(std::abs(fc.rows[c][1].toDouble() - want) <= 1e-8 * std::max(1.0, std::abs(want)));
        }
    }

private:
    QTemporaryDir m_dir;
    QString m_run, m_bare, m_fashion;
    core::FlipResult m_flip;
};

QTEST_MAIN(TestUiExamples)
#include "test_ui_examples.moc"
