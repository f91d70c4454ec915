#pragma once

#include <QByteArray>
#include <QStringView>

#include <cstdint>
#include <string_view>

class QIODevice;

namespace coroscope {

/// `text` as a quoted JSON string, cut to `limit` characters (never inside a surrogate pair; a
/// cut string ends in "…"). Beyond what JSON requires, < > & and U+2028/9 are escaped, so the
/// text is also safe pasted into a <script> or JavaScript source; Qt's encoder replaces lone
/// surrogates, so the result is always valid UTF-8.
QByteArray jsonQuoted(QStringView text, qsizetype limit);

/// JSON text written to a device as it is made, through a buffer: for reports too large to build
/// as a QJsonDocument first. The caller writes the structure; values are escaped or formatted here.
class JsonStream {
public:
    explicit JsonStream(QIODevice& device);
    JsonStream(const JsonStream&) = delete;
    JsonStream& operator=(const JsonStream&) = delete;

    /// Text copied as is: punctuation, keys, values already quoted.
    JsonStream& raw(std::string_view s);
    JsonStream& raw(const char* s) { return raw(std::string_view(s)); }
    JsonStream& raw(const QByteArray& s) {
        return raw(std::string_view(s.constData(), std::size_t(s.size())));
    }
    JsonStream& text(QStringView s, qsizetype limit) { return raw(jsonQuoted(s, limit)); }
    JsonStream& integer(std::int64_t v);
    /// Shortest round-trip form; NaN and infinity (which JSON lacks) as 0.
    JsonStream& real(double v);
    /// ns ≥ 0 as µs with the ns as decimals ("12", "12.5", "12.345"): exact, no rounding.
    JsonStream& micros(std::int64_t ns);
    /// Flushes; false if any write to the device failed.
    bool finish();

private:
    void flush();

    QIODevice& m_device;
    QByteArray m_buf;
    bool m_ok = true;
};

} // namespace coroscope
