#pragma once
// The parameters of an analysis a view starts (Run... / Re-run...): the main options of its core
// options struct, pre-filled with the GUI's defaults.

#include "jobs/analysis_job.h"
#include "views/set_names.h"

#include <QDialog>

#include <cstdint>
#include <string>
#include <vector>

class QComboBox;
class QDialogButtonBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace memloc::ui {

/// A form for one AnalysisKind: rewinding (epochs, groups, eval subset), retraining (groups, from
/// epoch, max epochs, LR, eval subset), flipping (noisy, clean, batch, EOT copies, mode, max units,
/// eval subset, seed), neuron scores (attribution examples, eval subset), dropout evaluation (eval
/// subset). Lists are comma-separated; an empty list means the core's default. OK is disabled
/// while a list does not parse. Options the form does not show keep the values given. Labels name
/// the run's studied set and the rest by `names`.
class AnalysisParamsDialog : public QDialog {
    Q_OBJECT

public:
    explicit AnalysisParamsDialog(const AnalysisParams& params, const SetNames& names = SetNames(),
                                  QWidget* parent = nullptr);

    /// The given parameters with the form's values.
    AnalysisParams params() const;
    /// Whether every field parses (OK is enabled).
    bool isValid() const;

    // The fields, for tests (null when the kind has no such field).
    QLineEdit* epochsEdit() const { return m_epochs; }
    QLineEdit* groupsEdit() const { return m_groups; }
    QSpinBox* evalSubsetBox() const { return m_evalSubset; }
    QSpinBox* maxEpochsBox() const { return m_maxEpochs; }
    QSpinBox* noisyBox() const { return m_noisy; }
    QComboBox* modeBox() const { return m_mode; }

    /// Parses "0, 5,10" into {0, 5, 10}; false on anything but non-negative integers.
    static bool parseEpochs(const QString& text, std::vector<std::int64_t>* epochs);
    /// Splits "res1.a, 4" into {"res1.a", "4"} (empty items dropped).
    static std::vector<std::string> parseGroups(const QString& text);

private:
    QSpinBox* addCount(const QString& label, std::int64_t value, int minimum, const QString& tip);
    QLineEdit* addGroups(const std::vector<std::string>& groups);
    void validate();

    AnalysisParams m_params;
    QFormLayout* m_form;
    QLabel* m_error;
    QDialogButtonBox* m_buttons;
    QLineEdit* m_epochs = nullptr;
    QLineEdit* m_groups = nullptr;
    QSpinBox* m_evalSubset = nullptr;
    QSpinBox* m_fromEpoch = nullptr;
    QSpinBox* m_maxEpochs = nullptr;
    QDoubleSpinBox* m_lr = nullptr;
    QSpinBox* m_noisy = nullptr;
    QSpinBox* m_clean = nullptr;
    QSpinBox* m_batch = nullptr;
    QSpinBox* m_eot = nullptr;
    QComboBox* m_mode = nullptr;
    QSpinBox* m_maxUnits = nullptr;
    QSpinBox* m_seed = nullptr;
    QSpinBox* m_attribution = nullptr;
};

} // namespace memloc::ui
