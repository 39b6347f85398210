/* tc-replica-history.c: one conversation's history for a lazy list model
 *
 * Queries of the replica's worker thread, in their own file; see
 * tc-replica-private.h for the helpers they share with tc-replica.c.
 */
#define G_LOG_DOMAIN "TeamChatReplica"

#include "config.h"

#include "tc-error.h"
#include "tc-replica-history.h"
#include "tc-replica-private.h"
#include "tc-sqlite.h"

int
tc_message_key_compare (const TcMessageKey *a,
                        const TcMessageKey *b)
{
  if (a->sort_key != b->sort_key)
    return a->sort_key < b->sort_key ? -1 : 1;
  if (a->local_id != b->local_id)
    return a->local_id < b->local_id ? -1 : 1;
  return 0;
}

void
tc_message_index_free (TcMessageIndex *index)
{
  if (index == NULL)
    return;
  g_clear_pointer (&index->keys, g_array_unref);
  g_free (index);
}

/* --- the keys of a conversation --------------------------------------------------- */

static void
index_messages_job (TcReplica *self,
                    Db        *db,
                    GTask     *task,
                    gpointer   data)
{
  const char *peer = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TcMessageIndex) index = NULL;
  g_auto(CachedStmt) keys = NULL;
  g_auto(CachedStmt) receipt = NULL;
  g_auto(CachedStmt) newest = NULL;
  int rc;

  if (return_if_closed (db, task))
    return;

  /* Both from the index on (peer, sort_key, local_id), without the table. */
  keys = db_prepare (db,
                     "SELECT sort_key, local_id FROM messages WHERE peer = ?1 "
                     "ORDER BY sort_key, local_id",
                     &error);
  if (keys == NULL)
    goto fail;
  index = g_new0 (TcMessageIndex, 1);
  index->keys = g_array_new (FALSE, FALSE, sizeof (TcMessageKey));
  bind_text (keys, 1, peer);
  while ((rc = sqlite3_step (keys)) == SQLITE_ROW)
    {
      TcMessageKey key = { sqlite3_column_int64 (keys, 0), sqlite3_column_int64 (keys, 1) };

      g_array_append_val (index->keys, key);
    }
  if (rc != SQLITE_DONE)
    {
      tc_sqlite_set_error (db->db, "cannot list messages", &error);
      goto fail;
    }

  /* The peer's read marker shows under the newest message it covers. */
  receipt = db_prepare (db,
                        "SELECT local_id FROM messages INDEXED BY messages_read_out "
                        "WHERE peer = ?1 AND incoming = 0 AND is_read = 1 AND state = 'sent' "
                        "ORDER BY sort_key DESC, local_id DESC LIMIT 1",
                        &error);
  if (receipt == NULL)
    goto fail;
  bind_text (receipt, 1, peer);
  rc = sqlite3_step (receipt);
  if (rc == SQLITE_ROW)
    index->receipt_local_id = sqlite3_column_int64 (receipt, 0);
  else if (rc != SQLITE_DONE)
    {
      tc_sqlite_set_error (db->db, "cannot read the read receipt", &error);
      goto fail;
    }

  /* What opening the conversation marks read. */
  newest = db_prepare (db,
                       "SELECT id FROM messages WHERE peer = ?1 AND incoming = 1 "
                       "ORDER BY sort_key DESC, local_id DESC LIMIT 1",
                       &error);
  if (newest == NULL)
    goto fail;
  bind_text (newest, 1, peer);
  rc = sqlite3_step (newest);
  if (rc == SQLITE_ROW)
    index->newest_incoming = sqlite3_column_int64 (newest, 0);
  else if (rc != SQLITE_DONE)
    {
      tc_sqlite_set_error (db->db, "cannot read the newest message", &error);
      goto fail;
    }
  g_task_return_pointer (task, g_steal_pointer (&index), (GDestroyNotify) tc_message_index_free);
  return;

fail:
  g_task_return_error (task, g_steal_pointer (&error));
}

/**
 * tc_replica_index_messages_async:
 * @self: a replica
 * @peer_id: the other side of the conversation
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * Reads the keys of every message of a conversation, oldest first, and
 * which message carries the read receipt: what a list model needs to know
 * its size, to place any message and to diff two states of the
 * conversation. It reads only the index: about 16 bytes per message.
 */
void
tc_replica_index_messages_async (TcReplica           *self,
                                 const char          *peer_id,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (TC_IS_REPLICA (self));
  g_return_if_fail (peer_id != NULL);

  queue_job (self, index_messages_job, g_strdup (peer_id), g_free,
             tc_replica_index_messages_async, cancellable, callback, user_data);
}

/**
 * tc_replica_index_messages_finish:
 * @self: a replica
 * @result: the result given to the callback
 * @error: return location for a %TC_ERROR error
 *
 * Returns: (transfer full): the keys, or %NULL on error
 */
TcMessageIndex *
tc_replica_index_messages_finish (TcReplica     *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  CHECK_RESULT (self, result, tc_replica_index_messages_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- a window of messages ------------------------------------------------------- */

typedef struct {
  char         *peer;
  TcMessageKey  from;
  guint         limit;
} WindowData;

static void
window_data_free (WindowData *data)
{
  g_free (data->peer);
  g_free (data);
}

static void
list_messages_from_job (TcReplica *self,
                        Db        *db,
                        GTask     *task,
                        gpointer   user_data)
{
  WindowData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tc_replica_message_free);
  g_auto(CachedStmt) stmt = NULL;
  int rc;

  if (return_if_closed (db, task))
    return;
  stmt = db_prepare (db,
                     "SELECT " MESSAGE_COLUMNS " FROM messages m "
                     "WHERE m.peer = ?1 AND (m.sort_key, m.local_id) >= (?2, ?3) "
                     "ORDER BY m.sort_key, m.local_id LIMIT ?4",
                     &error);
  if (stmt == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  bind_text (stmt, 1, data->peer);
  sqlite3_bind_int64 (stmt, 2, data->from.sort_key);
  sqlite3_bind_int64 (stmt, 3, data->from.local_id);
  sqlite3_bind_int64 (stmt, 4, data->limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rows, message_from_row (stmt, 0));
  if (rc != SQLITE_DONE)
    {
      tc_sqlite_set_error (db->db, "cannot list messages", &error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&rows), (GDestroyNotify) g_ptr_array_unref);
}

/**
 * tc_replica_list_messages_from_async:
 * @self: a replica
 * @peer_id: the other side of the conversation
 * @from: (nullable): the key of the first message wanted (it need not
 *   exist any more); %NULL for the oldest
 * @limit: at most this many messages
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * Lists a window of a conversation, oldest first, starting at @from: a
 * range scan of the index however deep in the conversation it starts.
 */
void
tc_replica_list_messages_from_async (TcReplica           *self,
                                     const char          *peer_id,
                                     const TcMessageKey  *from,
                                     guint                limit,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  WindowData *data;

  g_return_if_fail (TC_IS_REPLICA (self));
  g_return_if_fail (peer_id != NULL);
  g_return_if_fail (limit > 0);

  data = g_new0 (WindowData, 1);
  data->peer = g_strdup (peer_id);
  if (from != NULL)
    data->from = *from;
  else
    data->from = (TcMessageKey) { G_MININT64, G_MININT64 };
  data->limit = limit;
  queue_job (self, list_messages_from_job, data, (GDestroyNotify) window_data_free,
             tc_replica_list_messages_from_async, cancellable, callback, user_data);
}

/**
 * tc_replica_list_messages_from_finish:
 * @self: a replica
 * @result: the result given to the callback
 * @error: return location for a %TC_ERROR error
 *
 * Returns: (transfer full) (element-type TcReplicaMessage): up to limit
 *   messages, oldest first, or %NULL on error
 */
GPtrArray *
tc_replica_list_messages_from_finish (TcReplica     *self,
                                      GAsyncResult  *result,
                                      GError       **error)
{
  CHECK_RESULT (self, result, tc_replica_list_messages_from_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- the place of a message ------------------------------------------------------ */

typedef struct {
  char  *peer;
  guint  position;
} Position;

static void
position_free (Position *position)
{
  g_free (position->peer);
  g_free (position);
}

static void
message_position_job (TcReplica *self,
                      Db        *db,
                      GTask     *task,
                      gpointer   data)
{
  gint64 local_id = *(gint64 *) data;
  g_autoptr(GError) error = NULL;
  g_auto(CachedStmt) stmt = NULL;
  Position *position;
  int rc;

  if (return_if_closed (db, task))
    return;
  /* A count over the index range before the message. */
  stmt = db_prepare (db,
                     "SELECT m.peer, (SELECT COUNT (*) FROM messages o "
                     "                WHERE o.peer = m.peer "
                     "                  AND (o.sort_key, o.local_id) < (m.sort_key, m.local_id)) "
                     "FROM messages m WHERE m.local_id = ?1",
                     &error);
  if (stmt == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  sqlite3_bind_int64 (stmt, 1, local_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_task_return_new_error (task, TC_ERROR, TC_ERROR_NOT_FOUND,
                               "no message %" G_GINT64_FORMAT " in the replica", local_id);
      return;
    }
  if (rc != SQLITE_ROW)
    {
      tc_sqlite_set_error (db->db, "cannot find the message", &error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  position = g_new0 (Position, 1);
  position->peer = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  position->position = (guint) sqlite3_column_int64 (stmt, 1);
  g_task_return_pointer (task, position, (GDestroyNotify) position_free);
}

/**
 * tc_replica_get_message_position_async:
 * @self: a replica
 * @local_id: a message's local id
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * Finds the conversation of a message and how many of its messages come
 * before it (its position in a list of the conversation, oldest first).
 */
void
tc_replica_get_message_position_async (TcReplica           *self,
                                       gint64               local_id,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_return_if_fail (TC_IS_REPLICA (self));

  queue_job (self, message_position_job, g_memdup2 (&local_id, sizeof local_id), g_free,
             tc_replica_get_message_position_async, cancellable, callback, user_data);
}

/**
 * tc_replica_get_message_position_finish:
 * @self: a replica
 * @result: the result given to the callback
 * @out_peer_id: (out) (optional) (transfer full): the conversation
 * @out_position: (out) (optional): the number of messages before it
 * @error: return location for a %TC_ERROR error, %TC_ERROR_NOT_FOUND when
 *   the replica has no such message
 *
 * Returns: %TRUE when found
 */
gboolean
tc_replica_get_message_position_finish (TcReplica     *self,
                                        GAsyncResult  *result,
                                        char         **out_peer_id,
                                        guint         *out_position,
                                        GError       **error)
{
  Position *position;

  CHECK_RESULT (self, result, tc_replica_get_message_position_async, FALSE);

  position = g_task_propagate_pointer (G_TASK (result), error);
  if (position == NULL)
    return FALSE;
  if (out_peer_id != NULL)
    *out_peer_id = g_steal_pointer (&position->peer);
  if (out_position != NULL)
    *out_position = position->position;
  position_free (position);
  return TRUE;
}
