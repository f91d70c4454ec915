#pragma once

#include "model/histogram.h"
#include "recording/sessiondelta.h"
#include "recording/sessionfileclaim.h"
#include "session/sqlite.h"

#include <QString>
#include <QVariant>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>

namespace coroscope::session {

class SessionDeltaQueue;

/// Writes a session file from a thread of its own: every ~100 ms it takes what changed from the
/// queue the collector fills (the same records the live view is built from) and commits it in one
/// transaction.
/// The measured loop never waits for it, nor for the disk. A full disk first costs the resume
/// segments (the bulk of every batch: tasks, time series and diagnostics go on being written,
/// warning() says so); a write error that persists stops the writing, not the run: what was
/// committed stays readable, and error() says what happened.
class SessionWriter {
public:
    static constexpr std::chrono::milliseconds kBatchInterval{100};
    static constexpr std::uint64_t kDefaultMaxSegments = 5'000'000;
    static constexpr std::size_t kMaxLogLines = 100'000;

    /// Creates the file, replacing an earlier session there; throws SqliteError (file and cause) if
    /// it cannot, or if the path holds something else or a session another runner is writing
    /// (SessionFileClaim).
    SessionWriter(const QString& path, SessionDeltaQueue& deltas);
    ~SessionWriter();
    SessionWriter(const SessionWriter&) = delete;
    SessionWriter& operator=(const SessionWriter&) = delete;

    /// A `meta` row (text, integer or real). Before start() it is written at once; later, with the
    /// next batch.
    void setMeta(const QString& key, const QVariant& value) { setMeta({{key, value}}); }
    void setMeta(const std::map<QString, QVariant>& rows);
    void setMaxSegments(std::uint64_t max) { m_maxSegments = max; }

    /// Starts the writer thread; `originNs` is the run's start (per-second rows count from it).
    /// Call after the profiler taps the session into the same queue (Profiler::tapSession()).
    void start(std::int64_t originNs);
    /// Thread-safe (the loop thread logs); bounded.
    void appendLog(std::int64_t tNs, const QString& line);
    /// Stops the thread, writes what is still queued and the last batch (call after the profiler
    /// stopped, so that the shutdown diagnostics are in it), then `finalMeta` in a transaction of
    /// its own (the `status` row there is what tells a finished session), and checkpoints the WAL.
    void finish(const std::map<QString, QVariant>& finalMeta = {});

    const QString& path() const noexcept { return m_path; }
    /// The first write error, with the file and the cause; nothing after it was written but the
    /// final meta rows, where they still fit.
    std::optional<QString> error() const;
    /// Set when the disk filled up and the writer went on without the resume segments (the rest
    /// of the run is still recorded): what was given up, and from when.
    std::optional<QString> warning() const;
    std::uint64_t batchesWritten() const noexcept { return m_batches; }

    /// What the writer did and how long it took (for bench/session). Read after finish().
    struct Stats {
        std::uint64_t batches = 0;
        std::uint64_t taskRows = 0;
        std::uint64_t segmentRows = 0;
        std::int64_t taskNs = 0;    ///< time spent writing task rows
        std::int64_t segmentNs = 0; ///< time spent writing segment rows
        std::int64_t batchNs = 0;   ///< time spent in whole batches, commit included
    };
    const Stats& stats() const noexcept { return m_stats; }

private:
    void run(std::stop_token stop);
    void writeBatch(const SessionDelta& delta);
    /// One try at committing `delta` (without its segments if `withSegments` is false); on a
    /// failure the transaction is rolled back, the running aggregates too if `undoable`, and it
    /// rethrows.
    void tryBatch(const SessionDelta& delta, const std::map<QString, QVariant>& meta,
                  const std::vector<std::pair<std::int64_t, QString>>& logs, bool withSegments,
                  bool undoable);
    /// Folds the WAL into the file and empties it: on a full disk, the room a retry needs.
    void checkpointForRoom() noexcept;
    /// Bytes the file may still grow by: the smaller of what the disk has free and what the
    /// process may write (RLIMIT_FSIZE, per file), less the pages it already holds.
    std::int64_t roomLeft();
    /// Before the disk is full, not after: below this room, resume segments stop being written so
    /// that the rest of the run (tasks, time series, its end) still fits.
    static constexpr std::int64_t kRoomKeptForTheRest = 1 << 20;
    /// Below this room a batch is made so that it can be tried again (see writeBatch()).
    static constexpr std::int64_t kRoomForRetries = std::int64_t(256) << 20;
    void stopSegmentsForSpace(std::int64_t tNs);
    void writeTasks(const SessionDelta& d);
    void writeSegments(const SessionDelta& d, bool keep);
    void writeSlowCallbacks(const SessionDelta& d);
    void writeDiagnostics(const SessionDelta& d);
    void writeTimeSeries(const SessionDelta& d);
    void writeTaskMemory(const SessionDelta& d);
    void writeCpuProfile(const SessionDelta& d);
    void writeHistogram(const char* kind, const QString& name, std::int64_t second, const Histogram& h);
    void writeMetaRows(const std::map<QString, QVariant>& rows);
    void writeCounters(const SessionDelta& d);
    void writeLogs(const std::vector<std::pair<std::int64_t, QString>>& logs);
    void startSecond(std::int64_t second);

    QString m_path;
    SessionDeltaQueue& m_deltas;
    std::unique_ptr<SessionFileClaim> m_claim; ///< before m_db: released after it is closed
    std::unique_ptr<Database> m_db;
    std::jthread m_thread;
    std::int64_t m_originNs = 0;
    std::uint64_t m_maxSegments = kDefaultMaxSegments;
    std::uint64_t m_logsDropped = 0;
    std::uint64_t m_batches = 0;
    Stats m_stats;
    bool m_started = false;

    /// What the batches written so far add up to (writer thread only). A batch that fails is
    /// rolled back in the file and here alike, so it can be tried again.
    struct RunningAggregates {
        std::uint64_t segmentsWritten = 0;
        std::uint64_t segmentsDropped = 0;
        std::int64_t prevWallNs = 0;
        std::int64_t prevIdleNs = 0;
        std::int64_t secondWallNs = 0;
        std::int64_t secondIdleNs = 0;
        std::int64_t rssBytes = -1;
        std::int64_t heapBytes = -1;
        std::int64_t second = 0; ///< the second the per-second accumulators cover
        Histogram lagSecond;
        Histogram lagWhole;
        std::map<QString, Histogram> metricSecond;
        std::map<QString, Histogram> metricWhole;
        std::map<QString, Histogram> awaitWhole; ///< per await site: the whole run only
    };
    RunningAggregates m_agg;
    /// The disk filled up: resume segments are no longer written, so that the rest still fits.
    bool m_segmentsOffForSpace = false;

    mutable std::mutex m_mutex; ///< guards the members below (shared with other threads)
    std::map<QString, QVariant> m_pendingMeta;
    std::vector<std::pair<std::int64_t, QString>> m_pendingLogs;
    std::optional<QString> m_error;
    std::optional<QString> m_warning;
};

} // namespace coroscope::session
