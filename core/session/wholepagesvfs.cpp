#include "session/wholepagesvfs_p.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <mutex>
#include <sqlite3.h>

namespace coroscope::session {
namespace {

/// Our file, followed in the same allocation by the default VFS's file it reads through.
struct LimitedFile {
    sqlite3_file base;
    sqlite3_int64 limit;
    sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};
static_assert(sizeof(LimitedFile) % alignof(sqlite3_int64) == 0, "the real file after it must be aligned");

LimitedFile* limited(sqlite3_file* f) {
    return reinterpret_cast<LimitedFile*>(f);
}

int xClose(sqlite3_file* f) {
    sqlite3_file* real = limited(f)->real();
    return real->pMethods ? real->pMethods->xClose(real) : SQLITE_OK;
}

int xRead(sqlite3_file* f, void* buffer, int amount, sqlite3_int64 offset) {
    LimitedFile* file = limited(f);
    const sqlite3_int64 available = std::clamp<sqlite3_int64>(file->limit - offset, 0, amount);
    if (available == amount)
        return file->real()->pMethods->xRead(file->real(), buffer, amount, offset);
    // Past the limit, as past the end of a file: zeros and a short read (what SQLite expects).
    std::memset(static_cast<char*>(buffer) + available, 0, std::size_t(amount - available));
    if (available > 0) {
        const int rc = file->real()->pMethods->xRead(file->real(), buffer, int(available), offset);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_IOERR_SHORT_READ;
}

int xWrite(sqlite3_file*, const void*, int, sqlite3_int64) {
    return SQLITE_READONLY;
}

int xTruncate(sqlite3_file*, sqlite3_int64) {
    return SQLITE_READONLY;
}

int xSync(sqlite3_file*, int) {
    return SQLITE_OK;
}

int xFileSize(sqlite3_file* f, sqlite3_int64* size) {
    LimitedFile* file = limited(f);
    const int rc = file->real()->pMethods->xFileSize(file->real(), size);
    *size = std::min(*size, file->limit);
    return rc;
}

// Locks, file controls and the device's properties: the default VFS's own.
int xLock(sqlite3_file* f, int level) {
    return limited(f)->real()->pMethods->xLock(limited(f)->real(), level);
}

int xUnlock(sqlite3_file* f, int level) {
    return limited(f)->real()->pMethods->xUnlock(limited(f)->real(), level);
}

int xCheckReservedLock(sqlite3_file* f, int* out) {
    return limited(f)->real()->pMethods->xCheckReservedLock(limited(f)->real(), out);
}

int xFileControl(sqlite3_file* f, int op, void* arg) {
    return limited(f)->real()->pMethods->xFileControl(limited(f)->real(), op, arg);
}

int xSectorSize(sqlite3_file* f) {
    return limited(f)->real()->pMethods->xSectorSize(limited(f)->real());
}

int xDeviceCharacteristics(sqlite3_file* f) {
    return limited(f)->real()->pMethods->xDeviceCharacteristics(limited(f)->real());
}

// Version 1: no shared memory (an immutable file has no log to index) and no memory mapping.
const sqlite3_io_methods kMethods = {1,
                                     xClose,
                                     xRead,
                                     xWrite,
                                     xTruncate,
                                     xSync,
                                     xFileSize,
                                     xLock,
                                     xUnlock,
                                     xCheckReservedLock,
                                     xFileControl,
                                     xSectorSize,
                                     xDeviceCharacteristics};

int xOpen(sqlite3_vfs* vfs, const char* name, sqlite3_file* f, int flags, int* outFlags) {
    auto* real = static_cast<sqlite3_vfs*>(vfs->pAppData);
    LimitedFile* file = limited(f);
    file->base.pMethods = nullptr; // until the real file is open: SQLite then calls no xClose
    if (!(flags & SQLITE_OPEN_READONLY))
        return SQLITE_READONLY;
    const int rc = real->xOpen(real, name, file->real(), flags, outFlags);
    if (rc != SQLITE_OK)
        return rc;
    file->limit = (flags & SQLITE_OPEN_MAIN_DB) ? sqlite3_uri_int64(name, "whole_bytes", 0)
                                                : std::numeric_limits<sqlite3_int64>::max();
    file->base.pMethods = &kMethods;
    return SQLITE_OK;
}

} // namespace

const char* wholePagesVfs() {
    static sqlite3_vfs vfs;
    static std::once_flag registered;
    std::call_once(registered, [] {
        sqlite3_vfs* real = sqlite3_vfs_find(nullptr);
        vfs = *real;                              // every other call as the default VFS makes it
        vfs.iVersion = std::min(vfs.iVersion, 2); // not its system-call overrides
        vfs.szOsFile = int(sizeof(LimitedFile)) + real->szOsFile;
        vfs.pNext = nullptr;
        vfs.zName = "coroscope-whole-pages";
        vfs.pAppData = real;
        vfs.xOpen = xOpen;
        sqlite3_vfs_register(&vfs, 0);
    });
    return vfs.zName;
}

} // namespace coroscope::session
