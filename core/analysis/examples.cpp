#include "memloc/examples.h"

#include "analysis/loaded_run.h"
#include "io/run_file.h"
#include "memloc/error.h"
#include "training/run_data.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace memloc::core {

namespace {

// The raw uint8 pixels [n, C, H, W] (CPU, contiguous) of the training examples `ids` (CPU int64):
// the normalisation is undone exactly (values are k/255, so rounding restores k).
torch::Tensor rawPixels(const RunData& data, const torch::Tensor& ids) {
    const torch::Tensor mean = torch::tensor(data.mean, torch::kDouble).to(torch::kFloat).view({1, -1, 1, 1});
    const torch::Tensor stddev = torch::tensor(data.stddev, torch::kDouble).to(torch::kFloat).view({1, -1, 1, 1});
    constexpr std::int64_t kChunk = 4096;  // bounds the float temporaries (CIFAR-10: 50 MB a chunk)
    std::vector<torch::Tensor> parts;
    for (std::int64_t start = 0; start < ids.size(0); start += kChunk) {
        const torch::Tensor chunk = ids.slice(0, start, std::min(ids.size(0), start + kChunk));
        const torch::Tensor images = data.trainImages.index_select(0, chunk.to(data.trainImages.device())).cpu();
        parts.push_back((images * stddev + mean).mul_(255.0).round_().clamp_(0, 255).to(torch::kUInt8));
    }
    if (parts.empty()) {
        const auto shape = data.imageShape();
        return torch::empty({0, shape[0], shape[1], shape[2]}, torch::kUInt8);
    }
    return torch::cat(parts).contiguous();
}

// Every training example's prediction, loss and margin under `run`'s final model.
std::vector<ExampleStat> statsOf(LoadedRun& run, const CancelToken* cancel, const ProgressFn& progress) {
    Net& model = *run.model;
    const RunData& data = run.data;
    const std::int64_t n = data.trainSize();
    const std::int64_t batch = std::max<std::int64_t>(1, run.config.evalBatchSize);
    std::vector<torch::Tensor> predictions, losses, margins;
    model.eval();
    // With example-tied dropout, training examples are scored as trained: each with its own mask.
    if (model.hasEtd()) model.context().etdMode = EtdMode::Example;
    {
        torch::InferenceMode inference;
        for (std::int64_t start = 0; start < n; start += batch) {
            if (cancel && cancel->isCancelled()) {
                model.context() = ForwardContext{};
                throw Cancelled();
            }
            const std::int64_t end = std::min(n, start + batch);
            if (model.hasEtd())
                model.context().exampleIds = torch::arange(start, end, torch::kLong).to(data.trainImages.device());
            const torch::Tensor logits = model.forward(data.trainImages.slice(0, start, end)).to(torch::kFloat);
            const torch::Tensor given = data.trainGiven.slice(0, start, end).view({-1, 1});
            const torch::Tensor givenLogit = logits.gather(1, given).squeeze(1);
            const torch::Tensor others =
                logits.scatter(1, given, -std::numeric_limits<float>::infinity()).amax(1);
            predictions.push_back(logits.argmax(1).cpu());
            losses.push_back(torch::nn::functional::cross_entropy(
                                 logits, given.squeeze(1),
                                 torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone))
                                 .to(torch::kDouble)
                                 .cpu());
            margins.push_back((givenLogit - others).to(torch::kDouble).cpu());
            if (progress) progress(Progress{end, n, "evaluating the training examples"});
        }
    }
    model.context() = ForwardContext{};
    std::vector<ExampleStat> out(static_cast<std::size_t>(n));
    if (n == 0) return out;
    const torch::Tensor prediction = torch::cat(predictions).contiguous();
    const torch::Tensor loss = torch::cat(losses).contiguous();
    const torch::Tensor margin = torch::cat(margins).contiguous();
    const torch::Tensor given = data.trainGiven.cpu().contiguous();
    const torch::Tensor truth = data.trainTrue.cpu().contiguous();
    const torch::Tensor noisy = data.noiseMask.to(torch::kBool).contiguous();
    const torch::Tensor focus = data.focusMask.to(torch::kBool).contiguous();
    for (std::int64_t i = 0; i < n; ++i) {
        ExampleStat& s = out[static_cast<std::size_t>(i)];
        s.id = i;
        s.given = given.data_ptr<std::int64_t>()[i];
        s.trueLabel = truth.data_ptr<std::int64_t>()[i];
        s.noisy = noisy.data_ptr<bool>()[i];
        s.focus = focus.data_ptr<bool>()[i];
        s.prediction = prediction.data_ptr<std::int64_t>()[i];
        s.loss = loss.data_ptr<double>()[i];
        s.margin = margin.data_ptr<double>()[i];
    }
    return out;
}

} // namespace

std::vector<ExampleImage> readExampleImages(const std::string& runPath, const std::vector<std::int64_t>& ids) {
    RunFileReader reader(runPath);
    // prepareRunData is the one place that knows every dataset's loader and subset rule.
    const RunData data = prepareRunData(reader.config(), torch::kCPU, false);
    if (!reader.datasetTensor("train_indices").equal(data.trainIndices))
        throw Error(runPath + ": the dataset files no longer match the subset stored in the run");
    const torch::Tensor given = reader.datasetTensor("given_labels").to(torch::kLong);
    const torch::Tensor trueLabels = reader.datasetTensor("true_labels").to(torch::kLong);
    const torch::Tensor mask = reader.datasetTensor("noise_mask").to(torch::kBool);
    const torch::Tensor focus =
        reader.config().focus.empty() ? mask : reader.datasetTensor("focus_mask").to(torch::kBool);
    const std::int64_t n = data.trainSize();
    const auto shape = data.imageShape();
    for (std::int64_t id : ids)
        if (id < 0 || id >= n)
            throw Error(runPath + ": training example " + std::to_string(id) + " is out of range (the run has " +
                        std::to_string(n) + ")");

    const torch::Tensor raw = rawPixels(data, torch::tensor(ids, torch::kLong));
    const std::int64_t bytes = shape[0] * shape[1] * shape[2];
    std::vector<ExampleImage> out;
    out.reserve(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
        ExampleImage e;
        e.id = ids[i];
        e.channels = static_cast<int>(shape[0]);
        e.height = static_cast<int>(shape[1]);
        e.width = static_cast<int>(shape[2]);
        const std::uint8_t* first = raw.data_ptr<std::uint8_t>() + static_cast<std::int64_t>(i) * bytes;
        e.pixels.assign(first, first + bytes);
        e.given = given[e.id].item<std::int64_t>();
        e.trueLabel = trueLabels[e.id].item<std::int64_t>();
        e.noisy = mask[e.id].item<bool>();
        e.focus = focus[e.id].item<bool>();
        out.push_back(std::move(e));
    }
    return out;
}

std::vector<ExampleStat> evaluateTrainingExamples(const std::string& runPath, const std::string& device,
                                                  std::int64_t threads, const CancelToken* cancel,
                                                  const ProgressFn& progress) {
    LoadedRun run = loadRun(runPath, device, threads);
    return statsOf(run, cancel, progress);
}

TrainingExamples loadTrainingExamples(const std::string& runPath, const std::string& device, std::int64_t threads,
                                      const CancelToken* cancel, const ProgressFn& progress) {
    LoadedRun run = loadRun(runPath, device, threads);
    TrainingExamples out;
    const auto shape = run.data.imageShape();
    out.channels = static_cast<int>(shape[0]);
    out.height = static_cast<int>(shape[1]);
    out.width = static_cast<int>(shape[2]);
    out.numClasses = run.data.numClasses;
    out.stats = statsOf(run, cancel, progress);
    const torch::Tensor raw = rawPixels(run.data, torch::arange(run.data.trainSize(), torch::kLong));
    out.pixels.assign(raw.data_ptr<std::uint8_t>(), raw.data_ptr<std::uint8_t>() + raw.numel());
    return out;
}

} // namespace memloc::core
