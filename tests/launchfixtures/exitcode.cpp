// A Qt program that exits with the code given as its first argument, after one loop turn.
#include <QCoreApplication>
#include <QTimer>

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    const int code = argc > 1 ? std::atoi(argv[1]) : 0;
    QTimer::singleShot(50, &app, [code] { QCoreApplication::exit(code); });
    return app.exec();
}
