#include "main/checkpoint_export.h"

#include "memloc/import.h"
#include "memloc/run_summary.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QMimeData>
#include <QObject>
#include <QStringList>
#include <QUrl>

#include <cstdint>
#include <exception>
#include <vector>

namespace memloc::ui {

bool isCheckpointSource(const QString& path) {
    const QFileInfo info(path);
    if (info.isDir()) return true;
    const QString suffix = info.suffix().toLower();
    return suffix == QLatin1String("pt") || suffix == QLatin1String("pth") || suffix == QLatin1String("ckpt") ||
           suffix == QLatin1String("bin") || suffix == QLatin1String("tar") || suffix == QLatin1String("safetensors");
}

QStringList runFilesIn(const QMimeData* mime) {
    QStringList files;
    for (const QUrl& url : mime->urls())
        if (url.isLocalFile() && (url.toLocalFile().endsWith(QLatin1String(".h5"), Qt::CaseInsensitive) ||
                                  isCheckpointSource(url.toLocalFile())))
            files << url.toLocalFile();
    return files;
}

QString exportCheckpointInteractively(QWidget* parent, const QString& run, QString* error) {
    const QString title = QObject::tr("Export Checkpoint");
    std::vector<std::int64_t> epochs;
    try {
        epochs = core::readRunSummary(run.toStdString()).checkpointEpochs;
    } catch (const std::exception& e) {
        *error = QString::fromStdString(e.what());
        return {};
    }
    if (epochs.empty()) return {};
    QStringList items;
    for (auto it = epochs.rbegin(); it != epochs.rend(); ++it) items << QObject::tr("epoch %1").arg(*it);
    bool ok = false;
    const QString chosen = QInputDialog::getItem(parent, title, QObject::tr("Checkpoint:"), items, 0, false, &ok);
    if (!ok) return {};
    const std::int64_t epoch = epochs[epochs.size() - 1 - static_cast<std::size_t>(items.indexOf(chosen))];
    const QString suggested = QFileInfo(run).absoluteDir().filePath(
        QStringLiteral("%1-epoch%2.pt").arg(QFileInfo(run).completeBaseName()).arg(epoch));
    const QString out = QFileDialog::getSaveFileName(parent, title, suggested,
                                                     QObject::tr("PyTorch (*.pt);;safetensors (*.safetensors)"));
    if (out.isEmpty()) return {};
    try {
        core::exportCheckpoint(run.toStdString(), epoch, out.toStdString());
    } catch (const std::exception& e) {
        *error = QString::fromStdString(e.what());
        return {};
    }
    return QObject::tr("Wrote epoch %1 to %2").arg(epoch).arg(out);
}

} // namespace memloc::ui
