/* tc-pg-store-messages.c: messages, read markers and the event streams of
 * TcPgStore
 *
 * Sends, history, read markers (each move appends "read" events), sync
 * pages and head cursors. Events are numbered per stream when the
 * transaction commits (tc-pg-store.c).
 */
#include "config.h"

#include <string.h>

#include "tc-error.h"
#include "tc-pg-store-private.h"

/* --- messages ------------------------------------------------------------------------------- */

typedef struct {
  const char          *sender_id;
  const TcSendRequest *request;
  gint64               now;
  GPtrArray           *messages;
  gboolean             created;
} SendJob;

static gboolean
load_sent (TcPgConn    *conn,
           const char  *sender_id,
           const char  *client_id,
           GPtrArray   *out,
           GError     **error)
{
  g_autoptr(PGresult) res = tc_pg_query (conn, error,
                                         "SELECT " TC_PG_MESSAGE_COLUMNS " FROM messages m "
                                         "WHERE m.sender_id = $1 AND m.client_id = $2 ORDER BY m.id",
                                         "ss", sender_id, client_id);

  return res != NULL && tc_pg_collect_messages (conn, res, 0, out, NULL, error);
}

static gboolean
send_one (TcPgTx   *tx,
          SendJob  *job,
          GError  **error)
{
  const TcSendRequest *request = job->request;
  g_autoptr(GPtrArray) resources = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_resource_free);
  g_autoptr(GPtrArray) channels = g_ptr_array_new_with_free_func (g_free);   /* of recipients */

  g_ptr_array_set_size (job->messages, 0);
  job->created = FALSE;
  if (!load_sent (tx->conn, job->sender_id, request->client_id, job->messages, error))
    return FALSE;
  if (job->messages->len > 0)
    return TRUE;   /* a resend of something already committed: the same answer */

  g_ptr_array_set_size (channels, 0);
  for (guint i = 0; i < request->to->len; i++)
    {
      const char *to = g_ptr_array_index (request->to, i);
      gboolean exists = FALSE;
      char *channel = NULL;
      int r;

      if (g_strcmp0 (to, job->sender_id) == 0)
        {
          g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "you cannot send a message to yourself");
          return FALSE;
        }
      r = tc_pg_team_pair (tx->conn, job->sender_id, to, &exists, &channel, error);
      if (r < 0)
        return FALSE;
      g_ptr_array_add (channels, channel);
      if (!exists)
        {
          g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "unknown recipient “%s”", to);
          return FALSE;
        }
      if (r == 0)
        {
          g_set_error (error, TC_ERROR, TC_ERROR_FORBIDDEN, "recipient “%s” is not on your team",
                       to);
          return FALSE;
        }
    }

  for (guint i = 0; i < request->attachments->len; i++)
    {
      const char *id = g_ptr_array_index (request->attachments, i);
      g_autoptr(PGresult) res = tc_pg_query (tx->conn, error,
                                             "SELECT " TC_PG_RESOURCE_COLUMNS " FROM resources r "
                                             "WHERE r.id = $1",
                                             "s", id);

      if (res == NULL)
        return FALSE;
      if (PQntuples (res) == 0)
        {
          g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "unknown attachment “%s”", id);
          return FALSE;
        }
      g_ptr_array_add (resources, tc_pg_resource_from_row (res, 0, 0));
    }

  for (guint i = 0; i < request->to->len; i++)
    {
      TcMessage *message = tc_message_new ();
      g_autoptr(PGresult) res = NULL;

      message->client_id = g_strdup (request->client_id);
      message->from = g_strdup (job->sender_id);
      message->to = g_strdup (g_ptr_array_index (request->to, i));
      message->body = g_strdup (request->body);
      message->sent_at = job->now;
      g_ptr_array_add (job->messages, message);

      res = tc_pg_query (tx->conn, error,
                         "INSERT INTO messages (sender_id, recipient_id, client_id, body, sent_at) "
                         "VALUES ($1, $2, $3, $4, $5) "
                         "ON CONFLICT (sender_id, client_id, recipient_id) DO NOTHING RETURNING id",
                         "ssssi", message->from, message->to, message->client_id, message->body,
                         message->sent_at);
      if (res == NULL)
        return FALSE;
      if (PQntuples (res) == 0)
        {
          /* The same send committed meanwhile (a resend racing the first
           * one): run again, and answer with what that one stored. */
          g_debug ("A send of %s committed meanwhile: answering with it", message->client_id);
          tx->retry = TRUE;
          return TRUE;
        }
      message->id = tc_pg_int (res, 0, 0);

      for (guint j = 0; j < resources->len; j++)
        {
          TcResource *resource = g_ptr_array_index (resources, j);

          if (!tc_pg_command (tx->conn, error, NULL,
                              "INSERT INTO message_attachments (message_id, position, resource_id) "
                              "VALUES ($1, $2, $3)",
                              "ius", message->id, j, resource->id))
            return FALSE;
          g_ptr_array_add (message->attachments, tc_resource_copy (resource));
        }

      tc_pg_tx_append_message_events (tx, message, job->now);
      if (!tc_pg_store_queue_delivery (tx, message, g_ptr_array_index (channels, i), job->now, error))
        return FALSE;
    }
  job->created = TRUE;
  return TRUE;
}

static gboolean
send_write (TcPgTx   *tx,
            gpointer  data,
            GError  **error)
{
  return send_one (tx, data, error);
}

static GPtrArray *
tc_pg_store_send_messages (TcStore             *store,
                           const char          *sender_id,
                           const TcSendRequest *request,
                           gint64               now_usec,
                           gboolean            *out_created,
                           GError             **error)
{
  SendJob job = { sender_id, request, now_usec, NULL, FALSE };

  job.messages = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_message_free);
  if (!tc_pg_store_write (TC_PG_STORE (store), send_write, &job, error))
    {
      g_ptr_array_unref (job.messages);
      return NULL;
    }
  if (out_created != NULL)
    *out_created = job.created;
  return job.messages;
}

typedef struct {
  GPtrArray *senders;    /* char * */
  GPtrArray *requests;   /* TcSendRequest */
  GArray    *times;      /* gint64 */
} BatchJob;

static gboolean
send_batch_write (TcPgTx   *tx,
                  gpointer  data,
                  GError  **error)
{
  BatchJob *batch = data;

  for (guint i = 0; i < batch->requests->len; i++)
    {
      g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_message_free);
      SendJob job = { g_ptr_array_index (batch->senders, i), g_ptr_array_index (batch->requests, i),
                      g_array_index (batch->times, gint64, i), messages, FALSE };

      if (!send_one (tx, &job, error))
        return FALSE;
      if (tx->retry)
        return TRUE;
    }
  return TRUE;
}

static gboolean
tc_pg_store_send_batch (TcStore    *store,
                        GPtrArray  *senders,
                        GPtrArray  *requests,
                        GArray     *times,
                        GError    **error)
{
  BatchJob batch = { senders, requests, times };

  return tc_pg_store_write (TC_PG_STORE (store), send_batch_write, &batch, error);
}

typedef struct {
  const char *associate_id;
  const char *peer_id;
  gint64      number;     /* before_id, up_to */
  guint       limit;
  GPtrArray  *messages;
  gboolean    more;
} ConversationJob;

static gboolean
list_messages_read (TcPgTx   *tx,
                    gpointer  data,
                    GError  **error)
{
  ConversationJob *job = data;
  g_autoptr(PGresult) res = NULL;
  int r;

  g_clear_pointer (&job->messages, g_ptr_array_unref);
  r = tc_pg_team_check (tx->conn, job->associate_id, job->peer_id, error);
  if (r < 0)
    return FALSE;
  if (r == 0)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_FORBIDDEN, "that associate is not on your team");
      return FALSE;
    }
  res = tc_pg_query (tx->conn, error,
                     "SELECT " TC_PG_MESSAGE_COLUMNS " FROM messages m "
                     "WHERE ((m.sender_id = $1 AND m.recipient_id = $2) "
                     "    OR (m.sender_id = $2 AND m.recipient_id = $1)) AND m.id < $3 "
                     "ORDER BY m.id DESC LIMIT $4",
                     "ssii", job->associate_id, job->peer_id,
                     job->number > 0 ? job->number : G_MAXINT64, (gint64) job->limit + 1);
  if (res == NULL)
    return FALSE;
  job->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_message_free);
  return tc_pg_collect_messages (tx->conn, res, job->limit, job->messages, &job->more, error);
}

static GPtrArray *
tc_pg_store_list_messages (TcStore     *store,
                           const char  *associate_id,
                           const char  *peer_id,
                           gint64       before_id,
                           guint        limit,
                           gboolean    *out_more,
                           GError     **error)
{
  ConversationJob job = { associate_id, peer_id, before_id, limit, NULL, FALSE };

  if (!tc_pg_store_read (TC_PG_STORE (store), list_messages_read, &job, error))
    {
      g_clear_pointer (&job.messages, g_ptr_array_unref);
      return NULL;
    }
  if (out_more != NULL)
    *out_more = job.more;
  return job.messages;
}

/* Moves @associate_id's marker for @peer_id forward to @up_to; no event
 * when it would not move. */
static gboolean
move_marker (TcPgTx      *tx,
             const char  *associate_id,
             const char  *peer_id,
             gint64       up_to,
             gint64       now,
             GError     **error)
{
  guint changed = 0;

  if (!tc_pg_command (tx->conn, error, &changed,
                      "INSERT INTO read_markers (associate_id, peer_id, up_to, updated_at) "
                      "VALUES ($1, $2, $3, $4) "
                      "ON CONFLICT (associate_id, peer_id) DO UPDATE "
                      "SET up_to = excluded.up_to, updated_at = excluded.updated_at "
                      "WHERE excluded.up_to > read_markers.up_to RETURNING 1",
                      "ssii", associate_id, peer_id, up_to, now))
    return FALSE;
  if (changed == 0)
    return TRUE;
  tc_pg_tx_append_event (tx, associate_id, "read", 0, associate_id, peer_id, up_to, NULL, now);
  tc_pg_tx_append_event (tx, peer_id, "read", 0, associate_id, peer_id, up_to, NULL, now);
  return TRUE;
}

static gboolean
read_write (TcPgTx   *tx,
            gpointer  data,
            GError  **error)
{
  ConversationJob *job = data;
  g_autoptr(PGresult) res = NULL;
  int r;

  r = tc_pg_team_check (tx->conn, job->associate_id, job->peer_id, error);
  if (r < 0)
    return FALSE;
  if (r == 0)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_FORBIDDEN, "that associate is not on your team");
      return FALSE;
    }
  res = tc_pg_query (tx->conn, error,
                     "SELECT 1 FROM messages WHERE id = $3 AND "
                     "((sender_id = $1 AND recipient_id = $2) OR (sender_id = $2 AND recipient_id = $1))",
                     "ssi", job->associate_id, job->peer_id, job->number);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                   "“up_to” is not a message of this conversation");
      return FALSE;
    }
  return move_marker (tx, job->associate_id, job->peer_id, job->number, g_get_real_time (), error);
}

static gboolean
tc_pg_store_mark_read (TcStore     *store,
                       const char  *associate_id,
                       const char  *peer_id,
                       gint64       up_to,
                       GError     **error)
{
  ConversationJob job = { associate_id, peer_id, up_to, 0, NULL, FALSE };

  return tc_pg_store_write (TC_PG_STORE (store), read_write, &job, error);
}

static gboolean
read_all_write (TcPgTx   *tx,
                gpointer  data,
                GError  **error)
{
  ConversationJob *job = data;
  g_autoptr(PGresult) res = NULL;
  gint64 now = g_get_real_time ();

  /* Every conversation with something newer than the marker. */
  res = tc_pg_query (tx->conn, error,
                     "SELECT m.sender_id, max (m.id) FROM messages m WHERE m.recipient_id = $1 "
                     "GROUP BY m.sender_id "
                     "HAVING max (m.id) > COALESCE ((SELECT r.up_to FROM read_markers r "
                     "  WHERE r.associate_id = $1 AND r.peer_id = m.sender_id), 0) "
                     "ORDER BY m.sender_id COLLATE \"C\"",
                     "s", job->associate_id);
  if (res == NULL)
    return FALSE;
  for (int row = 0; row < PQntuples (res); row++)
    if (!move_marker (tx, job->associate_id, PQgetvalue (res, row, 0), tc_pg_int (res, row, 1),
                      now, error))
      return FALSE;
  return TRUE;
}

static gboolean
tc_pg_store_mark_all_read (TcStore     *store,
                           const char  *associate_id,
                           GError     **error)
{
  ConversationJob job = { associate_id, NULL, 0, 0, NULL, FALSE };

  return tc_pg_store_write (TC_PG_STORE (store), read_all_write, &job, error);
}

/* --- sync ------------------------------------------------------------------------------------ */

typedef struct {
  const char *associate_id;
  gint64      since;
  guint       limit;
  GPtrArray  *events;     /* TcEvent */
  gint64      cursor;
  gboolean    more;
  gboolean    reset;
} SyncJob;

/* The stream's newest seq and the highest seq retention deleted. */
static gboolean
stream_marks (TcPgConn    *conn,
              const char  *associate_id,
              gint64      *out_head,
              gint64      *out_purged,
              GError     **error)
{
  g_autoptr(PGresult) res = NULL;

  if (associate_id == NULL)
    res = tc_pg_query (conn, error, "SELECT COALESCE (max (last_seq), 0), 0 FROM streams", "");
  else
    res = tc_pg_query (conn, error,
                       "SELECT last_seq, purged_seq FROM streams WHERE associate_id = $1",
                       "s", associate_id);
  if (res == NULL)
    return FALSE;
  *out_head = PQntuples (res) > 0 ? tc_pg_int (res, 0, 0) : 0;
  if (out_purged != NULL)
    *out_purged = PQntuples (res) > 0 ? tc_pg_int (res, 0, 1) : 0;
  return TRUE;
}

static gboolean
sync_read (TcPgTx   *tx,
           gpointer  data,
           GError  **error)
{
  SyncJob *job = data;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(GPtrArray) stream_events = NULL;
  gint64 since = job->since, head = 0, purged = 0, last_seq;
  guint n_rows;

  g_ptr_array_set_size (job->events, 0);
  job->more = FALSE;
  job->reset = FALSE;
  if (!stream_marks (tx->conn, job->associate_id, &head, &purged, error))
    return FALSE;

  if (since > 0 && (since < purged || since > head))
    {
      /* Events after this cursor were deleted, or the cursor is from a
       * future this database never saw (restored from a backup): either
       * way the client must start over. */
      job->reset = TRUE;
      job->cursor = head;
      return TRUE;
    }

  if (since <= 0)
    {
      g_autoptr(GPtrArray) members = tc_pg_team_members (tx->conn, job->associate_id, error);
      g_autoptr(TcAssociate) me = NULL;
      TcEvent *event;

      if (members == NULL)
        return FALSE;
      for (guint i = 0; i < members->len; i++)
        {
          event = tc_event_new (TC_EVENT_MEMBER);
          event->member = tc_associate_copy (g_ptr_array_index (members, i));
          g_ptr_array_add (job->events, event);
        }
      me = tc_pg_load_associate (tx->conn, job->associate_id, error);
      if (me == NULL)
        return FALSE;
      event = tc_event_new (TC_EVENT_PREFERENCES);
      event->offline_channel = g_steal_pointer (&me->offline_channel);
      g_ptr_array_add (job->events, event);
      since = 0;
    }

  res = tc_pg_query (tx->conn, error,
                     "SELECT " TC_PG_EVENT_COLUMNS " FROM events e "
                     "WHERE e.associate_id = $1 AND e.seq > $2 ORDER BY e.seq LIMIT $3",
                     "sii", job->associate_id, since, (gint64) job->limit + 1);
  if (res == NULL)
    return FALSE;
  n_rows = (guint) PQntuples (res);
  job->more = n_rows > job->limit;
  stream_events = tc_pg_events_from_rows (tx->conn, res, error);
  if (stream_events == NULL)
    return FALSE;
  last_seq = job->more ? tc_pg_int (res, (int) job->limit - 1, 1) : G_MAXINT64;
  for (guint i = 0; i < stream_events->len; i++)
    {
      TcStreamEvent *stream_event = g_ptr_array_index (stream_events, i);

      if (stream_event->event->seq > last_seq)
        break;   /* the extra row that only said "more" */
      g_ptr_array_add (job->events, g_steal_pointer (&stream_event->event));
    }
  job->cursor = job->more ? last_seq : MAX (head, since);
  return TRUE;
}

static GPtrArray *
tc_pg_store_sync (TcStore     *store,
                  const char  *associate_id,
                  gint64       since,
                  guint        limit,
                  gint64      *out_cursor,
                  gboolean    *out_more,
                  gboolean    *out_reset,
                  GError     **error)
{
  SyncJob job = { associate_id, since, limit, NULL, 0, FALSE, FALSE };

  g_return_val_if_fail (limit > 0, NULL);

  job.events = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_event_free);
  if (!tc_pg_store_read (TC_PG_STORE (store), sync_read, &job, error))
    {
      g_ptr_array_unref (job.events);
      return NULL;
    }
  *out_cursor = job.cursor;
  *out_more = job.more;
  *out_reset = job.reset;
  return job.events;
}

static gboolean
head_read (TcPgTx   *tx,
           gpointer  data,
           GError  **error)
{
  SyncJob *job = data;

  return stream_marks (tx->conn, job->associate_id, &job->cursor, NULL, error);
}

static gint64
tc_pg_store_head_cursor (TcStore     *store,
                         const char  *associate_id,
                         GError     **error)
{
  TcPgStore *self = TC_PG_STORE (store);
  SyncJob job = { associate_id, 0, 0, NULL, 0, FALSE, FALSE };

  if (!tc_pg_store_read (self, head_read, &job, error))
    return -1;
  if (associate_id != NULL)
    tc_pg_store_note_head (self, associate_id, job.cursor);
  return job.cursor;
}

void
tc_pg_store_messages_iface_init (TcStoreInterface *iface)
{
  iface->send_messages = tc_pg_store_send_messages;
  iface->send_batch = tc_pg_store_send_batch;
  iface->list_messages = tc_pg_store_list_messages;
  iface->mark_read = tc_pg_store_mark_read;
  iface->mark_all_read = tc_pg_store_mark_all_read;
  iface->sync = tc_pg_store_sync;
  iface->head_cursor = tc_pg_store_head_cursor;
}
