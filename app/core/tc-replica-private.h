/* tc-replica-private.h: what the replica's other files share with
 * tc-replica.c — the worker's connection, cached statements and the job
 * queue. Not for views: they use tc-replica.h.
 */
#pragma once

#include <sqlite3.h>

#include "tc-replica.h"

G_BEGIN_DECLS

/* The worker's connection. */
typedef struct {
  sqlite3    *db;
  char       *me;
  GHashTable *stmts;   /* SQL text → prepared sqlite3_stmt, reused */
} Db;

/* A cached statement, reset (not finalized) when it goes out of scope. */
typedef sqlite3_stmt *CachedStmt;

G_GNUC_INTERNAL void cached_stmt_reset (sqlite3_stmt *stmt);

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (CachedStmt, cached_stmt_reset, NULL)

/* A statement prepared once per connection, keyed by @sql (a literal: the
 * pointer is kept). */
G_GNUC_INTERNAL sqlite3_stmt *db_prepare  (Db            *db,
                                           const char    *sql,
                                           GError       **error);
G_GNUC_INTERNAL void          bind_text   (sqlite3_stmt  *stmt,
                                           int            index,
                                           const char    *text);
G_GNUC_INTERNAL char         *column_dup  (sqlite3_stmt  *stmt,
                                           int            column);
/* Steps a statement that returns no rows; @what names it in the error. */
G_GNUC_INTERNAL gboolean      step_done   (Db            *db,
                                           sqlite3_stmt  *stmt,
                                           const char    *what,
                                           GError       **error);

/* Transactions of a write job (BEGIN IMMEDIATE … COMMIT). */
G_GNUC_INTERNAL gboolean      db_begin    (Db            *db,
                                           GError       **error);
G_GNUC_INTERNAL gboolean      db_commit   (Db            *db,
                                           GError       **error);
/* Rolls back the transaction open, if any. */
G_GNUC_INTERNAL void          db_rollback (Db            *db);

/* The meta table: replica state by key (NULL when not set). */
G_GNUC_INTERNAL char         *meta_get    (Db            *db,
                                           const char    *key,
                                           GError       **error);
G_GNUC_INTERNAL gboolean      meta_set    (Db            *db,
                                           const char    *key,
                                           const char    *value,
                                           GError       **error);

/* Case- and accent-insensitive form of @text for matching and sorting. */
G_GNUC_INTERNAL char         *search_key  (const char    *text);

/* Runs on the worker thread, in the order the jobs were queued. */
typedef void (*JobFunc) (TcReplica *self,
                         Db        *db,
                         GTask     *task,
                         gpointer   data);

G_GNUC_INTERNAL void     queue_job        (TcReplica           *self,
                                           JobFunc              func,
                                           gpointer             data,
                                           GDestroyNotify       data_free,
                                           gpointer             source_tag,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
/* Answers @task with an error when the database is not open. */
G_GNUC_INTERNAL gboolean return_if_closed (Db                  *db,
                                           GTask               *task);

/* Columns read by message_from_row(), with messages aliased as m. */
#define MESSAGE_COLUMNS \
  "m.local_id, m.id, m.client_id, m.sender, m.recipient, m.body, m.attachments, m.sent_at, " \
  "m.is_read, m.delivered_via, m.state, m.error_text, m.delivery_error"
#define N_MESSAGE_COLUMNS 13

/* Common checks of every _finish(). */
#define CHECK_RESULT(self, result, tag, val) \
  G_STMT_START { \
    g_return_val_if_fail (TC_IS_REPLICA (self), val); \
    g_return_val_if_fail (g_task_is_valid (result, self), val); \
    g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == (tag), val); \
  } G_STMT_END


/* Reads MESSAGE_COLUMNS starting at column @first. */
G_GNUC_INTERNAL TcReplicaMessage *message_from_row (sqlite3_stmt *stmt,
                                                   int           first);

G_END_DECLS
