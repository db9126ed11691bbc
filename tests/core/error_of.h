#pragma once
// For tests: the message of the memloc::core::Error a call throws.

#include "memloc/error.h"

#include <QString>

#include <functional>

namespace memloc::core::testing {

/// Runs `call`, which should throw memloc::core::Error; returns its message, or "" if none.
inline QString errorOf(const std::function<void()>& call) {
    try {
        call();
    } catch (const Error& e) {
        return QString::fromUtf8(e.what());
    }
    return QString();
}

} // namespace memloc::core::testing
