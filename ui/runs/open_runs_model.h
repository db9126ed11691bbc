#pragma once
// The runs open in the window and which one the views show.

#include "runs/run_snapshot.h"

#include <QList>
#include <QObject>

namespace memloc::ui {

class RunDocument;

/// Owns the open RunDocuments (one per file) and tracks the current one. GUI thread only.
class OpenRunsModel : public QObject {
    Q_OBJECT

public:
    explicit OpenRunsModel(QObject* parent = nullptr);

    /// Opens the run at `path`, or re-reads it when it is open already, and makes it current.
    /// Reads the summary on the calling thread (small reads). Throws core::Error on a bad file.
    RunDocument* open(const QString& path);
    /// Adds or updates the run at `path` with a snapshot made elsewhere (e.g. by a training job).
    RunDocument* track(const QString& path, RunSnapshotPtr snapshot);
    RunDocument* find(const QString& path) const;
    void close(RunDocument* run);

    const QList<RunDocument*>& runs() const { return m_runs; }
    RunDocument* current() const { return m_current; }
    void setCurrent(RunDocument* run);

Q_SIGNALS:
    void runAdded(memloc::ui::RunDocument* run);
    void runRemoved(memloc::ui::RunDocument* run);
    void currentChanged(memloc::ui::RunDocument* run);

private:
    QList<RunDocument*> m_runs;
    RunDocument* m_current = nullptr;
};

} // namespace memloc::ui
