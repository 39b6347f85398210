/* ws-load.c: many WebSocket clients exchanging messages with the real
 * teamchat-server, counting every message
 *
 * Usage: ws-load --server PATH [--groups G] [--group-size K]
 *                [--connections-per-account C] [--seconds S] [--rate R]
 *
 * Makes a team of G groups of K associates (the first of each group
 * sponsors the others; leader and members are each other's team), imports
 * it into a fresh database, starts `teamchat-server serve` on it, logs
 * every associate in and opens C WebSockets for each (G × K × C clients,
 * like associates with several devices). For S seconds it then sends R
 * messages a second over randomly chosen connections, each from that
 * connection's associate to one of their team (leader ↔ member), as
 * `send` frames.
 *
 * Afterwards every acknowledged message must have reached every open
 * connection of its sender and of its recipient exactly once, as a
 * `message` event; every send must have been acknowledged; no connection
 * may have closed and no frame may have been refused. The exit status is 0
 * only then. It prints the figures: clients, messages, events, errors,
 * lost and duplicated deliveries, latencies, and the server's memory and
 * CPU time, with the memory per connection.
 *
 * The file-descriptor limit is raised to the hard limit first (the
 * server, started from here, inherits it).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#define MAX_HANDSHAKES  64
#define MAX_LOGINS      16
#define GUARD_SECONDS   300

typedef struct _Account Account;

typedef struct {
  guint                    index;
  Account                 *account;
  SoupWebsocketConnection *ws;
  GHashTable              *seen;     /* message id → times received */
  gboolean                 ready;    /* hello received */
  gboolean                 barrier;  /* the final ping answered */
} Client;

struct _Account {
  char      *id;
  char      *login;
  char      *password;
  char      *token;
  GPtrArray *partners;   /* Account *, unowned: whom they may write to */
  GPtrArray *clients;    /* Client *, unowned */
};

typedef struct {
  char    *client_id;
  Account *from;
  Account *to;
  gint64   sent_at;
  gint64   acked_at;
  gint64   delivered_at;   /* first event at the recipient */
  gint64   id;             /* 0 until acknowledged */
} Sent;

typedef struct {
  char        *server_path;
  char        *dir;
  GSubprocess *server;
  char        *url;
  SoupSession *session;
  GPtrArray   *accounts;      /* Account * */
  GPtrArray   *clients;       /* Client * */
  GHashTable  *sent;          /* client id → Sent * */
  GArray      *ack_latency;   /* gint64 µs */
  GArray      *delivery_latency;
  guint        logged_in;
  guint        logins_started;
  guint        opened;
  guint        handshakes_started;
  guint        handshakes_done;
  guint        hellos;
  guint        acked;
  guint        errors;
  guint        closed;
  guint        barriers;
  guint64      events;
  GRand       *rand;
} Load;

static Load load;

static void
fail (const char *format,
      ...) G_GNUC_PRINTF (1, 2);

static void
fail (const char *format,
      ...)
{
  va_list args;

  va_start (args, format);
  fprintf (stderr, "ws-load: ");
  vfprintf (stderr, format, args);
  fprintf (stderr, "\n");
  va_end (args);
  if (load.server != NULL)
    g_subprocess_force_exit (load.server);
  exit (2);
}

static gboolean
guard_cb (gpointer data)
{
  fail ("%s did not finish within %d s", (const char *) data, GUARD_SECONDS);
  return G_SOURCE_REMOVE;
}

static void
run_until (gboolean   (*done) (void),
           const char  *what)
{
  guint guard = g_timeout_add_seconds (GUARD_SECONDS, guard_cb, (gpointer) what);

  while (!done ())
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (guard);
}

/* --- the server ------------------------------------------------------------------ */

static guint64
server_status_kib (const char *field)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/status",
                                           g_subprocess_get_identifier (load.server));
  g_autofree char *text = NULL;
  g_autofree char *key = g_strconcat (field, ":", NULL);
  const char *line;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (line = strstr (text, key)) == NULL)
    return 0;
  return g_ascii_strtoull (line + strlen (key), NULL, 10);
}

/* utime + stime of the server, in seconds. */
static double
server_cpu_seconds (void)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/stat", g_subprocess_get_identifier (load.server));
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (after = strrchr (text, ')')) == NULL)
    return 0;
  fields = g_strsplit (after + 2, " ", -1);
  /* Fields 14 and 15 of the whole line; 12 and 13 after "pid (comm) ". */
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) /
         sysconf (_SC_CLK_TCK);
}

static void
make_team (guint groups,
           guint group_size)
{
  g_autoptr(GString) csv = g_string_new ("id,login,password,name,email,phone,sponsor_id,"
                                         "enroller_id,marketing_site_url,offline_channel\n");
  g_autofree char *path = g_build_filename (load.dir, "team.csv", NULL);
  g_autofree char *db = g_build_filename (load.dir, "load.db", NULL);
  g_autoptr(GSubprocess) import = NULL;
  g_autoptr(GError) error = NULL;

  for (guint g = 0; g < groups; g++)
    {
      Account *leader = NULL;

      for (guint m = 0; m < group_size; m++)
        {
          guint i = g * group_size + m;
          Account *account = g_new0 (Account, 1);

          account->id = g_strdup_printf ("L%05u", i);
          account->login = g_strdup_printf ("load%05u", i);
          account->password = g_strdup_printf ("password-%05u", i);
          account->partners = g_ptr_array_new ();
          account->clients = g_ptr_array_new ();
          g_string_append_printf (csv, "%s,%s,%s,Load Tester %05u,%s@example.com,+1555%07u,%s,%s,,"
                                  "email\n", account->id, account->login, account->password, i,
                                  account->login, i, leader ? leader->id : "",
                                  leader ? leader->id : "");
          if (leader == NULL)
            leader = account;
          else
            {
              g_ptr_array_add (leader->partners, account);
              g_ptr_array_add (account->partners, leader);
            }
          g_ptr_array_add (load.accounts, account);
        }
    }
  if (!g_file_set_contents (path, csv->str, (gssize) csv->len, &error))
    fail ("%s", error->message);
  import = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                             &error, load.server_path, "import-associates", "--db", db, path, NULL);
  if (import == NULL || !g_subprocess_wait_check (import, NULL, &error))
    fail ("import-associates: %s", error->message);
}

static void
start_server (void)
{
  g_autofree char *db = g_build_filename (load.dir, "load.db", NULL);
  g_autofree char *config = g_build_filename (load.dir, "load.conf", NULL);
  g_autofree char *log = g_build_filename (load.dir, "server.log", NULL);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  /* No limit may refuse the load itself: the test is about holding it. */
  if (!g_file_set_contents (config, "[limits]\nmessages_per_minute=0\nlogin_failures_per_address=0\n"
                            "[websocket]\nmax_connections_per_associate=0\nframes_per_minute=0\n",
                            -1, &error))
    fail ("%s", error->message);
  g_subprocess_launcher_set_stderr_file_path (launcher, log);
  load.server = g_subprocess_launcher_spawn (launcher, &error, load.server_path, "serve", "--db", db,
                                             "--port", "0", "--bind", "127.0.0.1", "--config",
                                             config, NULL);
  if (load.server == NULL)
    fail ("%s", error->message);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (load.server));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  if (line == NULL || !g_str_has_prefix (line, "listening on "))
    fail ("the server did not start (see %s)", log);
  load.url = g_strdup (line + strlen ("listening on "));
}

/* --- logins ------------------------------------------------------------------------- */

static void login_next (void);

static void
login_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Account *account = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  if (body == NULL || !json_parser_load_from_data (parser, g_bytes_get_data (body, NULL),
                                                   (gssize) g_bytes_get_size (body), NULL))
    fail ("login of %s failed: %s", account->login, error ? error->message : "not JSON");
  object = json_node_get_object (json_parser_get_root (parser));
  if (!json_object_has_member (object, "token"))
    fail ("login of %s refused", account->login);
  account->token = g_strdup (json_object_get_string_member (object, "token"));
  load.logged_in++;
  login_next ();
}

static void
login_next (void)
{
  while (load.logins_started < load.accounts->len &&
         load.logins_started - load.logged_in < MAX_LOGINS)
    {
      Account *account = g_ptr_array_index (load.accounts, load.logins_started++);
      g_autofree char *url = g_strconcat (load.url, "/api/v1/session", NULL);
      g_autofree char *json = g_strdup_printf ("{\"login\":\"%s\",\"password\":\"%s\","
                                               "\"device\":\"ws-load\"}", account->login,
                                               account->password);
      g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
      g_autoptr(GBytes) bytes = g_bytes_new (json, strlen (json));

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
      soup_session_send_and_read_async (load.session, msg, G_PRIORITY_DEFAULT, NULL,
                                        login_done_cb, account);
    }
}

static gboolean
all_logged_in (void)
{
  return load.logged_in == load.accounts->len;
}

/* --- WebSockets ----------------------------------------------------------------------- */

static void
on_frame_cb (SoupWebsocketConnection *ws,
             int                      type,
             GBytes                  *bytes,
             gpointer                 user_data)
{
  Client *client = user_data;
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  JsonObject *frame;
  const char *kind;

  if (!json_parser_load_from_data (parser, data, (gssize) len, NULL))
    fail ("a frame that is not JSON");
  frame = json_node_get_object (json_parser_get_root (parser));
  kind = json_object_get_string_member_with_default (frame, "type", "");

  if (g_str_equal (kind, "hello"))
    {
      client->ready = TRUE;
      load.hellos++;
    }
  else if (g_str_equal (kind, "ack"))
    {
      JsonNode *ref = json_object_get_member (frame, "ref");
      const char *ref_text = ref != NULL && JSON_NODE_HOLDS_VALUE (ref) ? json_node_get_string (ref)
                                                                         : NULL;
      Sent *sent = ref_text != NULL ? g_hash_table_lookup (load.sent, ref_text) : NULL;

      if (g_strcmp0 (ref_text, "barrier") == 0)
        {
          client->barrier = TRUE;
          load.barriers++;
        }
      else if (sent != NULL && sent->id == 0)
        {
          JsonArray *messages = json_object_get_array_member (frame, "messages");
          gint64 latency;

          sent->id = json_object_get_int_member (json_array_get_object_element (messages, 0), "id");
          sent->acked_at = g_get_monotonic_time ();
          latency = sent->acked_at - sent->sent_at;
          g_array_append_val (load.ack_latency, latency);
          load.acked++;
        }
    }
  else if (g_str_equal (kind, "error"))
    {
      if (load.errors++ < 10)
        fprintf (stderr, "ws-load: error frame: %.*s\n", (int) len, data);
    }
  else if (g_str_equal (kind, "message"))
    {
      JsonObject *message = json_object_get_object_member (frame, "message");
      gint64 id = json_object_get_int_member (message, "id");
      const char *client_id = json_object_get_string_member (message, "client_id");
      Sent *sent = g_hash_table_lookup (load.sent, client_id);
      gpointer count = g_hash_table_lookup (client->seen, &id);

      load.events++;
      if (count == NULL)
        {
          gint64 *key = g_new (gint64, 1);

          *key = id;
          g_hash_table_insert (client->seen, key, GUINT_TO_POINTER (1));
        }
      else
        g_hash_table_insert (client->seen, g_memdup2 (&id, sizeof id),
                             GUINT_TO_POINTER (GPOINTER_TO_UINT (count) + 1));
      if (sent != NULL && sent->delivered_at == 0 && client->account == sent->to)
        {
          gint64 latency;

          sent->delivered_at = g_get_monotonic_time ();
          latency = sent->delivered_at - sent->sent_at;
          g_array_append_val (load.delivery_latency, latency);
        }
    }
}

static void
on_closed_cb (SoupWebsocketConnection *ws,
              gpointer                 user_data)
{
  Client *client = user_data;

  load.closed++;
  if (load.closed <= 10)
    fprintf (stderr, "ws-load: connection %u of %s closed (%u)\n", client->index,
             client->account->id, soup_websocket_connection_get_close_code (ws));
}

static void open_next (void);

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Client *client = user_data;
  g_autoptr(GError) error = NULL;

  client->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (client->ws == NULL)
    fail ("WebSocket %u of %s: %s", client->index, client->account->id, error->message);
  /* The server pings every 30 s; the client answers by itself. */
  soup_websocket_connection_set_keepalive_interval (client->ws, 0);
  g_signal_connect (client->ws, "message", G_CALLBACK (on_frame_cb), client);
  g_signal_connect (client->ws, "closed", G_CALLBACK (on_closed_cb), client);
  load.handshakes_done++;
  open_next ();
}

static void
open_next (void)
{
  g_autofree char *ws_url = g_strconcat ("ws://", load.url + strlen ("http://"), "/api/v1/ws", NULL);

  while (load.handshakes_started < load.clients->len &&
         load.handshakes_started - load.handshakes_done < MAX_HANDSHAKES)
    {
      Client *client = g_ptr_array_index (load.clients, load.handshakes_started++);
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", ws_url);
      g_autofree char *authorization = g_strconcat ("Bearer ", client->account->token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                    authorization);
      soup_session_websocket_connect_async (load.session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                            NULL, connected_cb, client);
    }
}

static gboolean
all_ready (void)
{
  return load.hellos == load.clients->len;
}

/* --- sending -------------------------------------------------------------------------------- */

static guint64 n_sent;

static void
send_one (void)
{
  Client *client;
  Account *to;
  Sent *sent;
  g_autofree char *frame = NULL;

  do
    client = g_ptr_array_index (load.clients, g_rand_int_range (load.rand, 0, load.clients->len));
  while (client->account->partners->len == 0);
  to = g_ptr_array_index (client->account->partners,
                          g_rand_int_range (load.rand, 0, client->account->partners->len));
  sent = g_new0 (Sent, 1);
  sent->client_id = g_uuid_string_random ();
  sent->from = client->account;
  sent->to = to;
  sent->sent_at = g_get_monotonic_time ();
  g_hash_table_insert (load.sent, sent->client_id, sent);
  frame = g_strdup_printf ("{\"type\":\"send\",\"ref\":\"%s\",\"client_id\":\"%s\",\"to\":[\"%s\"],"
                           "\"body\":\"load message %" G_GUINT64_FORMAT " from %s\"}",
                           sent->client_id, sent->client_id, to->id, ++n_sent, client->account->id);
  soup_websocket_connection_send_text (client->ws, frame);
}

typedef struct {
  double   rate;      /* per second */
  gint64   started;
  guint64  done;
  gboolean over;
} Pace;

/* Catches up with the rate, however late the tick. */
static gboolean
tick_cb (gpointer data)
{
  Pace *pace = data;
  guint64 due;

  if (pace->over)
    return G_SOURCE_REMOVE;
  due = (guint64) (pace->rate * (g_get_monotonic_time () - pace->started) / G_USEC_PER_SEC);
  for (; pace->done < due; pace->done++)
    send_one ();
  return G_SOURCE_CONTINUE;
}

static gboolean
stop_cb (gpointer data)
{
  ((Pace *) data)->over = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static gboolean
all_acked (void)
{
  return load.acked + load.errors >= g_hash_table_size (load.sent);
}

static gboolean
all_barriers (void)
{
  return load.barriers == load.clients->len;
}

/* --- figures ---------------------------------------------------------------------------------- */

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static double
percentile_ms (GArray *values,
               double  p)
{
  if (values->len == 0)
    return 0;
  g_array_sort (values, compare_gint64);
  return g_array_index (values, gint64, MIN (values->len - 1, (guint) (values->len * p))) / 1000.0;
}

int
main (int    argc,
      char **argv)
{
  int groups = 80, group_size = 5, per_account = 5, seconds = 60;
  double rate = 100;
  GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_FILENAME, &load.server_path, "teamchat-server", "PATH" },
    { "groups", 0, 0, G_OPTION_ARG_INT, &groups, "Groups (a leader and members)", "G" },
    { "group-size", 0, 0, G_OPTION_ARG_INT, &group_size, "Associates per group", "K" },
    { "connections-per-account", 0, 0, G_OPTION_ARG_INT, &per_account, "WebSockets each", "C" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "How long to send", "S" },
    { "rate", 0, 0, G_OPTION_ARG_DOUBLE, &rate, "Messages per second, in all", "R" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- WebSocket load test");
  g_autoptr(GError) error = NULL;
  struct rlimit limit;
  guint64 rss_start, rss_logged_in, rss_connected, rss_end, rss_peak;
  double cpu_before, cpu_after;
  guint lost = 0, duplicated = 0, expected = 0, unacked = 0;
  gint64 started, ended;
  Pace pace = { 0 };
  GHashTableIter iter;
  Sent *sent;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    fail ("%s", error->message);
  if (load.server_path == NULL || groups < 1 || group_size < 2 || per_account < 1 || seconds < 1 ||
      rate <= 0)
    fail ("usage: ws-load --server PATH [--groups G] [--group-size K (≥ 2)] "
          "[--connections-per-account C] [--seconds S] [--rate R]");

  /* Two sockets per client (ours and the server's), and then some. */
  if (getrlimit (RLIMIT_NOFILE, &limit) == 0)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
      if (limit.rlim_cur < (rlim_t) (groups * group_size * per_account + 256))
        fail ("the file descriptor limit (%lu) is too low for %d clients; raise the hard limit",
              (unsigned long) limit.rlim_cur, groups * group_size * per_account);
    }

  load.dir = g_dir_make_tmp ("teamchat-load-XXXXXX", &error);
  if (load.dir == NULL)
    fail ("%s", error->message);
  load.accounts = g_ptr_array_new ();
  load.clients = g_ptr_array_new ();
  load.sent = g_hash_table_new (g_str_hash, g_str_equal);
  load.ack_latency = g_array_new (FALSE, FALSE, sizeof (gint64));
  load.delivery_latency = g_array_new (FALSE, FALSE, sizeof (gint64));
  load.rand = g_rand_new_with_seed (42);
  load.session = soup_session_new_with_options ("max-conns", 100000, "max-conns-per-host", 100000,
                                                "timeout", 120, NULL);

  make_team ((guint) groups, (guint) group_size);
  start_server ();
  rss_start = server_status_kib ("VmRSS");

  login_next ();
  run_until (all_logged_in, "logins");
  rss_logged_in = server_status_kib ("VmRSS");

  for (guint i = 0; i < load.accounts->len; i++)
    for (int c = 0; c < per_account; c++)
      {
        Client *client = g_new0 (Client, 1);

        client->index = load.clients->len;
        client->account = g_ptr_array_index (load.accounts, i);
        client->seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
        g_ptr_array_add (client->account->clients, client);
        g_ptr_array_add (load.clients, client);
      }
  started = g_get_monotonic_time ();
  open_next ();
  run_until (all_ready, "WebSocket handshakes");
  printf ("%u WebSockets open (%u associates × %d) in %.1f s\n", load.clients->len,
          load.accounts->len, per_account, (g_get_monotonic_time () - started) / 1e6);
  /* Let the presence announcements settle before measuring. */
  {
    gboolean settled = FALSE;

    g_timeout_add_seconds (2, flag_cb, &settled);
    while (!settled)
      g_main_context_iteration (NULL, TRUE);
  }
  rss_connected = server_status_kib ("VmRSS");

  /* The load. */
  cpu_before = server_cpu_seconds ();
  pace.rate = rate;
  started = pace.started = g_get_monotonic_time ();
  g_timeout_add (10, tick_cb, &pace);
  g_timeout_add_seconds ((guint) seconds, stop_cb, &pace);
  while (!pace.over)
    g_main_context_iteration (NULL, TRUE);
  ended = g_get_monotonic_time ();
  run_until (all_acked, "acknowledgements");
  cpu_after = server_cpu_seconds ();

  /* A ping on every connection: what the server had queued before it has
   * arrived once its answer has. */
  for (guint i = 0; i < load.clients->len; i++)
    soup_websocket_connection_send_text (((Client *) g_ptr_array_index (load.clients, i))->ws,
                                         "{\"type\":\"ping\",\"ref\":\"barrier\"}");
  run_until (all_barriers, "the final pings");
  rss_end = server_status_kib ("VmRSS");
  rss_peak = server_status_kib ("VmHWM");

  /* Every acknowledged message at every connection of both ends, once. */
  g_hash_table_iter_init (&iter, load.sent);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &sent))
    {
      Account *ends[2] = { sent->from, sent->to };

      if (sent->id == 0)
        {
          unacked++;
          continue;
        }
      for (guint e = 0; e < 2; e++)
        for (guint c = 0; c < ends[e]->clients->len; c++)
          {
            Client *client = g_ptr_array_index (ends[e]->clients, c);
            guint count = GPOINTER_TO_UINT (g_hash_table_lookup (client->seen, &sent->id));

            expected++;
            if (count == 0)
              lost++;
            else if (count > 1)
              duplicated += count - 1;
          }
    }

  printf ("clients: %u WebSockets of %u associates\n", load.clients->len, load.accounts->len);
  printf ("sent for %.1f s: %u messages (%.0f/s), %u acknowledged, %u not acknowledged\n",
          (ended - started) / 1e6, g_hash_table_size (load.sent),
          g_hash_table_size (load.sent) / ((ended - started) / 1e6), load.acked, unacked);
  printf ("events received: %" G_GUINT64_FORMAT " (%u expected); lost: %u; duplicated: %u\n",
          load.events, expected, lost, duplicated);
  printf ("errors: %u error frames, %u connections closed\n", load.errors, load.closed);
  printf ("ack latency: median %.1f ms, 99th percentile %.1f ms, max %.1f ms\n",
          percentile_ms (load.ack_latency, 0.5), percentile_ms (load.ack_latency, 0.99),
          percentile_ms (load.ack_latency, 1.0));
  printf ("delivery latency (to the recipient's first device): median %.1f ms, 99th percentile "
          "%.1f ms, max %.1f ms\n", percentile_ms (load.delivery_latency, 0.5),
          percentile_ms (load.delivery_latency, 0.99), percentile_ms (load.delivery_latency, 1.0));
  printf ("server RSS: %" G_GUINT64_FORMAT " KiB at start, %" G_GUINT64_FORMAT " KiB logged in, %"
          G_GUINT64_FORMAT " KiB with every WebSocket open, %" G_GUINT64_FORMAT " KiB at the end, "
          "peak %" G_GUINT64_FORMAT " KiB\n", rss_start, rss_logged_in, rss_connected, rss_end,
          rss_peak);
  printf ("server memory per connection: %.1f KiB\n",
          (double) (rss_connected - rss_logged_in) / load.clients->len);
  printf ("server CPU while sending: %.1f s in %.1f s (%.0f%% of one core)\n",
          cpu_after - cpu_before, (ended - started) / 1e6,
          100.0 * (cpu_after - cpu_before) / ((ended - started) / 1e6));

  g_subprocess_send_signal (load.server, SIGTERM);
  g_subprocess_wait (load.server, NULL, NULL);
  if (g_getenv ("WS_LOAD_KEEP") == NULL)
    remove_tree (load.dir);
  return load.errors == 0 && load.closed == 0 && lost == 0 && duplicated == 0 && unacked == 0
         ? 0 : 1;
}
