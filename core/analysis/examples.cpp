#include "memloc/examples.h"

#include "io/run_file.h"
#include "memloc/error.h"
#include "training/run_data.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace memloc::core {

std::vector<ExampleImage> readExampleImages(const std::string& runPath, const std::vector<std::int64_t>& ids) {
    RunFileReader reader(runPath);
    // prepareRunData is the one place that knows every dataset's loader and subset rule; its
    // normalisation is undone exactly below (values are k/255, so rounding restores k).
    const RunData data = prepareRunData(reader.config(), torch::kCPU);
    if (!reader.datasetTensor("train_indices").equal(data.trainIndices))
        throw Error(runPath + ": the dataset files no longer match the subset stored in the run");
    const torch::Tensor given = reader.datasetTensor("given_labels").to(torch::kLong);
    const torch::Tensor trueLabels = reader.datasetTensor("true_labels").to(torch::kLong);
    const torch::Tensor mask = reader.datasetTensor("noise_mask").to(torch::kBool);
    const std::int64_t n = data.trainSize();
    const auto shape = data.imageShape();

    torch::Tensor mean = torch::tensor(data.mean, torch::kDouble).to(torch::kFloat).view({-1, 1, 1});
    torch::Tensor stddev = torch::tensor(data.stddev, torch::kDouble).to(torch::kFloat).view({-1, 1, 1});
    std::vector<ExampleImage> out;
    out.reserve(ids.size());
    for (std::int64_t id : ids) {
        if (id < 0 || id >= n)
            throw Error(runPath + ": training example " + std::to_string(id) + " is out of range (the run has " +
                        std::to_string(n) + ")");
        ExampleImage e;
        e.id = id;
        e.channels = static_cast<int>(shape[0]);
        e.height = static_cast<int>(shape[1]);
        e.width = static_cast<int>(shape[2]);
        torch::Tensor raw = (data.trainImages[id] * stddev + mean).mul_(255.0).round_().clamp_(0, 255)
                                .to(torch::kUInt8)
                                .contiguous();
        e.pixels.assign(raw.data_ptr<std::uint8_t>(), raw.data_ptr<std::uint8_t>() + raw.numel());
        e.given = given[id].item<std::int64_t>();
        e.trueLabel = trueLabels[id].item<std::int64_t>();
        e.noisy = mask[id].item<bool>();
        out.push_back(std::move(e));
    }
    return out;
}

} // namespace memloc::core
