/* test-tls.c: the app core and the server over TLS
 *
 * Certificates are made for each run with Debian's openssl: a test
 * authority, a server certificate it signed for 127.0.0.1, and one it
 * signed for another name. The server serves HTTPS and WSS with them.
 *
 * - Without the authority (as for any certificate the system does not
 *   trust), login, sync and the WebSocket are refused with a message that
 *   says why in words, and the sync engine goes offline with it, trying
 *   again later rather than at once.
 * - Trusting the authority, everything works over HTTPS and WSS: the
 *   engine comes online and a message goes out over the WebSocket.
 * - A certificate for another name is refused, even from a trusted
 *   authority.
 */
#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "tc-app-test.h"
#include "tc-error.h"
#include "tc-test-server.h"

#define NOT_TRUSTED "The server’s certificate is not trusted: "

typedef struct {
  char        *dir;
  char        *ca;
  GSubprocess *server;
  char        *url;
  char        *db;
} Fixture;

static void
child_setup (gpointer data)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
}

static void
run_openssl (const char *first,
             ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  va_list args;

  g_ptr_array_add (argv, (gpointer) "openssl");
  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                               &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (process, NULL, &error));
  g_assert_no_error (error);
}

/* DIR/NAME.pem and DIR/NAME.key, signed by the test authority for @san. */
static void
make_server_certificate (Fixture    *f,
                         const char *name,
                         const char *san)
{
  g_autofree char *key = g_strdup_printf ("%s/%s.key", f->dir, name);
  g_autofree char *csr = g_strdup_printf ("%s/%s.csr", f->dir, name);
  g_autofree char *pem = g_strdup_printf ("%s/%s.pem", f->dir, name);
  g_autofree char *ext = g_strdup_printf ("%s/%s.ext", f->dir, name);
  g_autofree char *ca_key = g_build_filename (f->dir, "ca.key", NULL);
  g_autofree char *serial = g_build_filename (f->dir, "ca.srl", NULL);
  g_autofree char *ext_text = g_strdup_printf ("subjectAltName=%s\nbasicConstraints=CA:FALSE\n"
                                               "extendedKeyUsage=serverAuth\n", san);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (ext, ext_text, -1, &error);
  g_assert_no_error (error);
  run_openssl ("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
               "-subj", "/CN=Team Chat test server", "-keyout", key, "-out", csr, NULL);
  run_openssl ("x509", "-req", "-in", csr, "-CA", f->ca, "-CAkey", ca_key, "-CAcreateserial",
               "-CAserial", serial, "-days", "2", "-extfile", ext, "-out", pem, NULL);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ca_key = NULL;
  g_autofree char *csv = g_build_filename (TC_IT_DATA_DIR, "team.csv", NULL);
  g_autofree char *openssl = g_find_program_in_path ("openssl");

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_test_skip ("no TLS backend (glib-networking)");
      return;
    }
  if (openssl == NULL)
    {
      g_test_skip ("openssl is needed to make test certificates");
      return;
    }
  f->dir = g_dir_make_tmp ("tc-tls-XXXXXX", &error);
  g_assert_no_error (error);
  f->ca = g_build_filename (f->dir, "ca.pem", NULL);
  ca_key = g_build_filename (f->dir, "ca.key", NULL);
  run_openssl ("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
               "-nodes", "-subj", "/CN=Team Chat test authority", "-days", "2",
               "-addext", "basicConstraints=critical,CA:TRUE",
               "-addext", "keyUsage=critical,keyCertSign,cRLSign",
               "-keyout", ca_key, "-out", f->ca, NULL);
  make_server_certificate (f, "server", "IP:127.0.0.1");
  make_server_certificate (f, "elsewhere", "DNS:chat.example.com");

  f->db = g_build_filename (f->dir, "teamchat.db", NULL);
  g_assert_cmpint (tc_test_run_command (NULL, NULL, "import-associates", "--db", f->db, csv, NULL),
                   ==, 0);
}

static void
server_stop (Fixture *f)
{
  if (f->server == NULL)
    return;
  g_subprocess_send_signal (f->server, SIGTERM);
  g_subprocess_wait (f->server, NULL, NULL);
  g_clear_object (&f->server);
  g_clear_pointer (&f->url, g_free);
}

/* Serves HTTPS with DIR/NAME.pem. */
static void
server_start (Fixture    *f,
              const char *name)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cert = g_strdup_printf ("%s/%s.pem", f->dir, name);
  g_autofree char *key = g_strdup_printf ("%s/%s.key", f->dir, name);
  g_autofree char *line = NULL;

  server_stop (f);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  f->server = g_subprocess_launcher_spawn (launcher, &error, TEAMCHAT_SERVER_PATH, "serve",
                                           "--db", f->db, "--bind", "127.0.0.1", "--port", "0",
                                           "--tls-cert", cert, "--tls-key", key, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (f->server));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "listening on https://127.0.0.1:"));
  f->url = g_strdup (line + strlen ("listening on "));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  server_stop (f);
  if (f->dir != NULL)
    tc_app_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->ca);
  g_free (f->db);
}

static TcAssociate *
login (TcApiClient  *client,
       GError      **error)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *token = NULL;
  TcAssociate *associate;

  tc_api_client_login_async (client, "alice", "password-A", "tls test", NULL,
                             tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "login");
  associate = tc_api_client_login_finish (client, result, &token, error);
  if (associate != NULL)
    tc_api_client_set_token (client, token);
  return associate;
}

static TcApiClient *
trusting_client (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsDatabase) database = g_tls_file_database_new (f->ca, &error);
  TcApiClient *client = tc_api_client_new (f->url);

  g_assert_no_error (error);
  tc_api_client_set_tls_database (client, database);
  return client;
}

typedef struct {
  TcSyncEngine *engine;
  TcSyncState   state;
  guint         attempts;
} EngineWait;

static gboolean
engine_in_state (gpointer data)
{
  EngineWait *wait = data;

  return tc_sync_engine_get_state (wait->engine) == wait->state &&
         (wait->state != TC_SYNC_STATE_OFFLINE || tc_sync_engine_get_error (wait->engine) != NULL);
}

static void
on_state_cb (TcSyncEngine *engine,
             GParamSpec   *pspec,
             EngineWait   *wait)
{
  if (tc_sync_engine_get_state (engine) == TC_SYNC_STATE_CONNECTING)
    wait->attempts++;
}

static void
test_untrusted (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(TcApiClient) client = NULL;
  g_autoptr(TcApiClient) trusted = NULL;
  g_autoptr(TcAssociate) associate = NULL;
  g_autoptr(GError) error = NULL;

  if (f->dir == NULL)
    return;
  server_start (f, "server");

  /* Login: refused, and the message says why. */
  client = tc_api_client_new (f->url);
  associate = login (client, &error);
  g_assert_null (associate);
  g_assert_true (error->domain == G_TLS_ERROR);
  g_test_message ("%s", error->message);
  g_assert_cmpstr (error->message, ==,
                   NOT_TRUSTED "it is not signed by an authority this computer trusts");
  g_clear_error (&error);

  /* A session made elsewhere does not get through either: not a sync, not
   * the WebSocket, not the engine. */
  trusted = trusting_client (f);
  g_clear_pointer (&associate, tc_associate_free);
  associate = login (trusted, &error);
  g_assert_no_error (error);
  tc_api_client_set_token (client, tc_api_client_get_token (trusted));
  {
    TcAppTestAsync async = { 0 };
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(TcSyncPage) page = NULL;

    tc_api_client_sync_async (client, NULL, 10, NULL, tc_app_test_async_cb, &async);
    result = tc_app_test_async_wait (&async, "sync");
    page = tc_api_client_sync_finish (client, result, &error);
    g_assert_null (page);
    g_assert_true (error->domain == G_TLS_ERROR);
    g_assert_true (g_str_has_prefix (error->message, NOT_TRUSTED));
    g_clear_error (&error);
  }
  {
    TcAppTestAsync async = { 0 };
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(SoupWebsocketConnection) ws = NULL;

    tc_api_client_websocket_connect_async (client, NULL, tc_app_test_async_cb, &async);
    result = tc_app_test_async_wait (&async, "WebSocket");
    ws = tc_api_client_websocket_connect_finish (client, result, &error);
    g_assert_null (ws);
    g_assert_true (error->domain == G_TLS_ERROR);
    g_assert_true (g_str_has_prefix (error->message, NOT_TRUSTED));
    g_clear_error (&error);
  }
  {
    g_autofree char *path = g_build_filename (f->dir, "untrusted.db", NULL);
    g_autoptr(TcReplica) replica = tc_app_test_replica_open (path, "A", &error);
    g_autoptr(TcSyncEngine) engine = NULL;
    EngineWait wait = { NULL, TC_SYNC_STATE_OFFLINE, 0 };

    g_assert_no_error (error);
    engine = g_object_new (TC_TYPE_SYNC_ENGINE, "api-client", client, "replica", replica,
                           "backoff-base", 50, "backoff-cap", 400, NULL);
    wait.engine = engine;
    g_signal_connect (engine, "notify::state", G_CALLBACK (on_state_cb), &wait);
    tc_sync_engine_start (engine);
    tc_app_test_run_until (engine_in_state, &wait, "engine offline with an error");
    g_assert_true (tc_sync_engine_get_error (engine)->domain == G_TLS_ERROR);
    g_assert_true (g_str_has_prefix (tc_sync_engine_get_error (engine)->message, NOT_TRUSTED));
    /* It goes on trying, later, by itself (the certificate may be fixed). */
    wait.state = TC_SYNC_STATE_CONNECTING;
    tc_app_test_run_until (engine_in_state, &wait, "another attempt");
    g_assert_cmpuint (wait.attempts, >=, 2);
    tc_sync_engine_stop (engine);
    g_signal_handlers_disconnect_by_data (engine, &wait);
    g_clear_object (&engine);
    tc_app_test_replica_close (&replica);
  }
}

typedef struct {
  TcReplica          *replica;
  TcApiClient        *client;
  const char * const *peers;
} SentWait;

static gboolean
sent_over_tls (gpointer data)
{
  SentWait *wait = data;
  g_autoptr(GPtrArray) rows = tc_app_test_replica_messages (wait->replica, "B", 0, 10);

  return rows->len == 1 && tc_app_test_converged (wait->replica, wait->client, wait->peers);
}

static void
test_trusted (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(TcApiClient) client = NULL;
  g_autoptr(TcAssociate) associate = NULL;
  g_autoptr(GError) error = NULL;

  if (f->dir == NULL)
    return;
  server_start (f, "server");
  client = trusting_client (f);
  associate = login (client, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (associate->id, ==, "A");

  /* HTTPS and WSS: the engine comes online and sends over the socket. */
  {
    g_autofree char *path = g_build_filename (f->dir, "trusted.db", NULL);
    g_autoptr(TcReplica) replica = tc_app_test_replica_open (path, "A", &error);
    g_autoptr(TcSyncEngine) engine = NULL;
    g_autofree char *ws_url = tc_api_client_get_websocket_url (client);
    EngineWait wait = { NULL, TC_SYNC_STATE_ONLINE, 0 };
    const char * const to[] = { "B", NULL };
    const char * const peers[] = { "B", NULL };

    g_assert_no_error (error);
    g_assert_true (g_str_has_prefix (ws_url, "wss://"));
    engine = g_object_new (TC_TYPE_SYNC_ENGINE, "api-client", client, "replica", replica,
                           "backoff-base", 50, "backoff-cap", 400, NULL);
    wait.engine = engine;
    tc_sync_engine_start (engine);
    tc_app_test_run_until (engine_in_state, &wait, "engine online over TLS");
    {
      g_auto(GStrv) ids = tc_app_test_replica_enqueue (replica, to, "over TLS");
    }
    {
      SentWait sent = { replica, client, peers };

      tc_app_test_run_until (sent_over_tls, &sent, "the message sent over WSS");
    }
    tc_sync_engine_stop (engine);
    g_clear_object (&engine);
    tc_app_test_replica_close (&replica);
  }

  /* The authority is trusted, but the certificate names another server. */
  server_start (f, "elsewhere");
  g_clear_object (&client);
  g_clear_pointer (&associate, tc_associate_free);
  client = trusting_client (f);
  associate = login (client, &error);
  g_assert_null (associate);
  g_assert_true (error->domain == G_TLS_ERROR);
  g_test_message ("%s", error->message);
  g_assert_cmpstr (error->message, ==, NOT_TRUSTED "it belongs to another address");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/tls/untrusted", Fixture, NULL, fixture_set_up, test_untrusted, fixture_tear_down);
  g_test_add ("/tls/trusted", Fixture, NULL, fixture_set_up, test_trusted, fixture_tear_down);

  return g_test_run ();
}
