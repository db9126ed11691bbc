#pragma once
// Parsing of comma-separated integer lists ("0,5,10") in configs and command lines (no torch).

#include <cstdint>
#include <string>
#include <vector>

namespace memloc::core {

/// Parses a comma-separated list of integers; empty items are skipped. Throws Error naming
/// `what` on anything else.
std::vector<std::int64_t> parseIntList(const std::string& text, const std::string& what);

} // namespace memloc::core
