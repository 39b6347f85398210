/* ws-client.c: many WebSocket clients in one process, for bench/live.sh
 *
 *   bench-ws-client prepare DB N
 *     Adds N associates in pairs (B00000 sponsors B00001, B00002 sponsors
 *     B00003, …: each pair is a team) and a session for each, whose token
 *     is "bench-token-<i>". Written with SQL straight into the database:
 *     argon2id for thousands of passwords and logins is not what these
 *     benchmarks measure.
 *
 *   bench-ws-client live URL N RATE SECONDS
 *     Opens N connections (associate i with token i), waits for every
 *     hello, then sends RATE messages a second for SECONDS as "send" frames
 *     (what the app does), each from associate i to its partner, i going
 *     round. Times each from the moment its frame is handed to libsoup to
 *     the "message" event on the recipient's connection, and to the "ack"
 *     on the sender's. Prints percentiles.
 *
 *   bench-ws-client idle URL PID N1 [N2 …]
 *     Warms the server up (opens and closes 256 connections, so that its
 *     worker threads, their malloc arenas and its read connections exist),
 *     reads its RSS (/proc/PID/status), then opens N1 connections, waits
 *     for every hello and for the server to settle, reads the RSS again,
 *     then more up to N2, … Prints the RSS per connection at each step
 *     (from the warm baseline) and between steps.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libsoup/soup.h>

#include <json-glib/json-glib.h>

#include "tc-password.h"
#include "tc-store.h"
#include "tc-sqlite.h"

#define ID_FORMAT "B%05u"

/* --- prepare ---------------------------------------------------------------- */

static int
prepare (const char *path,
         guint       n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3) db = tc_sqlite_open (path, FALSE, &error);
  g_autoptr(sqlite3_stmt) associate = NULL;
  g_autoptr(sqlite3_stmt) session = NULL;
  gint64 now = g_get_real_time ();

  if (db == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  if (sqlite3_prepare_v2 (db,
                          "INSERT INTO associates (id, login, password_hash, name, email, "
                          "  sponsor_id, enroller_id, updated_at) "
                          "VALUES (?1, ?2, '!', ?3, ?4, ?5, ?5, ?6)",
                          -1, &associate, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (db,
                          "INSERT INTO sessions (token_hash, associate_id, device, created_at) "
                          "VALUES (?1, ?2, 'bench', ?3)",
                          -1, &session, NULL) != SQLITE_OK ||
      !tc_sqlite_exec (db, "BEGIN", &error))
    {
      g_printerr ("prepare: %s\n", error ? error->message : sqlite3_errmsg (db));
      return 1;
    }
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf (ID_FORMAT, i);
      g_autofree char *sponsor = i % 2 == 1 ? g_strdup_printf (ID_FORMAT, i - 1) : NULL;
      g_autofree char *name = g_strdup_printf ("Bench Associate %u", i);
      g_autofree char *email = g_strdup_printf ("bench%u@example.com", i);
      g_autofree char *token = g_strdup_printf ("bench-token-%u", i);
      guint8 hash[TC_TOKEN_HASH_LEN];

      sqlite3_reset (associate);
      sqlite3_bind_text (associate, 1, id, -1, SQLITE_STATIC);
      sqlite3_bind_text (associate, 2, id, -1, SQLITE_STATIC);
      sqlite3_bind_text (associate, 3, name, -1, SQLITE_STATIC);
      sqlite3_bind_text (associate, 4, email, -1, SQLITE_STATIC);
      if (sponsor != NULL)
        sqlite3_bind_text (associate, 5, sponsor, -1, SQLITE_STATIC);
      else
        sqlite3_bind_null (associate, 5);
      sqlite3_bind_int64 (associate, 6, now);
      tc_token_hash (token, hash);
      sqlite3_reset (session);
      sqlite3_bind_blob (session, 1, hash, sizeof hash, SQLITE_TRANSIENT);
      sqlite3_bind_text (session, 2, id, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (session, 3, now);
      if (sqlite3_step (associate) != SQLITE_DONE || sqlite3_step (session) != SQLITE_DONE)
        {
          g_printerr ("insert: %s\n", sqlite3_errmsg (db));
          return 1;
        }
    }
  if (!tc_sqlite_exec (db, "COMMIT", &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  printf ("prepared %u associates with sessions\n", n);
  return 0;
}

/* --- connections --------------------------------------------------------------- */

typedef struct {
  guint                    index;   /* of the associate and its token */
  SoupWebsocketConnection *ws;
  gboolean                 ready;     /* hello received */
} Client;

typedef struct {
  gint64 sent_at;    /* monotonic µs */
  gint64 acked_at;
  gint64 delivered_at;
} Timing;

static SoupSession *session;
static char *ws_url;
static GPtrArray *clients;        /* Client */
static guint n_ready;
static guint n_failed;
static GHashTable *timings;        /* client_id → Timing */
static GArray *delivery_us;
static GArray *ack_us;
static gboolean measuring;
static GMainLoop *loop;

static void
on_message_cb (SoupWebsocketConnection *ws,
               int                      type,
               GBytes                  *message,
               gpointer                 user_data)
{
  Client *client = user_data;
  gint64 now = g_get_monotonic_time ();
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  gsize len;
  const char *data = g_bytes_get_data (message, &len);
  JsonObject *object;
  const char *kind;

  if (!json_parser_load_from_data (parser, data, (gssize) len, NULL))
    return;
  object = json_node_get_object (json_parser_get_root (parser));
  kind = json_object_get_string_member_with_default (object, "type", "");
  if (g_str_equal (kind, "hello"))
    {
      if (!client->ready)
        {
          client->ready = TRUE;
          n_ready++;
        }
    }
  else if (g_str_equal (kind, "message") && measuring)
    {
      JsonObject *msg = json_object_get_object_member (object, "message");
      const char *client_id = json_object_get_string_member_with_default (msg, "client_id", "");
      g_autofree char *me = g_strdup_printf (ID_FORMAT, client->index);
      Timing *timing = g_hash_table_lookup (timings, client_id);

      /* The recipient's copy; the sender's own stream gets one too. */
      if (timing != NULL && timing->delivered_at == 0 &&
          g_strcmp0 (json_object_get_string_member_with_default (msg, "to", ""), me) == 0)
        {
          gint64 us = now - timing->sent_at;

          timing->delivered_at = now;
          g_array_append_val (delivery_us, us);
        }
    }
  else if (g_str_equal (kind, "ack") && measuring)
    {
      const char *ref = json_object_get_string_member_with_default (object, "ref", "");
      Timing *timing = g_hash_table_lookup (timings, ref);

      if (timing != NULL && timing->acked_at == 0)
        {
          gint64 us = now - timing->sent_at;

          timing->acked_at = now;
          g_array_append_val (ack_us, us);
        }
    }
  else if (g_str_equal (kind, "error"))
    g_printerr ("error frame: %.*s\n", (int) len, data);
}

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Client *client = user_data;
  g_autoptr(GError) error = NULL;

  client->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (client->ws == NULL)
    {
      if (n_failed++ < 5)
        g_printerr ("connection %u: %s\n", client->index, error->message);
      return;
    }
  soup_websocket_connection_set_keepalive_interval (client->ws, 0);
  g_signal_connect (client->ws, "message", G_CALLBACK (on_message_cb), client);
}


static void
open_one (void)
{
  Client *client = g_new0 (Client, 1);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", ws_url);
  g_autofree char *auth = NULL;

  client->index = clients->len;
  auth = g_strdup_printf ("Bearer bench-token-%u", client->index);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  g_ptr_array_add (clients, client);
  soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        connected_cb, client);
}

/* Opens connections up to @n, at most WINDOW handshakes at a time (as
 * clients that come and go would, rather than all in the same
 * millisecond), and runs the loop until each has its hello. */
static gboolean
connect_up_to (guint n)
{
  const guint window = 32;

  while (clients->len < n || n_ready + n_failed < clients->len)
    {
      while (clients->len < n && clients->len - (n_ready + n_failed) < window)
        open_one ();
      g_main_context_iteration (NULL, TRUE);
    }
  if (g_getenv ("BENCH_VERBOSE") != NULL)
    g_printerr ("%u connected, %u failed\n", n_ready, n_failed);
  return n_failed == 0;
}

static void
settle (guint ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < until)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

static SoupSession *
new_session (void)
{
  return soup_session_new_with_options ("max-conns", 100000, "max-conns-per-host", 100000,
                                        "timeout", 60, NULL);
}

/* --- live ------------------------------------------------------------------------ */

typedef struct {
  guint   rate;
  gint64  start;
  gint64  end;
  guint64 sent;
  guint   next_sender;
} Sender;

static gboolean
send_tick_cb (gpointer data)
{
  Sender *sender = data;
  gint64 now = g_get_monotonic_time ();
  guint64 due = (guint64) ((now - sender->start) * (double) sender->rate / G_USEC_PER_SEC);

  if (now >= sender->end)
    {
      g_main_loop_quit (loop);
      return G_SOURCE_REMOVE;
    }
  while (sender->sent < due)
    {
      Client *client = g_ptr_array_index (clients, sender->next_sender);
      guint peer = client->index ^ 1;
      g_autofree char *client_id = g_uuid_string_random ();
      g_autofree char *to = g_strdup_printf (ID_FORMAT, peer);
      g_autofree char *frame = NULL;
      Timing *timing = g_new0 (Timing, 1);

      sender->next_sender = (sender->next_sender + 1) % clients->len;
      if (peer >= clients->len)
        continue;
      frame = g_strdup_printf ("{\"type\":\"send\",\"ref\":\"%s\",\"client_id\":\"%s\","
                               "\"to\":[\"%s\"],\"body\":\"live delivery benchmark\"}",
                               client_id, client_id, to);
      timing->sent_at = g_get_monotonic_time ();
      g_hash_table_insert (timings, g_steal_pointer (&client_id), timing);
      soup_websocket_connection_send_text (client->ws, frame);
      sender->sent++;
    }
  return G_SOURCE_CONTINUE;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

static void
print_percentiles (const char *what,
                   GArray     *values,
                   guint64     expected)
{
  double p[] = { 0.5, 0.9, 0.99, 0.999 };

  if (values->len == 0)
    {
      printf ("%s: none of %" G_GUINT64_FORMAT "\n", what, expected);
      return;
    }
  g_array_sort (values, compare_gint64);
  printf ("%s: %u of %" G_GUINT64_FORMAT, what, values->len, expected);
  for (guint i = 0; i < G_N_ELEMENTS (p); i++)
    printf (", p%g %.2f ms", p[i] * 100,
            g_array_index (values, gint64, MIN (values->len - 1, (guint) (p[i] * values->len))) / 1000.0);
  printf (", max %.2f ms\n", g_array_index (values, gint64, values->len - 1) / 1000.0);
}

static int
live (guint  n,
      guint  rate,
      double seconds)
{
  Sender sender = { rate, 0, 0, 0, 0 };

  if (!connect_up_to (n))
    return 1;
  printf ("%u connections ready\n", clients->len);
  settle (1000);

  measuring = TRUE;
  sender.start = g_get_monotonic_time ();
  sender.end = sender.start + (gint64) (seconds * G_USEC_PER_SEC);
  g_timeout_add (1, send_tick_cb, &sender);
  g_main_loop_run (loop);
  settle (500);   /* the last events in flight */
  measuring = FALSE;

  printf ("%" G_GUINT64_FORMAT " messages in %.1f s (%.0f/s) over %u connections\n", sender.sent,
          seconds, sender.sent / seconds, n);
  print_percentiles ("send → recipient's event", delivery_us, sender.sent);
  print_percentiles ("send → ack", ack_us, sender.sent);
  return 0;
}

/* --- idle ------------------------------------------------------------------------- */

static gint64
rss_kib (const char *pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/status", pid);
  g_autofree char *text = NULL;
  const char *line;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return -1;
  line = strstr (text, "VmRSS:");
  return line != NULL ? g_ascii_strtoll (line + 6, NULL, 10) : -1;
}

static void
close_all (void)
{
  for (guint i = 0; i < clients->len; i++)
    {
      Client *client = g_ptr_array_index (clients, i);

      if (client->ws != NULL)
        soup_websocket_connection_close (client->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    }
  settle (2000);
  for (guint i = 0; i < clients->len; i++)
    {
      Client *client = g_ptr_array_index (clients, i);

      g_clear_object (&client->ws);
    }
  g_ptr_array_set_size (clients, 0);
  n_ready = 0;
  n_failed = 0;
}

static int
idle (const char *pid,
      char      **steps,
      int         n_steps)
{
  gint64 before, previous;
  guint previous_n = 0;

  if (!connect_up_to (256))
    return 1;
  close_all ();
  before = previous = rss_kib (pid);
  printf ("server RSS, warmed up, no connection: %" G_GINT64_FORMAT " KiB\n", before);
  for (int i = 0; i < n_steps; i++)
    {
      guint n = (guint) atoi (steps[i]);
      gint64 rss;

      if (!connect_up_to (n))
        return 1;
      settle (3000);   /* presence, hello and team loads done */
      rss = rss_kib (pid);
      printf ("%6u idle connections: server RSS %" G_GINT64_FORMAT " KiB, +%" G_GINT64_FORMAT
              " KiB: %.1f KiB per connection (%.1f KiB each from %u to %u)\n", n, rss,
              rss - before, (double) (rss - before) / n,
              (double) (rss - previous) / (n - previous_n), previous_n, n);
      previous = rss;
      previous_n = n;
    }
  return 0;
}

int
main (int    argc,
      char **argv)
{
  if (argc >= 4 && g_str_equal (argv[1], "prepare"))
    return prepare (argv[2], (guint) atoi (argv[3]));

  if (argc < 4)
    {
      g_printerr ("usage: %s prepare DB N | live URL N RATE SECONDS | idle URL PID N…\n", argv[0]);
      return 2;
    }
  setvbuf (stdout, NULL, _IOLBF, 0);
  session = new_session ();
  ws_url = g_strconcat (argv[2], "/api/v1/ws", NULL);
  clients = g_ptr_array_new ();
  timings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  delivery_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  ack_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  loop = g_main_loop_new (NULL, FALSE);

  if (g_str_equal (argv[1], "live") && argc >= 6)
    return live ((guint) atoi (argv[3]), (guint) atoi (argv[4]), g_ascii_strtod (argv[5], NULL));
  if (g_str_equal (argv[1], "idle") && argc >= 5)
    return idle (argv[3], argv + 4, argc - 4);
  g_printerr ("unknown command %s\n", argv[1]);
  return 2;
}
