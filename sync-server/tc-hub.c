/* tc-hub.c: live WebSocket connections, presence and event fan-out */
#include "config.h"

#include <string.h>

#include "tc-client-frame.h"
#include "tc-error.h"
#include "tc-hub.h"
#include "tc-json.h"
#include "tc-worker.h"
#include "tc-ws-frame-meter.h"

#define MAX_FRAME_BYTES      TC_HUB_MAX_MESSAGE_BYTES
/* Events that may wait for a connection's hello (a worker job) before the
 * connection is given up as stuck. */
#define MAX_PENDING_EVENTS   2000

typedef struct {
  TcHub                   *hub;           /* unowned; outlives connections */
  SoupWebsocketConnection *ws;
  TcWsStream              *stream;
  guint64                  bytes_queued;  /* data frames given to libsoup, headers included */
  char                    *associate_id;
  guint8                   token_hash[TC_TOKEN_HASH_LEN];
  gboolean                 ready;         /* hello sent */
  gboolean                 closed;
  gint64                   last_seq;      /* hello cursor, then the last seq sent */
  GPtrArray               *pending;       /* TcEvent that arrived before hello */
  double                   frame_tokens;
  gint64                   frame_refill_at;
} Connection;

typedef struct {
  guint      n_connections;
  GPtrArray *team_ids;        /* char *; NULL until loaded */
  gboolean   loading;
  gboolean   announced;       /* team members were told "online" */
} Presence;

struct _TcHub
{
  GObject         parent_instance;

  TcStore        *store;
  TcHubAllowFunc  allow_func;
  gpointer        allow_data;
  TcHubLimits     limits;
  guint           sweep_source;

  GHashTable     *connections;   /* associate id → GPtrArray of Connection */
  GHashTable     *presence;      /* associate id → Presence */

  GMutex          online_mutex;  /* guards online, read from worker threads */
  GHashTable     *online;        /* associate id → GUINT count */

  GMainContext   *context;
  GAsyncQueue    *incoming;      /* TcStreamEvent from the writer thread */
  GAsyncQueue    *remote_presence; /* associate ids (char *) from the store */
};

G_DEFINE_FINAL_TYPE (TcHub, tc_hub, G_TYPE_OBJECT)

/* --- connections ---------------------------------------------------------- */

static Connection *
connection_ref (Connection *conn)
{
  return g_atomic_rc_box_acquire (conn);
}

static void
connection_clear (Connection *conn)
{
  g_clear_object (&conn->ws);
  g_clear_object (&conn->stream);
  g_free (conn->associate_id);
  g_ptr_array_unref (conn->pending);
}

static void
connection_unref (Connection *conn)
{
  g_atomic_rc_box_release_full (conn, (GDestroyNotify) connection_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Connection, connection_unref)

static gboolean
connection_is_open (Connection *conn)
{
  return !conn->closed && soup_websocket_connection_get_state (conn->ws) == SOUP_WEBSOCKET_STATE_OPEN;
}

/* What libsoup still holds for this client: sent by the hub, not yet
 * written to the network. */
static guint64
connection_backlog (Connection *conn)
{
  guint64 written = tc_ws_stream_get_data_bytes_written (conn->stream);

  return conn->bytes_queued > written ? conn->bytes_queued - written : 0;
}

/* Closes without waiting for the client's half of the close handshake:
 * for clients that do not read or answer, which would not finish it. */
static void
connection_drop (Connection *conn,
                 gushort     code,
                 const char *reason)
{
  soup_websocket_connection_close (conn->ws, code, reason);
  tc_ws_stream_end_input (conn->stream);
}

static void
connection_send (Connection *conn,
                 JsonNode   *node)
{
  g_autofree char *text = NULL;
  guint64 frame;
  guint64 max = conn->hub->limits.max_queued_bytes;

  if (!connection_is_open (conn))
    return;
  text = tc_json_to_string (node);
  frame = tc_ws_frame_size (strlen (text));
  /* A client that does not read must not make the server hold its frames
   * without end: past the bound it is dropped (it syncs when it comes back). */
  if (max > 0 && connection_backlog (conn) + frame > max)
    {
      g_message ("WebSocket of %s closed: it does not read (%" G_GUINT64_FORMAT
                 " bytes waiting)", conn->associate_id, connection_backlog (conn));
      connection_drop (conn, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION,
                       "too slow: the server will not queue more for this client");
      return;
    }
  conn->bytes_queued += frame;
  soup_websocket_connection_send_text (conn->ws, text);
}

static void
connection_send_event (Connection *conn,
                       TcEvent    *event)
{
  g_autoptr(JsonNode) node = NULL;

  if (event->type == TC_EVENT_MEMBER && event->member != NULL)
    event->member->online = tc_hub_is_online (conn->hub, event->member->id);
  node = tc_event_to_json (event);
  connection_send (conn, node);
  if (event->seq > conn->last_seq)
    conn->last_seq = event->seq;
}

/* {"type": "ack"|"error", "ref": …} with room for more members. */
static JsonObject *
reply_new (const char *type,
           JsonNode   *ref)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "type", type);
  json_object_set_member (object, "ref", ref != NULL ? json_node_copy (ref) : json_node_new (JSON_NODE_NULL));
  return object;
}

static void
connection_send_object (Connection *conn,
                        JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  connection_send (conn, node);
}

static void
connection_send_error_full (Connection   *conn,
                            JsonNode     *ref,
                            const GError *error,
                            guint         retry_after)
{
  JsonObject *object = reply_new ("error", ref);
  g_autoptr(JsonNode) body = tc_json_error_new (error);
  JsonObject *body_object = json_node_get_object (body);

  json_object_set_string_member (object, "error",
                                 json_object_get_string_member (body_object, "error"));
  json_object_set_string_member (object, "message",
                                 json_object_get_string_member (body_object, "message"));
  if (retry_after > 0)
    json_object_set_int_member (object, "retry_after", retry_after);
  connection_send_object (conn, object);
}

static void
connection_send_error (Connection   *conn,
                       JsonNode     *ref,
                       const GError *error)
{
  connection_send_error_full (conn, ref, error, 0);
}

/* --- presence --------------------------------------------------------------- */

static void
presence_free (Presence *presence)
{
  g_clear_pointer (&presence->team_ids, g_ptr_array_unref);
  g_free (presence);
}

static void
set_online_count (TcHub      *self,
                  const char *associate_id,
                  guint       count)
{
  g_mutex_lock (&self->online_mutex);
  if (count == 0)
    g_hash_table_remove (self->online, associate_id);
  else
    g_hash_table_insert (self->online, g_strdup (associate_id), GUINT_TO_POINTER (count));
  g_mutex_unlock (&self->online_mutex);
}

static void
announce_presence (TcHub      *self,
                   const char *associate_id,
                   GPtrArray  *team_ids,
                   gboolean    online)
{
  for (guint i = 0; i < team_ids->len; i++)
    {
      GPtrArray *conns = g_hash_table_lookup (self->connections, g_ptr_array_index (team_ids, i));

      for (guint j = 0; conns != NULL && j < conns->len; j++)
        {
          Connection *conn = g_ptr_array_index (conns, j);
          g_autoptr(TcEvent) event = tc_event_new (TC_EVENT_PRESENCE);

          if (!conn->ready)
            continue;   /* its hello snapshot comes later and is current */
          /* Presence is not stored: it repeats the connection's last seq so
           * that max(seq) stays a valid cursor. */
          event->seq = conn->last_seq;
          event->associate_id = g_strdup (associate_id);
          event->online = online;
          connection_send_event (conn, event);
        }
    }
}

/* A change of this process's connections changes what team members see
 * only when no other server process holds a connection of @associate_id. */
static void
announce_local_change (TcHub      *self,
                       const char *associate_id,
                       GPtrArray  *team_ids,
                       gboolean    online)
{
  if (!tc_store_is_connected_elsewhere (self->store, associate_id))
    announce_presence (self, associate_id, team_ids, online);
}

typedef struct {
  TcHub     *hub;
  char      *associate_id;
  GPtrArray *team_ids;
} TeamLoad;

static void
team_load_work (gpointer data)
{
  TeamLoad *load = data;
  g_autoptr(GError) error = NULL;

  load->team_ids = tc_store_list_team_ids (load->hub->store, load->associate_id, &error);
  if (load->team_ids == NULL)
    g_warning ("Could not load a team for presence: %s", error->message);
}

static void
team_load_done (gpointer data)
{
  TeamLoad *load = data;
  TcHub *self = load->hub;
  Presence *presence = g_hash_table_lookup (self->presence, load->associate_id);

  if (presence != NULL)
    {
      presence->loading = FALSE;
      presence->team_ids = load->team_ids != NULL ? load->team_ids
                                                  : g_ptr_array_new_with_free_func (g_free);
      load->team_ids = NULL;
      if (presence->n_connections > 0 && !presence->announced)
        {
          presence->announced = TRUE;
          announce_local_change (self, load->associate_id, presence->team_ids, TRUE);
        }
      else if (presence->n_connections == 0)
        g_hash_table_remove (self->presence, load->associate_id);
    }

  g_clear_pointer (&load->team_ids, g_ptr_array_unref);
  g_free (load->associate_id);
  g_object_unref (load->hub);
  g_free (load);
}

static void
presence_connected (TcHub      *self,
                    const char *associate_id)
{
  Presence *presence = g_hash_table_lookup (self->presence, associate_id);

  if (presence == NULL)
    {
      presence = g_new0 (Presence, 1);
      g_hash_table_insert (self->presence, g_strdup (associate_id), presence);
    }
  presence->n_connections++;
  set_online_count (self, associate_id, presence->n_connections);
  if (presence->n_connections == 1)
    tc_store_set_connected (self->store, associate_id, TRUE);

  if (presence->team_ids == NULL && !presence->loading)
    {
      TeamLoad *load = g_new0 (TeamLoad, 1);

      presence->loading = TRUE;
      load->hub = g_object_ref (self);
      load->associate_id = g_strdup (associate_id);
      tc_worker_run (team_load_work, team_load_done, load);
    }
  else if (presence->team_ids != NULL && !presence->announced)
    {
      presence->announced = TRUE;
      announce_local_change (self, associate_id, presence->team_ids, TRUE);
    }
}

static void
presence_disconnected (TcHub      *self,
                       const char *associate_id)
{
  Presence *presence = g_hash_table_lookup (self->presence, associate_id);

  g_return_if_fail (presence != NULL && presence->n_connections > 0);

  presence->n_connections--;
  set_online_count (self, associate_id, presence->n_connections);
  if (presence->n_connections > 0)
    return;
  tc_store_set_connected (self->store, associate_id, FALSE);
  if (presence->announced)
    announce_local_change (self, associate_id, presence->team_ids, FALSE);
  /* While the team is still loading, team_load_done cleans up. */
  if (!presence->loading)
    g_hash_table_remove (self->presence, associate_id);
  else
    presence->announced = FALSE;
}

gboolean
tc_hub_is_online (TcHub      *self,
                  const char *associate_id)
{
  gboolean online;

  g_return_val_if_fail (TC_IS_HUB (self), FALSE);

  g_mutex_lock (&self->online_mutex);
  online = g_hash_table_contains (self->online, associate_id);
  g_mutex_unlock (&self->online_mutex);
  return online || (self->store != NULL &&
                    tc_store_is_connected_elsewhere (self->store, associate_id));
}

/* --- presence from other server processes ------------------------------------ */

typedef struct {
  TcHub     *hub;
  char      *associate_id;
  GPtrArray *team_ids;
} RemotePresence;

static void
remote_presence_work (gpointer data)
{
  RemotePresence *remote = data;
  g_autoptr(GError) error = NULL;

  if (remote->hub->store == NULL)
    return;   /* shutting down */
  remote->team_ids = tc_store_list_team_ids (remote->hub->store, remote->associate_id, &error);
  if (remote->team_ids == NULL)
    g_warning ("Could not load a team for presence: %s", error->message);
}

static void
remote_presence_done (gpointer data)
{
  RemotePresence *remote = data;
  Presence *presence = g_hash_table_lookup (remote->hub->presence, remote->associate_id);

  /* Loads may finish out of order: announce the state as it is now. */
  if (remote->team_ids != NULL && (presence == NULL || presence->n_connections == 0))
    announce_presence (remote->hub, remote->associate_id, remote->team_ids,
                       tc_hub_is_online (remote->hub, remote->associate_id));
  g_clear_pointer (&remote->team_ids, g_ptr_array_unref);
  g_free (remote->associate_id);
  g_object_unref (remote->hub);
  g_free (remote);
}

static gboolean
drain_remote_presence_cb (gpointer user_data)
{
  TcHub *self = user_data;
  char *associate_id;

  while ((associate_id = g_async_queue_try_pop (self->remote_presence)) != NULL)
    {
      Presence *presence = g_hash_table_lookup (self->presence, associate_id);
      RemotePresence *remote;

      /* While this process holds a connection, the associate is online
       * whatever happens elsewhere. */
      if (presence != NULL && presence->n_connections > 0)
        {
          g_free (associate_id);
          continue;
        }
      remote = g_new0 (RemotePresence, 1);
      remote->hub = g_object_ref (self);
      remote->associate_id = associate_id;
      tc_worker_run (remote_presence_work, remote_presence_done, remote);
    }
  return G_SOURCE_REMOVE;
}

/* A thread of the store: another process's presence changed. */
static void
store_presence_sink (const char *associate_id,
                     gpointer    user_data)
{
  TcHub *self = user_data;

  g_async_queue_push (self->remote_presence, g_strdup (associate_id));
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, drain_remote_presence_cb,
                              g_object_ref (self), g_object_unref);
}

/* --- hello -------------------------------------------------------------------- */

typedef struct {
  Connection *conn;
  gint64      cursor;
  GPtrArray  *team_ids;   /* char *: who may appear in "online" */
  GError     *error;
} Hello;

static void
hello_work (gpointer data)
{
  Hello *hello = data;
  TcStore *store = hello->conn->hub->store;

  hello->team_ids = tc_store_list_team_ids (store, hello->conn->associate_id, &hello->error);
  if (hello->team_ids != NULL)
    hello->cursor = tc_store_head_cursor (store, hello->conn->associate_id, &hello->error);
}

static void
hello_done (gpointer data)
{
  Hello *hello = data;
  g_autoptr(Connection) conn = hello->conn;
  g_autoptr(GError) error = hello->error;
  g_autoptr(GPtrArray) team_ids = hello->team_ids;
  gint64 cursor = hello->cursor;

  g_free (hello);
  if (conn->closed)
    return;
  if (error != NULL)
    {
      g_warning ("Could not start a live stream: %s", error->message);
      soup_websocket_connection_close (conn->ws, SOUP_WEBSOCKET_CLOSE_SERVER_ERROR,
                                       "database unavailable");
      return;
    }

  {
    JsonObject *object = json_object_new ();
    g_autofree char *cursor_text = g_strdup_printf ("%" G_GINT64_FORMAT, cursor);

    JsonArray *online = json_array_new ();

    /* Presence is live only: the snapshot of who is online right now comes
     * with the hello, and presence events follow from here on. */
    for (guint i = 0; i < team_ids->len; i++)
      if (tc_hub_is_online (conn->hub, g_ptr_array_index (team_ids, i)))
        json_array_add_string_element (online, g_ptr_array_index (team_ids, i));
    json_object_set_string_member (object, "type", "hello");
    json_object_set_string_member (object, "cursor", cursor_text);
    json_object_set_array_member (object, "online", online);
    conn->last_seq = cursor;
    connection_send_object (conn, object);
  }

  /* Events committed after the connection registered but covered by the
   * cursor are the client's to fetch with sync; the rest go out now. */
  for (guint i = 0; i < conn->pending->len; i++)
    {
      TcEvent *event = g_ptr_array_index (conn->pending, i);
      if (event->seq > conn->last_seq)
        connection_send_event (conn, event);
    }
  g_ptr_array_set_size (conn->pending, 0);
  conn->ready = TRUE;
}

/* --- client frames ------------------------------------------------------------- */

typedef struct {
  Connection    *conn;
  JsonNode      *ref;
  TcSendRequest *send;
  char          *peer;
  gint64         up_to;
  GPtrArray     *messages;
  GError        *error;
  guint          retry_after;   /* seconds, with a rate_limited error */
} Frame;

static void
frame_free (Frame *frame)
{
  connection_unref (frame->conn);
  g_clear_pointer (&frame->ref, json_node_unref);
  g_clear_pointer (&frame->send, tc_send_request_free);
  g_free (frame->peer);
  g_clear_pointer (&frame->messages, g_ptr_array_unref);
  g_clear_error (&frame->error);
  g_free (frame);
}

static void
frame_work (gpointer data)
{
  Frame *frame = data;
  TcStore *store = frame->conn->hub->store;

  /* Sends go through tc_store_send_messages_async() (frame_sent_cb). */
  tc_store_mark_read (store, frame->conn->associate_id, frame->peer, frame->up_to,
                      &frame->error);
}

static void
frame_done (gpointer data)
{
  Frame *frame = data;

  if (frame->error != NULL)
    connection_send_error_full (frame->conn, frame->ref, frame->error, frame->retry_after);
  else
    {
      JsonObject *object = reply_new ("ack", frame->ref);

      if (frame->messages != NULL)
        {
          JsonArray *array = json_array_new ();

          for (guint i = 0; i < frame->messages->len; i++)
            json_array_add_element (array, tc_message_to_json (g_ptr_array_index (frame->messages, i)));
          json_object_set_array_member (object, "messages", array);
        }
      connection_send_object (frame->conn, object);
    }
  frame_free (frame);
}

/* A send goes to the store without a worker thread: no thread waits for
 * the commit, and the writer answers a whole batch in one main loop
 * wake-up (as POST /api/v1/messages does). */
static void
frame_sent_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Frame *frame = user_data;

  frame->messages = tc_store_send_messages_finish (TC_STORE (source), result, NULL, &frame->error);
  frame_done (frame);
}

static gboolean
frame_allowed (Connection *conn)
{
  gint64 now = g_get_monotonic_time ();
  double per_minute = conn->hub->limits.frames_per_minute;

  if (per_minute == 0)
    return TRUE;
  conn->frame_tokens = MIN (per_minute,
                            conn->frame_tokens + (now - conn->frame_refill_at) *
                                                   (per_minute / 60.0) / G_USEC_PER_SEC);
  conn->frame_refill_at = now;
  if (conn->frame_tokens < 1.0)
    return FALSE;
  conn->frame_tokens -= 1.0;
  return TRUE;
}

static void
handle_frame (Connection *conn,
              GBytes     *bytes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ref = NULL;
  g_autoptr(TcClientFrame) decoded = NULL;
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  Frame *frame;

  if (!frame_allowed (conn))
    {
      g_set_error (&error, TC_ERROR, TC_ERROR_RATE_LIMITED, "too many frames; slow down");
      connection_send_error_full (conn, NULL, error, 1);
      return;
    }

  decoded = tc_client_frame_decode (data, len, &ref, &error);
  if (decoded == NULL)
    {
      connection_send_error (conn, ref, error);
      return;
    }
  if (decoded->type == TC_CLIENT_FRAME_PING)
    {
      connection_send_object (conn, reply_new ("ack", decoded->ref));
      return;
    }

  frame = g_new0 (Frame, 1);
  frame->conn = connection_ref (conn);
  frame->ref = g_steal_pointer (&decoded->ref);
  frame->send = g_steal_pointer (&decoded->send);
  frame->peer = g_steal_pointer (&decoded->peer);
  frame->up_to = decoded->up_to;

  if (frame->send != NULL && conn->hub->allow_func != NULL)
    {
      guint retry_after = 0;

      if (!conn->hub->allow_func (conn->associate_id, &retry_after, conn->hub->allow_data))
        {
          g_set_error (&frame->error, TC_ERROR, TC_ERROR_RATE_LIMITED,
                       "too many messages; try again in %u seconds", retry_after);
          frame->retry_after = MAX (retry_after, 1);
        }
    }

  if (frame->error != NULL)
    frame_done (frame);
  else if (frame->send != NULL)
    tc_store_send_messages_async (conn->hub->store, conn->associate_id,
                                  g_steal_pointer (&frame->send), g_get_real_time (), NULL,
                                  frame_sent_cb, frame);
  else
    tc_worker_run (frame_work, frame_done, frame);
}

static void
on_message_cb (SoupWebsocketConnection *ws,
               int                      type,
               GBytes                  *message,
               gpointer                 user_data)
{
  Connection *conn = user_data;

  /* libsoup limits each frame, not a message reassembled from fragments. */
  if (g_bytes_get_size (message) > MAX_FRAME_BYTES)
    {
      soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_TOO_BIG, "message over 64 KiB");
      return;
    }
  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      g_autoptr(GError) error = g_error_new (TC_ERROR, TC_ERROR_INVALID,
                                             "frames must be JSON text");
      connection_send_error (conn, NULL, error);
      return;
    }
  handle_frame (conn, message);
}

static void
on_closed_cb (SoupWebsocketConnection *ws,
              gpointer                 user_data)
{
  Connection *conn = user_data;
  TcHub *self = conn->hub;
  GPtrArray *conns;

  if (conn->closed)
    return;
  conn->closed = TRUE;
  g_debug ("WebSocket of %s closed", conn->associate_id);

  conns = g_hash_table_lookup (self->connections, conn->associate_id);
  if (conns != NULL)
    {
      g_ptr_array_remove (conns, conn);
      if (conns->len == 0)
        g_hash_table_remove (self->connections, conn->associate_id);
    }
  presence_disconnected (self, conn->associate_id);
  g_signal_handlers_disconnect_by_data (ws, conn);
  tc_ws_stream_set_too_big_func (conn->stream, NULL, NULL);
  connection_unref (conn);
}

static void
on_too_big_cb (TcWsStream *stream,
               gpointer    user_data)
{
  Connection *conn = user_data;

  if (!connection_is_open (conn))
    return;
  g_message ("WebSocket of %s closed: it sent a message over %u bytes", conn->associate_id,
             MAX_FRAME_BYTES);
  soup_websocket_connection_close (conn->ws, SOUP_WEBSOCKET_CLOSE_TOO_BIG, "message over 64 KiB");
}

/* Closes the connections whose client has sent nothing, not even the answer
 * to a ping, for longer than the idle timeout. */
static gboolean
sweep_cb (gpointer user_data)
{
  TcHub *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 limit = (gint64) self->limits.idle_timeout_seconds * G_USEC_PER_SEC;
  GHashTableIter iter;
  GPtrArray *conns;
  g_autoptr(GPtrArray) idle = g_ptr_array_new ();

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &conns))
    for (guint i = 0; i < conns->len; i++)
      {
        Connection *conn = g_ptr_array_index (conns, i);

        if (connection_is_open (conn) &&
            now - tc_ws_stream_get_last_read_time (conn->stream) > limit)
          g_ptr_array_add (idle, conn);
      }
  for (guint i = 0; i < idle->len; i++)
    {
      Connection *conn = g_ptr_array_index (idle, i);

      g_message ("WebSocket of %s closed: nothing received for %u s", conn->associate_id,
                 self->limits.idle_timeout_seconds);
      connection_drop (conn, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "idle: no answer to pings");
    }
  return G_SOURCE_CONTINUE;
}

static void
restart_sweep (TcHub *self)
{
  g_clear_handle_id (&self->sweep_source, g_source_remove);
  self->sweep_source = g_timeout_add_seconds (MAX (1, self->limits.idle_timeout_seconds / 5),
                                              sweep_cb, self);
}

void
tc_hub_add_connection (TcHub                   *self,
                       SoupWebsocketConnection *ws,
                       TcWsStream              *stream,
                       const char              *associate_id,
                       const guint8            *token_hash)
{
  Connection *conn;
  GPtrArray *conns;
  Hello *hello;

  g_return_if_fail (TC_IS_HUB (self));
  g_return_if_fail (SOUP_IS_WEBSOCKET_CONNECTION (ws));
  g_return_if_fail (TC_IS_WS_STREAM (stream));

  conn = g_atomic_rc_box_new0 (Connection);
  conn->hub = self;
  conn->ws = g_object_ref (ws);
  conn->stream = g_object_ref (stream);
  conn->associate_id = g_strdup (associate_id);
  memcpy (conn->token_hash, token_hash, TC_TOKEN_HASH_LEN);
  conn->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_event_free);
  conn->frame_tokens = self->limits.frames_per_minute;
  conn->frame_refill_at = g_get_monotonic_time ();

  /* The stream stops larger messages first; this is the second line. */
  soup_websocket_connection_set_max_incoming_payload_size (ws, MAX_FRAME_BYTES);
  soup_websocket_connection_set_keepalive_interval (ws, self->limits.ping_interval_seconds);
  tc_ws_stream_set_too_big_func (stream, on_too_big_cb, conn);
  g_signal_connect (ws, "message", G_CALLBACK (on_message_cb), conn);
  g_signal_connect (ws, "closed", G_CALLBACK (on_closed_cb), conn);

  /* Registered before the cursor is read, so no event can fall between. */
  conns = g_hash_table_lookup (self->connections, associate_id);
  if (conns == NULL)
    {
      conns = g_ptr_array_new ();
      g_hash_table_insert (self->connections, g_strdup (associate_id), conns);
    }
  g_ptr_array_add (conns, conn);   /* the table's reference is the rc box's first */
  presence_connected (self, associate_id);

  hello = g_new0 (Hello, 1);
  hello->conn = connection_ref (conn);
  tc_worker_run (hello_work, hello_done, hello);
}

guint
tc_hub_close_token (TcHub        *self,
                    const guint8 *token_hash,
                    const char   *reason)
{
  GHashTableIter iter;
  GPtrArray *conns;
  g_autoptr(GPtrArray) doomed = g_ptr_array_new ();

  g_return_val_if_fail (TC_IS_HUB (self), 0);

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &conns))
    for (guint i = 0; i < conns->len; i++)
      {
        Connection *conn = g_ptr_array_index (conns, i);
        if (memcmp (conn->token_hash, token_hash, TC_TOKEN_HASH_LEN) == 0 &&
            connection_is_open (conn))
          g_ptr_array_add (doomed, conn->ws);
      }
  for (guint i = 0; i < doomed->len; i++)
    soup_websocket_connection_close (g_ptr_array_index (doomed, i),
                                     SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, reason);
  return doomed->len;
}

void
tc_hub_append_token_hashes (TcHub      *self,
                            GByteArray *hashes)
{
  GHashTableIter iter;
  GPtrArray *conns;

  g_return_if_fail (TC_IS_HUB (self));

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &conns))
    for (guint i = 0; i < conns->len; i++)
      {
        Connection *conn = g_ptr_array_index (conns, i);

        if (connection_is_open (conn))
          g_byte_array_append (hashes, conn->token_hash, TC_TOKEN_HASH_LEN);
      }
}

guint
tc_hub_count_connections (TcHub      *self,
                          const char *associate_id)
{
  GPtrArray *conns;

  g_return_val_if_fail (TC_IS_HUB (self), 0);

  conns = g_hash_table_lookup (self->connections, associate_id);
  return conns != NULL ? conns->len : 0;
}

guint
tc_hub_get_n_connections (TcHub *self)
{
  GHashTableIter iter;
  GPtrArray *conns;
  guint n = 0;

  g_return_val_if_fail (TC_IS_HUB (self), 0);

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &conns))
    n += conns->len;
  return n;
}

void
tc_hub_shutdown (TcHub *self)
{
  GHashTableIter iter;
  GPtrArray *conns;
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_if_fail (TC_IS_HUB (self));

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &conns))
    for (guint i = 0; i < conns->len; i++)
      if (connection_is_open (g_ptr_array_index (conns, i)))
        g_ptr_array_add (all, g_object_ref (((Connection *) g_ptr_array_index (conns, i))->ws));
  for (guint i = 0; i < all->len; i++)
    soup_websocket_connection_close (g_ptr_array_index (all, i), SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
                                     "server shutting down");
}

/* --- events from the store ------------------------------------------------------ */

void
tc_hub_set_limits (TcHub             *self,
                   const TcHubLimits *limits)
{
  g_return_if_fail (TC_IS_HUB (self));
  g_return_if_fail (limits != NULL);
  g_return_if_fail (limits->idle_timeout_seconds > limits->ping_interval_seconds);

  self->limits = *limits;
  restart_sweep (self);
}

const TcHubLimits *
tc_hub_get_limits (TcHub *self)
{
  g_return_val_if_fail (TC_IS_HUB (self), NULL);
  return &self->limits;
}

void
tc_hub_set_allow_func (TcHub          *self,
                       TcHubAllowFunc  func,
                       gpointer        user_data)
{
  g_return_if_fail (TC_IS_HUB (self));
  self->allow_func = func;
  self->allow_data = user_data;
}

static void
dispatch_event (TcHub         *self,
                TcStreamEvent *stream_event)
{
  GPtrArray *conns = g_hash_table_lookup (self->connections, stream_event->associate_id);

  for (guint i = 0; conns != NULL && i < conns->len; i++)
    {
      Connection *conn = g_ptr_array_index (conns, i);

      if (!conn->ready && conn->pending->len >= MAX_PENDING_EVENTS)
        {
          if (connection_is_open (conn))
            {
              g_warning ("WebSocket of %s closed: %u events arrived before its hello",
                         conn->associate_id, conn->pending->len);
              soup_websocket_connection_close (conn->ws, SOUP_WEBSOCKET_CLOSE_SERVER_ERROR,
                                               "the server is too busy; reconnect later");
            }
        }
      else if (!conn->ready)
        g_ptr_array_add (conn->pending, tc_event_copy (stream_event->event));
      else if (stream_event->event->seq > conn->last_seq)
        connection_send_event (conn, stream_event->event);
    }
}

static gboolean
drain_incoming_cb (gpointer user_data)
{
  TcHub *self = user_data;
  TcStreamEvent *stream_event;

  /* One queue drained in order keeps every stream in seq order. */
  while ((stream_event = g_async_queue_try_pop (self->incoming)) != NULL)
    {
      dispatch_event (self, stream_event);
      tc_stream_event_free (stream_event);
    }
  return G_SOURCE_REMOVE;
}

static void
store_event_sink (GPtrArray *events,
                  gpointer   user_data)
{
  TcHub *self = user_data;
  gboolean queued = FALSE;

  /* Writer thread: copy, queue, and wake the main loop — only for streams
   * with an open connection. One that opens meanwhile is already counted
   * online before its hello cursor is read, so whatever this skips is
   * covered by that cursor (the client syncs it). */
  for (guint i = 0; i < events->len; i++)
    {
      TcStreamEvent *src = g_ptr_array_index (events, i);
      TcStreamEvent *copy;

      if (!tc_hub_is_online (self, src->associate_id))
        continue;
      copy = g_new0 (TcStreamEvent, 1);
      copy->associate_id = g_strdup (src->associate_id);
      copy->event = tc_event_copy (src->event);
      g_async_queue_push (self->incoming, copy);
      queued = TRUE;
    }
  if (queued)
    g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, drain_incoming_cb,
                                g_object_ref (self), g_object_unref);
}

static void
tc_hub_dispose (GObject *object)
{
  TcHub *self = TC_HUB (object);

  if (self->store != NULL)
    {
      tc_store_set_event_sink (self->store, NULL, NULL);
      tc_store_set_presence_sink (self->store, NULL, NULL);
    }
  g_clear_object (&self->store);
  g_clear_handle_id (&self->sweep_source, g_source_remove);

  G_OBJECT_CLASS (tc_hub_parent_class)->dispose (object);
}

static void
tc_hub_finalize (GObject *object)
{
  TcHub *self = TC_HUB (object);

  g_hash_table_unref (self->connections);
  g_hash_table_unref (self->presence);
  g_hash_table_unref (self->online);
  g_mutex_clear (&self->online_mutex);
  g_async_queue_unref (self->incoming);
  g_async_queue_unref (self->remote_presence);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (tc_hub_parent_class)->finalize (object);
}

static void
tc_hub_class_init (TcHubClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tc_hub_dispose;
  object_class->finalize = tc_hub_finalize;
}

static void
tc_hub_init (TcHub *self)
{
  self->connections = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) g_ptr_array_unref);
  self->presence = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) presence_free);
  self->online = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_mutex_init (&self->online_mutex);
  self->incoming = g_async_queue_new_full ((GDestroyNotify) tc_stream_event_free);
  self->remote_presence = g_async_queue_new_full (g_free);
  self->context = g_main_context_ref_thread_default ();
  self->limits = (TcHubLimits) {
    .frames_per_minute = TC_HUB_DEFAULT_FRAMES_PER_MINUTE,
    .ping_interval_seconds = TC_HUB_DEFAULT_PING_INTERVAL_SECONDS,
    .idle_timeout_seconds = TC_HUB_DEFAULT_IDLE_TIMEOUT_SECONDS,
    .max_queued_bytes = TC_HUB_DEFAULT_MAX_QUEUED_BYTES,
  };
  restart_sweep (self);
}

TcHub *
tc_hub_new (TcStore *store)
{
  TcHub *self;

  g_return_val_if_fail (TC_IS_STORE (store), NULL);

  self = g_object_new (TC_TYPE_HUB, NULL);
  self->store = g_object_ref (store);
  tc_store_set_event_sink (store, store_event_sink, self);
  tc_store_set_presence_sink (store, store_presence_sink, self);
  return self;
}
