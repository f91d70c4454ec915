#pragma once

#include <QList>
#include <QString>

namespace coroscope::app {

/// One workload example compiled into the binary (resources/workloads/, resource prefix /workloads).
struct Example {
    QString name;     ///< "blocking-call": the file name without .js
    QString resource; ///< ":/workloads/blocking-call.js"
    QString summary;  ///< the first line of its header comment
};

/// The embedded examples, by name.
QList<Example> examples();

/// The resource path of example `name`, or an empty string if there is none.
QString exampleResource(const QString& name);

/// A `coroscope run` script argument of this form names an embedded example: "example:NAME".
inline QString examplePrefix() {
    return QStringLiteral("example:");
}

/// `coroscope examples [NAME] [--extract DIR [--force]]`: lists the embedded examples, prints one,
/// or writes them all to DIR. Exit codes: 0 done, 2 bad input or a file that could not be written.
int examplesCommand(int argc, char** argv);

} // namespace coroscope::app
