#pragma once
// Checkpoints in the desktop app: which paths are checkpoints made elsewhere (to import), and
// File > Export Checkpoint.

#include <QString>
#include <QStringList>

class QMimeData;
class QWidget;

namespace memloc::ui {

/// Whether `path` is a checkpoint made elsewhere (or a folder of them) rather than a run file.
bool isCheckpointSource(const QString& path);
/// The dropped files the app can open: run files, checkpoints and folders.
QStringList runFilesIn(const QMimeData* mime);

/// Asks which stored checkpoint of `runPath` to export and where (.pt or .safetensors), then writes
/// it. Returns the status line to show ("" when the user cancelled); sets `error` on failure.
QString exportCheckpointInteractively(QWidget* parent, const QString& runPath, QString* error);

} // namespace memloc::ui
