/* tc-pg.h: libpq helpers of the PostgreSQL store
 *
 * A TcPgConn is one libpq connection with its own cache of prepared
 * statements; one thread uses it at a time. Parameters and results travel
 * as text. Errors are TC_ERROR codes: UNAVAILABLE when the database cannot
 * be used (connection lost, server shutting down, disk full, read-only,
 * a lock or serialization conflict that outlived its retries), INTERNAL
 * for everything else.
 */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

typedef struct {
  PGconn     *pg;
  GHashTable *statements;   /* SQL text → prepared statement name */
  char        sqlstate[6];  /* of the last error, "" when none */
} TcPgConn;

/* Whether @db names a PostgreSQL database (postgresql:// or postgres://,
 * or a libpq key=value string starting with "dbname=" or "host="). */
gboolean   tc_pg_is_conninfo   (const char  *db);
/* @conninfo without its password, for logs and messages. */
char      *tc_pg_describe      (const char  *conninfo);

TcPgConn  *tc_pg_conn_open     (const char  *conninfo,
                                GError     **error);
void       tc_pg_conn_free     (TcPgConn    *conn);
gboolean   tc_pg_conn_is_ok    (TcPgConn    *conn);

/* Sets @error from @res (or the connection) as "WHAT: MESSAGE". */
void       tc_pg_set_error     (TcPgConn    *conn,
                                PGresult    *res,
                                const char  *what,
                                GError     **error);
/* The last error was a deadlock or a serialization failure: the
 * transaction may be run again. */
gboolean   tc_pg_conn_should_retry (TcPgConn *conn);

/* Runs @sql (one or more statements, no parameters), discarding rows. */
gboolean   tc_pg_exec          (TcPgConn    *conn,
                                const char  *sql,
                                GError     **error);
/* Runs one statement, prepared once per connection, with parameters
 * described by @types, one character each:
 *   's' const char *         (NULL: SQL NULL)
 *   'i' gint64
 *   'n' gint64               (<= 0: SQL NULL)
 *   'u' guint
 *   'b' gboolean
 *   'x' const guint8 *, gsize  (bytea)
 * Returns the result (rows or none), or NULL with @error set. */
PGresult  *tc_pg_query         (TcPgConn    *conn,
                                GError     **error,
                                const char  *sql,
                                const char  *types,
                                ...);
/* tc_pg_query() for a statement whose rows do not matter; *out_changed
 * (optional) gets the number of rows it changed or returned. */
gboolean   tc_pg_command       (TcPgConn    *conn,
                                GError     **error,
                                guint       *out_changed,
                                const char  *sql,
                                const char  *types,
                                ...);

/* Column values of a text result; NULL and 0 for SQL NULL. */
char      *tc_pg_text          (PGresult    *res,
                                int          row,
                                int          column);
gint64     tc_pg_int           (PGresult    *res,
                                int          row,
                                int          column);
gboolean   tc_pg_bool          (PGresult    *res,
                                int          row,
                                int          column);
gboolean   tc_pg_is_null       (PGresult    *res,
                                int          row,
                                int          column);
GBytes    *tc_pg_bytes         (PGresult    *res,
                                int          row,
                                int          column);

/* A bytea in PostgreSQL's text form ("\\x" and hex digits), as the 'x'
 * parameters are sent; also an item of a "$1::bytea[]" text array. */
char      *tc_pg_bytea_text    (const guint8 *data,
                                gsize         len);

/* Array literals for "$1::text[]" and "$1::bigint[]" parameters; NULL
 * items of @items become SQL NULLs. */
char      *tc_pg_text_array    (const char * const *items,
                                guint                n);
char      *tc_pg_int_array     (const gint64        *items,
                                guint                n);

/* Brings the schema to version @n_steps (table schema_version), each step
 * in its own transaction, under an advisory lock so that processes
 * starting together migrate once. A newer database is refused. */
gboolean   tc_pg_migrate       (TcPgConn           *conn,
                                const char * const *steps,
                                guint               n_steps,
                                GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcPgConn, tc_pg_conn_free)

G_END_DECLS
