#pragma once
// What the views call a run's studied example set and the rest: the mislabeled ("noisy") and
// clean examples, or a focus set by its name and "other".

#include "memloc/run_config.h"

#include <QString>

namespace memloc::ui {

/// Which accuracy or count a label is about.
enum class SetPart {
    None,      ///< neither (test accuracy, loss): the label as given
    Rest,      ///< the examples outside the studied set
    SetGiven,  ///< the studied set against its given labels (for mislabeled examples: memorization)
    SetTrue,   ///< the studied set against its true labels
};

/// Labels for one run's (or one comparison's) studied set. Runs without a focus file keep each
/// place's own label-noise wording (passed in); a focus set reads "NAME (fitted)", "NAME, true
/// label" and "other".
class SetNames {
public:
    /// The mislabeled examples (no focus file).
    SetNames();
    explicit SetNames(const core::FocusNames& names);

    bool labelNoise() const { return m_labelNoise; }
    /// "noisy", or the focus set's name.
    const QString& set() const { return m_set; }
    /// "clean", or the rest's name ("other").
    const QString& rest() const { return m_rest; }

    /// `noiseText` for label noise; else the focus wording of `part` (`noiseText` for None).
    QString label(SetPart part, const QString& noiseText) const;
    /// `noiseText` for label noise; else `focusText` with %1 = set() and, if it has %2, %2 = rest().
    QString pick(const QString& noiseText, const QString& focusText) const;

    bool operator==(const SetNames& other) const;
    bool operator!=(const SetNames& other) const { return !(*this == other); }

private:
    QString m_set, m_rest;
    bool m_labelNoise = true;
};

} // namespace memloc::ui
