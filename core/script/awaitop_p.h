#pragma once

#include <QString>

namespace coroscope::script {

/// What a yielded awaitable asks the driver to do: the `__op` of the plain objects that the
/// prelude's API functions return (sleep() returns `{__op: <Sleep>, ms}`). One list for both
/// halves: the prelude's text names each as `@OP_SLEEP@` and preludeSource() puts the number in,
/// so the JavaScript compares plain integers and the driver switches over this enum.
enum class AwaitOp : int {
    None = 0, ///< not an awaitable of ours
    Sleep = 1,
    Gather = 2,
    Task = 3,
    Waiter = 4, ///< a waiter of Queue, Semaphore, Lock, Event
    Ready = 5,  ///< a value ready now: no suspension
    Timeout = 6,
    Race = 7,
    Offload = 9,
    HttpGet = 10,
};

struct AwaitOpToken {
    AwaitOp op;
    QLatin1String token; ///< what the prelude's text writes in its place
};

inline constexpr AwaitOpToken kAwaitOpTokens[] = {
    {AwaitOp::Sleep, QLatin1String("@OP_SLEEP@")},      {AwaitOp::Gather, QLatin1String("@OP_GATHER@")},
    {AwaitOp::Task, QLatin1String("@OP_TASK@")},        {AwaitOp::Waiter, QLatin1String("@OP_WAITER@")},
    {AwaitOp::Ready, QLatin1String("@OP_READY@")},      {AwaitOp::Timeout, QLatin1String("@OP_TIMEOUT@")},
    {AwaitOp::Race, QLatin1String("@OP_RACE@")},        {AwaitOp::Offload, QLatin1String("@OP_OFFLOAD@")},
    {AwaitOp::HttpGet, QLatin1String("@OP_HTTP_GET@")},
};

} // namespace coroscope::script
