#include <coroscope/profiler.h>

namespace coroscope {

Profiler::Profiler(Settings settings)
    : m_settings(std::move(settings))
    , m_slowThresholdNs(m_settings.slowCallbackThreshold.count())
    , m_collector(m_settings)
    , m_loopChannel(m_collector.openChannel("loop", m_settings.loopChannelCapacity))
    , m_watchdogChannel(m_collector.openChannel("watchdog", 1024))
    , m_memoryChannel(m_collector.openChannel("memory", 4096))
    , m_thread(m_loopChannel)
    , m_probe(m_thread, m_settings.lagProbeInterval)
    , m_watchdog(m_thread, m_watchdogChannel, m_settings.watchdogPollInterval)
    , m_memory(m_settings.memorySampleInterval) {
    Clock::calibrate();
    m_thread.slowThreshold.store(Clock::fromDuration(m_settings.slowCallbackThreshold));
    m_collector.watchLoop(&m_thread.published);
    EventChannel* memoryChannel = &m_memoryChannel;
    m_memory.setCallback(
        [memoryChannel](const MemorySample& sample) { memoryChannel->push(Record::memory(sample)); });
}

Profiler::~Profiler() {
    stop();
}

void Profiler::start() {
    if (m_running)
        return;
    m_running = true;
    InstrumentedThread::install(&m_thread);
    m_collector.start();
    m_probe.start();
    m_watchdog.start();
    m_memory.start();
}

void Profiler::stop() {
    if (!m_running)
        return;
    // The loop's own part first (only the loop can stop its probe), then what any thread can.
    m_probe.stop();
    InstrumentedThread::install(nullptr);
    stopWithoutLoop();
}

void Profiler::stopWithoutLoop() {
    if (!m_running)
        return;
    m_running = false;
    m_memory.stop();
    m_watchdog.stop();
    m_collector.stop();
    m_collector.finish();
    m_collector.flushSessionTap();
}

void Profiler::setSlowCallbackThreshold(std::chrono::nanoseconds threshold) {
    m_slowThresholdNs.store(threshold.count(), std::memory_order_relaxed);
    m_thread.slowThreshold.store(Clock::fromDuration(threshold), std::memory_order_relaxed);
}

std::chrono::nanoseconds Profiler::slowCallbackThreshold() const {
    return std::chrono::nanoseconds(m_slowThresholdNs.load(std::memory_order_relaxed));
}

RunSnapshot Profiler::snapshot() {
    m_collector.drain();
    return m_collector.snapshot();
}

} // namespace coroscope
