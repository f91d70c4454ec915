#include "terminaltext.h"

#include "model/format.h"

namespace coroscope::app {

void printTerminal(std::FILE* stream, const QString& text) {
    const QByteArray bytes = escapeForTerminal(text).toUtf8();
    std::fwrite(bytes.constData(), 1, std::size_t(bytes.size()), stream);
}

} // namespace coroscope::app
