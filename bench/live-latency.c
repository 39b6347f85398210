/* live-latency.c: how long a message takes from POST /api/v1/messages on
 * one server process to the recipient's WebSocket, on the same process or
 * on another one sharing the database (bench/cluster.sh runs it).
 *
 * bench-live-latency SEND_URL RECV_URL SENDER_TOKEN RECIPIENT_TOKEN RECIPIENT_ID N
 *
 * Closed loop: each message is sent when the previous one has arrived, so
 * the figures are latencies without queueing. Prints the percentiles of
 * the 201 (durable commit) and of the live event's arrival, both from the
 * moment the request is sent.
 */
#include <string.h>
#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

typedef struct {
  GMainLoop               *loop;
  SoupSession             *session;
  SoupWebsocketConnection *ws;
  const char              *send_url;
  const char              *sender_token;
  const char              *recipient_id;
  guint                    n;
  guint                    sent;
  gint64                   started;
  gboolean                 acked;
  gboolean                 arrived;
  GArray                  *ack_ms;
  GArray                  *live_ms;
} Bench;

static void send_next (Bench *bench);

static void
maybe_next (Bench *bench)
{
  if (!bench->acked || !bench->arrived)
    return;
  if (bench->sent == bench->n)
    g_main_loop_quit (bench->loop);
  else
    send_next (bench);
}

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Bench *bench = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  double ms = (g_get_monotonic_time () - bench->started) / 1000.0;

  if (body == NULL || soup_message_get_status (msg) != 201)
    g_error ("send failed: %s (HTTP %u)", error != NULL ? error->message : "",
             soup_message_get_status (msg));
  g_array_append_val (bench->ack_ms, ms);
  bench->acked = TRUE;
  maybe_next (bench);
}

static void
send_next (Bench *bench)
{
  g_autofree char *client_id = g_uuid_string_random ();
  g_autofree char *url = g_strconcat (bench->send_url, "/api/v1/messages", NULL);
  g_autofree char *auth = g_strconcat ("Bearer ", bench->sender_token, NULL);
  g_autofree char *text = g_strdup_printf ("{\"client_id\":\"%s\",\"to\":[\"%s\"],"
                                           "\"body\":\"live %u\"}",
                                           client_id, bench->recipient_id, bench->sent);
  g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  bench->acked = FALSE;
  bench->arrived = FALSE;
  bench->sent++;
  bench->started = g_get_monotonic_time ();
  soup_session_send_and_read_async (bench->session, msg, G_PRIORITY_DEFAULT, NULL, sent_cb, bench);
}

static void
message_cb (SoupWebsocketConnection *ws,
            int                      type,
            GBytes                  *message,
            gpointer                 user_data)
{
  Bench *bench = user_data;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *expected = g_strdup_printf ("live %u", bench->sent - 1);
  JsonObject *frame, *body;
  gsize len;
  const char *data = g_bytes_get_data (message, &len);
  double ms;

  if (!json_parser_load_from_data (parser, data, (gssize) len, NULL))
    return;
  frame = json_node_get_object (json_parser_get_root (parser));
  if (g_strcmp0 (json_object_get_string_member_with_default (frame, "type", ""), "hello") == 0)
    {
      send_next (bench);
      return;
    }
  if (g_strcmp0 (json_object_get_string_member_with_default (frame, "type", ""), "message") != 0)
    return;
  body = json_object_get_object_member (frame, "message");
  if (bench->sent == 0 ||
      g_strcmp0 (json_object_get_string_member_with_default (body, "body", ""), expected) != 0)
    return;
  ms = (g_get_monotonic_time () - bench->started) / 1000.0;
  g_array_append_val (bench->live_ms, ms);
  bench->arrived = TRUE;
  maybe_next (bench);
}

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Bench *bench = user_data;
  g_autoptr(GError) error = NULL;

  bench->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (bench->ws == NULL)
    g_error ("WebSocket: %s", error->message);
  g_signal_connect (bench->ws, "message", G_CALLBACK (message_cb), bench);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static void
print_percentiles (const char *what,
                   GArray     *values)
{
  double p50, p90, p99, max;

  g_array_sort (values, compare_doubles);
  p50 = g_array_index (values, double, values->len / 2);
  p90 = g_array_index (values, double, values->len * 9 / 10);
  p99 = g_array_index (values, double, MIN (values->len - 1, values->len * 99 / 100));
  max = g_array_index (values, double, values->len - 1);
  g_print ("%s: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms (%u messages)\n", what, p50,
           p90, p99, max, values->len);
}

int
main (int    argc,
      char **argv)
{
  Bench bench = { 0, };
  g_autofree char *ws_url = NULL;
  g_autofree char *auth = NULL;
  g_autoptr(SoupMessage) msg = NULL;

  if (argc != 7)
    {
      g_printerr ("usage: %s SEND_URL RECV_URL SENDER_TOKEN RECIPIENT_TOKEN RECIPIENT_ID N\n",
                  argv[0]);
      return 2;
    }
  bench.send_url = argv[1];
  bench.sender_token = argv[3];
  bench.recipient_id = argv[5];
  bench.n = (guint) g_ascii_strtoull (argv[6], NULL, 10);
  if (bench.n == 0)
    return 2;
  bench.loop = g_main_loop_new (NULL, FALSE);
  bench.session = soup_session_new ();
  bench.ack_ms = g_array_new (FALSE, FALSE, sizeof (double));
  bench.live_ms = g_array_new (FALSE, FALSE, sizeof (double));

  ws_url = g_strconcat (g_str_has_prefix (argv[2], "https") ? "wss" : "ws",
                        strchr (argv[2], ':'), "/api/v1/ws", NULL);
  msg = soup_message_new ("GET", ws_url);
  auth = g_strconcat ("Bearer ", argv[4], NULL);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_session_websocket_connect_async (bench.session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        connected_cb, &bench);
  g_main_loop_run (bench.loop);

  print_percentiles ("201 (committed)", bench.ack_ms);
  print_percentiles ("live event at the recipient", bench.live_ms);

  soup_websocket_connection_close (bench.ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_clear_object (&bench.ws);
  g_object_unref (bench.session);
  g_main_loop_unref (bench.loop);
  g_array_unref (bench.ack_ms);
  g_array_unref (bench.live_ms);
  return 0;
}
