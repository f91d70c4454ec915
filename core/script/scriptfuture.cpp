#include "script/scriptfuture.h"

#include <QAbstractEventDispatcher>
#include <QMetaObject>

#include <algorithm>

namespace coroscope::script {

void ScriptFuture::resolve(QJSValue value) {
    settle(Status::Resolved, std::move(value));
}
void ScriptFuture::fail(QJSValue error) {
    settle(Status::Failed, std::move(error));
}
void ScriptFuture::cancel() {
    settle(Status::Cancelled, QJSValue());
}

void ScriptFuture::settle(Status status, QJSValue value) {
    if (isDone())
        return;
    m_status = status;
    m_value = std::move(value);
    // Each waiter resumes in a callback of its own. A waiter cancelled before its callback runs
    // has disarmed its slot (the cancellation resumes it instead): never two resumes.
    std::vector<std::shared_ptr<WaitSlot>> waiters = std::move(m_waiters);
    m_waiters.clear();
    QAbstractEventDispatcher* dispatcher = QAbstractEventDispatcher::instance();
    for (std::shared_ptr<WaitSlot>& slot : waiters) {
        auto resume = [slot, keep = shared_from_this()] {
            // One resume per slot, even when it waits on several futures settled in one tick.
            if (slot->cancelled)
                return;
            slot->cancelled = true;
            slot->handle.resume();
        };
        if (dispatcher)
            QMetaObject::invokeMethod(dispatcher, std::move(resume), Qt::QueuedConnection);
        else
            resume();
    }
}

void ScriptFuture::removeWaiter(const std::shared_ptr<WaitSlot>& slot) noexcept {
    m_waiters.erase(std::remove(m_waiters.begin(), m_waiters.end(), slot), m_waiters.end());
}

} // namespace coroscope::script
