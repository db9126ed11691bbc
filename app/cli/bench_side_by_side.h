#pragma once
// memloc-cli bench --suite side-by-side: memloc against the published Python on the same work.

#include "arguments.h"

namespace memloc::cli {

/// Runs the side-by-side suite (see README "Performance") and prints its table. Blocks for minutes.
int benchSideBySide(const Arguments& args);

} // namespace memloc::cli
