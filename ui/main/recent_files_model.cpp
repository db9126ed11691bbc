#include "main/recent_files_model.h"

#include <QFileInfo>
#include <QSettings>

namespace memloc::ui {

namespace {
constexpr auto kKey = "recentFiles";
}

RecentFilesModel::RecentFilesModel(QObject* parent) : QObject(parent) {
    m_files = QSettings().value(QLatin1String(kKey)).toStringList().mid(0, kMaxFiles);
}

void RecentFilesModel::add(const QString& path) {
    const QString absolute = QFileInfo(path).absoluteFilePath();
    m_files.removeAll(absolute);
    m_files.prepend(absolute);
    m_files = m_files.mid(0, kMaxFiles);
    store();
}

void RecentFilesModel::remove(const QString& path) {
    if (m_files.removeAll(QFileInfo(path).absoluteFilePath()) > 0) store();
}

void RecentFilesModel::clear() {
    m_files.clear();
    store();
}

void RecentFilesModel::store() {
    QSettings().setValue(QLatin1String(kKey), m_files);
    Q_EMIT changed();
}

} // namespace memloc::ui
