#include "views/neurons_view.h"

#include "jobs/analysis_job.h"
#include "jobs/job.h"
#include "plots/color_maps.h"
#include "plots/heatmap_plot_widget.h"
#include "runs/live_drop_model.h"
#include "views/class_probability_plot.h"

#include "memloc/class_names.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace memloc::ui {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct MetricInfo {
    core::UnitGrid core::NeuronScores::*grid;
    bool signedScore;
    const char* label;
    const char* csvName;
    const char* focusLabel;  ///< for a focus set: %1 = its name, %2 = the rest's
};

const MetricInfo kMetrics[] = {
    {&core::NeuronScores::flipNoisy, false, QT_TRANSLATE_NOOP("NeuronsView", "flip frequency, noisy examples"),
     "flip_noisy", QT_TRANSLATE_NOOP("NeuronsView", "flip frequency, %1 examples")},
    {&core::NeuronScores::flipClean, false, QT_TRANSLATE_NOOP("NeuronsView", "flip frequency, clean examples"),
     "flip_clean", QT_TRANSLATE_NOOP("NeuronsView", "flip frequency, %2 examples")},
    {&core::NeuronScores::attribution, true, QT_TRANSLATE_NOOP("NeuronsView", "attribution (noisy - clean)"),
     "attribution", QT_TRANSLATE_NOOP("NeuronsView", "attribution (%1 - %2)")},
    {&core::NeuronScores::ablationNoisy, true, QT_TRANSLATE_NOOP("NeuronsView", "ablation: change of noisy accuracy"),
     "ablation_noisy", QT_TRANSLATE_NOOP("NeuronsView", "ablation: change of %1 accuracy")},
    {&core::NeuronScores::ablationClean, true, QT_TRANSLATE_NOOP("NeuronsView", "ablation: change of clean accuracy"),
     "ablation_clean", QT_TRANSLATE_NOOP("NeuronsView", "ablation: change of %2 accuracy")},
};

QString labelOf(const MetricInfo& m, const SetNames& names) {
    return names.pick(NeuronsView::tr(m.label), NeuronsView::tr(m.focusLabel));
}

QString delta(double value, double base) {
    if (std::isnan(value) || std::isnan(base) || value == base) return {};
    return QStringLiteral(" (%1%2 pp)").arg(value >= base ? QStringLiteral("+") : QString()).arg((value - base) * 100.0, 0, 'f', 1);
}
} // namespace

NeuronsView::NeuronsView(QWidget* parent)
    : AnalysisView(parent),
      m_drop(new LiveDropModel(this)),
      m_baseClean(kNaN),
      m_baseNoisyGiven(kNaN),
      m_baseNoisyTrue(kNaN),
      m_baseTest(kNaN) {
    m_metric = new QComboBox;
    for (const MetricInfo& m : kMetrics) m_metric->addItem(tr(m.label));
    m_metric->setCurrentIndex(Attribution);
    connect(m_metric, &QComboBox::currentIndexChanged, this, &NeuronsView::redraw);
    m_example = new QSpinBox;
    m_example->setRange(-1, 0);
    m_example->setSpecialValueText(tr("none"));
    m_example->setValue(-1);
    m_example->setToolTip(tr("The training example whose prediction is shown (also set by the Examples view)"));
    connect(m_example, &QSpinBox::valueChanged, this, [this](int id) { m_drop->setExample(id); });
    m_reset = new QPushButton(tr("Reset"));
    m_reset->setToolTip(tr("Restore every dropped unit"));
    connect(m_reset, &QPushButton::clicked, this, &NeuronsView::resetUnits);
    m_runScores = new QPushButton(tr("Run neuron scores"));
    connect(m_runScores, &QPushButton::clicked, this, &NeuronsView::editAndStartAnalysis);
    connect(this, &AnalysisView::analysisStarted, this, [this](Job* started) {
        // One at a time; a successful job hides the button (setRun).
        m_runScores->setEnabled(false);
        connect(started, &Job::finished, m_runScores, [this] { m_runScores->setEnabled(true); });
    });
    m_scoreHint = new QLabel;
    m_scoreHint->setWordWrap(true);
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Score:")));
    top->addWidget(m_metric);
    top->addSpacing(12);
    top->addWidget(new QLabel(tr("Example:")));
    top->addWidget(m_example);
    top->addWidget(m_reset);
    top->addSpacing(12);
    top->addWidget(m_scoreHint, 1);
    top->addWidget(m_runScores);

    m_heatmap = new HeatmapPlotWidget(QStringLiteral("neurons_heatmap"), tr("Per-unit score"));
    m_heatmap->setToolTipSource([this](const QPointF& pixel) { return cellToolTip(pixel, false); });
    m_heatmap->setCsvSource([this] { return scoreTable(); });
    m_droppedMarks = m_heatmap->plot()->addGraph();
    m_droppedMarks->setName(tr("dropped"));
    m_droppedMarks->setLineStyle(QCPGraph::lsNone);
    m_droppedMarks->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCrossSquare, QPen(Qt::black, 1.5), Qt::white, 7));
    connect(m_heatmap->plot(), &QCustomPlot::mousePress, this, [this](QMouseEvent* event) {
        int x = 0, y = 0;
        if (event->button() == Qt::LeftButton && m_heatmap->cellAt(event->position(), &x, &y)) toggleUnit(y, x);
    });
    // The classifier's units are the classes: apart, with a colour scale of their own.
    m_classifier = new HeatmapPlotWidget(QStringLiteral("neurons_classifier"), tr("Output classes"));
    m_classifier->setToolTipSource([this](const QPointF& pixel) { return cellToolTip(pixel, true); });
    m_classifier->setMinimumHeight(130);
    m_classifier->setMaximumHeight(170);
    m_classifierDropped = m_classifier->plot()->addGraph();
    m_classifierDropped->setLineStyle(QCPGraph::lsNone);
    m_classifierDropped->setScatterStyle(m_droppedMarks->scatterStyle());
    connect(m_classifier->plot(), &QCustomPlot::mousePress, this, [this](QMouseEvent* event) {
        int x = 0, y = 0;
        if (event->button() == Qt::LeftButton && m_classifier->cellAt(event->position(), &x, &y))
            toggleUnit(classifierGroup(), x);
    });
    auto* maps = new QWidget;
    auto* mapsLayout = new QVBoxLayout(maps);
    mapsLayout->setContentsMargins(0, 0, 0, 0);
    mapsLayout->addWidget(m_heatmap, 1);
    mapsLayout->addWidget(m_classifier);

    m_readout = new QLabel;
    m_readout->setWordWrap(true);
    m_readout->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_readout->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_dropped = new QListWidget;
    m_dropped->setToolTip(tr("Dropped units; double-click one to restore it"));
    connect(m_dropped, &QListWidget::itemDoubleClicked, this, [this](QListWidgetItem* item) {
        toggleUnit(item->data(Qt::UserRole).toInt(), item->data(Qt::UserRole + 1).toInt());
    });
    m_probabilities = new ClassProbabilityPlot;
    m_probabilities->setMinimumHeight(220);

    auto* side = new QWidget;
    auto* sideLayout = new QVBoxLayout(side);
    sideLayout->setContentsMargins(0, 0, 0, 0);
    sideLayout->addWidget(m_readout);
    sideLayout->addWidget(new QLabel(tr("Dropped units:")));
    sideLayout->addWidget(m_dropped, 1);
    sideLayout->addWidget(m_probabilities, 2);

    auto* splitter = new QSplitter(Qt::Horizontal);
    splitter->addWidget(maps);
    splitter->addWidget(side);
    splitter->setChildrenCollapsible(false);
    splitter->setStretchFactor(0, 5);
    splitter->setStretchFactor(1, 2);

    auto* content = new QWidget;
    auto* layout = new QVBoxLayout(content);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top);
    layout->addWidget(splitter, 1);
    setContent(content, tr("Run neuron scores"));

    connect(m_drop, &LiveDropModel::unitsChanged, this, &NeuronsView::showUnits);
    connect(m_drop, &LiveDropModel::evaluated, this, &NeuronsView::showOutcome);
    setRun(nullptr);
}

QList<PlotWidget*> NeuronsView::plots() const { return {m_heatmap, m_probabilities, m_classifier}; }

NeuronsView::Metric NeuronsView::metric() const { return static_cast<Metric>(qMax(0, m_metric->currentIndex())); }

void NeuronsView::setMetric(Metric metric) { m_metric->setCurrentIndex(metric); }

qint64 NeuronsView::selectedExample() const { return m_example->value(); }

QString NeuronsView::readoutText() const { return m_readout->text(); }

QStringList NeuronsView::droppedUnitsText() const {
    QStringList items;
    for (int i = 0; i < m_dropped->count(); ++i) items << m_dropped->item(i)->text();
    return items;
}

AnalysisKind NeuronsView::analysisKind() const { return AnalysisKind::NeuronScores; }

int NeuronsView::classifierGroup() const {
    if (!run()) return -1;
    const std::vector<std::int64_t> counts = unitCounts();
    if (counts.empty()) return -1;
    const size_t last = counts.size() - 1;
    return core::isClassifierGroup(last, counts.size(), counts[last], run()->summary.numClasses) ? int(last) : -1;
}

QString NeuronsView::className(std::int64_t label) const {
    return label >= 0 && label < m_classNames.size() ? m_classNames[int(label)] : QString::number(label);
}

std::vector<std::int64_t> NeuronsView::unitCounts() const {
    std::vector<std::int64_t> counts;
    if (!run()) return counts;
    if (run()->neurons) return run()->neurons->units;
    for (const core::GroupInfo& g : run()->summary.groups) counts.push_back(g.units);
    return counts;
}

QStringList NeuronsView::groupNames() const {
    QStringList names;
    if (!run()) return names;
    if (run()->neurons)
        for (const std::string& g : run()->neurons->groups) names << QString::fromStdString(g);
    else
        for (const core::GroupInfo& g : run()->summary.groups) names << QString::fromStdString(g.name);
    return names;
}

void NeuronsView::setRun(const RunSnapshotPtr& snapshot) {
    setCurrentRun(snapshot);
    const SetNames setNames = namesOf(snapshot);
    for (int i = 0; i < m_metric->count(); ++i) m_metric->setItemText(i, labelOf(kMetrics[i], setNames));
    const bool trained = snapshot && snapshot->summary.epochsCompleted >= 1;
    QStringList names;
    if (snapshot)
        for (const std::string& name : core::classNames(snapshot->summary.config.dataset, snapshot->summary.numClasses))
            names << QString::fromStdString(name);
    if (names != m_classNames || !snapshot) {
        m_classNames = names;
        m_probabilities->setClasses(m_classNames);  // clears the bars: a new run's outcome follows
    }
    m_drop->setRun(trained ? QString::fromStdString(snapshot->summary.path) : QString(), groupNames(),
                   trained ? snapshot->summary.epochsCompleted : 0);
    if (!trained) {
        showPlaceholder(snapshot ? tr("Neurons need a trained run (no completed epoch yet).") : tr("No run open."), false);
        m_heatmap->clear();
        m_classifier->clear();
        return;
    }
    showContent();
    {
        const QSignalBlocker block(m_example);
        m_example->setRange(-1, int(snapshot->summary.trainSize) - 1);
    }
    m_drop->setExample(m_example->value());
    const bool scores = snapshot->neurons != nullptr;
    m_runScores->setVisible(!scores);
    rerunButton()->setVisible(scores);  // without scores the button above runs them
    m_runScores->setEnabled(!(job() && job()->isActive()));
    redraw();
    if (isVisible()) m_drop->refresh();
}

void NeuronsView::showEvent(QShowEvent* event) {
    AnalysisView::showEvent(event);
    if (m_drop->evaluations() == 0) m_drop->refresh();  // the baseline read-out, on the engine thread
}

void NeuronsView::redraw() {
    if (!run() || run()->summary.epochsCompleted < 1) return;
    const std::vector<std::int64_t> counts = unitCounts();
    const QStringList groups = groupNames();
    const int classifier = classifierGroup();
    // The main map: every group but the classifier (the last group, so rows keep group indices).
    const size_t rows = classifier >= 0 ? size_t(classifier) : counts.size();
    std::int64_t widest = 1;
    for (size_t g = 0; g < rows; ++g) widest = std::max(widest, counts[g]);
    const MetricInfo& m = kMetrics[metric()];
    const core::NeuronScores* s = run()->neurons.get();
    auto score = [&](size_t g, std::int64_t c) {
        if (s && g < (s->*m.grid).size() && size_t(c) < (s->*m.grid)[g].size()) return (s->*m.grid)[g][size_t(c)];
        return 0.0;
    };
    std::vector<std::vector<double>> values(size_t(widest), std::vector<double>(rows, kNaN));
    double extent = 0;
    for (size_t g = 0; g < rows; ++g)
        for (std::int64_t c = 0; c < counts[g]; ++c) {
            const double v = score(g, c);
            values[size_t(c)][g] = v;
            if (std::isfinite(v)) extent = std::max(extent, std::abs(v));
        }
    if (extent <= 0) extent = 1;  // no scores stored: a neutral scale, not +-1e-9
    QVector<double> columns;
    for (std::int64_t c = 0; c < widest; ++c) columns << double(c);
    const QString label = labelOf(m, namesOf(run()));
    m_heatmap->setTitle(classifier >= 0 ? tr("Per-unit score: %1 (hidden layers; %2 apart below)").arg(label, groups[classifier])
                                        : tr("Per-unit score: %1").arg(label));
    m_heatmap->setGrid(tr("channel"), columns, groups.mid(0, int(rows)), values,
                       m.signedScore ? QCPRange(-extent, extent) : QCPRange(0, extent),
                       m.signedScore ? divergingGradient() : viridisGradient(), tr(m.csvName));
    std::vector<std::vector<double>> classValues;
    if (classifier >= 0)
        for (std::int64_t c = 0; c < counts[size_t(classifier)]; ++c) classValues.push_back({score(size_t(classifier), c)});
    drawClassifier(classValues, m.signedScore);
    if (!s)
        m_scoreHint->setText(tr("No neuron scores stored yet: the heatmap is blank, but clicking a cell still drops "
                                "that unit."));
    else if ((metric() == FlipNoisy || metric() == FlipClean) && !s->hasFlipping)
        m_scoreHint->setText(tr("Flip frequencies need a flipping analysis (Examples view), then neuron scores again."));
    else
        m_scoreHint->setText(tr("Click a cell to drop that unit; click again to restore it."));
    showUnits();
}

void NeuronsView::drawClassifier(const std::vector<std::vector<double>>& values, bool signedScore) {
    const int classifier = classifierGroup();
    m_classifier->setVisible(classifier >= 0);
    if (classifier < 0) {
        m_classifier->clear();
        return;
    }
    double extent = 0;
    for (const auto& column : values)
        if (std::isfinite(column[0])) extent = std::max(extent, std::abs(column[0]));
    if (extent <= 0) extent = 1;
    QVector<double> columns;
    for (size_t c = 0; c < values.size(); ++c) columns << double(c);
    const QString name = groupNames()[classifier];
    m_classifier->setTitle(tr("%1 = the output classes: apart, with their own colour scale (dropping a unit removes "
                              "a class)").arg(name));
    m_classifier->setGrid(tr("class"), columns, {name}, values,
                          signedScore ? QCPRange(-extent, extent) : QCPRange(0, extent),
                          signedScore ? divergingGradient() : viridisGradient(), tr(kMetrics[metric()].csvName));
    setClassTicker(m_classifier->plot()->xAxis, m_classNames, 10);  // ten names fit upright across the map
    m_classifier->plot()->xAxis->setLabel(QString());
    m_classifier->plot()->replot();
}

void NeuronsView::toggleUnit(int group, int channel) {
    const std::vector<std::int64_t> counts = unitCounts();
    if (group < 0 || size_t(group) >= counts.size() || channel < 0 || channel >= counts[size_t(group)]) return;
    m_drop->toggle(group, channel);
}

void NeuronsView::resetUnits() { m_drop->reset(); }

void NeuronsView::setSelectedExample(qint64 id) { m_example->setValue(int(id)); }

void NeuronsView::showUnits() {
    const QStringList groups = groupNames();
    m_dropped->clear();
    QVector<double> keys, rows, classKeys, classRows;
    const int classifier = classifierGroup();
    for (const auto& [g, c] : m_drop->units()) {
        auto* item = new QListWidgetItem(QStringLiteral("%1 : %2").arg(g < groups.size() ? groups[g] : QString::number(g)).arg(c));
        item->setData(Qt::UserRole, g);
        item->setData(Qt::UserRole + 1, c);
        m_dropped->addItem(item);
        if (g == classifier) {
            classKeys << double(c);
            classRows << 0.0;
        } else {
            keys << double(c);
            rows << double(g);
        }
    }
    m_droppedMarks->setData(keys, rows);
    m_classifierDropped->setData(classKeys, classRows);
    m_reset->setEnabled(!m_drop->units().empty());
    m_heatmap->plot()->replot();
    m_classifier->plot()->replot();
}

void NeuronsView::showOutcome(const DropOutcome& outcome) {
    if (!outcome.error.isEmpty()) {
        m_readout->setText(tr("Cannot evaluate: %1").arg(outcome.error));
        return;
    }
    const core::DropResult& r = outcome.result;
    const bool baseline = outcome.units.empty();
    if (baseline) {
        m_baseClean = r.clean;
        m_baseNoisyGiven = r.noisyGiven;
        m_baseNoisyTrue = r.noisyTrue;
        m_baseTest = r.test;
    }
    QString text = tr("%n unit(s) dropped%1\n", nullptr, int(outcome.units.size()))
                       .arg(m_drop->isUpToDate() ? QString() : tr(" (updating...)"));
    const SetNames names = namesOf(run());
    text += accuracyLine(names.label(SetPart::Rest, tr("clean")), r.clean) + delta(r.clean, m_baseClean) + QLatin1Char('\n');
    text += accuracyLine(names.label(SetPart::SetGiven, tr("memorized (noisy, given)")), r.noisyGiven) +
            delta(r.noisyGiven, m_baseNoisyGiven) + QLatin1Char('\n');
    text += accuracyLine(names.label(SetPart::SetTrue, tr("noisy, true label")), r.noisyTrue) +
            delta(r.noisyTrue, m_baseNoisyTrue) + QLatin1Char('\n');
    text += accuracyLine(tr("test"), r.test) + delta(r.test, m_baseTest);
    QStringList units;
    for (const core::UnitRef& u : outcome.units) units << QStringLiteral("%1:%2").arg(QString::fromStdString(u.group)).arg(u.channel);
    if (r.example >= 0) {
        const double p = size_t(r.prediction) < r.probabilities.size() ? r.probabilities[size_t(r.prediction)] : kNaN;
        text += tr("\n\nExample %1 (%2): given %3, true %4\nprediction: %5 (p = %6)")
                    .arg(r.example)
                    .arg(names.labelNoise() ? (r.exampleNoisy ? tr("noisy") : tr("clean"))
                                            : (r.exampleNoisy ? names.set() : names.rest()))
                    .arg(className(r.givenLabel), className(r.trueLabel), className(r.prediction))
                    .arg(p, 0, 'f', 3);
        m_probabilities->setExample(r.example, r.prediction, r.probabilities, units);
    } else {
        m_probabilities->clearExample();
    }
    m_readout->setText(text);
}

QString NeuronsView::cellToolTip(const QPointF& pixel, bool inClassifier) const {
    int x = 0, y = 0;
    if (!(inClassifier ? m_classifier : m_heatmap)->cellAt(pixel, &x, &y)) return {};
    if (inClassifier) y = classifierGroup();
    if (y < 0) return {};
    const std::vector<std::int64_t> counts = unitCounts();
    const QStringList groups = groupNames();
    if (size_t(y) >= counts.size() || x >= counts[size_t(y)]) return {};
    QString text = inClassifier ? tr("%1 : unit %2 = class %3").arg(groups[y]).arg(x).arg(className(x))
                                : tr("%1 : channel %2").arg(groups[y]).arg(x);
    if (m_drop->isDropped(y, x)) text += tr(" (dropped)");
    if (const core::NeuronScores* s = run() ? run()->neurons.get() : nullptr)
        for (const MetricInfo& m : kMetrics)
            text += QStringLiteral("\n%1: %2").arg(labelOf(m, namesOf(run()))).arg((s->*m.grid)[size_t(y)][size_t(x)], 0, 'g', 4);
    return text + tr("\nclick to %1").arg(m_drop->isDropped(y, x) ? tr("restore") : tr("drop"));
}

CsvTable NeuronsView::scoreTable() const {
    CsvTable table;
    table.header << QStringLiteral("group") << QStringLiteral("channel");
    for (const MetricInfo& m : kMetrics) table.header << QString::fromLatin1(m.csvName);
    table.header << QStringLiteral("dropped");
    const core::NeuronScores* s = run() ? run()->neurons.get() : nullptr;
    const std::vector<std::int64_t> counts = unitCounts();
    const QStringList groups = groupNames();
    for (size_t g = 0; g < counts.size(); ++g)
        for (std::int64_t c = 0; c < counts[g]; ++c) {
            QStringList row{groups[int(g)], QString::number(c)};
            for (const MetricInfo& m : kMetrics) row << (s ? CsvTable::number((s->*m.grid)[g][size_t(c)]) : QString());
            row << (m_drop->isDropped(int(g), int(c)) ? QStringLiteral("1") : QStringLiteral("0"));
            table.rows << row;
        }
    return table;
}

} // namespace memloc::ui
