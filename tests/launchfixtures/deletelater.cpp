// deleteLater() inside handlers, a nested event loop (QEventLoop::exec) and processEvents():
// prints the order in which things happen. Run with and without the probe, the output must be the same: the
// probe must not change when Qt deletes an object (its scope-level counter) nor what a nested loop runs.
#include <QCoreApplication>
#include <QEventLoop>
#include <QTimer>

#include <cstdio>

class Noisy : public QObject {
public:
    explicit Noisy(const char* name)
        : m_name(name) {}
    ~Noisy() override { std::printf("deleted %s\n", m_name); }

private:
    const char* m_name;
};

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QTimer::singleShot(0, &app, [&app] {
        auto* first = new Noisy("first");
        first->deleteLater(); // deleted when control returns to the loop, not inside the nested one
        std::printf("nested loop starts\n");
        QEventLoop nested;
        auto* second = new Noisy("second");
        QTimer::singleShot(0, second, [second] {
            std::printf("timer of second fires in the nested loop\n");
            second->deleteLater();
        });
        QTimer::singleShot(20, &nested, [&nested] {
            std::printf("nested loop quits\n");
            nested.quit();
        });
        nested.exec();
        std::printf("nested loop ended\n");
        // Qt keeps an object deleteLater()'d in this very handler alive through processEvents():
        // only the handler's scope level (which the probe must raise as Qt does) tells it apart
        // from one deleteLater()'d by a handler that has returned. Without it, "third" is freed here.
        auto* third = new Noisy("third");
        third->deleteLater();
        QCoreApplication::processEvents();
        std::printf("processEvents returned\n");
        QTimer::singleShot(10, &app, [&app] {
            std::printf("quit\n");
            app.quit();
        });
    });
    const int code = app.exec();
    std::printf("exec returned %d\n", code);
    return code;
}
