#pragma once
// Progress reporting and cancellation for the core's long, synchronous operations.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

namespace memloc::core {

/// One progress report: `done` of `total` steps of the current stage.
struct Progress {
    std::int64_t done = 0;
    std::int64_t total = 0;
    std::string stage;  ///< human-readable, e.g. "epoch 3/20: training"
};

/// Called from the thread that runs the operation (never from another thread), at most once per
/// batch. Must return quickly; callers that update a GUI should throttle.
using ProgressFn = std::function<void(const Progress&)>;

/// Set from any thread (e.g. a signal handler or the GUI thread) to ask a running operation to
/// stop; the operation checks it at least once per batch and then throws Cancelled.
class CancelToken {
public:
    void cancel() noexcept { m_cancelled.store(true, std::memory_order_relaxed); }
    bool isCancelled() const noexcept { return m_cancelled.load(std::memory_order_relaxed); }
    void reset() noexcept { m_cancelled.store(false, std::memory_order_relaxed); }

private:
    std::atomic<bool> m_cancelled{false};
};

} // namespace memloc::core
