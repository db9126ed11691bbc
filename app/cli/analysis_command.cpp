#include "analysis_command.h"

#include "interrupt.h"

#include "memloc/run_summary.h"

#include <cstdio>

namespace memloc::cli {

AnalysisCommand::AnalysisCommand(const Arguments& args) {
    m_options.device = args.value("device", "auto");
    m_options.threads = args.intValue("threads", 0);
    m_bar = std::make_unique<ProgressBar>(0, !args.has("quiet"));
    m_options.cancel = &installInterrupt();
    m_options.progress = [bar = m_bar.get()](const core::Progress& p) { bar->update(p.done, p); };
}

AnalysisCommand::~AnalysisCommand() {
    m_bar->clear();
    restoreInterrupt();
}

std::string percent(double fraction) {
    if (fraction != fraction) return "n/a";
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.1f%%", fraction * 100.0);
    return buf;
}

SetWords setWords(const core::FocusNames& names) {
    if (names.labelNoise) return {"noisy", "clean", "noisy-given (memorized)", "noisy-given", "noisy-true", true};
    return {names.set, names.rest, names.set + " (fitted)", names.set, names.set + "-true", false};
}

SetWords runSetWords(const std::string& runPath) { return setWords(core::readRunSummary(runPath).focus); }

} // namespace memloc::cli
