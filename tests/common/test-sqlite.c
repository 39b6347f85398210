/* test-sqlite.c: opening databases and stepwise schema migrations */
#include <glib/gstdio.h>
#include <string.h>

#include "tc-error.h"
#include "tc-sqlite.h"

static const TcSqliteMigration steps[] = {
  { "CREATE TABLE person (id INTEGER PRIMARY KEY, name TEXT NOT NULL);" },
  { "CREATE TABLE note (id INTEGER PRIMARY KEY,"
    "                   person_id INTEGER NOT NULL REFERENCES person (id));"
    "INSERT INTO person (name) VALUES ('first');" },
  { "ALTER TABLE person ADD COLUMN email TEXT;" },
  /* Added in a later release. */
  { "CREATE TABLE tag (name TEXT);"
    "INSERT INTO tag (name) VALUES ('fourth');" },
};

/* A later release whose fourth step breaks half-way. */
static const TcSqliteMigration broken_steps[] = {
  { "CREATE TABLE person (id INTEGER PRIMARY KEY, name TEXT NOT NULL);" },
  { "CREATE TABLE note (id INTEGER PRIMARY KEY,"
    "                   person_id INTEGER NOT NULL REFERENCES person (id));"
    "INSERT INTO person (name) VALUES ('first');" },
  { "ALTER TABLE person ADD COLUMN email TEXT;" },
  { "CREATE TABLE half (x TEXT);"
    "INSERT INTO person (name) VALUES ('second');"
    "INSERT INTO no_such_table VALUES (1);" },
};

typedef struct {
  char *dir;
  char *path;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("tc-sqlite-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->path = g_build_filename (fixture->dir, "test.db", NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GDir) dir = g_dir_open (fixture->dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (fixture->dir, name, NULL);

      g_assert_cmpint (g_unlink (file), ==, 0);
    }
  g_assert_cmpint (g_rmdir (fixture->dir), ==, 0);
  g_free (fixture->path);
  g_free (fixture->dir);
}

static sqlite3 *
open_ok (const char *path,
         gboolean    read_only)
{
  g_autoptr(GError) error = NULL;
  sqlite3 *db = tc_sqlite_open (path, read_only, &error);

  g_assert_no_error (error);
  g_assert_nonnull (db);
  return db;
}

/* The single value of a one-row, one-column query, as text. */
static char *
query (sqlite3    *db,
       const char *sql)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  const unsigned char *text;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  text = sqlite3_column_text (stmt, 0);
  return g_strdup ((const char *) text);
}

static gint64
query_int (sqlite3    *db,
           const char *sql)
{
  g_autofree char *text = query (db, sql);

  g_assert_nonnull (text);
  return g_ascii_strtoll (text, NULL, 10);
}

static gboolean
table_exists (sqlite3    *db,
              const char *table)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM sqlite_schema "
                                          "WHERE type = 'table' AND name = '%s'", table);

  return query_int (db, sql) == 1;
}

static void
migrate_ok (sqlite3 *db,
            guint    n_steps)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tc_sqlite_migrate (db, steps, n_steps, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tc_sqlite_user_version (db), ==, n_steps);
}

static void
test_open_settings (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(sqlite3) db = open_ok (fixture->path, FALSE);
  g_autofree char *mode = query (db, "PRAGMA journal_mode");

  g_assert_cmpstr (mode, ==, "wal");
  g_assert_true (g_file_test (fixture->path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint (query_int (db, "PRAGMA foreign_keys"), ==, 1);
  g_assert_cmpint (query_int (db, "PRAGMA synchronous"), ==, 2);  /* FULL */
  g_assert_cmpint (query_int (db, "PRAGMA busy_timeout"), ==, 10000);
  g_assert_cmpint (tc_sqlite_user_version (db), ==, 0);
}

static void
test_migrate_fresh (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(sqlite3) db = open_ok (fixture->path, FALSE);
  g_autoptr(GError) error = NULL;

  migrate_ok (db, 3);
  g_assert_true (table_exists (db, "person"));
  g_assert_true (table_exists (db, "note"));
  g_assert_false (table_exists (db, "tag"));
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM person"), ==, 1);
  /* Step 3 ran after step 2. */
  g_assert_true (tc_sqlite_exec (db, "UPDATE person SET email = 'a@example.com'", &error));
  g_assert_no_error (error);

  /* Foreign keys are enforced. */
  g_assert_false (tc_sqlite_exec (db, "INSERT INTO note (person_id) VALUES (999)", &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_INTERNAL);
  g_assert_nonnull (strstr (error->message, "FOREIGN KEY"));
}

static void
test_migrate_reopen (Fixture       *fixture,
                     gconstpointer  data)
{
  sqlite3 *db = open_ok (fixture->path, FALSE);
  g_autofree char *mode = NULL;

  migrate_ok (db, 3);
  tc_sqlite_close (db);

  /* Running the same steps again changes nothing: step 2's insert would
   * otherwise add a second row. */
  db = open_ok (fixture->path, FALSE);
  migrate_ok (db, 3);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM person"), ==, 1);
  mode = query (db, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "wal");
  tc_sqlite_close (db);
}

static void
test_migrate_later_step (Fixture       *fixture,
                         gconstpointer  data)
{
  sqlite3 *db = open_ok (fixture->path, FALSE);

  migrate_ok (db, 3);
  g_assert_true (tc_sqlite_exec (db, "INSERT INTO person (name) VALUES ('added at v3')", NULL));
  tc_sqlite_close (db);

  db = open_ok (fixture->path, FALSE);
  migrate_ok (db, 4);
  g_assert_true (table_exists (db, "tag"));
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM tag"), ==, 1);
  /* Only step 4 ran: the data of version 3 is untouched and step 2 did
   * not insert again. */
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM person"), ==, 2);
  tc_sqlite_close (db);
}

static void
test_migrate_newer_refused (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(sqlite3) db = open_ok (fixture->path, FALSE);
  g_autoptr(GError) error = NULL;

  migrate_ok (db, 4);
  /* This program only knows three steps. */
  g_assert_false (tc_sqlite_migrate (db, steps, 3, &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_UNAVAILABLE);
  g_assert_cmpstr (error->message, ==, "database schema version 4 is newer than this program (3)");
  g_assert_cmpint (tc_sqlite_user_version (db), ==, 4);
  g_assert_true (table_exists (db, "tag"));
}

static void
test_migrate_failing_step (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(sqlite3) db = open_ok (fixture->path, FALSE);
  g_autoptr(GError) error = NULL;

  g_assert_false (tc_sqlite_migrate (db, broken_steps, G_N_ELEMENTS (broken_steps), &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_INTERNAL);
  g_assert_nonnull (strstr (error->message, "version 4"));
  g_assert_nonnull (strstr (error->message, "no_such_table"));

  /* Steps 1 to 3 stay committed; nothing of step 4 is left. */
  g_assert_cmpint (tc_sqlite_user_version (db), ==, 3);
  g_assert_true (table_exists (db, "note"));
  g_assert_false (table_exists (db, "half"));
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM person"), ==, 1);
  g_assert_true (sqlite3_get_autocommit (db));

  /* A fixed release then migrates from there. */
  migrate_ok (db, 4);
  g_assert_true (table_exists (db, "tag"));
}

static void
test_read_only (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(sqlite3) writer = open_ok (fixture->path, FALSE);
  g_autoptr(sqlite3) reader = NULL;
  g_autoptr(GError) error = NULL;

  migrate_ok (writer, 3);
  reader = open_ok (fixture->path, TRUE);
  g_assert_cmpint (tc_sqlite_user_version (reader), ==, 3);
  g_assert_cmpint (query_int (reader, "SELECT count(*) FROM person"), ==, 1);

  g_assert_false (tc_sqlite_exec (reader, "INSERT INTO person (name) VALUES ('x')", &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_UNAVAILABLE);
  g_clear_error (&error);

  /* The reader sees commits of the writer. */
  g_assert_true (tc_sqlite_exec (writer, "INSERT INTO person (name) VALUES ('y')", &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (reader, "SELECT count(*) FROM person"), ==, 2);
}

static void
test_open_errors (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *missing_dir = g_build_filename (fixture->dir, "no", "such", "dir.db", NULL);
  g_autofree char *missing = g_build_filename (fixture->dir, "missing.db", NULL);
  g_autofree char *garbage = g_build_filename (fixture->dir, "garbage.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3) db = NULL;
  g_autofree char *expected = NULL;

  db = tc_sqlite_open (missing_dir, FALSE, &error);
  g_assert_null (db);
  g_assert_error (error, TC_ERROR, TC_ERROR_UNAVAILABLE);
  expected = g_strdup_printf ("cannot open database %s: ", missing_dir);
  g_assert_true (g_str_has_prefix (error->message, expected));
  g_clear_error (&error);

  /* Read-only never creates the file. */
  db = tc_sqlite_open (missing, TRUE, &error);
  g_assert_null (db);
  g_assert_error (error, TC_ERROR, TC_ERROR_UNAVAILABLE);
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  /* A file that is not a database is refused at once, not on first use. */
  g_assert_true (g_file_set_contents (garbage, "this is not an SQLite database, not at all, no.\n"
                                      "this is not an SQLite database, not at all, no.\n",
                                      -1, NULL));
  db = tc_sqlite_open (garbage, FALSE, &error);
  g_assert_null (db);
  g_assert_error (error, TC_ERROR, TC_ERROR_UNAVAILABLE);
  g_assert_true (g_str_has_prefix (error->message, "cannot open database "));
}

static void
test_exec_errors (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(sqlite3) db = open_ok (fixture->path, FALSE);
  g_autoptr(GError) error = NULL;

  g_assert_false (tc_sqlite_exec (db, "SELEKT 1", &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_INTERNAL);
  g_assert_nonnull (strstr (error->message, "syntax error"));
  g_clear_error (&error);

  tc_sqlite_set_error (db, "cannot frobnicate", &error);
  g_assert_error (error, TC_ERROR, TC_ERROR_INTERNAL);
  g_assert_true (g_str_has_prefix (error->message, "cannot frobnicate: "));
}

static void
test_in_memory (void)
{
  g_autoptr(sqlite3) db = open_ok (":memory:", FALSE);

  /* No file, so no WAL, but everything else works. */
  migrate_ok (db, G_N_ELEMENTS (steps));
  g_assert_cmpint (query_int (db, "PRAGMA foreign_keys"), ==, 1);
}

/* --- the prepared statement cache --------------------------------------- */

static void
test_cache_reuse (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(sqlite3) db = open_ok (fixture->path, FALSE);
  g_autoptr(sqlite3) other = open_ok (fixture->path, FALSE);
  g_autoptr(GError) error = NULL;
  const char *sql = "SELECT ?1";
  sqlite3_stmt *first;
  sqlite3_stmt *again;

  first = tc_sqlite_prepare_cached (db, sql, &error);
  g_assert_no_error (error);
  g_assert_nonnull (first);
  g_assert_cmpint (sqlite3_bind_text (first, 1, "bound", -1, SQLITE_STATIC), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (first), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (first, 0), ==, "bound");
  tc_sqlite_release_cached (first);   /* mid-result: reset on the way back */

  /* The same statement comes back, reset and with its bindings cleared. */
  again = tc_sqlite_prepare_cached (db, sql, &error);
  g_assert_no_error (error);
  g_assert_true (again == first);
  g_assert_false (sqlite3_stmt_busy (again));
  g_assert_cmpint (sqlite3_step (again), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_type (again, 0), ==, SQLITE_NULL);

  /* Another connection has its own cache. */
  {
    g_autoptr(TcSqliteStmt) theirs = tc_sqlite_prepare_cached (other, sql, &error);

    g_assert_no_error (error);
    g_assert_true (theirs != first);
    g_assert_true (sqlite3_db_handle (theirs) == other);
  }
  tc_sqlite_release_cached (again);
}

static void
test_cache_nested (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(sqlite3) db = open_ok (fixture->path, FALSE);
  g_autoptr(GError) error = NULL;
  const char *sql = "SELECT v FROM n ORDER BY v";
  g_autoptr(TcSqliteStmt) outer = NULL;
  sqlite3_stmt *inner_ptr;
  int rows = 0;

  g_assert_true (tc_sqlite_exec (db, "CREATE TABLE n (v INTEGER);"
                                     "INSERT INTO n VALUES (1), (2), (3);", &error));
  g_assert_no_error (error);

  /* While one is being stepped, the same SQL gets a second statement. */
  outer = tc_sqlite_prepare_cached (db, sql, &error);
  g_assert_no_error (error);
  while (sqlite3_step (outer) == SQLITE_ROW)
    {
      g_autoptr(TcSqliteStmt) inner = tc_sqlite_prepare_cached (db, sql, &error);

      g_assert_no_error (error);
      g_assert_true (inner != outer);
      g_assert_cmpint (sqlite3_step (inner), ==, SQLITE_ROW);
      g_assert_cmpint (sqlite3_column_int (inner, 0), ==, 1);
      rows++;
    }
  g_assert_cmpint (rows, ==, 3);

  /* Only one is kept: after both are back, the cache hands out one of
   * them, and the other was finalized (ASan builds would see a leak). */
  inner_ptr = tc_sqlite_prepare_cached (db, sql, &error);
  g_assert_nonnull (inner_ptr);
  tc_sqlite_release_cached (inner_ptr);
}

static void
test_cache_errors_and_exec (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(sqlite3) db = open_ok (fixture->path, FALSE);
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt;

  stmt = tc_sqlite_prepare_cached (db, "SELEKT 1", &error);
  g_assert_null (stmt);
  g_assert_error (error, TC_ERROR, TC_ERROR_INTERNAL);
  g_clear_error (&error);
  tc_sqlite_release_cached (NULL);

  /* The statements a writer repeats for every transaction. */
  g_assert_true (tc_sqlite_exec (db, "CREATE TABLE t (x INTEGER NOT NULL)", &error));
  for (int i = 0; i < 3; i++)
    {
      g_assert_true (tc_sqlite_exec_cached (db, "BEGIN IMMEDIATE", &error));
      g_assert_true (tc_sqlite_exec_cached (db, "SAVEPOINT job", &error));
      g_assert_true (tc_sqlite_exec (db, "INSERT INTO t VALUES (1)", &error));
      g_assert_true (tc_sqlite_exec_cached (db, "RELEASE job", &error));
      g_assert_true (tc_sqlite_exec_cached (db, "SAVEPOINT job", &error));
      g_assert_true (tc_sqlite_exec (db, "INSERT INTO t VALUES (2)", &error));
      g_assert_true (tc_sqlite_exec_cached (db, "ROLLBACK TO job", &error));
      g_assert_true (tc_sqlite_exec_cached (db, "RELEASE job", &error));
      g_assert_true (tc_sqlite_exec_cached (db, "COMMIT", &error));
      g_assert_no_error (error);
    }
  g_assert_cmpint (query_int (db, "SELECT COUNT(*) FROM t WHERE x = 1"), ==, 3);
  g_assert_cmpint (query_int (db, "SELECT COUNT(*) FROM t WHERE x = 2"), ==, 0);

  /* A failing step is an error, and the statement can be used again. */
  g_assert_false (tc_sqlite_exec_cached (db, "INSERT INTO t VALUES (NULL)", &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_INTERNAL);
  g_clear_error (&error);
  g_assert_false (tc_sqlite_exec_cached (db, "INSERT INTO t VALUES (NULL)", &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_INTERNAL);
  g_clear_error (&error);

  /* Schema changes under a cached statement: SQLite prepares it again. */
  g_assert_true (tc_sqlite_exec_cached (db, "INSERT INTO t VALUES (3)", &error));
  g_assert_true (tc_sqlite_exec (db, "ALTER TABLE t ADD COLUMN y TEXT", &error));
  g_assert_false (tc_sqlite_exec_cached (db, "INSERT INTO t VALUES (3)", &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_INTERNAL);   /* two columns now */
  g_clear_error (&error);
  g_assert_true (tc_sqlite_exec_cached (db, "INSERT INTO t (x) VALUES (4)", &error));
  g_assert_no_error (error);
}

static void
test_cache_many_statements (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(sqlite3) db = open_ok (fixture->path, FALSE);
  g_autoptr(GError) error = NULL;

  /* SQL built at run time: more texts than the cache keeps. Statements
   * over the limit are finalized on release (leak-checked under ASan),
   * and closing the connection finalizes the cached ones. */
  for (int i = 0; i < 1000; i++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT %d", i);
      g_autoptr(TcSqliteStmt) stmt = tc_sqlite_prepare_cached (db, sql, &error);

      g_assert_no_error (error);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, i);
    }
}

#define ADD_TEST(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  ADD_TEST ("/sqlite/open/settings", test_open_settings);
  ADD_TEST ("/sqlite/open/read-only", test_read_only);
  ADD_TEST ("/sqlite/open/errors", test_open_errors);
  ADD_TEST ("/sqlite/exec/errors", test_exec_errors);
  ADD_TEST ("/sqlite/migrate/fresh", test_migrate_fresh);
  ADD_TEST ("/sqlite/migrate/reopen", test_migrate_reopen);
  ADD_TEST ("/sqlite/migrate/later-step", test_migrate_later_step);
  ADD_TEST ("/sqlite/migrate/newer-refused", test_migrate_newer_refused);
  ADD_TEST ("/sqlite/migrate/failing-step", test_migrate_failing_step);
  ADD_TEST ("/sqlite/cache/reuse", test_cache_reuse);
  ADD_TEST ("/sqlite/cache/nested", test_cache_nested);
  ADD_TEST ("/sqlite/cache/errors-and-exec", test_cache_errors_and_exec);
  ADD_TEST ("/sqlite/cache/many-statements", test_cache_many_statements);
  g_test_add_func ("/sqlite/open/in-memory", test_in_memory);

  return g_test_run ();
}
