#include "examplescommand.h"

#include "commandhelp.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>

#include <algorithm>
#include <cstdio>

namespace coroscope::app {
namespace {

const QString kResourceDir = QStringLiteral(":/workloads");

void printError(const QString& message) {
    std::fprintf(stderr, "coroscope examples: %s\n", message.toUtf8().constData());
}

QByteArray readResource(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

/// "// A coroutine blocks the loop." -> "A coroutine blocks the loop."
QString summaryOf(const QByteArray& source) {
    const QString firstLine = QString::fromUtf8(source.left(source.indexOf('\n')));
    QString summary = firstLine.trimmed();
    if (summary.startsWith(QLatin1String("//")))
        summary = summary.mid(2).trimmed();
    return summary;
}

int list() {
    const QList<Example> all = examples();
    qsizetype width = 0;
    for (const Example& e : all)
        width = std::max(width, e.name.size());
    std::printf("Workload examples (run one with: coroscope run example:NAME):\n");
    for (const Example& e : all)
        std::printf("  %s  %s\n", e.name.leftJustified(width).toUtf8().constData(),
                    e.summary.toUtf8().constData());
    return 0;
}

int print(const QString& name) {
    const QString resource = exampleResource(name);
    if (resource.isEmpty()) {
        printError(QStringLiteral("no such example: %1 (coroscope examples lists them)").arg(name));
        return 2;
    }
    const QByteArray source = readResource(resource);
    std::fwrite(source.constData(), 1, std::size_t(source.size()), stdout);
    return 0;
}

/// Writes every example to `dir` as NAME.js; an existing file is kept unless `force`.
int extract(const QString& dir, bool force) {
    if (!QDir().mkpath(dir)) {
        printError(QStringLiteral("cannot create the directory %1").arg(dir));
        return 2;
    }
    int written = 0;
    int kept = 0;
    for (const Example& e : examples()) {
        const QString path = QDir(dir).filePath(e.name + QStringLiteral(".js"));
        if (!force && QFile::exists(path)) {
            std::fprintf(stderr, "kept %s (exists; --force overwrites it)\n", path.toUtf8().constData());
            ++kept;
            continue;
        }
        const QByteArray source = readResource(e.resource);
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(source) != source.size() ||
            !file.flush()) {
            printError(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
            return 2;
        }
        std::printf("%s\n", path.toUtf8().constData());
        ++written;
    }
    std::fprintf(stderr, "%d examples written to %s%s\n", written, dir.toUtf8().constData(),
                 kept ? qPrintable(QStringLiteral(", %1 kept").arg(kept)) : "");
    return 0;
}

} // namespace

QList<Example> examples() {
    QList<Example> all;
    const QStringList files = QDir(kResourceDir).entryList({QStringLiteral("*.js")}, QDir::Files, QDir::Name);
    for (const QString& file : files) {
        const QString resource = kResourceDir + u'/' + file;
        all.append(Example{file.chopped(3), resource, summaryOf(readResource(resource))});
    }
    return all;
}

QString exampleResource(const QString& name) {
    // Only plain names: "example:../x" must not reach outside the examples.
    if (name.isEmpty() || name.contains(u'/'))
        return QString();
    const QString resource = kResourceDir + u'/' + name + QStringLiteral(".js");
    return QFile::exists(resource) ? resource : QString();
}

int examplesCommand(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Lists the workload examples built into Coroscope (run one with\n"
                       "coroscope run example:NAME), prints one's source, or writes them all to a\n"
                       "directory.\n\n"
                       "Exit codes: 0 done, 2 bad input (an unknown example, an unwritable DIR)."));
    parser.addPositionalArgument(QStringLiteral("name"), QStringLiteral("Print this example's source."),
                                 QStringLiteral("[NAME]"));
    const QCommandLineOption extractOption(QStringLiteral("extract"),
                                           QStringLiteral("Write every example to DIR as NAME.js."),
                                           QStringLiteral("DIR"));
    const QCommandLineOption forceOption(QStringLiteral("force"),
                                         QStringLiteral("With --extract: overwrite existing files."));
    parser.addOptions({extractOption, forceOption});
    parser.addOption(helpOption());
    if (!parser.parse(app.arguments().mid(1))) {
        printError(parser.errorText());
        return 2;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        printCommandHelp(parser, QStringLiteral("examples"));
        return 0;
    }
    const QStringList names = parser.positionalArguments();
    if (names.size() > 1 || (names.size() == 1 && parser.isSet(extractOption))) {
        printError(
            QStringLiteral("expected one example name, or --extract DIR (see coroscope examples --help)"));
        return 2;
    }
    if (parser.isSet(forceOption) && !parser.isSet(extractOption)) {
        printError(QStringLiteral("--force only goes with --extract"));
        return 2;
    }
    if (parser.isSet(extractOption))
        return extract(parser.value(extractOption), parser.isSet(forceOption));
    if (names.size() == 1)
        return print(names.front());
    return list();
}

} // namespace coroscope::app
