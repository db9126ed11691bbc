#include "models/vit.h"

#include "memloc/error.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace memloc::core {

namespace {

// einops 'b c (h p1) (w p2) -> b (h w) (p1 p2 c)': cuts [B, C, H, W] into flattened patches.
class PatchCutImpl : public torch::nn::Module {
public:
    explicit PatchCutImpl(std::int64_t patch) : m_patch(patch) {}
    torch::Tensor forward(const torch::Tensor& x) {
        const std::int64_t b = x.size(0), c = x.size(1), h = x.size(2) / m_patch, w = x.size(3) / m_patch;
        return x.reshape({b, c, h, m_patch, w, m_patch}).permute({0, 2, 4, 3, 5, 1}).reshape({b, h * w, m_patch * m_patch * c});
    }

private:
    std::int64_t m_patch;
};
TORCH_MODULE(PatchCut);

// Large negative logit for the masked diagonal, as Python's -torch.finfo(dtype).max.
double maskValue(const torch::Tensor& t) {
    return t.scalar_type() == torch::kDouble ? -std::numeric_limits<double>::max() : -std::numeric_limits<float>::max();
}

} // namespace

VitOptions vitOptionsFor(const ModelSpec& spec) {
    VitOptions o;
    o.channels = spec.inChannels;
    o.imageSize = spec.imageSize;
    o.patchSize = spec.patchSize;
    o.numClasses = spec.numClasses;
    o.dim = scaledWidth(o.dim, spec.width);
    o.mlpDim = scaledWidth(o.mlpDim, spec.width);
    if (spec.patchSize < 1 || spec.imageSize % spec.patchSize != 0)
        throw Error("vit: patch_size " + std::to_string(spec.patchSize) + " must divide the image size " +
                    std::to_string(spec.imageSize));
    if (o.dim % o.heads != 0)
        throw Error("vit: width " + std::to_string(spec.width) + " gives dim " + std::to_string(o.dim) +
                    ", which is not a multiple of the " + std::to_string(o.heads) + " heads (choose width k/64)");
    return o;
}

LsaImpl::LsaImpl(const VitOptions& o) : m_heads(o.heads) {
    const std::int64_t inner = o.dimHead() * o.heads;
    m_temperature = register_parameter("temperature", torch::full({}, std::log(std::pow(static_cast<double>(o.dimHead()), -0.5))));
    m_norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.dim})));
    m_dropout = register_module("dropout", torch::nn::Dropout(o.dropout));
    m_toQkv = register_module("to_qkv", torch::nn::Linear(torch::nn::LinearOptions(o.dim, inner * 3).bias(false)));
    Chain out;
    out->append(torch::nn::Linear(inner, o.dim)).append(torch::nn::Dropout(o.dropout));
    m_toOut = register_module("to_out", out);
}

torch::Tensor LsaImpl::forward(const torch::Tensor& x) {
    const std::int64_t b = x.size(0), n = x.size(1);
    const auto qkv = m_toQkv->forward(m_norm->forward(x)).chunk(3, -1);
    auto heads = [&](const torch::Tensor& t) { return t.reshape({b, n, m_heads, -1}).transpose(1, 2); };  // [B, h, N, d]
    const torch::Tensor q = heads(qkv[0]), k = heads(qkv[1]), v = heads(qkv[2]);
    torch::Tensor dots = torch::matmul(q, k.transpose(-1, -2)) * m_temperature.exp();
    // Locality: a token may not attend to itself.
    dots = dots.masked_fill(torch::eye(n, dots.options().dtype(torch::kBool)), maskValue(dots));
    const torch::Tensor attention = m_dropout->forward(torch::softmax(dots, -1));
    return m_toOut->forward(torch::matmul(attention, v).transpose(1, 2).reshape({b, n, -1}));
}

FeedForwardImpl::FeedForwardImpl(const VitOptions& o, ChannelGate hiddenGate) {
    Chain activation;  // child "2": GELU then the unit gate; neither has parameters
    activation->append(torch::nn::GELU()).append(TokenGate(std::move(hiddenGate)));
    Chain net;
    net->append(torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.dim})))
        .append(torch::nn::Linear(o.dim, o.mlpDim))
        .append(std::move(activation))
        .append(torch::nn::Dropout(o.dropout))
        .append(torch::nn::Linear(o.mlpDim, o.dim))
        .append(torch::nn::Dropout(o.dropout));
    m_net = register_module("net", net);
}

ShiftedPatchTokensImpl::ShiftedPatchTokensImpl(const VitOptions& o) {
    Chain tokens;
    tokens->append(PatchCut(o.patchSize))
        .append(torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.patchDim()})))
        .append(torch::nn::Linear(o.patchDim(), o.dim));
    m_toPatchTokens = register_module("to_patch_tokens", tokens);
}

torch::Tensor ShiftedPatchTokensImpl::forward(const torch::Tensor& x) {
    // F.pad (left, right, top, bottom); a negative amount crops: shifted right, left, down, up
    // (vit_pytorch's vit_for_small_dataset, whose parameter names this model keeps).
    std::vector<torch::Tensor> parts{x};
    for (const auto& pad : {std::vector<std::int64_t>{1, -1, 0, 0}, {-1, 1, 0, 0}, {0, 0, 1, -1}, {0, 0, -1, 1}})
        parts.push_back(torch::constant_pad_nd(x, pad, 0));
    return m_toPatchTokens->forward(torch::cat(parts, 1));
}

Vit::Vit(const VitOptions& o) {
    if (o.patchSize < 1 || o.imageSize % o.patchSize != 0) throw Error("vit: the patch size must divide the image size");
    if (o.dim % o.heads != 0) throw Error("vit: dim must be a multiple of the number of heads");
    const std::int64_t tokens = o.numPatches() + 1;

    m_toPatchEmbedding = register_module("to_patch_embedding", ShiftedPatchTokens(o));
    m_posEmbedding = register_parameter("pos_embedding", torch::randn({1, tokens, o.dim}));
    m_clsToken = register_parameter("cls_token", torch::randn({1, 1, o.dim}));
    m_dropout = register_module("dropout", torch::nn::Dropout(o.embDropout));
    m_unitGates.push_back(ChannelGate(o.dim));
    m_embedGate = TokenGate(m_unitGates.back());
    const std::string tokenPrefix = "to_patch_embedding.to_patch_tokens.";
    m_groups.push_back(LayerGroup{"embed", "to_patch_embedding", o.dim,
                                  {tokenPrefix + "1.weight", tokenPrefix + "1.bias", tokenPrefix + "2.weight",
                                   tokenPrefix + "2.bias", "cls_token", "pos_embedding"},
                                  0, {"to_patch_embedding", "dropout"}, {tokenPrefix + "2.weight", tokenPrefix + "2.bias"}});

    auto transformer = std::make_shared<torch::nn::Module>();
    torch::nn::ModuleList layers;
    for (std::int64_t i = 0; i < o.depth; ++i) {
        m_unitGates.push_back(ChannelGate(o.mlpDim));
        m_attention.push_back(Lsa(o));
        m_feedForward.push_back(FeedForward(o, m_unitGates.back()));
        torch::nn::ModuleList pair;
        pair->push_back(m_attention.back());
        pair->push_back(m_feedForward.back());
        layers->push_back(pair);

        const std::string prefix = "transformer.layers." + std::to_string(i);
        LayerGroup group{"block" + std::to_string(i + 1), prefix, o.mlpDim, {}, static_cast<std::size_t>(i + 1), {},
                         {prefix + ".1.net.1.weight", prefix + ".1.net.1.bias"}};
        for (const auto& p : pair->named_parameters()) group.parameters.push_back(prefix + "." + p.key());
        m_groups.push_back(std::move(group));
    }
    transformer->register_module("layers", layers);
    register_module("transformer", transformer);

    m_mlpHead->append(torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.dim}))).append(torch::nn::Linear(o.dim, o.numClasses));
    register_module("mlp_head", m_mlpHead);
    m_unitGates.push_back(ChannelGate(o.numClasses));
    m_groups.push_back(LayerGroup{"head", "mlp_head", o.numClasses,
                                  {"mlp_head.0.weight", "mlp_head.0.bias", "mlp_head.1.weight", "mlp_head.1.bias"},
                                  static_cast<std::size_t>(o.depth + 1), {}, {"mlp_head.1.weight", "mlp_head.1.bias"}});
}

torch::Tensor Vit::forwardRange(const torch::Tensor& x, std::size_t begin, std::size_t end) {
    torch::Tensor h = x;
    const std::size_t depth = m_attention.size();
    for (std::size_t block = begin; block < std::min(end, blockCount()); ++block) {
        if (block == 0) {
            h = m_toPatchEmbedding->forward(h);
            h = torch::cat({m_clsToken.expand({h.size(0), -1, -1}), h}, 1);
            h = m_dropout->forward(h + m_posEmbedding.slice(1, 0, h.size(1)));
            h = m_embedGate->forward(h);
        } else if (block <= depth) {
            h = m_attention[block - 1]->forward(h) + h;
            h = m_feedForward[block - 1]->forward(h) + h;
        } else {
            h = m_unitGates.back()->forward(m_mlpHead->forward(h.select(1, 0)));
        }
    }
    return h;
}

} // namespace memloc::core
