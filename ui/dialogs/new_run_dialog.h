#pragma once
// File > New Training Run: a run configuration, an output file, presets, inline validation.

#include "memloc/run_config.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace memloc::ui {

/// Edits a core::RunConfig. accept() validates (core::validateConfig, the data folder, the
/// output file) and keeps the dialog open with the message shown inline when something is wrong.
/// Settings the dialog does not show (momentum, weight decay...) keep the preset's values.
class NewRunDialog : public QDialog {
    Q_OBJECT

public:
    explicit NewRunDialog(QWidget* parent = nullptr);

    void setConfig(const core::RunConfig& config);
    core::RunConfig config() const;
    void setOutputPath(const QString& path);
    QString outputPath() const;
    bool overwrite() const;
    /// Applies preset `index` of runPresets().
    void applyPreset(int index);

    /// "" when the dialog's values can start a job, else the reason (also shown inline).
    QString validate() const;
    /// The inline message currently shown ("" when none).
    QString errorText() const;

    void accept() override;

private:
    QWidget* buildDataGroup();
    QWidget* buildModelGroup();
    QWidget* buildTrainingGroup();
    QWidget* buildOutputGroup();
    void updateEnabled();
    void browseDataDir();
    void browseOutput();
    void showError(const QString& message);
    /// Selects the device whose config value is `device` ("auto", "cpu", "cuda:N").
    void setDevice(const QString& device);

    core::RunConfig m_base;
    QComboBox* m_preset;
    QLabel* m_presetInfo;
    // data
    QComboBox* m_dataset;
    QLineEdit* m_dataDir;
    QSpinBox* m_subset;
    QSpinBox* m_testSubset;
    QDoubleSpinBox* m_noise;
    QSpinBox* m_noiseSeed;
    QGroupBox* m_synthetic;
    QSpinBox* m_synTrain;
    QSpinBox* m_synTest;
    QSpinBox* m_synSize;
    QSpinBox* m_synClasses;
    // model and training
    QComboBox* m_model;
    QDoubleSpinBox* m_width;
    QComboBox* m_dropout;
    QDoubleSpinBox* m_pGen;
    QDoubleSpinBox* m_pMem;
    QComboBox* m_etdRounding;
    QLineEdit* m_dropoutBlocks;
    QSpinBox* m_epochs;
    QSpinBox* m_batchSize;
    QDoubleSpinBox* m_lr;
    QComboBox* m_schedule;
    QDoubleSpinBox* m_warmup;
    QDoubleSpinBox* m_peakEpoch;
    QSpinBox* m_seed;
    QCheckBox* m_accounting;
    QComboBox* m_device;
    QSpinBox* m_threads;
    QComboBox* m_precision;
    QComboBox* m_memoryFormat;
    // output
    QLineEdit* m_output;
    QCheckBox* m_overwrite;
    QLabel* m_error;
};

} // namespace memloc::ui
