#include "tiny_run.h"

#include "memloc/training.h"

namespace memloc::test {

core::RunConfig tinyConfig() {
    core::RunConfig c;
    c.dataset = "synthetic";
    c.syntheticTrain = 128;
    c.syntheticTest = 32;
    c.syntheticSize = 12;
    c.noise = 0.25;
    c.model = "resnet9";
    c.width = 0.125;
    c.epochs = 2;
    c.batchSize = 32;
    c.device = "cpu";
    return c;
}

void trainTinyRun(const QString& path) { core::trainRun(tinyConfig(), path.toStdString(), {}, true); }

} // namespace memloc::test
