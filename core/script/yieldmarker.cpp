#include "script/yieldmarker.h"

#include <QStringList>

#include <set>

namespace coroscope::script {
namespace {

bool isIdentifierChar(QChar c) {
    return c.isLetterOrNumber() || c == u'_' || c == u'$';
}

/// After these a `/` starts a regular expression, not a division.
bool regexMayFollow(const QString& lastToken) {
    static const QStringList keywords = {
        QStringLiteral("return"), QStringLiteral("typeof"), QStringLiteral("case"),  QStringLiteral("do"),
        QStringLiteral("else"),   QStringLiteral("in"),     QStringLiteral("of"),    QStringLiteral("new"),
        QStringLiteral("delete"), QStringLiteral("void"),   QStringLiteral("throw"), QStringLiteral("yield")};
    if (lastToken.isEmpty())
        return true;
    const QChar c = lastToken.back();
    if (!isIdentifierChar(c) && c != u')' && c != u']' && c != u'}')
        return true;
    return keywords.contains(lastToken);
}

} // namespace

MarkedSource markYields(const QString& in) {
    MarkedSource out;
    out.source.reserve(in.size() + in.size() / 8);
    std::set<int> lines;
    int line = 1;
    QString lastToken; // last significant token (identifier or punctuator), for the regex rule
    const qsizetype n = in.size();
    qsizetype i = 0;
    auto copyUntil = [&](qsizetype end) {
        for (; i < end && i < n; ++i) {
            if (in[i] == u'\n')
                ++line;
            out.source += in[i];
        }
    };
    std::vector<int> templateDepth; // brace depth at which each open template's ${ } closes
    int braceDepth = 0;
    while (i < n) {
        const QChar c = in[i];
        const QChar next = i + 1 < n ? in[i + 1] : QChar();
        if (c == u'/' && next == u'/') { // line comment
            qsizetype end = in.indexOf(u'\n', i);
            copyUntil(end < 0 ? n : end);
            continue;
        }
        if (c == u'/' && next == u'*') { // block comment
            qsizetype end = in.indexOf(QStringLiteral("*/"), i + 2);
            copyUntil(end < 0 ? n : end + 2);
            continue;
        }
        if (c == u'\'' || c == u'"' || (c == u'/' && regexMayFollow(lastToken))) {
            // String or regex literal: up to the unescaped closing quote (a regex class may hold '/').
            bool inClass = false;
            qsizetype j = i + 1;
            for (; j < n && in[j] != u'\n'; ++j) {
                if (in[j] == u'\\') {
                    ++j;
                    continue;
                }
                if (c == u'/' && in[j] == u'[')
                    inClass = true;
                else if (c == u'/' && in[j] == u']')
                    inClass = false;
                else if (in[j] == c && !inClass)
                    break;
            }
            copyUntil(j + 1);
            lastToken = QStringLiteral("\"");
            continue;
        }
        if (c == u'`' || (c == u'}' && !templateDepth.empty() && templateDepth.back() == braceDepth)) {
            // Template literal text, up to the closing backtick or the next ${.
            if (c == u'}')
                templateDepth.pop_back();
            qsizetype j = i + 1;
            for (; j < n; ++j) {
                if (in[j] == u'\\') {
                    ++j;
                    continue;
                }
                if (in[j] == u'`')
                    break;
                if (in[j] == u'$' && j + 1 < n && in[j + 1] == u'{') {
                    templateDepth.push_back(braceDepth);
                    ++j;
                    break;
                }
            }
            copyUntil(j + 1);
            lastToken = QStringLiteral("`");
            continue;
        }
        if (isIdentifierChar(c)) {
            qsizetype j = i;
            while (j < n && isIdentifierChar(in[j]))
                ++j;
            const QString word = in.mid(i, j - i);
            const bool standalone = i == 0 || in[i - 1] != u'.';
            copyUntil(j);
            if (word == QLatin1String("yield") && standalone) {
                // What follows on this line decides: `yield*`, no operand, or an operand.
                qsizetype k = j;
                while (k < n && (in[k] == u' ' || in[k] == u'\t'))
                    ++k;
                const QChar follow = k < n ? in[k] : QChar(u'\n');
                const bool delegate = follow == u'*';
                const bool objectKey = follow == u':' && !(k + 1 < n && in[k + 1] == u':');
                const bool noOperand =
                    QStringLiteral("\n\r;)]},").contains(follow) ||
                    (follow == u'/' && k + 1 < n && (in[k + 1] == u'/' || in[k + 1] == u'*'));
                if (!delegate && !objectKey) {
                    out.source += QStringLiteral(" __L.at%1 =").arg(line);
                    if (noOperand)
                        out.source += QStringLiteral(" undefined");
                    lines.insert(line);
                }
            }
            lastToken = word;
            continue;
        }
        if (c == u'{')
            ++braceDepth;
        else if (c == u'}')
            --braceDepth;
        if (!c.isSpace())
            lastToken = QString(c);
        copyUntil(i + 1);
    }
    out.yieldLines.assign(lines.begin(), lines.end());
    return out;
}

} // namespace coroscope::script
