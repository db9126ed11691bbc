#include "progress_bar.h"

#include "memloc/distributed.h"

#include <cstdio>
#include <unistd.h>

namespace memloc::cli {

std::string formatDuration(double seconds) {
    const long s = seconds < 0 ? 0 : static_cast<long>(seconds + 0.5);
    char buf[32];
    if (s >= 3600)
        std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
    else if (s >= 60)
        std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
    else
        std::snprintf(buf, sizeof buf, "%lds", s);
    return buf;
}

ProgressBar::ProgressBar(std::int64_t totalUnits, bool enabled)
    // Under torchrun only rank 0 draws (the others would scribble over the same terminal).
    : m_total(totalUnits), m_enabled(enabled && core::distributedRank() == 0), m_tty(isatty(fileno(stderr)) != 0),
      m_start(std::chrono::steady_clock::now()), m_lastDraw(m_start) {}

void ProgressBar::update(std::int64_t doneUnits, const core::Progress& p) {
    if (!m_enabled || !m_tty) return;  // a log file gets the per-epoch lines only
    const auto now = std::chrono::steady_clock::now();
    if (m_startUnits < 0) {
        m_startUnits = doneUnits;
        m_start = now;
    }
    if (m_drawn && now - m_lastDraw < std::chrono::milliseconds(100) && p.done != p.total) return;
    m_lastDraw = now;
    constexpr int kWidth = 24;
    const double frac = p.total > 0 ? static_cast<double>(p.done) / static_cast<double>(p.total) : 0.0;
    std::string bar(kWidth, ' ');
    for (int i = 0; i < static_cast<int>(frac * kWidth); ++i) bar[static_cast<std::size_t>(i)] = '#';
    const double elapsed = std::chrono::duration<double>(now - m_start).count();
    const std::int64_t doneSinceStart = doneUnits - m_startUnits;
    std::string eta = "--";
    if (doneSinceStart > 0 && elapsed > 0.5)
        eta = formatDuration(elapsed / static_cast<double>(doneSinceStart) *
                             static_cast<double>((m_total > 0 ? m_total : p.total) - doneUnits));
    std::fprintf(stderr, "\r\033[K%s [%s] %lld/%lld  ETA %s", p.stage.c_str(), bar.c_str(),
                 static_cast<long long>(p.done), static_cast<long long>(p.total), eta.c_str());
    std::fflush(stderr);
    m_drawn = true;
}

void ProgressBar::clear() {
    if (m_drawn) {
        std::fprintf(stderr, "\r\033[K");
        std::fflush(stderr);
        m_drawn = false;
    }
}

} // namespace memloc::cli
