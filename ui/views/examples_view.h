#pragma once
// Every training example of a run: labels, how the final model sees it, and its flip path.

#include "views/analysis_view.h"

#include "memloc/examples.h"

#include <QString>

#include <cstdint>
#include <memory>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;
class QTableWidget;
class QThread;

namespace memloc::core {
class CancelToken;
}

namespace memloc::ui {

class ExampleTableModel;
class ExampleFilterProxy;
class UnitsToFlipPlot;

/// A sortable, filterable table of every training example of the run (any run with a completed
/// epoch): thumbnail and id, given / true label and the final model's prediction (class names),
/// loss and margin against the given label, noisy / memorized, and what the flipping analysis
/// found (units zeroed to flip it; blank for the examples it did not try, or without one).
/// Selecting an example shows its image, labels and flip path and announces it (exampleSelected)
/// so the Neurons view predicts it live. The images and the final model's statistics come from a
/// loader thread (the dataset is re-read and the training set evaluated) when the view is first
/// shown; meanwhile the table lists the examples the flipping analysis tried.
class ExamplesView : public AnalysisView {
    Q_OBJECT

public:
    enum Filter { All, Noisy, Clean, Memorized, NoisyNotMemorized, Tried, Flipped, NotFlipped };

    explicit ExamplesView(QWidget* parent = nullptr);
    ~ExamplesView() override;

    void setRun(const RunSnapshotPtr& run) override;
    QList<PlotWidget*> plots() const override;

    Filter filter() const;
    void setFilter(Filter filter);
    /// Rows the table shows with the current filter.
    int visibleCount() const;
    /// Selects training example `id` (as a click does; switches the filter to All when it hides
    /// the example); false if it is not listed.
    bool selectExample(qint64 id);
    qint64 selectedExample() const { return m_selected; }
    /// The flip path of the selected example, one line per zeroed unit.
    QStringList flipPathText() const;
    /// Training examples whose images and statistics the loader thread delivered (0 until then).
    int loadedImages() const;
    bool isLoading() const { return m_loader != nullptr; }
    /// The table (for tests and screenshots): its model is the filter proxy over ExampleTableModel.
    QTableView* table() const { return m_table; }
    ExampleTableModel* tableModel() const { return m_model; }
    /// The selected example's description (labels with class names), as shown.
    QString detailText() const;

Q_SIGNALS:
    void exampleSelected(qint64 id);
    /// The loader thread delivered the training set of the current run (or failed: error non-empty).
    void imagesLoaded(const QString& error);

protected:
    AnalysisKind analysisKind() const override;
    void showEvent(QShowEvent* event) override;

private:
    void showDetails(qint64 id);
    void updateCount();
    void fitColumns(const QStringList& classNames);
    void loadExamples();
    void findId();
    QString labelName(std::int64_t label) const;
    /// "noisy, memorized", "clean", "atypical, fitted", "other, label replaced", ...
    QString kindText(const core::ExampleStat& s) const;
    /// The filter menu's entries, in Filter order.
    static QStringList filterNames(const SetNames& names);

    QComboBox* m_filter;
    QLineEdit* m_find;
    QLabel* m_count;
    QWidget* m_hintRow;
    QLabel* m_hint;
    QPushButton* m_runFlipping;
    QLabel* m_status;
    QTableView* m_table;
    ExampleTableModel* m_model;
    ExampleFilterProxy* m_proxy;
    QLabel* m_image;
    QLabel* m_details;
    QLabel* m_pathTitle;
    QTableWidget* m_path;
    UnitsToFlipPlot* m_histogram;
    QString m_loadedKey;   ///< "path@epochs" whose training set the model holds (or is loading)
    QThread* m_loader = nullptr;
    std::shared_ptr<core::CancelToken> m_cancel;  ///< the running loader's
    std::shared_ptr<const core::TrainingExamples> m_examples;  ///< the loaded training set of m_loadedKey
    qint64 m_selected = -1;
};

} // namespace memloc::ui
