// runTrainingBenchmark: ResNet-9 training throughput with and without gradient accounting.

#include "memloc/training.h"

#include "memloc/run_config.h"

#include "bench/flops.h"
#include "training/device.h"
#include "training/gradient_accountant.h"
#include "training/sgd.h"
#include "training/train_step.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace memloc::core {

std::vector<BenchFigure> runTrainingBenchmark(const BenchOptions& o, const ProgressFn& progress) {
    for (const auto& p : o.precisions) {
        RunConfig check;
        check.precision = p;
        for (const auto& f : o.memoryFormats) {
            check.memoryFormat = f;
            validateConfig(check);
        }
    }
    const ComputeDevice device = selectDevice(o.device, o.threads);
    constexpr double kNoiseFraction = 0.1;
    torch::manual_seed(0);
    const auto opts = torch::TensorOptions().device(device.device);
    const torch::Tensor images = torch::randn({o.batchSize, 1, 28, 28}, opts);
    const torch::Tensor labels = torch::randint(0, 10, {o.batchSize}, opts.dtype(torch::kLong));
    const torch::Tensor noisy = torch::rand({o.batchSize}, opts) < kNoiseFraction;
    const std::int64_t noisyCount = noisy.sum().item<std::int64_t>();

    std::map<std::string, double> peaks;  // per precision, measured once
    std::vector<BenchFigure> figures;
    std::int64_t done = 0;
    const std::int64_t total = static_cast<std::int64_t>(o.widths.size() * o.precisions.size() * o.memoryFormats.size()) * 2 * o.batches;
    for (double width : o.widths)
        for (const std::string& precision : o.precisions)
            for (const std::string& format : o.memoryFormats)
                for (bool accounting : {false, true}) {
                    RunConfig config;
                    config.precision = precision;
                    config.memoryFormat = format;
                    const TrainingMode mode = trainingModeOf(config, device.device);
                    torch::manual_seed(0);
                    ModelSpec spec;  // ResNet-9 on 1x28x28, 10 classes
                    spec.width = width;
                    std::shared_ptr<Net> model = buildModel(spec);
                    model->to(device.device);
                    const double flopsPerImage = 3.0 * 2.0 * forwardMacsPerImage(*model, images.slice(0, 0, 1));
                    if (o.measurePeak && !peaks.count(precision))
                        peaks[precision] = convPeakFlops(device.device, mode.bf16 ? torch::kBFloat16 : torch::kFloat, 3);
                    if (mode.channelsLast) toChannelsLast(*model);
                    model->train();
                    Sgd sgd(model->parameters(), 0.9, 5e-4, true);
                    std::optional<GradientAccountant> accountant;
                    if (accounting) accountant.emplace(*model, model->layerGroups());
                    GradientAccountant* acc = accountant ? &*accountant : nullptr;
                    trainStep(*model, sgd, acc, images, labels, noisy, noisyCount, 0.01, 0, mode).item<double>();  // warm-up
                    const auto start = std::chrono::steady_clock::now();
                    torch::Tensor sink;
                    for (std::int64_t b = 0; b < o.batches; ++b) {
                        sink = trainStep(*model, sgd, acc, images, labels, noisy, noisyCount, 0.01, 0, mode);
                        if (progress) progress({++done, total, "resnet9 width " + std::to_string(width) + " " + precision + " " + format});
                    }
                    sink.item<double>();  // waits for queued GPU work
                    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                    figures.push_back({"resnet9", width, precision, format, accounting,
                                       static_cast<double>(o.batches * o.batchSize) / seconds, flopsPerImage,
                                       o.measurePeak ? peaks[precision] : 0.0});
                }
    return figures;
}

} // namespace memloc::core
