// GUI tests of the analysis views, offscreen, on tiny real runs whose analyses were computed with
// the core API: each view shows the stored numbers, live dropping on the engine thread returns what
// core::DropSession computes (also after a burst of coalesced toggles, and after Reset), the
// example images, the dropout view, an analysis started from a view, and export.
#include "dialogs/analysis_params_dialog.h"
#include "dialogs/new_run_dialog.h"
#include "jobs/analysis_job.h"
#include "jobs/job_list_model.h"
#include "main/main_window.h"
#include "plots/heatmap_plot_widget.h"
#include "runs/live_drop_model.h"
#include "views/dropout_view.h"
#include "views/examples_view.h"
#include "views/neurons_view.h"
#include "views/retraining_view.h"
#include "views/rewinding_view.h"

#include "tiny_run.h"

#include "memloc/dropout_eval.h"
#include "memloc/examples.h"
#include "memloc/flipping.h"
#include "memloc/neurons.h"
#include "memloc/retraining.h"
#include "memloc/rewinding.h"
#include "memloc/training.h"

#include <QComboBox>
#include <QFile>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

using namespace memloc;
using namespace memloc::ui;
using memloc::test::viewOf;

namespace {

QCPColorMap* colorMapOf(const HeatmapPlotWidget& heatmap) {
    for (int i = 0; i < heatmap.plot()->plottableCount(); ++i)
        if (auto* map = qobject_cast<QCPColorMap*>(heatmap.plot()->plottable(i))) return map;
    return nullptr;
}

// The value drawn in heatmap cell (column index, row index).
double cellValue(const HeatmapPlotWidget& heatmap, int column, int row) {
    return colorMapOf(heatmap)->data()->cell(column, row);
}

// The value of graph `g` at key `key` (NaN if absent).
double graphValue(QCPGraph* graph, double key) {
    for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it)
        if (it->key == key) return it->value;
    return std::nan("");
}

core::RunConfig etdConfig() {
    core::RunConfig c = test::tinyConfig();
    c.dropout = "example-tied";
    c.pGen = 0.5;
    c.pMem = 0.25;
    c.dropoutBlocks = "2,3,5,6";
    return c;
}

void compareDrop(const core::DropResult& got, const core::DropResult& want) {
    QCOMPARE(got.clean, want.clean);
    QCOMPARE(got.noisyGiven, want.noisyGiven);
    QCOMPARE(got.noisyTrue, want.noisyTrue);
    QCOMPARE(got.test, want.test);
    QCOMPARE(got.example, want.example);
    QCOMPARE(got.prediction, want.prediction);
    QCOMPARE(got.probabilities.size(), want.probabilities.size());
    for (size_t k = 0; k < want.probabilities.size(); ++k) QCOMPARE(got.probabilities[k], want.probabilities[k]);
}

} // namespace

class TestUiAnalyses : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        test::useTestSettings(QStringLiteral("test_ui_analyses"));
        QVERIFY(m_dir.isValid());
        m_run = m_dir.filePath(QStringLiteral("tiny.h5"));
        m_bare = m_dir.filePath(QStringLiteral("bare.h5"));
        m_etd = m_dir.filePath(QStringLiteral("etd.h5"));
        test::trainTinyRun(m_run);
        QVERIFY(QFile::copy(m_run, m_bare));  // the same run without analyses
        core::trainRun(etdConfig(), m_etd.toStdString(), {}, true);

        const std::string run = m_run.toStdString();
        m_rewind = core::runRewinding(run, core::RewindOptions{});
        core::RetrainOptions retrain;
        retrain.maxEpochs = 2;
        m_retrain = core::runRetraining(run, retrain);
        core::FlipOptions flip;
        flip.noisy = 3;
        flip.clean = 3;
        m_flip = core::runFlipping(run, flip);
        m_neurons = core::runNeuronScores(run, core::NeuronOptions{});
        m_dropout = core::runDropoutEval(m_etd.toStdString(), 0, core::AnalysisRunOptions{});
    }

    void rewindingViewShowsStoredGrids() {
        MainWindow w;
        w.show();
        QVERIFY(w.openRun(m_run));
        QVERIFY(w.showView(QStringLiteral("rewinding")));
        auto* view = viewOf<RewindingView>(w);
        QVERIFY(view->showsContent());
        QVERIFY(view->rerunButton()->isVisible());
        QVERIFY(view->rerunButton()->isEnabled());
        QCOMPARE(view->metric(), RewindingView::NoisyGiven);
        HeatmapPlotWidget* heatmap = view->heatmap();
        for (size_t g = 0; g < m_rewind.groups.size(); ++g)
            for (size_t e = 0; e < m_rewind.epochs.size(); ++e)
                QCOMPARE(cellValue(*heatmap, int(e), int(g)), m_rewind.noisyGiven[g][e]);
        view->setMetric(RewindingView::Test);
        QCOMPARE(cellValue(*heatmap, 1, 2), m_rewind.test[2][1]);
        // Clicking a cell shows its four numbers.
        const QPoint cell(int(heatmap->plot()->xAxis->coordToPixel(1)), int(heatmap->plot()->yAxis->coordToPixel(2)));
        QTest::mouseClick(heatmap->plot(), Qt::LeftButton, {}, cell);
        QVERIFY2(view->cellText().contains(QString::fromStdString(m_rewind.groups[2])), qPrintable(view->cellText()));
        QVERIFY2(view->cellText().contains(percentText(m_rewind.clean[2][1])), qPrintable(view->cellText()));
        QVERIFY(view->cellText().contains(percentText(m_rewind.noisyGiven[2][1])));
        // Curves: one per group plus the final model.
        QCustomPlot* curves = view->plots()[1]->plot();
        QCOMPARE(curves->graphCount(), int(m_rewind.groups.size()) + 1);
        QCOMPARE(graphValue(curves->graph(3), double(m_rewind.epochs[0])), m_rewind.test[3][0] * 100.0);
        // CSV: one row per cell plus the final model.
        QCOMPARE(view->plots()[0]->csv().rows.size(), int(m_rewind.groups.size() * m_rewind.epochs.size()) + 1);
    }

    void retrainingViewShowsCurves() {
        MainWindow w;
        QVERIFY(w.openRun(m_run));
        auto* view = viewOf<RetrainingView>(w);
        QVERIFY(view->showsContent());
        QCustomPlot* noisy = view->noisyPlot()->plot();
        QCOMPARE(noisy->graphCount(), int(m_retrain.groups.size()) + 1);
        for (size_t g = 0; g < m_retrain.groups.size(); ++g)
            for (const core::RetrainEpoch& e : m_retrain.groups[g].series) {
                QCOMPARE(graphValue(noisy->graph(int(g)), double(e.epoch)), e.noisyGiven * 100.0);
                QCOMPARE(graphValue(view->cleanPlot()->plot()->graph(int(g)), double(e.epoch)), e.clean * 100.0);
            }
        QCOMPARE(noisy->graph(0)->name(), QString::fromStdString(m_retrain.groups[0].group));
    }

    void neuronsHeatmapShowsScores() {
        MainWindow w;
        QVERIFY(w.openRun(m_run));
        auto* view = viewOf<NeuronsView>(w);
        QVERIFY(view->showsContent());
        QCOMPARE(view->metric(), NeuronsView::Attribution);
        HeatmapPlotWidget* heatmap = view->heatmap();
        // The hidden groups in the main map; the classifier (fc, the last group: its units are the
        // classes) in a row of its own.
        const size_t hidden = m_neurons.groups.size() - 1;
        QCOMPARE(view->classifierGroup(), int(hidden));
        std::int64_t widest = 0;
        for (size_t g = 0; g < hidden; ++g) widest = std::max(widest, m_neurons.units[g]);
        for (size_t g = 0; g < hidden; ++g)
            for (std::int64_t c = 0; c < widest; ++c) {
                const double v = cellValue(*heatmap, int(c), int(g));
                if (c < m_neurons.units[g])
                    QCOMPARE(v, m_neurons.attribution[g][size_t(c)]);
                else
                    QVERIFY(std::isnan(v));  // beyond the group's units: blank
            }
        for (std::int64_t c = 0; c < m_neurons.units[hidden]; ++c)
            QCOMPARE(cellValue(*view->classifierHeatmap(), int(c), 0), m_neurons.attribution[hidden][size_t(c)]);
        view->setMetric(NeuronsView::AblationClean);
        QCOMPARE(cellValue(*heatmap, 0, 1), m_neurons.ablationClean[1][0]);
        view->setMetric(NeuronsView::FlipNoisy);
        QCOMPARE(cellValue(*heatmap, 1, 0), m_neurons.flipNoisy[0][1]);
    }

    void neuronsLiveDropMatchesCore() {
        MainWindow w;
        QVERIFY(w.openRun(m_run));
        auto* view = viewOf<NeuronsView>(w);
        LiveDropModel* drop = view->liveDrop();
        core::DropSession session(m_run.toStdString(), LiveDropModel::kEvalSubset);
        const std::string g0 = m_neurons.groups[0], g4 = m_neurons.groups[4];

        view->setSelectedExample(5);
        // A click on cell (channel 1, group 0) toggles that unit.
        HeatmapPlotWidget* heatmap = view->heatmap();
        w.show();
        QVERIFY(w.showView(QStringLiteral("neurons")));
        const QPoint cell(int(heatmap->plot()->xAxis->coordToPixel(1)), int(heatmap->plot()->yAxis->coordToPixel(0)));
        QTest::mouseClick(heatmap->plot(), Qt::LeftButton, {}, cell);
        QVERIFY(drop->isDropped(0, 1));
        QTRY_VERIFY_WITH_TIMEOUT(drop->isUpToDate(), 60000);
        compareDrop(drop->outcome().result, session.evaluate({{g0, 1}}, 5));
        QVERIFY2(view->readoutText().contains(percentText(drop->outcome().result.clean)), qPrintable(view->readoutText()));
        QCOMPARE(view->droppedUnitsText(), QStringList{QStringLiteral("%1 : 1").arg(QString::fromStdString(g0))});

        // Reset restores the model.
        view->resetUnits();
        QVERIFY(drop->units().empty());
        QTRY_VERIFY_WITH_TIMEOUT(drop->isUpToDate(), 60000);
        compareDrop(drop->outcome().result, session.evaluate({}, 5));
        QVERIFY(view->droppedUnitsText().isEmpty());
    }

    void neuronsCoalescesQuickToggles() {
        MainWindow w;  // a fresh view: its engine must first load the run, so the toggles queue up
        QVERIFY(w.openRun(m_run));
        auto* view = viewOf<NeuronsView>(w);
        LiveDropModel* drop = view->liveDrop();
        QSignalSpy evaluated(drop, &LiveDropModel::evaluated);
        view->setSelectedExample(3);
        for (int c = 0; c < 4; ++c) view->toggleUnit(0, c);
        view->toggleUnit(4, 2);
        view->toggleUnit(0, 1);  // restores (0, 1)
        QTRY_VERIFY_WITH_TIMEOUT(drop->isUpToDate(), 60000);
        QVERIFY2(evaluated.count() <= 2, qPrintable(QString::number(evaluated.count())));  // 7 requests
        const std::string g0 = m_neurons.groups[0], g4 = m_neurons.groups[4];
        core::DropSession session(m_run.toStdString(), LiveDropModel::kEvalSubset);
        compareDrop(drop->outcome().result, session.evaluate({{g0, 0}, {g0, 2}, {g0, 3}, {g4, 2}}, 3));
        QCOMPARE(drop->outcome().units.size(), size_t(4));
        QCOMPARE(view->droppedUnitsText().size(), 4);
    }

    void exampleImagesCarryTheRunsLabels() {
        std::vector<std::int64_t> ids;
        for (const core::FlipExample& e : m_flip.examples) ids.push_back(e.id);
        const std::vector<core::ExampleImage> images = core::readExampleImages(m_run.toStdString(), ids);
        QCOMPARE(images.size(), ids.size());
        for (size_t i = 0; i < ids.size(); ++i) {
            QCOMPARE(images[i].id, ids[i]);
            QCOMPARE(images[i].channels, 1);
            QCOMPARE(images[i].height, 12);
            QCOMPARE(images[i].pixels.size(), size_t(144));
            QCOMPARE(images[i].given, m_flip.examples[i].givenLabel);
            QCOMPARE(images[i].trueLabel, m_flip.examples[i].trueLabel);
            QCOMPARE(images[i].noisy, m_flip.examples[i].noisy);
        }
        QVERIFY_THROWS_EXCEPTION(std::exception, core::readExampleImages(m_run.toStdString(), {100000}));
    }

    void dropoutViewShowsModes() {
        MainWindow w;
        QVERIFY(w.openRun(m_etd));
        auto* view = viewOf<DropoutView>(w);
        QVERIFY(view->showsContent());
        QCustomPlot* bars = view->barsPlot()->plot();
        QCOMPARE(m_dropout.modes.size(), size_t(4));
        for (size_t m = 0; m < 4; ++m) {
            auto value = [&](int series) { return static_cast<QCPBars*>(bars->plottable(series))->data()->at(int(m))->value; };
            QCOMPARE(value(0), m_dropout.modes[m].clean * 100.0);
            QCOMPARE(value(1), m_dropout.modes[m].noisyGiven * 100.0);
            QCOMPARE(value(3), m_dropout.modes[m].test * 100.0);
        }
        QCOMPARE(view->plots()[0]->csv().rows.size(), 4);
        // A run without example-tied dropout: a note, and no button.
        QVERIFY(w.openRun(m_run));
        QVERIFY(!view->showsContent());
        QVERIFY(view->runButton()->isHidden());
    }

    void analysisStartedFromViewRefreshesIt() {
        MainWindow w;
        w.show();
        QVERIFY(w.openRun(m_bare));
        QVERIFY(w.showView(QStringLiteral("rewinding")));
        auto* view = viewOf<RewindingView>(w);
        QVERIFY(!view->showsContent());
        QVERIFY(view->runButton()->isVisible());
        // The button asks for the parameters; Cancel starts nothing.
        QTest::mouseClick(view->runButton(), Qt::LeftButton);
        QPointer<AnalysisParamsDialog> dialog = view->paramsDialog();
        QVERIFY(dialog);
        QVERIFY(dialog->isVisible());
        dialog->reject();
        QVERIFY(!view->job());
        QCOMPARE(w.jobs()->jobs().size(), 0);
        QTRY_VERIFY(!dialog);  // deleted on close
        // OK with a non-default value starts the job with it.
        QTest::mouseClick(view->runButton(), Qt::LeftButton);
        dialog = view->paramsDialog();
        QVERIFY(dialog);
        dialog->epochsEdit()->setText(QStringLiteral("1"));
        dialog->accept();
        auto* job = qobject_cast<AnalysisJob*>(view->job());
        QVERIFY(job);
        QCOMPARE(job->params().rewinding.epochs, std::vector<std::int64_t>{1});
        QCOMPARE(job->params().rewinding.evalSubset, 500);
        QCOMPARE(w.jobs()->jobs().size(), 1);
        QVERIFY(!view->runButton()->isEnabled());  // one at a time
        QSignalSpy finished(job, &Job::finished);
        QVERIFY(finished.wait(300000));
        QCOMPARE(job->state(), Job::State::Finished);
        QVERIFY(view->showsContent());  // the run was re-read
        const core::RewindResult stored = core::readRewinding(m_bare.toStdString());
        QCOMPARE(cellValue(*view->heatmap(), 0, 0), stored.noisyGiven[0][0]);
        QCOMPARE(stored.evalSubset, 500);
        QCOMPARE(stored.epochs, std::vector<std::int64_t>{1});  // not the default spread
        QVERIFY(core::defaultRewindEpochs(stored.finalEpoch) != stored.epochs);

        // Re-run: the dialog offers the parameters used last; this time epochs 0 and 1 on 64 examples.
        QVERIFY(view->rerunButton()->isVisible());
        QVERIFY(view->rerunButton()->isEnabled());
        QTest::mouseClick(view->rerunButton(), Qt::LeftButton);
        dialog = view->paramsDialog();
        QVERIFY(dialog);
        QCOMPARE(dialog->epochsEdit()->text(), QStringLiteral("1"));
        dialog->epochsEdit()->setText(QStringLiteral("0, 1"));
        dialog->evalSubsetBox()->setValue(64);
        dialog->accept();
        Job* rerun = view->job();
        QVERIFY(rerun && rerun != job);
        QSignalSpy rerunFinished(rerun, &Job::finished);
        QVERIFY(rerunFinished.wait(300000));
        QCOMPARE(rerun->state(), Job::State::Finished);
        const core::RewindResult again = core::readRewinding(m_bare.toStdString());
        QCOMPARE(again.epochs, (std::vector<std::int64_t>{0, 1}));
        QCOMPARE(again.evalSubset, 64);
        QCOMPARE(cellValue(*view->heatmap(), 1, 0), again.noisyGiven[0][1]);  // the view re-read it
    }

    void paramsDialogDefaultsAreTheGuisDefaults() {
        // The values the views used before the dialog existed.
        AnalysisParamsDialog rewinding(AnalysisParams::defaults(AnalysisKind::Rewinding));
        QVERIFY(rewinding.epochsEdit()->text().isEmpty());
        QVERIFY(rewinding.groupsEdit()->text().isEmpty());
        const AnalysisParams r = rewinding.params();
        QVERIFY(r.rewinding.epochs.empty());
        QVERIFY(r.rewinding.groups.empty());
        QCOMPARE(r.rewinding.evalSubset, 500);

        const AnalysisParams t = AnalysisParamsDialog(AnalysisParams::defaults(AnalysisKind::Retraining)).params();
        QCOMPARE(t.kind, AnalysisKind::Retraining);
        QVERIFY(t.retraining.groups.empty());
        QCOMPARE(t.retraining.fromEpoch, 0);
        QCOMPARE(t.retraining.maxEpochs, 4);
        QCOMPARE(t.retraining.lr, 0.01);
        QCOMPARE(t.retraining.evalSubset, 500);

        const AnalysisParams f = AnalysisParamsDialog(AnalysisParams::defaults(AnalysisKind::Flipping)).params();
        const core::FlipOptions coreFlip;
        QCOMPARE(f.flipping.noisy, 30);
        QCOMPARE(f.flipping.clean, 30);
        QCOMPARE(f.flipping.batch, coreFlip.batch);
        QCOMPARE(f.flipping.eot, coreFlip.eot);
        QCOMPARE(f.flipping.mode, coreFlip.mode);
        QCOMPARE(f.flipping.maxUnits, coreFlip.maxUnits);
        QCOMPARE(f.flipping.evalSubset, coreFlip.evalSubset);
        QCOMPARE(f.flipping.seed, coreFlip.seed);

        const AnalysisParams n = AnalysisParamsDialog(AnalysisParams::defaults(AnalysisKind::NeuronScores)).params();
        QCOMPARE(n.neurons.attributionExamples, core::NeuronOptions{}.attributionExamples);
        QCOMPARE(n.neurons.evalSubset, 300);

        const AnalysisParams d = AnalysisParamsDialog(AnalysisParams::defaults(AnalysisKind::DropoutEval)).params();
        QCOMPARE(d.dropoutEvalSubset, 0);
    }

    void paramsDialogEditsReachTheJob() {
        AnalysisParamsDialog rewinding(AnalysisParams::defaults(AnalysisKind::Rewinding));
        rewinding.epochsEdit()->setText(QStringLiteral("0, 2,3"));
        rewinding.groupsEdit()->setText(QStringLiteral("res1.a, 4"));
        rewinding.evalSubsetBox()->setValue(100);
        std::unique_ptr<AnalysisJob> job(AnalysisJob::create(m_run, rewinding.params()));
        QCOMPARE(job->analysis(), QStringLiteral("rewinding"));
        QCOMPARE(job->params().rewinding.epochs, (std::vector<std::int64_t>{0, 2, 3}));
        QCOMPARE(job->params().rewinding.groups, (std::vector<std::string>{"res1.a", "4"}));
        QCOMPARE(job->params().rewinding.evalSubset, 100);
        // A list that does not parse disables OK.
        rewinding.epochsEdit()->setText(QStringLiteral("0, x"));
        QVERIFY(!rewinding.isValid());
        rewinding.epochsEdit()->setText(QStringLiteral("-1"));
        QVERIFY(!rewinding.isValid());
        rewinding.epochsEdit()->setText(QStringLiteral(""));
        QVERIFY(rewinding.isValid());

        AnalysisParamsDialog retraining(AnalysisParams::defaults(AnalysisKind::Retraining));
        retraining.maxEpochsBox()->setValue(7);
        job.reset(AnalysisJob::create(m_run, retraining.params()));
        QCOMPARE(job->analysis(), QStringLiteral("retraining"));
        QCOMPARE(job->params().retraining.maxEpochs, 7);

        AnalysisParamsDialog flipping(AnalysisParams::defaults(AnalysisKind::Flipping));
        flipping.noisyBox()->setValue(5);
        flipping.modeBox()->setCurrentIndex(1);
        job.reset(AnalysisJob::create(m_run, flipping.params()));
        QCOMPARE(job->analysis(), QStringLiteral("flipping"));
        QCOMPARE(job->params().flipping.noisy, 5);
        QCOMPARE(job->params().flipping.clean, 30);
        QCOMPARE(job->params().flipping.mode, std::string("weight"));

        AnalysisParamsDialog neurons(AnalysisParams::defaults(AnalysisKind::NeuronScores));
        neurons.evalSubsetBox()->setValue(50);
        job.reset(AnalysisJob::create(m_run, neurons.params()));
        QCOMPARE(job->params().neurons.evalSubset, 50);

        AnalysisParamsDialog dropout(AnalysisParams::defaults(AnalysisKind::DropoutEval));
        dropout.evalSubsetBox()->setValue(20);
        job.reset(AnalysisJob::create(m_etd, dropout.params()));
        QCOMPARE(job->analysis(), QStringLiteral("dropout_eval"));
        QCOMPARE(job->params().dropoutEvalSubset, 20);
    }

    void analysisJobCancels() {
        MainWindow w;
        QVERIFY(w.openRun(m_bare));
        core::RetrainOptions options = AnalysisParams::defaults(AnalysisKind::Retraining).retraining;
        options.maxEpochs = 50;
        AnalysisJob* job = AnalysisJob::retraining(m_bare, options);
        w.startJob(job);
        QSignalSpy finished(job, &Job::finished);
        job->cancel();
        QVERIFY(finished.wait(120000));
        QCOMPARE(job->state(), Job::State::Cancelled);
        QVERIFY_THROWS_EXCEPTION(std::exception, core::readRetraining(m_bare.toStdString()));  // nothing stored
    }

    void exportWritesEveryNewFigure() {
        MainWindow w;
        QVERIFY(w.openRun(m_run));
        QTemporaryDir out;
        const ReportResult result = w.exportReport(out.path());
        QVERIFY2(result.errors.isEmpty(), qPrintable(result.errors.join('\n')));
        for (const QString& name : {QStringLiteral("rewinding_heatmap"), QStringLiteral("rewinding_curves"),
                                    QStringLiteral("retraining_clean"), QStringLiteral("retraining_noisy"),
                                    QStringLiteral("neurons_heatmap"), QStringLiteral("neurons_example_probabilities"),
                                    QStringLiteral("examples_units_to_flip"), QStringLiteral("dropout_modes")})
            for (const QString& suffix : {QStringLiteral("png"), QStringLiteral("pdf"), QStringLiteral("csv")}) {
                const QString path = out.filePath(name + QLatin1Char('.') + suffix);
                QVERIFY2(QFileInfo(path).size() > 0, qPrintable(path));
            }
        QFile csv(out.filePath(QStringLiteral("neurons_heatmap.csv")));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        std::int64_t units = 0;
        for (std::int64_t u : m_neurons.units) units += u;
        QCOMPARE(QString::fromUtf8(csv.readAll()).trimmed().split(QLatin1Char('\n')).size(), int(units) + 1);
    }

    void newRunDialogSetsExampleTiedDropout() {
        NewRunDialog dialog;
        dialog.setConfig(etdConfig());
        const core::RunConfig c = dialog.config();
        QCOMPARE(QString::fromStdString(c.dropout), QStringLiteral("example-tied"));
        QCOMPARE(c.pGen, 0.5);
        QCOMPARE(c.pMem, 0.25);
        QCOMPARE(QString::fromStdString(c.dropoutBlocks), QStringLiteral("2,3,5,6"));
        // The p_gen rounding box: shows the config's value, and choosing "floor" reaches the config.
        QComboBox* rounding = nullptr;
        for (QComboBox* box : dialog.findChildren<QComboBox*>())
            if (box->count() == 2 && box->itemText(0) == QLatin1String("round") && box->itemText(1) == QLatin1String("floor"))
                rounding = box;
        QVERIFY(rounding);
        QVERIFY(rounding->isEnabled());
        QCOMPARE(rounding->currentText(), QStringLiteral("round"));
        rounding->setCurrentText(QStringLiteral("floor"));
        QCOMPARE(QString::fromStdString(dialog.config().etdRounding), QStringLiteral("floor"));
        core::RunConfig floorConfig = etdConfig();
        floorConfig.etdRounding = "floor";
        dialog.setConfig(floorConfig);
        QCOMPARE(rounding->currentText(), QStringLiteral("floor"));
        dialog.setConfig(test::tinyConfig());
        QVERIFY(!rounding->isEnabled());
        QCOMPARE(QString::fromStdString(dialog.config().dropout), QStringLiteral("none"));
    }

private:
    QTemporaryDir m_dir;
    QString m_run, m_bare, m_etd;
    core::RewindResult m_rewind;
    core::RetrainResult m_retrain;
    core::FlipResult m_flip;
    core::NeuronScores m_neurons;
    core::DropoutEvalResult m_dropout;
};

QTEST_MAIN(TestUiAnalyses)
#include "test_ui_analyses.moc"
