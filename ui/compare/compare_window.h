#pragma once
// The Compare window: several runs, or an experiment folder, side by side. The runs are read on
// a background thread, and each figure page reads only the part of the runs it shows, when it is
// first shown.

#include "compare/compare_charts.h"
#include "plots/report_writer.h"

#include <QElapsedTimer>
#include <QMainWindow>
#include <QStringList>

class QComboBox;
class QLabel;
class QThread;

namespace memloc::ui {

class CompareFigures;

class CompareWindow : public QMainWindow {
    Q_OBJECT

public:
    /// Compares `inputs` (run files and/or experiment folders); starts reading at once.
    explicit CompareWindow(const QStringList& inputs, QWidget* parent = nullptr);
    /// Waits for a read in progress.
    ~CompareWindow() override;

    /// Opens a window on `inputs` as a separate top-level window of `parent` and shows it.
    static CompareWindow* open(const QStringList& inputs, QWidget* parent);

    const QStringList& inputs() const { return m_inputs; }
    CompareFigures* figures() const { return m_figures; }
    /// Null until the first read finished.
    ComparisonPtr comparison() const;
    /// Reading in progress.
    bool isReading() const { return m_reader != nullptr; }
    /// The error of the last read ("" if none).
    const QString& error() const { return m_error; }
    /// Milliseconds from the window's creation until the curves were on screen (-1 before).
    qint64 firstShownMs() const { return m_firstShownMs; }

    /// Reads every part not read yet (on this thread), then writes every comparison figure.
    ReportResult exportReport(const QString& folder);

public Q_SLOTS:
    void exportReportDialog();

Q_SIGNALS:
    /// A read finished (error() says whether it failed); the figures show its result.
    void readFinished();

private:
    /// Reads what the page on screen needs and has not been read yet.
    void readMissing();
    void startRead(unsigned parts);

    QStringList m_inputs;
    CompareFigures* m_figures;
    QComboBox* m_band;
    QLabel* m_state;
    QThread* m_reader = nullptr;
    QString m_error;
    QElapsedTimer m_clock;
    qint64 m_firstShownMs = -1;
};

} // namespace memloc::ui
