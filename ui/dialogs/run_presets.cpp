#include "dialogs/run_presets.h"

#include "main/resources.h"

#include <QCoreApplication>
#include <QFile>

namespace memloc::ui {

core::RunConfig demoConfig() {
    initResources();
    QFile file(QStringLiteral(":/memloc/presets/demo.json"));
    if (!file.open(QIODevice::ReadOnly)) return core::RunConfig{};
    return core::configFromJson(file.readAll().toStdString(), "resources/demo.json");
}

QList<RunPreset> runPresets() {
    core::RunConfig paper;  // full training set and test set, 10% noise
    paper.dataset = "fashion-mnist";
    paper.subset = 0;
    paper.testSubset = 0;
    paper.noise = 0.1;
    paper.model = "resnet9";
    paper.width = 1.0;
    paper.epochs = 50;
    paper.batchSize = 512;
    paper.lr = 0.1;
    paper.momentum = 0.9;
    paper.weightDecay = 5e-4;
    paper.schedule = "cosine";
    paper.warmup = 0.1;
    paper.accounting = true;

    const char* ctx = "RunPresets";
    return {
        {QCoreApplication::translate(ctx, "Demo (CPU, minutes)"),
         QCoreApplication::translate(ctx, "ResNet-9 x0.25 on the first 6000 Fashion-MNIST images, 10% label noise, "
                                          "20 epochs: a few minutes on a CPU (resources/demo.json)."),
         demoConfig()},
        {QCoreApplication::translate(ctx, "Paper: ResNet-9, 10% noise"),
         QCoreApplication::translate(ctx, "The paper's setup: full ResNet-9, all training images, 10% label noise, "
                                          "50 epochs, batch 512, peak LR 0.1, cosine with 10% warm-up. Hours on a "
                                          "CPU; choose CIFAR-10 and its folder for the paper's headline dataset."),
         paper},
    };
}

} // namespace memloc::ui
