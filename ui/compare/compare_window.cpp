#include "compare/compare_window.h"

#include "compare/compare_figures.h"
#include "plots/export_settings.h"

#include "memloc/compare.h"

#include <QComboBox>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QStatusBar>
#include <QThread>
#include <QToolBar>

#include <exception>
#include <memory>
#include <string>
#include <vector>

namespace memloc::ui {

namespace {
std::vector<std::string> toStd(const QStringList& list) {
    std::vector<std::string> out;
    for (const QString& s : list) out.push_back(s.toStdString());
    return out;
}

QString titleOf(const QStringList& inputs) {
    if (inputs.size() == 1) return QFileInfo(inputs.first()).fileName();
    return CompareWindow::tr("%n run(s) or experiment(s)", nullptr, int(inputs.size()));
}
} // namespace

CompareWindow::CompareWindow(const QStringList& inputs, QWidget* parent) : QMainWindow(parent), m_inputs(inputs) {
    m_clock.start();
    setObjectName(QStringLiteral("CompareWindow"));
    setWindowFlag(Qt::Window);
    setAttribute(Qt::WA_DeleteOnClose);
    setWindowTitle(tr("Compare %1 - memloc").arg(titleOf(inputs)));
    m_figures = new CompareFigures;
    setCentralWidget(m_figures);

    m_band = new QComboBox;
    m_band->addItem(tr("min-max over the seeds"));
    m_band->addItem(tr("mean +- 1 sd"));
    m_band->setToolTip(tr("What the band around each condition's mean shows"));
    connect(m_band, &QComboBox::currentIndexChanged, this,
            [this](int i) { m_figures->setBandMode(i == 1 ? BandMode::StdDev : BandMode::MinMax); });
    QToolBar* tools = addToolBar(tr("Compare"));
    tools->setObjectName(QStringLiteral("compareTools"));
    tools->setMovable(false);
    tools->addWidget(new QLabel(tr(" Band: ")));
    tools->addWidget(m_band);
    tools->addSeparator();
    tools->addAction(tr("Export Report..."), this, &CompareWindow::exportReportDialog);

    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* report = file->addAction(tr("&Export Report..."), this, &CompareWindow::exportReportDialog);
    report->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
    QAction* close = file->addAction(tr("&Close"), this, &QWidget::close);
    close->setShortcut(QKeySequence::Close);

    m_state = new QLabel;
    statusBar()->addWidget(m_state, 1);
    connect(m_figures, &CompareFigures::pageChanged, this, &CompareWindow::readMissing);
    resize(1500, 950);
    startRead(core::CompareCurves);
}

CompareWindow::~CompareWindow() {
    if (m_reader) {
        m_reader->wait();
        delete m_reader;
    }
}

CompareWindow* CompareWindow::open(const QStringList& inputs, QWidget* parent) {
    auto* window = new CompareWindow(inputs, parent);
    window->show();
    return window;
}

ComparisonPtr CompareWindow::comparison() const { return m_figures->comparison(); }

void CompareWindow::readMissing() {
    const ComparisonPtr current = comparison();
    if (!current || current->conditions.empty() || !m_error.isEmpty()) return;
    const unsigned parts = CompareFigures::partsOf(m_figures->currentPage());
    if ((current->conditions.front().loaded & parts) != parts) startRead(parts);
}

void CompareWindow::startRead(unsigned parts) {
    if (m_reader) return;  // readMissing runs again when it finishes
    m_state->setText(tr("Reading %1...").arg(titleOf(m_inputs)));
    const std::vector<std::string> inputs = toStd(m_inputs);
    const ComparisonPtr before = comparison();
    CompareWindow* window = this;  // alive while the thread runs: the destructor waits for it
    m_reader = QThread::create([window, inputs, before, parts] {
        ComparisonPtr result;
        QString error;
        QElapsedTimer clock;
        clock.start();
        try {
            if (before) {
                auto copy = std::make_shared<core::Comparison>(*before);
                core::loadCompareParts(*copy, parts);
                result = copy;
            } else {
                result = std::make_shared<const core::Comparison>(core::compareRuns(inputs, parts));
            }
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
        }
        const qint64 ms = clock.elapsed();
        QMetaObject::invokeMethod(
            window,
            [window, result, error, ms] {
                window->m_reader->wait();  // its function is returning: at most moments
                delete window->m_reader;
                window->m_reader = nullptr;
                window->m_error = error;
                if (!error.isEmpty()) {
                    window->m_state->setText(tr("Cannot compare: %1").arg(error));
                    auto* box = new QMessageBox(QMessageBox::Warning, tr("Cannot compare"), error, QMessageBox::Ok, window);
                    box->setAttribute(Qt::WA_DeleteOnClose);
                    box->open();
                } else {
                    window->m_figures->setComparison(result);
                    if (window->m_firstShownMs < 0) window->m_firstShownMs = window->m_clock.elapsed();
                    std::size_t runs = 0;
                    for (const core::Condition& c : result->conditions) runs += c.runs.size();
                    window->m_state->setText(tr("%n run(s) read; the last read took %1 ms (figures on screen %2 ms "
                                                "after opening). Each tab reads only what it shows.",
                                                nullptr, int(runs))
                                                 .arg(ms)
                                                 .arg(window->m_firstShownMs));
                }
                Q_EMIT window->readFinished();
                window->readMissing();  // the page may have changed meanwhile
            },
            Qt::QueuedConnection);
    });
    m_reader->start();
}

ReportResult CompareWindow::exportReport(const QString& folder) {
    ComparisonPtr current = comparison();
    if (m_reader || !current) {
        ReportResult result;
        result.errors << tr("the comparison of %1 is still being read").arg(titleOf(m_inputs));
        return result;
    }
    if (!current->conditions.empty() && (current->conditions.front().loaded & core::CompareAll) != core::CompareAll) {
        auto copy = std::make_shared<core::Comparison>(*current);
        try {
            core::loadCompareParts(*copy, core::CompareAll);
        } catch (const std::exception& e) {
            ReportResult result;
            result.errors << QString::fromStdString(e.what());
            return result;
        }
        m_figures->setComparison(copy);
    }
    return writeReport(m_figures->plots(), folder, ExportSettings::load());
}

void CompareWindow::exportReportDialog() {
    const QString folder = askReportFolder(this, tr("Export Comparison into Folder"));
    if (folder.isEmpty()) return;
    const ReportResult result = exportReport(folder);
    if (!result.errors.isEmpty())
        QMessageBox::warning(this, tr("Export Report"), result.errors.join(QLatin1Char('\n')));
    statusBar()->showMessage(tr("Wrote %n file(s) to %1", nullptr, int(result.written.size())).arg(folder), 10000);
}

} // namespace memloc::ui
