#pragma once
// memloc-cli subcommands. Each returns the process exit status.

#include "arguments.h"

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

} // namespace memloc::cli
