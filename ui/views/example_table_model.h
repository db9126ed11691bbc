#pragma once
// The training examples of a run as a table (one row per example) and its filter/sort proxy.

#include "views/set_names.h"

#include "memloc/examples.h"
#include "memloc/flipping.h"

#include <QAbstractTableModel>
#include <QCache>
#include <QPixmap>
#include <QSortFilterProxyModel>
#include <QStringList>

#include <cstdint>
#include <memory>
#include <vector>

namespace memloc::ui {

/// Every training example of a run: id (with a thumbnail), given and true label, the final
/// model's prediction, loss and margin against the given label, in the studied set (the noisy
/// examples, or a focus set) / fitted (memorized), label replaced, and what the
/// flipping analysis found (blank for examples it did not try). Rows come from the whole training
/// set once it is loaded (setExamples) and, before that or without the dataset files, from the
/// examples the flipping analysis tried (their statistics other than the prediction blank).
/// Thumbnails are drawn on demand from the raw pixels and cached (a few hundred at a time).
class ExampleTableModel : public QAbstractTableModel {
    Q_OBJECT

public:
    /// InSet: in the studied set; Replaced: the label was replaced by label noise (the same as InSet
    /// without a focus file); Memorized: in the set and predicted as its given label.
    enum Column { Id, Given, True, Prediction, Loss, Margin, InSet, Replaced, Memorized, UnitsToFlip, Flipped, ColumnCount };
    enum Role {
        SortRole = Qt::UserRole,  ///< the cell's value for sorting (double; invalid QVariant = blank)
        IdRole,                   ///< the row's training id (qint64)
    };
    static constexpr int kThumbnailSide = 32;

    explicit ExampleTableModel(QObject* parent = nullptr);

    /// Starts over for a run: its class names, flipping analysis (may be null) and the names of its
    /// studied set; rows are the flipping analysis' examples until setExamples.
    void setRun(const QStringList& classNames, std::shared_ptr<const core::FlipResult> flipping,
                const SetNames& names = SetNames());
    const SetNames& setNames() const { return m_names; }
    /// The whole training set (null: back to the flipping analysis' examples).
    void setExamples(std::shared_ptr<const core::TrainingExamples> examples);
    bool hasTrainingSet() const { return m_examples != nullptr; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    /// One example as the table knows it.
    struct Row {
        core::ExampleStat stat;
        bool hasStats = false;  ///< loss and margin known (the training set was evaluated)
        int flip = -1;          ///< index into the flipping analysis' examples; -1: not tried
    };
    const Row& row(int r) const { return m_rows[size_t(r)]; }
    /// The row of training example `id`, or -1 when it is not listed.
    int rowOf(qint64 id) const;
    /// The flipping analysis' record of a row (null if it was not tried).
    const core::FlipExample* flipOf(const Row& row) const;
    const core::FlipResult* flipping() const { return m_flipping.get(); }
    QString className(std::int64_t label) const;
    /// The image of training example `id` at `side` pixels (null when the pixels are not loaded).
    QPixmap image(qint64 id, int side) const;

private:
    QString text(const Row& row, int column) const;
    QVariant sortValue(const Row& row, int column) const;
    QString toolTip(const Row& row) const;

    QStringList m_classNames;
    SetNames m_names;
    std::shared_ptr<const core::FlipResult> m_flipping;
    std::shared_ptr<const core::TrainingExamples> m_examples;
    std::vector<Row> m_rows;
    std::vector<int> m_rowOfId;  ///< by training id, -1: not listed
    mutable QCache<qint64, QPixmap> m_thumbnails;
};

/// Filters the example table (Noisy / Clean: in the studied set or not; Memorized: in it and
/// predicted as given; tried by flipping, ...) and sorts it by the
/// numeric value of a column, blanks last in either order.
class ExampleFilterProxy : public QSortFilterProxyModel {
    Q_OBJECT

public:
    enum Filter { All, Noisy, Clean, Memorized, NoisyNotMemorized, Tried, Flipped, NotFlipped };

    explicit ExampleFilterProxy(QObject* parent = nullptr);
    Filter filter() const { return m_filter; }
    void setFilter(Filter filter);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    Filter m_filter = All;
};

} // namespace memloc::ui
