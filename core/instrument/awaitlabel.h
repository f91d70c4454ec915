#pragma once

#include "instrument/taskcontext.h"

#include <QFuture>
#include <QNetworkReply>
#include <QTimer>
#include <qcoro/qcorotask.h>

#include <type_traits>

namespace coroscope {

namespace detail {
template <typename T>
struct IsQCoroTask : std::false_type {};
template <typename T>
struct IsQCoroTask<QCoro::Task<T>> : std::true_type {};
template <typename T>
struct IsQFuture : std::false_type {};
template <typename T>
struct IsQFuture<QFuture<T>> : std::true_type {};
} // namespace detail

/// Describes what a task waits for when it co_awaits `awaitable`. Types of our own provide
/// `AwaitLabel awaitLabel() const`; well-known Qt and QCoro types are recognised here.
template <typename A>
AwaitLabel describeAwaitable(const A& awaitable) {
    using T = std::remove_cvref_t<A>;
    if constexpr (requires {
                      { awaitable.awaitLabel() } -> std::convertible_to<AwaitLabel>;
                  }) {
        return awaitable.awaitLabel();
    } else if constexpr (detail::IsQCoroTask<T>::value) {
        return AwaitLabel{.kind = "qcoro-task"};
    } else if constexpr (std::is_same_v<T, QTimer*> || std::is_same_v<T, QTimer>) {
        const QTimer* timer = nullptr;
        if constexpr (std::is_pointer_v<T>)
            timer = awaitable;
        else
            timer = &awaitable;
        const std::int64_t interval = timer ? timer->interval() : 0;
        return AwaitLabel{.kind = "timer", .arg = interval};
    } else if constexpr (std::is_same_v<T, QNetworkReply*>) {
        QString detail;
        if (awaitable)
            detail = awaitable->url().toDisplayString(QUrl::RemoveUserInfo);
        return AwaitLabel{.kind = "network", .detail = detail};
    } else if constexpr (detail::IsQFuture<T>::value) {
        return AwaitLabel{.kind = "future"};
    } else {
        return AwaitLabel{};
    }
}

} // namespace coroscope
