// The studied example set read from a focus file: indices into the dataset's training split, or
// one score per training-split example with a threshold.

#include "data/dataset.h"

#include "import/label_file.h"
#include "memloc/error.h"

#include <cmath>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>

namespace memloc::core {

namespace {

std::string num(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

} // namespace

torch::Tensor focusMaskFromFile(const std::string& file, std::optional<double> threshold, const torch::Tensor& trainIndices,
                                std::int64_t splitSize) {
    const std::int64_t n = trainIndices.size(0);
    torch::Tensor member;  // bool [splitSize]: in the set, over the whole training split
    if (threshold) {
        const torch::Tensor scores = readNumberVectorFile(file);
        if (scores.size(0) != splitSize)
            throw Error(file + ": a score file holds one score per example of the dataset's training split (" +
                        std::to_string(splitSize) + "), found " + std::to_string(scores.size(0)) + " values");
        member = scores.lt(*threshold);
    } else {
        torch::Tensor ids;
        try {
            ids = readIntVectorFile(file);
        } catch (const Error& e) {
            const std::string what = e.what();
            if (what.find("is not an integer") != std::string::npos || what.find("not an integer or bool") != std::string::npos)
                throw Error(what + " (a focus file without focus_threshold lists example indices; scores need focus_threshold)");
            throw;
        }
        const std::int64_t lo = ids.min().item<std::int64_t>(), hi = ids.max().item<std::int64_t>();
        if (lo < 0 || hi >= splitSize)
            throw Error(file + ": example index " + std::to_string(lo < 0 ? lo : hi) + " is outside the training split (0.." +
                        std::to_string(splitSize - 1) + ")");
        member = torch::zeros({splitSize}, torch::kBool);
        member.index_fill_(0, ids, true);
    }
    torch::Tensor mask = member.index_select(0, trainIndices).contiguous();
    const std::int64_t count = mask.sum().item<std::int64_t>();
    const std::string rule = threshold ? "score below " + num(*threshold) : "listed";
    if (count == 0)
        throw Error(file + ": no example of the run's " + std::to_string(n) + " training examples is in the focus set (" +
                    rule + ")");
    if (count == n)
        throw Error(file + ": every one of the run's " + std::to_string(n) + " training examples is in the focus set (" +
                    rule + "); there is nothing to compare it with");
    return mask;
}

} // namespace memloc::core
