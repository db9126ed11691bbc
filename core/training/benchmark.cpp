// runTrainingBenchmark: ResNet-9 training throughput with and without gradient accounting.

#include "memloc/training.h"

#include "training/device.h"
#include "training/gradient_accountant.h"
#include "training/sgd.h"
#include "training/train_step.h"

#include <chrono>
#include <optional>

namespace memloc::core {

std::vector<BenchFigure> runTrainingBenchmark(const std::vector<double>& widths, std::int64_t batches,
                                              std::int64_t batchSize, const std::string& deviceName,
                                              std::int64_t threads, const ProgressFn& progress) {
    const ComputeDevice device = selectDevice(deviceName, threads);
    constexpr double kNoiseFraction = 0.1;
    torch::manual_seed(0);
    const auto opts = torch::TensorOptions().device(device.device);
    const torch::Tensor images = torch::randn({batchSize, 1, 28, 28}, opts);
    const torch::Tensor labels = torch::randint(0, 10, {batchSize}, opts.dtype(torch::kLong));
    const torch::Tensor noisy = torch::rand({batchSize}, opts) < kNoiseFraction;
    const std::int64_t noisyCount = noisy.sum().item<std::int64_t>();

    std::vector<BenchFigure> figures;
    std::int64_t done = 0;
    const std::int64_t total = static_cast<std::int64_t>(widths.size()) * 2 * batches;
    for (double width : widths) {
        for (bool accounting : {false, true}) {
            std::shared_ptr<Net> model = buildModel({"resnet9", width, 1, 28, 10, {}});
            model->to(device.device);
            model->train();
            Sgd sgd(model->parameters(), 0.9, 5e-4, true);
            std::optional<GradientAccountant> accountant;
            if (accounting) accountant.emplace(*model, model->layerGroups());
            GradientAccountant* acc = accountant ? &*accountant : nullptr;
            trainStep(*model, sgd, acc, images, labels, noisy, noisyCount, 0.01).item<double>();  // warm-up
            const auto start = std::chrono::steady_clock::now();
            torch::Tensor sink;
            for (std::int64_t b = 0; b < batches; ++b) {
                sink = trainStep(*model, sgd, acc, images, labels, noisy, noisyCount, 0.01);
                if (progress) progress({++done, total, "resnet9 width " + std::to_string(width)});
            }
            sink.item<double>();  // waits for queued GPU work
            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            figures.push_back({"resnet9", width, accounting, static_cast<double>(batches * batchSize) / seconds});
        }
    }
    return figures;
}

} // namespace memloc::core
