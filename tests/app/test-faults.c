/* test-faults.c: the app core against a real server under faults
 *
 * - A lossy proxy (chaos-proxy.py) between sync engines and the server
 *   resets, drops, stalls and blackholes connections at random while
 *   messages flow both ways and a new device catches up. Afterwards every
 *   replica equals the server's view, every message is there exactly once,
 *   and the engines came back by themselves.
 * - The app core in its own process (tc-sync-driver) is killed with
 *   SIGKILL twice while it sends its outbox, and started again: each
 *   message is delivered exactly once.
 * - Many engines lose the server at once and find it again: when they
 *   come back is recorded (the spread of a reconnect storm).
 *
 * Waits have generous guards only; no timing is asserted.
 */
#include <signal.h>
#include <string.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "tc-app-test.h"

#define ROUNDS 30

#define FAULT_CONFIG "[limits]\nmessages_per_minute=0\n" \
                     "[websocket]\nframes_per_minute=0\nmax_connections_per_associate=0\n" \
                     "ping_interval_seconds=1\nidle_timeout_seconds=3\n"

static const char * const team_a[] = { "B", "C", "D", "E", "F", NULL };
static const char * const team_b[] = { "A", "D", NULL };

typedef struct {
  TcAppServer *server;
  char        *dir;
  GPtrArray   *devices;
} Fixture;

typedef struct {
  char         *id;
  TcApiClient  *client;
  TcReplica    *replica;
  TcSyncEngine *engine;
  guint         n_online;      /* times it went online */
  guint         n_connecting;  /* times it started to connect */
  gint64        online_at;     /* monotonic time it last went online */
} Device;

static void
child_setup (gpointer data)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->server = tc_app_server_new_with_config (FAULT_CONFIG);
  f->dir = g_dir_make_tmp ("tc-faults-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
device_free (Device *device)
{
  tc_sync_engine_stop (device->engine);
  g_signal_handlers_disconnect_by_data (device->engine, device);
  g_clear_object (&device->engine);
  tc_app_test_replica_close (&device->replica);
  g_clear_object (&device->client);
  g_free (device->id);
  g_free (device);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_pointer (&f->devices, g_ptr_array_unref);
  tc_app_server_free (f->server);
  tc_app_test_remove_tree (f->dir);
  g_free (f->dir);
}

/* --- devices ------------------------------------------------------------------------------ */

static void
on_state_cb (TcSyncEngine *engine,
             GParamSpec   *pspec,
             Device       *device)
{
  switch (tc_sync_engine_get_state (engine))
    {
    case TC_SYNC_STATE_ONLINE:
      device->n_online++;
      device->online_at = g_get_monotonic_time ();
      break;
    case TC_SYNC_STATE_CONNECTING:
      device->n_connecting++;
      break;
    default:
      break;
    }
}

/* A device of @id talking to @url (the proxy, or the server). */
static Device *
device_new (Fixture    *f,
            const char *id,
            const char *url,
            guint       page_size,
            guint       backoff_base,
            guint       backoff_cap,
            guint       liveness)
{
  Device *device = g_new0 (Device, 1);
  g_autoptr(TcApiClient) direct = tc_app_test_login (f->server, id);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("%s-%u.db", id, f->devices->len);
  g_autofree char *path = g_build_filename (f->dir, name, NULL);

  device->id = g_strdup (id);
  device->client = tc_api_client_new (url);
  tc_api_client_set_token (device->client, tc_api_client_get_token (direct));
  /* A request lost in a blackhole fails sooner than the app's 30 s. */
  tc_api_client_set_timeout (device->client, MAX (liveness * 3, 3));
  device->replica = tc_app_test_replica_open (path, id, &error);
  g_assert_no_error (error);
  device->engine = g_object_new (TC_TYPE_SYNC_ENGINE,
                                 "api-client", device->client,
                                 "replica", device->replica,
                                 "backoff-base", backoff_base,
                                 "backoff-cap", backoff_cap,
                                 "page-size", page_size,
                                 "liveness-interval", liveness,
                                 NULL);
  g_signal_connect (device->engine, "notify::state", G_CALLBACK (on_state_cb), device);
  g_ptr_array_add (f->devices, device);
  return device;
}

static void
enqueue (Device     *device,
         const char *to,
         const char *body)
{
  const char * const recipients[] = { to, NULL };
  g_auto(GStrv) ids = tc_app_test_replica_enqueue (device->replica, recipients, body);
}

static gboolean
outbox_empty (Device *device)
{
  g_autoptr(TcSendRequest) request = tc_app_test_replica_next_outbox (device->replica);

  return request == NULL;
}

typedef struct {
  Device             *device;
  TcApiClient        *direct;   /* reads the server's view */
  const char * const *peers;
} ConvergeWait;

static gboolean
device_converged (gpointer data)
{
  ConvergeWait *wait = data;

  return tc_sync_engine_get_state (wait->device->engine) == TC_SYNC_STATE_ONLINE &&
         outbox_empty (wait->device) &&
         tc_app_test_converged (wait->device->replica, wait->direct, wait->peers);
}

static void
assert_converged (Fixture            *f,
                  Device             *device,
                  const char * const *peers)
{
  g_autoptr(TcApiClient) direct = tc_app_test_login (f->server, device->id);
  ConvergeWait wait = { device, direct, peers };
  g_autofree char *what = g_strdup_printf ("replica of %s equal to the server", device->id);

  tc_app_test_run_until (device_converged, &wait, what);
}

/* Messages on the server between the client's associate and @peer with
 * @body, both directions. */
static guint
count_on_server (TcApiClient *client,
                 const char  *peer,
                 const char  *body)
{
  g_autoptr(GPtrArray) history = tc_app_test_history (client, peer);
  guint n = 0;

  for (guint i = 0; i < history->len; i++)
    n += g_strcmp0 (((TcMessage *) g_ptr_array_index (history, i))->body, body) == 0;
  return n;
}

static gboolean
flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Lets the main loop run for @ms (engines work meanwhile). */
static void
run_for (guint ms)
{
  gboolean over = FALSE;

  g_timeout_add (ms, flag_cb, &over);
  while (!over)
    g_main_context_iteration (NULL, TRUE);
}

/* --- the proxy ------------------------------------------------------------------------------ */

typedef struct {
  GSubprocess      *process;
  GDataInputStream *out;
  char             *url;
} Proxy;

static char *
proxy_read_line (Proxy *proxy)
{
  g_autoptr(GError) error = NULL;
  char *line = g_data_input_stream_read_line_utf8 (proxy->out, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (line);
  return line;
}

static Proxy *
proxy_start (const char *target_url,
             guint       seed)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GUri) uri = g_uri_parse (target_url, G_URI_FLAGS_NONE, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *script = g_build_filename (TC_APP_TESTS_DIR, "chaos-proxy.py", NULL);
  g_autofree char *port = g_strdup_printf ("%d", g_uri_get_port (uri));
  g_autofree char *seed_text = g_strdup_printf ("%u", seed);
  g_autofree char *line = NULL;
  Proxy *proxy = g_new0 (Proxy, 1);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  proxy->process = g_subprocess_launcher_spawn (launcher, &error, "/usr/bin/python3", script, port,
                                                seed_text, NULL);
  g_assert_no_error (error);
  proxy->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proxy->process));
  line = proxy_read_line (proxy);
  g_assert_true (g_str_has_prefix (line, "ready "));
  proxy->url = g_strdup_printf ("http://127.0.0.1:%s", line + strlen ("ready "));
  return proxy;
}

static void
proxy_command (Proxy      *proxy,
               const char *command)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_strconcat (command, "\n", NULL);

  g_output_stream_write_all (g_subprocess_get_stdin_pipe (proxy->process), line, strlen (line),
                             NULL, NULL, &error);
  g_assert_no_error (error);
}

static JsonObject *
proxy_stats (Proxy *proxy)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *line = NULL;

  proxy_command (proxy, "stats");
  line = proxy_read_line (proxy);
  g_assert_true (g_str_has_prefix (line, "stats "));
  g_assert_true (json_parser_load_from_data (parser, line + strlen ("stats "), -1, NULL));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
proxy_free (Proxy *proxy)
{
  g_output_stream_close (g_subprocess_get_stdin_pipe (proxy->process), NULL, NULL);
  g_subprocess_wait (proxy->process, NULL, NULL);
  g_clear_object (&proxy->out);
  g_clear_object (&proxy->process);
  g_free (proxy->url);
  g_free (proxy);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Proxy, proxy_free)

/* --- a lossy proxy -------------------------------------------------------------------------- */

static gboolean
outboxes_empty (gpointer data)
{
  GPtrArray *devices = data;

  for (guint i = 0; i < devices->len; i++)
    if (!outbox_empty (g_ptr_array_index (devices, i)))
      return FALSE;
  return TRUE;
}

static void
test_lossy_proxy (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(Proxy) proxy = proxy_start (tc_app_server_get_url (f->server), g_test_rand_int ());
  g_autoptr(TcApiClient) carol = tc_app_test_login (f->server, "C");
  g_autoptr(TcApiClient) alice_direct = tc_app_test_login (f->server, "A");
  g_autoptr(JsonObject) stats = NULL;
  Device *alice, *bob, *alice_new = NULL;
  gboolean give_up = FALSE;
  guint guard, retries = 0, faults;

  f->devices = g_ptr_array_new_with_free_func ((GDestroyNotify) device_free);
  /* Short waits, so that a test run sees many faults and recoveries. */
  alice = device_new (f, "A", proxy->url, 50, 50, 1000, 1);
  bob = device_new (f, "B", proxy->url, 50, 50, 1000, 1);
  tc_sync_engine_start (alice->engine);
  tc_sync_engine_start (bob->engine);

  proxy_command (proxy, "faults on");
  for (guint i = 0; i < ROUNDS; i++)
    {
      g_autofree char *a_to_b = g_strdup_printf ("a→b %u", i);
      g_autofree char *b_to_a = g_strdup_printf ("b→a %u", i);
      g_autofree char *c_to_a = g_strdup_printf ("c→a %u", i);
      g_autoptr(TcMessage) sent = NULL;

      enqueue (alice, "B", a_to_b);
      enqueue (bob, "A", b_to_a);
      sent = tc_app_test_send (carol, "A", c_to_a);   /* live traffic from outside */
      if (i == ROUNDS / 2)
        {
          /* A new device of Alice's catches up, two events a page. */
          alice_new = device_new (f, "A", proxy->url, 2, 50, 1000, 1);
          tc_sync_engine_start (alice_new->engine);
        }
      run_for (100);
    }

  /* Faults a while longer, then a clean network. */
  guard = g_timeout_add_seconds (10, flag_cb, &give_up);
  while (!give_up && !outboxes_empty (f->devices))
    run_for (100);
  if (!give_up)
    g_source_remove (guard);
  stats = proxy_stats (proxy);
  proxy_command (proxy, "faults off");

  assert_converged (f, alice, team_a);
  assert_converged (f, alice_new, team_a);
  assert_converged (f, bob, team_b);

  /* Exactly once each. */
  for (guint i = 0; i < ROUNDS; i++)
    {
      g_autofree char *a_to_b = g_strdup_printf ("a→b %u", i);
      g_autofree char *b_to_a = g_strdup_printf ("b→a %u", i);
      g_autofree char *c_to_a = g_strdup_printf ("c→a %u", i);

      g_assert_cmpuint (count_on_server (alice_direct, "B", a_to_b), ==, 1);
      g_assert_cmpuint (count_on_server (alice_direct, "B", b_to_a), ==, 1);
      g_assert_cmpuint (count_on_server (alice_direct, "C", c_to_a), ==, 1);
    }

  for (guint i = 0; i < f->devices->len; i++)
    {
      Device *device = g_ptr_array_index (f->devices, i);

      g_test_message ("%s device %u: online %u times, %u connection attempts", device->id, i,
                      device->n_online, device->n_connecting);
      retries += device->n_connecting - 1;
    }
  faults = json_object_get_int_member (stats, "reset") + json_object_get_int_member (stats, "drop") +
           json_object_get_int_member (stats, "blackhole") + json_object_get_int_member (stats, "stall");
  g_test_message ("proxy: %" G_GINT64_FORMAT " connections; %" G_GINT64_FORMAT " resets, %"
                  G_GINT64_FORMAT " drops, %" G_GINT64_FORMAT " stalls, %" G_GINT64_FORMAT
                  " blackholes", json_object_get_int_member (stats, "connections"),
                  json_object_get_int_member (stats, "reset"),
                  json_object_get_int_member (stats, "drop"),
                  json_object_get_int_member (stats, "stall"),
                  json_object_get_int_member (stats, "blackhole"));
  g_assert_cmpuint (faults, >, 0);
  /* They were cut off and tried again without being told to. */
  g_assert_cmpuint (retries, >, 0);
}

/* --- the app killed with an outbox ------------------------------------------------------------ */

#define OUTBOX_SIZE 60

typedef struct {
  TcApiClient *client;
  guint        at_least;
} StoredWait;

static guint
count_stored (TcApiClient *client)
{
  g_autoptr(GPtrArray) history = tc_app_test_history (client, "B");

  return history->len;
}

static gboolean
enough_stored (gpointer data)
{
  StoredWait *wait = data;

  run_for (20);
  return count_stored (wait->client) >= wait->at_least;
}

static GSubprocess *
driver_start (Fixture    *f,
              const char *token,
              const char *replica_path)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GError) error = NULL;
  GSubprocess *driver;

  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  driver = g_subprocess_launcher_spawn (launcher, &error, TC_SYNC_DRIVER_PATH,
                                        tc_app_server_get_url (f->server), token, "A",
                                        replica_path, NULL);
  g_assert_no_error (error);
  return driver;
}

static void
test_killed_with_outbox (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "killed.db", NULL);
  g_autoptr(TcApiClient) alice = tc_app_test_login (f->server, "A");
  const char *token = tc_api_client_get_token (alice);
  const guint kill_points[] = { 10, 35 };

  /* Written while offline: the outbox holds them all. */
  {
    g_autoptr(TcReplica) replica = NULL;
    g_autoptr(GError) error = NULL;

    replica = tc_app_test_replica_open (path, "A", &error);
    g_assert_no_error (error);
    for (guint i = 0; i < OUTBOX_SIZE; i++)
      {
        g_autofree char *body = g_strdup_printf ("outbox %u", i);
        const char * const to[] = { "B", NULL };
        g_auto(GStrv) ids = tc_app_test_replica_enqueue (replica, to, body);
      }
    tc_app_test_replica_close (&replica);
  }

  /* Started and killed twice while it sends. */
  for (guint k = 0; k < G_N_ELEMENTS (kill_points); k++)
    {
      g_autoptr(GSubprocess) driver = driver_start (f, token, path);
      StoredWait wait = { alice, kill_points[k] };

      tc_app_test_run_until (enough_stored, &wait, "messages stored before the kill");
      g_subprocess_force_exit (driver);
      g_assert_true (g_subprocess_wait (driver, NULL, NULL));
      g_assert_false (g_subprocess_get_if_exited (driver));
      g_test_message ("kill -9 with %u of %u stored", count_stored (alice), OUTBOX_SIZE);
    }

  /* The third run finishes the outbox and ends by itself. */
  {
    g_autoptr(GSubprocess) driver = driver_start (f, token, path);
    g_autofree char *out = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_true (g_subprocess_communicate_utf8 (driver, NULL, NULL, &out, NULL, &error));
    g_assert_no_error (error);
    g_assert_true (g_subprocess_get_successful (driver));
    g_assert_cmpstr (out, ==, "done\n");
  }

  /* Each exactly once, in the order written; the replica agrees. */
  {
    g_autoptr(GPtrArray) history = tc_app_test_history (alice, "B");
    g_autoptr(TcReplica) replica = NULL;
    g_autoptr(GError) error = NULL;
    const char * const peers[] = { "B", NULL };

    g_assert_cmpuint (history->len, ==, OUTBOX_SIZE);
    for (guint i = 0; i < OUTBOX_SIZE; i++)
      {
        g_autofree char *body = g_strdup_printf ("outbox %u", i);
        TcMessage *message = g_ptr_array_index (history, OUTBOX_SIZE - 1 - i);

        g_assert_cmpstr (message->body, ==, body);
      }
    replica = tc_app_test_replica_open (path, "A", &error);
    g_assert_no_error (error);
    g_assert_true (tc_app_test_converged (replica, alice, peers));
    tc_app_test_replica_close (&replica);
  }
}

/* --- a reconnect storm ------------------------------------------------------------------------ */

static gboolean
all_in_state (gpointer data)
{
  GPtrArray *devices = ((gpointer *) data)[0];
  TcSyncState state = GPOINTER_TO_INT (((gpointer *) data)[1]);

  for (guint i = 0; i < devices->len; i++)
    if (tc_sync_engine_get_state (((Device *) g_ptr_array_index (devices, i))->engine) != state)
      return FALSE;
  return TRUE;
}

static void
wait_all (GPtrArray   *devices,
          TcSyncState  state,
          const char  *what)
{
  gpointer data[2] = { devices, GINT_TO_POINTER (state) };

  tc_app_test_run_until (all_in_state, data, what);
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
test_reconnect_spread (Fixture       *f,
                       gconstpointer  data)
{
  static const char * const ids[] = { "A", "B", "C", "D", "E", "F" };
  const char *count_text = g_getenv ("TC_SPREAD_CLIENTS");
  guint n = count_text != NULL ? (guint) g_ascii_strtoull (count_text, NULL, 10) : 30;
  g_autoptr(GArray) delays = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GString) histogram = g_string_new (NULL);
  guint buckets[40] = { 0 };
  guint attempts_min = G_MAXUINT, attempts_max = 0;
  gint64 started;

  f->devices = g_ptr_array_new_with_free_func ((GDestroyNotify) device_free);
  /* The app's own backoff: 1 s base, 60 s cap, full jitter. */
  for (guint i = 0; i < n; i++)
    {
      Device *device = device_new (f, ids[i % G_N_ELEMENTS (ids)], tc_app_server_get_url (f->server),
                                   500, 1000, 60000, 45);

      tc_sync_engine_start (device->engine);
    }
  wait_all (f->devices, TC_SYNC_STATE_ONLINE, "every engine online");

  /* The server goes away for two seconds, then comes back. */
  tc_app_server_stop (f->server);
  wait_all (f->devices, TC_SYNC_STATE_OFFLINE, "every engine offline");
  for (guint i = 0; i < n; i++)
    ((Device *) g_ptr_array_index (f->devices, i))->n_connecting = 0;
  run_for (2000);
  tc_app_server_start (f->server);
  started = g_get_monotonic_time ();
  wait_all (f->devices, TC_SYNC_STATE_ONLINE, "every engine back online");

  for (guint i = 0; i < n; i++)
    {
      Device *device = g_ptr_array_index (f->devices, i);
      gint64 delay = MAX (0, device->online_at - started);

      g_array_append_val (delays, delay);
      attempts_min = MIN (attempts_min, device->n_connecting);
      attempts_max = MAX (attempts_max, device->n_connecting);
      buckets[MIN (delay / (500 * 1000), (gint64) G_N_ELEMENTS (buckets) - 1)]++;
    }
  g_array_sort (delays, compare_gint64);
  for (guint i = 0; i < G_N_ELEMENTS (buckets); i++)
    if (buckets[i] > 0)
      g_string_append_printf (histogram, " %.1f-%.1f s: %u;", i * 0.5, (i + 1) * 0.5, buckets[i]);
  g_test_message ("%u engines back after the restart: first %.2f s, median %.2f s, 90th "
                  "percentile %.2f s, last %.2f s; %u to %u connection attempts each meanwhile",
                  n, g_array_index (delays, gint64, 0) / 1e6,
                  g_array_index (delays, gint64, n / 2) / 1e6,
                  g_array_index (delays, gint64, n * 9 / 10) / 1e6,
                  g_array_index (delays, gint64, n - 1) / 1e6, attempts_min, attempts_max);
  g_test_message ("back online, by half second:%s", histogram->str);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/faults/lossy-proxy", test_lossy_proxy);
  ADD ("/faults/killed-with-outbox", test_killed_with_outbox);
  ADD ("/faults/reconnect-spread", test_reconnect_spread);
#undef ADD

  return g_test_run ();
}
