#pragma once
// The one exception type the core throws for bad input and failed I/O.

#include <stdexcept>
#include <string>

namespace memloc::core {

/// Thrown by every core entry point on bad input (missing or malformed file, nonsense
/// configuration, wrong architecture) and on failed I/O. what() is a one-line message a user can
/// act on: it names the file or setting, what was expected and what was found.
class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

/// Thrown when a long operation stops because its CancelToken was set. Work completed before the
/// cancellation (e.g. finished epochs) has been saved.
class Cancelled : public std::runtime_error {
public:
    Cancelled() : std::runtime_error("cancelled") {}
};

} // namespace memloc::core
