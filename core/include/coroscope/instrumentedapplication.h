#pragma once

#include "instrument/dispatchscope.h"

#include <QCoreApplication>

namespace coroscope {

/// An application class whose notify() times every event dispatch of instrumented threads.
/// Works for any QCoreApplication subclass (QGuiApplication, QApplication): the GUI can measure
/// its own loop with the same monitor. Threads without an InstrumentedThread pay one TLS load.
template <typename Base>
class Instrumented : public Base {
public:
    using Base::Base;

    bool notify(QObject* receiver, QEvent* event) override {
        DispatchScope scope(receiver, event);
        return Base::notify(receiver, event);
    }
};

using InstrumentedCoreApplication = Instrumented<QCoreApplication>;

} // namespace coroscope
