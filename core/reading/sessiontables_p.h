#pragma once
// The tables of a session, one reader each (readSession() puts them together). Each reads its
// rows in the order of the table's key, so that a table cut short by damage still gives the rows
// before the damage, and counts the rows it kept in `rows`.

#include "reading/sessionreader.h"
#include "session/sqlite.h"

#include <QStringList>

#include <cstddef>
#include <map>

namespace coroscope::session::tables {

/// A row that makes no sense (a state or severity no Coroscope writes): the file is damaged there.
struct DamagedRow {
    QString what;
};

std::optional<TaskState> taskStateFromName(const QString& name);

void meta(Database& db, std::map<QString, QString>& out, std::size_t& rows);
void tasks(Database& db, RunSnapshot& snapshot, std::size_t& rows);
/// Tasks by state from the tasks table, without reading their rows.
void taskCounts(Database& db, RunSnapshot& snapshot, std::size_t& rows);
void slowCallbacks(Database& db, RunSnapshot& snapshot, std::size_t& rows);
void diagnostics(Database& db, RunSnapshot& snapshot, std::size_t& rows);
void histograms(Database& db, RunSnapshot& snapshot, std::size_t& rows);
void loopSeconds(Database& db, RunSnapshot& snapshot, std::size_t& rows);
void timeSeries(Database& db, std::vector<TimePoint>& out, std::size_t& rows);
void metricSeries(Database& db, std::vector<MetricSeries>& out, std::size_t& rows);
void memorySamples(Database& db, RunSnapshot& snapshot, std::size_t& rows);
/// The per-task heap series; nothing (and no error) for a session recorded before the table.
/// Names the task layers from the tasks table, where it can.
void taskMemory(Database& db, TaskMemorySeries& out, std::size_t& rows);
/// The CPU profile's frames and nodes; nothing for a session recorded before the tables.
void cpuProfile(Database& db, CpuProfile& out, std::size_t& rows);
/// The span the spawn-site profile covers, and when main returned (see SpawnSite::liveEnd).
struct SpawnSpan {
    std::int64_t startNs = 0;
    std::int64_t endNs = 0;
    std::int64_t mainEndedNs = 0;
};
SpawnSpan spawnSpanOf(const RunInfo& info, bool finished, const std::vector<TimePoint>& timeSeries);
/// The spawn sites, folded from the tasks table (when its rows are not read anyway).
void spawnSites(Database& db, const SpawnSpan& span, std::vector<SpawnSite>& out, std::size_t& rows);
void counters(Database& db, std::map<QString, std::int64_t>& out, std::size_t& rows);
void logs(Database& db, std::vector<LogLine>& out, std::size_t& rows);

/// Reads the tables of one session, each as far as it is intact: damage (a page past the end of a
/// truncated file, a malformed page, a row that makes no sense) ends that table, not the read.
/// What was lost goes into `warnings`, one sentence each naming the file and the table.
class Salvage {
public:
    Salvage(Database& db, QStringList& warnings);

    /// `read(rows)` reads `table`, counting the rows it keeps.
    template <typename Read>
    void table(const char* table, Read&& read) {
        std::size_t rows = 0;
        try {
            read(rows);
        } catch (const SqliteError& e) {
            // A truncated file fails in more ways than "malformed" (a schema cut short names no
            // such table); an intact one only on damage, anything else is an error of its own.
            if (!e.isCorruption() && !m_db.cutShort())
                throw;
            lost(table, rows, {});
        } catch (const DamagedRow& e) {
            lost(table, rows, e.what);
        }
        m_rows += rows;
    }

    /// Some table, or the file's length, was found damaged.
    bool damaged() const noexcept { return m_damaged; }
    /// Throws SessionError when the file is damaged and not one row could be read.
    void checkSomethingWasRead() const;

private:
    void lost(const char* table, std::size_t rows, const QString& why);

    Database& m_db;
    QStringList& m_warnings;
    std::size_t m_rows = 0;
    bool m_damaged = false;
};

} // namespace coroscope::session::tables
