/* test-websocket.c: GET /api/v1/ws against the real teamchat-server
 *
 * Live events, client frames and presence (API.md, "Sync and live events").
 * Timeouts are only failure guards: every wait is for a frame that must
 * come. To check that a frame does NOT come, a ping is sent on the same
 * socket after the event that would have caused it, and its ack is awaited
 * (the server answers frames and pushes events on one connection in order).
 */
#include <string.h>

#include "tc-test-server.h"

#define WAIT_SECONDS 10

#define TO(...) ((const char *[]) { __VA_ARGS__, NULL })

typedef struct {
  TcTestServer *server;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->server = tc_test_server_new_or_fail (data);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_pointer (&f->server, tc_test_server_free);
}

/* --- a WebSocket client ------------------------------------------------------------- */

typedef struct {
  char                    *name;
  SoupSession             *session;
  SoupWebsocketConnection *conn;
  GQueue                   frames;       /* (element-type JsonNode): not taken yet */
  guint                    received;
  gboolean                 closed;
  char                    *hello_cursor;
  char                    *hello_online;  /* the hello's "online" ids, joined with "," */
  guint                    next_ref;
} Ws;

static gboolean
flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

typedef gboolean (*DoneFunc) (gpointer data);

static void
run_until (DoneFunc    done,
           gpointer    data,
           const char *what)
{
  gboolean timed_out = FALSE;
  gboolean finished;
  guint source = g_timeout_add_seconds (WAIT_SECONDS, flag_cb, &timed_out);

  /* @done may take what it waited for: call it once per iteration. */
  while (!(finished = done (data)) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!finished)
    g_error ("no %s within %d s", what, WAIT_SECONDS);
  g_source_remove (source);
}

static void
ws_message_cb (SoupWebsocketConnection *conn,
               gint                     type,
               GBytes                  *message,
               gpointer                 user_data)
{
  Ws *ws = user_data;
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len;
  const char *data = g_bytes_get_data (message, &len);

  ws->received++;
  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    g_error ("%s: the server sent a binary frame", ws->name);
  if (!json_parser_load_from_data (parser, data, (gssize) len, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    g_error ("%s: the server sent a frame that is not a JSON object: %.*s", ws->name, (int) len,
             data);
  if (g_test_verbose ())
    g_test_message ("%s ← %.*s", ws->name, (int) MIN (len, 500), data);
  g_queue_push_tail (&ws->frames, json_node_copy (json_parser_get_root (parser)));
}

static void
ws_closed_cb (SoupWebsocketConnection *conn,
              gpointer                 user_data)
{
  Ws *ws = user_data;

  ws->closed = TRUE;
}

typedef struct {
  gboolean      done;
  GAsyncResult *result;
} Pending;

static void
pending_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Pending *pending = user_data;

  pending->result = g_object_ref (result);
  pending->done = TRUE;
}

static gboolean
pending_done (gpointer data)
{
  return ((Pending *) data)->done;
}

/* Tries to connect; on failure returns NULL and the HTTP status. */
static SoupWebsocketConnection *
ws_try_connect (TcTestServer  *server,
                SoupSession   *session,
                const char    *authorization,
                guint         *out_status,
                GError       **error)
{
  g_autofree char *url = tc_test_server_ws_url (server);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  Pending pending = { FALSE, NULL };
  SoupWebsocketConnection *conn;

  g_assert_nonnull (msg);
  if (authorization != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                  authorization);
  soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        pending_cb, &pending);
  run_until (pending_done, &pending, "WebSocket handshake");
  conn = soup_session_websocket_connect_finish (session, pending.result, error);
  g_object_unref (pending.result);
  if (out_status != NULL)
    *out_status = soup_message_get_status (msg);
  return conn;
}

static gboolean
ws_has_frame (gpointer data)
{
  Ws *ws = data;

  return !g_queue_is_empty (&ws->frames) || ws->closed;
}

static const char *
frame_type (JsonNode *frame)
{
  return tc_test_get_string (tc_test_object (frame), "type");
}

/* Connects with a bearer token and takes the hello frame, which must come first. */
static Ws *
ws_open (TcTestServer *server,
         const char   *token,
         const char   *name)
{
  g_autofree char *authorization = g_strconcat ("Bearer ", token, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) hello = NULL;
  Ws *ws = g_new0 (Ws, 1);
  guint status = 0;

  ws->name = g_strdup (name);
  ws->session = soup_session_new ();
  g_queue_init (&ws->frames);
  ws->conn = ws_try_connect (server, ws->session, authorization, &status, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 101);
  g_signal_connect (ws->conn, "message", G_CALLBACK (ws_message_cb), ws);
  g_signal_connect (ws->conn, "closed", G_CALLBACK (ws_closed_cb), ws);

  run_until (ws_has_frame, ws, "hello frame");
  g_assert_false (ws->closed);
  hello = g_queue_pop_head (&ws->frames);
  g_assert_cmpstr (frame_type (hello), ==, "hello");
  ws->hello_cursor = g_strdup (tc_test_get_string (tc_test_object (hello), "cursor"));
  {
    JsonArray *online = json_object_get_array_member (tc_test_object (hello), "online");
    g_autoptr(GString) ids = g_string_new (NULL);

    g_assert_nonnull (online);
    for (guint i = 0; i < json_array_get_length (online); i++)
      g_string_append_printf (ids, "%s%s", i ? "," : "", json_array_get_string_element (online, i));
    ws->hello_online = g_string_free (g_steal_pointer (&ids), FALSE);
  }
  return ws;
}

static gboolean
ws_is_closed (gpointer data)
{
  return ((Ws *) data)->closed;
}

static void
ws_close (Ws *ws)
{
  if (ws->conn == NULL || ws->closed)
    return;
  if (soup_websocket_connection_get_state (ws->conn) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (ws->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  run_until (ws_is_closed, ws, "close");
}

static void
ws_free (Ws *ws)
{
  if (ws == NULL)
    return;
  ws_close (ws);
  if (ws->conn != NULL)
    g_signal_handlers_disconnect_by_data (ws->conn, ws);
  g_clear_object (&ws->conn);
  g_clear_object (&ws->session);
  g_queue_clear_full (&ws->frames, (GDestroyNotify) json_node_unref);
  g_free (ws->hello_cursor);
  g_free (ws->hello_online);
  g_free (ws->name);
  g_free (ws);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Ws, ws_free)

static void
ws_send_text (Ws         *ws,
              const char *text)
{
  g_assert_false (ws->closed);
  if (g_test_verbose ())
    g_test_message ("%s → %.200s", ws->name, text);
  soup_websocket_connection_send_text (ws->conn, text);
}

typedef gboolean (*FrameMatch) (JsonObject *frame,
                                gconstpointer data);

typedef struct {
  Ws         *ws;
  FrameMatch  match;
  gconstpointer data;
  JsonNode   *found;
} Wait;

static gboolean
wait_done (gpointer data)
{
  Wait *wait = data;

  for (GList *l = wait->ws->frames.head; l != NULL; l = l->next)
    if (wait->match (tc_test_object (l->data), wait->data))
      {
        wait->found = l->data;
        g_queue_delete_link (&wait->ws->frames, l);
        return TRUE;
      }
  return wait->ws->closed;
}

/* Waits for and takes the first frame that matches. */
static JsonNode *
ws_wait (Ws            *ws,
         FrameMatch     match,
         gconstpointer  data,
         const char    *what)
{
  Wait wait = { ws, match, data, NULL };
  g_autofree char *description = g_strdup_printf ("%s on %s's socket", what, ws->name);

  run_until (wait_done, &wait, description);
  if (wait.found == NULL)
    g_error ("%s: the connection closed while waiting for %s", ws->name, what);
  return wait.found;
}

/* Takes a frame that has already arrived, if any. */
static JsonNode *
ws_take (Ws            *ws,
         FrameMatch     match,
         gconstpointer  data)
{
  Wait wait = { ws, match, data, NULL };

  wait_done (&wait);
  return wait.found;
}

/* Frame matchers. */

static gboolean
match_ref_string (JsonObject    *frame,
                  gconstpointer  ref)
{
  JsonNode *node = json_object_get_member (frame, "ref");

  return json_object_has_member (frame, "type") &&
         (g_str_equal (tc_test_get_string (frame, "type"), "ack") ||
          g_str_equal (tc_test_get_string (frame, "type"), "error")) &&
         node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_STRING &&
         g_str_equal (json_node_get_string (node), ref);
}

static gboolean
match_answer (JsonObject    *frame,
              gconstpointer  data)
{
  const char *type = tc_test_get_string (frame, "type");

  return g_str_equal (type, "ack") || g_str_equal (type, "error");
}

static gboolean
match_message_event (JsonObject    *frame,
                     gconstpointer  id)
{
  return g_str_equal (tc_test_get_string (frame, "type"), "message") &&
         tc_test_get_int (tc_test_get_object (frame, "message"), "id") == *(const gint64 *) id;
}

static gboolean
match_type (JsonObject    *frame,
            gconstpointer  type)
{
  return g_str_equal (tc_test_get_string (frame, "type"), type);
}

typedef struct {
  const char *associate;
  gboolean    online;
} PresenceMatch;

static gboolean
match_presence (JsonObject    *frame,
                gconstpointer  data)
{
  const PresenceMatch *want = data;

  return g_str_equal (tc_test_get_string (frame, "type"), "presence") &&
         g_str_equal (tc_test_get_string (frame, "associate"), want->associate) &&
         tc_test_get_bool (frame, "online") == want->online;
}

static gboolean
match_presence_of (JsonObject    *frame,
                   gconstpointer  associate)
{
  return g_str_equal (tc_test_get_string (frame, "type"), "presence") &&
         g_str_equal (tc_test_get_string (frame, "associate"), associate);
}

/* Sends a ping and waits for its ack: everything the server had queued for
 * this socket before reading the ping has arrived by then. */
static void
ws_barrier (Ws *ws)
{
  g_autofree char *ref = g_strdup_printf ("barrier-%u", ++ws->next_ref);
  g_autofree char *text = g_strdup_printf ("{\"type\":\"ping\",\"ref\":\"%s\"}", ref);
  g_autoptr(JsonNode) ack = NULL;

  ws_send_text (ws, text);
  ack = ws_wait (ws, match_ref_string, ref, "ping ack");
  g_assert_cmpstr (frame_type (ack), ==, "ack");
}

static gint64
cursor_value (const char *cursor)
{
  guint64 value = 0;

  /* Opaque to clients; the decimal text of a seq in this server (design). */
  g_assert_true (g_ascii_string_to_unsigned (cursor, 10, 0, G_MAXINT64, &value, NULL));
  return (gint64) value;
}

static char *
send_frame (const char         *ref,
            const char         *client_id,
            const char * const *to,
            const char         *body)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "send");
  if (ref != NULL)
    {
      json_builder_set_member_name (builder, "ref");
      json_builder_add_string_value (builder, ref);
    }
  json_builder_set_member_name (builder, "client_id");
  json_builder_add_string_value (builder, client_id);
  json_builder_set_member_name (builder, "to");
  json_builder_begin_array (builder);
  for (guint i = 0; to[i] != NULL; i++)
    json_builder_add_string_value (builder, to[i]);
  json_builder_end_array (builder);
  if (body != NULL)
    {
      json_builder_set_member_name (builder, "body");
      json_builder_add_string_value (builder, body);
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static gint64
http_send (Fixture    *f,
           const char *token,
           const char *to,
           const char *body)
{
  g_autofree char *client_id = tc_test_uuid ();
  g_autoptr(JsonNode) answer = NULL;
  JsonArray *messages;
  guint status = 0;

  answer = tc_test_send_message (f->server, token, client_id, TO (to), body, &status);
  g_assert_cmpuint (status, ==, 201);
  messages = tc_test_get_array (tc_test_object (answer), "messages");
  g_assert_cmpuint (json_array_get_length (messages), ==, 1);
  return tc_test_get_int (json_array_get_object_element (messages, 0), "id");
}

static void
assert_error_frame (JsonNode   *frame,
                    const char *code)
{
  JsonObject *object = tc_test_object (frame);

  g_assert_cmpstr (tc_test_get_string (object, "type"), ==, "error");
  g_assert_true (json_object_has_member (object, "ref"));
  tc_test_get_string (object, "message");
  if (code != NULL)
    g_assert_cmpstr (tc_test_get_string (object, "error"), ==, code);
  else
    tc_test_get_string (object, "error");
}

/* --- tests ---------------------------------------------------------------------------- */

static void
test_hello (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autoptr(Ws) ws = NULL;
  g_autoptr(Ws) later = NULL;
  g_autofree char *path = NULL;
  g_autoptr(JsonNode) answer = NULL;
  guint status = 0;

  ws = ws_open (f->server, a, "A");
  g_assert_cmpstr (ws->hello_cursor, !=, "");
  cursor_value (ws->hello_cursor);

  /* The hello cursor is a sync cursor: nothing came after it. */
  path = g_strdup_printf ("/api/v1/sync?since=%s", ws->hello_cursor);
  answer = tc_test_request (f->server, "GET", path, a, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpuint (json_array_get_length (tc_test_get_array (tc_test_object (answer), "events")),
                    ==, 0);

  /* After an event, a new connection's hello is past it. */
  http_send (f, a, "B", "moves the cursor");
  {
    g_autoptr(JsonNode) event = ws_wait (ws, match_type, "message", "message event");

    later = ws_open (f->server, a, "A2");
    g_assert_cmpint (cursor_value (later->hello_cursor), >=,
                     tc_test_get_int (tc_test_object (event), "seq"));
  }
}

static void
test_unauthorized (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *logged_out = tc_test_login_as (f->server, "A");
  g_autofree char *logged_out_header = g_strconcat ("Bearer ", logged_out, NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  const char *authorizations[] = {
    NULL,
    "Bearer tc1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "Bearer ",
    "Basic YWxpY2U6cGFzc3dvcmQtQQ==",
    logged_out_header,
  };
  guint status = 0;

  {
    g_autoptr(JsonNode) answer = tc_test_request (f->server, "DELETE", "/api/v1/session",
                                                  logged_out, NULL, &status);

    g_assert_cmpuint (status, ==, 204);
  }
  for (guint i = 0; i < G_N_ELEMENTS (authorizations); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SoupWebsocketConnection) conn = NULL;

      g_test_message ("Authorization: %s", authorizations[i] ? authorizations[i] : "(none)");
      conn = ws_try_connect (f->server, session, authorizations[i], &status, &error);
      g_assert_null (conn);
      g_assert_nonnull (error);
      g_assert_cmpuint (status, ==, 401);
    }
}

static void
test_message_live (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *b = tc_test_login_as (f->server, "B");
  g_autoptr(Ws) ws_a = ws_open (f->server, a, "A");
  g_autoptr(Ws) ws_b = ws_open (f->server, b, "B");
  g_autoptr(JsonNode) at_a = NULL;
  g_autoptr(JsonNode) at_b = NULL;
  g_autoptr(JsonNode) reply_at_a = NULL;
  g_autoptr(JsonNode) synced = NULL;
  g_autofree char *path = NULL;
  JsonObject *message;
  JsonArray *events;
  gint64 id, reply_id;
  guint status = 0;

  id = http_send (f, b, "A", "live from B");
  at_a = ws_wait (ws_a, match_message_event, &id, "message event");
  at_b = ws_wait (ws_b, match_message_event, &id, "message event (sender's own)");
  g_assert_cmpint (tc_test_get_int (tc_test_object (at_a), "seq"), >,
                   cursor_value (ws_a->hello_cursor));
  g_assert_cmpint (tc_test_get_int (tc_test_object (at_b), "seq"), >,
                   cursor_value (ws_b->hello_cursor));
  message = tc_test_get_object (tc_test_object (at_a), "message");
  g_assert_cmpstr (tc_test_get_string (message, "from"), ==, "B");
  g_assert_cmpstr (tc_test_get_string (message, "to"), ==, "A");
  g_assert_cmpstr (tc_test_get_string (message, "body"), ==, "live from B");

  /* Events come in seq order. */
  reply_id = http_send (f, a, "B", "and back");
  reply_at_a = ws_wait (ws_a, match_message_event, &reply_id, "message event");
  g_assert_cmpint (tc_test_get_int (tc_test_object (reply_at_a), "seq"), >,
                   tc_test_get_int (tc_test_object (at_a), "seq"));

  /* The same objects as sync. */
  path = g_strdup_printf ("/api/v1/sync?since=%s", ws_a->hello_cursor);
  synced = tc_test_request (f->server, "GET", path, a, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  events = tc_test_get_array (tc_test_object (synced), "events");
  g_assert_cmpuint (json_array_get_length (events), ==, 2);
  g_assert_cmpint (tc_test_get_int (json_array_get_object_element (events, 0), "seq"), ==,
                   tc_test_get_int (tc_test_object (at_a), "seq"));
  g_assert_cmpint (tc_test_get_int (tc_test_get_object (json_array_get_object_element (events, 0),
                                                        "message"), "id"), ==, id);
}

static void
test_send_frame (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *b = tc_test_login_as (f->server, "B");
  g_autoptr(Ws) ws_a = ws_open (f->server, a, "A");
  g_autoptr(Ws) ws_b = ws_open (f->server, b, "B");
  g_autofree char *client_id = tc_test_uuid ();
  g_autofree char *first = send_frame ("r1", client_id, TO ("B"), "over the socket");
  g_autofree char *again = send_frame ("r2", client_id, TO ("B"), "over the socket");
  g_autoptr(JsonNode) ack = NULL;
  g_autoptr(JsonNode) ack_again = NULL;
  g_autoptr(JsonNode) event = NULL;
  g_autoptr(JsonArray) history = NULL;
  JsonArray *messages, *messages_again;
  JsonObject *message;
  gint64 id;

  ws_send_text (ws_a, first);
  ack = ws_wait (ws_a, match_ref_string, "r1", "ack of r1");
  g_assert_cmpstr (frame_type (ack), ==, "ack");
  messages = tc_test_get_array (tc_test_object (ack), "messages");
  g_assert_cmpuint (json_array_get_length (messages), ==, 1);
  message = json_array_get_object_element (messages, 0);
  id = tc_test_get_int (message, "id");
  g_assert_cmpstr (tc_test_get_string (message, "client_id"), ==, client_id);
  g_assert_cmpstr (tc_test_get_string (message, "from"), ==, "A");
  g_assert_cmpstr (tc_test_get_string (message, "to"), ==, "B");
  g_assert_cmpstr (tc_test_get_string (message, "body"), ==, "over the socket");

  event = ws_wait (ws_b, match_message_event, &id, "message event");

  /* A duplicate: the same messages, nothing new. */
  ws_send_text (ws_a, again);
  ack_again = ws_wait (ws_a, match_ref_string, "r2", "ack of r2");
  g_assert_cmpstr (frame_type (ack_again), ==, "ack");
  messages_again = tc_test_get_array (tc_test_object (ack_again), "messages");
  g_assert_cmpuint (json_array_get_length (messages_again), ==, 1);
  g_assert_cmpint (tc_test_get_int (json_array_get_object_element (messages_again, 0), "id"), ==,
                   id);
  ws_barrier (ws_b);
  g_assert_null (ws_take (ws_b, match_message_event, &id));
  history = tc_test_history (f->server, a, "B");
  g_assert_cmpuint (json_array_get_length (history), ==, 1);

  /* Several recipients; no ref: the ack's ref is the client_id. */
  {
    g_autofree char *multi_id = tc_test_uuid ();
    g_autofree char *multi = send_frame (NULL, multi_id, TO ("B", "C"), "to both");
    g_autoptr(JsonNode) multi_ack = NULL;

    ws_send_text (ws_a, multi);
    multi_ack = ws_wait (ws_a, match_ref_string, multi_id, "ack with the client_id as ref");
    g_assert_cmpstr (frame_type (multi_ack), ==, "ack");
    tc_test_assert_id_set (tc_test_get_array (tc_test_object (multi_ack), "messages"), "to",
                           TO ("B", "C"));
  }
}

static void
test_read_frame (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *b = tc_test_login_as (f->server, "B");
  g_autoptr(Ws) ws_a = ws_open (f->server, a, "A");
  g_autoptr(Ws) ws_b = ws_open (f->server, b, "B");
  g_autoptr(JsonNode) ack = NULL;
  g_autoptr(JsonNode) receipt = NULL;
  g_autoptr(JsonNode) own = NULL;
  g_autoptr(JsonArray) history = NULL;
  g_autofree char *frame = NULL;
  JsonObject *object;
  JsonNode *ref;
  gint64 id;

  id = http_send (f, b, "A", "please read me");
  {
    g_autoptr(JsonNode) event = ws_wait (ws_a, match_message_event, &id, "message event");
  }

  frame = g_strdup_printf ("{\"type\":\"read\",\"ref\":7,\"peer\":\"B\",\"up_to\":%" G_GINT64_FORMAT
                           "}", id);
  ws_send_text (ws_a, frame);
  ack = ws_wait (ws_a, match_answer, NULL, "answer to the read frame");
  object = tc_test_object (ack);
  g_assert_cmpstr (tc_test_get_string (object, "type"), ==, "ack");
  ref = json_object_get_member (object, "ref");
  g_assert_nonnull (ref);
  g_assert_cmpint (json_node_get_value_type (ref), ==, G_TYPE_INT64);
  g_assert_cmpint (json_node_get_int (ref), ==, 7);

  /* The sender gets a read receipt, the reader's own devices the marker. */
  receipt = ws_wait (ws_b, match_type, "read", "read event");
  object = tc_test_object (receipt);
  g_assert_cmpstr (tc_test_get_string (object, "by"), ==, "A");
  g_assert_cmpstr (tc_test_get_string (object, "peer"), ==, "B");
  g_assert_cmpint (tc_test_get_int (object, "up_to"), ==, id);
  g_assert_cmpint (tc_test_get_int (object, "seq"), >, cursor_value (ws_b->hello_cursor));
  own = ws_wait (ws_a, match_type, "read", "read event (own marker)");
  g_assert_cmpstr (tc_test_get_string (tc_test_object (own), "by"), ==, "A");

  history = tc_test_history (f->server, b, "A");
  g_assert_true (tc_test_get_bool (json_array_get_object_element (history, 0), "read"));
}

static void
test_ping (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autoptr(Ws) ws = ws_open (f->server, a, "A");
  g_autoptr(JsonNode) ack = NULL;
  g_autoptr(JsonNode) bare = NULL;
  g_autoptr(JsonNode) object_ref = NULL;

  ws_send_text (ws, "{\"type\":\"ping\",\"ref\":\"p1\"}");
  ack = ws_wait (ws, match_ref_string, "p1", "ping ack");
  g_assert_cmpstr (frame_type (ack), ==, "ack");

  /* No ref: the ack's ref is null. */
  ws_send_text (ws, "{\"type\":\"ping\"}");
  bare = ws_wait (ws, match_answer, NULL, "ping ack");
  g_assert_cmpstr (frame_type (bare), ==, "ack");
  g_assert_true (tc_test_is_null_member (tc_test_object (bare), "ref"));

  /* Any JSON value is echoed. */
  ws_send_text (ws, "{\"type\":\"ping\",\"ref\":{\"n\":[1,2]}}");
  object_ref = ws_wait (ws, match_answer, NULL, "ping ack");
  g_assert_cmpstr (frame_type (object_ref), ==, "ack");
  {
    JsonObject *ref = tc_test_get_object (tc_test_object (object_ref), "ref");
    JsonArray *n = tc_test_get_array (ref, "n");

    g_assert_cmpuint (json_array_get_length (n), ==, 2);
  }
}

static void
test_garbage (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autoptr(Ws) ws = ws_open (f->server, a, "A");
  const char *garbage[] = {
    "this is not JSON",
    "{\"type\":",
    "[1,2,3]",
    "\"ping\"",
    "{}",
    "{\"type\":5}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (garbage); i++)
    {
      g_autoptr(JsonNode) error = NULL;

      g_test_message ("frame %s", garbage[i]);
      ws_send_text (ws, garbage[i]);
      error = ws_wait (ws, match_answer, NULL, "error frame");
      assert_error_frame (error, "invalid_request");
      /* Still usable. */
      ws_barrier (ws);
    }

  /* A binary frame is an error too, not the end. */
  {
    g_autoptr(JsonNode) error = NULL;

    soup_websocket_connection_send_binary (ws->conn, "\x01\x02\x03", 3);
    error = ws_wait (ws, match_answer, NULL, "error frame");
    assert_error_frame (error, NULL);
    ws_barrier (ws);
  }
  g_assert_false (ws->closed);
}

static void
test_unknown_type (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autoptr(Ws) ws = ws_open (f->server, a, "A");
  g_autoptr(JsonNode) error = NULL;
  JsonNode *ref;

  ws_send_text (ws, "{\"type\":\"dance\",\"ref\":1}");
  error = ws_wait (ws, match_answer, NULL, "error frame");
  assert_error_frame (error, "invalid_request");
  ref = json_object_get_member (tc_test_object (error), "ref");
  g_assert_cmpint (json_node_get_value_type (ref), ==, G_TYPE_INT64);
  g_assert_cmpint (json_node_get_int (ref), ==, 1);
  ws_barrier (ws);
}

static void
test_invalid_send (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autoptr(Ws) ws = ws_open (f->server, a, "A");
  g_autofree char *client_id = tc_test_uuid ();
  g_autofree char *long_body = g_strnfill (4001, 'x');
  g_autofree char *no_body = send_frame ("no-body", client_id, TO ("B"), NULL);
  g_autofree char *unknown = send_frame ("unknown", client_id, TO ("NOPE"), "x");
  g_autofree char *too_long = send_frame ("too-long", client_id, TO ("B"), long_body);
  g_autofree char *bad_uuid = send_frame ("bad-uuid", "not-a-uuid", TO ("B"), "x");
  const struct {
    const char *frame;
    const char *ref;
    const char *code;
  } cases[] = {
    { no_body, "no-body", "invalid_request" },
    { unknown, "unknown", "invalid_request" },
    { too_long, "too-long", "too_large" },
    { bad_uuid, "bad-uuid", "invalid_request" },
    { "{\"type\":\"send\",\"ref\":\"types\",\"client_id\":5,\"to\":\"B\",\"body\":1}", "types",
      "invalid_request" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) error = NULL;

      ws_send_text (ws, cases[i].frame);
      error = ws_wait (ws, match_ref_string, cases[i].ref, "error frame");
      assert_error_frame (error, cases[i].code);
    }
  {
    g_autoptr(JsonArray) history = tc_test_history (f->server, a, "B");

    g_assert_cmpuint (json_array_get_length (history), ==, 0);
  }
}

static void
test_off_team (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *b = tc_test_login_as (f->server, "B");
  g_autofree char *c = tc_test_login_as (f->server, "C");
  g_autoptr(Ws) ws_b = ws_open (f->server, b, "B");
  g_autoptr(Ws) ws_c = ws_open (f->server, c, "C");
  g_autofree char *client_id = tc_test_uuid ();
  g_autofree char *frame = send_frame ("off", client_id, TO ("C"), "hello sibling");
  g_autofree char *read = NULL;
  g_autoptr(JsonNode) error = NULL;
  g_autoptr(JsonNode) read_error = NULL;
  gint64 id;

  /* A message that exists, so only the team rule can refuse the read. */
  id = http_send (f, b, "A", "for the read frame");
  read = g_strdup_printf ("{\"type\":\"read\",\"ref\":\"off-read\",\"peer\":\"C\",\"up_to\":%"
                          G_GINT64_FORMAT "}", id);

  ws_send_text (ws_b, frame);
  error = ws_wait (ws_b, match_ref_string, "off", "error frame");
  assert_error_frame (error, "forbidden");
  ws_send_text (ws_b, read);
  read_error = ws_wait (ws_b, match_ref_string, "off-read", "error frame");
  assert_error_frame (read_error, "forbidden");

  /* Nothing reached C. */
  ws_barrier (ws_b);
  ws_barrier (ws_c);
  g_assert_null (ws_take (ws_c, match_type, "message"));
}

static gboolean
member_online (Fixture    *f,
               const char *token,
               const char *id)
{
  g_autoptr(JsonNode) answer = NULL;
  JsonArray *members;
  guint status = 0;

  answer = tc_test_request (f->server, "GET", "/api/v1/team", token, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  members = tc_test_get_array (tc_test_object (answer), "members");
  for (guint i = 0; i < json_array_get_length (members); i++)
    {
      JsonObject *member = json_array_get_object_element (members, i);

      if (g_str_equal (tc_test_get_string (member, "id"), id))
        return tc_test_get_bool (member, "online");
    }
  g_error ("%s is not in the team list", id);
  return FALSE;
}

static void
test_presence (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *b = tc_test_login_as (f->server, "B");
  g_autofree char *g = tc_test_login_as (f->server, "G");
  g_autoptr(Ws) ws_a = ws_open (f->server, a, "A");
  g_autoptr(Ws) ws_g = ws_open (f->server, g, "G");
  g_autoptr(Ws) ws_b1 = NULL;
  g_autoptr(Ws) ws_b2 = NULL;
  g_autoptr(JsonNode) online = NULL;
  g_autoptr(JsonNode) offline = NULL;
  const PresenceMatch b_online = { "B", TRUE };
  const PresenceMatch b_offline = { "B", FALSE };

  g_assert_false (member_online (f, a, "B"));

  ws_b1 = ws_open (f->server, b, "B#1");
  online = ws_wait (ws_a, match_presence, &b_online, "presence of B (online)");
  tc_test_get_int (tc_test_object (online), "seq");
  g_assert_true (member_online (f, a, "B"));
  {
    /* /me and the dashboard agree. */
    g_autoptr(JsonNode) dashboard = NULL;
    guint status = 0;

    dashboard = tc_test_request (f->server, "GET", "/api/v1/team/B", a, NULL, &status);
    g_assert_cmpuint (status, ==, 200);
    g_assert_true (tc_test_get_bool (tc_test_object (dashboard), "online"));
  }

  /* Who was online already comes with the hello: A for B, B for A's next
   * connection, nobody for G (and never G, who is on nobody's team). */
  g_assert_cmpstr (ws_b1->hello_online, ==, "A");
  g_assert_cmpstr (ws_g->hello_online, ==, "");
  {
    g_autoptr(Ws) ws_a2 = ws_open (f->server, a, "A#2");
    g_assert_cmpstr (ws_a2->hello_online, ==, "B");
  }

  /* A second connection changes nothing: B is online already. */
  ws_b2 = ws_open (f->server, b, "B#2");
  ws_barrier (ws_b2);
  ws_barrier (ws_a);
  g_assert_null (ws_take (ws_a, match_presence_of, "B"));

  /* Closing one of two: still online. */
  ws_close (ws_b1);
  ws_barrier (ws_b2);
  ws_barrier (ws_a);
  g_assert_null (ws_take (ws_a, match_presence_of, "B"));
  g_assert_true (member_online (f, a, "B"));

  /* The last one: offline. */
  ws_close (ws_b2);
  offline = ws_wait (ws_a, match_presence, &b_offline, "presence of B (offline)");
  g_assert_false (member_online (f, a, "B"));

  /* G is on nobody's team and heard nothing of B. */
  ws_barrier (ws_g);
  g_assert_null (ws_take (ws_g, match_presence_of, "B"));
  g_assert_null (ws_take (ws_g, match_type, "presence"));
}

static void
test_frame_too_big (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autoptr(Ws) ws = ws_open (f->server, a, "A");
  g_autofree char *padding = g_strnfill (70 * 1024, ' ');
  g_autofree char *frame = g_strconcat ("{\"type\":\"ping\",\"ref\":\"big\"", padding, "}", NULL);

  ws_send_text (ws, frame);
  run_until (ws_is_closed, ws, "close after a frame over 64 KiB");
  /* The server closes with 1009; the close frame itself may be lost when
   * the socket is reset with the rest of the big frame still unread, so
   * only a close code that did arrive is checked. */
  g_test_message ("close code %u", soup_websocket_connection_get_close_code (ws->conn));
  if (soup_websocket_connection_get_close_code (ws->conn) != 0)
    g_assert_cmpuint (soup_websocket_connection_get_close_code (ws->conn), ==,
                      SOUP_WEBSOCKET_CLOSE_TOO_BIG);
  g_assert_null (ws_take (ws, match_ref_string, "big"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/ws/hello", test_hello);
  ADD ("/ws/unauthorized", test_unauthorized);
  ADD ("/ws/message-live", test_message_live);
  ADD ("/ws/send", test_send_frame);
  ADD ("/ws/read", test_read_frame);
  ADD ("/ws/ping", test_ping);
  ADD ("/ws/garbage", test_garbage);
  ADD ("/ws/unknown-type", test_unknown_type);
  ADD ("/ws/invalid-send", test_invalid_send);
  ADD ("/ws/off-team", test_off_team);
  ADD ("/ws/presence", test_presence);
  ADD ("/ws/frame-too-big", test_frame_too_big);

  return g_test_run ();
}
