#include "script/httpserver.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>
#include <qcoro/qcoronetworkreply.h>
#include <qcoro/qcorotask.h>

#include <algorithm>
#include <arpa/inet.h>
#include <chrono>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

using namespace coroscope::script;
using namespace std::chrono_literals;

namespace {

struct Fetched {
    bool finished = false;
    int status = 0;
    QByteArray body;
    QByteArray contentLength;
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    qint64 elapsedNs = 0;
};

/// One request through QNetworkAccessManager, awaited with QCoro. Never throws and always ends
/// (5 s timeout), because QCoro 0.8's waitFor() hangs forever on a throwing task.
QCoro::Task<Fetched> fetch(QNetworkAccessManager* nam, QUrl url, bool head = false) {
    Fetched result;
    try {
        QElapsedTimer clock;
        clock.start();
        const QNetworkRequest request(url);
        QNetworkReply* reply = head ? nam->head(request) : nam->get(request);
        result.finished = co_await qCoro(reply).waitForFinished(5s);
        result.elapsedNs = clock.nsecsElapsed();
        if (!result.finished)
            reply->abort();
        result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        result.body = reply->readAll();
        result.contentLength = reply->rawHeader("Content-Length");
        result.error = reply->error();
        reply->deleteLater();
    } catch (...) {
        result.finished = false;
    }
    co_return result;
}

QCoro::Task<std::vector<Fetched>> collect(std::vector<QCoro::Task<Fetched>> tasks) {
    std::vector<Fetched> all;
    for (QCoro::Task<Fetched>& task : tasks)
        all.push_back(co_await task);
    co_return all;
}

QByteArray filler(qsizetype n) {
    return QByteArrayLiteral("coroscope\n").repeated(n / 10 + 1).left(n);
}

/// Writes `parts` over a raw socket, `gap` apart, and returns everything the server sends until
/// it closes the connection (or 5 s pass). Raw sockets reach inputs QNetworkAccessManager
/// never produces.
QByteArray rawExchange(quint16 port, const QList<QByteArray>& parts, std::chrono::milliseconds gap = 0ms) {
    QTcpSocket socket;
    socket.setSocketOption(QAbstractSocket::LowDelayOption, 1);
    QByteArray received;
    QObject::connect(&socket, &QTcpSocket::readyRead, [&] { received += socket.readAll(); });
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!QTest::qWaitFor([&] { return socket.state() == QAbstractSocket::ConnectedState; }, 5000))
        return "not connected";
    for (const QByteArray& part : parts) {
        socket.write(part);
        socket.flush();
        if (gap > 0ms)
            QTest::qWait(int(gap.count()));
    }
    // A server that never closes shows up as a reply missing its end, not as a hang.
    (void)QTest::qWaitFor([&] { return socket.state() == QAbstractSocket::UnconnectedState; }, 5000);
    received += socket.readAll();
    return received;
}

} // namespace

class TestHttpServer : public QObject {
    Q_OBJECT
private:
    QUrl url(const QString& pathAndQuery) const { return m_server.baseUrl().resolved(QUrl(pathAndQuery)); }
    Fetched get(const QString& pathAndQuery, bool head = false) {
        return QCoro::waitFor(fetch(&m_nam, url(pathAndQuery), head));
    }

    LoopbackHttpServer m_server;
    QNetworkAccessManager m_nam;

private Q_SLOTS:
    void initTestCase() {
        QVERIFY2(m_server.listen(), qPrintable(m_server.errorString()));
        QVERIFY(m_server.port() != 0);
        QCOMPARE(m_server.baseUrl().toString(), QStringLiteral("http://127.0.0.1:%1/").arg(m_server.port()));
    }

    void statusAndBody() {
        const Fetched r = get(QStringLiteral("/any/path?status=404&bytes=1000"));
        QVERIFY(r.finished);
        QCOMPARE(r.status, 404);
        QCOMPARE(r.error, QNetworkReply::ContentNotFoundError);
        QCOMPARE(r.body.size(), 1000);
        QCOMPARE(r.body, filler(1000));
    }

    void defaultsAndClamping() {
        Fetched r = get(QStringLiteral("/"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray());
        r = get(QStringLiteral("/?status=999&bytes=-5"));
        QCOMPARE(r.status, 599);
        QCOMPARE(r.body, QByteArray());
        // An interim status is not a final answer: the server sends it and ends the connection, so
        // the client fails at once instead of waiting forever.
        r = get(QStringLiteral("/?status=1&bytes=3"));
        QVERIFY(r.finished);
        QVERIFY(r.error != QNetworkReply::NoError);
        const QByteArray interim =
            rawExchange(m_server.port(), {QByteArrayLiteral("GET /?status=101 HTTP/1.1\r\n\r\n")});
        QVERIFY2(interim.startsWith("HTTP/1.1 101 "), interim.constData());
        r = get(QStringLiteral("/?delay=soon"));
        QCOMPARE(r.status, 400);
        // `bytes` clamps at 64 MiB; HEAD shows the size without sending it.
        r = get(QStringLiteral("/?bytes=1e12"), true);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.contentLength, QByteArray::number(LoopbackHttpServer::kMaxBodyBytes));
    }

    void headHasNoBody() {
        const Fetched r = get(QStringLiteral("/?bytes=500"), true);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.contentLength, QByteArrayLiteral("500"));
        QVERIFY(r.body.isEmpty());
        // The connection is still usable: the next reply is not mistaken for a HEAD body.
        QCOMPARE(get(QStringLiteral("/?bytes=7")).body, filler(7));
    }

    // Guards the streamed body: chunks must continue the pattern and add up exactly.
    void largeBodyIsStreamedIntact() {
        const qsizetype size = 5 * 1024 * 1024 + 3;
        const Fetched r = get(QStringLiteral("/?bytes=%1").arg(size));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body.size(), size);
        QVERIFY(r.body == filler(size));
    }

    void delayKeepsLoopResponsive() {
        int ticks = 0;
        QTimer ticker;
        ticker.setInterval(10ms);
        connect(&ticker, &QTimer::timeout, this, [&] { ++ticks; });
        ticker.start();
        const Fetched r = get(QStringLiteral("/?delay=200"));
        ticker.stop();
        QCOMPARE(r.status, 200);
        QVERIFY2(r.elapsedNs >= 200'000'000, qPrintable(QString::number(r.elapsedNs)));
        QVERIFY2(r.elapsedNs < 1'000'000'000, qPrintable(QString::number(r.elapsedNs)));
        QVERIFY2(ticks >= 10, qPrintable(QStringLiteral("only %1 ticks during the delay").arg(ticks)));
    }

    void concurrentDelaysOverlap() {
        QElapsedTimer clock;
        clock.start();
        std::vector<QCoro::Task<Fetched>> tasks;
        for (int i = 0; i < 20; ++i)
            tasks.push_back(fetch(&m_nam, url(QStringLiteral("/c%1?delay=100").arg(i))));
        const std::vector<Fetched> all = QCoro::waitFor(collect(std::move(tasks)));
        const qint64 totalMs = clock.elapsed();
        QCOMPARE(all.size(), size_t(20));
        for (const Fetched& r : all) {
            QCOMPARE(r.status, 200);
            QVERIFY(r.elapsedNs >= 100'000'000);
        }
        // Serialized, 20 × 100 ms would take 2 s.
        QVERIFY2(totalMs < 1000, qPrintable(QStringLiteral("%1 ms").arg(totalMs)));
    }

    void keepAliveReusesConnections() {
        QNetworkAccessManager nam;
        const quint64 connectionsBefore = m_server.connectionsOpened();
        const quint64 servedBefore = m_server.requestsServed();
        for (int i = 0; i < 10; ++i) {
            const Fetched r = QCoro::waitFor(fetch(&nam, url(QStringLiteral("/k?bytes=%1").arg(i * 100))));
            QCOMPARE(r.status, 200);
            QCOMPARE(r.body.size(), i * 100);
        }
        QCOMPARE(m_server.requestsServed() - servedBefore, quint64(10));
        const quint64 opened = m_server.connectionsOpened() - connectionsBefore;
        QVERIFY2(opened < 10, qPrintable(QStringLiteral("%1 connections for 10 requests").arg(opened)));
    }

    void malformedRequestLineGets400() {
        const QByteArray reply = rawExchange(m_server.port(), {QByteArrayLiteral("NONSENSE\r\n\r\n")});
        QVERIFY2(reply.startsWith("HTTP/1.1 400 "), reply.constData());
        QVERIFY(reply.contains("Connection: close\r\n"));
        // Binary junk (here a TLS ClientHello's first bytes) is refused without waiting for a line.
        const QByteArray junk = rawExchange(m_server.port(), {QByteArray::fromHex("160301020001")});
        QVERIFY2(junk.startsWith("HTTP/1.1 400 "), junk.constData());
        const QByteArray badVersion =
            rawExchange(m_server.port(), {QByteArrayLiteral("GET / HTTX/1.1\r\nHost: a\r\n\r\n")});
        QVERIFY2(badVersion.startsWith("HTTP/1.1 400 "), badVersion.constData());
    }

    void oversizedHeaderGets431() {
        const QByteArray request = "GET / HTTP/1.1\r\nX-Big: " + QByteArray(70 * 1024, 'a') + "\r\n\r\n";
        const QByteArray reply = rawExchange(m_server.port(), {request});
        QVERIFY2(reply.startsWith("HTTP/1.1 431 "), reply.left(200).constData());
        // Many small header lines add up the same way.
        QByteArray many = "GET / HTTP/1.1\r\n";
        for (int i = 0; i < 8000; ++i)
            many += "X-H" + QByteArray::number(i) + ": v\r\n";
        const QByteArray reply2 = rawExchange(m_server.port(), {many + "\r\n"});
        QVERIFY2(reply2.startsWith("HTTP/1.1 431 "), reply2.left(200).constData());
    }

    // Guards the close after an error: the 431 must be flushed, and must reach a client that reads
    // only after the server closed with input still unread (the kernel then sends RST). A plain
    // POSIX socket reads only when told to, unlike QTcpSocket.
    void errorReplySurvivesUnreadInput() {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        QVERIFY(fd >= 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(m_server.port());
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        QCOMPARE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
        const QByteArray request = "GET / HTTP/1.1\r\nX-Big: " + QByteArray(200 * 1024, 'a') + "\r\n\r\n";
        QCOMPARE(::send(fd, request.constData(), size_t(request.size()), MSG_NOSIGNAL),
                 ssize_t(request.size()));
        QTest::qWait(300); // the server answers and closes meanwhile
        QByteArray received;
        char chunk[4096];
        ssize_t n = 0;
        while ((n = ::recv(fd, chunk, sizeof chunk, MSG_DONTWAIT)) > 0)
            received.append(chunk, n);
        ::close(fd);
        QVERIFY2(received.startsWith("HTTP/1.1 431 "), received.left(200).constData());
    }

    void requestSplitAcrossReads() {
        const QList<QByteArray> parts = {"GE", "T /?bytes=5 HT", "TP/1.1\r\nHost: x\r",
                                         "\nConnection: close\r\n", "\r\n"};
        const QByteArray reply = rawExchange(m_server.port(), parts, 30ms);
        QVERIFY2(reply.startsWith("HTTP/1.1 200 OK\r\n"), reply.constData());
        QVERIFY(reply.endsWith("\r\n\r\ncoros"));
    }

    // Guards keep-alive framing: a request body is skipped, and a request that arrived while the
    // previous reply was pending is answered afterwards.
    void pipelinedRequestsAfterABody() {
        const QByteArray two = "GET /?bytes=3&delay=20 HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
                               "GET /?bytes=4 HTTP/1.1\r\nConnection: close\r\n\r\n";
        const QByteArray reply = rawExchange(m_server.port(), {two});
        const qsizetype second = reply.indexOf("HTTP/1.1 200", 1);
        QVERIFY2(reply.startsWith("HTTP/1.1 200 OK\r\n") && second > 0, reply.constData());
        QVERIFY(reply.left(second).endsWith("\r\n\r\ncor"));
        QVERIFY(reply.endsWith("\r\n\r\ncoro"));
        QVERIFY(reply.mid(second).contains("Connection: close\r\n"));
    }

    void closedConnectionCancelsDelay() {
        const quint64 servedBefore = m_server.requestsServed();
        {
            QTcpSocket socket;
            socket.connectToHost(QHostAddress::LocalHost, m_server.port());
            QVERIFY(QTest::qWaitFor([&] { return socket.state() == QAbstractSocket::ConnectedState; }, 5000));
            socket.write("GET /?delay=300 HTTP/1.1\r\n\r\n");
            socket.flush();
            QTest::qWait(50);
            socket.abort();
        }
        QTest::qWait(450);
        QCOMPARE(m_server.requestsServed(), servedBefore);
        QCOMPARE(get(QStringLiteral("/")).status, 200);
    }

    void resolveScriptUrl_data() {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("expected"); // resolved URL, or empty when refused
        QTest::addColumn<QString>("reason");   // part of the refusal message
        const QString base = QStringLiteral("http://127.0.0.1:4321/");
        const QString loopbackOnly = QStringLiteral("only loopback hosts");
        QTest::newRow("absolute path") << "/x?delay=5" << base + QStringLiteral("x?delay=5") << QString();
        QTest::newRow("relative path") << "x" << base + QStringLiteral("x") << QString();
        QTest::newRow("localhost") << "http://localhost:8080/a"
                                   << "http://localhost:8080/a" << QString();
        QTest::newRow("127.0.0.2") << "http://127.0.0.2/"
                                   << "http://127.0.0.2/" << QString();
        QTest::newRow("::1") << "http://[::1]:99/z"
                             << "http://[::1]:99/z" << QString();
        QTest::newRow("example.com") << "https://example.com/" << QString() << loopbackOnly;
        QTest::newRow("http example.com") << "http://example.com/" << QString() << loopbackOnly;
        QTest::newRow("10.0.0.1") << "http://10.0.0.1/" << QString() << loopbackOnly;
        QTest::newRow("scheme-relative") << "//example.com/x" << QString() << loopbackOnly;
        QTest::newRow("userinfo trick") << "http://127.0.0.1@example.com/" << QString() << loopbackOnly;
        QTest::newRow("file") << "file:///etc/passwd" << QString() << QStringLiteral("scheme \"file\"");
        QTest::newRow("ftp loopback") << "ftp://127.0.0.1/" << QString() << QStringLiteral("scheme \"ftp\"");
        QTest::newRow("https loopback")
            << "https://127.0.0.1/" << QString() << QStringLiteral("scheme \"https\"");
        QTest::newRow("garbage") << "::garbage" << QString() << QStringLiteral("malformed URL");
        QTest::newRow("empty") << "" << QString() << QStringLiteral("empty URL");
    }

    void resolveScriptUrl() {
        QFETCH(QString, input);
        QFETCH(QString, expected);
        QFETCH(QString, reason);
        const auto result =
            coroscope::script::resolveScriptUrl(input, QUrl(QStringLiteral("http://127.0.0.1:4321/")));
        if (!expected.isEmpty()) {
            QVERIFY2(
                std::holds_alternative<QUrl>(result),
                qPrintable(std::holds_alternative<QString>(result) ? std::get<QString>(result) : QString()));
            QCOMPARE(std::get<QUrl>(result).toString(), expected);
            return;
        }
        QVERIFY2(
            std::holds_alternative<QString>(result),
            qPrintable(std::holds_alternative<QUrl>(result) ? std::get<QUrl>(result).toString() : QString()));
        const QString message = std::get<QString>(result);
        QVERIFY2(message.startsWith(QStringLiteral("http.get: refused ")), qPrintable(message));
        if (!input.isEmpty())
            QVERIFY2(message.contains(input), qPrintable(message));
        QVERIFY2(message.contains(reason), qPrintable(message));
    }

    void relativeUrlWithoutServerIsRefused() {
        const auto result = coroscope::script::resolveScriptUrl(QStringLiteral("/x"), QUrl());
        QVERIFY(std::holds_alternative<QString>(result));
        QVERIFY(std::get<QString>(result).contains(QStringLiteral("not running")));
    }

    // Guards against Nagle/delayed-ACK stalls (40 ms) and polling latency on the serving side.
    void latencyDelayZero() {
        std::vector<qint64> samples;
        for (int i = 0; i < 100; ++i) {
            const Fetched r = get(QStringLiteral("/lat?bytes=100"));
            QCOMPARE(r.status, 200);
            samples.push_back(r.elapsedNs);
        }
        std::sort(samples.begin(), samples.end());
        const double medianUs = double(samples[50]) / 1000.0;
        qInfo("delay=0 latency over 100 sequential requests: median %.0f us, min %.0f us, max %.0f us",
              medianUs, double(samples.front()) / 1000.0, double(samples.back()) / 1000.0);
        QVERIFY2(medianUs < 20'000, qPrintable(QString::number(medianUs)));
    }
};

QTEST_GUILESS_MAIN(TestHttpServer)
#include "test_httpserver.moc"
