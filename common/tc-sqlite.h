/* tc-sqlite.h: small SQLite helpers shared by the server store and the
 * app replica: opening in WAL mode, errors, stepwise schema migrations. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

/* One migration step: the SQL that takes the schema from version N-1 to N,
 * where N is its position in the array plus one. */
typedef struct {
  const char *sql;
} TcSqliteMigration;

/* Opens @path (created if missing unless @read_only) in WAL mode with
 * foreign keys on, a busy timeout and synchronous=FULL. */
sqlite3  *tc_sqlite_open       (const char  *path,
                                gboolean     read_only,
                                GError     **error);
void      tc_sqlite_close      (sqlite3     *db);
/* Sets *error from the connection's last error, prefixed with @what. */
void      tc_sqlite_set_error  (sqlite3     *db,
                                const char  *what,
                                GError     **error);
gboolean  tc_sqlite_exec       (sqlite3     *db,
                                const char  *sql,
                                GError     **error);
int       tc_sqlite_user_version (sqlite3   *db);
/* A prepared statement from @db's cache (prepared on first use); give it
 * back with tc_sqlite_release_cached(), or hold it in a
 * g_autoptr(TcSqliteStmt). Nested uses of one SQL text get two statements. */
sqlite3_stmt *tc_sqlite_prepare_cached (sqlite3     *db,
                                        const char  *sql,
                                        GError     **error);
/* Resets @stmt, clears its bindings and keeps it for the next caller. */
void      tc_sqlite_release_cached (sqlite3_stmt *stmt);
/* Runs one statement (rows ignored), kept prepared: SAVEPOINT, COMMIT… */
gboolean  tc_sqlite_exec_cached (sqlite3     *db,
                                 const char  *sql,
                                 GError     **error);
/* Brings the schema to the last version, each step in its own transaction.
 * A database newer than @n_migrations is refused. */
gboolean  tc_sqlite_migrate    (sqlite3                 *db,
                                const TcSqliteMigration *migrations,
                                guint                    n_migrations,
                                GError                 **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3, tc_sqlite_close)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* A statement of tc_sqlite_prepare_cached(): g_autoptr(TcSqliteStmt) gives it
 * back to the cache instead of finalizing it. */
typedef sqlite3_stmt TcSqliteStmt;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcSqliteStmt, tc_sqlite_release_cached)

G_END_DECLS
