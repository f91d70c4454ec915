// The probe `coroscope launch` preloads into PROGRAM (LD_PRELOAD): it times every event dispatch
// of the thread that creates the application object (or of the thread named by --thread), with
// no help from PROGRAM.
//
// How it sees the dispatches on Qt 6.4 (checked against Debian's libQt6Core, docs/architecture.md):
// - libQt6Core is linked with -Bsymbolic-functions, so a preloaded notifyInternal2 would miss
//   every event QtCore sends itself (timers, posted events).
// - QCoreApplication::notifyInternal2 calls the EventNotifyCallback list first, on every thread.
//   A callback that returns true ends the dispatch with its own result. So ours does, on the
//   measured thread, what notifyInternal2 does after the list, inside a DispatchScope: it raises
//   the receiver thread's scope level (deleteLater() needs it: without it, an object deleted
//   later by a handler that then calls processEvents() is deleted inside that call) and calls
//   the application's notify(), override included.
//   Calling notifyInternal2 again instead, with the event marked to pass, would run the callback
//   list a second time on every dispatch (it copies the list: two atomic reference counts) and
//   notifyInternal2's own prologue (a thread-data lookup).
// - Qt's startup hook (qtHookData[QHooks::Startup]) runs when the application object is made:
//   there the profiler starts on that thread. A previous hook is chained.
// The scope level is private API (QThreadData): the probe refuses any Qt but the exact release it
// was built against. Registered from the library's constructor, before PROGRAM's main() and any
// thread of its.
#include "instrument/dispatchscope.h"
#include "instrument/heapinterposer.h"
#include "proberecording.h"

#include <QCoreApplication>
#include <QFile>
#include <QThread>
#include <QtCore/private/qhooks_p.h>
#include <QtCore/private/qobject_p.h>
#include <QtCore/private/qthread_p.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <pthread.h>
#include <string>

namespace coroscope::probe {
namespace {

ProbeConfig* g_config = nullptr; ///< null: inert (not launched by coroscope)
/// Made on the measured thread (the startup hook's, or --thread's), never deleted (exit finishes it).
ProbeRecording* g_recording = nullptr;
QHooks::StartupCallback g_nextStartup = nullptr;

/// --thread NAME: set by the startup hook until a thread of that name dispatches an event.
std::atomic<bool> g_waitingForThread{false};
/// This thread's name was compared with --thread's already (each thread is looked at once).
thread_local bool t_threadChecked = false;

void writeStatus(const QString& line) {
    if (!g_config || g_config->statusFile.isEmpty())
        return;
    static std::mutex mutex; // threads looked at for --thread say their names from where they run
    const std::lock_guard lock(mutex);
    QFile file(g_config->statusFile);
    if (file.open(QIODevice::Append | QIODevice::Text))
        file.write(line.toUtf8() + '\n');
}

void attachIfNamed();

bool onNotify(void** data) {
    if (!InstrumentedThread::current()) [[likely]] { // not the measured thread: one TLS load
        if (!g_waitingForThread.load(std::memory_order_relaxed) || t_threadChecked) [[likely]]
            return false;
        attachIfNamed();
        if (!InstrumentedThread::current())
            return false;
    }
    QCoreApplication* const app = QCoreApplication::instance();
    if (!app) // being destroyed: Qt's own path decides
        return false;
    auto* receiver = static_cast<QObject*>(data[0]);
    auto* event = static_cast<QEvent*>(data[1]);
    // What notifyInternal2 does after the callback list, in its order (Qt 6.4.2,
    // qcoreapplication.cpp): the scope level of the receiver's thread, then notify().
    DispatchScope scope(receiver, event);
    QScopedScopeLevelCounter scopeLevel(QObjectPrivate::get(receiver)->threadData.loadAcquire());
    *static_cast<bool*>(data[2]) = app->notify(receiver, event);
    return true;
}

/// Finishes the session from the measured thread (the profiler stops there); from any other, the
/// session stays unfinished and launch says how PROGRAM ended. The thread is checked first: only
/// the measured one, which made g_recording, reads it (with --thread that is not the main thread).
void finishOnMeasuredThread(const QString& reason) {
    if (InstrumentedThread::current() && g_recording && g_recording->isRecording())
        g_recording->finish(reason);
}

void finishRecording() { // from the application object's destructor
    finishOnMeasuredThread(QString());
}

void finishAtExit() { // PROGRAM called exit() with its application object still alive
    finishOnMeasuredThread(QStringLiteral("exit() with the application object alive"));
}

/// The calling thread's names: its QThread's objectName, then the OS's (15 characters at most).
QStringList threadNames() {
    QStringList names;
    if (const QString object = QThread::currentThread()->objectName(); !object.isEmpty())
        names << object;
    char os[16] = {};
    if (::pthread_getname_np(::pthread_self(), os, sizeof os) == 0 && os[0] &&
        !names.contains(QString::fromUtf8(os)))
        names << QString::fromUtf8(os);
    return names;
}

/// Starts the profiler and the session on the calling thread.
bool startRecording() {
    g_recording = new ProbeRecording(*g_config);
    if (const auto error = g_recording->start()) {
        writeStatus(QStringLiteral("error: cannot create the session: ") + *error);
        return false;
    }
    writeStatus(QStringLiteral("attached Qt %1 thread %2 %3")
                    .arg(QString::fromLatin1(qVersion()))
                    .arg(quintptr(QThread::currentThreadId()))
                    .arg(threadNames().value(0)));
    return true;
}

/// --thread NAME: the first thread whose name is NAME becomes the measured one, from inside its
/// first dispatch after the application object exists. Each thread is looked at once.
void attachIfNamed() {
    t_threadChecked = true;
    const QStringList names = threadNames();
    const QString& wanted = g_config->thread;
    const bool named = std::any_of(names.begin(), names.end(), [&](const QString& name) {
        return name == wanted || (name.size() == 15 && wanted.startsWith(name)); // the OS's is cut
    });
    if (!named) {
        writeStatus(QStringLiteral("seen thread ") + names.value(0, QStringLiteral("(unnamed)")));
        return;
    }
    bool waiting = true;
    if (!g_waitingForThread.compare_exchange_strong(waiting, false))
        return; // another thread of that name was first
    if (!startRecording())
        return;
    // A worker thread ends before the application does: the session ends with it, on it.
    QThread* const thread = QThread::currentThread();
    QObject::connect(
        thread, &QThread::finished, thread,
        [] { finishOnMeasuredThread(QStringLiteral("the measured thread finished")); }, Qt::DirectConnection);
}

void onStartup() {
    if (g_nextStartup)
        g_nextStartup();
    if (!g_config || g_recording || g_waitingForThread)
        return;
    // PROGRAM's own children run without the probe.
    ::unsetenv("LD_PRELOAD");
    for (const char* name : {"COROSCOPE_PROBE_SESSION", "COROSCOPE_PROBE_STATUS",
                             "COROSCOPE_PROBE_SLOW_THRESHOLD_NS", "COROSCOPE_PROBE_PROGRAM",
                             "COROSCOPE_PROBE_ARGS", "COROSCOPE_PROBE_TASK_HEAP", "COROSCOPE_PROBE_THREAD"})
        ::unsetenv(name);
    qAddPostRoutine(finishRecording);
    std::atexit(finishAtExit);
    if (!g_config->thread.isEmpty()) {
        writeStatus(QStringLiteral("waiting for thread ") + g_config->thread);
        g_waitingForThread.store(true);
        return;
    }
    startRecording();
}

__attribute__((constructor)) void probeLoaded() {
    const std::optional<ProbeConfig> config = ProbeConfig::fromEnvironment();
#ifdef COROSCOPE_PROBE_HEAP_TRACKING
    if (!config || !config->taskHeap)
        heap::stopTagging();
#endif
    if (!config)
        return;
    g_config = new ProbeConfig(*config);
    // The Qt this process runs must be the very release the probe was built against: the hook
    // table, the callback and the scope level are private API, whose layout only holds for one
    // release (as Debian's qt6-base-abi dependency of private-API users says).
    const quintptr running = qtHookData[QHooks::QtVersion];
    if (running != QT_VERSION) {
        writeStatus(QStringLiteral("error: PROGRAM runs Qt %1.%2.%3; this probe was built for Qt %4")
                        .arg(running >> 16)
                        .arg((running >> 8) & 0xff)
                        .arg(running & 0xff)
                        .arg(QStringLiteral(QT_VERSION_STR)));
        return;
    }
    if (qtHookData[QHooks::HookDataSize] <= QHooks::Startup) {
        writeStatus(QStringLiteral("error: this Qt has no startup hook"));
        return;
    }
    g_nextStartup = reinterpret_cast<QHooks::StartupCallback>(qtHookData[QHooks::Startup]);
    qtHookData[QHooks::Startup] = reinterpret_cast<quintptr>(&onStartup);
    QInternal::registerCallback(QInternal::EventNotifyCallback, onNotify);
    writeStatus(QStringLiteral("loaded"));
}

} // namespace
} // namespace coroscope::probe
