#include "report/readablestack.h"

#include <QRegularExpression>

#include <algorithm>

namespace coroscope {
namespace {

/// "#3 body": the body, without the frame number.
QString bodyOf(const QString& frame) {
    return frame.section(u' ', 1);
}

/// The C library and the C++ standard library: what a blocked callback's stack starts with.
bool isRuntimeFrame(const QString& frame) {
    const QString body = bodyOf(frame);
    if (body.contains(QLatin1String("[inlined into ")))
        return false; // its caller is the interesting part
    return body.startsWith(QLatin1String("__")) || body.startsWith(QLatin1String("std::")) ||
           body.startsWith(QLatin1String("void std::")) || body.contains(QLatin1String("(libc.so")) ||
           body.startsWith(QLatin1String("_start ")) || body.startsWith(QLatin1String("start_thread")) ||
           body.startsWith(QLatin1String("clone3 "));
}

/// A function's name without its return type, template arguments and parameters:
/// "void std::this_thread::sleep_for<long, std::ratio<1l> >(…) (x.h:80)" -> "std::this_thread::sleep_for".
QString shortName(const QString& body) {
    QString name;
    int depth = 0;
    for (const QChar c : body) {
        if (c == u'<')
            ++depth;
        else if (c == u'>')
            depth = std::max(0, depth - 1);
        else if (c == u'(' && depth == 0)
            break;
        else if (depth == 0)
            name += c;
    }
    name = name.trimmed();
    return name.contains(u' ') ? name.section(u' ', -1) : name;
}

/// "#2 inner (a.h:80) [inlined into outer at f.cpp:367]" -> "#2 outer (f.cpp:367), inlined: inner".
QString withInlining(const QString& frame) {
    const qsizetype at = frame.indexOf(QLatin1String(" [inlined into "));
    if (at < 0)
        return frame;
    QString caller = frame.mid(at + 15);
    if (caller.endsWith(u']'))
        caller.chop(1);
    const qsizetype where = caller.lastIndexOf(QLatin1String(" at "));
    const QString callerText =
        where < 0 ? caller : caller.left(where) + QStringLiteral(" (") + caller.mid(where + 4) + u')';
    return frame.section(u' ', 0, 0) + u' ' + callerText + QStringLiteral(", inlined: ") +
           shortName(frame.left(at).section(u' ', 1));
}

/// The shared library a frame without a source line comes from ("0x7f… (libQt6Qml.so.6)" or
/// "QV4::Runtime::CallName::call(…) (libQt6Qml.so.6)"), else empty.
QString libraryOf(const QString& frame) {
    static const QRegularExpression library(QStringLiteral(R"(\((lib[^()\s]+\.so[0-9.]*)\)$)"));
    const QRegularExpressionMatch m = library.match(frame);
    return m.hasMatch() ? m.captured(1) : QString();
}

QString number(const QString& frame) {
    return frame.section(u' ', 0, 0);
}

} // namespace

QString firstInterestingFrame(const QString& stack) {
    const QStringList frames = stack.split(u'\n', Qt::SkipEmptyParts);
    for (const QString& frame : frames)
        if (!isRuntimeFrame(frame))
            return withInlining(frame);
    return frames.isEmpty() ? QString() : frames.front();
}

QStringList readableStack(const QString& stack) {
    const QStringList frames = stack.split(u'\n', Qt::SkipEmptyParts);
    QStringList out;
    qsizetype at = 0;
    while (at < frames.size() && isRuntimeFrame(frames[at]))
        ++at;
    if (at == frames.size())
        at = 0; // nothing but the runtime: show it all
    if (at > 0) {
        QStringList names;
        for (qsizetype i = 0; i < at; ++i)
            names << bodyOf(frames[i]).section(u' ', 0, 0);
        out << QStringLiteral("(%1 runtime frame%2 above folded: %3)")
                   .arg(at)
                   .arg(at == 1 ? QString() : QStringLiteral("s"), names.join(QStringLiteral(", ")));
    }
    while (at < frames.size()) {
        const QString library = libraryOf(frames[at]);
        qsizetype end = at + 1;
        if (!library.isEmpty())
            while (end < frames.size() && libraryOf(frames[end]) == library)
                ++end;
        if (end - at >= 3) {
            out << QStringLiteral("%1–%2 … %3 frames in %4")
                       .arg(number(frames[at]), number(frames[end - 1]))
                       .arg(end - at)
                       .arg(library);
        } else {
            for (qsizetype i = at; i < end; ++i)
                out << withInlining(frames[i]);
        }
        at = end;
    }
    return out;
}

} // namespace coroscope
