#pragma once
// For tests: the message of the memloc::core::Error a call throws.

#include "memloc/error.h"

#include <QString>
#include <QStringList>
#include <QtTest>

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

/// Whether `message` is one line that contains every one of `parts`.
inline bool containsAll(const QString& message, const QStringList& parts) {
    if (message.isEmpty() || message.contains('\n'))
        return false;
    for (const QString& p : parts)
        if (!message.contains(p))
            return false;
    return true;
}

} // namespace memloc::core::testing

/// Fails the test unless `call` throws an Error whose one-line message contains every string given.
#define CHECK_ERROR(call, ...)                                                                     \
    do {                                                                                           \
        const QString msg_ = memloc::core::testing::errorOf([&] { (void)(call); });              \
        QVERIFY2(memloc::core::testing::containsAll(msg_, QStringList{__VA_ARGS__}),               \
                 qPrintable(QStringLiteral("unexpected error message: \"%1\"").arg(msg_)));       \
    } while (0)
