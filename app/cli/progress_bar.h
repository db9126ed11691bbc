#pragma once
// A terminal progress bar on stderr: redrawn in place on a terminal, throttled, with an ETA.

#include "memloc/progress.h"

#include <chrono>
#include <cstdint>
#include <string>

namespace memloc::cli {

class ProgressBar {
public:
    /// `totalUnits` counts the work of the whole job (e.g. epochs x batches) for the ETA; 0 = use
    /// each report's own total.
    explicit ProgressBar(std::int64_t totalUnits, bool enabled);
    /// Reports that `doneUnits` of the whole job are done; redraws at most ~10 times a second.
    void update(std::int64_t doneUnits, const core::Progress& p);
    /// Erases the bar so a normal line can be printed.
    void clear();

private:
    std::int64_t m_total;
    bool m_enabled, m_tty, m_drawn = false;
    std::chrono::steady_clock::time_point m_start, m_lastDraw;
    std::int64_t m_startUnits = -1;
};

/// "1h02m", "3m05s", "12s".
std::string formatDuration(double seconds);

} // namespace memloc::cli
