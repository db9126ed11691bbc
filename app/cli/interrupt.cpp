#include "interrupt.h"

#include <csignal>

namespace memloc::cli {

namespace {

core::CancelToken g_cancel;

extern "C" void onInterrupt(int) {
    g_cancel.cancel();
    std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

} // namespace

const core::CancelToken& installInterrupt() {
    g_cancel.reset();
    std::signal(SIGINT, onInterrupt);
    return g_cancel;
}

void restoreInterrupt() { std::signal(SIGINT, SIG_DFL); }

} // namespace memloc::cli
