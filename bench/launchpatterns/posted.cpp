// An unmodified Qt program: 1 000 000 posted events, each handled by a receiver that posts the
// next. Prints its own dispatches per second; bench/launch runs it with and without the probe.
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEvent>

#include <cstdio>
#include <sys/resource.h>

namespace {

constexpr int kEvents = 1'000'000;

class Relay : public QObject {
public:
    int handled = 0;

protected:
    bool event(QEvent* e) override {
        if (e->type() != QEvent::User)
            return QObject::event(e);
        if (++handled < kEvents)
            QCoreApplication::postEvent(this, new QEvent(QEvent::User));
        else
            QCoreApplication::quit();
        return true;
    }
};

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    Relay relay;
    QElapsedTimer clock;
    clock.start();
    QCoreApplication::postEvent(&relay, new QEvent(QEvent::User));
    app.exec();
    std::printf("dispatches_per_s: %.0f\n", double(relay.handled) / (double(clock.nsecsElapsed()) / 1e9));
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    std::printf("peak_rss_kib: %ld\n", usage.ru_maxrss);
    return 0;
}
