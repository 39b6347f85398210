/* tc-sqlite.c: small SQLite helpers shared by the server store and the
 * app replica */
#include "tc-sqlite.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <string.h>

#include "tc-error.h"

/* Long enough to ride out a checkpoint or another writer's commit. */
#define BUSY_TIMEOUT_MS 10000
/* Statements kept prepared per connection; more distinct SQL texts than
 * this (SQL built at run time) are finalized after use instead. */
#define STMT_CACHE_MAX 256

/* The idle prepared statements of every open connection: connection →
 * GHashTable (the statement's own SQL text → sqlite3_stmt). A connection is
 * used by one thread at a time, so only the map of connections needs the
 * lock, and only for a lookup. */
static GHashTable *stmt_caches;
static GRWLock stmt_caches_lock;

/* Errors that a retry or an administrator can fix (a locked, full or
 * unreachable database) as opposed to bugs in the SQL. */
static TcErrorCode
code_for_sqlite (int rc)
{
  switch (rc & 0xff)
    {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_PERM:
    case SQLITE_NOMEM:
      return TC_ERROR_UNAVAILABLE;
    default:
      return TC_ERROR_INTERNAL;
    }
}

/* What an unavailable database means, in words for whoever reads the
 * error (an HTTP client, the app's user, an administrator's log). */
static const char *
reason_for_sqlite (int rc)
{
  switch (rc & 0xff)
    {
    case SQLITE_FULL:
      return "the disk is full";
    case SQLITE_READONLY:
      return "the database is read-only";
    case SQLITE_IOERR:
      return "the disk cannot be read or written";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return "the database is busy";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return "the database is damaged";
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
      return "the database cannot be opened";
    default:
      return NULL;
    }
}

/**
 * tc_sqlite_set_error:
 * @db: (nullable): a connection
 * @what: what failed, such as "cannot store the message"
 * @error: return location for a %TC_ERROR error
 *
 * Sets @error from the last error of @db as "WHAT: SQLITE MESSAGE", with
 * %TC_ERROR_UNAVAILABLE for locked, full, read-only or damaged databases
 * and %TC_ERROR_INTERNAL for everything else. The former start with what
 * happened in plain words: "the disk is full (WHAT: SQLITE MESSAGE)".
 */
void
tc_sqlite_set_error (sqlite3     *db,
                     const char  *what,
                     GError     **error)
{
  const char *reason;
  int rc;

  g_return_if_fail (what != NULL);

  if (db == NULL)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_UNAVAILABLE, "%s: out of memory", what);
      return;
    }
  rc = sqlite3_extended_errcode (db);
  reason = reason_for_sqlite (rc);
  if (reason != NULL)
    g_set_error (error, TC_ERROR, code_for_sqlite (rc), "%s (%s: %s)", reason, what,
                 sqlite3_errmsg (db));
  else
    g_set_error (error, TC_ERROR, code_for_sqlite (rc), "%s: %s", what, sqlite3_errmsg (db));
}

/**
 * tc_sqlite_exec:
 * @db: a connection
 * @sql: one or more SQL statements
 * @error: return location for a %TC_ERROR error
 *
 * Runs @sql, discarding any rows it returns.
 *
 * Returns: %TRUE on success
 */
gboolean
tc_sqlite_exec (sqlite3     *db,
                const char  *sql,
                GError     **error)
{
  g_return_val_if_fail (db != NULL, FALSE);
  g_return_val_if_fail (sql != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK)
    {
      tc_sqlite_set_error (db, "SQL error", error);
      return FALSE;
    }
  return TRUE;
}

/* Runs a statement that answers with one text row, such as a PRAGMA. */
static char *
query_text (sqlite3     *db,
            const char  *sql,
            GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  const unsigned char *text;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_step (stmt) != SQLITE_ROW)
    {
      tc_sqlite_set_error (db, "SQL error", error);
      return NULL;
    }
  text = sqlite3_column_text (stmt, 0);
  return g_strdup (text != NULL ? (const char *) text : "");
}

/* Before the first connection of the process: no memory statistics. With
 * them on (SQLite's default), every allocation SQLite makes takes a global
 * mutex to count bytes that nothing here reads: about 3 µs of the 36 µs
 * that a send cost the store alone. Too late when something else in the
 * process opened SQLite first: then this changes nothing. */
static void
configure_sqlite_once (void)
{
  static gsize configured = 0;

  if (g_once_init_enter (&configured))
    {
      sqlite3_config (SQLITE_CONFIG_MEMSTATUS, 0);
      g_once_init_leave (&configured, 1);
    }
}

/**
 * tc_sqlite_open:
 * @path: the database file
 * @read_only: whether to open it read-only; it must then exist already
 * @error: return location for a %TC_ERROR_UNAVAILABLE error
 *
 * Opens @path for use by one thread at a time (SQLite's own mutexes are
 * off; give each thread its own connection). Writable connections switch
 * the database to WAL mode, so that readers never block the writer; all
 * connections get synchronous=FULL (a commit survives a power cut),
 * foreign keys and a busy timeout of 10 s. A database file that does not
 * exist yet is created with mode 0600.
 *
 * Returns: (transfer full): the connection, or %NULL on error
 */
sqlite3 *
tc_sqlite_open (const char  *path,
                gboolean     read_only,
                GError     **error)
{
  g_autoptr(sqlite3) db = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *filename;
  int flags = SQLITE_OPEN_NOMUTEX;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  flags |= read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  /* A new database holds password hashes, sessions and secrets (or a
   * person's messages): only its owner may read it. SQLite gives the -wal
   * and -shm files the mode of the database. */
  if (!read_only && *path != '\0' && !g_str_equal (path, ":memory:") &&
      !g_str_has_prefix (path, "file:"))
    {
      int fd = g_open (path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

      if (fd >= 0)
        close (fd);
    }
  configure_sqlite_once ();
  rc = sqlite3_open_v2 (path, &db, flags, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_UNAVAILABLE, "cannot open database %s: %s", path,
                   db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
      return NULL;
    }
  sqlite3_extended_result_codes (db, TRUE);

  /* Set first, so that switching to WAL below waits for other connections
   * instead of failing at once. */
  sqlite3_busy_timeout (db, BUSY_TIMEOUT_MS);

  /* The journal mode sticks to the file, so readers find WAL already on;
   * a read-only connection could not switch it anyway. */
  filename = sqlite3_db_filename (db, "main");
  if (!read_only && filename != NULL && *filename != '\0')
    {
      g_autofree char *mode = query_text (db, "PRAGMA journal_mode=WAL", &local_error);

      if (mode == NULL)
        goto fail;
      /* SQLite keeps the old mode, without an error, where WAL cannot
       * work (such as on some network file systems). */
      if (g_ascii_strcasecmp (mode, "wal") != 0)
        {
          g_set_error (error, TC_ERROR, TC_ERROR_UNAVAILABLE,
                       "cannot open database %s: it cannot use write-ahead logging "
                       "(journal mode stays “%s”)", path, mode);
          return NULL;
        }
    }

  if (!tc_sqlite_exec (db, "PRAGMA synchronous=FULL", &local_error) ||
      !tc_sqlite_exec (db, "PRAGMA foreign_keys=ON", &local_error))
    goto fail;

  /* Opening is lazy: make sure the file is really a database now rather
   * than on the first query. */
  if (tc_sqlite_user_version (db) < 0)
    {
      tc_sqlite_set_error (db, "SQL error", &local_error);
      goto fail;
    }

  return g_steal_pointer (&db);

fail:
  g_set_error (error, TC_ERROR, TC_ERROR_UNAVAILABLE, "cannot open database %s: %s", path,
               local_error->message);
  return NULL;
}

/* --- prepared statement cache ------------------------------------------- */

/* SQL texts are long and share long beginnings (the same columns): hash
 * the length and the last bytes rather than every byte, and let
 * g_str_equal() settle the rare collision. */
static guint
sql_hash (gconstpointer key)
{
  const char *sql = key;
  gsize len = strlen (sql);
  guint hash = (guint) len;

  for (gsize i = len > 32 ? len - 32 : 0; i < len; i++)
    hash = hash * 31 + (guchar) sql[i];
  return hash;
}

static GHashTable *
stmt_cache_lookup (sqlite3 *db)
{
  GHashTable *cache;

  g_rw_lock_reader_lock (&stmt_caches_lock);
  cache = stmt_caches != NULL ? g_hash_table_lookup (stmt_caches, db) : NULL;
  g_rw_lock_reader_unlock (&stmt_caches_lock);
  return cache;
}

static GHashTable *
stmt_cache_get (sqlite3 *db)
{
  GHashTable *cache = stmt_cache_lookup (db);

  if (cache != NULL)
    return cache;
  g_rw_lock_writer_lock (&stmt_caches_lock);
  if (stmt_caches == NULL)
    stmt_caches = g_hash_table_new (NULL, NULL);
  cache = g_hash_table_lookup (stmt_caches, db);
  if (cache == NULL)
    {
      /* Keys are the statements' own copies of their SQL. */
      cache = g_hash_table_new_full (sql_hash, g_str_equal, NULL,
                                     (GDestroyNotify) sqlite3_finalize);
      g_hash_table_insert (stmt_caches, db, cache);
    }
  g_rw_lock_writer_unlock (&stmt_caches_lock);
  return cache;
}

static void
stmt_cache_drop (sqlite3 *db)
{
  GHashTable *cache = NULL;

  g_rw_lock_writer_lock (&stmt_caches_lock);
  if (stmt_caches != NULL && g_hash_table_steal_extended (stmt_caches, db, NULL,
                                                           (gpointer *) &cache))
    {
      if (g_hash_table_size (stmt_caches) == 0)
        g_clear_pointer (&stmt_caches, g_hash_table_unref);
    }
  g_rw_lock_writer_unlock (&stmt_caches_lock);
  if (cache != NULL)
    g_hash_table_unref (cache);
}

/**
 * tc_sqlite_prepare_cached:
 * @db: a connection
 * @sql: one SQL statement
 * @error: return location for a %TC_ERROR error
 *
 * Takes a prepared statement for @sql from @db's cache, preparing it
 * (%SQLITE_PREPARE_PERSISTENT) the first time. Give it back with
 * tc_sqlite_release_cached() (or declare it `g_autoptr(TcSqliteStmt)`),
 * which resets it and clears its bindings for the next caller. A statement
 * is never handed out twice at once: a nested use of the same SQL gets a
 * second statement. Like the connection, it belongs to one thread at a
 * time.
 *
 * Returns: (transfer full): the statement, or %NULL on error
 */
sqlite3_stmt *
tc_sqlite_prepare_cached (sqlite3     *db,
                          const char  *sql,
                          GError     **error)
{
  GHashTable *cache;
  sqlite3_stmt *stmt = NULL;

  g_return_val_if_fail (db != NULL, NULL);
  g_return_val_if_fail (sql != NULL, NULL);

  cache = stmt_cache_get (db);
  if (g_hash_table_steal_extended (cache, sql, NULL, (gpointer *) &stmt))
    return stmt;
  if (sqlite3_prepare_v3 (db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    {
      tc_sqlite_set_error (db, "prepare", error);
      sqlite3_finalize (stmt);
      return NULL;
    }
  return stmt;
}

/**
 * tc_sqlite_release_cached:
 * @stmt: (nullable) (transfer full): a statement from tc_sqlite_prepare_cached()
 *
 * Resets @stmt, clears its bindings and puts it back into its connection's
 * cache (in place of one already there for that SQL), or finalizes it when
 * the cache is full.
 */
void
tc_sqlite_release_cached (sqlite3_stmt *stmt)
{
  GHashTable *cache;
  const char *sql;

  if (stmt == NULL)
    return;
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  cache = stmt_cache_lookup (sqlite3_db_handle (stmt));
  sql = sqlite3_sql (stmt);
  if (cache == NULL || sql == NULL || g_hash_table_size (cache) >= STMT_CACHE_MAX)
    {
      sqlite3_finalize (stmt);
      return;
    }
  /* One lookup: a statement of the same SQL already there (from a nested
   * use) is finalized, key and all, and this one kept. */
  g_hash_table_replace (cache, (gpointer) sql, stmt);
}

/**
 * tc_sqlite_exec_cached:
 * @db: a connection
 * @sql: one SQL statement that returns no rows (or whose rows don't matter)
 * @error: return location for a %TC_ERROR error
 *
 * Like tc_sqlite_exec() for one statement, with the statement kept
 * prepared: for what a connection runs over and over, such as
 * `SAVEPOINT`, `RELEASE` or `COMMIT`.
 *
 * Returns: %TRUE on success
 */
gboolean
tc_sqlite_exec_cached (sqlite3     *db,
                       const char  *sql,
                       GError     **error)
{
  g_autoptr(TcSqliteStmt) stmt = tc_sqlite_prepare_cached (db, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ;
  if (rc != SQLITE_DONE)
    {
      tc_sqlite_set_error (db, "SQL error", error);
      return FALSE;
    }
  return TRUE;
}

/**
 * tc_sqlite_close:
 * @db: (nullable): a connection
 *
 * Closes @db, finalizing its cached statements. Statements still open keep
 * it alive until they are finalized, so the order of g_autoptr() cleanups
 * does not matter.
 */
void
tc_sqlite_close (sqlite3 *db)
{
  if (db == NULL)
    return;
  stmt_cache_drop (db);
  sqlite3_close_v2 (db);
}

/**
 * tc_sqlite_user_version:
 * @db: a connection
 *
 * Returns: the schema version stored in the database (PRAGMA
 *   user_version), or -1 when it cannot be read
 */
int
tc_sqlite_user_version (sqlite3 *db)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (db != NULL, -1);

  if (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_step (stmt) != SQLITE_ROW)
    return -1;
  return sqlite3_column_int (stmt, 0);
}

static gboolean
migrate_step (sqlite3                 *db,
              const TcSqliteMigration *migration,
              guint                    version,
              GError                 **error)
{
  g_autofree char *set_version = g_strdup_printf ("PRAGMA user_version=%u", version);

  /* IMMEDIATE takes the write lock now, so two processes migrating the
   * same file one step at a time cannot interleave. */
  if (!tc_sqlite_exec (db, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (tc_sqlite_exec (db, migration->sql, error) &&
      tc_sqlite_exec (db, set_version, error) &&
      tc_sqlite_exec (db, "COMMIT", error))
    return TRUE;

  /* Some errors roll back on their own; only roll back what is left. */
  if (!sqlite3_get_autocommit (db))
    sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

/**
 * tc_sqlite_migrate:
 * @db: a writable connection
 * @migrations: (array length=n_migrations): the steps, oldest first
 * @n_migrations: the number of steps, which is the latest schema version
 * @error: return location for a %TC_ERROR error
 *
 * Brings the schema from its stored version (PRAGMA user_version) to
 * @n_migrations, running each missing step and the version bump in one
 * transaction of its own: a failing step leaves the database at the
 * previous version. A database newer than this program is refused rather
 * than touched.
 *
 * Returns: %TRUE when the schema is up to date
 */
gboolean
tc_sqlite_migrate (sqlite3                 *db,
                   const TcSqliteMigration *migrations,
                   guint                    n_migrations,
                   GError                 **error)
{
  int version;

  g_return_val_if_fail (db != NULL, FALSE);
  g_return_val_if_fail (migrations != NULL || n_migrations == 0, FALSE);
  g_return_val_if_fail (n_migrations <= G_MAXINT, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  version = tc_sqlite_user_version (db);
  if (version < 0)
    {
      tc_sqlite_set_error (db, "cannot read the database schema version", error);
      return FALSE;
    }
  if ((guint) version > n_migrations)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_UNAVAILABLE,
                   "database schema version %d is newer than this program (%u)", version,
                   n_migrations);
      return FALSE;
    }

  for (guint step = (guint) version + 1; step <= n_migrations; step++)
    {
      if (!migrate_step (db, &migrations[step - 1], step, error))
        {
          g_prefix_error (error, "database schema migration to version %u failed: ", step);
          return FALSE;
        }
    }
  return TRUE;
}
