// Reading JUnit files as a CI server does, for the budget tests.
#pragma once

#include <QFile>
#include <QString>
#include <QXmlStreamReader>

#include <vector>

namespace coroscope::test {

struct TestCase {
    QString name;
    QString failure; ///< the failure's message; empty when it passed
    bool skipped = false;
};

/// The test cases of a JUnit file; none (and a warning) if it is not well-formed XML.
inline std::vector<TestCase> readJUnit(const QByteArray& xml) {
    std::vector<TestCase> cases;
    QXmlStreamReader reader(xml);
    while (!reader.atEnd()) {
        if (reader.readNext() != QXmlStreamReader::StartElement)
            continue;
        if (reader.name() == QLatin1String("testcase"))
            cases.push_back({reader.attributes().value(QLatin1String("name")).toString(), {}, false});
        else if (reader.name() == QLatin1String("failure"))
            cases.back().failure = reader.attributes().value(QLatin1String("message")).toString();
        else if (reader.name() == QLatin1String("skipped"))
            cases.back().skipped = true;
    }
    if (reader.hasError())
        qWarning("bad JUnit XML: %s", qPrintable(reader.errorString()));
    return reader.hasError() ? std::vector<TestCase>{} : cases;
}

inline QByteArray readFile(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace coroscope::test
