#pragma once
// Running a child process for the side-by-side benchmark: its stdout, wall time and peak memory.

#include <string>
#include <vector>

namespace memloc::cli {

/// Outcome of runChild.
struct ChildResult {
    int exitCode = -1;         ///< exit status; 128 + signal number if it was killed
    std::string out;           ///< everything it wrote to stdout (stderr passes through)
    double seconds = 0;        ///< wall time
    long peakRssKb = 0;        ///< its peak resident set size (getrusage ru_maxrss of the child)
};

/// Runs `argv` (argv[0] a path, not searched in PATH), waits for it and returns its output,
/// wall time and peak RSS. Blocks. Throws std::runtime_error if it cannot be started.
ChildResult runChild(const std::vector<std::string>& argv);

/// Path of the running executable (/proc/self/exe).
std::string selfExecutable();

} // namespace memloc::cli
