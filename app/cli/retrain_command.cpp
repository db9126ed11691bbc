#include "commands.h"
namespace memloc::cli { int retrainCommand(const Arguments&) { throw UsageError{"retrain: under construction"}; } }
