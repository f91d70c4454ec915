#include "instrument/relay.h"

#include "instrument/clock.h"
#include "instrument/taskcontext.h"

#include <cstdlib>
#include <exception>
#include <new>

namespace coroscope::detail {
namespace {

// Per-thread free list of fixed-size blocks for relay frames: every suspension allocates one, so
// malloc/free would show in the switch overhead. Bounded, and freed at thread exit.
class FramePool {
public:
    static constexpr std::size_t kBlockSize = 256;
    static constexpr std::size_t kMaxCached = 4096;

    ~FramePool() {
        while (m_head) {
            Node* next = m_head->next;
            std::free(m_head);
            m_head = next;
        }
    }
    void* allocate() {
        if (m_head) {
            Node* node = m_head;
            m_head = node->next;
            --m_count;
            return node;
        }
        void* block = std::malloc(kBlockSize);
        if (!block)
            throw std::bad_alloc();
        return block;
    }
    void release(void* block) noexcept {
        if (m_count >= kMaxCached) {
            std::free(block);
            return;
        }
        m_head = new (block) Node{m_head};
        ++m_count;
    }

private:
    struct Node {
        Node* next;
    };
    Node* m_head = nullptr;
    std::size_t m_count = 0;
};

thread_local FramePool t_pool;

// Gives the relay body its own promise without suspending.
struct OwnPromise {
    RelayPromise* promise = nullptr;
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<RelayPromise> h) noexcept {
        promise = &h.promise();
        return false;
    }
    RelayPromise& await_resume() const noexcept { return *promise; }
};

Relay relayBody() {
    RelayPromise& self = co_await OwnPromise{};
    if (TaskContext* context = self.context) {
        context->relayFired();
        self.target.resume();
    }
}

} // namespace

void RelayPromise::unhandled_exception() noexcept {
    std::terminate();
}

void* RelayPromise::operator new(std::size_t size) {
    if (size > FramePool::kBlockSize) [[unlikely]]
        return ::operator new(size);
    return t_pool.allocate();
}

void RelayPromise::operator delete(void* frame, std::size_t size) noexcept {
    if (size > FramePool::kBlockSize) [[unlikely]] {
        ::operator delete(frame);
        return;
    }
    t_pool.release(frame);
}

Relay makeRelay(std::coroutine_handle<> target, TaskContext* context) {
    Relay relay = relayBody();
    relay.handle.promise().target = target;
    relay.handle.promise().context = context;
    return relay;
}

} // namespace coroscope::detail
