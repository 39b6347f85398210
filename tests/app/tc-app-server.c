/* tc-app-server.c: a real server for the app core's integration tests
 *
 * tc-test-server.c imports the team and starts the first process; later
 * ones are started here on the same port, as a restarted server would
 * come back, so that the engine under test finds it where it was.
 */
#include <signal.h>
#include <string.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "tc-app-test.h"
#include "tc-test-server.h"

/* --- a real server ------------------------------------------------------------------ */

struct _TcAppServer
{
  TcTestServer     *first;     /* imports the team and runs the first process */
  GSubprocess      *process;   /* later processes, on the same port */
  char             *url;
  char             *port;
};

static const char *
server_executable (void)
{
  const char *path = g_getenv ("TEAMCHAT_SERVER");

  if (path != NULL && *path != '\0')
    return path;
#ifdef TEAMCHAT_SERVER_PATH
  return TEAMCHAT_SERVER_PATH;
#else
  g_error ("Set TEAMCHAT_SERVER to the teamchat-server executable");
  return NULL;
#endif
}

TcAppServer *
tc_app_server_new (void)
{
  return tc_app_server_new_with_config (NULL);
}

TcAppServer *
tc_app_server_new_with_config (const char *config_text)
{
  TcAppServer *self = g_new0 (TcAppServer, 1);
  g_autoptr(GUri) uri = NULL;

  self->first = tc_test_server_new_or_fail (config_text);
  self->url = g_strdup (tc_test_server_get_base_url (self->first));
  uri = g_uri_parse (self->url, G_URI_FLAGS_NONE, NULL);
  g_assert_nonnull (uri);
  g_assert_cmpint (g_uri_get_port (uri), >, 0);
  self->port = g_strdup_printf ("%d", g_uri_get_port (uri));
  return self;
}

const char *
tc_app_server_get_url (TcAppServer *self)
{
  return self->url;
}

const char *
tc_app_server_get_db_path (TcAppServer *self)
{
  return tc_test_server_get_db_path (self->first);
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

void
tc_app_server_stop (TcAppServer *self)
{
  if (self->process != NULL)
    {
      Wait wait = { FALSE, NULL };

      g_subprocess_send_signal (self->process, SIGTERM);
      g_subprocess_wait_async (self->process, NULL, wait_cb, &wait);
      tc_app_test_run_until (wait_done, &wait, "server exit");
      g_assert_true (g_subprocess_wait_finish (self->process, wait.result, NULL));
      g_object_unref (wait.result);
      g_clear_object (&self->process);
    }
  else
    tc_test_server_stop (self->first);
}

static void
child_setup (gpointer data)
{
#ifdef __linux__
  /* The server must not outlive a test that aborts. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
}

void
tc_app_server_start (TcAppServer *self)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *expected = g_strconcat ("listening on ", self->url, NULL);
  Wait wait = { FALSE, NULL };

  g_assert_null (self->process);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  {
    const char *config = tc_test_server_get_config_path (self->first);
    const char *argv[] = { server_executable (), "serve",
                           "--db", tc_test_server_get_db_path (self->first),
                           "--bind", "127.0.0.1", "--port", self->port,
                           "--media-dir", tc_test_server_get_media_dir (self->first),
                           config != NULL ? "--config" : NULL, config, NULL };

    self->process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  }
  g_assert_no_error (error);

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->process));
  g_data_input_stream_read_line_async (out, G_PRIORITY_DEFAULT, NULL, wait_cb, &wait);
  tc_app_test_run_until (wait_done, &wait, "server start");
  line = g_data_input_stream_read_line_finish_utf8 (out, wait.result, NULL, &error);
  g_object_unref (wait.result);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_strchomp (line);
  g_assert_cmpstr (line, ==, expected);
}

void
tc_app_server_free (TcAppServer *self)
{
  if (self == NULL)
    return;
  if (self->process != NULL)
    tc_app_server_stop (self);
  tc_test_server_free (self->first);
  g_free (self->url);
  g_free (self->port);
  g_free (self);
}

TcApiClient *
tc_app_test_login (TcAppServer *server,
                   const char  *id)
{
  static const char * const logins[] = { "alice", "bob", "carol", "dan", "erin", "frank", "grace" };
  g_autoptr(TcApiClient) client = tc_api_client_new (server->url);
  g_autoptr(TcAssociate) associate = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *password = g_strconcat ("password-", id, NULL);
  TcAppTestAsync async = { 0 };
  guint index = (guint) (id[0] - 'A');

  g_assert_cmpuint (index, <, G_N_ELEMENTS (logins));
  tc_api_client_login_async (client, logins[index], password, "app core test", NULL,
                             tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "login");
  associate = tc_api_client_login_finish (client, result, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (associate->id, ==, id);
  return g_steal_pointer (&client);
}

TcMessage *
tc_app_test_send (TcApiClient *client,
                  const char  *to,
                  const char  *body)
{
  g_autoptr(TcSendRequest) request = tc_send_request_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GError) error = NULL;
  TcAppTestAsync async = { 0 };

  request->client_id = g_uuid_string_random ();
  g_ptr_array_add (request->to, g_strdup (to));
  g_free (request->body);
  request->body = g_strdup (body);
  tc_api_client_send_async (client, request, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "message sent");
  messages = tc_api_client_send_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, 1);
  return tc_message_copy (g_ptr_array_index (messages, 0));
}

GPtrArray *
tc_app_test_history (TcApiClient *client,
                     const char  *peer_id)
{
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_message_free);
  gint64 before = 0;
  gboolean more = TRUE;

  while (more)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GPtrArray) page = NULL;
      g_autoptr(GError) error = NULL;
      TcAppTestAsync async = { 0 };

      tc_api_client_history_async (client, peer_id, before, 200, NULL, tc_app_test_async_cb,
                                   &async);
      result = tc_app_test_async_wait (&async, "history");
      page = tc_api_client_history_finish (client, result, &more, &error);
      g_assert_no_error (error);
      for (guint i = 0; i < page->len; i++)
        {
          TcMessage *message = g_ptr_array_index (page, i);

          g_ptr_array_add (all, tc_message_copy (message));
          before = message->id;
        }
      if (more)
        g_assert_cmpuint (page->len, >, 0);
    }
  return all;
}

gboolean
tc_app_test_converged (TcReplica          *replica,
                       TcApiClient        *client,
                       const char * const *peers)
{
  for (guint i = 0; peers[i] != NULL; i++)
    {
      g_autoptr(GPtrArray) server = tc_app_test_history (client, peers[i]);
      g_autoptr(GPtrArray) local = tc_app_test_replica_messages (replica, peers[i], 0, G_MAXINT);

      if (server->len != local->len)
        return FALSE;
      for (guint j = 0; j < server->len; j++)
        {
          TcReplicaMessage *row = g_ptr_array_index (local, j);

          if (row->state != TC_MESSAGE_STATE_SENT ||
              !tc_message_equal (g_ptr_array_index (server, j), row->message))
            return FALSE;
        }
    }
  return TRUE;
}
