#pragma once
// Small factories for the input widgets the dialogs share.

#include "memloc/version.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QSpinBox>
#include <QStringList>
#include <QThread>

#include <cstddef>

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

/// The devices this build sees, by name ("auto: the CPU (no GPU found)", "cpu: 2 cores",
/// "cuda:0: NAME"); each item's data is the config value (auto, cpu, cuda:N).
inline QComboBox* deviceBox() {
    const core::BuildInfo build = core::buildInfo();
    auto* box = new QComboBox;
    box->addItem(build.gpus.empty() ? QComboBox::tr("auto: the CPU (no GPU found)") : QComboBox::tr("auto: the first GPU (cuda:0)"),
                 QStringLiteral("auto"));
    box->addItem(QComboBox::tr("cpu: %1 cores").arg(QThread::idealThreadCount()), QStringLiteral("cpu"));
    for (std::size_t i = 0; i < build.gpus.size(); ++i)
        box->addItem(QStringLiteral("cuda:%1: %2").arg(i).arg(QString::fromStdString(build.gpus[i])),
                     QStringLiteral("cuda:%1").arg(i));
    box->setToolTip(QString::fromStdString(core::versionReport()));
    return box;
}

/// A dialog's inline error line (bold red, word-wrapped), hidden until it has a message.
inline QLabel* errorLabel() {
    auto* label = new QLabel;
    label->setWordWrap(true);
    label->setStyleSheet(QStringLiteral("color: #b2182b; font-weight: bold;"));
    label->setVisible(false);
    return label;
}

} // namespace memloc::ui::form
