/* test-api-client.c: TcApiClient against the real server */
#include <signal.h>
#include <glib/gstdio.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "tc-app-test.h"
#include "tc-error.h"
#include "tc-test-server.h"

typedef struct {
  TcTestServer *server;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->server = tc_test_server_new_or_fail (data);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  tc_test_server_free (f->server);
}

static TcAssociate *
login (TcApiClient  *client,
       const char   *login_name,
       const char   *password,
       char        **out_token,
       GError      **error)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;

  tc_api_client_login_async (client, login_name, password, "test", NULL, tc_app_test_async_cb,
                             &async);
  result = tc_app_test_async_wait (&async, "login");
  return tc_api_client_login_finish (client, result, out_token, error);
}

static TcSyncPage *
sync_page (TcApiClient  *client,
           const char   *since,
           guint         limit,
           GError      **error)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;

  tc_api_client_sync_async (client, since, limit, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "sync page");
  return tc_api_client_sync_finish (client, result, error);
}

static GPtrArray *
send_request (TcApiClient    *client,
              TcSendRequest  *request,
              GError        **error)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;

  tc_api_client_send_async (client, request, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "send");
  return tc_api_client_send_finish (client, result, error);
}

static TcApiClient *
client_for (Fixture    *f,
            const char *id)
{
  static const char * const logins[] = { "alice", "bob", "carol", "dan", "erin", "frank", "grace" };
  g_autoptr(TcApiClient) client = tc_api_client_new (tc_test_server_get_base_url (f->server));
  g_autoptr(TcAssociate) associate = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *password = g_strconcat ("password-", id, NULL);

  associate = login (client, logins[id[0] - 'A'], password, NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&client);
}

static void
test_login (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(TcApiClient) client = tc_api_client_new (tc_test_server_get_base_url (f->server));
  g_autoptr(TcAssociate) associate = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;

  associate = login (client, "dan", "wrong", NULL, &error);
  g_assert_null (associate);
  g_assert_error (error, TC_ERROR, TC_ERROR_UNAUTHORIZED);
  g_assert_cmpstr (error->message, ==, "wrong login or password");
  g_assert_null (tc_api_client_get_token (client));
  g_clear_error (&error);

  associate = login (client, "dan", "password-D", &token, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (associate->id, ==, "D");
  g_assert_cmpstr (associate->name, ==, "Dan Dogwood");
  g_assert_cmpstr (associate->offline_channel, ==, "sms");
  g_assert_true (g_str_has_prefix (token, "tc1_"));
  g_assert_cmpstr (tc_api_client_get_token (client), ==, token);
}

static void
test_rate_limited (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(TcApiClient) client = tc_api_client_new (tc_test_server_get_base_url (f->server));
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(TcAssociate) associate = login (client, "erin", "guess", NULL, &error);

      g_assert_null (associate);
      if (g_error_matches (error, TC_ERROR, TC_ERROR_RATE_LIMITED))
        break;
      g_assert_error (error, TC_ERROR, TC_ERROR_UNAUTHORIZED);
      g_clear_error (&error);
    }
  /* Even the right password waits now, and the user is told how long. */
  if (error == NULL)
    {
      g_autoptr(TcAssociate) associate = login (client, "erin", "password-E", NULL, &error);

      g_assert_null (associate);
    }
  g_assert_error (error, TC_ERROR, TC_ERROR_RATE_LIMITED);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "too many attempts, try again in "));
  g_assert_true (g_str_has_suffix (error->message, " s"));
}

static void
test_sync_pages (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(TcApiClient) alice = client_for (f, "A");
  g_autoptr(TcApiClient) bob = client_for (f, "B");
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_event_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *cursor = NULL;
  g_autoptr(GHashTable) member_ids = g_hash_table_new (g_str_hash, g_str_equal);
  guint members = 0, messages = 0, preferences = 0;
  gboolean more = TRUE;

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *body = g_strdup_printf ("message %u", i);
      g_autoptr(TcMessage) message = tc_app_test_send (i % 2 ? alice : bob, i % 2 ? "B" : "A",
                                                       body);
    }

  /* From scratch, in small pages: the team, the preferences, the stream. */
  while (more)
    {
      g_autoptr(TcSyncPage) page = sync_page (alice, cursor, 3, &error);

      g_assert_no_error (error);
      g_assert_false (page->reset);
      g_assert_nonnull (page->cursor);
      for (guint i = 0; i < page->events->len; i++)
        g_ptr_array_add (all, tc_event_copy (g_ptr_array_index (page->events, i)));
      g_free (cursor);
      cursor = g_strdup (page->cursor);
      more = page->more;
    }
  for (guint i = 0; i < all->len; i++)
    {
      TcEvent *event = g_ptr_array_index (all, i);

      if (event->type == TC_EVENT_MEMBER)
        g_hash_table_add (member_ids, event->member->id);
      messages += event->type == TC_EVENT_MESSAGE;
      preferences += event->type == TC_EVENT_PREFERENCES;
    }
  /* The snapshot, and the stream's own member events from the import. */
  members = g_hash_table_size (member_ids);
  g_assert_cmpuint (members, ==, 5);
  g_assert_cmpuint (messages, ==, 5);
  g_assert_cmpuint (preferences, ==, 1);

  /* Nothing new since. */
  {
    g_autoptr(TcSyncPage) page = sync_page (alice, cursor, 0, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (page->events->len, ==, 0);
    g_assert_false (page->more);
  }

  /* A cursor that is no cursor. */
  {
    g_autoptr(TcSyncPage) page = sync_page (alice, "not-a-cursor", 0, &error);

    g_assert_null (page);
    g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
  }
}

static void
test_messages (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(TcApiClient) alice = client_for (f, "A");
  g_autoptr(TcApiClient) bob = client_for (f, "B");
  g_autoptr(TcSendRequest) request = tc_send_request_new ();
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(GPtrArray) history = NULL;
  g_autoptr(GError) error = NULL;

  request->client_id = g_uuid_string_random ();
  g_ptr_array_add (request->to, g_strdup ("B"));
  g_free (request->body);
  request->body = g_strdup ("hello Bob");
  first = send_request (alice, request, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (first->len, ==, 1);

  /* The same client id again: the same message, nothing new. */
  again = send_request (alice, request, &error);
  g_assert_no_error (error);
  g_assert_cmpint (((TcMessage *) g_ptr_array_index (again, 0))->id, ==,
                   ((TcMessage *) g_ptr_array_index (first, 0))->id);
  history = tc_app_test_history (bob, "A");
  g_assert_cmpuint (history->len, ==, 1);

  /* Off the team: refused with a reason. */
  {
    g_autoptr(TcSendRequest) off_team = tc_send_request_new ();
    g_autoptr(GPtrArray) refused = NULL;

    off_team->client_id = g_uuid_string_random ();
    g_ptr_array_add (off_team->to, g_strdup ("G"));
    g_free (off_team->body);
    off_team->body = g_strdup ("hello Grace");
    refused = send_request (alice, off_team, &error);
    g_assert_null (refused);
    g_assert_error (error, TC_ERROR, TC_ERROR_FORBIDDEN);
    g_assert_cmpstr (error->message, !=, "");
    g_clear_error (&error);
  }

  /* Bob reads it; Alice's history shows it read. */
  {
    TcAppTestAsync async = { 0 };
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GPtrArray) mine = NULL;

    tc_api_client_read_async (bob, "A", ((TcMessage *) g_ptr_array_index (first, 0))->id, NULL,
                              tc_app_test_async_cb, &async);
    result = tc_app_test_async_wait (&async, "read");
    g_assert_true (tc_api_client_read_finish (bob, result, &error));
    g_assert_no_error (error);
    mine = tc_app_test_history (alice, "B");
    g_assert_true (((TcMessage *) g_ptr_array_index (mine, 0))->read);
  }
  {
    TcAppTestAsync async = { 0 };
    g_autoptr(GAsyncResult) result = NULL;

    tc_api_client_read_all_async (bob, NULL, tc_app_test_async_cb, &async);
    result = tc_app_test_async_wait (&async, "read all");
    g_assert_true (tc_api_client_read_all_finish (bob, result, &error));
    g_assert_no_error (error);
  }

  /* The team, and a search in it. */
  {
    TcAppTestAsync async = { 0 };
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GPtrArray) team = NULL;

    tc_api_client_team_async (bob, NULL, NULL, tc_app_test_async_cb, &async);
    result = tc_app_test_async_wait (&async, "team");
    team = tc_api_client_team_finish (bob, result, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (team->len, ==, 2);   /* A and D */
  }
}

static void
test_logout (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(TcApiClient) client = client_for (f, "C");
  g_autoptr(TcApiClient) stale = tc_api_client_new (tc_test_server_get_base_url (f->server));
  g_autoptr(GError) error = NULL;
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;

  tc_api_client_set_token (stale, tc_api_client_get_token (client));
  tc_api_client_logout_async (client, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "logout");
  g_assert_true (tc_api_client_logout_finish (client, result, &error));
  g_assert_no_error (error);
  g_assert_null (tc_api_client_get_token (client));

  /* The token stops working at once. */
  {
    g_autoptr(TcSyncPage) page = sync_page (stale, NULL, 0, &error);

    g_assert_null (page);
    g_assert_error (error, TC_ERROR, TC_ERROR_UNAUTHORIZED);
    g_assert_cmpstr (error->message, ==, "your session has ended; log in again");
  }
}

static void
test_websocket (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(TcApiClient) client = client_for (f, "A");
  g_autoptr(TcApiClient) nobody = tc_api_client_new (tc_test_server_get_base_url (f->server));
  g_autoptr(SoupWebsocketConnection) ws = NULL;
  g_autoptr(GError) error = NULL;

  {
    TcAppTestAsync async = { 0 };
    g_autoptr(GAsyncResult) result = NULL;

    tc_api_client_websocket_connect_async (client, NULL, tc_app_test_async_cb, &async);
    result = tc_app_test_async_wait (&async, "WebSocket");
    ws = tc_api_client_websocket_connect_finish (client, result, &error);
    g_assert_no_error (error);
    g_assert_cmpint (soup_websocket_connection_get_state (ws), ==, SOUP_WEBSOCKET_STATE_OPEN);
    soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  }

  /* A bad token is refused like any request. */
  tc_api_client_set_token (nobody, "tc1_not-a-token");
  {
    TcAppTestAsync async = { 0 };
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(SoupWebsocketConnection) refused = NULL;

    tc_api_client_websocket_connect_async (nobody, NULL, tc_app_test_async_cb, &async);
    result = tc_app_test_async_wait (&async, "WebSocket");
    refused = tc_api_client_websocket_connect_finish (nobody, result, &error);
    g_assert_null (refused);
    g_assert_error (error, TC_ERROR, TC_ERROR_UNAUTHORIZED);
  }
}

static void
child_setup (gpointer data)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
}

typedef struct {
  gboolean      done;
  GAsyncResult *result;
} Wait;

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
  wait->done = TRUE;
}

static gboolean
wait_done (gpointer data)
{
  return ((Wait *) data)->done;
}

static void
test_tls (Fixture       *f,
          gconstpointer  data)
{
  const char *tmpdir = tc_test_server_get_tmpdir (f->server);
  g_autofree char *cert = g_build_filename (tmpdir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (tmpdir, "key.pem", NULL);
  g_autofree char *db = g_build_filename (tmpdir, "tls.db", NULL);
  g_autofree char *line = NULL;
  g_autofree char *openssl_path = NULL;
  g_autoptr(GSubprocess) openssl = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) server = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(TcApiClient) client = NULL;
  g_autoptr(TcAssociate) associate = NULL;
  g_autoptr(GError) error = NULL;
  Wait wait = { FALSE, NULL };

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_test_skip ("no TLS backend (glib-networking)");
      return;
    }
  openssl_path = g_find_program_in_path ("openssl");
  if (openssl_path == NULL)
    {
      g_test_skip ("openssl is needed to make a test certificate");
      return;
    }
  openssl = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                              &error, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                              "-subj", "/CN=127.0.0.1", "-days", "2", "-keyout", key, "-out", cert,
                              NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (openssl, NULL, &error));
  g_assert_no_error (error);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  server = g_subprocess_launcher_spawn (launcher, &error, TEAMCHAT_SERVER_PATH, "serve", "--db", db,
                                        "--bind", "127.0.0.1", "--port", "0", "--tls-cert", cert,
                                        "--tls-key", key, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server));
  g_data_input_stream_read_line_async (out, G_PRIORITY_DEFAULT, NULL, wait_cb, &wait);
  tc_app_test_run_until (wait_done, &wait, "TLS server");
  line = g_data_input_stream_read_line_finish_utf8 (out, wait.result, NULL, &error);
  g_clear_object (&wait.result);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "listening on https://"));

  /* A self-signed certificate: a clear refusal, not a raw TLS error. */
  client = tc_api_client_new (line + strlen ("listening on "));
  associate = login (client, "alice", "password-A", NULL, &error);
  g_assert_null (associate);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_true (error->domain == G_TLS_ERROR);
  g_assert_cmpstr (error->message, ==, "The server’s certificate is not trusted: it is not signed "
                                       "by an authority this computer trusts");

  g_subprocess_send_signal (server, SIGTERM);
  wait.done = FALSE;
  g_subprocess_wait_async (server, NULL, wait_cb, &wait);
  tc_app_test_run_until (wait_done, &wait, "TLS server exit");
  g_clear_object (&wait.result);
}

/* --- the Documents and Media library ------------------------------------------------------ */

#define VIDEO_SIZE (300 * 1024 + 17)

/* The bytes of the "training video": not all alike, so misplaced ones show. */
static GBytes *
video_bytes (void)
{
  guint8 *data = g_malloc (VIDEO_SIZE);

  for (gsize i = 0; i < VIDEO_SIZE; i++)
    data[i] = (guint8) ((i * 7919) >> 3);
  return g_bytes_new_take (data, VIDEO_SIZE);
}

static void
write_source_file (const char *source,
                   const char *rel,
                   const void *data,
                   gsize       len)
{
  g_autofree char *path = g_build_filename (source, rel, NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, data, (gssize) len, NULL));
}

/* A small library on the fixture's server; returns the source directory. */
static char *
import_library (Fixture *f)
{
  char *source = g_build_filename (tc_test_server_get_tmpdir (f->server), "source", NULL);
  g_autoptr(GBytes) video = video_bytes ();
  g_autofree char *out = NULL;

  write_source_file (source, "Training videos/Getting started/welcome.webm",
                     g_bytes_get_data (video, NULL), g_bytes_get_size (video));
  write_source_file (source, "Training videos/Getting started/welcome.webm.description",
                     "Le début: bienvenue", strlen ("Le début: bienvenue"));
  write_source_file (source, "Brochures/catalog.pdf", "%PDF-1.4\n", 9);
  out = tc_test_server_import_media (f->server, source);
  g_assert_true (g_str_has_prefix (out, "imported 2 files"));
  return source;
}

static GPtrArray *
media_categories (TcApiClient  *client,
                  GError      **error)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;

  tc_api_client_media_categories_async (client, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "categories");
  return tc_api_client_media_categories_finish (client, result, error);
}

static TcMediaListing *
media_folder (TcApiClient  *client,
              const char   *id,
              GError      **error)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;

  tc_api_client_media_folder_async (client, id, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "folder");
  return tc_api_client_media_folder_finish (client, result, error);
}

static GPtrArray *
media_search (TcApiClient  *client,
              const char   *query,
              GError      **error)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;

  tc_api_client_media_search_async (client, query, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "search");
  return tc_api_client_media_search_finish (client, result, error);
}

/* The one resource of the "Getting started" folder. */
static TcResource *
find_video (TcApiClient *client)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) categories = media_categories (client, &error);
  g_autoptr(TcMediaListing) listing = NULL;
  TcMediaFolder *training, *started;

  g_assert_no_error (error);
  g_assert_cmpuint (categories->len, ==, 2);
  training = g_ptr_array_index (categories, 1);
  g_assert_cmpstr (training->title, ==, "Training videos");
  g_assert_cmpuint (training->folders->len, ==, 1);
  started = g_ptr_array_index (training->folders, 0);
  g_assert_cmpstr (started->title, ==, "Getting started");
  g_assert_cmpint (started->resource_count, ==, 1);

  listing = media_folder (client, started->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (listing->folder->id, ==, started->id);
  g_assert_cmpuint (listing->path->len, ==, 2);
  g_assert_cmpstr (((TcMediaFolder *) g_ptr_array_index (listing->path, 0))->title, ==,
                   "Training videos");
  g_assert_cmpuint (listing->resources->len, ==, 1);
  return tc_resource_copy (g_ptr_array_index (listing->resources, 0));
}

static void
test_media_browse (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(TcApiClient) client = client_for (f, "C");
  g_autofree char *source = import_library (f);
  g_autoptr(TcResource) video = find_video (client);
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(TcMediaListing) missing = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (video->title, ==, "Welcome");
  g_assert_cmpstr (video->description, ==, "Le début: bienvenue");
  g_assert_cmpint (video->size, ==, VIDEO_SIZE);
  g_assert_cmpstr (video->mime_type, ==, "video/webm");
  g_assert_nonnull (video->sha256);

  found = media_search (client, "DEBUT", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_true (tc_resource_equal (g_ptr_array_index (found, 0), video));
  g_clear_pointer (&found, g_ptr_array_unref);
  found = media_search (client, "no such thing", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 0);

  missing = media_folder (client, "fld_gone", &error);
  g_assert_null (missing);
  g_assert_error (error, TC_ERROR, TC_ERROR_NOT_FOUND);
}

typedef struct {
  GArray *received;    /* goffset, one per call */
  goffset total;
} Progress;

static void
on_progress (goffset  received,
             goffset  total,
             gpointer user_data)
{
  Progress *progress = user_data;

  g_array_append_val (progress->received, received);
  progress->total = total;
}

static gboolean
download (TcApiClient       *client,
          const TcResource  *resource,
          const char        *path,
          Progress          *progress,
          GError           **error)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;

  tc_api_client_download_async (client, resource, path, on_progress, progress, NULL,
                                tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "download");
  return tc_api_client_download_finish (client, result, error);
}

static void
assert_file_is_video (const char *path)
{
  g_autoptr(GBytes) video = video_bytes ();
  g_autofree char *contents = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpmem (contents, len, g_bytes_get_data (video, NULL), g_bytes_get_size (video));
}

static void
test_media_download (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(TcApiClient) client = client_for (f, "B");
  g_autofree char *source = import_library (f);
  g_autoptr(TcResource) video = find_video (client);
  g_autofree char *path = g_build_filename (tc_test_server_get_tmpdir (f->server), "welcome.webm",
                                            NULL);
  g_autofree char *part = g_strconcat (path, ".part", NULL);
  g_autoptr(GArray) received = g_array_new (FALSE, FALSE, sizeof (goffset));
  Progress progress = { received, 0 };
  g_autoptr(GError) error = NULL;

  g_assert_true (download (client, video, path, &progress, &error));
  g_assert_no_error (error);
  assert_file_is_video (path);
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));

  /* Progress: from nothing to everything, never backwards. */
  g_assert_cmpuint (received->len, >=, 2);
  g_assert_cmpint (g_array_index (received, goffset, 0), ==, 0);
  g_assert_cmpint (g_array_index (received, goffset, received->len - 1), ==, VIDEO_SIZE);
  g_assert_cmpint (progress.total, ==, VIDEO_SIZE);
  for (guint i = 1; i < received->len; i++)
    g_assert_cmpint (g_array_index (received, goffset, i), >=,
                     g_array_index (received, goffset, i - 1));
}

static void
test_media_download_resume (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(TcApiClient) client = client_for (f, "B");
  g_autofree char *source = import_library (f);
  g_autoptr(TcResource) video = find_video (client);
  g_autoptr(GBytes) bytes = video_bytes ();
  g_autofree char *path = g_build_filename (tc_test_server_get_tmpdir (f->server), "welcome.webm",
                                            NULL);
  g_autofree char *part = g_strconcat (path, ".part", NULL);
  g_autoptr(GArray) received = g_array_new (FALSE, FALSE, sizeof (goffset));
  Progress progress = { received, 0 };
  g_autoptr(GError) error = NULL;
  const goffset kept = 100000;

  /* An earlier attempt kept the first 100,000 bytes: only the rest comes. */
  g_assert_true (g_file_set_contents (part, g_bytes_get_data (bytes, NULL), kept, NULL));
  g_assert_true (download (client, video, path, &progress, &error));
  g_assert_no_error (error);
  assert_file_is_video (path);
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  g_assert_cmpint (g_array_index (received, goffset, 0), ==, kept);

  /* A part left by another version (its bytes differ): dropped, and the
   * whole file is fetched again. */
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_array_set_size (received, 0);
  {
    g_autofree char *stale = g_strnfill (kept, 'x');
    g_assert_true (g_file_set_contents (part, stale, kept, NULL));
  }
  g_assert_true (download (client, video, path, &progress, &error));
  g_assert_no_error (error);
  assert_file_is_video (path);
  g_assert_cmpint (g_array_index (received, goffset, 0), ==, kept);
  {
    gboolean restarted = FALSE;

    for (guint i = 1; i < received->len; i++)
      if (g_array_index (received, goffset, i) < g_array_index (received, goffset, i - 1))
        restarted = TRUE;
    g_assert_true (restarted);
  }

  /* A part longer than the content: fetched whole again. */
  g_assert_cmpint (g_unlink (path), ==, 0);
  {
    g_autofree char *longer = g_strnfill (VIDEO_SIZE + 10, 'y');
    g_assert_true (g_file_set_contents (part, longer, VIDEO_SIZE + 10, NULL));
  }
  g_assert_true (download (client, video, path, &progress, &error));
  g_assert_no_error (error);
  assert_file_is_video (path);
}

static void
test_media_download_mismatch (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(TcApiClient) client = client_for (f, "B");
  g_autofree char *source = import_library (f);
  g_autoptr(TcResource) video = find_video (client);
  g_autoptr(TcResource) wrong = tc_resource_copy (video);
  g_autoptr(TcResource) unknown = tc_resource_copy (video);
  g_autofree char *path = g_build_filename (tc_test_server_get_tmpdir (f->server), "welcome.webm",
                                            NULL);
  g_autofree char *part = g_strconcat (path, ".part", NULL);
  g_autoptr(GArray) received = g_array_new (FALSE, FALSE, sizeof (goffset));
  Progress progress = { received, 0 };
  g_autoptr(GError) error = NULL;

  /* The bytes are not what the resource says they are: nothing is kept. */
  g_free (wrong->sha256);
  wrong->sha256 = g_strnfill (64, 'a');
  g_assert_false (download (client, wrong, path, &progress, &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  /* Without a sha256 of its own, the ETag is the reference. */
  g_clear_pointer (&unknown->sha256, g_free);
  g_assert_true (download (client, unknown, path, &progress, &error));
  g_assert_no_error (error);
  assert_file_is_video (path);
  g_assert_cmpint (g_unlink (path), ==, 0);

  /* A resource that is not there. */
  g_free (unknown->id);
  unknown->id = g_strdup ("res_gone");
  g_assert_false (download (client, unknown, path, &progress, &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_NOT_FOUND);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, config) \
  g_test_add (path, Fixture, config, fixture_set_up, func, fixture_tear_down)
  ADD ("/api-client/login", test_login, NULL);
  ADD ("/api-client/rate-limited", test_rate_limited,
       "[limits]\nlogin_failures_per_login=2\n");
  ADD ("/api-client/sync", test_sync_pages, NULL);
  ADD ("/api-client/messages", test_messages, NULL);
  ADD ("/api-client/logout", test_logout, NULL);
  ADD ("/api-client/websocket", test_websocket, NULL);
  ADD ("/api-client/tls", test_tls, NULL);
  ADD ("/api-client/media/browse", test_media_browse, NULL);
  ADD ("/api-client/media/download", test_media_download, NULL);
  ADD ("/api-client/media/download-resume", test_media_download_resume, NULL);
  ADD ("/api-client/media/download-mismatch", test_media_download_mismatch, NULL);
#undef ADD

  return g_test_run ();
}
