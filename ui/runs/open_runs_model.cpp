#include "runs/open_runs_model.h"

#include "runs/run_document.h"

#include <QFileInfo>

namespace memloc::ui {

namespace {
QString normalized(const QString& path) { return QFileInfo(path).absoluteFilePath(); }
} // namespace

OpenRunsModel::OpenRunsModel(QObject* parent) : QObject(parent) {}

RunDocument* OpenRunsModel::open(const QString& path) {
    RunDocument* run = track(path, readRunSnapshot(normalized(path)));
    setCurrent(run);
    return run;
}

RunDocument* OpenRunsModel::track(const QString& path, RunSnapshotPtr snapshot) {
    if (RunDocument* existing = find(path)) {
        existing->setSnapshot(std::move(snapshot));
        return existing;
    }
    auto* run = new RunDocument(normalized(path), std::move(snapshot), this);
    m_runs.append(run);
    Q_EMIT runAdded(run);
    return run;
}

RunDocument* OpenRunsModel::find(const QString& path) const {
    const QString key = normalized(path);
    for (RunDocument* run : m_runs)
        if (run->path() == key) return run;
    return nullptr;
}

void OpenRunsModel::close(RunDocument* run) {
    const int index = m_runs.indexOf(run);
    if (index < 0) return;
    m_runs.removeAt(index);
    if (m_current == run) setCurrent(m_runs.isEmpty() ? nullptr : m_runs.value(qMin(index, m_runs.size() - 1)));
    Q_EMIT runRemoved(run);
    run->deleteLater();
}

void OpenRunsModel::setCurrent(RunDocument* run) {
    if (m_current == run) return;
    m_current = run;
    Q_EMIT currentChanged(run);
}

} // namespace memloc::ui
