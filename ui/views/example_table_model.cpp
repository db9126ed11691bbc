#include "views/example_table_model.h"

#include <QColor>
#include <QImage>

#include <cstdint>
#include <utility>

namespace memloc::ui {

namespace {
// Thumbnails kept at a time: a screenful many times over, ~2 MB at 32 px.
constexpr int kThumbnailCache = 400;

QImage toImage(const core::TrainingExamples& e, qint64 id) {
    const QImage::Format format = e.channels == 3 ? QImage::Format_RGB888 : QImage::Format_Grayscale8;
    QImage image(e.width, e.height, format);
    const std::uint8_t* pixels = e.image(id);
    const size_t plane = size_t(e.width) * size_t(e.height);
    for (int y = 0; y < e.height; ++y) {
        uchar* line = image.scanLine(y);
        for (int x = 0; x < e.width; ++x) {
            const size_t i = size_t(y) * size_t(e.width) + size_t(x);
            if (e.channels == 3)
                for (int c = 0; c < 3; ++c) line[3 * x + c] = pixels[size_t(c) * plane + i];
            else
                line[x] = pixels[i];
        }
    }
    return image;
}
} // namespace

ExampleTableModel::ExampleTableModel(QObject* parent) : QAbstractTableModel(parent) {
    m_thumbnails.setMaxCost(kThumbnailCache);
}

void ExampleTableModel::setRun(const QStringList& classNames, std::shared_ptr<const core::FlipResult> flipping,
                               const SetNames& names) {
    m_classNames = classNames;
    m_names = names;
    m_flipping = std::move(flipping);
    setExamples(nullptr);
}

void ExampleTableModel::setExamples(std::shared_ptr<const core::TrainingExamples> examples) {
    beginResetModel();
    m_examples = std::move(examples);
    m_thumbnails.clear();
    m_rows.clear();
    m_rowOfId.clear();
    std::vector<int> flipOfId;
    if (m_flipping)
        for (size_t i = 0; i < m_flipping->examples.size(); ++i) {
            const std::int64_t id = m_flipping->examples[i].id;
            if (id < 0) continue;
            if (size_t(id) >= flipOfId.size()) flipOfId.resize(size_t(id) + 1, -1);
            flipOfId[size_t(id)] = int(i);
        }
    auto flipIndex = [&flipOfId](std::int64_t id) { return size_t(id) < flipOfId.size() ? flipOfId[size_t(id)] : -1; };
    if (m_examples) {
        m_rows.reserve(m_examples->stats.size());
        for (const core::ExampleStat& s : m_examples->stats) m_rows.push_back(Row{s, true, flipIndex(s.id)});
    } else if (m_flipping) {
        for (size_t i = 0; i < m_flipping->examples.size(); ++i) {
            const core::FlipExample& e = m_flipping->examples[i];
            core::ExampleStat s;
            s.id = e.id;
            s.given = e.givenLabel;
            s.trueLabel = e.trueLabel;
            s.focus = e.noisy;  // the flipping analysis' "noisy" examples are the studied set
            s.noisy = m_names.labelNoise() && e.noisy;  // with a focus set not recorded: shown as not replaced
            s.prediction = e.originalPrediction;  // the final model's, as here
            m_rows.push_back(Row{s, false, int(i)});
        }
    }
    for (size_t r = 0; r < m_rows.size(); ++r) {
        const std::int64_t id = m_rows[r].stat.id;
        if (id < 0) continue;
        if (size_t(id) >= m_rowOfId.size()) m_rowOfId.resize(size_t(id) + 1, -1);
        m_rowOfId[size_t(id)] = int(r);
    }
    endResetModel();
}

int ExampleTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_rows.size()); }

int ExampleTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

int ExampleTableModel::rowOf(qint64 id) const {
    return id >= 0 && size_t(id) < m_rowOfId.size() ? m_rowOfId[size_t(id)] : -1;
}

const core::FlipExample* ExampleTableModel::flipOf(const Row& row) const {
    return m_flipping && row.flip >= 0 ? &m_flipping->examples[size_t(row.flip)] : nullptr;
}

QString ExampleTableModel::className(std::int64_t label) const {
    return label >= 0 && label < m_classNames.size() ? m_classNames[int(label)] : QString::number(label);
}

QPixmap ExampleTableModel::image(qint64 id, int side) const {
    if (!m_examples || id < 0 || size_t(id) >= m_examples->stats.size()) return {};
    if (side == kThumbnailSide)
        if (const QPixmap* cached = m_thumbnails.object(id)) return *cached;
    const QPixmap pixmap = QPixmap::fromImage(toImage(*m_examples, id).scaled(side, side, Qt::KeepAspectRatio, Qt::FastTransformation));
    if (side == kThumbnailSide) m_thumbnails.insert(id, new QPixmap(pixmap));
    return pixmap;
}

QString ExampleTableModel::text(const Row& row, int column) const {
    const core::ExampleStat& s = row.stat;
    const core::FlipExample* flip = flipOf(row);
    switch (column) {
    case Id: return QString::number(s.id);
    case Given: return className(s.given);
    case True: return className(s.trueLabel);
    case Prediction: return className(s.prediction);
    case Loss: return row.hasStats ? QString::number(s.loss, 'f', 3) : QString();
    case Margin: return row.hasStats ? QString::number(s.margin, 'f', 2) : QString();
    case InSet: return m_names.labelNoise() ? (s.focus ? tr("noisy") : tr("clean")) : (s.focus ? m_names.set() : m_names.rest());
    case Replaced: return s.noisy ? tr("yes") : QString();
    case Memorized: return s.focus ? (s.memorized() ? tr("yes") : tr("no")) : QString();
    case UnitsToFlip:
        if (!flip) return {};
        return flip->flipped ? QString::number(flip->units.size()) : tr("> %1").arg(m_flipping->options.maxUnits);
    case Flipped: return flip ? (flip->flipped ? tr("yes") : tr("no")) : QString();
    default: return {};
    }
}

QVariant ExampleTableModel::sortValue(const Row& row, int column) const {
    const core::ExampleStat& s = row.stat;
    const core::FlipExample* flip = flipOf(row);
    switch (column) {
    case Id: return double(s.id);
    case Given: return double(s.given);
    case True: return double(s.trueLabel);
    case Prediction: return double(s.prediction);
    case Loss: return row.hasStats ? QVariant(s.loss) : QVariant();
    case Margin: return row.hasStats ? QVariant(s.margin) : QVariant();
    case InSet: return s.focus ? 1.0 : 0.0;
    case Replaced: return s.noisy ? 1.0 : 0.0;
    case Memorized: return s.focus ? QVariant(s.memorized() ? 1.0 : 0.0) : QVariant();
    case UnitsToFlip:
        if (!flip) return {};
        return double(flip->flipped ? std::int64_t(flip->units.size()) : m_flipping->options.maxUnits + 1);
    case Flipped: return flip ? QVariant(flip->flipped ? 1.0 : 0.0) : QVariant();
    default: return {};
    }
}

QString ExampleTableModel::toolTip(const Row& row) const {
    const core::ExampleStat& s = row.stat;
    const QString kind =
        m_names.labelNoise()
            ? (s.noisy ? (s.memorized() ? tr("noisy, memorized") : tr("noisy: label replaced")) : tr("clean"))
            : (s.focus ? (s.memorized() ? tr("%1, fitted").arg(m_names.set()) : m_names.set()) : m_names.rest()) +
                  (s.noisy ? tr(", label replaced") : QString());
    QString text = tr("Training example %1 (%2)\ngiven label: %3\ntrue label: %4\nprediction: %5")
                       .arg(s.id)
                       .arg(kind)
                       .arg(className(s.given), className(s.trueLabel), className(s.prediction));
    if (row.hasStats) text += tr("\nloss %1, margin %2").arg(s.loss, 0, 'f', 3).arg(s.margin, 0, 'f', 2);
    if (const core::FlipExample* flip = flipOf(row))
        text += flip->flipped ? tr("\nflipped after zeroing %n unit(s)", nullptr, int(flip->units.size()))
                              : tr("\nnot flipped within %1 units").arg(m_flipping->options.maxUnits);
    return text;
}

QVariant ExampleTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= int(m_rows.size())) return {};
    const Row& row = m_rows[size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole: return text(row, index.column());
    case Qt::DecorationRole:
        if (index.column() == Id && m_examples) return image(row.stat.id, kThumbnailSide);
        return {};
    case Qt::ToolTipRole: return toolTip(row);
    case Qt::ForegroundRole:
        if (row.stat.focus) return QColor(0xb0, 0x1c, 0x1c);
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == Loss || index.column() == Margin || index.column() == UnitsToFlip)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case SortRole: return sortValue(row, index.column());
    case IdRole: return QVariant::fromValue<qint64>(row.stat.id);
    default: return {};
    }
}

QVariant ExampleTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case Id: return tr("id");
        case Given: return tr("given label");
        case True: return tr("true label");
        case Prediction: return tr("prediction");
        case Loss: return tr("loss");
        case Margin: return tr("margin");
        case InSet: return m_names.pick(tr("noisy"), QStringLiteral("%1"));
        case Replaced: return tr("label replaced");
        case Memorized: return m_names.pick(tr("memorized"), tr("fitted"));
        case UnitsToFlip: return tr("units to flip");
        case Flipped: return tr("flipped");
        default: return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case Id: return tr("Index into the run's training set");
        case Given:
            return m_names.pick(tr("The label the model was trained on (replaced for noisy examples)"),
                                tr("The label the model was trained on (replaced for mislabeled examples)"));
        case True: return tr("The dataset's label");
        case Prediction: return tr("The final model's prediction");
        case Loss: return tr("Cross-entropy of the final model against the given label");
        case Margin:
            return tr("Given-label logit minus the largest other logit (final model): positive when the example "
                      "is predicted as its given label, larger when more confidently");
        case InSet:
            return m_names.pick(tr("Noisy: the given label was replaced by label noise"),
                                tr("%1: in the run's studied set (its focus file); %2: the rest"));
        case Replaced: return tr("The given label was replaced by label noise");
        case Memorized:
            return m_names.pick(tr("A noisy example the final model predicts as its given (wrong) label"),
                                tr("A %1 example the final model predicts as its given label"));
        case UnitsToFlip:
            return tr("Units the flipping analysis zeroed until the prediction changed; blank when it did not try "
                      "the example");
        case Flipped: return tr("Whether the flipping analysis changed the prediction within its unit budget");
        default: return {};
        }
    }
    return {};
}

ExampleFilterProxy::ExampleFilterProxy(QObject* parent) : QSortFilterProxyModel(parent) {
    setSortRole(ExampleTableModel::SortRole);
}

void ExampleFilterProxy::setFilter(Filter filter) {
    if (filter == m_filter) return;
    m_filter = filter;
    invalidateFilter();
}

bool ExampleFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex&) const {
    const auto* model = static_cast<const ExampleTableModel*>(sourceModel());
    const ExampleTableModel::Row& row = model->row(sourceRow);
    const core::FlipExample* flip = model->flipOf(row);
    switch (m_filter) {
    case All: return true;
    case Noisy: return row.stat.focus;
    case Clean: return !row.stat.focus;
    case Memorized: return row.stat.memorized();
    case NoisyNotMemorized: return row.stat.focus && !row.stat.memorized();
    case Tried: return flip != nullptr;
    case Flipped: return flip && flip->flipped;
    case NotFlipped: return flip && !flip->flipped;
    }
    return true;
}

bool ExampleFilterProxy::lessThan(const QModelIndex& left, const QModelIndex& right) const {
    const QVariant a = left.data(sortRole()), b = right.data(sortRole());
    // Blanks last whichever way the column is sorted (the view reverses for descending order).
    if (!a.isValid() || !b.isValid()) return a.isValid() == (sortOrder() == Qt::AscendingOrder) && a.isValid() != b.isValid();
    const double x = a.toDouble(), y = b.toDouble();
    if (x != y) return x < y;
    return left.data(ExampleTableModel::IdRole).toLongLong() < right.data(ExampleTableModel::IdRole).toLongLong();
}

} // namespace memloc::ui
