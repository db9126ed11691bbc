#pragma once
// Per-neuron memorization scores and live neuron dropping.

#include "views/analysis_view.h"

#include <cstdint>
#include <vector>

class QComboBox;
class QLabel;
class QListWidget;
class QPushButton;
class QSpinBox;
class QCPGraph;

namespace memloc::ui {

class ClassProbabilityPlot;
class HeatmapPlotWidget;
class LiveDropModel;
struct DropOutcome;

/// The (layer group x channel) heatmap of one per-unit score (switch: flip frequency noisy /
/// clean, attribution, ablation noisy / clean): viridis for frequencies, a diverging map centred
/// on zero for signed scores; cells beyond a group's units are blank. The final classifier group
/// (its units are the output classes) is drawn apart in a one-row heatmap with its own colour
/// scale, so class logits neither top the main map nor set its scale. Clicking a cell toggles
/// dropping that unit; the accuracies and the selected example's prediction (over the run's
/// classes, named) update live from the LiveDropModel's engine thread. A list shows the dropped
/// units; Reset restores the model.
class NeuronsView : public AnalysisView {
    Q_OBJECT

public:
    enum Metric { FlipNoisy, FlipClean, Attribution, AblationNoisy, AblationClean };

    explicit NeuronsView(QWidget* parent = nullptr);

    void setRun(const RunSnapshotPtr& run) override;
    QList<PlotWidget*> plots() const override;

    Metric metric() const;
    void setMetric(Metric metric);
    /// The hidden layer groups (every group but the classifier), one row each.
    HeatmapPlotWidget* heatmap() const { return m_heatmap; }
    /// The final classifier group's row (one column per class); hidden when the run has none.
    HeatmapPlotWidget* classifierHeatmap() const { return m_classifier; }
    /// Index of the final classifier group, or -1 when no group's units are the classes.
    int classifierGroup() const;
    ClassProbabilityPlot* probabilityPlot() const { return m_probabilities; }
    LiveDropModel* liveDrop() const { return m_drop; }
    qint64 selectedExample() const;
    /// The live read-out (accuracies and the example's prediction) as shown.
    QString readoutText() const;
    /// Units (group, channel) in the dropped list, as shown.
    QStringList droppedUnitsText() const;

public Q_SLOTS:
    /// Toggles dropping unit `channel` of layer group `group` (as a click on its cell does).
    void toggleUnit(int group, int channel);
    /// Restores every dropped unit.
    void resetUnits();
    /// Makes training example `id` the one whose prediction is shown (-1: none).
    void setSelectedExample(qint64 id);

protected:
    AnalysisKind analysisKind() const override;
    void showEvent(QShowEvent* event) override;

private:
    void redraw();
    void showUnits();
    void showOutcome(const DropOutcome& outcome);
    std::vector<std::int64_t> unitCounts() const;
    QStringList groupNames() const;
    QString cellToolTip(const QPointF& pixel, bool inClassifier) const;
    CsvTable scoreTable() const;
    void drawClassifier(const std::vector<std::vector<double>>& values, bool signedScore);
    QString className(std::int64_t label) const;

    QComboBox* m_metric;
    QSpinBox* m_example;
    QPushButton* m_reset;
    QPushButton* m_runScores;
    QLabel* m_scoreHint;
    HeatmapPlotWidget* m_heatmap;
    QCPGraph* m_droppedMarks;
    HeatmapPlotWidget* m_classifier;
    QCPGraph* m_classifierDropped;
    QStringList m_classNames;
    QLabel* m_readout;
    QListWidget* m_dropped;
    ClassProbabilityPlot* m_probabilities;
    LiveDropModel* m_drop;
    double m_baseClean, m_baseNoisyGiven, m_baseNoisyTrue, m_baseTest;
};

} // namespace memloc::ui
