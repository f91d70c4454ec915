// The sleep queue behind coroscope::Sleep: one heap of sleeps per thread, ordered by due time,
// and one timerfd armed for the earliest. Why not a QTimer per sleep: see sleep.h. Why a timerfd,
// not a QBasicTimer: Qt 6.4 takes whole milliseconds from now, so after waking one sleep the next,
// due 40 µs later, woke up to 1 ms late; a timerfd takes the due time itself, to the nanosecond,
// as each QTimer (PreciseTimer) had it.
#include <coroscope/sleep.h>

#include <QCoreApplication>
#include <QEvent>
#include <QObject>
#include <QSocketNotifier>

#include <cerrno>
#include <deque>
#include <memory>
#include <sys/timerfd.h>
#include <unistd.h>
#include <vector>

namespace coroscope::detail {

class SleepQueue final : public QObject {
public:
    SleepQueue()
        : m_fd(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) {
        t_queue = this;
        if (m_fd < 0)
            qFatal("coroscope: timerfd_create failed (errno %d): sleeps cannot wait", errno);
        m_notifier = new QSocketNotifier(m_fd, QSocketNotifier::Read, this);
        connect(m_notifier, &QSocketNotifier::activated, this, [this] { wakeDueSleeps(); });
    }
    ~SleepQueue() override {
        t_queue = nullptr;
        delete m_notifier; // before its descriptor goes
        ::close(m_fd);
    }
    SleepQueue(const SleepQueue&) = delete;
    SleepQueue& operator=(const SleepQueue&) = delete;

    static SleepQueue& ofThisThread() {
        // Never destroyed with pending sleeps of a live loop: a thread's queue lives as long as
        // the thread; at exit its notifier does nothing once the dispatcher is gone.
        thread_local const auto queue = std::make_unique<SleepQueue>();
        return *queue;
    }
    static SleepQueue* ofThisThreadIfAny() noexcept { return t_queue; }

    void add(Sleep& sleep) {
        sleep.m_order = m_nextOrder++;
        sleep.m_slot = m_heap.size();
        m_heap.push_back(&sleep);
        siftUp(sleep.m_slot);
        if (m_heap.front() == &sleep)
            arm();
    }

    void remove(Sleep& sleep) noexcept {
        if (sleep.m_slot == Sleep::kWaking) {
            // Due already; its posted wake-up finds the next one instead (or nothing).
            std::erase(m_waking, &sleep);
        } else if (sleep.m_slot != Sleep::kNotQueued) {
            const bool wasFirst = sleep.m_slot == 0;
            eraseAt(sleep.m_slot);
            if (wasFirst)
                arm();
        }
        sleep.m_slot = Sleep::kNotQueued;
    }

protected:
    void wakeDueSleeps() {
        std::uint64_t expirations = 0;
        [[maybe_unused]] const auto bytes = ::read(m_fd, &expirations, sizeof expirations);
        // Every sleep now due gets a wake-up event of its own: each resume is its own dispatch
        // (its own callback, timed and attributed to its task), as each QTimer's timeout was.
        const auto now = std::chrono::steady_clock::now();
        while (!m_heap.empty() && m_heap.front()->m_due <= now) {
            Sleep* due = m_heap.front();
            eraseAt(0);
            due->m_slot = Sleep::kWaking;
            m_waking.push_back(due);
            QCoreApplication::postEvent(this, new QEvent(kWakeEvent));
        }
        arm();
    }

    bool event(QEvent* event) override {
        if (event->type() != kWakeEvent)
            return QObject::event(event);
        if (m_waking.empty())
            return true; // its sleep was cancelled meanwhile
        Sleep* sleep = m_waking.front();
        m_waking.pop_front();
        sleep->m_slot = Sleep::kNotQueued;
        sleep->m_awaiting.resume(); // may destroy `sleep`
        return true;
    }

public:
    static inline const QEvent::Type kWakeEvent = QEvent::Type(QEvent::registerEventType());

private:
    static inline thread_local SleepQueue* t_queue = nullptr;

    static bool earlier(const Sleep* a, const Sleep* b) noexcept {
        return a->m_due != b->m_due ? a->m_due < b->m_due : a->m_order < b->m_order;
    }

    /// Puts `sleep` at `slot`, and tells it where it is.
    void place(std::size_t slot, Sleep* sleep) noexcept {
        m_heap[slot] = sleep;
        sleep->m_slot = slot;
    }

    std::size_t siftUp(std::size_t slot) noexcept {
        Sleep* sleep = m_heap[slot];
        while (slot > 0) {
            const std::size_t parent = (slot - 1) / 2;
            if (!earlier(sleep, m_heap[parent]))
                break;
            place(slot, m_heap[parent]);
            slot = parent;
        }
        place(slot, sleep);
        return slot;
    }

    void siftDown(std::size_t slot) noexcept {
        Sleep* sleep = m_heap[slot];
        for (;;) {
            std::size_t child = 2 * slot + 1;
            if (child >= m_heap.size())
                break;
            if (child + 1 < m_heap.size() && earlier(m_heap[child + 1], m_heap[child]))
                ++child;
            if (!earlier(m_heap[child], sleep))
                break;
            place(slot, m_heap[child]);
            slot = child;
        }
        place(slot, sleep);
    }

    /// Takes the sleep at `slot` out of the heap; the last one fills its place.
    void eraseAt(std::size_t slot) noexcept {
        Sleep* last = m_heap.back();
        m_heap.pop_back();
        if (slot < m_heap.size()) {
            m_heap[slot] = last;
            siftDown(siftUp(slot));
        }
    }

    /// Arms the timerfd for the earliest sleep's due time, or disarms it when none is left.
    void arm() noexcept {
        itimerspec when{};
        if (!m_heap.empty()) {
            // steady_clock is CLOCK_MONOTONIC on Linux. A due time already past fires at once; a
            // zero it_value would disarm instead, hence at least 1 ns.
            const auto ns = std::max<std::int64_t>(1, std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                          m_heap.front()->m_due.time_since_epoch())
                                                          .count());
            when.it_value.tv_sec = time_t(ns / 1'000'000'000);
            when.it_value.tv_nsec = long(ns % 1'000'000'000);
        }
        timerfd_settime(m_fd, TFD_TIMER_ABSTIME, &when, nullptr);
    }

    std::vector<Sleep*> m_heap;  // a binary min-heap by (due, order); each Sleep knows its slot
    std::deque<Sleep*> m_waking; // due, their wake-up events posted, in due order
    std::uint64_t m_nextOrder = 0;
    int m_fd;
    QSocketNotifier* m_notifier = nullptr;
};

int sleepWakeEventType() noexcept {
    return SleepQueue::kWakeEvent;
}

void enqueueSleep(Sleep& sleep) {
    SleepQueue::ofThisThread().add(sleep);
}

void dequeueSleep(Sleep& sleep) noexcept {
    if (sleep.m_slot == Sleep::kNotQueued)
        return;
    if (SleepQueue* queue = SleepQueue::ofThisThreadIfAny())
        queue->remove(sleep);
}

} // namespace coroscope::detail
