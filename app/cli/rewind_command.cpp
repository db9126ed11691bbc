#include "commands.h"
namespace memloc::cli { int rewindCommand(const Arguments&) { throw UsageError{"rewind: under construction"}; } }
