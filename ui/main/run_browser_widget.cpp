#include "main/run_browser_widget.h"

#include "plots/plot_widget.h"

#include "runs/open_runs_model.h"
#include "runs/run_document.h"
#include "views/set_names.h"

#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMenu>
#include <QSet>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <cstdint>
#include <string>

namespace memloc::ui {

namespace {
QTreeWidgetItem* addChild(QTreeWidgetItem* parent, const QString& name, const QString& value = {}) {
    auto* item = new QTreeWidgetItem(parent, {name, value});
    item->setToolTip(1, value);
    return item;
}

QString jsonValueText(const QJsonValue& v) {
    if (v.isString()) return v.toString();
    if (v.isBool()) return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    if (v.isDouble()) return QString::number(v.toDouble(), 'g', 8);
    return QString::fromUtf8(QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact)).mid(1).chopped(1);
}

void fillRun(QTreeWidgetItem* top, const RunDocument& run) {
    const RunSnapshot& snap = *run.snapshot();
    const core::RunSummary& s = snap.summary;
    top->setText(0, run.displayName());
    top->setToolTip(0, run.path());
    addChild(top, RunBrowserWidget::tr("State"), run.stateText());
    addChild(top, RunBrowserWidget::tr("File"), run.path());
    QStringList shape;
    for (std::int64_t d : s.imageShape) shape << QString::number(d);
    const SetNames names(s.focus);
    QString data = (names.labelNoise() ? RunBrowserWidget::tr("%1: %2 train (%3 mislabeled), %4 test, %5 classes, %6")
                                       : RunBrowserWidget::tr("%1: %2 train (%7 %8, %3 mislabeled), %4 test, %5 classes, %6"))
                       .arg(QString::fromStdString(s.config.dataset))
                       .arg(s.trainSize)
                       .arg(s.noisyCount)
                       .arg(s.testSize)
                       .arg(s.numClasses)
                       .arg(shape.join(QLatin1Char('x')));
    if (!names.labelNoise()) data = data.arg(s.focusCount).arg(names.set());
    addChild(top, RunBrowserWidget::tr("Data"), data);
    addChild(top, RunBrowserWidget::tr("Model"),
             QStringLiteral("%1 x%2").arg(QString::fromStdString(s.config.model)).arg(s.config.width));
    if (!s.importedFrom.empty())
        addChild(top, RunBrowserWidget::tr("Imported from"),
                 RunBrowserWidget::tr("%1 (%2)").arg(QString::fromStdString(s.importedFrom), QString::fromStdString(s.sourceFormat)));

    QTreeWidgetItem* config = addChild(top, RunBrowserWidget::tr("Config"));
    const QJsonObject json = QJsonDocument::fromJson(QByteArray::fromStdString(s.configJson)).object();
    for (auto it = json.begin(); it != json.end(); ++it) addChild(config, it.key(), jsonValueText(it.value()));

    QTreeWidgetItem* epochs = addChild(top, RunBrowserWidget::tr("Epochs"),
                                       QStringLiteral("%1 / %2").arg(s.epochsCompleted).arg(s.epochsPlanned));
    for (const core::EpochMetrics& m : s.metrics)
        addChild(epochs, RunBrowserWidget::tr("epoch %1").arg(m.epoch),
                 names.labelNoise()
                     ? RunBrowserWidget::tr("clean %1, memorized %2, test %3")
                           .arg(percentText(m.trainCleanAcc), percentText(m.trainNoisyGivenAcc), percentText(m.testAcc))
                     : RunBrowserWidget::tr("%4 %1, %5 (fitted) %2, test %3")
                           .arg(percentText(m.trainCleanAcc), percentText(m.trainNoisyGivenAcc), percentText(m.testAcc),
                                names.rest(), names.set()));

    QTreeWidgetItem* groups = addChild(top, RunBrowserWidget::tr("Layer groups"), QString::number(s.groups.size()));
    for (const core::GroupInfo& g : s.groups)
        addChild(groups, QString::fromStdString(g.name), RunBrowserWidget::tr("%1 units").arg(g.units));
    addChild(top, RunBrowserWidget::tr("Gradient accounting"),
             s.hasAccounting ? RunBrowserWidget::tr("%1 epochs").arg(snap.accountingEpochs())
                             : RunBrowserWidget::tr("not recorded"));
    QTreeWidgetItem* analyses = addChild(top, RunBrowserWidget::tr("Analyses"), QString::number(s.analyses.size()));
    for (const std::string& a : s.analyses) addChild(analyses, QString::fromStdString(a));
}
} // namespace

RunBrowserWidget::RunBrowserWidget(OpenRunsModel* runs, QWidget* parent) : QWidget(parent), m_runs(runs) {
    m_tree = new QTreeWidget;
    m_tree->setColumnCount(2);
    m_tree->setHeaderLabels({tr("Run"), tr("Value")});
    m_tree->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_tree->header()->setStretchLastSection(true);
    m_tree->setUniformRowHeights(true);
    m_tree->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_tree->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_tree, &QTreeWidget::itemSelectionChanged, this, &RunBrowserWidget::selectionChanged);
    connect(m_tree, &QWidget::customContextMenuRequested, this, &RunBrowserWidget::showContextMenu);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tree);

    connect(m_runs, &OpenRunsModel::runAdded, this, &RunBrowserWidget::addRun);
    connect(m_runs, &OpenRunsModel::runRemoved, this, &RunBrowserWidget::removeRun);
    connect(m_runs, &OpenRunsModel::currentChanged, this, &RunBrowserWidget::followCurrent);
    for (RunDocument* run : m_runs->runs()) addRun(run);
}

void RunBrowserWidget::addRun(RunDocument* run) {
    auto* item = new QTreeWidgetItem(m_tree);
    QFont bold = item->font(0);
    bold.setBold(true);
    item->setFont(0, bold);
    m_items.insert(run, item);
    connect(run, &RunDocument::changed, this, [this, run] { refresh(run); });
    refresh(run);
    item->setExpanded(true);
}

void RunBrowserWidget::removeRun(RunDocument* run) {
    delete m_items.take(run);
    disconnect(run, nullptr, this, nullptr);
}

void RunBrowserWidget::refresh(RunDocument* run) {
    QTreeWidgetItem* top = m_items.value(run);
    if (!top) return;
    QSet<QString> expanded;  // rebuilt children keep their expansion
    for (int i = 0; i < top->childCount(); ++i)
        if (top->child(i)->isExpanded()) expanded.insert(top->child(i)->text(0));
    const QSignalBlocker block(m_tree);
    qDeleteAll(top->takeChildren());
    fillRun(top, *run);
    for (int i = 0; i < top->childCount(); ++i) top->child(i)->setExpanded(expanded.contains(top->child(i)->text(0)));
}

void RunBrowserWidget::followCurrent(RunDocument* run) {
    QTreeWidgetItem* item = m_items.value(run);
    if (!item) return;
    QTreeWidgetItem* selected = m_tree->currentItem();
    while (selected && selected->parent()) selected = selected->parent();
    if (selected != item) m_tree->setCurrentItem(item);
}

void RunBrowserWidget::selectionChanged() {
    QTreeWidgetItem* item = m_tree->currentItem();
    while (item && item->parent()) item = item->parent();
    if (RunDocument* run = m_items.key(item, nullptr)) m_runs->setCurrent(run);
}

QStringList RunBrowserWidget::selectedRunPaths() const {
    QStringList paths;
    for (RunDocument* run : m_runs->runs()) {
        QTreeWidgetItem* top = m_items.value(run);
        bool selected = top && top->isSelected();
        for (QTreeWidgetItem* item : m_tree->selectedItems()) {
            while (item->parent()) item = item->parent();
            selected = selected || item == top;
        }
        if (selected) paths << run->path();
    }
    return paths;
}

void RunBrowserWidget::showContextMenu(const QPoint& pos) {
    QTreeWidgetItem* item = m_tree->itemAt(pos);
    while (item && item->parent()) item = item->parent();
    RunDocument* run = m_items.key(item, nullptr);
    if (!run) return;
    QMenu menu(this);
    const QStringList selected = selectedRunPaths();
    if (selected.size() >= 2)
        menu.addAction(tr("Compare %n Selected Runs", nullptr, int(selected.size())), this,
                       [this, selected] { Q_EMIT compareRequested(selected); });
    menu.addAction(tr("Close Run"), this, [this, run] { m_runs->close(run); });
    menu.exec(m_tree->viewport()->mapToGlobal(pos));
}

} // namespace memloc::ui
