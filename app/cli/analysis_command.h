#pragma once
// Shared plumbing of the analysis subcommands: common options, progress bar, Ctrl-C.

#include "arguments.h"
#include "progress_bar.h"

#include "memloc/analysis_options.h"
#include "memloc/run_config.h"

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

/// The words text output uses for a run's studied set and the rest: label noise keeps "noisy" and
/// "clean"; a focus set is named by its name and "other".
struct SetWords {
    std::string set, rest;  ///< "noisy" / "clean", or e.g. "atypical" / "other"
    std::string given;      ///< the set against its given labels: "noisy-given (memorized)" / "atypical (fitted)"
    std::string givenShort; ///< the same in a column: "noisy-given" / "atypical"
    std::string truth;      ///< the set against its true labels: "noisy-true" / "atypical-true"
    bool labelNoise = true;
};
SetWords setWords(const core::FocusNames& names);
/// setWords of the run file at `runPath` (reads its summary; throws Error like readRunSummary).
SetWords runSetWords(const std::string& runPath);

} // namespace memloc::cli
