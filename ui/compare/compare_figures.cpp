#include "compare/compare_figures.h"

#include "compare/compare_rewinding.h"
#include "plots/color_maps.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

namespace memloc::ui {

namespace {
using core::Band;
using core::Condition;

/// The last band of a per-epoch curve (the final model), or an empty band.
Band finalOf(const std::vector<Band>& curve) { return curve.empty() ? Band{} : curve.back(); }

/// The band of `mode` in a dropout evaluation, or an empty band.
Band modeOf(const Condition& c, const std::vector<Band>& values, const std::string& mode) {
    for (std::size_t i = 0; i < c.dropoutModes.size() && i < values.size(); ++i)
        if (c.dropoutModes[i] == mode) return values[i];
    return Band{};
}

QWidget* boxOf(std::initializer_list<QWidget*> widgets, Qt::Orientation orientation) {
    auto* page = new QWidget;
    QBoxLayout* layout = orientation == Qt::Horizontal ? static_cast<QBoxLayout*>(new QHBoxLayout(page))
                                                       : static_cast<QBoxLayout*>(new QVBoxLayout(page));
    for (QWidget* w : widgets) layout->addWidget(w, 1);
    return page;
}

bool loaded(const ComparisonPtr& c, unsigned part) {
    return c && !c->conditions.empty() && (c->conditions.front().loaded & part) == part;
}
} // namespace

CompareFigures::CompareFigures(QWidget* parent) : QWidget(parent) {
    m_header = new QLabel;
    m_header->setWordWrap(true);
    m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_table = new QTableWidget;
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->setVisible(false);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);

    const char* names[] = {"compare_memorized", "compare_clean", "compare_test"};
    for (int i = 0; i < 3; ++i) {
        m_curves[i] = new PlotWidget(QString::fromLatin1(names[i]), QString());
        m_curves[i]->showLegendBelow(i == 0 ? 3 : 2);
    }
    auto* side = new QSplitter(Qt::Vertical);
    side->addWidget(m_curves[1]);
    side->addWidget(m_curves[2]);
    auto* curves = new QSplitter(Qt::Horizontal);
    curves->addWidget(m_curves[0]);
    curves->addWidget(side);
    curves->setStretchFactor(0, 3);
    curves->setStretchFactor(1, 2);

    m_rewinding = new CompareRewindingPage;
    m_units = new PlotWidget(QStringLiteral("compare_units_to_flip"), tr("Units zeroed to flip an example"));
    m_units->showLegendBelow(2);
    m_retrainRewound = new PlotWidget(QStringLiteral("compare_retraining_rewound"), QString());
    m_retrained = new PlotWidget(QStringLiteral("compare_retraining_recovered"), QString());
    m_final = new PlotWidget(QStringLiteral("compare_final_accuracy"), QString());
    m_dropMode = new PlotWidget(QStringLiteral("compare_dropout_drop_mode"), QString());
    for (PlotWidget* p : {m_retrainRewound, m_retrained, m_final, m_dropMode}) p->showLegendBelow(3);

    m_tabs = new QTabWidget;
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(curves, tr("Curves"));
    m_tabs->addTab(m_rewinding, tr("Rewinding"));
    m_tabs->addTab(m_units, tr("Flipping"));
    m_tabs->addTab(boxOf({m_retrainRewound, m_retrained}, Qt::Horizontal), tr("Retraining"));
    m_tabs->addTab(boxOf({m_final, m_dropMode}, Qt::Horizontal), tr("Dropout"));
    connect(m_tabs, &QTabWidget::currentChanged, this, &CompareFigures::pageChanged);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_header);
    layout->addWidget(m_table);
    layout->addWidget(m_tabs, 1);
    setComparison(nullptr);
}

int CompareFigures::pageOf(const QString& name) {
    const QStringList names{QStringLiteral("curves"), QStringLiteral("rewinding"), QStringLiteral("flipping"),
                            QStringLiteral("retraining"), QStringLiteral("dropout")};
    return std::max<int>(0, int(names.indexOf(name)));
}

unsigned CompareFigures::partsOf(int page) {
    switch (page) {
    case Rewinding: return core::CompareRewinding;
    case Flipping: return core::CompareFlipping;
    case Retraining: return core::CompareRetraining;
    case Dropout: return core::CompareDropout;
    default: return core::CompareCurves;
    }
}

int CompareFigures::currentPage() const { return m_tabs->currentIndex(); }

void CompareFigures::showPage(int page) { m_tabs->setCurrentIndex(page); }

QList<PlotWidget*> CompareFigures::plots() const {
    QList<PlotWidget*> out{m_curves[0], m_curves[1], m_curves[2]};
    out << m_rewinding->plots();
    return out << m_units << m_retrainRewound << m_retrained << m_final << m_dropMode;
}

void CompareFigures::setComparison(const ComparisonPtr& comparison) {
    m_comparison = comparison;
    redraw();
}

void CompareFigures::setBandMode(BandMode mode) {
    m_mode = mode;
    redraw();
}

void CompareFigures::redraw() {
    const ComparisonPtr& c = m_comparison;
    std::size_t runs = 0;
    if (c)
        for (const Condition& x : c->conditions) runs += x.runs.size();
    auto join = [](const std::vector<std::string>& keys) {
        QStringList out;
        for (const auto& k : keys) out << QString::fromStdString(k);
        return out.isEmpty() ? tr("nothing") : out.join(QStringLiteral(", "));
    };
    m_header->setText(!c ? tr("Reading the runs...")
                         : tr("%n run(s) in %1 condition(s). Conditions differ in: %2. Averaged over: %3. Curves and "
                              "bars show the mean over a condition's runs; %4.",
                              nullptr, int(runs))
                               .arg(c->conditions.size())
                               .arg(join(c->varied), join(c->seedKeys), bandText(m_mode)) +
                               (c && !c->leftOut.empty()
                                    ? tr(" Left out, not finished: %1.").arg(QString::number(c->leftOut.size()))
                                    : QString()));
    QStringList leftOut;
    if (c)
        for (const std::string& path : c->leftOut) leftOut << QString::fromStdString(path);
    m_header->setToolTip(leftOut.isEmpty() ? QString() : tr("Not finished (by the manifest):\n%1").arg(leftOut.join(QLatin1Char('\n'))));
    fillTable();
    for (int i = 0; i < 3; ++i) drawConditionCurves(m_curves[i], c, static_cast<CurveMetric>(i), m_mode);
    m_rewinding->setComparison(loaded(c, core::CompareRewinding) ? c : nullptr, m_mode);

    const bool flips = loaded(c, core::CompareFlipping);
    drawUnitsToFlip(m_units, flips ? c : nullptr);
    m_units->setTitle(flips ? tr("Units zeroed to flip an example, pooled over each condition's runs (boxes: quartiles; "
                                 "whiskers: 1.5 IQR)")
                            : tr("Units zeroed to flip an example (reading...)"));

    const SetNames names = comparisonNames(c);
    BarChart rewound, retrained, final, drop;
    for (BarChart* chart : {&rewound, &retrained})
        chart->valueLabel = names.pick(tr("memorized accuracy (%)"), tr("%1 accuracy, given label (%)"));
    final.valueLabel = drop.valueLabel = tr("accuracy (%)");
    std::vector<std::string> groups;
    if (c)
        for (const Condition& x : c->conditions)
            if (groups.empty()) groups = x.retrainGroups;
    for (const std::string& g : groups) rewound.categories << QString::fromStdString(g);
    retrained.categories = rewound.categories;
    final.series = drop.series = QStringList{names.pick(tr("memorized"), tr("%1 (fitted)")), names.pick(tr("clean"), tr("%2")),
                                             tr("test")};
    final.values = drop.values = std::vector<std::vector<Band>>(3);
    final.colours = drop.colours = {QColor(0xd62728), QColor(0x1f77b4), QColor(0x2ca02c)};  // as the Training view
    if (c)
        for (const Condition& x : c->conditions) {
            const QString label = QString::fromStdString(x.label);
            const bool same = x.retrainGroups == groups;
            rewound.series << label;
            retrained.series << label;
            rewound.values.push_back(same ? x.retrainRewound : std::vector<Band>(groups.size()));
            retrained.values.push_back(same ? x.retrainMemorized : std::vector<Band>(groups.size()));
            final.categories << label;
            final.values[0].push_back(finalOf(x.memorized));
            final.values[1].push_back(finalOf(x.clean));
            final.values[2].push_back(finalOf(x.test));
            if (modeOf(x, x.dropoutMemorized, "drop").n == 0) continue;  // not trained with example-tied dropout
            drop.categories << label;
            drop.values[0].push_back(modeOf(x, x.dropoutMemorized, "drop"));
            drop.values[1].push_back(modeOf(x, x.dropoutClean, "drop"));
            drop.values[2].push_back(modeOf(x, x.dropoutTest, "drop"));
        }
    const bool retrains = loaded(c, core::CompareRetraining), dropouts = loaded(c, core::CompareDropout);
    const QString band = bandText(m_mode);
    m_retrainRewound->setTitle(names.labelNoise()
                                   ? tr("Memorized accuracy just after rewinding one group (%1)").arg(band)
                                   : tr("%1 accuracy just after rewinding one group (%2)").arg(names.set(), band));
    m_retrained->setTitle(groups.empty() && retrains ? tr("Retraining: none stored")
                          : names.labelNoise()
                              ? tr("...and after retraining it on clean examples only (%1)").arg(band)
                              : tr("...and after retraining it on the %1 examples only (%2)").arg(names.rest(), band));
    drawGroupedBars(m_retrainRewound, retrains ? rewound : BarChart{}, m_mode);
    drawGroupedBars(m_retrained, retrains ? retrained : BarChart{}, m_mode);
    m_final->setTitle(tr("Final model, standard evaluation (%1)").arg(band));
    m_dropMode->setTitle(tr("Example-tied dropout runs, memorization neurons dropped (%1)").arg(band));
    drawGroupedBars(m_final, final, m_mode);
    drawGroupedBars(m_dropMode, dropouts ? drop : BarChart{}, m_mode);
}

void CompareFigures::fillTable() {
    const SetNames names = comparisonNames(m_comparison);
    const QStringList header{tr("condition"), tr("runs"), names.pick(tr("memorized (final)"), tr("%1 (fitted, final)")),
                             names.pick(tr("clean (final)"), tr("%2 (final)")), tr("test (final)"),
                             names.pick(tr("median units to flip: memorized"), tr("median units to flip: %1")),
                             names.pick(tr("... clean"), tr("... %2"))};
    m_table->clear();
    m_table->setColumnCount(int(header.size()));
    m_table->setHorizontalHeaderLabels(header);
    const int rows = m_comparison ? int(m_comparison->conditions.size()) : 0;
    m_table->setRowCount(rows);
    const bool flips = loaded(m_comparison, core::CompareFlipping);
    for (int r = 0; r < rows; ++r) {
        const Condition& c = m_comparison->conditions[std::size_t(r)];
        const QStringList cells{QString::fromStdString(c.label), QString::number(c.runs.size()),
                                bandSummary(finalOf(c.memorized), 100, QStringLiteral("%")),
                                bandSummary(finalOf(c.clean), 100, QStringLiteral("%")),
                                bandSummary(finalOf(c.test), 100, QStringLiteral("%")),
                                flips ? bandSummary(c.unitsNoisy, 1, QString()) : tr("(Flipping tab)"),
                                flips ? bandSummary(c.unitsClean, 1, QString()) : tr("(Flipping tab)")};
        for (int col = 0; col < cells.size(); ++col) {
            auto* item = new QTableWidgetItem(cells[col]);
            if (col == 0) item->setForeground(seriesColour(r));
            m_table->setItem(r, col, item);
        }
    }
    // Tall enough for every condition up to eight; more scroll.
    m_table->resizeRowsToContents();
    int height = m_table->horizontalHeader()->sizeHint().height() + 2 * m_table->frameWidth();
    for (int r = 0; r < std::min(rows, 8); ++r) height += m_table->rowHeight(r);
    m_table->setFixedHeight(height + (rows > 8 ? 0 : 2));
}

} // namespace memloc::ui
