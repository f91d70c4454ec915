#include "report/jsonstream.h"

#include <QIODevice>

#include <charconv>
#include <cmath>

namespace coroscope {
namespace {

constexpr qsizetype kFlushBytes = 256 * 1024;

} // namespace

QByteArray jsonQuoted(QStringView text, qsizetype limit) {
    QStringView kept = text.left(limit);
    const bool cut = kept.size() < text.size();
    if (cut && !kept.isEmpty() && kept.back().isHighSurrogate())
        kept.chop(1);
    QByteArray utf8 = kept.toUtf8();
    if (cut)
        utf8 += "\xE2\x80\xA6"; // …
    QByteArray out;
    out.reserve(utf8.size() + 2);
    out += '"';
    static constexpr char kHex[] = "0123456789abcdef";
    for (qsizetype i = 0; i < utf8.size(); ++i) {
        const auto c = static_cast<unsigned char>(utf8[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += char(c);
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&') {
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
        } else if (c == 0xE2 && i + 2 < utf8.size() && utf8[i + 1] == '\x80' &&
                   (utf8[i + 2] == '\xA8' || utf8[i + 2] == '\xA9')) {
            out += utf8[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
            i += 2;
        } else {
            out += char(c);
        }
    }
    out += '"';
    return out;
}

JsonStream::JsonStream(QIODevice& device)
    : m_device(device) {
    m_buf.reserve(kFlushBytes + 4096);
}

JsonStream& JsonStream::raw(std::string_view s) {
    m_buf.append(s.data(), qsizetype(s.size()));
    if (m_buf.size() >= kFlushBytes)
        flush();
    return *this;
}

JsonStream& JsonStream::integer(std::int64_t v) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, v).ptr;
    return raw(std::string_view(digits, std::size_t(end - digits)));
}

JsonStream& JsonStream::real(double v) {
    char digits[32];
    const auto end = std::to_chars(digits, digits + sizeof digits, std::isfinite(v) ? v : 0.0).ptr;
    return raw(std::string_view(digits, std::size_t(end - digits)));
}

JsonStream& JsonStream::micros(std::int64_t ns) {
    integer(ns / 1000);
    if (std::int64_t frac = ns % 1000) {
        char digits[] = ".000";
        for (int i = 3; i > 0; --i, frac /= 10)
            digits[i] = char('0' + frac % 10);
        std::string_view s(digits, 4);
        while (s.back() == '0')
            s.remove_suffix(1);
        raw(s);
    }
    return *this;
}

bool JsonStream::finish() {
    flush();
    return m_ok;
}

void JsonStream::flush() {
    // After a failed write nothing more is written: the device's error stays the first one.
    if (m_ok && !m_buf.isEmpty())
        m_ok = m_device.write(m_buf) == m_buf.size();
    m_buf.clear();
}

} // namespace coroscope
