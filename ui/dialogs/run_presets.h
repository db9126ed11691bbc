#pragma once
// Named configurations offered by the New Training Run dialog.

#include "memloc/run_config.h"

#include <QList>
#include <QString>

namespace memloc::ui {

struct RunPreset {
    QString name;
    QString description;
    core::RunConfig config;
};

/// The embedded demo (resources/demo.json): ResNet-9 x0.25, 6000 Fashion-MNIST images, 10% noise,
/// 20 epochs; a few minutes on a CPU.
core::RunConfig demoConfig();

/// "Demo (CPU, minutes)" and "Paper: ResNet-9, 10% noise" (the setup the paper uses).
QList<RunPreset> runPresets();

} // namespace memloc::ui
