#pragma once
// The small ViT of "Vision Transformer for Small-Size Datasets" (Lee et al. 2021), with the
// module names of lucidrains' vit_pytorch vit_for_small_dataset.py (internal: includes torch).

#include "models/model.h"

#include <cstdint>
#include <vector>

namespace memloc::core {

/// Sizes of the ViT (the paper's: patch 2 on 32x32, dim 512, depth 6, 8 heads, MLP 512, dropout 0.1).
struct VitOptions {
    std::int64_t channels = 3;
    std::int64_t imageSize = 32;
    std::int64_t patchSize = 2;
    std::int64_t numClasses = 10;
    std::int64_t dim = 512;
    std::int64_t depth = 6;
    std::int64_t heads = 8;
    std::int64_t mlpDim = 512;
    double dropout = 0.1;     ///< attention, projection and feed-forward dropout
    double embDropout = 0.1;  ///< dropout on the embedded tokens

    std::int64_t dimHead() const { return dim / heads; }
    std::int64_t numPatches() const { return (imageSize / patchSize) * (imageSize / patchSize); }
    std::int64_t patchDim() const { return patchSize * patchSize * 5 * channels; }
};

/// Applies a ChannelGate to the last dimension of tokens [B, N, D] (the gate scales dim 1).
/// Holds no state; names of the surrounding modules are unaffected.
class TokenGateImpl : public torch::nn::Module {
public:
    explicit TokenGateImpl(ChannelGate gate) : m_gate(std::move(gate)) {}
    torch::Tensor forward(const torch::Tensor& x) { return m_gate->forward(x.transpose(1, -1)).transpose(1, -1); }

private:
    ChannelGate m_gate;
};
TORCH_MODULE(TokenGate);

/// Locality self-attention, pre-norm: norm -> to_qkv (no bias) -> per head q k^T x exp(temperature)
/// (temperature learned, initialised to log(dim_head^-0.5)), diagonal masked out -> softmax ->
/// dropout -> x v -> to_out.0 (Linear) -> to_out.1 (Dropout). [B, N, dim] -> [B, N, dim].
class LsaImpl : public torch::nn::Module {
public:
    explicit LsaImpl(const VitOptions& o);
    torch::Tensor forward(const torch::Tensor& x);

private:
    std::int64_t m_heads;
    torch::Tensor m_temperature;
    torch::nn::LayerNorm m_norm{nullptr};
    torch::nn::Dropout m_dropout{nullptr};
    torch::nn::Linear m_toQkv{nullptr};
    Chain m_toOut{nullptr};
};
TORCH_MODULE(Lsa);

/// Pre-norm feed-forward "net": 0 LayerNorm -> 1 Linear(dim, mlp) -> 2 GELU (+ the unit gate on
/// the hidden units) -> 3 Dropout -> 4 Linear(mlp, dim) -> 5 Dropout.
class FeedForwardImpl : public torch::nn::Module {
public:
    FeedForwardImpl(const VitOptions& o, ChannelGate hiddenGate);
    torch::Tensor forward(const torch::Tensor& x) { return m_net->forward(x); }

private:
    Chain m_net;
};
TORCH_MODULE(FeedForward);

/// Shifted patch tokenization: the image and its 4 one-pixel shifts (right, left, down, up) (zero fill) are
/// concatenated (5C channels), cut into patches flattened as (p1 p2 c), then to_patch_tokens
/// 1 LayerNorm(patch_dim) -> 2 Linear(patch_dim, dim). [B, C, H, W] -> [B, num_patches, dim].
class ShiftedPatchTokensImpl : public torch::nn::Module {
public:
    explicit ShiftedPatchTokensImpl(const VitOptions& o);
    torch::Tensor forward(const torch::Tensor& x);

private:
    Chain m_toPatchTokens;
};
TORCH_MODULE(ShiftedPatchTokens);

/// The ViT: to_patch_embedding (SPT), cls_token [1,1,dim], pos_embedding [1,N+1,dim], dropout,
/// transformer.layers.i.{0 = LSA, 1 = FeedForward} (residual each), mlp_head (0 LayerNorm,
/// 1 Linear) on the cls token. Width scales dim and mlp_dim (8 heads kept: dim_head = dim / 8).
///
/// Top-level blocks (forwardRange): 0 embedding, 1..depth the transformer blocks, depth+1 head.
/// Layer groups: "embed" (SPT + cls token + position embedding; units = dim, gated on the
/// embedded tokens), "block1".."blockN" (units = the feed-forward hidden units, mlp_dim, gated
/// after the GELU: a block's neurons are those of its MLP, the ViT analogue of a conv channel),
/// "head" (units = classes). Initialisation as the Python: PyTorch defaults, cls/pos ~ N(0, 1).
class Vit : public Net {
public:
    explicit Vit(const VitOptions& o);
    torch::Tensor forward(const torch::Tensor& x) override { return forwardRange(x, 0, blockCount()); }
    std::vector<LayerGroup> layerGroups() const override { return m_groups; }
    std::size_t blockCount() const override { return m_attention.size() + 2; }
    torch::Tensor forwardRange(const torch::Tensor& x, std::size_t begin, std::size_t end) override;

private:
    ShiftedPatchTokens m_toPatchEmbedding{nullptr};
    torch::Tensor m_posEmbedding, m_clsToken;
    torch::nn::Dropout m_dropout{nullptr};
    std::vector<Lsa> m_attention;
    std::vector<FeedForward> m_feedForward;
    Chain m_mlpHead;
    TokenGate m_embedGate{nullptr};
    std::vector<LayerGroup> m_groups;
};

/// The ViT options for a model spec: the paper's sizes, dim and mlp_dim times spec.width. Throws
/// Error if the patch size does not divide the image size or dim is not a multiple of 8.
VitOptions vitOptionsFor(const ModelSpec& spec);

} // namespace memloc::core
