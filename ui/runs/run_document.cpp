#include "runs/run_document.h"

#include <QFileInfo>

namespace memloc::ui {

RunDocument::RunDocument(const QString& path, RunSnapshotPtr snapshot, QObject* parent)
    : QObject(parent), m_path(path), m_snapshot(std::move(snapshot)) {}

QString RunDocument::displayName() const { return QFileInfo(m_path).fileName(); }

RunDocument::State RunDocument::state() const {
    if (m_training) return State::Training;
    const core::RunSummary& s = m_snapshot->summary;
    return s.epochsCompleted < s.epochsPlanned ? State::Partial : State::Complete;
}

QString RunDocument::stateText() const {
    const core::RunSummary& s = m_snapshot->summary;
    switch (state()) {
    case State::Training:
        return tr("training: %1/%2 epochs done").arg(s.epochsCompleted).arg(s.epochsPlanned);
    case State::Partial:
        return tr("interrupted: %1/%2 epochs (memloc-cli train --resume continues it)")
            .arg(s.epochsCompleted)
            .arg(s.epochsPlanned);
    case State::Complete:
        break;
    }
    return tr("complete: %1 epochs").arg(s.epochsCompleted);
}

void RunDocument::setSnapshot(RunSnapshotPtr snapshot) {
    if (!snapshot) return;
    m_snapshot = std::move(snapshot);
    Q_EMIT changed();
}

void RunDocument::setTraining(bool training) {
    if (m_training == training) return;
    m_training = training;
    Q_EMIT changed();
}

} // namespace memloc::ui
