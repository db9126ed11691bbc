#pragma once
// Ctrl-C handling shared by the long-running subcommands.

#include "memloc/progress.h"

namespace memloc::cli {

/// Installs a SIGINT handler that sets the returned token (a second Ctrl-C kills at once).
/// Call restoreInterrupt() when the long operation is over.
const core::CancelToken& installInterrupt();
void restoreInterrupt();

} // namespace memloc::cli
