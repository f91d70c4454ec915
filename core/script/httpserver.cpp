#include "script/httpserver.h"

#include <QHostAddress>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QUrlQuery>

#include <algorithm>
#include <cmath>
#include <optional>

namespace coroscope::script {

namespace {

// A multiple of the pattern length, so every chunk starts the pattern afresh and the body reads
// the same however it is cut into chunks.
constexpr qint64 kFillerChunkBytes = 6553 * 10;
// A streamed body is written while the socket holds less than this: a 64 MiB reply never
// sits in memory at once.
constexpr qint64 kMaxQueuedBytes = 2 * kFillerChunkBytes;

const QByteArray& fillerChunk() {
    static const QByteArray chunk = QByteArrayLiteral("coroscope\n").repeated(kFillerChunkBytes / 10);
    return chunk;
}

QByteArray reasonPhrase(int status) {
    switch (status) {
    case 100:
        return QByteArrayLiteral("Continue");
    case 101:
        return QByteArrayLiteral("Switching Protocols");
    case 200:
        return QByteArrayLiteral("OK");
    case 201:
        return QByteArrayLiteral("Created");
    case 202:
        return QByteArrayLiteral("Accepted");
    case 204:
        return QByteArrayLiteral("No Content");
    case 301:
        return QByteArrayLiteral("Moved Permanently");
    case 302:
        return QByteArrayLiteral("Found");
    case 304:
        return QByteArrayLiteral("Not Modified");
    case 400:
        return QByteArrayLiteral("Bad Request");
    case 401:
        return QByteArrayLiteral("Unauthorized");
    case 403:
        return QByteArrayLiteral("Forbidden");
    case 404:
        return QByteArrayLiteral("Not Found");
    case 405:
        return QByteArrayLiteral("Method Not Allowed");
    case 408:
        return QByteArrayLiteral("Request Timeout");
    case 429:
        return QByteArrayLiteral("Too Many Requests");
    case 431:
        return QByteArrayLiteral("Request Header Fields Too Large");
    case 500:
        return QByteArrayLiteral("Internal Server Error");
    case 501:
        return QByteArrayLiteral("Not Implemented");
    case 502:
        return QByteArrayLiteral("Bad Gateway");
    case 503:
        return QByteArrayLiteral("Service Unavailable");
    case 504:
        return QByteArrayLiteral("Gateway Timeout");
    case 505:
        return QByteArrayLiteral("HTTP Version Not Supported");
    default:
        return QByteArrayLiteral("Status");
    }
}

// RFC 9110: 1xx, 204 and 304 replies never carry a body.
bool statusAllowsBody(int status) {
    return status >= 200 && status != 204 && status != 304;
}

bool isTokenChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

bool isToken(QByteArrayView s) {
    return !s.isEmpty() && std::all_of(s.begin(), s.end(), isTokenChar);
}

bool hasControlOrSpace(QByteArrayView s) {
    return std::any_of(s.begin(), s.end(), [](char c) { return uchar(c) <= 0x20 || uchar(c) == 0x7f; });
}

/// `?name=` as a number clamped to [lo, hi], `fallback` when absent, nullopt when not a number.
std::optional<qint64> queryNumber(const QUrlQuery& query, const QString& name, qint64 fallback, qint64 lo,
                                  qint64 hi) {
    if (!query.hasQueryItem(name))
        return fallback;
    bool ok = false;
    const double value = query.queryItemValue(name, QUrl::FullyDecoded).toDouble(&ok);
    if (!ok || !std::isfinite(value))
        return std::nullopt;
    return std::llround(std::clamp(value, double(lo), double(hi)));
}

} // namespace

/// One accepted socket: parses requests one after another and answers each before reading the
/// next (keep-alive; pipelined requests wait in the socket's bounded read buffer). A child of its
/// socket, so a closed connection takes its pending delay timer with it.
class HttpConnection : public QObject {
public:
    HttpConnection(LoopbackHttpServer* server, QTcpSocket* socket);

private:
    enum class Phase { ReadingHead, Replying, Closing };

    struct Reply {
        int status = 200;
        QByteArray text;        ///< explicit body (error explanations)
        qint64 fillerBytes = 0; ///< or this many filler bytes
        bool headOnly = false;
        bool close = false;
        QByteArray extraHeaders;
    };

    void pump();
    bool tryTakeHead();
    void handleHead(const QByteArray& head);
    void fail(int status, const QByteArray& why);
    void send(const Reply& reply);
    void continueBody();
    void finishReply();
    void beginClose();

    LoopbackHttpServer* m_server;
    QTcpSocket* m_socket;
    QTimer m_delay;
    Phase m_phase = Phase::ReadingHead;
    QByteArray m_buffer;        ///< unparsed input, at most kMaxHeaderBytes + 1
    qsizetype m_lineStart = 0;  ///< where the head-end search resumes
    qint64 m_bodyToDiscard = 0; ///< request body bytes still to skip
    qint64 m_fillerToSend = 0;  ///< response body bytes still to write
    bool m_closeAfterReply = false;
    Reply m_pending; ///< the reply waiting for its delay
};

HttpConnection::HttpConnection(LoopbackHttpServer* server, QTcpSocket* socket)
    : QObject(socket)
    , m_server(server)
    , m_socket(socket) {
    // Bounds what the socket buffers while a reply is pending: the kernel applies backpressure.
    m_socket->setReadBufferSize(LoopbackHttpServer::kMaxHeaderBytes);
    // Replies are written in one go, but Nagle plus delayed ACKs would still add 40 ms to
    // some round trips, which a latency profiler must not invent.
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);

    m_delay.setSingleShot(true);
    // The default coarse timer may fire up to 5 % early; a `delay` must be a lower bound.
    m_delay.setTimerType(Qt::PreciseTimer);
    connect(&m_delay, &QTimer::timeout, this, [this] {
        send(m_pending);
        pump();
    });

    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::pump);
    connect(m_socket, &QTcpSocket::bytesWritten, this, [this] {
        if (m_phase == Phase::Replying && m_fillerToSend > 0) {
            continueBody();
            pump();
        }
    });
    connect(m_socket, &QTcpSocket::disconnected, this, [this] {
        m_delay.stop();
        m_socket->deleteLater();
    });
}

void HttpConnection::pump() {
    while (true) {
        if (m_phase == Phase::Closing) {
            m_socket->skip(m_socket->bytesAvailable());
            return;
        }
        if (m_bodyToDiscard > 0) {
            const qint64 fromBuffer = std::min<qint64>(m_bodyToDiscard, m_buffer.size());
            m_buffer.remove(0, fromBuffer);
            m_bodyToDiscard -= fromBuffer;
            if (m_bodyToDiscard > 0) {
                const qint64 skipped = m_socket->skip(m_bodyToDiscard);
                if (skipped <= 0)
                    return;
                m_bodyToDiscard -= skipped;
            }
            continue;
        }
        if (m_phase == Phase::Replying)
            return;
        if (tryTakeHead())
            continue;
        if (m_buffer.size() > LoopbackHttpServer::kMaxHeaderBytes) {
            fail(431, QByteArrayLiteral("request header larger than 64 KiB"));
            continue;
        }
        const QByteArray more = m_socket->read(LoopbackHttpServer::kMaxHeaderBytes + 1 - m_buffer.size());
        if (more.isEmpty())
            return;
        m_buffer.append(more);
    }
}

/// Takes one complete request head off the buffer and handles it. False when more input is
/// needed. Lines may end in CRLF or a bare LF.
bool HttpConnection::tryTakeHead() {
    // RFC 9112 2.2: blank lines before a request line are ignored.
    qsizetype skip = 0;
    while (skip < m_buffer.size() && (m_buffer[skip] == '\n' || m_buffer[skip] == '\r'))
        ++skip;
    if (skip > 0) {
        m_buffer.remove(0, skip);
        m_lineStart = 0;
    }
    while (true) {
        const qsizetype newline = m_buffer.indexOf('\n', m_lineStart);
        if (newline < 0)
            break;
        const qsizetype lineLength = newline - m_lineStart;
        const bool blank = lineLength == 0 || (lineLength == 1 && m_buffer[m_lineStart] == '\r');
        m_lineStart = newline + 1;
        if (!blank)
            continue;
        const qsizetype end = m_lineStart;
        m_lineStart = 0;
        if (end > LoopbackHttpServer::kMaxHeaderBytes) {
            fail(431, QByteArrayLiteral("request header larger than 64 KiB"));
            return true;
        }
        const QByteArray head = m_buffer.left(end);
        m_buffer.remove(0, end);
        handleHead(head);
        return true;
    }
    // Fail fast on input that cannot become a request line (a TLS hello, binary junk) instead
    // of waiting for 64 KiB of it.
    const qsizetype firstSpace = m_buffer.indexOf(' ');
    const QByteArrayView method =
        QByteArrayView(m_buffer).first(firstSpace < 0 ? m_buffer.size() : firstSpace);
    if (!std::all_of(method.begin(), method.end(), isTokenChar)) {
        fail(400, QByteArrayLiteral("malformed request line"));
        return true;
    }
    return false;
}

void HttpConnection::handleHead(const QByteArray& head) {
    QList<QByteArray> lines = head.split('\n');
    for (QByteArray& line : lines)
        if (line.endsWith('\r'))
            line.chop(1);
    const QList<QByteArray> requestLine = lines.value(0).split(' ');
    if (requestLine.size() != 3 || !isToken(requestLine[0]) || requestLine[1].isEmpty() ||
        hasControlOrSpace(requestLine[1]) ||
        !(requestLine[1].startsWith('/') || requestLine[1].startsWith("http://")))
        return fail(400, QByteArrayLiteral("malformed request line"));
    const QByteArray& method = requestLine[0];
    const QByteArray& target = requestLine[1];
    const QByteArray& version = requestLine[2];
    if (version != "HTTP/1.1" && version != "HTTP/1.0")
        return fail(version.startsWith("HTTP/") ? 505 : 400, QByteArrayLiteral("only HTTP/1.0 and 1.1"));

    bool close = version == "HTTP/1.0";
    std::optional<qint64> contentLength;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray& line = lines[i];
        if (line.isEmpty())
            continue;
        const qsizetype colon = line.indexOf(':');
        // No colon, or whitespace before it (also obsolete line folding): RFC 9112 says reject.
        if (colon <= 0 || !isToken(QByteArrayView(line).first(colon)))
            return fail(400, QByteArrayLiteral("malformed header line"));
        const QByteArray name = line.left(colon).toLower();
        const QByteArray value = line.mid(colon + 1).trimmed();
        if (name == "connection") {
            for (const QByteArray& option : value.toLower().split(',')) {
                if (option.trimmed() == "close")
                    close = true;
                else if (option.trimmed() == "keep-alive")
                    close = false;
            }
        } else if (name == "content-length") {
            bool ok = false;
            const qint64 length = value.toLongLong(&ok);
            if (!ok || length < 0 || (contentLength && *contentLength != length))
                return fail(400, QByteArrayLiteral("bad Content-Length"));
            contentLength = length;
        } else if (name == "transfer-encoding" || name == "expect") {
            // We do not decode chunked bodies or send 100 Continue: answer, then close, so an
            // unread body can never be taken for the next request.
            close = true;
        }
    }
    m_bodyToDiscard = contentLength.value_or(0);

    Reply reply;
    reply.close = close;
    if (method != "GET" && method != "HEAD") {
        reply.status = 405;
        reply.text = QByteArrayLiteral("only GET and HEAD are served\n");
        reply.extraHeaders = QByteArrayLiteral("Allow: GET, HEAD\r\n");
        return send(reply);
    }
    reply.headOnly = method == "HEAD";
    const qsizetype question = target.indexOf('?');
    const QUrlQuery query(question < 0 ? QString() : QString::fromLatin1(target.mid(question + 1)));
    const auto delay = queryNumber(query, QStringLiteral("delay"), 0, 0, LoopbackHttpServer::kMaxDelayMs);
    const auto status = queryNumber(query, QStringLiteral("status"), 200, 100, 599);
    const auto bytes = queryNumber(query, QStringLiteral("bytes"), 0, 0, LoopbackHttpServer::kMaxBodyBytes);
    if (!delay || !status || !bytes) {
        reply.status = 400;
        reply.text = QByteArrayLiteral("delay, status and bytes must be numbers\n");
        return send(reply);
    }
    reply.status = int(*status);
    reply.fillerBytes = *bytes;
    // An interim (1xx) status is not a final answer: a client would wait for another one
    // forever, so the connection ends after it.
    if (reply.status < 200)
        reply.close = true;
    if (*delay == 0)
        return send(reply);
    m_pending = reply;
    m_phase = Phase::Replying;
    m_delay.start(std::chrono::milliseconds(*delay));
}

void HttpConnection::fail(int status, const QByteArray& why) {
    Reply reply;
    reply.status = status;
    reply.text = QByteArrayLiteral("coroscope loopback server: ") + why + '\n';
    reply.close = true;
    m_bodyToDiscard = 0;
    send(reply);
}

void HttpConnection::send(const Reply& reply) {
    m_phase = Phase::Replying;
    m_closeAfterReply = reply.close;
    const bool hasBody = statusAllowsBody(reply.status);
    const qint64 length = hasBody ? reply.text.size() + reply.fillerBytes : 0;
    QByteArray out = "HTTP/1.1 " + QByteArray::number(reply.status) + ' ' + reasonPhrase(reply.status) +
                     "\r\nServer: coroscope\r\nContent-Type: text/plain\r\n";
    if (hasBody)
        out += "Content-Length: " + QByteArray::number(length) + "\r\n";
    out += reply.close ? "Connection: close\r\n" : "Connection: keep-alive\r\n";
    out += reply.extraHeaders + "\r\n";
    if (hasBody && !reply.headOnly) {
        out += reply.text;
        m_fillerToSend = reply.fillerBytes;
    }
    m_socket->write(out);
    continueBody();
}

void HttpConnection::continueBody() {
    while (m_fillerToSend > 0 && m_socket->bytesToWrite() < kMaxQueuedBytes) {
        const qint64 n = std::min(m_fillerToSend, kFillerChunkBytes);
        m_socket->write(fillerChunk().constData(), n);
        m_fillerToSend -= n;
    }
    if (m_fillerToSend == 0)
        finishReply();
}

void HttpConnection::finishReply() {
    ++m_server->m_requestsServed;
    if (m_closeAfterReply)
        beginClose();
    else
        m_phase = Phase::ReadingHead;
}

void HttpConnection::beginClose() {
    m_phase = Phase::Closing;
    m_buffer.clear();
    // Flushes the reply first. Input left unread makes Linux answer with RST, but a client still
    // reads the reply queued before it (errorReplySurvivesUnreadInput).
    m_socket->disconnectFromHost();
}

LoopbackHttpServer::LoopbackHttpServer(QObject* parent)
    : QObject(parent)
    , m_server(new QTcpServer(this)) {
    connect(m_server, &QTcpServer::newConnection, this, &LoopbackHttpServer::acceptPending);
}

LoopbackHttpServer::~LoopbackHttpServer() {
    // Sockets emit disconnected() while they are destroyed; cut them loose first so no handler
    // runs against a half-destroyed server.
    const QList<QTcpSocket*> sockets = m_server->findChildren<QTcpSocket*>(Qt::FindDirectChildrenOnly);
    for (QTcpSocket* socket : sockets) {
        socket->disconnect();
        delete socket;
    }
}

bool LoopbackHttpServer::listen() {
    return m_server->listen(QHostAddress::LocalHost, 0);
}

bool LoopbackHttpServer::isListening() const {
    return m_server->isListening();
}

QString LoopbackHttpServer::errorString() const {
    return m_server->errorString();
}

quint16 LoopbackHttpServer::port() const {
    return m_server->isListening() ? m_server->serverPort() : 0;
}

QUrl LoopbackHttpServer::baseUrl() const {
    if (!m_server->isListening())
        return QUrl();
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    url.setHost(QStringLiteral("127.0.0.1"));
    url.setPort(m_server->serverPort());
    url.setPath(QStringLiteral("/"));
    return url;
}

void LoopbackHttpServer::acceptPending() {
    while (QTcpSocket* socket = m_server->nextPendingConnection()) {
        ++m_connectionsOpened;
        new HttpConnection(this, socket);
    }
}

namespace {

bool isLoopbackHost(const QString& host) {
    if (host.compare(QStringLiteral("localhost"), Qt::CaseInsensitive) == 0)
        return true;
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}

} // namespace

std::variant<QUrl, QString> resolveScriptUrl(const QString& url, const QUrl& base) {
    const auto refuse = [&url](const QString& reason) {
        return QStringLiteral("http.get: refused %1: %2")
            .arg(url.isEmpty() ? QStringLiteral("\"\"") : url, reason);
    };
    if (url.trimmed().isEmpty())
        return refuse(QStringLiteral("empty URL"));
    const QUrl parsed(url);
    if (!parsed.isValid())
        return refuse(QStringLiteral("malformed URL (%1)").arg(parsed.errorString()));
    QUrl resolved = parsed;
    // No scheme: "/x", "x", but also "//host/x", whose host is checked below like any other.
    if (parsed.scheme().isEmpty()) {
        if (!base.isValid() || base.scheme().isEmpty())
            return refuse(
                QStringLiteral("a relative URL needs the workload HTTP server, which is not running"));
        resolved = base.resolved(parsed);
    }
    const QString host = resolved.host();
    if (!host.isEmpty() && !isLoopbackHost(host))
        return refuse(
            QStringLiteral("only loopback hosts (127.0.0.1, localhost, ::1) are reachable from a workload"));
    if (resolved.scheme() != QStringLiteral("http"))
        return refuse(
            QStringLiteral("scheme \"%1\" is not supported: only http:// URLs to loopback hosts are")
                .arg(resolved.scheme()));
    if (host.isEmpty())
        return refuse(QStringLiteral("no host"));
    return resolved;
}

} // namespace coroscope::script
