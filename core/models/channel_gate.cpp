#include "models/channel_gate.h"

#include "memloc/error.h"

#include <algorithm>
#include <cmath>

namespace memloc::core {

namespace {

// A 32-bit integer mixer (xor-shift-multiply) on int64 tensors. Values stay below 2^32 before
// each multiplication by a constant below 2^27, so no intermediate overflows int64.
torch::Tensor mix32(torch::Tensor x) {
    constexpr std::int64_t kMask = 0xFFFFFFFF, kMul = 0x45d9f3b;
    for (int round = 0; round < 3; ++round) {
        x = torch::bitwise_xor(x, torch::bitwise_right_shift(x, 16));
        x = torch::bitwise_and(x * kMul, kMask);
    }
    return torch::bitwise_xor(x, torch::bitwise_right_shift(x, 16));
}

} // namespace

const char* etdRoundingName(EtdSpec::Rounding rounding) {
    return rounding == EtdSpec::Rounding::Floor ? "floor" : "round";
}

EtdSpec::Rounding etdRoundingFromName(const std::string& name) {
    if (name == "round") return EtdSpec::Rounding::Round;
    if (name == "floor") return EtdSpec::Rounding::Floor;
    throw Error("etd_rounding must be round or floor, got '" + name + "'");
}

std::int64_t etdGeneralizationChannels(std::int64_t channels, double pGen, EtdSpec::Rounding rounding) {
    // The same double product as Python's p_gen * C, so Floor matches int(p_gen * C) bit for bit.
    const double exact = pGen * static_cast<double>(channels);
    const auto count = static_cast<std::int64_t>(rounding == EtdSpec::Rounding::Floor ? std::trunc(exact) : std::llround(exact));
    // At most C; no lower bound, so runs saved before etd_rounding existed (rounded, possibly to
    // 0 on very narrow layers) read back with the masks they were trained with, and Floor gives 0
    // where int() does.
    return std::clamp<std::int64_t>(count, 0, channels);
}

torch::Tensor etdExampleMask(const torch::Tensor& ids, std::int64_t layer, std::int64_t channels, const EtdSpec& spec) {
    const auto opts = torch::TensorOptions().dtype(torch::kLong).device(ids.device());
    const torch::Tensor channel = torch::arange(channels, opts).view({1, channels});
    const std::int64_t salt = static_cast<std::int64_t>((spec.seed * 0x9E3779B1ULL + static_cast<std::uint64_t>(layer) * 0x85EBCA6BULL) & 0xFFFFFFFFULL);
    torch::Tensor h = mix32(torch::bitwise_and(ids.view({-1, 1}).to(torch::kLong) + salt, static_cast<std::int64_t>(0xFFFFFFFF)));
    h = mix32(torch::bitwise_and(h + channel * static_cast<std::int64_t>(0x27d4eb2d), static_cast<std::int64_t>(0xFFFFFFFF)));
    const torch::Tensor uniform = h.to(torch::kDouble) / 4294967296.0;
    torch::Tensor on = uniform < spec.pMem;
    const std::int64_t gen = etdGeneralizationChannels(channels, spec.pGen, spec.rounding);
    if (gen > 0) on.slice(1, 0, gen).fill_(true);
    return on;
}

void ChannelGateImpl::configureEtd(const EtdSpec& spec, std::int64_t layer, const ForwardContext* context) {
    if (!(spec.pGen > 0 && spec.pGen <= 1) || !(spec.pMem >= 0 && spec.pMem <= 1))
        throw Error("example-tied dropout needs p_gen in (0, 1] and p_mem in [0, 1]");
    m_etd = true;
    m_spec = spec;
    m_layer = layer;
    m_context = context;
}

torch::Tensor ChannelGateImpl::forward(const torch::Tensor& x) {
    torch::Tensor out = x;
    auto broadcast = [&x](const torch::Tensor& perChannel) {
        std::vector<std::int64_t> shape(static_cast<std::size_t>(x.dim()), 1);
        shape[0] = perChannel.dim() == 2 ? perChannel.size(0) : 1;
        shape[1] = perChannel.size(-1);
        return perChannel.view(shape);
    };
    if (m_etd) {
        const std::int64_t gen = etdGeneralizationChannels(m_channels, m_spec.pGen, m_spec.rounding);
        const EtdMode mode = m_context ? m_context->etdMode : EtdMode::Test;
        if (mode == EtdMode::Example) {
            if (!m_context || !m_context->exampleIds.defined() || m_context->exampleIds.size(0) != x.size(0))
                throw Error("example-tied dropout in example mode needs the batch's example ids");
            const torch::Tensor mask = etdExampleMask(m_context->exampleIds, m_layer, m_channels, m_spec).to(x.dtype());
            out = out * broadcast(mask);
        } else {
            torch::Tensor scale = torch::ones({m_channels}, x.options());
            if (mode == EtdMode::Test) {
                scale.slice(0, gen).fill_(m_spec.pMem);
            } else {
                scale.slice(0, gen).zero_();
                if (gen > 0) scale.slice(0, 0, gen).fill_((m_spec.pGen + m_spec.pMem) / m_spec.pGen);
            }
            out = out * broadcast(scale);
        }
    }
    if (m_keep.defined()) out = out * broadcast(m_keep);
    return out;
}

} // namespace memloc::core
