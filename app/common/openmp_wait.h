#pragma once
// Makes LibTorch's OpenMP worker threads sleep instead of spin while they wait.
//
// On a 2-core machine with any other busy process, spinning waiters made analyses up to 7x
// slower (measured: flip of 6 examples 25.7 s spinning, 3.5 s sleeping; no measurable cost when
// idle). libgomp reads OMP_WAIT_POLICY once, when the library is loaded - before main() - so the
// setting only takes effect by re-executing the program with it. A user's own setting wins.

#include <cstdlib>
#include <unistd.h>

namespace memloc::app {

inline void ensurePassiveOpenMpWait(char** argv) {
    if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
    setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    execv("/proc/self/exe", argv);
    // execv returned: it failed; carry on with the default policy.
}

} // namespace memloc::app
