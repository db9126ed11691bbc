#pragma once
// Training examples of a run's flipping analysis (PAPER.md section 4): images, labels, flip paths.

#include "views/analysis_view.h"

#include "memloc/examples.h"

#include <QHash>
#include <QPixmap>

#include <cstdint>

class QComboBox;
class QLabel;
class QListWidget;
class QTableWidget;
class QThread;

namespace memloc::ui {

/// A grid of the training examples the flipping analysis tried to flip, filterable by noisy /
/// clean / flipped, each with its image, given and true label, prediction and the number of
/// units zeroed to flip it. Selecting one shows its flip path (units in order, prediction after
/// each) and announces it (exampleSelected) so the Neurons view predicts it live. Images are read
/// on a loader thread (the dataset files are re-read), so the grid fills in shortly after.
class ExamplesView : public AnalysisView {
    Q_OBJECT

public:
    enum Filter { All, Noisy, Clean, Flipped, NotFlipped };

    explicit ExamplesView(QWidget* parent = nullptr);
    ~ExamplesView() override;

    void setRun(const RunSnapshotPtr& run) override;
    QList<PlotWidget*> plots() const override;

    Filter filter() const;
    void setFilter(Filter filter);
    /// Examples the grid shows with the current filter.
    int visibleCount() const;
    /// Selects the example with training id `id` (as a click does); false if it is not listed.
    bool selectExample(qint64 id);
    qint64 selectedExample() const { return m_selected; }
    /// The flip path of the selected example, one line per zeroed unit.
    QStringList flipPathText() const;
    /// Images received from the loader thread so far.
    int loadedImages() const { return int(m_images.size()); }

Q_SIGNALS:
    void exampleSelected(qint64 id);
    /// The loader thread delivered the images of the current run (or failed: error non-empty).
    void imagesLoaded(const QString& error);

protected:
    AnalysisKind analysisKind() const override;

private:
    void rebuildGrid();
    void showPath(qint64 id);
    void loadImages();
    void drawHistogram();
    QString labelName(std::int64_t label) const;
    CsvTable histogramTable() const;

    QComboBox* m_filter;
    QLabel* m_count;
    QListWidget* m_grid;
    QLabel* m_pathTitle;
    QTableWidget* m_path;
    PlotWidget* m_histogram;
    QHash<qint64, QPixmap> m_images;
    QString m_imagesFor;  ///< run path whose images m_images holds (or are being loaded)
    QThread* m_loader = nullptr;
    qint64 m_selected = -1;
};

} // namespace memloc::ui
