#include "programcheck.h"

#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>

#include <cstring>
#include <elf.h>
#include <sys/stat.h>

namespace coroscope::app {
namespace {

/// The DT_NEEDED names of a 64-bit little-endian ELF image, or an error.
std::optional<QStringList> neededLibraries(const QByteArray& image, QString& error) {
    if (image.size() < qsizetype(sizeof(Elf64_Ehdr))) {
        error = QStringLiteral("is too short to be a program");
        return std::nullopt;
    }
    Elf64_Ehdr header;
    std::memcpy(&header, image.constData(), sizeof header);
    if (header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_machine != EM_X86_64) {
        error = QStringLiteral("is not an x86-64 program (the probe is built for x86-64)");
        return std::nullopt;
    }
    const auto at = [&](std::uint64_t offset, std::uint64_t size) {
        return offset <= std::uint64_t(image.size()) && size <= std::uint64_t(image.size()) - offset;
    };
    if (header.e_phentsize != sizeof(Elf64_Phdr) ||
        !at(header.e_phoff, std::uint64_t(header.e_phnum) * sizeof(Elf64_Phdr))) {
        error = QStringLiteral("has a damaged ELF header");
        return std::nullopt;
    }
    std::vector<Elf64_Phdr> segments(header.e_phnum);
    std::memcpy(segments.data(), image.constData() + header.e_phoff, segments.size() * sizeof(Elf64_Phdr));
    const Elf64_Phdr* dynamic = nullptr;
    bool interpreter = false;
    for (const Elf64_Phdr& s : segments) {
        interpreter |= s.p_type == PT_INTERP;
        if (s.p_type == PT_DYNAMIC)
            dynamic = &s;
    }
    if (!interpreter || !dynamic) {
        error = QStringLiteral("is statically linked: a probe can only be preloaded into a dynamically "
                               "linked program");
        return std::nullopt;
    }
    // Addresses in the dynamic section are virtual: map them back through the loadable segments.
    const auto fileOffset = [&](std::uint64_t address) -> std::optional<std::uint64_t> {
        for (const Elf64_Phdr& s : segments)
            if (s.p_type == PT_LOAD && address >= s.p_vaddr && address - s.p_vaddr < s.p_filesz)
                return s.p_offset + (address - s.p_vaddr);
        return std::nullopt;
    };
    if (!at(dynamic->p_offset, dynamic->p_filesz)) {
        error = QStringLiteral("has a damaged dynamic section");
        return std::nullopt;
    }
    std::vector<std::uint64_t> neededOffsets;
    std::optional<std::uint64_t> strtab;
    std::uint64_t strsz = 0;
    for (std::uint64_t i = 0; i + sizeof(Elf64_Dyn) <= dynamic->p_filesz; i += sizeof(Elf64_Dyn)) {
        Elf64_Dyn entry;
        std::memcpy(&entry, image.constData() + dynamic->p_offset + i, sizeof entry);
        if (entry.d_tag == DT_NULL)
            break;
        if (entry.d_tag == DT_NEEDED)
            neededOffsets.push_back(entry.d_un.d_val);
        else if (entry.d_tag == DT_STRTAB)
            strtab = fileOffset(entry.d_un.d_ptr);
        else if (entry.d_tag == DT_STRSZ)
            strsz = entry.d_un.d_val;
    }
    QStringList needed;
    if (!strtab || !at(*strtab, strsz)) {
        error = QStringLiteral("has a damaged dynamic string table");
        return std::nullopt;
    }
    for (const std::uint64_t offset : neededOffsets) {
        if (offset >= strsz)
            continue;
        const char* name = image.constData() + *strtab + offset;
        needed << QString::fromLatin1(name, qsizetype(::strnlen(name, strsz - offset)));
    }
    return needed;
}

} // namespace

std::optional<ProgramFile> checkProgram(const QString& program, QString& error) {
    ProgramFile out;
    out.path = program.contains(u'/') ? QFileInfo(program).absoluteFilePath()
                                      : QStandardPaths::findExecutable(program);
    if (out.path.isEmpty()) {
        error = QStringLiteral("%1: no such program on PATH").arg(program);
        return std::nullopt;
    }
    const QFileInfo info(out.path);
    if (!info.exists() || info.isDir() || !info.isExecutable()) {
        error = QStringLiteral("%1: %2").arg(out.path, !info.exists() ? QStringLiteral("no such file")
                                                       : info.isDir() ? QStringLiteral("is a directory")
                                                                      : QStringLiteral("is not executable"));
        return std::nullopt;
    }
    struct stat st {};
    if (::stat(QFile::encodeName(out.path).constData(), &st) == 0 && (st.st_mode & (S_ISUID | S_ISGID))) {
        error = QStringLiteral("%1: is setuid or setgid: the dynamic loader ignores LD_PRELOAD for it, so "
                               "no probe can be injected")
                    .arg(out.path);
        return std::nullopt;
    }
    QFile file(out.path);
    if (!file.open(QIODevice::ReadOnly)) {
        error = QStringLiteral("%1: cannot read: %2").arg(out.path, file.errorString());
        return std::nullopt;
    }
    const QByteArray start = file.peek(4);
    if (start.startsWith("#!")) {
        out.script = true;
        return out;
    }
    if (start != QByteArray(ELFMAG, SELFMAG)) {
        error = QStringLiteral("%1: is not an ELF program or a script").arg(out.path);
        return std::nullopt;
    }
    // Mapped, not read: only the pages of the headers and the dynamic section are touched.
    const uchar* mapped = file.map(0, file.size());
    if (!mapped) {
        error = QStringLiteral("%1: cannot read: %2").arg(out.path, file.errorString());
        return std::nullopt;
    }
    const QByteArray image = QByteArray::fromRawData(reinterpret_cast<const char*>(mapped), file.size());
    QString why;
    const auto needed = neededLibraries(image, why);
    if (!needed) {
        error = out.path + QStringLiteral(": ") + why;
        return std::nullopt;
    }
    out.needed = *needed;
    if (!out.needed.contains(QStringLiteral("libQt6Core.so.6"))) {
        error = QStringLiteral("%1: is not a Qt 6 program (it does not link libQt6Core.so.6%2)")
                    .arg(out.path, out.needed.contains(QStringLiteral("libQt5Core.so.5"))
                                       ? QStringLiteral("; it links Qt 5's")
                                       : QString());
        return std::nullopt;
    }
    return out;
}

} // namespace coroscope::app
