#pragma once
// The left dock: open runs with their state, data, config, epochs, layer groups and analyses.

#include <QHash>
#include <QStringList>
#include <QWidget>

class QTreeWidget;
class QTreeWidgetItem;

namespace memloc::ui {

class OpenRunsModel;
class RunDocument;

/// A tree with one top-level item per open run. Selecting anything under a run makes it the
/// current run; the tree follows the model's current run too. Several runs selected can be
/// compared from the context menu.
class RunBrowserWidget : public QWidget {
    Q_OBJECT

public:
    explicit RunBrowserWidget(OpenRunsModel* runs, QWidget* parent = nullptr);

    QSize sizeHint() const override { return {400, 600}; }

    QTreeWidget* tree() const { return m_tree; }
    /// The top-level item of `run` (tests read its children).
    QTreeWidgetItem* itemFor(RunDocument* run) const { return m_items.value(run); }
    /// The run files of every run with a selected item (Ctrl/Shift+click selects several).
    QStringList selectedRunPaths() const;

Q_SIGNALS:
    /// The context menu's Compare Selected Runs.
    void compareRequested(const QStringList& runPaths);

private:
    void addRun(RunDocument* run);
    void removeRun(RunDocument* run);
    void refresh(RunDocument* run);
    void followCurrent(RunDocument* run);
    void selectionChanged();
    void showContextMenu(const QPoint& pos);

    OpenRunsModel* m_runs;
    QTreeWidget* m_tree;
    QHash<RunDocument*, QTreeWidgetItem*> m_items;
};

} // namespace memloc::ui
