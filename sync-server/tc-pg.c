/* tc-pg.c: libpq helpers of the PostgreSQL store */
#include "config.h"

#include <string.h>

#include "tc-error.h"
#include "tc-pg.h"

#define MAX_PARAMS 32
/* pg_advisory_lock key of schema migrations ("tcmi"). */
#define MIGRATION_LOCK G_GINT64_CONSTANT (0x74636d69)

gboolean
tc_pg_is_conninfo (const char *db)
{
  if (db == NULL)
    return FALSE;
  return g_str_has_prefix (db, "postgresql://") || g_str_has_prefix (db, "postgres://") ||
         g_str_has_prefix (db, "dbname=") || g_str_has_prefix (db, "host=");
}

/* libpq messages end with a newline and may span lines: one line. */
static char *
one_line (const char *text)
{
  GString *line = g_string_new (NULL);

  /* Runs of spaces, tabs and line breaks become one space. */
  for (const char *p = text != NULL ? text : ""; *p != '\0'; p++)
    {
      gboolean blank = *p == ' ' || *p == '\n' || *p == '\r' || *p == '\t';

      if (!blank)
        g_string_append_c (line, *p);
      else if (line->len > 0 && line->str[line->len - 1] != ' ')
        g_string_append_c (line, ' ');
    }
  if (line->len > 0 && line->str[line->len - 1] == ' ')
    g_string_truncate (line, line->len - 1);
  if (line->len == 0)
    g_string_append (line, "unknown error");
  return g_string_free (line, FALSE);
}

/**
 * tc_pg_describe:
 * @conninfo: a libpq connection URI or key=value string
 *
 * Returns: (transfer full): the host, port, database and user of
 *   @conninfo as "key=value" pairs, never its password
 */
char *
tc_pg_describe (const char *conninfo)
{
  static const char * const shown[] = { "host", "hostaddr", "port", "dbname", "user" };
  PQconninfoOption *options = PQconninfoParse (conninfo, NULL);
  GString *text;

  if (options == NULL)
    return g_strdup ("(an invalid PostgreSQL connection string)");
  text = g_string_new ("PostgreSQL");
  for (guint i = 0; i < G_N_ELEMENTS (shown); i++)
    for (PQconninfoOption *o = options; o->keyword != NULL; o++)
      if (g_str_equal (o->keyword, shown[i]) && o->val != NULL && *o->val != '\0')
        g_string_append_printf (text, " %s=%s", o->keyword, o->val);
  PQconninfoFree (options);
  return g_string_free (text, FALSE);
}

static TcPgConn *tc_pg_conn_open_parsed (const char *conninfo, GError **error);

static void
ignore_notice (void       *arg,
               const char *message)
{
  g_debug ("PostgreSQL: %s", message);
}

/* libpq quotes pieces of a connection string it cannot parse, which may
 * hold a password: those go. */
static char *
without_quoted (const char *text)
{
  GString *out = g_string_new (NULL);
  gboolean quoted = FALSE;

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"')
        {
          quoted = !quoted;
          g_string_append (out, quoted ? "\"…" : "\"");
        }
      else if (!quoted)
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

TcPgConn *
tc_pg_conn_open (const char  *conninfo,
                 GError     **error)
{
  char *parse_error = NULL;
  PQconninfoOption *parsed = PQconninfoParse (conninfo, &parse_error);

  if (parsed == NULL)
    {
      g_autofree char *why = one_line (parse_error != NULL ? parse_error : "out of memory");
      g_autofree char *shown = without_quoted (why);

      g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                   "not a valid PostgreSQL connection URI: %s", shown);
      PQfreemem (parse_error);
      return NULL;
    }
  PQconninfoFree (parsed);
  return tc_pg_conn_open_parsed (conninfo, error);
}

static TcPgConn *
tc_pg_conn_open_parsed (const char  *conninfo,
                        GError     **error)
{
  static const char * const keywords[] = { "dbname", "fallback_application_name",
                                           "client_encoding", NULL };
  const char *values[] = { conninfo, "teamchat-server", "UTF8", NULL };
  g_autoptr(TcPgConn) conn = g_new0 (TcPgConn, 1);

  conn->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  conn->pg = PQconnectdbParams (keywords, values, 1);
  if (conn->pg == NULL || PQstatus (conn->pg) != CONNECTION_OK)
    {
      g_autofree char *where = tc_pg_describe (conninfo);
      g_autofree char *why = one_line (conn->pg != NULL ? PQerrorMessage (conn->pg)
                                                        : "out of memory");

      g_set_error (error, TC_ERROR, TC_ERROR_UNAVAILABLE, "cannot connect to %s: %s", where, why);
      return NULL;
    }
  PQsetNoticeProcessor (conn->pg, ignore_notice, NULL);
  return g_steal_pointer (&conn);
}

void
tc_pg_conn_free (TcPgConn *conn)
{
  if (conn == NULL)
    return;
  g_clear_pointer (&conn->pg, PQfinish);
  g_hash_table_unref (conn->statements);
  g_free (conn);
}

gboolean
tc_pg_conn_is_ok (TcPgConn *conn)
{
  return conn != NULL && conn->pg != NULL && PQstatus (conn->pg) == CONNECTION_OK;
}

static TcErrorCode
code_for_sqlstate (const char *state)
{
  /* connection, resources (disk full), operator intervention (shutdown),
   * system errors (I/O), read-only, lock not available, conflicts */
  if (g_str_has_prefix (state, "08") || g_str_has_prefix (state, "53") ||
      g_str_has_prefix (state, "57") || g_str_has_prefix (state, "58") ||
      g_str_equal (state, "25006") || g_str_equal (state, "55P03") ||
      g_str_equal (state, "40001") || g_str_equal (state, "40P01"))
    return TC_ERROR_UNAVAILABLE;
  return TC_ERROR_INTERNAL;
}

void
tc_pg_set_error (TcPgConn    *conn,
                 PGresult    *res,
                 const char  *what,
                 GError     **error)
{
  const char *state = res != NULL ? PQresultErrorField (res, PG_DIAG_SQLSTATE) : NULL;
  const char *message = res != NULL ? PQresultErrorField (res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
  g_autofree char *text = NULL;

  g_strlcpy (conn->sqlstate, state != NULL ? state : "", sizeof conn->sqlstate);
  if (message == NULL)
    message = PQerrorMessage (conn->pg);
  text = one_line (message);
  if (!tc_pg_conn_is_ok (conn) || state == NULL)
    g_set_error (error, TC_ERROR, TC_ERROR_UNAVAILABLE, "%s: the database connection failed: %s",
                 what, text);
  else
    g_set_error (error, TC_ERROR, code_for_sqlstate (state), "%s: %s", what, text);
}

gboolean
tc_pg_conn_should_retry (TcPgConn *conn)
{
  return g_str_equal (conn->sqlstate, "40001") || g_str_equal (conn->sqlstate, "40P01");
}

gboolean
tc_pg_exec (TcPgConn    *conn,
            const char  *sql,
            GError     **error)
{
  g_autoptr(PGresult) res = PQexec (conn->pg, sql);
  ExecStatusType status = PQresultStatus (res);

  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    {
      tc_pg_set_error (conn, res, "SQL error", error);
      return FALSE;
    }
  conn->sqlstate[0] = '\0';
  return TRUE;
}

static const char *
statement_name (TcPgConn    *conn,
                const char  *sql,
                int          n_params,
                GError     **error)
{
  const char *name = g_hash_table_lookup (conn->statements, sql);
  g_autoptr(PGresult) res = NULL;
  char *new_name;

  if (name != NULL)
    return name;
  new_name = g_strdup_printf ("tc%u", g_hash_table_size (conn->statements) + 1);
  res = PQprepare (conn->pg, new_name, sql, n_params, NULL);
  if (PQresultStatus (res) != PGRES_COMMAND_OK)
    {
      tc_pg_set_error (conn, res, "SQL error", error);
      g_free (new_name);
      return NULL;
    }
  g_hash_table_insert (conn->statements, g_strdup (sql), new_name);
  return new_name;
}

char *
tc_pg_bytea_text (const guint8 *data,
                  gsize         len)
{
  static const char digits[] = "0123456789abcdef";
  char *text = g_malloc (len * 2 + 3);

  text[0] = '\\';
  text[1] = 'x';
  for (gsize i = 0; i < len; i++)
    {
      text[2 + i * 2] = digits[data[i] >> 4];
      text[3 + i * 2] = digits[data[i] & 0xf];
    }
  text[len * 2 + 2] = '\0';
  return text;
}

static PGresult *
query_valist (TcPgConn    *conn,
              GError     **error,
              const char  *sql,
              const char  *types,
              va_list      args)
{
  const char *values[MAX_PARAMS];
  char *owned[MAX_PARAMS] = { NULL, };
  int n = (int) strlen (types);
  const char *name;
  PGresult *res = NULL;
  ExecStatusType status;

  g_return_val_if_fail (n <= MAX_PARAMS, NULL);

  for (int i = 0; i < n; i++)
    {
      switch (types[i])
        {
        case 's':
          values[i] = va_arg (args, const char *);
          break;
        case 'i':
          values[i] = owned[i] = g_strdup_printf ("%" G_GINT64_FORMAT, va_arg (args, gint64));
          break;
        case 'n':
          {
            gint64 value = va_arg (args, gint64);
            values[i] = value > 0 ? (owned[i] = g_strdup_printf ("%" G_GINT64_FORMAT, value)) : NULL;
          }
          break;
        case 'u':
          values[i] = owned[i] = g_strdup_printf ("%u", va_arg (args, guint));
          break;
        case 'b':
          values[i] = va_arg (args, gboolean) ? "t" : "f";
          break;
        case 'x':
          {
            const guint8 *data = va_arg (args, const guint8 *);
            gsize len = va_arg (args, gsize);
            values[i] = owned[i] = tc_pg_bytea_text (data, len);
          }
          break;
        default:
          g_assert_not_reached ();
        }
    }

  name = statement_name (conn, sql, n, error);
  if (name != NULL)
    {
      res = PQexecPrepared (conn->pg, name, n, values, NULL, NULL, 0);
      status = PQresultStatus (res);
      if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
        {
          tc_pg_set_error (conn, res, "SQL error", error);
          g_clear_pointer (&res, PQclear);
        }
      else
        conn->sqlstate[0] = '\0';
    }
  for (int i = 0; i < n; i++)
    g_free (owned[i]);
  return res;
}

PGresult *
tc_pg_query (TcPgConn    *conn,
             GError     **error,
             const char  *sql,
             const char  *types,
             ...)
{
  va_list args;
  PGresult *res;

  va_start (args, types);
  res = query_valist (conn, error, sql, types, args);
  va_end (args);
  return res;
}

gboolean
tc_pg_command (TcPgConn    *conn,
               GError     **error,
               guint       *out_changed,
               const char  *sql,
               const char  *types,
               ...)
{
  va_list args;
  g_autoptr(PGresult) res = NULL;

  va_start (args, types);
  res = query_valist (conn, error, sql, types, args);
  va_end (args);
  if (res == NULL)
    return FALSE;
  if (out_changed != NULL)
    {
      const char *tuples = PQcmdTuples (res);

      *out_changed = PQresultStatus (res) == PGRES_TUPLES_OK
        ? (guint) PQntuples (res)
        : (guint) g_ascii_strtoull (tuples != NULL ? tuples : "0", NULL, 10);
    }
  return TRUE;
}

char *
tc_pg_text (PGresult *res,
            int       row,
            int       column)
{
  if (PQgetisnull (res, row, column))
    return NULL;
  return g_strdup (PQgetvalue (res, row, column));
}

gint64
tc_pg_int (PGresult *res,
           int       row,
           int       column)
{
  if (PQgetisnull (res, row, column))
    return 0;
  return g_ascii_strtoll (PQgetvalue (res, row, column), NULL, 10);
}

gboolean
tc_pg_bool (PGresult *res,
            int       row,
            int       column)
{
  return !PQgetisnull (res, row, column) && PQgetvalue (res, row, column)[0] == 't';
}

gboolean
tc_pg_is_null (PGresult *res,
               int       row,
               int       column)
{
  return PQgetisnull (res, row, column);
}

GBytes *
tc_pg_bytes (PGresult *res,
             int       row,
             int       column)
{
  size_t len = 0;
  unsigned char *data;
  GBytes *bytes;

  if (PQgetisnull (res, row, column))
    return NULL;
  data = PQunescapeBytea ((const unsigned char *) PQgetvalue (res, row, column), &len);
  if (data == NULL)
    return NULL;
  bytes = g_bytes_new (data, len);
  PQfreemem (data);
  return bytes;
}

static void
append_array_item (GString    *text,
                   const char *item)
{
  if (text->len > 1)
    g_string_append_c (text, ',');
  if (item == NULL)
    {
      g_string_append (text, "NULL");
      return;
    }
  g_string_append_c (text, '"');
  for (const char *p = item; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (text, '\\');
      g_string_append_c (text, *p);
    }
  g_string_append_c (text, '"');
}

char *
tc_pg_text_array (const char * const *items,
                  guint                n)
{
  GString *text = g_string_new ("{");

  for (guint i = 0; i < n; i++)
    append_array_item (text, items[i]);
  g_string_append_c (text, '}');
  return g_string_free (text, FALSE);
}

char *
tc_pg_int_array (const gint64 *items,
                 guint         n)
{
  GString *text = g_string_new ("{");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (text, "%s%" G_GINT64_FORMAT, i > 0 ? "," : "", items[i]);
  g_string_append_c (text, '}');
  return g_string_free (text, FALSE);
}

/* --- migrations ------------------------------------------------------------- */

static gboolean
migrate_locked (TcPgConn           *conn,
                const char * const *steps,
                guint               n_steps,
                GError            **error)
{
  g_autoptr(PGresult) res = NULL;
  gint64 version;

  if (!tc_pg_exec (conn,
                   "CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL);"
                   "INSERT INTO schema_version (version) "
                   "  SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM schema_version)",
                   error))
    {
      g_prefix_error (error, "cannot read the database schema version: ");
      return FALSE;
    }
  res = PQexec (conn->pg, "SELECT max (version) FROM schema_version");
  if (PQresultStatus (res) != PGRES_TUPLES_OK || PQntuples (res) != 1)
    {
      tc_pg_set_error (conn, res, "cannot read the database schema version", error);
      return FALSE;
    }
  version = tc_pg_int (res, 0, 0);
  if (version > (gint64) n_steps)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_UNAVAILABLE,
                   "database schema version %" G_GINT64_FORMAT " is newer than this program (%u)",
                   version, n_steps);
      return FALSE;
    }

  for (guint step = (guint) version + 1; step <= n_steps; step++)
    {
      g_autofree char *bump = g_strdup_printf ("UPDATE schema_version SET version = %u", step);

      if (!tc_pg_exec (conn, "BEGIN", error) ||
          !tc_pg_exec (conn, steps[step - 1], error) ||
          !tc_pg_exec (conn, bump, error) ||
          !tc_pg_exec (conn, "COMMIT", error))
        {
          tc_pg_exec (conn, "ROLLBACK", NULL);
          g_prefix_error (error, "database schema migration to version %u failed: ", step);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
tc_pg_migrate (TcPgConn           *conn,
               const char * const *steps,
               guint               n_steps,
               GError            **error)
{
  g_autofree char *lock = g_strdup_printf ("SELECT pg_advisory_lock (%" G_GINT64_FORMAT ")",
                                           MIGRATION_LOCK);
  g_autofree char *unlock = g_strdup_printf ("SELECT pg_advisory_unlock (%" G_GINT64_FORMAT ")",
                                             MIGRATION_LOCK);
  gboolean ok;

  /* Processes that start together wait for the first one's migration. */
  if (!tc_pg_exec (conn, lock, error))
    return FALSE;
  ok = migrate_locked (conn, steps, n_steps, error);
  tc_pg_exec (conn, unlock, NULL);
  return ok;
}
