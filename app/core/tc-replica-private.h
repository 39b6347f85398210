/* tc-replica-private.h: the replica's worker-side helpers, for the files
 * that add queries to it (not for views: they use tc-replica.h)
 *
 * Everything here runs on the replica's worker thread, which owns the
 * connection; a query file queues a job with queue_job() and answers its
 * GTask from there.
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

static inline void
cached_stmt_reset (sqlite3_stmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (CachedStmt, cached_stmt_reset, NULL)

/* Runs on the worker; answers @task. */
typedef void (*JobFunc) (TcReplica *self,
                         Db        *db,
                         GTask     *task,
                         gpointer   data);

/* Columns read by message_from_row(), with messages aliased as m. */
#define MESSAGE_COLUMNS \
  "m.local_id, m.id, m.client_id, m.sender, m.recipient, m.body, m.attachments, m.sent_at, " \
  "m.is_read, m.delivered_via, m.state, m.error_text"
#define N_MESSAGE_COLUMNS 12

/* Common checks of every _finish(). */
#define CHECK_RESULT(self, result, tag, val) \
  G_STMT_START { \
    g_return_val_if_fail (TC_IS_REPLICA (self), val); \
    g_return_val_if_fail (g_task_is_valid (result, self), val); \
    g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == (tag), val); \
  } G_STMT_END

/* A statement prepared once per connection; NULL with @error set. */
G_GNUC_INTERNAL
sqlite3_stmt     *db_prepare       (Db                  *db,
                                    const char          *sql,
                                    GError             **error);
G_GNUC_INTERNAL
void              bind_text        (sqlite3_stmt        *stmt,
                                    int                  index,
                                    const char          *text);
/* Reads MESSAGE_COLUMNS starting at column @first. */
G_GNUC_INTERNAL
TcReplicaMessage *message_from_row (sqlite3_stmt        *stmt,
                                    int                  first);
/* Queues @func on the worker, in call order; @data is freed with the task. */
G_GNUC_INTERNAL
void              queue_job        (TcReplica           *self,
                                    JobFunc              func,
                                    gpointer             data,
                                    GDestroyNotify       data_free,
                                    gpointer             source_tag,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);
/* Answers @task with an error when the database is not open. */
G_GNUC_INTERNAL
gboolean          return_if_closed (Db                  *db,
                                    GTask               *task);

G_END_DECLS
