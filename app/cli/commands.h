#pragma once
// memloc-cli subcommands. Each returns the process exit status.

#include "arguments.h"

#include "memloc/run_config.h"

#include <set>
#include <string>

namespace memloc::cli {

constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInterrupted = 130;

int trainCommand(const Arguments& args);
int inspectCommand(const Arguments& args);
int benchCommand(const Arguments& args);
int rewindCommand(const Arguments& args);
int retrainCommand(const Arguments& args);
int flipCommand(const Arguments& args);
int demoCommand(const Arguments& args);
int neuronsCommand(const Arguments& args);
int dropCommand(const Arguments& args);
int dropoutEvalCommand(const Arguments& args);
int importCommand(const Arguments& args);
int exportCheckpointCommand(const Arguments& args);
int compareCommand(const Arguments& args);
/// Takes argv itself: its --vary option repeats.
int sweepCommand(int argc, char** argv);
int reproduceCommand(const Arguments& args);

/// Applies "--batch-size 64" style options (every option not in `own`) to `base`, typed by the
/// config's own fields; UsageError for an unknown option or a malformed value.
core::RunConfig applyConfigFlags(const Arguments& args, const core::RunConfig& base, const std::set<std::string>& own);

} // namespace memloc::cli
