#pragma once

#include "reading/sessionreader.h"

#include <QObject>
#include <QTimer>

#include <memory>
#include <variant>

namespace coroscope::ui {

/// Follows a session file while a runner writes it (or opens a saved one): every `interval` it
/// reads the session on a worker thread — the GUI thread never waits for the disk — and hands
/// the result to the views as an immutable value. Stops polling once the session is finished.
/// Task rows are left out (only their counts by state): views page them with TaskStore.
class SessionTail : public QObject {
    Q_OBJECT
public:
    /// One read: the data, or why the file cannot be read.
    using Outcome = std::variant<std::shared_ptr<const session::SessionData>, QString>;

    explicit SessionTail(QObject* parent = nullptr);
    ~SessionTail() override;

    /// Who is behind the file: a saved session (an error is final at once), or a runner that is
    /// creating it now (then, until the first good read, the file is empty or has no schema yet:
    /// not an error, only not yet a session; finalRead() makes the next error final).
    enum class Source { SavedFile, LiveRunner };
    /// Starts following `path` (forgets the previous file). The file may not exist yet.
    void follow(const QString& path, Source source = Source::SavedFile,
                std::chrono::milliseconds interval = std::chrono::milliseconds(100));
    /// Reads once more now (after the runner ended: its last batch), then stops.
    void finalRead();
    void stop();

    const QString& path() const noexcept { return m_path; }
    std::shared_ptr<const session::SessionData> latest() const { return m_latest; }
    int readsDone() const noexcept { return m_reads; }

Q_SIGNALS:
    /// A newer view of the session (a finished session is the last one).
    void updated(std::shared_ptr<const coroscope::session::SessionData> data);
    /// The file exists but cannot be read as a session (damaged, foreign, newer): the message
    /// names the file and the cause. Polling stops.
    void failed(const QString& message);

private:
    void poll();
    void onRead(std::uint64_t generation, Outcome outcome);

    QString m_path;
    QTimer m_timer;
    bool m_reading = false;
    bool m_stopAfterRead = false;
    Source m_source = Source::SavedFile;
    int m_reads = 0;
    std::uint64_t m_generation = 0; ///< follow() bumps it: a read of a previous file is dropped
    std::shared_ptr<const session::SessionData> m_latest;
};

} // namespace coroscope::ui
