#pragma once
// Small factories for the input widgets the dialogs share.

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QSpinBox>
#include <QStringList>

#include <limits>

namespace memloc::ui::form {

constexpr int kMaxInt = std::numeric_limits<int>::max();

/// An integer field; `special` (if given) is shown instead of the minimum (e.g. "all" for 0).
inline QSpinBox* intBox(int min, int max, const QString& special = {}) {
    auto* box = new QSpinBox;
    box->setRange(min, max);
    if (!special.isEmpty()) box->setSpecialValueText(special);
    return box;
}

inline QDoubleSpinBox* realBox(double min, double max, int decimals, double step) {
    auto* box = new QDoubleSpinBox;
    box->setRange(min, max);
    box->setDecimals(decimals);
    box->setSingleStep(step);
    return box;
}

inline QComboBox* choiceBox(const QStringList& items) {
    auto* box = new QComboBox;
    box->addItems(items);
    return box;
}

} // namespace memloc::ui::form
