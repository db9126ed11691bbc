#include "training/train_step.h"

#include "dist/process_group.h"

#include <cstdint>
#include <vector>

namespace memloc::core {

torch::Tensor trainStep(Net& model, Sgd& sgd, GradientAccountant* accountant, const torch::Tensor& images,
                        const torch::Tensor& labels, const torch::Tensor& noisy, std::int64_t noisyCount,
                        double lr, std::int64_t globalBatch, const TrainingMode& mode) {
    model.zero_grad(/*set_to_none=*/true);
    const double batch = globalBatch > 0 ? static_cast<double>(globalBatch) : static_cast<double>(images.size(0));
    torch::Tensor lossSum = torch::zeros({}, torch::TensorOptions().device(images.device()));
    if (images.size(0) > 0) {
        torch::Tensor logits;
        {
            const AutocastScope autocast(mode.bf16, images.device());
            logits = model.forward(forMode(images, mode));
        }
        logits = logits.to(torch::kFloat);
        const torch::Tensor losses = torch::nn::functional::cross_entropy(
            logits, labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
        if (accountant)
            accountant->backward(losses, noisy, noisyCount, batch);
        else if (globalBatch > 0)
            (losses.sum() / batch).backward();
        else
            losses.mean().backward();
        lossSum = losses.detach().sum();
    }
    if (dist::active()) {
        std::vector<torch::Tensor> grads;
        for (auto& p : model.parameters()) {
            if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
            grads.push_back(p.grad());
        }
        dist::allReduceSum(grads);
    }
    sgd.step(lr);
    if (dist::active()) {
        // BatchNorm statistics come from each process's shard; rank 0's are kept everywhere
        // (as PyTorch's DistributedDataParallel does by default).
        std::vector<torch::Tensor> buffers = model.buffers();
        dist::broadcast(buffers, 0);
    }
    return lossSum;
}

} // namespace memloc::core
