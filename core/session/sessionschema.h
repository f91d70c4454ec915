#pragma once

#include "session/sqlite.h"

namespace coroscope::session {

/// `PRAGMA user_version` of the files this build writes (docs/session-format.md).
inline constexpr int kSchemaVersion = 1;
/// `PRAGMA application_id`: "CRSC". Tells a session from any other SQLite file.
inline constexpr int kApplicationId = 0x43525343;

/// Creates the tables of an empty file (WAL mode, the application id, the version).
void createSchema(Database& db);

/// Checks that `db` is a session this build can read; throws SqliteError with a message for
/// users otherwise (not a session, made by a newer Coroscope).
void checkSchema(Database& db);

} // namespace coroscope::session
