#pragma once
// File > Import Checkpoints: a checkpoint file or epoch folder made elsewhere, the data it was
// trained on and how its noisy examples are known; becomes a run file through core::importCheckpoints.

#include "memloc/import.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QRadioButton;
class QSpinBox;
class QDoubleSpinBox;

namespace memloc::ui {

/// Asks for what an import needs that the checkpoint itself cannot tell. accept() validates and
/// keeps the dialog open with the message inline when something is wrong.
class ImportDialog : public QDialog {
    Q_OBJECT

public:
    explicit ImportDialog(QWidget* parent = nullptr);

    /// Pre-fills the source (a file or folder) and proposes an output run file next to it.
    void setSource(const QString& path);
    /// The import as the dialog's fields say (progress and cancel are set by the job).
    core::ImportOptions options() const;

    /// "" when the fields can start an import, else the reason (also shown inline).
    QString validate() const;
    QString errorText() const;
    void accept() override;

    // Field access for tests.
    QLineEdit* sourceEdit() const { return m_source; }
    QLineEdit* givenLabelsEdit() const { return m_givenLabels; }
    QLineEdit* normalizeEdit() const { return m_normalize; }
    QLineEdit* outputEdit() const { return m_output; }
    QSpinBox* subsetBox() const { return m_subset; }
    QSpinBox* testSubsetBox() const { return m_testSubset; }
    QRadioButton* labelsFromFiles() const { return m_fromFiles; }

private:
    QWidget* buildSourceGroup();
    QWidget* buildDataGroup();
    QWidget* buildLabelsGroup();
    QWidget* buildOutputGroup();
    void updateEnabled();
    void showError(const QString& message);

    QLineEdit* m_source;
    QComboBox* m_model;
    QLineEdit* m_groups;
    QComboBox* m_dataset;
    QLineEdit* m_dataDir;
    QSpinBox* m_subset;
    QComboBox* m_subsetMode;
    QSpinBox* m_subsetSeed;
    QSpinBox* m_testSubset;
    QComboBox* m_normalizeMode;
    QLineEdit* m_normalize;
    QRadioButton* m_seeded;
    QRadioButton* m_fromFiles;
    QDoubleSpinBox* m_noise;
    QSpinBox* m_noiseSeed;
    QLineEdit* m_givenLabels;
    QLineEdit* m_noiseMask;
    QLineEdit* m_output;
    QCheckBox* m_overwrite;
    QLabel* m_error;
};

} // namespace memloc::ui
