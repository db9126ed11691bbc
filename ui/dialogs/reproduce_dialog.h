#pragma once
// File > Reproduction Report: the scale of the paper's experiment suite, the experiment folder, an
// optional base config file and where to compute; becomes a core::ReproduceRequest.

#include "memloc/reproduce.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace memloc::ui {

/// Asks what a reproduction needs. accept() validates (the config file is read) and keeps the
/// dialog open with the message inline when something is wrong.
class ReproduceDialog : public QDialog {
    Q_OBJECT

public:
    explicit ReproduceDialog(QWidget* parent = nullptr);

    /// ~/memloc-reproduce-SCALE.
    static QString defaultFolder(const QString& scale);

    /// The request as the fields say. Throws core::Error naming the config file when it cannot be
    /// read or holds a bad value. Reads one small file (quick).
    core::ReproduceRequest request() const;

    /// "" when the fields can start a reproduction, else the reason (also shown inline).
    QString validate() const;
    QString errorText() const;
    void accept() override;

    /// "demo" or "paper" (a name the combo lacks, e.g. "test", is added to it).
    void setScale(const QString& scale);
    QString scale() const;
    void setFolder(const QString& folder);
    QString folder() const;
    void setConfigFile(const QString& path);
    void setDevice(const QString& device);
    void setThreads(int threads);

private:
    void scaleChanged();
    void showError(const QString& message);

    QComboBox* m_scale;
    QLabel* m_description;
    QLineEdit* m_folder;
    QLineEdit* m_config;
    QComboBox* m_device;
    QSpinBox* m_threads;
    QLabel* m_error;
    QString m_shownScale;   // the scale whose default folder m_folder may still hold
};

} // namespace memloc::ui
