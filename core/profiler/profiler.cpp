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
    , m_memory(m_settings.memorySampleInterval)
    , m_cpu(m_thread.published, m_settings.cpuSampleInterval, m_settings.maxCpuProfileNodes) {
    Clock::calibrate();
    m_thread.slowThreshold.store(Clock::fromDuration(m_settings.slowCallbackThreshold));
    m_collector.watchLoop(&m_thread.published);
    if (m_settings.cpuSampleInterval.count() > 0)
        m_collector.watchCpuProfile(&m_cpu.tree(), m_settings.cpuSampleInterval);
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
    m_cpu.start();
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
    // The watchdog first: stopping the sampler may wait for its last stacks to be symbolized (the
    // first lookups in a library take a few hundred ms here), and a watchdog still running would
    // report that wait as a slow callback of the dispatch that stops the profiler.
    m_watchdog.stop();
    m_cpu.stop();
    m_memory.stop();
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
