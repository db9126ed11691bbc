#pragma once
// The recently opened run files (File > Open Recent), kept in QSettings.

#include <QObject>
#include <QStringList>

namespace memloc::ui {

/// Most recent first, at most kMaxFiles, persisted under "recentFiles".
class RecentFilesModel : public QObject {
    Q_OBJECT

public:
    static constexpr int kMaxFiles = 10;

    explicit RecentFilesModel(QObject* parent = nullptr);

    const QStringList& files() const { return m_files; }
    void add(const QString& path);
    void remove(const QString& path);
    void clear();

Q_SIGNALS:
    void changed();

private:
    void store();

    QStringList m_files;
};

} // namespace memloc::ui
