#include "run/sessiontail.h"

#include <QFileInfo>
#include <QFutureWatcher>
#include <QtConcurrent>

#include <variant>

namespace coroscope::ui {

SessionTail::SessionTail(QObject* parent)
    : QObject(parent) {
    connect(&m_timer, &QTimer::timeout, this, [this] {
        if (!m_reading)
            poll();
    });
}

SessionTail::~SessionTail() = default;

void SessionTail::follow(const QString& path, Source source, std::chrono::milliseconds interval) {
    ++m_generation;
    m_path = path;
    m_source = source;
    m_latest.reset();
    m_stopAfterRead = false;
    m_timer.start(interval);
    poll();
}

void SessionTail::finalRead() {
    m_stopAfterRead = true;
    if (!m_reading)
        poll();
}

void SessionTail::stop() {
    m_timer.stop();
    ++m_generation;
}

void SessionTail::poll() {
    if (m_path.isEmpty() || !QFileInfo::exists(m_path)) {
        if (m_stopAfterRead)
            m_timer.stop();
        return; // a runner that has not created it yet
    }
    m_reading = true;
    // Read on a worker thread; the result comes back to this object on its own thread (the
    // watcher is its child: gone with it). A QFutureWatcher, not a detached QCoro::Task: QCoro 0.8
    // destroyed the frame of a dropped task twice here (ASan, test_uirunner).
    auto* watcher = new QFutureWatcher<Outcome>(this);
    connect(watcher, &QFutureWatcher<Outcome>::finished, this, [this, watcher, generation = m_generation] {
        watcher->deleteLater();
        onRead(generation, watcher->result());
    });
    watcher->setFuture(QtConcurrent::run([path = m_path]() -> Outcome {
        try {
            // Not every task's row: a million would take seconds at each poll. The views page
            // them from the file through TaskStore.
            return std::make_shared<const session::SessionData>(
                session::readSession(path, session::ReadOptions{.taskRows = false}));
        } catch (const session::SessionError& e) {
            return e.message();
        }
    }));
}

void SessionTail::onRead(std::uint64_t generation, Outcome outcome) {
    m_reading = false;
    if (generation != m_generation)
        return; // another file meanwhile
    ++m_reads;
    if (const auto* error = std::get_if<QString>(&outcome)) {
        // A runner creates the file, then its schema: a read in between sees an empty file or
        // one without a schema version. That is "not yet", never an error to show.
        if (m_source == Source::LiveRunner && !m_latest && !m_stopAfterRead)
            return;
        m_timer.stop();
        Q_EMIT failed(*error);
        return;
    }
    m_latest = std::get<0>(std::move(outcome));
    if (m_latest->finished || m_stopAfterRead)
        m_timer.stop();
    Q_EMIT updated(m_latest);
}

} // namespace coroscope::ui
