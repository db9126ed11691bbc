#include "dialogs/export_image_dialog.h"

#include "plots/plot_exporter.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>

namespace memloc::ui {

ExportImageDialog::ExportImageDialog(PlotFormat format, const QString& suggestedPath, const ExportSettings& settings,
                                     QWidget* parent)
    : QDialog(parent), m_format(format), m_settings(settings) {
    setWindowTitle(tr("Export %1").arg(formatSuffix(format).toUpper()));

    m_path = new QLineEdit(suggestedPath);
    m_path->setMinimumWidth(360);
    auto* browse = new QPushButton(tr("Browse..."));
    connect(browse, &QPushButton::clicked, this, &ExportImageDialog::browse);
    auto* pathRow = new QHBoxLayout;
    pathRow->addWidget(m_path, 1);
    pathRow->addWidget(browse);

    m_size = new QComboBox;
    for (auto size : {ExportSettings::Size::OneColumn, ExportSettings::Size::TwoColumn, ExportSettings::Size::Screen})
        m_size->addItem(ExportSettings::sizeName(size), static_cast<int>(size));
    m_size->setCurrentIndex(m_size->findData(static_cast<int>(settings.size)));

    m_dpi = new QSpinBox;
    m_dpi->setRange(72, 1200);
    m_dpi->setSingleStep(50);
    m_dpi->setSuffix(tr(" dpi"));
    m_dpi->setValue(settings.dpi);
    m_dpi->setEnabled(format == PlotFormat::Png);
    m_dpi->setToolTip(tr("Resolution of the PNG (vector formats have none)"));

    auto* form = new QFormLayout;
    form->addRow(tr("File:"), pathRow);
    form->addRow(tr("Size:"), m_size);
    form->addRow(tr("Resolution:"), m_dpi);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);
}

QString ExportImageDialog::path() const { return m_path->text().trimmed(); }

ExportSettings ExportImageDialog::settings() const {
    ExportSettings s = m_settings;
    s.size = static_cast<ExportSettings::Size>(m_size->currentData().toInt());
    if (m_format == PlotFormat::Png) s.dpi = m_dpi->value();
    return s;
}

void ExportImageDialog::browse() {
    const QString suffix = formatSuffix(m_format);
    const QString chosen = QFileDialog::getSaveFileName(this, windowTitle(), path(),
                                                        tr("%1 files (*.%2)").arg(suffix.toUpper(), suffix));
    if (!chosen.isEmpty()) m_path->setText(chosen);
}

} // namespace memloc::ui
