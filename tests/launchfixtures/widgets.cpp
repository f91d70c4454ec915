// A Widgets program under offscreen: a widget whose paintEvent blocks 150 ms, painted twice,
// then the program quits. The slow callbacks must name the widget's class.
#include <QApplication>
#include <QPainter>
#include <QTimer>
#include <QWidget>

#include <chrono>
#include <thread>

class SlowPaintWidget : public QWidget {
protected:
    void paintEvent(QPaintEvent*) override {
        QPainter painter(this);
        painter.fillRect(rect(), Qt::darkCyan);
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
    }
};

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    SlowPaintWidget widget;
    widget.resize(200, 100);
    widget.show();
    QTimer::singleShot(300, &widget, [&widget] { widget.repaint(); });
    QTimer::singleShot(700, &app, &QApplication::quit);
    return app.exec();
}
