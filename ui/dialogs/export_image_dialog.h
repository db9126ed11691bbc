#pragma once
// Asks where to export a figure, at which size and (PNG) at which DPI.

#include "plots/export_settings.h"
#include "plots/plot_widget.h"

#include <QDialog>

class QComboBox;
class QLineEdit;
class QSpinBox;

namespace memloc::ui {

/// File, figure size (one column, two columns, as on screen) and PNG DPI (300 by default).
class ExportImageDialog : public QDialog {
    Q_OBJECT

public:
    ExportImageDialog(PlotFormat format, const QString& suggestedPath, const ExportSettings& settings,
                      QWidget* parent = nullptr);

    QString path() const;
    /// `settings` as passed in, with this dialog's size and DPI.
    ExportSettings settings() const;

private:
    void browse();

    PlotFormat m_format;
    ExportSettings m_settings;
    QLineEdit* m_path;
    QComboBox* m_size;
    QSpinBox* m_dpi;
};

} // namespace memloc::ui
