#pragma once
// Shared plumbing of the analysis subcommands: common options, progress bar, Ctrl-C.

#include "arguments.h"
#include "progress_bar.h"

#include "memloc/analysis_options.h"

#include <memory>
#include <set>
#include <string>

namespace memloc::cli {

/// Options every analysis command accepts besides its own.
inline const std::set<std::string> kAnalysisOptions = {"device", "threads", "quiet", "json"};

/// Holds the progress bar and the Ctrl-C handler for the lifetime of one analysis command.
class AnalysisCommand {
public:
    /// Reads --device/--threads/--quiet from `args` and installs the Ctrl-C handler.
    explicit AnalysisCommand(const Arguments& args);
    ~AnalysisCommand();
    /// Run options wired to the progress bar and the Ctrl-C token.
    core::AnalysisRunOptions& runOptions() { return m_options; }
    /// Erases the progress bar (call before printing results).
    void finish() { m_bar->clear(); }

private:
    std::unique_ptr<ProgressBar> m_bar;
    core::AnalysisRunOptions m_options;
};

/// Formats a fraction as a percentage ("97.3%", "n/a" for NaN).
std::string percent(double fraction);

} // namespace memloc::cli
