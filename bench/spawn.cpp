// bench/spawn: what one spawn costs with 1 000 tasks alive against with LIVE (default 1 000 000)
// alive, under `coroscope run` as a user runs it. A spawn must cost the same however many tasks
// live: the ratio is the figure (printed, never asserted: times depend on the machine).
//
//   ./build/dev/bench/spawn [LIVE]
#include <QCoreApplication>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <cstdio>

namespace {

constexpr int kSpawns = 20'000;

const char* const kScript = R"JS(
function* idle() { yield sleep(3600000); }
function* main() {
    const live = Number(params.live);
    for (let i = 0; i < live; ++i) { spawn(idle); if (i % 10000 === 0) yield sleep(0); }
    yield sleep(10);
    const t = now();
    for (let i = 0; i < Number(params.spawns); ++i) spawn(idle);
    log('spawned in', now() - t);
}
)JS";

/// Milliseconds the script's `kSpawns` spawns took with `live` tasks alive, or -1.
double spawnMs(const QString& script, long live) {
    QProcess run;
    const QTemporaryDir dir;
    run.start(QStringLiteral(COROSCOPE_BINARY),
              {QStringLiteral("run"), script, QStringLiteral("--param"), QStringLiteral("live=%1").arg(live),
               QStringLiteral("--param"), QStringLiteral("spawns=%1").arg(kSpawns),
               QStringLiteral("--max-tasks"), QString::number(live + kSpawns + 10),
               QStringLiteral("--memory-limit"), QStringLiteral("16GiB"), QStringLiteral("--script-timeout"),
               QStringLiteral("10min"), QStringLiteral("--session"),
               dir.filePath(QStringLiteral("spawn.coroscope"))});
    if (!run.waitForFinished(30 * 60 * 1000))
        return -1;
    const QString out = QString::fromUtf8(run.readAllStandardOutput());
    const auto match = QRegularExpression(QStringLiteral("spawned in ([0-9.]+)")).match(out);
    if (!match.hasMatch()) {
        std::fprintf(stderr, "live=%ld: no figure; stderr:\n%s\n", live,
                     run.readAllStandardError().constData());
        return -1;
    }
    return match.captured(1).toDouble();
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    const long live = argc > 1 ? std::atol(argv[1]) : 1'000'000;
    const QTemporaryDir dir;
    const QString script = dir.filePath(QStringLiteral("spawn.js"));
    {
        QFile file(script);
        if (!file.open(QIODevice::WriteOnly))
            return 2;
        file.write(kScript);
    }
    const double few = spawnMs(script, 1000);
    const double many = spawnMs(script, live);
    if (few <= 0 || many <= 0)
        return 1;
    std::printf("spawn_ns_at_1000_live %.0f\n", few * 1e6 / kSpawns);
    std::printf("spawn_ns_at_%ld_live %.0f\n", live, many * 1e6 / kSpawns);
    std::printf("spawn_cost_ratio %.2f\n", many / few);
    return 0;
}
