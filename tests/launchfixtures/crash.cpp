// A Qt program that crashes (SIGSEGV) from a timer after 300 ms of work: the session is kept
// and says crashed; launch exits with 128 + 11.
#include <QCoreApplication>
#include <QTimer>

#include <csignal>

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QTimer::singleShot(300, &app, [] { std::raise(SIGSEGV); });
    return app.exec();
}
