#pragma once

#include <QObject>
#include <QString>
#include <QUrl>

#include <variant>

class QTcpServer;

namespace coroscope::script {

/// The HTTP server a workload's `http.get()` talks to: real sockets on 127.0.0.1, so a script
/// measures real network awaits without reaching outside the machine.
///
/// Every path answers GET and HEAD; the query shapes the reply: `delay` (ms before replying),
/// `status` (status code) and `bytes` (body size, deterministic "coroscope\n" filler).
///
/// It runs on the measured loop's own thread, so nothing in it may block: delays are timers,
/// large bodies are streamed as the socket drains, and every buffer has a bound (a request
/// header over kMaxHeaderBytes is answered with 431).
///
/// Not Qt's QHttpServer: 6.4 answers pipelined requests out of order once a reply is delayed and
/// buffers request headers without bound (measured: docs/platform-facts.md).
class LoopbackHttpServer : public QObject {
    Q_OBJECT
public:
    static constexpr qint64 kMaxHeaderBytes = 64 * 1024;      ///< request line + headers
    static constexpr qint64 kMaxBodyBytes = 64 * 1024 * 1024; ///< clamp for `bytes`
    static constexpr qint64 kMaxDelayMs = 600'000;            ///< clamp for `delay`

    explicit LoopbackHttpServer(QObject* parent = nullptr);
    ~LoopbackHttpServer() override;

    /// Listens on 127.0.0.1 on a free port. False (see errorString()) if that failed.
    bool listen();
    bool isListening() const;
    QString errorString() const;

    /// The listening port (0 before listen()).
    quint16 port() const;
    /// "http://127.0.0.1:PORT/": where relative script URLs resolve to.
    QUrl baseUrl() const;

    /// Responses sent so far, error responses (400, 431, ...) included.
    quint64 requestsServed() const { return m_requestsServed; }
    /// TCP connections accepted so far.
    quint64 connectionsOpened() const { return m_connectionsOpened; }

private:
    friend class HttpConnection;
    void acceptPending();

    QTcpServer* m_server;
    quint64 m_requestsServed = 0;
    quint64 m_connectionsOpened = 0;
};

/// The URL policy of `http.get(url)`: relative URLs resolve against `base` (the server's
/// baseUrl()); absolute URLs must be http to a loopback host (127.0.0.0/8, localhost, ::1).
/// Anything else yields an error naming the URL and why it was refused, so a workload can
/// never reach outside the machine.
std::variant<QUrl, QString> resolveScriptUrl(const QString& url, const QUrl& base);

} // namespace coroscope::script
