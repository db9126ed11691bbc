#pragma once
// Writing files under a temporary name and moving them into place (internal, no torch).

#include <string>

namespace memloc::core {

/// The whole file as bytes; throws Error naming the file if it cannot be opened.
std::string readFileBytes(const std::string& path);

/// The extension of `path` in lower case, with its dot (".pt"), or "" if it has none.
std::string lowerExtension(const std::string& path);

/// Removes a partly written file; a failure to remove it is not worth reporting.
void removeQuietly(const std::string& path);

/// Renames the finished `partial` over `path`. On failure removes `partial` and throws Error
/// naming `path`, so an existing file at `path` is never left half replaced.
void moveIntoPlace(const std::string& partial, const std::string& path);

} // namespace memloc::core
