#include "main/main_window.h"

#include "compare/compare_window.h"
#include "jobs/analysis_job.h"
#include "jobs/job_list_model.h"
#include "jobs/job_panel_widget.h"
#include "jobs/training_job.h"
#include "dialogs/import_dialog.h"
#include "dialogs/new_run_dialog.h"
#include "main/checkpoint_export.h"
#include "main/help_window.h"
#include "main/recent_files_model.h"
#include "main/reproduce_action.h"
#include "main/resources.h"
#include "main/run_browser_widget.h"
#include "main/welcome_widget.h"
#include "runs/open_runs_model.h"
#include "runs/run_document.h"
#include "views/examples_view.h"
#include "views/neurons_view.h"
#include "views/run_view.h"
#include "views/view_registry.h"

#include "memloc/error.h"
#include "memloc/version.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QScreen>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QThread>
#include <QVBoxLayout>

#include <exception>

namespace memloc::ui {

namespace {
QString deviceText() {
    const QString cpu = MainWindow::tr("CPU, %1 threads").arg(QThread::idealThreadCount());
    const core::BuildInfo build = core::buildInfo();
    if (build.gpus.empty()) return MainWindow::tr("Device: %1").arg(cpu);
    // The GPU's name without its memory and architecture, which the tooltip has.
    QString gpu = QString::fromStdString(build.gpus.front());
    gpu = gpu.left(gpu.indexOf(QLatin1String(" (")));
    return MainWindow::tr("Device: %1 (cuda:0%2) and %3")
        .arg(gpu, build.gpus.size() > 1 ? MainWindow::tr(" of %1 GPUs").arg(build.gpus.size()) : QString(), cpu);
}
} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent),
      m_runs(new OpenRunsModel(this)),
      m_jobs(new JobListModel(this)),
      m_recent(new RecentFilesModel(this)) {
    initResources();
    setObjectName(QStringLiteral("MainWindow"));
    setWindowTitle(QStringLiteral("memloc"));
    setWindowIcon(QIcon(QStringLiteral(":/memloc/icons/memloc.svg")));
    setAcceptDrops(true);
    setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks);

    createViews();
    createDocks();
    createMenus();
    createStatusBar();
    restoreSettings();

    connect(m_runs, &OpenRunsModel::currentChanged, this, &MainWindow::setCurrentRun);
    connect(m_recent, &RecentFilesModel::changed, this, &MainWindow::rebuildRecentMenu);
    connect(m_jobs, &JobListModel::activeCountChanged, this, [this](int active) {
        m_jobCount->setText(active > 0 ? tr("%n job(s) running", nullptr, active) : QString());
    });
    setCurrentRun(nullptr);
}

MainWindow::~MainWindow() { m_jobs->shutdown(); }

void MainWindow::createViews() {
    m_tabs = new QTabWidget;
    m_tabs->setDocumentMode(true);
    for (const ViewInfo& info : viewInfos()) {
        // Each tab: a one-line note on what the view shows, with a link to its guide section, above the view.
        auto* page = new QWidget;
        page->setObjectName(info.id);
        auto* note = new QLabel(viewNoteHtml(info, SetNames()));
        note->setObjectName(QStringLiteral("viewNote"));
        note->setWordWrap(true);
        note->setTextFormat(Qt::RichText);
        note->setContentsMargins(8, 4, 8, 0);
        note->setToolTip(tr("Opens the user guide's section on this view"));
        connect(note, &QLabel::linkActivated, this,
                [this](const QString& anchor) { showGuide(QStringLiteral("analyses.html"), anchor); });
        RunView* view = info.create(page);
        view->setObjectName(info.id);
        auto* pageLayout = new QVBoxLayout(page);
        pageLayout->setContentsMargins(0, 0, 0, 0);
        pageLayout->setSpacing(0);
        pageLayout->addWidget(note);
        pageLayout->addWidget(view, 1);
        m_views.push_back(view);
        m_tabs->addTab(page, info.title);
        connect(view, &RunView::jobRequested, this, &MainWindow::startJob);
    }
    // Selecting an example makes it the Neurons view's selected example.
    for (RunView* from : m_views)
        if (auto* examples = qobject_cast<ExamplesView*>(from))
            for (RunView* to : m_views)
                if (auto* neurons = qobject_cast<NeuronsView*>(to))
                    connect(examples, &ExamplesView::exampleSelected, neurons, &NeuronsView::setSelectedExample);
    auto* welcome = new WelcomeWidget;
    connect(welcome, &WelcomeWidget::openRequested, this, &MainWindow::openFileDialog);
    connect(welcome, &WelcomeWidget::newRunRequested, this, &MainWindow::newTrainingRun);
    m_central = new QStackedWidget;
    m_central->addWidget(welcome);
    m_central->addWidget(m_tabs);
    setCentralWidget(m_central);
}

void MainWindow::createDocks() {
    m_browser = new RunBrowserWidget(m_runs);
    connect(m_browser, &RunBrowserWidget::compareRequested, this,
            [this](const QStringList& runs) { CompareWindow::open(runs, this); });
    auto* browserDock = new QDockWidget(tr("Runs"), this);
    browserDock->setObjectName(QStringLiteral("runsDock"));
    browserDock->setWidget(m_browser);
    addDockWidget(Qt::LeftDockWidgetArea, browserDock);

    m_jobPanel = new JobPanelWidget(m_jobs);
    auto* jobDock = new QDockWidget(tr("Jobs"), this);
    jobDock->setObjectName(QStringLiteral("jobsDock"));
    jobDock->setWidget(m_jobPanel);
    addDockWidget(Qt::BottomDockWidgetArea, jobDock);
}

void MainWindow::createMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open Run..."), this, &MainWindow::openFileDialog);
    open->setShortcut(QKeySequence::Open);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    rebuildRecentMenu();
    QAction* newRun = file->addAction(tr("&New Training Run..."), this, &MainWindow::newTrainingRun);
    newRun->setShortcut(QKeySequence::New);
    QAction* import = file->addAction(tr("&Import Checkpoints..."), this, [this] { importDialog(); });
    import->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_I));
    import->setToolTip(tr("PyTorch state_dicts, checkpoint dicts, safetensors, TorchScript or an epoch folder"));
    file->addAction(tr("Export &Checkpoint..."), this, &MainWindow::exportCheckpointDialog);
    file->addSeparator();
    file->addAction(tr("Open E&xperiment..."), this, &MainWindow::openExperimentDialog)
        ->setToolTip(tr("A sweep's folder (experiment.json and its runs), compared side by side"));
    file->addAction(tr("Co&mpare Open Runs"), this, &MainWindow::compareOpenRuns)
        ->setToolTip(tr("The runs selected in the Runs panel when there are several, else every open run"));
    file->addAction(tr("Re&production Report..."), this, [this] { reproduceInteractively(this); });
    file->addSeparator();
    QAction* report = file->addAction(tr("&Export Report..."), this, &MainWindow::exportReportDialog);
    report->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
    file->addSeparator();
    QAction* close = file->addAction(tr("&Close Run"), this, &MainWindow::closeCurrentRun);
    close->setShortcut(QKeySequence::Close);
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    for (size_t i = 0; i < m_views.size(); ++i) {
        QAction* show = m_viewMenu->addAction(viewInfos()[i].title, this, [this, i] { m_tabs->setCurrentIndex(int(i)); });
        if (i < 9) show->setShortcut(QKeySequence(Qt::ALT | static_cast<Qt::Key>(Qt::Key_1 + int(i))));
    }
    m_viewMenu->addSeparator();
    QAction* next = m_viewMenu->addAction(tr("Next View"), this, [this] {
        m_tabs->setCurrentIndex((m_tabs->currentIndex() + 1) % m_tabs->count());
    });
    next->setShortcut(QKeySequence::NextChild);
    QAction* previous = m_viewMenu->addAction(tr("Previous View"), this, [this] {
        m_tabs->setCurrentIndex((m_tabs->currentIndex() + m_tabs->count() - 1) % m_tabs->count());
    });
    previous->setShortcut(QKeySequence::PreviousChild);
    m_viewMenu->addSeparator();
    for (QDockWidget* dock : findChildren<QDockWidget*>()) m_viewMenu->addAction(dock->toggleViewAction());
    QAction* fullScreen = m_viewMenu->addAction(tr("Full Screen"), this, [this](bool on) {
        on ? showFullScreen() : showNormal();
    });
    fullScreen->setCheckable(true);
    fullScreen->setShortcut(QKeySequence::FullScreen);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    QAction* guide = help->addAction(tr("&User Guide"), this, [this] { showGuide(QStringLiteral("index.html")); });
    guide->setShortcut(QKeySequence::HelpContents);
    QAction* thisView = help->addAction(tr("&What Am I Looking At?"), this, [this] {
        const int tab = m_tabs->currentIndex();
        if (tab >= 0) showGuide(QStringLiteral("analyses.html"), viewInfos()[size_t(tab)].guideAnchor);
    });
    thisView->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_F1));
    help->addAction(tr("&Command Line Reference"), this, [this] { showGuide(QStringLiteral("cli.html")); });
    help->addAction(tr("The &Run File"), this, [this] { showGuide(QStringLiteral("run-file.html")); });
    help->addSeparator();
    help->addAction(tr("&About memloc"), this, [this] {
        QMessageBox::about(this, tr("About memloc"),
                           tr("<b>memloc</b> %1<br>Find where a neural network memorizes, after Maini et al., "
                              "\"Can Neural Network Memorization Be Localized?\" (ICML 2023).<br><br>%2")
                               .arg(QString::fromStdString(core::memlocVersion()),
                                    // The report without its first line ("memloc <version>", already in the title).
                                    QString::fromStdString(core::versionReport())
                                        .section(QLatin1Char('\n'), 1)
                                        .toHtmlEscaped()
                                        .replace(QLatin1Char('\n'), QLatin1String("<br>"))));
    });
}

void MainWindow::createStatusBar() {
    m_runState = new QLabel;
    m_jobCount = new QLabel;
    m_device = new QLabel(deviceText());
    m_device->setToolTip(tr("Where training and analyses run with device \"auto\"; LibTorch uses every core unless "
                            "told otherwise.\n\n%1").arg(QString::fromStdString(core::versionReport())));
    statusBar()->addWidget(m_runState, 1);
    statusBar()->addPermanentWidget(m_jobCount);
    statusBar()->addPermanentWidget(m_device);
}

void MainWindow::rebuildRecentMenu() {
    m_recentMenu->clear();
    for (const QString& path : m_recent->files())
        m_recentMenu->addAction(QFileInfo(path).fileName(), this, [this, path] { openRun(path); })->setToolTip(path);
    m_recentMenu->addSeparator();
    m_recentMenu->addAction(tr("Clear Recent"), m_recent, &RecentFilesModel::clear);
    m_recentMenu->setEnabled(!m_recent->files().isEmpty());
    m_recentMenu->setToolTipsVisible(true);
}

bool MainWindow::openRun(const QString& path) {
    if (QFileInfo(path).isDir() && QFileInfo::exists(QDir(path).filePath(QStringLiteral("experiment.json")))) {
        CompareWindow::open({path}, this);
        m_recent->add(path);
        return true;
    }
    if (isCheckpointSource(path)) {
        importDialog(path);
        return false;
    }
    try {
        m_runs->open(path);
    } catch (const std::exception& e) {
        showError(tr("Cannot open run"), QString::fromStdString(e.what()));
        return false;
    }
    m_recent->add(path);
    return true;
}

TrainingJob* MainWindow::startTraining(const core::RunConfig& config, const QString& path, bool overwrite) {
    auto* job = new TrainingJob(config, path, overwrite);
    connect(job, &TrainingJob::epochSaved, this,
            [this, job, path](const core::EpochMetrics& metrics, const RunSnapshotPtr& snapshot) {
                if (!snapshot) return;
                RunDocument* run = m_runs->find(path);
                if (!run && metrics.epoch != 0) return;  // closed by the user while training
                if (!run) {
                    run = m_runs->track(path, snapshot);
                    m_runs->setCurrent(run);
                    m_recent->add(path);
                } else {
                    run->setSnapshot(snapshot);
                }
                run->setTraining(job->isActive());
            });
    connect(job, &TrainingJob::finished, this, [this, job, path] {
        if (RunDocument* run = m_runs->find(path)) run->setTraining(false);
        if (job->state() == TrainingJob::State::Failed) showError(tr("Training failed"), job->message());
        if (!job->result().device.empty())
            m_device->setText(tr("Device: %1").arg(QString::fromStdString(job->result().device)));
        statusBar()->showMessage(tr("%1: %2").arg(job->title(), job->message()), 10000);
    });
    m_jobs->start(job);
    return job;
}

void MainWindow::startJob(Job* job) {
    auto* analysis = qobject_cast<AnalysisJob*>(job);
    connect(job, &Job::finished, this, [this, job, analysis] {
        if (job->state() == Job::State::Failed) showError(tr("%1 failed").arg(job->title()), job->message());
        statusBar()->showMessage(tr("%1: %2").arg(job->title(), job->message()), 10000);
        if (!analysis || job->state() != Job::State::Finished) return;
        // The analysis is stored: re-read the run so every view shows it.
        if (RunDocument* run = m_runs->find(analysis->runPath())) {
            try {
                run->setSnapshot(readRunSnapshot(analysis->runPath()));
            } catch (const std::exception& e) {
                showError(tr("Cannot re-read run"), QString::fromStdString(e.what()));
            }
        }
    });
    m_jobs->start(job);
}

void MainWindow::showGuide(const QString& page, const QString& anchor) {
    if (!m_help) m_help = new HelpWindow(this);
    m_help->showPage(page, anchor);
    m_help->show();
    m_help->raise();
    m_help->activateWindow();
}

bool MainWindow::showView(const QString& id) {
    for (size_t i = 0; i < m_views.size(); ++i) {
        if (viewInfos()[i].id != id) continue;
        m_tabs->setCurrentIndex(int(i));
        return true;
    }
    return false;
}

ReportResult MainWindow::exportReport(const QString& folder) {
    QList<PlotWidget*> plots;
    if (m_current)
        for (RunView* view : m_views) plots << view->plots();
    ReportResult result = writeReport(plots, folder, ExportSettings::load());
    // Every open comparison, each in a subfolder named after what it compares.
    for (CompareWindow* compare : findChildren<CompareWindow*>()) {
        const QString name = QStringLiteral("compare-%1").arg(QFileInfo(compare->inputs().first()).completeBaseName());
        const ReportResult part = compare->exportReport(QDir(folder).filePath(name));
        result.written << part.written;
        result.errors << part.errors;
    }
    return result;
}

void MainWindow::openFileDialog() {
    const QString start = m_recent->files().isEmpty() ? QString() : QFileInfo(m_recent->files().first()).absolutePath();
    const QStringList paths =
        QFileDialog::getOpenFileNames(this, tr("Open Run"), start,
                                      tr("memloc runs (*.h5);;Checkpoints to import (*.pt *.pth *.ckpt *.bin *.tar "
                                         "*.safetensors);;All files (*)"));
    for (const QString& path : paths) openRun(path);
}

void MainWindow::newTrainingRun() {
    auto* dialog = new NewRunDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        startTraining(dialog->config(), dialog->outputPath(), dialog->overwrite());
    });
    dialog->open();
}

Job* MainWindow::startImport(const core::ImportOptions& options) {
    const QString out = QString::fromStdString(options.out);
    auto work = [options](const core::AnalysisRunOptions& run) {
        core::ImportOptions o = options;
        o.progress = run.progress;
        o.cancel = run.cancel;
        const core::ImportResult r = core::importCheckpoints(o);
        return tr("%n checkpoint(s) imported as %1", nullptr, int(r.epochs.size())).arg(QString::fromStdString(r.architecture));
    };
    auto* job = new AnalysisJob(tr("Import %1").arg(QFileInfo(QString::fromStdString(options.source)).fileName()), out,
                                QStringLiteral("import"), work);
    connect(job, &Job::finished, this, [this, job, out] {
        if (job->state() == Job::State::Finished) openRun(out);
    });
    startJob(job);
    return job;
}

void MainWindow::importDialog(const QString& source) {
    auto* dialog = new ImportDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (!source.isEmpty()) dialog->setSource(source);
    connect(dialog, &QDialog::accepted, this, [this, dialog] { startImport(dialog->options()); });
    dialog->open();
}

void MainWindow::exportCheckpointDialog() {
    if (!m_current) {
        showError(tr("Export Checkpoint"), tr("Open a run first."));
        return;
    }
    QString error;
    const QString status = exportCheckpointInteractively(this, m_current->path(), &error);
    if (!error.isEmpty()) showError(tr("Export Checkpoint"), error);
    if (!status.isEmpty()) statusBar()->showMessage(status, 10000);
}

void MainWindow::openExperimentDialog() {
    const QString start = m_recent->files().isEmpty() ? QString() : QFileInfo(m_recent->files().first()).absolutePath();
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Open Experiment Folder"), start);
    if (!folder.isEmpty()) openRun(folder);
}

void MainWindow::compareOpenRuns() {
    QStringList paths = m_browser->selectedRunPaths();  // several selected: those; else every open run
    if (paths.size() < 2)
        for (const RunDocument* run : m_runs->runs()) paths << run->path();
    if (paths.size() < 2) {
        showError(tr("Compare Open Runs"), tr("Open two runs or more first (or open an experiment folder)."));
        return;
    }
    CompareWindow::open(paths, this);
}

void MainWindow::exportReportDialog() {
    if (!m_current && findChildren<CompareWindow*>().isEmpty()) {
        showError(tr("Export Report"), tr("Open a run or a comparison first."));
        return;
    }
    const QString folder = askReportFolder(this, tr("Export Report into Folder"));
    if (folder.isEmpty()) return;
    const ReportResult result = exportReport(folder);
    if (!result.errors.isEmpty())
        showError(tr("Export Report"), result.errors.join(QLatin1Char('\n')));
    statusBar()->showMessage(tr("Wrote %n file(s) to %1", nullptr, int(result.written.size())).arg(folder), 10000);
}

void MainWindow::closeCurrentRun() {
    if (m_current) m_runs->close(m_current);
}

void MainWindow::setCurrentRun(RunDocument* run) {
    if (m_current) disconnect(m_current, nullptr, this, nullptr);
    m_current = run;
    auto refresh = [this] {
        const RunSnapshotPtr snapshot = m_current ? m_current->snapshot() : nullptr;
        for (RunView* view : m_views) view->setRun(snapshot);
        setViewNotes(m_tabs, snapshot ? SetNames(snapshot->summary.focus) : SetNames());
        updateRunState();
    };
    if (m_current) connect(m_current, &RunDocument::changed, this, refresh);
    m_central->setCurrentIndex(m_current ? 1 : 0);
    setWindowTitle(m_current ? QStringLiteral("%1 - memloc").arg(m_current->displayName()) : QStringLiteral("memloc"));
    refresh();
}

void MainWindow::updateRunState() {
    m_runState->setText(m_current ? QStringLiteral("%1: %2").arg(m_current->displayName(), m_current->stateText())
                                  : tr("No run open"));
}

void MainWindow::showError(const QString& title, const QString& message) {
    // Window-modal but not blocking: the event loop (and any training) keeps running.
    auto* box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (m_jobs->activeCount() > 0) {
        const auto answer = QMessageBox::question(
            this, tr("Quit memloc"),
            tr("%n job(s) still running. Quit and cancel them? Completed epochs stay in the run files.", nullptr,
               m_jobs->activeCount()));
        if (answer != QMessageBox::Yes) {
            event->ignore();
            return;
        }
    }
    saveSettings();
    m_jobs->shutdown();
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (!runFilesIn(event->mimeData()).isEmpty()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    for (const QString& path : runFilesIn(event->mimeData())) openRun(path);
    event->acceptProposedAction();
}

void MainWindow::restoreSettings() {
    QSettings settings;
    if (!restoreGeometry(settings.value(QStringLiteral("mainWindow/geometry")).toByteArray())) {
        const QRect screen = QGuiApplication::primaryScreen() ? QGuiApplication::primaryScreen()->availableGeometry()
                                                              : QRect(0, 0, 1600, 1000);
        resize(qMin(1600, screen.width()), qMin(1000, screen.height()));
    }
    restoreState(settings.value(QStringLiteral("mainWindow/state")).toByteArray());
    showView(settings.value(QStringLiteral("mainWindow/view")).toString());
}

void MainWindow::saveSettings() const {
    QSettings settings;
    settings.setValue(QStringLiteral("mainWindow/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("mainWindow/state"), saveState());
    const int tab = m_tabs->currentIndex();
    if (tab >= 0) settings.setValue(QStringLiteral("mainWindow/view"), viewInfos()[size_t(tab)].id);
}

} // namespace memloc::ui
