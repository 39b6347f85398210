/* tc-test-server.c: runs the real teamchat-server for integration tests */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "tc-test-server.h"

#define START_TIMEOUT_SECONDS 30
#define STOP_TIMEOUT_SECONDS  30
#define HTTP_TIMEOUT_SECONDS  60

struct _TcTestServer
{
  char             *tmpdir;
  char             *db_path;
  char             *config_path;   /* NULL without a config */
  char             *media_dir;     /* --media-dir, in tmpdir (or the first server's) */
  char             *log_path;      /* stderr, every message on; NULL: inherited */
  gboolean          owns_db;       /* made by tc_test_db_new(): dropped at the end */
  GSubprocess      *process;       /* NULL while stopped */
  GDataInputStream *out;
  char             *base_url;
  SoupSession      *session;
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

static char *
team_csv_path (void)
{
#ifdef TC_IT_DATA_DIR
  return g_build_filename (TC_IT_DATA_DIR, "team.csv", NULL);
#else
  return g_test_build_filename (G_TEST_DIST, "server", "data", "team.csv", NULL);
#endif
}

static void
remove_tree (const char *path)
{
  GDir *dir;
  const char *name;

  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      dir = g_dir_open (path, 0, NULL);
      if (dir != NULL)
        {
          while ((name = g_dir_read_name (dir)) != NULL)
            {
              g_autofree char *child = g_build_filename (path, name, NULL);

              remove_tree (child);
            }
          g_dir_close (dir);
        }
      g_rmdir (path);
    }
  else
    {
      g_unlink (path);
    }
}

/* --- waiting with a guard ---------------------------------------------------- */

typedef struct {
  gboolean      done;
  GAsyncResult *result;
} AsyncWait;

static void
async_wait_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  AsyncWait *wait = user_data;

  wait->done = TRUE;
  wait->result = g_object_ref (result);
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

/* Reads one line of the server's stdout, giving up after @seconds. */
static char *
read_line (GDataInputStream  *in,
           guint              seconds,
           GError           **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GSource) timeout = g_timeout_source_new_seconds (seconds);
  AsyncWait wait = { FALSE, NULL };
  char *line;
  gsize len;

  g_main_context_push_thread_default (context);
  g_source_set_callback (timeout, cancel_cb, cancellable, NULL);
  g_source_attach (timeout, context);
  g_data_input_stream_read_line_async (in, G_PRIORITY_DEFAULT, cancellable, async_wait_cb, &wait);
  while (!wait.done)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  line = g_data_input_stream_read_line_finish_utf8 (in, wait.result, &len, error);
  g_object_unref (wait.result);
  g_main_context_pop_thread_default (context);
  return line;
}

/* Waits for the process to end; FALSE if it did not within @seconds. */
static gboolean
wait_process (GSubprocess *process,
              guint        seconds)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GSource) timeout = g_timeout_source_new_seconds (seconds);
  g_autoptr(GError) error = NULL;
  AsyncWait wait = { FALSE, NULL };
  gboolean ok;

  g_main_context_push_thread_default (context);
  g_source_set_callback (timeout, cancel_cb, cancellable, NULL);
  g_source_attach (timeout, context);
  g_subprocess_wait_async (process, cancellable, async_wait_cb, &wait);
  while (!wait.done)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  ok = g_subprocess_wait_finish (process, wait.result, &error);
  g_object_unref (wait.result);
  g_main_context_pop_thread_default (context);
  return ok;
}

/* --- starting and stopping ------------------------------------------------------ */

static gboolean
import_team (TcTestServer  *self,
             GError       **error)
{
  g_autofree char *csv = team_csv_path ();
  g_autofree char *out = NULL;
  g_autofree char *expected = g_strdup_printf ("imported %d\n", TC_TEST_TEAM_SIZE);
  g_autoptr(GSubprocess) process = NULL;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, error, server_executable (),
                              "import-associates", "--db", self->db_path, csv, NULL);
  if (process == NULL)
    return FALSE;
  if (!g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, error))
    return FALSE;
  if (!g_subprocess_get_successful (process))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "import-associates failed (see stderr); stdout: %s", out);
      return FALSE;
    }
  if (g_strcmp0 (out, expected) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "import-associates printed “%s”, expected “%s”", out, expected);
      return FALSE;
    }
  return TRUE;
}

/* The server must not outlive a test program that aborts on a failed
 * assertion (it would keep the test's stderr open, and meson waiting). */
static void
child_setup (gpointer data)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
}

static gboolean
spawn_server (TcTestServer  *self,
              GError       **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *line = NULL;
  const char *prefix = "listening on ";

  g_assert_null (self->process);

  g_ptr_array_add (argv, (gpointer) server_executable ());
  g_ptr_array_add (argv, (gpointer) "serve");
  g_ptr_array_add (argv, (gpointer) "--db");
  g_ptr_array_add (argv, self->db_path);
  g_ptr_array_add (argv, (gpointer) "--port");
  g_ptr_array_add (argv, (gpointer) "0");
  g_ptr_array_add (argv, (gpointer) "--bind");
  g_ptr_array_add (argv, (gpointer) "127.0.0.1");
  g_ptr_array_add (argv, (gpointer) "--media-dir");
  g_ptr_array_add (argv, self->media_dir);
  if (self->config_path != NULL)
    {
      g_ptr_array_add (argv, (gpointer) "--config");
      g_ptr_array_add (argv, self->config_path);
    }
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  if (self->log_path != NULL)
    {
      g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
      g_subprocess_launcher_set_stderr_file_path (launcher, self->log_path);
    }
  self->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                                error);
  if (self->process == NULL)
    return FALSE;
  self->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->process));

  line = read_line (self->out, START_TIMEOUT_SECONDS, &local_error);
  if (line == NULL)
    {
      if (local_error != NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                     "teamchat-server serve did not say where it listens: %s", local_error->message);
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                     "teamchat-server serve ended before it listened (see stderr)");
      tc_test_server_kill (self);
      return FALSE;
    }
  if (!g_str_has_prefix (line, prefix) ||
      !g_str_has_prefix (line + strlen (prefix), "http://127.0.0.1:"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "teamchat-server serve printed “%s”, expected “listening on http://127.0.0.1:PORT”",
                   line);
      tc_test_server_kill (self);
      return FALSE;
    }

  g_free (self->base_url);
  self->base_url = g_strdup (line + strlen (prefix));
  g_strchomp (self->base_url);
  if (g_str_has_suffix (self->base_url, "/"))
    self->base_url[strlen (self->base_url) - 1] = '\0';

  /* A fresh session: connections to an old process are useless. */
  g_clear_object (&self->session);
  self->session = soup_session_new ();
  soup_session_set_timeout (self->session, HTTP_TIMEOUT_SECONDS);
  soup_session_set_user_agent (self->session, "teamchat-integration-tests");
  return TRUE;
}

/**
 * tc_test_server_start:
 * @db_path: (nullable): an existing database to serve, or %NULL for a fresh
 *   one in the server's own temporary directory
 * @config_text: (nullable): INI text for `--config`
 *
 * A database that does not exist yet is created and filled from team.csv.
 */
TcTestServer *
tc_test_server_start (const char  *db_path,
                      const char  *config_text,
                      GError     **error)
{
  return tc_test_server_start_logged (db_path, config_text, NULL, error);
}

/**
 * tc_test_server_start_logged:
 * @log_path: (nullable): where the server's stderr goes, with every log
 *   message on (G_MESSAGES_DEBUG=all); the file is started anew
 *
 * tc_test_server_start(), keeping the log for a test to read.
 */
TcTestServer *
tc_test_server_start_logged (const char  *db_path,
                             const char  *config_text,
                             const char  *log_path,
                             GError     **error)
{
  g_autoptr(TcTestServer) self = g_new0 (TcTestServer, 1);

  self->log_path = g_strdup (log_path);

  self->tmpdir = g_dir_make_tmp ("teamchat-it-XXXXXX", error);
  if (self->tmpdir == NULL)
    return NULL;
  if (db_path != NULL)
    self->db_path = g_strdup (db_path);
  else
    {
      self->db_path = tc_test_db_new (self->tmpdir, error);
      if (self->db_path == NULL)
        return NULL;
      self->owns_db = tc_test_db_is_postgresql ();
    }
  self->media_dir = g_build_filename (self->tmpdir, "media", NULL);
  if (config_text != NULL)
    {
      self->config_path = g_build_filename (self->tmpdir, "server.conf", NULL);
      if (!g_file_set_contents (self->config_path, config_text, -1, error))
        return NULL;
    }
  if ((self->owns_db || (!tc_test_db_is_postgresql () &&
                         !g_file_test (self->db_path, G_FILE_TEST_EXISTS))) &&
      !import_team (self, error))
    return NULL;
  if (!spawn_server (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

TcTestServer *
tc_test_server_start_peer (TcTestServer  *first,
                           const char    *config_text,
                           GError       **error)
{
  g_autoptr(TcTestServer) self = g_new0 (TcTestServer, 1);

  self->tmpdir = g_dir_make_tmp ("teamchat-it-XXXXXX", error);
  if (self->tmpdir == NULL)
    return NULL;
  self->db_path = g_strdup (first->db_path);
  self->media_dir = g_strdup (first->media_dir);
  if (config_text != NULL)
    {
      self->config_path = g_build_filename (self->tmpdir, "server.conf", NULL);
      if (!g_file_set_contents (self->config_path, config_text, -1, error))
        return NULL;
    }
  if (!spawn_server (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

/* tc_test_server_start() that fails the test program on an error. */
TcTestServer *
tc_test_server_new_or_fail (const char *config_text)
{
  g_autoptr(GError) error = NULL;
  TcTestServer *self = tc_test_server_start (NULL, config_text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (self);
  return self;
}

static void
forget_process (TcTestServer *self)
{
  g_clear_object (&self->out);
  g_clear_object (&self->process);
  g_clear_object (&self->session);
}

/**
 * tc_test_server_stop:
 *
 * Sends SIGTERM and waits. Returns: %TRUE if the server exited with status 0
 */
gboolean
tc_test_server_stop (TcTestServer *self)
{
  gboolean ok;

  if (self->process == NULL)
    return TRUE;
  g_clear_object (&self->session);
  g_subprocess_send_signal (self->process, SIGTERM);
  if (!wait_process (self->process, STOP_TIMEOUT_SECONDS))
    {
      g_test_message ("teamchat-server did not exit within %d s of SIGTERM; killing it",
                      STOP_TIMEOUT_SECONDS);
      g_subprocess_force_exit (self->process);
      g_subprocess_wait (self->process, NULL, NULL);
      forget_process (self);
      return FALSE;
    }
  ok = g_subprocess_get_if_exited (self->process) &&
       g_subprocess_get_exit_status (self->process) == 0;
  if (!ok)
    g_test_message ("teamchat-server did not exit cleanly on SIGTERM");
  forget_process (self);
  return ok;
}

/* SIGKILL, as a crash or a power cut would end it. */
void
tc_test_server_kill (TcTestServer *self)
{
  if (self->process == NULL)
    return;
  g_subprocess_force_exit (self->process);
  g_subprocess_wait (self->process, NULL, NULL);
  forget_process (self);
}

/* Starts the server again on the same database and config (stopping it
 * first if it runs); the port, so the base URL, may change. */
gboolean
tc_test_server_restart (TcTestServer  *self,
                        GError       **error)
{
  if (self->process != NULL)
    tc_test_server_stop (self);
  return spawn_server (self, error);
}

void
tc_test_server_free (TcTestServer *self)
{
  if (self == NULL)
    return;
  tc_test_server_stop (self);
  if (self->owns_db && g_getenv ("TC_IT_KEEP_TMP") == NULL)
    tc_test_db_drop (self->db_path);
  if (self->tmpdir != NULL && g_getenv ("TC_IT_KEEP_TMP") == NULL)
    remove_tree (self->tmpdir);
  g_free (self->tmpdir);
  g_free (self->db_path);
  g_free (self->config_path);
  g_free (self->media_dir);
  g_free (self->log_path);
  g_free (self->base_url);
  g_free (self);
}

const char *
tc_test_server_get_base_url (TcTestServer *self)
{
  return self->base_url;
}

const char *
tc_test_server_get_db_path (TcTestServer *self)
{
  return self->db_path;
}

/* The process id of the running server (0 while stopped). */
GPid
tc_test_server_get_pid (TcTestServer *self)
{
  const char *id = self->process != NULL ? g_subprocess_get_identifier (self->process) : NULL;

  return id != NULL ? (GPid) g_ascii_strtoll (id, NULL, 10) : 0;
}

/* The server's resident memory (VmRSS) in KiB. */
guint64
tc_test_server_get_rss_kib (TcTestServer *self)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) tc_test_server_get_pid (self));
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents (path, &status, NULL, NULL));
  line = strstr (status, "VmRSS:");
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen ("VmRSS:"), NULL, 10);
}

/* The --config file, or NULL. */
const char *
tc_test_server_get_config_path (TcTestServer *self)
{
  return self->config_path;
}

const char *
tc_test_server_get_tmpdir (TcTestServer *self)
{
  return self->tmpdir;
}

const char *
tc_test_server_get_media_dir (TcTestServer *self)
{
  return self->media_dir;
}

/**
 * tc_test_run_command:
 * @out: (out) (optional): stdout
 * @err: (out) (optional): stderr
 * @first: the first argument after the executable, then more, NULL-terminated
 *
 * Runs teamchat-server (not as a server: a command that ends).
 *
 * Returns: its exit status
 */
int
tc_test_run_command (char       **out,
                     char       **err,
                     const char  *first,
                     ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out_text = NULL;
  g_autofree char *err_text = NULL;
  va_list args;

  g_ptr_array_add (argv, (gpointer) server_executable ());
  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out_text, &err_text, &error);
  g_assert_no_error (error);
  if (out != NULL)
    *out = g_steal_pointer (&out_text);
  if (err != NULL)
    *err = g_steal_pointer (&err_text);
  return g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1;
}

/* `import-media` of @source_dir into this server's database and media
 * directory (while it runs, as an administrator would); asserts success
 * and returns what it printed. */
char *
tc_test_server_import_media (TcTestServer *self,
                             const char   *source_dir)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = tc_test_run_command (&out, &err, "import-media", "--db", self->db_path,
                                    "--media-dir", self->media_dir, source_dir, NULL);

  if (status != 0)
    g_error ("import-media failed (%d): %s", status, err);
  return g_steal_pointer (&out);
}

/* ws://127.0.0.1:PORT/api/v1/ws */
char *
tc_test_server_ws_url (TcTestServer *self)
{
  g_assert_true (g_str_has_prefix (self->base_url, "http://"));
  return g_strconcat ("ws://", self->base_url + strlen ("http://"), "/api/v1/ws", NULL);
}

SoupSession *
tc_test_server_get_session (TcTestServer *self)
{
  g_assert_nonnull (self->session);
  return self->session;
}

/* --- HTTP ---------------------------------------------------------------------------- */

void
tc_test_response_free (TcTestResponse *response)
{
  if (response == NULL)
    return;
  g_clear_pointer (&response->body, g_bytes_unref);
  g_clear_pointer (&response->json, json_node_unref);
  g_clear_pointer (&response->headers, soup_message_headers_unref);
  g_free (response);
}

static JsonNode *
parse_json (GBytes *bytes)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  JsonNode *root;

  if (len == 0 || !json_parser_load_from_data (parser, data, (gssize) len, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  return root != NULL ? json_node_copy (root) : NULL;
}

TcTestResponse *
tc_test_send (TcTestServer *self,
              const char   *method,
              const char   *path,
              const char   *authorization,
              const char   *content_type,
              const void   *data,
              gssize        len)
{
  g_autofree char *url = g_strconcat (self->base_url, path, NULL);
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GError) error = NULL;
  TcTestResponse *response;
  GBytes *body;

  g_assert_nonnull (self->session);
  msg = soup_message_new (method, url);
  g_assert_nonnull (msg);
  if (authorization != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                  authorization);
  if (data != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (data, len < 0 ? strlen (data) : (gsize) len);

      soup_message_set_request_body_from_bytes (msg, content_type ? content_type : "application/json",
                                                bytes);
    }

  body = soup_session_send_and_read (self->session, msg, NULL, &error);
  g_assert_no_error (error);

  response = g_new0 (TcTestResponse, 1);
  response->status = soup_message_get_status (msg);
  response->body = body;
  response->json = parse_json (body);
  response->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  return response;
}

JsonNode *
tc_test_request_raw (TcTestServer *self,
                     const char   *method,
                     const char   *path,
                     const char   *token,
                     const void   *data,
                     gsize         len,
                     guint        *out_status)
{
  g_autofree char *authorization = token ? g_strconcat ("Bearer ", token, NULL) : NULL;
  g_autoptr(TcTestResponse) response = NULL;

  response = tc_test_send (self, method, path, authorization, "application/json", data,
                           (gssize) len);
  if (out_status != NULL)
    *out_status = response->status;
  return g_steal_pointer (&response->json);
}

JsonNode *
tc_test_request (TcTestServer *self,
                 const char   *method,
                 const char   *path,
                 const char   *token,
                 const char   *body,
                 guint        *out_status)
{
  return tc_test_request_raw (self, method, path, token, body, body ? strlen (body) : 0,
                              out_status);
}

char *
tc_test_login (TcTestServer *self,
               const char   *login,
               const char   *password)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) request = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autofree char *text = NULL;
  JsonObject *object;
  guint status = 0;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "login");
  json_builder_add_string_value (builder, login);
  json_builder_set_member_name (builder, "password");
  json_builder_add_string_value (builder, password);
  json_builder_set_member_name (builder, "device");
  json_builder_add_string_value (builder, "integration test");
  json_builder_end_object (builder);
  request = json_builder_get_root (builder);
  text = json_to_string (request, FALSE);

  answer = tc_test_request (self, "POST", "/api/v1/session", NULL, text, &status);
  g_assert_cmpuint (status, ==, 200);
  object = tc_test_object (answer);
  return g_strdup (tc_test_get_string (object, "token"));
}

static const struct {
  const char *id;
  const char *login;
} team_logins[] = {
  { "A", "alice" },
  { "B", "bob" },
  { "C", "carol" },
  { "D", "dan" },
  { "E", "erin" },
  { "F", "frank" },
  { "G", "grace" },
};

char *
tc_test_login_as (TcTestServer *self,
                  const char   *id)
{
  for (guint i = 0; i < G_N_ELEMENTS (team_logins); i++)
    if (g_str_equal (team_logins[i].id, id))
      {
        g_autofree char *password = g_strconcat ("password-", id, NULL);

        return tc_test_login (self, team_logins[i].login, password);
      }
  g_assert_not_reached ();
  return NULL;
}

char *
tc_test_message_json (const char         *client_id,
                      const char * const *to,
                      const char         *body,
                      const char * const *attachments)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "client_id");
  json_builder_add_string_value (builder, client_id);
  json_builder_set_member_name (builder, "to");
  json_builder_begin_array (builder);
  for (guint i = 0; to != NULL && to[i] != NULL; i++)
    json_builder_add_string_value (builder, to[i]);
  json_builder_end_array (builder);
  if (body != NULL)
    {
      json_builder_set_member_name (builder, "body");
      json_builder_add_string_value (builder, body);
    }
  if (attachments != NULL)
    {
      json_builder_set_member_name (builder, "attachments");
      json_builder_begin_array (builder);
      for (guint i = 0; attachments[i] != NULL; i++)
        json_builder_add_string_value (builder, attachments[i]);
      json_builder_end_array (builder);
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

JsonNode *
tc_test_send_message (TcTestServer       *self,
                      const char         *token,
                      const char         *client_id,
                      const char * const *to,
                      const char         *body,
                      guint              *out_status)
{
  g_autofree char *text = tc_test_message_json (client_id, to, body, NULL);

  return tc_test_request (self, "POST", "/api/v1/messages", token, text, out_status);
}

JsonArray *
tc_test_history (TcTestServer *self,
                 const char   *token,
                 const char   *peer)
{
  JsonArray *all = json_array_new ();
  gint64 before = -1;
  gboolean more = TRUE;

  while (more)
    {
      g_autofree char *escaped = g_uri_escape_string (peer, NULL, FALSE);
      g_autofree char *path = NULL;
      g_autoptr(JsonNode) answer = NULL;
      JsonObject *object;
      JsonArray *page;
      guint status = 0;

      if (before < 0)
        path = g_strdup_printf ("/api/v1/conversations/%s/messages?limit=200", escaped);
      else
        path = g_strdup_printf ("/api/v1/conversations/%s/messages?limit=200&before=%" G_GINT64_FORMAT,
                                escaped, before);
      answer = tc_test_request (self, "GET", path, token, NULL, &status);
      g_assert_cmpuint (status, ==, 200);
      object = tc_test_object (answer);
      page = tc_test_get_array (object, "messages");
      for (guint i = 0; i < json_array_get_length (page); i++)
        {
          JsonNode *element = json_array_get_element (page, i);
          JsonObject *message = tc_test_object (element);

          json_array_add_element (all, json_node_copy (element));
          before = tc_test_get_int (message, "id");
        }
      more = tc_test_get_bool (object, "more");
      if (more)
        g_assert_cmpuint (json_array_get_length (page), >, 0);
    }
  return all;
}

/* --- assertions --------------------------------------------------------------------- */

JsonObject *
tc_test_object (JsonNode *node)
{
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_node_get_object (node);
}

static JsonNode *
get_member (JsonObject *object,
            const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL)
    g_error ("member “%s” is missing", member);
  return node;
}

const char *
tc_test_get_string (JsonObject *object,
                    const char *member)
{
  JsonNode *node = get_member (object, member);

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    g_error ("member “%s” is not a string", member);
  return json_node_get_string (node);
}

gint64
tc_test_get_int (JsonObject *object,
                 const char *member)
{
  JsonNode *node = get_member (object, member);

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    g_error ("member “%s” is not an integer", member);
  return json_node_get_int (node);
}

gboolean
tc_test_get_bool (JsonObject *object,
                  const char *member)
{
  JsonNode *node = get_member (object, member);

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    g_error ("member “%s” is not a boolean", member);
  return json_node_get_boolean (node);
}

JsonArray *
tc_test_get_array (JsonObject *object,
                   const char *member)
{
  JsonNode *node = get_member (object, member);

  if (!JSON_NODE_HOLDS_ARRAY (node))
    g_error ("member “%s” is not an array", member);
  return json_node_get_array (node);
}

JsonObject *
tc_test_get_object (JsonObject *object,
                    const char *member)
{
  JsonNode *node = get_member (object, member);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    g_error ("member “%s” is not an object", member);
  return json_node_get_object (node);
}

gboolean
tc_test_is_null_member (JsonObject *object,
                        const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  return node != NULL && JSON_NODE_HOLDS_NULL (node);
}

void
tc_test_assert_error (JsonNode   *node,
                      const char *code)
{
  JsonObject *object = tc_test_object (node);
  JsonNode *error = json_object_get_member (object, "error");
  JsonNode *message = json_object_get_member (object, "message");

  g_assert_nonnull (error);
  g_assert_true (JSON_NODE_HOLDS_VALUE (error));
  g_assert_cmpint (json_node_get_value_type (error), ==, G_TYPE_STRING);
  g_assert_nonnull (message);
  g_assert_true (JSON_NODE_HOLDS_VALUE (message));
  g_assert_cmpint (json_node_get_value_type (message), ==, G_TYPE_STRING);
  g_assert_cmpstr (json_node_get_string (message), !=, "");
  if (code != NULL)
    g_assert_cmpstr (json_node_get_string (error), ==, code);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

void
tc_test_assert_id_set (JsonArray          *array,
                       const char         *member,
                       const char * const *expected)
{
  g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *got_text = NULL;
  g_autofree char *want_text = NULL;

  g_assert_nonnull (array);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      const char *value;

      if (member != NULL)
        value = tc_test_get_string (tc_test_object (element), member);
      else
        value = json_node_get_string (element);
      g_assert_nonnull (value);
      g_ptr_array_add (got, g_strdup (value));
    }
  for (guint i = 0; expected != NULL && expected[i] != NULL; i++)
    g_ptr_array_add (want, g_strdup (expected[i]));
  g_ptr_array_sort (got, compare_strings);
  g_ptr_array_sort (want, compare_strings);
  g_ptr_array_add (got, NULL);
  g_ptr_array_add (want, NULL);
  got_text = g_strjoinv (",", (char **) got->pdata);
  want_text = g_strjoinv (",", (char **) want->pdata);
  g_assert_cmpstr (got_text, ==, want_text);
}

char *
tc_test_uuid (void)
{
  return g_uuid_string_random ();
}

/* --- the database of a test ---------------------------------------------------------- */

#define PG_START_TIMEOUT_SECONDS 60

static GSubprocess *private_cluster;   /* pg-cluster.sh run, when no shared one */
static char        *private_cluster_dir;

gboolean
tc_test_db_is_postgresql (void)
{
  return g_strcmp0 (g_getenv ("TEAMCHAT_TEST_DB"), "postgresql") == 0;
}

static const char *
pg_port (void)
{
  const char *port = g_getenv ("TEAMCHAT_TEST_PG_PORT");

  return port != NULL && *port != '\0' ? port : "5432";
}

/* Runs psql on @db (a URI), or on the cluster's "postgres" database when
 * @db is NULL; TRUE when it succeeded. */
static gboolean
run_psql (const char  *host,
          const char  *db,
          const char  *sql,
          char       **out,
          char       **err)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (gpointer) "psql");
  g_ptr_array_add (argv, (gpointer) "-X");
  g_ptr_array_add (argv, (gpointer) "-q");
  g_ptr_array_add (argv, (gpointer) "-A");
  g_ptr_array_add (argv, (gpointer) "-t");
  g_ptr_array_add (argv, (gpointer) "-v");
  g_ptr_array_add (argv, (gpointer) "ON_ERROR_STOP=1");
  if (db == NULL)
    {
      g_ptr_array_add (argv, (gpointer) "-h");
      g_ptr_array_add (argv, (gpointer) host);
      g_ptr_array_add (argv, (gpointer) "-p");
      g_ptr_array_add (argv, (gpointer) pg_port ());
      g_ptr_array_add (argv, (gpointer) "-U");
      g_ptr_array_add (argv, (gpointer) "postgres");
      g_ptr_array_add (argv, (gpointer) "-d");
      g_ptr_array_add (argv, (gpointer) "postgres");
    }
  else
    {
      g_ptr_array_add (argv, (gpointer) "-d");
      g_ptr_array_add (argv, (gpointer) db);
    }
  g_ptr_array_add (argv, (gpointer) "-c");
  g_ptr_array_add (argv, (gpointer) sql);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  if (process == NULL)
    {
      if (err != NULL)
        *err = g_strdup (error->message);
      return FALSE;
    }
  if (!g_subprocess_communicate_utf8 (process, NULL, NULL, out, err, &error))
    return FALSE;
  return g_subprocess_get_if_exited (process) && g_subprocess_get_exit_status (process) == 0;
}

static void
stop_private_cluster (void)
{
  if (private_cluster != NULL)
    {
      /* SIGINT: PostgreSQL's fast shutdown. */
      g_subprocess_send_signal (private_cluster, SIGINT);
      g_subprocess_wait (private_cluster, NULL, NULL);
      g_clear_object (&private_cluster);
    }
  if (private_cluster_dir != NULL)
    remove_tree (private_cluster_dir);
  g_clear_pointer (&private_cluster_dir, g_free);
}

static const char *
pg_host (GError **error)
{
  const char *host = g_getenv ("TEAMCHAT_TEST_PG_HOST");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *script = NULL;
  gint64 deadline;

  if (host != NULL && *host != '\0')
    return host;
  if (private_cluster_dir != NULL)
    return private_cluster_dir;

#ifdef TC_IT_SCRIPTS_DIR
  script = g_build_filename (TC_IT_SCRIPTS_DIR, "pg-cluster.sh", NULL);
#else
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
               "set TEAMCHAT_TEST_PG_HOST (see tests/server/pg-cluster.sh)");
  return NULL;
#endif
  private_cluster_dir = g_dir_make_tmp ("teamchat-pg-XXXXXX", error);
  if (private_cluster_dir == NULL)
    return NULL;
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  private_cluster = g_subprocess_launcher_spawn (launcher, error, "bash", script, "run",
                                                 private_cluster_dir, NULL);
  if (private_cluster == NULL)
    return NULL;
  atexit (stop_private_cluster);

  deadline = g_get_monotonic_time () + PG_START_TIMEOUT_SECONDS * G_USEC_PER_SEC;
  while (!run_psql (private_cluster_dir, NULL, "SELECT 1", NULL, NULL))
    {
      if (g_get_monotonic_time () > deadline || g_subprocess_get_identifier (private_cluster) == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "the test PostgreSQL cluster did not start (%s)", script);
          return NULL;
        }
      g_usleep (100 * 1000);
    }
  return private_cluster_dir;
}

char *
tc_test_db_new (const char  *dir,
                GError     **error)
{
  static gint counter;
  const char *host;
  g_autofree char *name = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *err = NULL;

  if (!tc_test_db_is_postgresql ())
    return g_build_filename (dir, "teamchat.db", NULL);

  host = pg_host (error);
  if (host == NULL)
    return NULL;
  name = g_strdup_printf ("tc_%d_%d_%08x", (int) getpid (), g_atomic_int_add (&counter, 1),
                          g_random_int ());
  sql = g_strdup_printf ("CREATE DATABASE %s", name);
  if (!run_psql (host, NULL, sql, NULL, &err))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot create a test database: %s", err);
      return NULL;
    }
  return g_strdup_printf ("postgresql:///%s?host=%s&port=%s&user=postgres", name, host, pg_port ());
}

void
tc_test_db_drop (const char *db)
{
  const char *host = g_getenv ("TEAMCHAT_TEST_PG_HOST");
  g_autofree char *name = NULL;
  g_autofree char *sql = NULL;
  const char *start, *end;

  if (!g_str_has_prefix (db, "postgresql:///"))
    return;
  if (host == NULL || *host == '\0')
    host = private_cluster_dir;
  start = db + strlen ("postgresql:///");
  end = strchr (start, '?');
  name = end != NULL ? g_strndup (start, end - start) : g_strdup (start);
  sql = g_strdup_printf ("DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
  if (host != NULL)
    run_psql (host, NULL, sql, NULL, NULL);
}

char *
tc_test_db_query (const char *db,
                  const char *sql)
{
  if (tc_test_db_is_postgresql ())
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      char *newline;

      if (!run_psql (NULL, db, sql, &out, &err))
        g_error ("SQL failed: %s: %s", sql, err);
      if (out == NULL || *out == '\0')
        return NULL;
      newline = strchr (out, '\n');
      if (newline != NULL)
        *newline = '\0';
      return g_steal_pointer (&out);
    }
  else
    {
      sqlite3 *handle = NULL;
      sqlite3_stmt *stmt = NULL;
      char *value = NULL;

      g_assert_cmpint (sqlite3_open_v2 (db, &handle, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
      sqlite3_busy_timeout (handle, 10000);
      if (sqlite3_prepare_v2 (handle, sql, -1, &stmt, NULL) != SQLITE_OK)
        g_error ("SQL failed: %s: %s", sql, sqlite3_errmsg (handle));
      if (sqlite3_step (stmt) == SQLITE_ROW)
        value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      sqlite3_finalize (stmt);
      sqlite3_close (handle);
      return value;
    }
}

void
tc_test_db_exec (const char *db,
                 const char *sql)
{
  if (tc_test_db_is_postgresql ())
    {
      g_autofree char *err = NULL;

      if (!run_psql (NULL, db, sql, NULL, &err))
        g_error ("SQL failed: %s: %s", sql, err);
    }
  else
    {
      sqlite3 *handle = NULL;
      char *message = NULL;

      g_assert_cmpint (sqlite3_open (db, &handle), ==, SQLITE_OK);
      sqlite3_busy_timeout (handle, 10000);
      if (sqlite3_exec (handle, sql, NULL, NULL, &message) != SQLITE_OK)
        g_error ("SQL failed: %s: %s", sql, message);
      sqlite3_close (handle);
    }
}
