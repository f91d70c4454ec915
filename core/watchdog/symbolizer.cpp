#include "watchdog/symbolizer.h"

#include <QStringBuilder>
#include <QtDebug>

#include <atomic>
#include <backtrace.h>
#include <cstdlib>
#include <cxxabi.h>
#include <dlfcn.h>
#include <link.h>
#include <memory>
#include <unistd.h>

namespace coroscope {
namespace {

// Distinct PCs are bounded by the code size, but JIT code could keep producing new ones.
constexpr std::size_t MaxCachedFrames = 1 << 16;

// Inline levels reported by backtrace_pcinfo for one PC, innermost first.
struct PcInfo {
    struct Level {
        const char* function = nullptr;
        const char* file = nullptr;
        int line = 0;
    };
    Level innermost;
    Level outermost;
    int levels = 0;
};

int onPcInfo(void* data, std::uintptr_t, const char* file, int line, const char* function) {
    auto* info = static_cast<PcInfo*>(data);
    // Called once with everything null when the PC has no debug info (Qt, libc here).
    if (!file && !function)
        return 0;
    const PcInfo::Level level{function, file, line};
    if (info->levels++ == 0)
        info->innermost = level;
    info->outermost = level;
    return 0; // continue: we want the outermost level as well
}

void onSymInfo(void* data, std::uintptr_t, const char* symbol, std::uintptr_t, std::uintptr_t) {
    *static_cast<const char**>(data) = symbol;
}

// errnum -1 means "no debug info" for a module, which is the normal case for system libraries.
// Anything else (unreadable /proc/self/exe, corrupt DWARF) is worth one warning per process.
void onError(void*, const char* message, int errnum) {
    static std::atomic<bool> warned{false};
    if (errnum != -1 && !warned.exchange(true))
        qWarning("Symbolizer: libbacktrace: %s (errno %d)", message, errnum);
}

QString demangle(const char* name) {
    if (!name || !*name)
        return {};
    QString result;
    if (name[0] == '_' && name[1] == 'Z') {
        int status = 0;
        const std::unique_ptr<char, decltype(&std::free)> demangled(
            abi::__cxa_demangle(name, nullptr, nullptr, &status), &std::free);
        if (status == 0 && demangled)
            result = QString::fromUtf8(demangled.get());
    }
    if (result.isEmpty())
        result = QString::fromUtf8(name);
    // Template instantiations run to kilobytes; a frame line must stay readable.
    if (result.size() > Symbolizer::MaxFunctionLength)
        result = result.left(Symbolizer::MaxFunctionLength - 1) + QChar(0x2026);
    return result;
}

QString baseName(const QString& path) {
    return path.mid(path.lastIndexOf(QLatin1Char('/')) + 1);
}

// In glibc the handle of the main program is its link_map, the one dladdr1 reports for its PCs.
const link_map* mainLinkMap() {
    static const auto* map = static_cast<const link_map*>(::dlopen(nullptr, RTLD_LAZY | RTLD_NOLOAD));
    return map;
}

const QString& executableName() {
    static const QString name = [] {
        char buf[4096];
        const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
        return n > 0 ? baseName(QString::fromUtf8(buf, n)) : QString();
    }();
    return name;
}

} // namespace

Symbolizer& Symbolizer::instance() {
    static Symbolizer symbolizer;
    return symbolizer;
}

Symbolizer::Symbolizer()
    // threaded = 1: the watchdog and the UI may symbolize concurrently.
    : m_state(backtrace_create_state(nullptr, 1, &onError, nullptr)) {}

void Symbolizer::warmUp() {
    // The first lookup of any PC makes libbacktrace open the executable and every loaded library
    // and build their address maps: 90–150 ms here (more with libc6-dbg installed, whose
    // separate debug file is read too). Function details are still parsed lazily per
    // compilation unit, so the first stall in a new .cpp file costs a few more ms (off the loop).
    std::call_once(m_warmUpOnce, [this] {
        (void)lookUp(reinterpret_cast<std::uintptr_t>(&executableName), false);
        m_warm.store(true, std::memory_order_release);
    });
}

StackFrame Symbolizer::resolve(std::uintptr_t pc, bool isReturnAddress) {
    auto& cache = m_cache[isReturnAddress ? 1 : 0];
    {
        const std::lock_guard lock(m_cacheMutex);
        const auto it = cache.find(pc);
        if (it != cache.end())
            return it->second;
    }
    // Looked up outside the lock: libbacktrace is thread-safe in threaded mode, and the first
    // lookup is slow. Two threads racing on one PC both compute the same answer.
    StackFrame frame = lookUp(pc, isReturnAddress);
    const std::lock_guard lock(m_cacheMutex);
    if (cache.size() >= MaxCachedFrames)
        cache.clear();
    cache.emplace(pc, frame);
    return frame;
}

std::vector<StackFrame> Symbolizer::resolve(const std::vector<std::uintptr_t>& pcs) {
    std::vector<StackFrame> frames;
    frames.reserve(pcs.size());
    for (std::size_t i = 0; i < pcs.size(); ++i)
        frames.push_back(resolve(pcs[i], i > 0));
    return frames;
}

StackFrame Symbolizer::lookUp(std::uintptr_t pc, bool isReturnAddress) {
    StackFrame frame;
    frame.address = pc;
    // A return address points at the instruction after the call, which may already belong to
    // the next line, or to another function when the call was the last instruction (noreturn).
    const std::uintptr_t lookupPc = isReturnAddress && pc > 0 ? pc - 1 : pc;

    if (m_state) {
        PcInfo info;
        backtrace_pcinfo(m_state, lookupPc, &onPcInfo, &onError, &info);
        if (info.levels > 0) {
            frame.function = demangle(info.innermost.function);
            frame.file = QString::fromUtf8(info.innermost.file);
            frame.line = info.innermost.line;
            if (info.levels > 1) {
                frame.inlinedInto = demangle(info.outermost.function);
                frame.inlinedIntoFile = QString::fromUtf8(info.outermost.file);
                frame.inlinedIntoLine = info.outermost.line;
            }
        }
        if (frame.function.isEmpty()) {
            const char* symbol = nullptr;
            backtrace_syminfo(m_state, lookupPc, &onSymInfo, &onError, &symbol);
            frame.function = demangle(symbol);
        }
    }

    Dl_info dl{};
    link_map* map = nullptr;
    const int found =
        ::dladdr1(reinterpret_cast<void*>(lookupPc), &dl, reinterpret_cast<void**>(&map), RTLD_DL_LINKMAP);
    if (found != 0) {
        if (frame.function.isEmpty())
            frame.function = demangle(dl.dli_sname);
        // dladdr names the main executable after argv[0], which may be relative or made up.
        if (map && map == mainLinkMap())
            frame.module = executableName();
        else if (dl.dli_fname && *dl.dli_fname)
            frame.module = baseName(QString::fromUtf8(dl.dli_fname));
    }
    return frame;
}

QString Symbolizer::format(const std::vector<StackFrame>& frames) {
    QString out;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        const StackFrame& f = frames[i];
        const QString name = f.function.isEmpty()
                                 ? QStringLiteral("0x") + QString::number(qulonglong(f.address), 16)
                                 : f.function;
        // A file without a line (libc's sigreturn trampoline has one) says less than the module.
        QString where;
        if (!f.file.isEmpty() && f.line > 0)
            where = baseName(f.file) + QLatin1Char(':') + QString::number(f.line);
        else if (!f.module.isEmpty())
            where = f.module;
        else if (!f.file.isEmpty())
            where = baseName(f.file);
        else
            where = QStringLiteral("??");
        out += QLatin1Char('#') + QString::number(i) + QLatin1Char(' ') + name + QStringLiteral(" (") +
               where + QLatin1Char(')');
        if (!f.inlinedInto.isEmpty()) {
            out += QStringLiteral(" [inlined into ") + f.inlinedInto;
            if (!f.inlinedIntoFile.isEmpty())
                out += QStringLiteral(" at ") + baseName(f.inlinedIntoFile) + QLatin1Char(':') +
                       QString::number(f.inlinedIntoLine);
            out += QLatin1Char(']');
        }
        out += QLatin1Char('\n');
    }
    return out;
}

} // namespace coroscope
