#pragma once

#include "reading/sessionreader.h"
#include "reading/taskstore.h"

#include <QFutureWatcher>
#include <QObject>
#include <QPointer>
#include <QThreadPool>
#include <QtConcurrent>

#include <functional>
#include <memory>
#include <mutex>
#include <variant>

namespace coroscope::ui {

/// The one thread that reads a session's tasks for the views (task tables, task details, the
/// timeline): the GUI thread never waits on the database. Jobs run in the order submitted, on one
/// connection that is reopened when the session changes; each result comes back on the GUI thread
/// to a callback owned by `context` (dropped if `context` is gone).
class TaskStoreWorker : public QObject {
    Q_OBJECT
public:
    explicit TaskStoreWorker(QObject* parent = nullptr);
    ~TaskStoreWorker() override;

    /// The session the next jobs read (the file may not exist yet: jobs fail until it does).
    void setPath(const QString& path);
    const QString& path() const noexcept { return m_path; }
    /// Jobs submitted and not yet delivered (tests wait for 0).
    int pending() const noexcept { return m_pending; }

    template <typename Result>
    void submit(QObject* context, std::function<Result(session::TaskStore&)> job,
                std::function<void(Result)> done, std::function<void(const QString&)> failed = {}) {
        using Outcome = std::variant<Result, QString>;
        auto* watcher = new QFutureWatcher<Outcome>(context);
        ++m_pending;
        connect(watcher, &QFutureWatcher<Outcome>::finished, context,
                [self = QPointer<TaskStoreWorker>(this), watcher, done = std::move(done),
                 failed = std::move(failed)] {
                    watcher->deleteLater();
                    if (self)
                        --self->m_pending;
                    // Moved out, not copied: a million ids or a window of 100 000 segments is
                    // megabytes the GUI thread would otherwise copy (bench/gui).
                    QFuture<Outcome> future = watcher->future();
                    Outcome outcome = future.takeResult();
                    if (auto* error = std::get_if<QString>(&outcome)) {
                        if (failed)
                            failed(*error);
                    } else {
                        done(std::get<Result>(std::move(outcome)));
                    }
                });
        watcher->setFuture(
            QtConcurrent::run(&m_pool, [shared = m_shared, path = m_path, job = std::move(job)] {
                std::lock_guard lock(shared->mutex);
                try {
                    if (!shared->store || shared->store->path() != path) {
                        shared->store.reset();
                        shared->store = std::make_unique<session::TaskStore>(path);
                    }
                    return Outcome(job(*shared->store));
                } catch (const session::SessionError& e) {
                    shared->store.reset(); // reopened by the next job: the file may be back
                    return Outcome(e.message());
                }
            }));
    }

private:
    struct Shared {
        std::mutex mutex;
        std::unique_ptr<session::TaskStore> store;
    };
    QThreadPool m_pool;
    std::shared_ptr<Shared> m_shared = std::make_shared<Shared>();
    QString m_path;
    int m_pending = 0;
};

} // namespace coroscope::ui
