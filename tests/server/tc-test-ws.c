/* tc-test-ws.c: a small WebSocket client for integration tests */
#include "tc-test-ws.h"

#define GUARD_SECONDS 20

struct _TcTestWs {
  SoupSession             *session;
  SoupWebsocketConnection *conn;
  GQueue                   frames;     /* JsonNode, not taken yet */
  JsonNode                *hello;
  gboolean                 closed;
  guint                    next_ref;
};

typedef gboolean (*Done) (TcTestWs *self, gpointer data);

static gboolean
guard_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
iterate_until_guarded (TcTestWs   *self,
                       Done        done,
                       gpointer    data,
                       guint       seconds,
                       const char *what)
{
  gboolean expired = FALSE;
  guint guard = g_timeout_add_seconds (seconds, guard_cb, &expired);

  while (!done (self, data))
    {
      if (expired)
        g_error ("no %s after %u s", what, seconds);
      g_main_context_iteration (NULL, TRUE);
    }
  if (!expired)
    g_source_remove (guard);
}

static void
iterate_until (TcTestWs   *self,
               Done        done,
               gpointer    data,
               const char *what)
{
  iterate_until_guarded (self, done, data, GUARD_SECONDS, what);
}

static void
message_cb (SoupWebsocketConnection *conn,
            int                      type,
            GBytes                  *message,
            gpointer                 user_data)
{
  TcTestWs *self = user_data;
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len;
  const char *data = g_bytes_get_data (message, &len);

  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    g_error ("the server sent a binary frame");
  /* What the server writes must be JSON, whatever it was sent. */
  if (!json_parser_load_from_data (parser, data, (gssize) len, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    g_error ("the server sent a frame that is not a JSON object: %.*s", (int) MIN (len, 500),
             data);
  g_queue_push_tail (&self->frames, json_node_copy (json_parser_get_root (parser)));
}

static void
closed_cb (SoupWebsocketConnection *conn,
           gpointer                 user_data)
{
  ((TcTestWs *) user_data)->closed = TRUE;
}

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
has_result (TcTestWs *self,
            gpointer  data)
{
  return *(GAsyncResult **) data != NULL;
}

TcTestWs *
tc_test_ws_connect (TcTestServer *server,
                    const char   *authorization,
                    guint        *out_status)
{
  g_autofree char *url = tc_test_server_ws_url (server);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  TcTestWs *self = g_new0 (TcTestWs, 1);

  g_queue_init (&self->frames);
  self->session = soup_session_new ();
  if (authorization != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                  authorization);
  soup_session_websocket_connect_async (self->session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        connected_cb, &result);
  iterate_until (self, has_result, &result, "WebSocket handshake");
  self->conn = soup_session_websocket_connect_finish (self->session, result, &error);
  g_object_unref (result);
  if (out_status != NULL)
    *out_status = soup_message_get_status (msg);
  if (self->conn == NULL)
    {
      tc_test_ws_free (self);
      return NULL;
    }
  g_signal_connect (self->conn, "message", G_CALLBACK (message_cb), self);
  g_signal_connect (self->conn, "closed", G_CALLBACK (closed_cb), self);
  return self;
}

static gboolean
has_frame (TcTestWs *self,
           gpointer  data)
{
  return !g_queue_is_empty (&self->frames) || self->closed;
}

TcTestWs *
tc_test_ws_open (TcTestServer *server,
                 const char   *token)
{
  g_autofree char *authorization = g_strconcat ("Bearer ", token, NULL);
  g_autoptr(JsonNode) hello = NULL;
  guint status = 0;
  TcTestWs *self = tc_test_ws_connect (server, authorization, &status);

  g_assert_cmpuint (status, ==, 101);
  g_assert_nonnull (self);
  iterate_until (self, has_frame, NULL, "hello frame");
  g_assert_false (self->closed);
  hello = g_queue_pop_head (&self->frames);
  g_assert_cmpstr (tc_test_get_string (tc_test_object (hello), "type"), ==, "hello");
  self->hello = g_steal_pointer (&hello);
  return self;
}

void
tc_test_ws_free (TcTestWs *self)
{
  if (self == NULL)
    return;
  if (self->conn != NULL)
    {
      if (!self->closed &&
          soup_websocket_connection_get_state (self->conn) == SOUP_WEBSOCKET_STATE_OPEN)
        {
          soup_websocket_connection_close (self->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
          tc_test_ws_wait_closed (self);
        }
      g_signal_handlers_disconnect_by_data (self->conn, self);
    }
  g_clear_object (&self->conn);
  g_clear_object (&self->session);
  g_queue_clear_full (&self->frames, (GDestroyNotify) json_node_unref);
  g_clear_pointer (&self->hello, json_node_unref);
  g_free (self);
}

void
tc_test_ws_send_text (TcTestWs   *self,
                      const char *text)
{
  g_assert_false (self->closed);
  soup_websocket_connection_send_text (self->conn, text);
}

typedef struct {
  const char *ref;
  JsonNode   *found;
} Answer;

static gboolean
is_answer (JsonObject *frame)
{
  const char *type = json_object_get_string_member_with_default (frame, "type", "");

  return g_str_equal (type, "ack") || g_str_equal (type, "error");
}

static gboolean
answer_arrived (TcTestWs *self,
                gpointer  data)
{
  Answer *answer = data;

  for (GList *l = self->frames.head; l != NULL; l = l->next)
    {
      JsonObject *frame = json_node_get_object (l->data);
      JsonNode *ref = json_object_get_member (frame, "ref");

      if (is_answer (frame) && ref != NULL && JSON_NODE_HOLDS_VALUE (ref) &&
          json_node_get_value_type (ref) == G_TYPE_STRING &&
          g_str_equal (json_node_get_string (ref), answer->ref))
        {
          answer->found = l->data;
          g_queue_delete_link (&self->frames, l);
          return TRUE;
        }
    }
  return self->closed;
}

JsonNode *
tc_test_ws_request (TcTestWs   *self,
                    const char *text,
                    const char *ref)
{
  Answer answer = { ref, NULL };

  tc_test_ws_send_text (self, text);
  iterate_until (self, answer_arrived, &answer, "answer");
  return answer.found;
}

GPtrArray *
tc_test_ws_drain (TcTestWs *self)
{
  g_autofree char *ref = g_strdup_printf ("drain-%u", ++self->next_ref);
  g_autofree char *ping = g_strdup_printf ("{\"type\":\"ping\",\"ref\":\"%s\"}", ref);
  g_autoptr(JsonNode) ack = tc_test_ws_request (self, ping, ref);
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  JsonNode *frame;

  g_assert_nonnull (ack);
  while ((frame = g_queue_pop_head (&self->frames)) != NULL)
    {
      if (is_answer (json_node_get_object (frame)))
        json_node_unref (frame);
      else
        g_ptr_array_add (events, frame);
    }
  return events;
}

static gboolean
is_closed (TcTestWs *self,
           gpointer  data)
{
  return self->closed;
}

gushort
tc_test_ws_wait_closed (TcTestWs *self)
{
  iterate_until (self, is_closed, NULL, "close");
  return soup_websocket_connection_get_close_code (self->conn);
}

gboolean
tc_test_ws_is_closed (TcTestWs *self)
{
  return self->closed;
}

JsonObject *
tc_test_ws_get_hello (TcTestWs *self)
{
  g_assert_nonnull (self->hello);
  return json_node_get_object (self->hello);
}

typedef struct {
  TcTestWsMatch  match;
  gpointer       data;
  JsonNode      *found;
} Wanted;

static gboolean
wanted_arrived (TcTestWs *self,
                gpointer  data)
{
  Wanted *wanted = data;

  for (GList *l = self->frames.head; l != NULL; l = l->next)
    if (wanted->match (json_node_get_object (l->data), wanted->data))
      {
        wanted->found = l->data;
        g_queue_delete_link (&self->frames, l);
        return TRUE;
      }
  return self->closed;
}

JsonNode *
tc_test_ws_wait_for (TcTestWs      *self,
                     TcTestWsMatch  match,
                     gpointer       data,
                     guint          seconds,
                     const char    *what)
{
  Wanted wanted = { match, data, NULL };

  iterate_until_guarded (self, wanted_arrived, &wanted, seconds, what);
  return wanted.found;
}
