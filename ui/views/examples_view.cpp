#include "views/examples_view.h"

#include "jobs/analysis_job.h"
#include "plots/plot_widget.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QImage>
#include <QLabel>
#include <QListWidget>
#include <QPointer>
#include <QSplitter>
#include <QTableWidget>
#include <QThread>
#include <QVBoxLayout>

#include <cstdint>
#include <exception>
#include <map>
#include <string>
#include <vector>

namespace memloc::ui {

namespace {
constexpr int kIconSide = 84;

QPixmap toPixmap(const core::ExampleImage& e) {
    const QImage::Format format = e.channels == 3 ? QImage::Format_RGB888 : QImage::Format_Grayscale8;
    QImage image(e.width, e.height, format);
    const size_t plane = size_t(e.width) * size_t(e.height);
    for (int y = 0; y < e.height; ++y) {
        uchar* line = image.scanLine(y);
        for (int x = 0; x < e.width; ++x) {
            const size_t i = size_t(y) * size_t(e.width) + size_t(x);
            if (e.channels == 3)
                for (int c = 0; c < 3; ++c) line[3 * x + c] = e.pixels[size_t(c) * plane + i];
            else
                line[x] = e.pixels[i];
        }
    }
    return QPixmap::fromImage(image.scaled(kIconSide, kIconSide, Qt::KeepAspectRatio, Qt::FastTransformation));
}

std::int64_t unitsNeeded(const core::FlipExample& e, std::int64_t maxUnits) {
    return e.flipped ? std::int64_t(e.units.size()) : maxUnits + 1;
}
} // namespace

ExamplesView::ExamplesView(QWidget* parent) : AnalysisView(parent) {
    m_filter = new QComboBox;
    m_filter->addItems({tr("All"), tr("Noisy (memorized)"), tr("Clean"), tr("Flipped"), tr("Not flipped")});
    connect(m_filter, &QComboBox::currentIndexChanged, this, &ExamplesView::rebuildGrid);
    m_count = new QLabel;
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Show:")));
    top->addWidget(m_filter);
    top->addWidget(m_count, 1);

    m_grid = new QListWidget;
    m_grid->setViewMode(QListView::IconMode);
    m_grid->setIconSize(QSize(kIconSide, kIconSide));
    m_grid->setGridSize(QSize(kIconSide + 64, kIconSide + 58));
    m_grid->setResizeMode(QListView::Adjust);
    m_grid->setMovement(QListView::Static);
    m_grid->setWordWrap(true);
    m_grid->setUniformItemSizes(true);
    connect(m_grid, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* item) {
        if (!item) return;
        const qint64 id = item->data(Qt::UserRole).toLongLong();
        if (id == m_selected) return;
        m_selected = id;
        showPath(id);
        Q_EMIT exampleSelected(id);
    });

    m_pathTitle = new QLabel(tr("Select an example to see its flip path."));
    m_pathTitle->setWordWrap(true);
    m_path = new QTableWidget(0, 3);
    m_path->setHorizontalHeaderLabels({tr("layer group"), tr("channel"), tr("prediction after")});
    m_path->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_path->verticalHeader()->setVisible(true);
    m_path->setEditTriggers(QAbstractItemView::NoEditTriggers);

    m_histogram = new PlotWidget(QStringLiteral("examples_units_to_flip"), tr("Units zeroed to flip an example"));
    QCustomPlot* h = m_histogram->plot();
    auto* group = new QCPBarsGroup(h);
    const std::pair<const char*, QRgb> series[] = {{QT_TR_NOOP("noisy (memorized)"), 0xd62728}, {QT_TR_NOOP("clean"), 0x1f77b4}};
    for (const auto& [name, colour] : series) {
        auto* bars = new QCPBars(h->xAxis, h->yAxis);
        bars->setName(tr(name));
        bars->setPen(Qt::NoPen);
        bars->setBrush(QColor(colour));
        bars->setWidth(0.4);
        bars->setBarsGroup(group);
    }
    h->xAxis->setTicker(integerTicker());
    h->xAxis->grid()->setVisible(false);
    h->yAxis->setLabel(tr("examples"));
    m_histogram->showLegendBelow(2);
    m_histogram->setCsvSource([this] { return histogramTable(); });
    m_histogram->setMinimumHeight(200);

    auto* side = new QWidget;
    auto* sideLayout = new QVBoxLayout(side);
    sideLayout->setContentsMargins(0, 0, 0, 0);
    sideLayout->addWidget(m_pathTitle);
    sideLayout->addWidget(m_path, 1);
    sideLayout->addWidget(m_histogram, 1);

    auto* splitter = new QSplitter(Qt::Horizontal);
    splitter->addWidget(m_grid);
    splitter->addWidget(side);
    splitter->setChildrenCollapsible(false);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    auto* content = new QWidget;
    auto* layout = new QVBoxLayout(content);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top);
    layout->addWidget(splitter, 1);
    setContent(content, tr("Run flipping (30 noisy, 30 clean)"));
    setRun(nullptr);
}

ExamplesView::~ExamplesView() {
    if (!m_loader) return;
    m_loader->wait();  // application exit: the loader ends after its read (its answer is dropped)
    delete m_loader;
}

QList<PlotWidget*> ExamplesView::plots() const { return {m_histogram}; }

AnalysisKind ExamplesView::analysisKind() const { return AnalysisKind::Flipping; }

ExamplesView::Filter ExamplesView::filter() const { return static_cast<Filter>(qMax(0, m_filter->currentIndex())); }

void ExamplesView::setFilter(Filter filter) { m_filter->setCurrentIndex(filter); }

int ExamplesView::visibleCount() const { return m_grid->count(); }

void ExamplesView::setRun(const RunSnapshotPtr& snapshot) {
    const bool sameFlipping = run() && snapshot && run()->flipping == snapshot->flipping &&
                              run()->summary.path == snapshot->summary.path;
    setCurrentRun(snapshot);
    if (!snapshot) {
        showPlaceholder(tr("No run open."), false);
    } else if (!snapshot->flipping) {
        showPlaceholder(snapshot->summary.epochsCompleted < 1
                            ? tr("Examples need a trained run (no completed epoch yet).")
                            : tr("This run has no flipping analysis yet. It zeroes, one at a time, the units that most "
                                 "help an example's prediction until the prediction changes: memorized examples "
                                 "flip after a few units (PAPER.md section 4)."),
                        snapshot->summary.epochsCompleted >= 1);
    } else {
        showContent();
    }
    if (sameFlipping) return;
    m_selected = -1;
    m_path->setRowCount(0);
    m_pathTitle->setText(tr("Select an example to see its flip path."));
    if (!snapshot || QString::fromStdString(snapshot->summary.path) != m_imagesFor) m_images.clear();
    rebuildGrid();
    drawHistogram();
    loadImages();
}

QString ExamplesView::labelName(std::int64_t label) const {
    static const char* const kFashion[] = {"T-shirt", "trouser", "pullover", "dress", "coat",
                                           "sandal", "shirt", "sneaker", "bag", "boot"};
    static const char* const kCifar[] = {"airplane", "car", "bird", "cat", "deer",
                                         "dog", "frog", "horse", "ship", "truck"};
    const std::string& dataset = run() ? run()->summary.config.dataset : std::string();
    if (label >= 0 && label < 10 && dataset == "fashion-mnist") return QStringLiteral("%1 %2").arg(label).arg(kFashion[label]);
    if (label >= 0 && label < 10 && dataset == "cifar10") return QStringLiteral("%1 %2").arg(label).arg(kCifar[label]);
    return QString::number(label);
}

void ExamplesView::rebuildGrid() {
    const QSignalBlocker block(m_grid);
    m_grid->clear();
    if (!run() || !run()->flipping) {
        m_count->clear();
        return;
    }
    const core::FlipResult& r = *run()->flipping;
    for (const core::FlipExample& e : r.examples) {
        const Filter f = filter();
        if ((f == Noisy && !e.noisy) || (f == Clean && e.noisy) || (f == Flipped && !e.flipped) ||
            (f == NotFlipped && e.flipped))
            continue;
        const QString units = e.flipped ? tr("%n unit(s)", nullptr, int(e.units.size())) : tr("not flipped");
        auto* item = new QListWidgetItem(tr("#%1 %2\ngiven %3 true %4\npred %5 · %6")
                                             .arg(e.id)
                                             .arg(e.noisy ? tr("noisy") : tr("clean"))
                                             .arg(e.givenLabel)
                                             .arg(e.trueLabel)
                                             .arg(e.originalPrediction)
                                             .arg(units));
        item->setData(Qt::UserRole, QVariant::fromValue<qint64>(e.id));
        item->setToolTip(tr("Training example %1 (%2)\ngiven label: %3\ntrue label: %4\nprediction: %5\n%6")
                             .arg(e.id)
                             .arg(e.noisy ? tr("noisy: label replaced") : tr("clean"))
                             .arg(labelName(e.givenLabel), labelName(e.trueLabel), labelName(e.originalPrediction))
                             .arg(e.flipped ? tr("flipped after zeroing %n unit(s)", nullptr, int(e.units.size()))
                                            : tr("not flipped within %1 units").arg(r.options.maxUnits)));
        if (e.noisy) item->setForeground(QColor(0xb0, 0x1c, 0x1c));
        if (m_images.contains(e.id)) item->setIcon(QIcon(m_images.value(e.id)));
        m_grid->addItem(item);
        if (e.id == m_selected) m_grid->setCurrentItem(item);
    }
    m_count->setText(tr("Showing %1 of the %2 examples the flipping analysis tried; median units to flip: noisy %3, clean %4")
                         .arg(m_grid->count())
                         .arg(r.examples.size())
                         .arg(core::medianUnits(r, true))
                         .arg(core::medianUnits(r, false)));
}

bool ExamplesView::selectExample(qint64 id) {
    for (int i = 0; i < m_grid->count(); ++i)
        if (m_grid->item(i)->data(Qt::UserRole).toLongLong() == id) {
            m_grid->setCurrentRow(i);
            return true;
        }
    return false;
}

void ExamplesView::showPath(qint64 id) {
    m_path->setRowCount(0);
    if (!run() || !run()->flipping) return;
    const core::FlipResult& r = *run()->flipping;
    for (const core::FlipExample& e : r.examples) {
        if (e.id != id) continue;
        m_pathTitle->setText(
            tr("Example %1 (%2): given %3, true %4, predicted %5. %6 Accuracy after the edit: clean %7, noisy %8, test %9.")
                .arg(e.id)
                .arg(e.noisy ? tr("noisy") : tr("clean"))
                .arg(labelName(e.givenLabel), labelName(e.trueLabel), labelName(e.originalPrediction))
                .arg(e.flipped ? tr("Flipped after zeroing these %n unit(s) in order.", nullptr, int(e.units.size()))
                               : tr("Not flipped within %1 units.").arg(r.options.maxUnits))
                .arg(percentText(e.accClean), percentText(e.accNoisy), percentText(e.accTest)));
        m_path->setRowCount(int(e.units.size()));
        for (size_t i = 0; i < e.units.size(); ++i) {
            const core::FlipUnit& u = e.units[i];
            const QString group = size_t(u.group) < r.groups.size() ? QString::fromStdString(r.groups[size_t(u.group)])
                                                                     : QString::number(u.group);
            m_path->setItem(int(i), 0, new QTableWidgetItem(group));
            m_path->setItem(int(i), 1, new QTableWidgetItem(QString::number(u.channel)));
            auto* after = new QTableWidgetItem(labelName(u.predictionAfter));
            after->setToolTip(tr("parameter %1, element %2").arg(QString::fromStdString(u.parameter)).arg(u.element));
            m_path->setItem(int(i), 2, after);
        }
    }
}

QStringList ExamplesView::flipPathText() const {
    QStringList lines;
    for (int i = 0; i < m_path->rowCount(); ++i)
        lines << QStringLiteral("%1:%2 -> %3").arg(m_path->item(i, 0)->text(), m_path->item(i, 1)->text(), m_path->item(i, 2)->text());
    return lines;
}

void ExamplesView::loadImages() {
    if (!run() || !run()->flipping || m_loader) return;
    const QString path = QString::fromStdString(run()->summary.path);
    std::vector<std::int64_t> ids;
    for (const core::FlipExample& e : run()->flipping->examples)
        if (!m_images.contains(e.id)) ids.push_back(e.id);
    if (ids.empty()) return;
    m_imagesFor = path;
    // The dataset files are re-read (seconds for Fashion-MNIST): off the GUI thread.
    QPointer<ExamplesView> self(this);
    m_loader = QThread::create([self, path, ids] {
        std::vector<core::ExampleImage> images;
        QString error;
        try {
            images = core::readExampleImages(path.toStdString(), ids);
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
        }
        QMetaObject::invokeMethod(
            qApp,
            [self, path, images = std::move(images), error] {
                if (!self) return;
                self->m_loader->wait();  // its function is returning: at most moments
                delete self->m_loader;
                self->m_loader = nullptr;
                if (path == self->m_imagesFor)
                    for (const core::ExampleImage& image : images) self->m_images.insert(image.id, toPixmap(image));
                self->rebuildGrid();
                Q_EMIT self->imagesLoaded(error);
                self->loadImages();  // the run may have changed meanwhile
            },
            Qt::QueuedConnection);
    });
    m_loader->start();
}

void ExamplesView::drawHistogram() {
    QCustomPlot* h = m_histogram->plot();
    std::map<std::int64_t, int> counts[2];
    std::int64_t top = 1;
    bool anyNotFlipped = false;
    std::int64_t maxUnits = 0;
    if (run() && run()->flipping) {
        const core::FlipResult& r = *run()->flipping;
        maxUnits = r.options.maxUnits;
        for (const core::FlipExample& e : r.examples) {
            const std::int64_t n = unitsNeeded(e, r.options.maxUnits);
            ++counts[e.noisy ? 0 : 1][n];
            top = std::max(top, n);
            anyNotFlipped = anyNotFlipped || !e.flipped;
        }
    }
    h->xAxis->setLabel(anyNotFlipped ? tr("units zeroed (%1: not flipped within %2)").arg(maxUnits + 1).arg(maxUnits)
                                     : tr("units zeroed"));
    double tallest = 1;
    for (int s = 0; s < 2; ++s) {
        QVector<double> keys, values;
        for (const auto& [n, count] : counts[s]) {
            keys << double(n);
            values << double(count);
            tallest = std::max(tallest, double(count));
        }
        static_cast<QCPBars*>(h->plottable(s))->setData(keys, values, true);
    }
    h->xAxis->setRange(-0.5, double(top) + 0.5);
    h->yAxis->setRange(0, tallest * 1.1);
    h->replot();
}

CsvTable ExamplesView::histogramTable() const {
    CsvTable table;
    table.header << QStringLiteral("id") << QStringLiteral("noisy") << QStringLiteral("given_label")
                 << QStringLiteral("true_label") << QStringLiteral("original_prediction") << QStringLiteral("flipped")
                 << QStringLiteral("units_zeroed") << QStringLiteral("unit_path") << QStringLiteral("acc_clean_after")
                 << QStringLiteral("acc_noisy_after") << QStringLiteral("acc_test_after");
    if (!run() || !run()->flipping) return table;
    const core::FlipResult& r = *run()->flipping;
    for (const core::FlipExample& e : r.examples) {
        QStringList path;
        for (const core::FlipUnit& u : e.units)
            path << QStringLiteral("%1:%2>%3").arg(u.group).arg(u.channel).arg(u.predictionAfter);
        table.rows << QStringList{QString::number(e.id), e.noisy ? QStringLiteral("1") : QStringLiteral("0"),
                                  QString::number(e.givenLabel), QString::number(e.trueLabel),
                                  QString::number(e.originalPrediction), e.flipped ? QStringLiteral("1") : QStringLiteral("0"),
                                  QString::number(e.units.size()), path.join(QLatin1Char(' ')),
                                  CsvTable::number(e.accClean), CsvTable::number(e.accNoisy), CsvTable::number(e.accTest)};
    }
    return table;
}

} // namespace memloc::ui
