#pragma once
// Learning-rate schedules stepped per iteration (no torch).

#include <cstdint>
#include <string>

namespace memloc::core {

/// The learning rate at each training iteration.
///  - "cosine": linear warm-up from peak/W to the peak over the first W = round(warmup x T)
///    iterations, then cosine decay to 0 at iteration T.
///  - "triangle": linear 0 -> peak at epoch `peakEpoch` -> 0 at the last iteration.
///  - "constant": the peak throughout.
class LrSchedule {
public:
    LrSchedule(std::string kind, double peak, std::int64_t totalSteps, std::int64_t stepsPerEpoch,
               double warmup, double peakEpoch);
    /// Learning rate of iteration `step` (0-based). Throws Error for an unknown schedule kind.
    double at(std::int64_t step) const;

private:
    std::string m_kind;
    double m_peak;
    std::int64_t m_total;
    std::int64_t m_warmupSteps;
    double m_peakStep;
};

} // namespace memloc::core
