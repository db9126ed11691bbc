#include "views/examples_view.h"

#include "jobs/analysis_job.h"
#include "plots/plot_widget.h"
#include "views/example_table_model.h"
#include "views/units_to_flip_plot.h"

#include "memloc/class_names.h"
#include "memloc/error.h"
#include "memloc/progress.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QFontMetrics>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIntValidator>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QTableWidget>
#include <QThread>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace memloc::ui {

namespace {
constexpr int kImageSide = 168;
} // namespace

ExamplesView::ExamplesView(QWidget* parent)
    : AnalysisView(parent), m_model(new ExampleTableModel(this)), m_proxy(new ExampleFilterProxy(this)) {
    m_filter = new QComboBox;
    m_filter->addItems(filterNames(SetNames()));
    connect(m_filter, &QComboBox::currentIndexChanged, this, [this](int index) {
        m_proxy->setFilter(static_cast<ExampleFilterProxy::Filter>(qMax(0, index)));
        updateCount();
    });
    m_find = new QLineEdit;
    m_find->setPlaceholderText(tr("id"));
    m_find->setValidator(new QIntValidator(0, INT_MAX, m_find));
    m_find->setMaximumWidth(90);
    m_find->setToolTip(tr("Type a training example's id and press Enter to select it"));
    connect(m_find, &QLineEdit::returnPressed, this, &ExamplesView::findId);
    m_count = new QLabel;
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Show:")));
    top->addWidget(m_filter);
    top->addSpacing(12);
    top->addWidget(new QLabel(tr("Find id:")));
    top->addWidget(m_find);
    top->addSpacing(12);
    top->addWidget(m_count, 1);

    // Shown when the run has no flipping analysis: the table works, its flip columns stay blank.
    m_hint = new QLabel;
    m_hint->setWordWrap(true);
    m_runFlipping = new QPushButton(tr("Run flipping..."));
    connect(m_runFlipping, &QPushButton::clicked, this, &AnalysisView::editAndStartAnalysis);
    connect(this, &AnalysisView::analysisStarted, this, [this](Job* started) {
        m_runFlipping->setEnabled(false);
        connect(started, &Job::finished, m_runFlipping, [this] { m_runFlipping->setEnabled(true); });
    });
    m_hintRow = new QWidget;
    auto* hintLayout = new QHBoxLayout(m_hintRow);
    hintLayout->setContentsMargins(0, 0, 0, 0);
    hintLayout->addWidget(m_hint, 1);
    hintLayout->addWidget(m_runFlipping);
    m_status = new QLabel;
    m_status->setWordWrap(true);

    m_proxy->setSourceModel(m_model);
    m_table = new QTableView;
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(ExampleTableModel::Id, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setIconSize(QSize(ExampleTableModel::kThumbnailSide, ExampleTableModel::kThumbnailSide));
    m_table->setWordWrap(false);
    m_table->verticalHeader()->setVisible(false);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(ExampleTableModel::kThumbnailSide + 4);
    m_table->horizontalHeader()->setHighlightSections(false);
    m_table->horizontalHeader()->setStretchLastSection(true);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& current) {
        if (!current.isValid()) return;
        const qint64 id = current.data(ExampleTableModel::IdRole).toLongLong();
        if (id == m_selected) return;
        m_selected = id;
        showDetails(id);
        Q_EMIT exampleSelected(id);
    });
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, &ExamplesView::updateCount);
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, &ExamplesView::updateCount);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &ExamplesView::updateCount);

    m_image = new QLabel;
    m_image->setFixedSize(kImageSide, kImageSide);
    m_image->setAlignment(Qt::AlignCenter);
    m_image->setFrameShape(QFrame::StyledPanel);
    m_details = new QLabel(tr("Select an example."));
    m_details->setWordWrap(true);
    m_details->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* detailRow = new QHBoxLayout;
    detailRow->addWidget(m_image, 0, Qt::AlignTop);
    detailRow->addWidget(m_details, 1);

    m_pathTitle = new QLabel;
    m_pathTitle->setWordWrap(true);
    m_path = new QTableWidget(0, 3);
    m_path->setHorizontalHeaderLabels({tr("layer group"), tr("channel"), tr("prediction after")});
    m_path->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_path->verticalHeader()->setVisible(true);
    m_path->setEditTriggers(QAbstractItemView::NoEditTriggers);

    m_histogram = new UnitsToFlipPlot;
    m_histogram->setMinimumHeight(200);

    auto* side = new QWidget;
    auto* sideLayout = new QVBoxLayout(side);
    sideLayout->setContentsMargins(0, 0, 0, 0);
    sideLayout->addLayout(detailRow);
    sideLayout->addWidget(m_pathTitle);
    sideLayout->addWidget(m_path, 1);
    sideLayout->addWidget(m_histogram, 1);
    sideLayout->addStretch(0);  // takes the space of the two above when a run has no flipping

    auto* splitter = new QSplitter(Qt::Horizontal);
    splitter->addWidget(m_table);
    splitter->addWidget(side);
    splitter->setChildrenCollapsible(false);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    splitter->setSizes({650, 350});  // proportions: the table gets most of the width

    auto* content = new QWidget;
    auto* layout = new QVBoxLayout(content);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top);
    layout->addWidget(m_hintRow);
    layout->addWidget(m_status);
    layout->addWidget(splitter, 1);
    setContent(content, tr("Run flipping"));
    setRun(nullptr);
}

ExamplesView::~ExamplesView() {
    if (!m_loader) return;
    m_cancel->cancel();  // stops between batches; the dataset read itself runs to its end
    m_loader->wait();
    delete m_loader;
}

QList<PlotWidget*> ExamplesView::plots() const { return {m_histogram}; }

AnalysisKind ExamplesView::analysisKind() const { return AnalysisKind::Flipping; }

ExamplesView::Filter ExamplesView::filter() const { return static_cast<Filter>(m_proxy->filter()); }

void ExamplesView::setFilter(Filter filter) { m_filter->setCurrentIndex(filter); }

int ExamplesView::visibleCount() const { return m_proxy->rowCount(); }

int ExamplesView::loadedImages() const {
    return m_model->hasTrainingSet() ? m_model->rowCount() : 0;
}

QString ExamplesView::detailText() const { return m_details->text(); }

QString ExamplesView::labelName(std::int64_t label) const { return m_model->className(label); }

QStringList ExamplesView::filterNames(const SetNames& names) {
    if (names.labelNoise())
        return {tr("All"), tr("Noisy"), tr("Clean"), tr("Memorized (noisy, predicted as given)"), tr("Noisy, not memorized"),
                tr("Tried by flipping"), tr("Flipped"), tr("Not flipped")};
    return {tr("All"), names.set(), names.rest(), tr("Fitted (%1, predicted as given)").arg(names.set()),
            tr("%1, not fitted").arg(names.set()), tr("Tried by flipping"), tr("Flipped"), tr("Not flipped")};
}

void ExamplesView::setRun(const RunSnapshotPtr& snapshot) {
    const bool samePath = run() && snapshot && run()->summary.path == snapshot->summary.path;
    const bool sameRun = samePath && run()->flipping == snapshot->flipping &&
                         run()->summary.epochsCompleted == snapshot->summary.epochsCompleted;
    setCurrentRun(snapshot);
    const bool trained = snapshot && snapshot->summary.epochsCompleted >= 1;
    if (!snapshot)
        showPlaceholder(tr("No run open."), false);
    else if (!trained)
        showPlaceholder(tr("Examples need a trained run (no completed epoch yet)."), false);
    else
        showContent();
    const bool flipping = snapshot && snapshot->flipping;
    const SetNames names = namesOf(snapshot);
    const QStringList filters = filterNames(names);
    for (int i = 0; i < m_filter->count() && i < filters.size(); ++i) m_filter->setItemText(i, filters[i]);
    m_table->setColumnHidden(ExampleTableModel::Replaced, names.labelNoise() || !snapshot || snapshot->summary.noisyCount == 0);
    m_hintRow->setVisible(trained && !flipping);
    m_hint->setText(names.pick(tr("No flipping analysis yet: the units-to-flip columns are blank. Flipping zeroes, one "
                                  "at a time, the units that most help an example's prediction until the prediction "
                                  "changes; memorized examples flip after a few units (see the user guide)."),
                               tr("No flipping analysis yet: the units-to-flip columns are blank. Flipping zeroes, one "
                                  "at a time, the units that most help an example's prediction until the prediction "
                                  "changes, for fitted %1 and for %2 examples (see the user guide).")));
    rerunButton()->setVisible(flipping);
    m_path->setVisible(flipping);
    m_histogram->setVisible(flipping);
    m_runFlipping->setEnabled(!(job() && job()->isActive()));
    if (sameRun) return;

    // The training set stays loaded while the run's final model is the same (e.g. a new analysis
    // was stored); a new epoch or another run means evaluating it again.
    const QString key = trained ? QStringLiteral("%1@%2").arg(QString::fromStdString(snapshot->summary.path))
                                      .arg(snapshot->summary.epochsCompleted)
                                : QString();
    if (key.isEmpty() || key != m_loadedKey) {
        m_examples.reset();
        m_loadedKey.clear();
        m_status->setVisible(false);
    }
    const qint64 keep = samePath ? m_selected : -1;
    m_selected = -1;
    m_path->setRowCount(0);
    m_pathTitle->clear();
    m_image->clear();
    m_details->setText(tr("Select an example to see its image, labels and flip path."));
    QStringList classNames;
    if (snapshot)
        for (const std::string& name : core::classNames(snapshot->summary.config.dataset, snapshot->summary.numClasses))
            classNames << QString::fromStdString(name);
    m_model->setRun(classNames, flipping ? snapshot->flipping : nullptr, names);
    fitColumns(classNames);
    if (m_examples) m_model->setExamples(m_examples);
    m_histogram->setFlipping(flipping ? snapshot->flipping : nullptr, names);
    updateCount();
    if (keep >= 0) selectExample(keep);
    if (isVisible() && !key.isEmpty()) loadExamples();
}

void ExamplesView::fitColumns(const QStringList& classNames) {
    // Wide enough for each header and the longest class name (not measured over every row).
    const QFontMetrics header(m_table->horizontalHeader()->font()), cells(m_table->font());
    int longestName = cells.horizontalAdvance(QStringLiteral("00"));
    for (const QString& name : classNames) longestName = std::max(longestName, cells.horizontalAdvance(name));
    longestName = std::min(longestName, cells.horizontalAdvance(QLatin1Char('M')) * 12);
    const int padding = cells.horizontalAdvance(QStringLiteral("MM")) * 3 / 4;
    for (int c = 0; c < ExampleTableModel::ColumnCount; ++c) {
        int content = 0;
        switch (c) {
        case ExampleTableModel::Id:
            content = ExampleTableModel::kThumbnailSide + 4 + cells.horizontalAdvance(QStringLiteral("000000"));
            break;
        case ExampleTableModel::Given:
        case ExampleTableModel::True:
        case ExampleTableModel::Prediction: content = longestName; break;
        case ExampleTableModel::Loss:
        case ExampleTableModel::Margin: content = cells.horizontalAdvance(QStringLiteral("-00.000")); break;
        default:
            content = std::max({cells.horizontalAdvance(QStringLiteral("noisy")),
                                cells.horizontalAdvance(m_model->setNames().set()),
                                cells.horizontalAdvance(m_model->setNames().rest())});
            break;
        }
        const int title = header.horizontalAdvance(m_model->headerData(c, Qt::Horizontal, Qt::DisplayRole).toString());
        m_table->setColumnWidth(c, std::max(content, title) + padding);
    }
}

void ExamplesView::showEvent(QShowEvent* event) {
    AnalysisView::showEvent(event);
    loadExamples();  // the first time the view is shown for this run
}

void ExamplesView::updateCount() {
    if (!run() || m_model->rowCount() == 0) {
        m_count->clear();
        return;
    }
    int inSet = 0, memorized = 0;
    for (int r = 0; r < m_model->rowCount(); ++r) {
        inSet += m_model->row(r).stat.focus;
        memorized += m_model->row(r).stat.memorized();
    }
    const SetNames& names = m_model->setNames();
    QString text;
    if (m_model->hasTrainingSet()) {
        text = (names.labelNoise() ? tr("Showing %1 of %2 training examples (noisy %3, memorized %4)")
                                   : tr("Showing %1 of %2 training examples (%5 %3, fitted %4)"))
                   .arg(visibleCount())
                   .arg(m_model->rowCount())
                   .arg(inSet)
                   .arg(memorized);
        if (!names.labelNoise()) text = text.arg(names.set());
    } else {
        text = tr("Showing %1 of the %2 examples the flipping analysis tried").arg(visibleCount()).arg(m_model->rowCount());
    }
    if (const core::FlipResult* r = m_model->flipping())
        text += names.labelNoise() ? tr("; median units to flip: noisy %1, clean %2")
                                         .arg(core::medianUnits(*r, true))
                                         .arg(core::medianUnits(*r, false))
                                   : tr("; median units to flip: %3 %1, %4 %2")
                                         .arg(core::medianUnits(*r, true))
                                         .arg(core::medianUnits(*r, false))
                                         .arg(names.set(), names.rest());
    m_count->setText(text);
}

bool ExamplesView::selectExample(qint64 id) {
    const int sourceRow = m_model->rowOf(id);
    if (sourceRow < 0) return false;
    QModelIndex index = m_proxy->mapFromSource(m_model->index(sourceRow, 0));
    if (!index.isValid()) {  // hidden by the filter
        setFilter(All);
        index = m_proxy->mapFromSource(m_model->index(sourceRow, 0));
    }
    if (!index.isValid()) return false;
    m_table->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_table->scrollTo(index);
    return true;
}

void ExamplesView::findId() {
    bool ok = false;
    const qint64 id = m_find->text().toLongLong(&ok);
    if (!ok) return;
    if (!selectExample(id)) {
        m_status->setText(m_model->hasTrainingSet()
                              ? tr("There is no training example %1 (ids 0..%2).").arg(id).arg(m_model->rowCount() - 1)
                              : tr("Example %1 is not listed yet: the training set is still loading.").arg(id));
        m_status->setVisible(true);
    }
}

void ExamplesView::showDetails(qint64 id) {
    m_path->setRowCount(0);
    m_pathTitle->clear();
    const int sourceRow = m_model->rowOf(id);
    if (sourceRow < 0) return;
    const ExampleTableModel::Row& row = m_model->row(sourceRow);
    const core::ExampleStat& s = row.stat;
    const QPixmap image = m_model->image(id, kImageSide);
    if (image.isNull())
        m_image->setText(tr("(image loading)"));
    else
        m_image->setPixmap(image);
    QString text = tr("<b>Example %1</b> &mdash; %2<br>given label: <b>%3</b><br>true label: <b>%4</b><br>"
                      "final prediction: <b>%5</b>")
                       .arg(id)
                       .arg(kindText(s).toHtmlEscaped())
                       .arg(labelName(s.given).toHtmlEscaped(), labelName(s.trueLabel).toHtmlEscaped(),
                            labelName(s.prediction).toHtmlEscaped());
    if (row.hasStats)
        text += tr("<br>loss %1 &middot; margin %2").arg(s.loss, 0, 'f', 3).arg(s.margin, 0, 'f', 2);
    m_details->setText(text);

    const core::FlipExample* e = m_model->flipOf(row);
    const core::FlipResult* r = m_model->flipping();
    if (!e || !r) {
        m_pathTitle->setText(r ? tr("The flipping analysis did not try this example.")
                               : tr("No flip path: the run has no flipping analysis."));
        return;
    }
    const SetNames& names = m_model->setNames();
    const QString outcome = e->flipped ? tr("Flipped after zeroing these %n unit(s) in order.", nullptr, int(e->units.size()))
                                       : tr("Not flipped within %1 units.").arg(r->options.maxUnits);
    m_pathTitle->setText(
        names.labelNoise()
            ? tr("%1 Accuracy after the edit: clean %2, noisy %3, test %4.")
                  .arg(outcome, percentText(e->accClean), percentText(e->accNoisy), percentText(e->accTest))
            : tr("%1 Accuracy after the edit: %5 %2, %6 %3, test %4.")
                  .arg(outcome, percentText(e->accClean), percentText(e->accNoisy), percentText(e->accTest),
                       names.rest(), names.set()));
    m_path->setRowCount(int(e->units.size()));
    for (size_t i = 0; i < e->units.size(); ++i) {
        const core::FlipUnit& u = e->units[i];
        const QString group = size_t(u.group) < r->groups.size() ? QString::fromStdString(r->groups[size_t(u.group)])
                                                                  : QString::number(u.group);
        m_path->setItem(int(i), 0, new QTableWidgetItem(group));
        m_path->setItem(int(i), 1, new QTableWidgetItem(QString::number(u.channel)));
        auto* after = new QTableWidgetItem(labelName(u.predictionAfter));
        after->setToolTip(tr("class %1; parameter %2, element %3")
                              .arg(u.predictionAfter)
                              .arg(QString::fromStdString(u.parameter))
                              .arg(u.element));
        m_path->setItem(int(i), 2, after);
    }
}

QString ExamplesView::kindText(const core::ExampleStat& s) const {
    const SetNames& names = m_model->setNames();
    if (names.labelNoise())
        return s.noisy ? (s.memorized() ? tr("noisy, memorized") : tr("noisy, not memorized")) : tr("clean");
    const QString kind = s.focus ? (s.memorized() ? tr("%1, fitted") : tr("%1, not fitted")).arg(names.set()) : names.rest();
    return s.noisy ? tr("%1, label replaced").arg(kind) : kind;
}

QStringList ExamplesView::flipPathText() const {
    QStringList lines;
    for (int i = 0; i < m_path->rowCount(); ++i)
        lines << QStringLiteral("%1:%2 -> %3").arg(m_path->item(i, 0)->text(), m_path->item(i, 1)->text(), m_path->item(i, 2)->text());
    return lines;
}

void ExamplesView::loadExamples() {
    if (!run() || run()->summary.epochsCompleted < 1 || m_loader) return;
    const QString path = QString::fromStdString(run()->summary.path);
    const QString key = QStringLiteral("%1@%2").arg(path).arg(run()->summary.epochsCompleted);
    if (key == m_loadedKey) return;  // loaded, or failed for this run: not again
    m_loadedKey = key;
    const qint64 total = run()->summary.trainSize;
    m_status->setText(tr("Evaluating %1 training examples with the final model (epoch %2)...")
                          .arg(total)
                          .arg(run()->summary.epochsCompleted));
    m_status->setVisible(true);
    m_cancel = std::make_shared<core::CancelToken>();
    // The dataset is re-read and the training set evaluated (seconds to a minute): off the GUI thread.
    ExamplesView* view = this;  // alive while the thread runs: the destructor waits for it
    m_loader = QThread::create([view, path, key, total, cancel = m_cancel] {
        std::shared_ptr<const core::TrainingExamples> examples;
        QString error;
        auto progress = [view, key, total](const core::Progress& p) {
            QMetaObject::invokeMethod(
                view,
                [view, key, total, done = p.done] {
                    if (view->m_loadedKey == key && view->m_loader)
                        view->m_status->setText(tr("Evaluating %1 training examples with the final model... %2 done")
                                                    .arg(total)
                                                    .arg(done));
                },
                Qt::QueuedConnection);
        };
        try {
            examples = std::make_shared<const core::TrainingExamples>(
                core::loadTrainingExamples(path.toStdString(), "auto", 0, cancel.get(), progress));
        } catch (const core::Cancelled&) {
            return;  // the view is going away
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
        }
        QMetaObject::invokeMethod(
            view,
            [view, key, examples, error] {
                view->m_loader->wait();  // its function is returning: at most moments
                delete view->m_loader;
                view->m_loader = nullptr;
                if (key == view->m_loadedKey) {
                    if (examples) {
                        view->m_examples = examples;
                        view->m_model->setExamples(examples);
                        view->m_status->setVisible(false);
                        if (view->m_selected >= 0) {
                            const qint64 id = std::exchange(view->m_selected, -1);
                            view->selectExample(id);  // the same example, now with its image and statistics
                        }
                    } else {
                        view->m_status->setText(tr("Cannot evaluate the training set: %1\nThe table lists the examples "
                                                   "the flipping analysis tried.")
                                                    .arg(error));
                    }
                    Q_EMIT view->imagesLoaded(error);
                }
                view->loadExamples();  // the run may have changed meanwhile
            },
            Qt::QueuedConnection);
    });
    m_loader->start();
}

} // namespace memloc::ui
