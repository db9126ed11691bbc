#include "analysis_command.h"

#include "interrupt.h"

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

} // namespace memloc::cli
