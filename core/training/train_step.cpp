#include "training/train_step.h"

namespace memloc::core {

torch::Tensor trainStep(Net& model, Sgd& sgd, GradientAccountant* accountant, const torch::Tensor& images,
                        const torch::Tensor& labels, const torch::Tensor& noisy, std::int64_t noisyCount,
                        double lr) {
    model.zero_grad(/*set_to_none=*/true);
    const torch::Tensor logits = model.forward(images);
    const torch::Tensor losses = torch::nn::functional::cross_entropy(
        logits, labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
    if (accountant)
        accountant->backward(losses, noisy, noisyCount);
    else
        losses.mean().backward();
    sgd.step(lr);
    return losses.detach().sum();
}

} // namespace memloc::core
