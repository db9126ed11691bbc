#pragma once
// The memloc main window: wires the run browser, the views, the job panel and the menus.

#include "plots/report_writer.h"

#include "memloc/import.h"
#include "memloc/run_config.h"

#include <QMainWindow>

#include <vector>

class QLabel;
class QMenu;
class QStackedWidget;
class QTabWidget;

namespace memloc::ui {

class Job;
class JobListModel;
class HelpWindow;
class JobPanelWidget;
class OpenRunsModel;
class RecentFilesModel;
class RunBrowserWidget;
class RunDocument;
class RunView;
class TrainingJob;

/// Owns the models (open runs, jobs, recent files) and the widgets that show them; holds no
/// logic of its own beyond connecting them.
class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(QWidget* parent = nullptr);
    /// Cancels every job and waits for the engine threads (cancel -> quit -> wait).
    ~MainWindow() override;

    /// Opens a run file; on a bad file shows the core's message in a message box and returns false.
    /// An experiment folder opens in a Compare window; a checkpoint file or folder made elsewhere
    /// opens the import dialog instead.
    bool openRun(const QString& path);
    /// Imports checkpoints as a background job; the run opens when it is written.
    Job* startImport(const core::ImportOptions& options);
    /// Starts training `config` into `path` as a background job; the run opens once its file exists.
    TrainingJob* startTraining(const core::RunConfig& config, const QString& path, bool overwrite);
    /// Takes ownership of `job` (e.g. an analysis a view asked for), starts it in the job panel
    /// and, when an analysis finishes, re-reads its run so the views refresh.
    void startJob(memloc::ui::Job* job);
    /// Shows the view with this id ("training", "gradients", "rewinding", ...); false if unknown.
    bool showView(const QString& id);
    /// Writes every figure of the current run into `folder`, and every open comparison's into a
    /// subfolder "compare-<name>" (File > Export Report).
    ReportResult exportReport(const QString& folder);

    OpenRunsModel* runs() const { return m_runs; }
    JobListModel* jobs() const { return m_jobs; }
    JobPanelWidget* jobPanel() const { return m_jobPanel; }
    RunBrowserWidget* runBrowser() const { return m_browser; }
    const std::vector<RunView*>& views() const { return m_views; }
    QTabWidget* viewTabs() const { return m_tabs; }
    /// The user guide's window once Help opened it (null before).
    HelpWindow* helpWindow() const { return m_help; }

public Q_SLOTS:
    void openFileDialog();
    void newTrainingRun();
    /// File > Import Checkpoints (`source` pre-fills the dialog).
    void importDialog(const QString& source = QString());
    /// File > Export Checkpoint: a stored checkpoint of the current run to .pt or .safetensors.
    void exportCheckpointDialog();
    void exportReportDialog();
    /// File > Open Experiment: a sweep's folder in a Compare window.
    void openExperimentDialog();
    /// File > Compare Open Runs: the runs selected in the Runs panel (when several are) or every
    /// open run, in a Compare window.
    void compareOpenRuns();
    void closeCurrentRun();
    /// Opens the user guide at `page` ("index.html", "analyses.html", ...) and `anchor`.
    void showGuide(const QString& page, const QString& anchor = QString());

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createViews();
    void createDocks();
    void createMenus();
    void createStatusBar();
    void rebuildRecentMenu();
    void setCurrentRun(RunDocument* run);
    void updateRunState();
    void showError(const QString& title, const QString& message);
    void restoreSettings();
    void saveSettings() const;

    OpenRunsModel* m_runs;
    JobListModel* m_jobs;
    RecentFilesModel* m_recent;
    RunBrowserWidget* m_browser = nullptr;
    JobPanelWidget* m_jobPanel = nullptr;
    QStackedWidget* m_central = nullptr;
    QTabWidget* m_tabs = nullptr;
    std::vector<RunView*> m_views;
    QMenu* m_recentMenu = nullptr;
    QMenu* m_viewMenu = nullptr;
    QLabel* m_runState = nullptr;
    QLabel* m_device = nullptr;
    QLabel* m_jobCount = nullptr;
    RunDocument* m_current = nullptr;
    HelpWindow* m_help = nullptr;
};

} // namespace memloc::ui
