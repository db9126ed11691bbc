#include "training/lr_schedule.h"

#include "memloc/error.h"

#include <algorithm>
#include <cmath>

namespace memloc::core {

LrSchedule::LrSchedule(std::string kind, double peak, std::int64_t totalSteps,
                       std::int64_t stepsPerEpoch, double warmup, double peakEpoch)
    : m_kind(std::move(kind)),
      m_peak(peak),
      m_total(std::max<std::int64_t>(1, totalSteps)),
      m_warmupSteps(std::llround(warmup * static_cast<double>(m_total))),
      m_peakStep(std::clamp(peakEpoch * static_cast<double>(stepsPerEpoch), 1.0,
                            static_cast<double>(m_total))) {
    if (m_kind != "cosine" && m_kind != "triangle" && m_kind != "constant")
        throw Error("unknown schedule '" + m_kind + "' (expected cosine, triangle or constant)");
}

double LrSchedule::at(std::int64_t step) const {
    // Iterations are counted from 1 inside the formulas so the first step never has LR 0.
    const double t = static_cast<double>(std::clamp<std::int64_t>(step, 0, m_total - 1) + 1);
    const double total = static_cast<double>(m_total);
    if (m_kind == "constant") return m_peak;
    if (m_kind == "triangle") {
        if (t <= m_peakStep) return m_peak * t / m_peakStep;
        if (total <= m_peakStep) return m_peak;
        return m_peak * std::max(0.0, (total - t + 1) / (total - m_peakStep + 1));
    }
    const double w = static_cast<double>(m_warmupSteps);
    if (t <= w) return m_peak * t / w;
    const double progress = (t - w - 1) / std::max(1.0, total - w);
    return m_peak * 0.5 * (1.0 + std::cos(M_PI * progress));
}

} // namespace memloc::core
