#pragma once
// One open run: its file, its latest snapshot and whether a job is still writing it.

#include "runs/run_snapshot.h"

#include <QObject>
#include <QString>

namespace memloc::ui {

/// An open run file as the GUI sees it. Lives on the GUI thread; every change emits changed().
class RunDocument : public QObject {
    Q_OBJECT

public:
    enum class State { Complete, Partial, Training };

    RunDocument(const QString& path, RunSnapshotPtr snapshot, QObject* parent = nullptr);

    const QString& path() const { return m_path; }
    /// The file name without its folder, for tabs and lists.
    QString displayName() const;
    const RunSnapshotPtr& snapshot() const { return m_snapshot; }
    State state() const;
    /// One line for the status bar, e.g. "complete: 20 epochs" or "training: epoch 3/20".
    QString stateText() const;

    /// Replaces the snapshot (a job wrote a new epoch, or the file was re-read).
    void setSnapshot(RunSnapshotPtr snapshot);
    /// Marks the run as being written by a training job.
    void setTraining(bool training);

Q_SIGNALS:
    void changed();

private:
    QString m_path;
    RunSnapshotPtr m_snapshot;
    bool m_training = false;
};

} // namespace memloc::ui
