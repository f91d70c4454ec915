#pragma once

#include <QFileInfo>
#include <QString>

namespace coroscope {

/// What locations ("file.js:12") call a run's script: "blocking-call.js" for
/// example:blocking-call, the file name for a path.
inline QString scriptFileName(const QString& script) {
    if (script.startsWith(QLatin1String("example:")))
        return script.mid(8) + QStringLiteral(".js");
    return QFileInfo(script).fileName();
}

/// "blocking-call.js:42" -> 42 if the file part names `scriptFile`; 0 otherwise.
inline int lineInScript(const QString& location, const QString& scriptFile) {
    const qsizetype colon = location.lastIndexOf(u':');
    if (colon <= 0 || location.left(colon).section(u'/', -1) != scriptFile)
        return 0;
    bool ok = false;
    const int line = location.mid(colon + 1).toInt(&ok);
    return ok && line > 0 ? line : 0;
}

} // namespace coroscope
