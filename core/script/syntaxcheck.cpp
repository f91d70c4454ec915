#include "script/syntaxcheck.h"

// Qt's private JS parser, pinned to Qt 6.4 like QCoro's detail API: the public QJSEngine gives no
// column for syntax errors.
#include <private/qqmljsengine_p.h>
#include <private/qqmljslexer_p.h>
#include <private/qqmljsparser_p.h>

namespace coroscope::script {

SyntaxProblem checkSyntax(const QString& source) {
    QQmlJS::Engine engine;
    QQmlJS::Lexer lexer(&engine);
    lexer.setCode(source, /*lineno*/ 1, /*qmlMode*/ false);
    QQmlJS::Parser parser(&engine);
    if (parser.parseProgram())
        return {};
    for (const QQmlJS::DiagnosticMessage& message : parser.diagnosticMessages())
        if (message.isError())
            return {int(message.loc.startLine), int(message.loc.startColumn), message.message};
    return {};
}

} // namespace coroscope::script
