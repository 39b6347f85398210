/* test-cli.c: teamchat-server's command line as an administrator meets it —
 * exit statuses and one-line reasons, the import/seed/purge outputs, TLS,
 * and logs that never show secrets or message text. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#include "tc-test-server.h"

typedef struct {
  int   status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_free (run->out);
  g_free (run->err);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static char *tmpdir;

static GPtrArray *databases;   /* made by new_db (), dropped at the end */

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

/* A new database of the backend under test: an SQLite file @name in the
 * temporary directory, or a fresh PostgreSQL database. */
static char *
new_db (const char *name)
{
  g_autoptr(GError) error = NULL;
  char *db;

  if (!tc_test_db_is_postgresql ())
    return tmp_path (name);
  db = tc_test_db_new (tmpdir, &error);
  g_assert_no_error (error);
  g_ptr_array_add (databases, g_strdup (db));
  return db;
}

/* Runs teamchat-server with the NULL-terminated arguments. */
static void
run_server (Run        *run,
            const char *first,
            ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  va_list args;

  g_ptr_array_add (argv, (gpointer) TEAMCHAT_SERVER_PATH);
  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  proc = g_subprocess_newv ((const char *const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  run->status = g_subprocess_get_exit_status (proc);
}

static guint
count_lines (const char *text)
{
  guint n = 0;

  for (const char *p = text; *p; p++)
    if (*p == '\n')
      n++;
  return n;
}

static void
assert_fails_with_one_line (Run        *run,
                            const char *needle)
{
  g_assert_cmpint (run->status, !=, 0);
  g_assert_cmpuint (count_lines (run->err), ==, 1);
  g_assert_true (g_str_has_prefix (run->err, "teamchat-server: "));
  if (needle != NULL && strstr (run->err, needle) == NULL)
    g_error ("expected “%s” in: %s", needle, run->err);
}

static void
test_bad_arguments (void)
{
  g_autofree char *db = tmp_path ("bad-args.db");
  g_autofree char *missing_dir = tmp_path ("no/such/dir/x.db");
  g_autofree char *not_a_db = tmp_path ("not-a-db");

  {
    g_auto(Run) run = { 0 };
    run_server (&run, "frobnicate", NULL);
    assert_fails_with_one_line (&run, "unknown command");
  }
  {
    g_auto(Run) run = { 0 };
    run_server (&run, "serve", "--port", "0", NULL);
    assert_fails_with_one_line (&run, "--db");
  }
  {
    g_auto(Run) run = { 0 };
    run_server (&run, "serve", "--db", db, "--port", "70000", NULL);
    assert_fails_with_one_line (&run, "--port");
  }
  {
    g_auto(Run) run = { 0 };
    run_server (&run, "serve", "--db", db, "--bind", "not-an-address", NULL);
    assert_fails_with_one_line (&run, "not-an-address");
  }
  {
    g_auto(Run) run = { 0 };
    run_server (&run, "serve", "--db", db, "--config", "/no/such/config.ini", NULL);
    assert_fails_with_one_line (&run, "/no/such/config.ini");
  }
  {
    g_auto(Run) run = { 0 };
    run_server (&run, "serve", "--db", db, "--tls-cert", "/no/such/cert.pem", NULL);
    assert_fails_with_one_line (&run, NULL);
  }
  {
    g_auto(Run) run = { 0 };
    run_server (&run, "purge", "--db", missing_dir, NULL);
    assert_fails_with_one_line (&run, NULL);
  }
  {
    g_auto(Run) run = { 0 };
    g_assert_true (g_file_set_contents (not_a_db, "this is not an SQLite database, not at all",
                                        -1, NULL));
    run_server (&run, "purge", "--db", not_a_db, NULL);
    assert_fails_with_one_line (&run, NULL);
  }
  {
    g_auto(Run) run = { 0 };
    run_server (&run, "purge", "--db", db, "--days", "0", NULL);
    assert_fails_with_one_line (&run, "--days");
  }
  {
    g_auto(Run) run = { 0 };
    run_server (&run, "import-associates", "--db", db, "/no/such/file.csv", NULL);
    assert_fails_with_one_line (&run, "/no/such/file.csv");
  }

  /* PostgreSQL: a server that is not there, a database URI that is not
   * one; the reason never shows the password. */
  {
    g_auto(Run) run = { 0 };
    run_server (&run, "purge", "--db", "postgresql://teamchat:pw-not-shown@/teamchat?host=/no/such/dir",
                NULL);
    assert_fails_with_one_line (&run, "cannot connect");
    g_assert_null (strstr (run.err, "pw-not-shown"));
  }
  {
    g_auto(Run) run = { 0 };
    run_server (&run, "serve", "--port", "0", "--db", "postgres://teamchat:pw-not-shown@[::1/db", NULL);
    assert_fails_with_one_line (&run, "not a valid PostgreSQL connection URI");
    g_assert_null (strstr (run.err, "pw-not-shown"));
  }
}

static void
test_import_seed_purge (void)
{
  g_autofree char *db = new_db ("cli.db");
  g_autofree char *media = tmp_path ("media");
  g_autofree char *bad_csv = tmp_path ("bad.csv");

  {
    g_auto(Run) run = { 0 };
    run_server (&run, "import-associates", "--db", db, TC_IT_DATA_DIR "/team.csv", NULL);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (run.out, ==, "imported 7\n");
  }
  {
    /* A file with one invalid row imports nothing and names the line. */
    g_auto(Run) run = { 0 };
    g_assert_true (g_file_set_contents (bad_csv,
                                        "id,login,password,name,email,phone,sponsor_id,enroller_id,"
                                        "marketing_site_url,offline_channel\n"
                                        "Z1,zed,password-Z,Zed,zed@example.com,,A,A,,email\n"
                                        "Z2,zoe,password-Z,Zoe,not-an-email,,A,A,,email\n",
                                        -1, NULL));
    run_server (&run, "import-associates", "--db", db, bad_csv, NULL);
    g_assert_cmpint (run.status, !=, 0);
    g_assert_nonnull (strstr (run.err, "line 3"));
    g_assert_cmpstr (run.out, ==, "");
  }
  {
    g_auto(Run) run = { 0 };
    run_server (&run, "seed-demo", "--db", db, "--media-dir", media, "--messages", "300", NULL);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_true (g_str_has_prefix (run.out, "seeded "));
    /* The 300 asked for, and the 3 that share library files. */
    g_assert_nonnull (strstr (run.out, "303 messages"));
    g_assert_nonnull (strstr (run.out, "teamchat-demo"));
    g_assert_true (g_file_test (media, G_FILE_TEST_IS_DIR));
  }
  {
    /* The history spans 90 days: keeping 30 removes some, not all. */
    g_auto(Run) run = { 0 };
    guint64 n = 0;

    run_server (&run, "purge", "--db", db, "--days", "30", NULL);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_true (g_str_has_prefix (run.out, "purged "));
    g_assert_true (g_str_has_suffix (run.out, " messages\n"));
    g_assert_cmpint (sscanf (run.out, "purged %" G_GUINT64_FORMAT, &n), ==, 1);
    g_assert_cmpuint (n, >, 100);
    g_assert_cmpuint (n, <, 303);
  }
  {
    g_auto(Run) run = { 0 };
    run_server (&run, "purge", "--db", db, "--days", "30", NULL);
    g_assert_cmpstr (run.out, ==, "purged 0 messages\n");
  }
}

/* --- serve ------------------------------------------------------------------ */

typedef struct {
  GSubprocess *proc;
  char        *url;
  char        *log_path;   /* stderr: the log */
  char        *out_path;   /* stdout: "listening on …" */
} Served;

static void
served_stop (Served *served)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (served->proc, SIGTERM);
  g_subprocess_wait (served->proc, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (served->proc));
  g_assert_cmpint (g_subprocess_get_exit_status (served->proc), ==, 0);
  g_clear_object (&served->proc);
  g_clear_pointer (&served->url, g_free);
  g_clear_pointer (&served->out_path, g_free);
}

static guint n_served;

/* A failed assertion must not leave the server running. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* Starts `serve` with every log message on, into a file we can search. */
static void
serve (Served     *served,
       const char *db,
       const char *tls_cert,
       const char *tls_key)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  const char *argv[13] = { TEAMCHAT_SERVER_PATH, "serve", "--db", db, "--port", "0",
                           "--bind", "127.0.0.1", NULL };

  if (tls_cert != NULL)
    {
      argv[8] = "--tls-cert";
      argv[9] = tls_cert;
      argv[10] = "--tls-key";
      argv[11] = tls_key;
    }
  n_served++;
  served->log_path = g_strdup_printf ("%s/serve-%u.log", tmpdir, n_served);
  served->out_path = g_strdup_printf ("%s/serve-%u.out", tmpdir, n_served);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
  /* In the sanitizer build, GCC 12's LeakSanitizer crashes ("Tracer caught
   * signal 11") scanning the thread-local storage of the dlopen()ed TLS
   * backend (glib-networking), and the exit status turns to 1. Leaks of the
   * server's own code are still checked by every other server the tests run. */
  if (tls_cert != NULL)
    g_subprocess_launcher_setenv (launcher, "ASAN_OPTIONS", "detect_leaks=0", TRUE);
  g_subprocess_launcher_set_stdout_file_path (launcher, served->out_path);
  g_subprocess_launcher_set_stderr_file_path (launcher, served->log_path);
  served->proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < 300 && served->url == NULL; i++)
    {
      const char *line;

      g_usleep (50 * 1000);
      g_clear_pointer (&text, g_free);
      if (!g_file_get_contents (served->out_path, &text, NULL, NULL))
        continue;
      /* A line of its own; debug messages may come before it. */
      line = g_str_has_prefix (text, "listening on ") ? text : strstr (text, "\nlistening on ");
      if (line != NULL && *line == '\n')
        line++;
      if (line != NULL && strchr (line, '\n') != NULL)
        served->url = g_strndup (line + strlen ("listening on "),
                                 strchr (line, '\n') - line - strlen ("listening on "));
    }
  g_assert_nonnull (served->url);
}

static gboolean
accept_any_certificate_cb (SoupMessage          *msg,
                           GTlsCertificate      *certificate,
                           GTlsCertificateFlags  errors,
                           gpointer              user_data)
{
  return TRUE;   /* our own self-signed test certificate */
}

static guint
request (const char  *method,
         const char  *url,
         const char  *token,
         const char  *body,
         JsonNode   **out_json)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;

  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_any_certificate_cb), NULL);
  if (token != NULL)
    {
      g_autofree char *header = g_strdup_printf ("Bearer %s", token);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                    header);
    }
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  if (out_json != NULL && g_bytes_get_size (answer) > 0)
    *out_json = json_from_string (g_bytes_get_data (answer, NULL), NULL);
  return soup_message_get_status (msg);
}

static void
test_logs_keep_secrets (void)
{
  g_autofree char *plain_db = new_db ("logs.db");
  /* The server's own login: a password in the URI (PostgreSQL) must not
   * reach the log either. */
  g_autofree char *db = tc_test_db_is_postgresql ()
    ? g_strconcat (plain_db, "&password=db-password-not-logged", NULL) : g_strdup (plain_db);
  g_autofree char *log = NULL;
  g_autofree char *url = NULL;
  g_autoptr(JsonNode) login = NULL;
  g_autoptr(JsonNode) sent = NULL;
  const char *token;
  Served served = { 0 };
  g_auto(Run) import = { 0 };

  run_server (&import, "import-associates", "--db", db, TC_IT_DATA_DIR "/team.csv", NULL);
  g_assert_cmpint (import.status, ==, 0);
  serve (&served, db, NULL, NULL);
  g_assert_true (g_str_has_prefix (served.url, "http://127.0.0.1:"));

  url = g_strdup_printf ("%s/api/v1/session", served.url);
  g_assert_cmpuint (request ("POST", url, NULL,
                             "{\"login\":\"alice\",\"password\":\"password-A\",\"device\":\"t\"}",
                             &login), ==, 200);
  token = json_object_get_string_member (json_node_get_object (login), "token");
  g_free (url);
  url = g_strdup_printf ("%s/api/v1/messages", served.url);
  g_assert_cmpuint (request ("POST", url, token,
                             "{\"client_id\":\"6a1f4e2c-0d3b-4c5a-9e8f-7b6a5c4d3e2f\",\"to\":[\"B\"],"
                             "\"body\":\"the secret launch plan 🚀\"}", &sent), ==, 201);
  g_free (url);
  url = g_strdup_printf ("%s/api/v1/team?q=bob", served.url);
  g_assert_cmpuint (request ("GET", url, token, NULL, NULL), ==, 200);
  g_free (url);
  url = g_strdup_printf ("%s/api/v1/session", served.url);
  g_assert_cmpuint (request ("POST", url, NULL,
                             "{\"login\":\"alice\",\"password\":\"wrong-guess-123\"}", NULL), ==, 401);

  {
    /* GLib writes debug and info to stdout, the rest to stderr: read both. */
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;

    g_assert_true (g_file_get_contents (served.out_path, &out, NULL, NULL));
    served_stop (&served);
    g_assert_true (g_file_get_contents (served.log_path, &err, NULL, NULL));
    g_free (served.log_path);
    log = g_strconcat (out, err, NULL);
  }

  /* The log shows requests... */
  g_assert_nonnull (strstr (log, "/api/v1/messages"));
  /* ...and never the message, the password, the token or the search. */
  g_assert_null (strstr (log, "secret launch plan"));
  g_assert_null (strstr (log, "password-A"));
  g_assert_null (strstr (log, "wrong-guess-123"));
  g_assert_null (strstr (log, token));
  g_assert_null (strstr (log, "q=bob"));
  g_assert_null (strstr (log, "db-password-not-logged"));
}

static void
test_tls (void)
{
  g_autofree char *db = new_db ("tls.db");
  g_autofree char *cert = tmp_path ("cert.pem");
  g_autofree char *key = tmp_path ("key.pem");
  g_autofree char *url = NULL;
  g_autoptr(JsonNode) health = NULL;
  g_autoptr(GSubprocess) openssl = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *openssl_path = g_find_program_in_path ("openssl");
  Served served = { 0 };

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

  serve (&served, db, cert, key);
  g_assert_true (g_str_has_prefix (served.url, "https://127.0.0.1:"));
  url = g_strdup_printf ("%s/api/v1/health", served.url);
  g_assert_cmpuint (request ("GET", url, NULL, NULL, &health), ==, 200);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (health), "status"), ==,
                   "ok");
  served_stop (&served);
  g_free (served.log_path);
}

static void
remove_tree (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        remove_tree (path);
      else
        g_unlink (path);
    }
  g_rmdir (dir);
}

static guint
mode_of (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 0777;
}

/* What the server creates is its own; secrets others may read are warned
 * about. The umask is the usual 022, so any tighter mode was asked for. */
static void
test_file_modes (void)
{
  g_autofree char *db = tmp_path ("modes.db");
  g_autofree char *wal = tmp_path ("modes.db-wal");
  g_autofree char *shm = tmp_path ("modes.db-shm");
  g_autofree char *media = tmp_path ("modes-media");
  g_autofree char *source = tmp_path ("modes-source");
  g_autofree char *folder = tmp_path ("modes-source/Training/Basics");
  g_autofree char *document = tmp_path ("modes-source/Training/Basics/Welcome.txt");
  g_autofree char *conf = tmp_path ("modes.conf");
  g_autofree char *key = tmp_path ("modes-key.pem");
  g_autofree char *csv = g_build_filename (TC_IT_DATA_DIR, "team.csv", NULL);
  mode_t old_umask = umask (022);

  /* The database and its journal files: 0600. */
  {
    g_auto(Run) run = { 0 };
    run_server (&run, "import-associates", "--db", db, csv, NULL);
    g_assert_cmpint (run.status, ==, 0);
  }
  g_assert_cmpuint (mode_of (db), ==, 0600);
  {
    Served served = { 0 };

    serve (&served, db, NULL, NULL);
    g_assert_cmpuint (mode_of (wal), ==, 0600);
    g_assert_cmpuint (mode_of (shm), ==, 0600);
    served_stop (&served);
    g_free (served.log_path);
  }

  /* The media library: directories 0750, files 0640. */
  g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);
  g_assert_true (g_file_set_contents (document, "Welcome!", -1, NULL));
  {
    g_auto(Run) run = { 0 };
    g_autoptr(GDir) dir = NULL;
    const char *name;
    guint objects = 0;

    run_server (&run, "import-media", "--db", db, "--media-dir", media, source, NULL);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpuint (mode_of (media), ==, 0750);
    /* Every file below it. */
    {
      g_autoptr(GPtrArray) todo = g_ptr_array_new_with_free_func (g_free);

      g_ptr_array_add (todo, g_strdup (media));
      while (todo->len > 0)
        {
          g_autofree char *path = g_ptr_array_steal_index (todo, todo->len - 1);

          g_clear_pointer (&dir, g_dir_close);
          dir = g_dir_open (path, 0, NULL);
          g_assert_nonnull (dir);
          while ((name = g_dir_read_name (dir)) != NULL)
            {
              char *child = g_build_filename (path, name, NULL);

              if (g_file_test (child, G_FILE_TEST_IS_DIR))
                {
                  g_assert_cmpuint (mode_of (child), ==, 0750);
                  g_ptr_array_add (todo, child);
                }
              else
                {
                  g_assert_cmpuint (mode_of (child) & 0027, ==, 0);
                  objects++;
                  g_free (child);
                }
            }
        }
    }
    g_assert_cmpuint (objects, >, 0);
  }

  /* A configuration file with secrets that others may read: a warning
   * (the port error then stops serve). */
  g_assert_true (g_file_set_contents (conf, "[sms]\napi_url=https://sms.example.com/send\n"
                                      "account_sid=AC1\nauth_token=tok-3x4mpl3\nfrom=+15550000000\n",
                                      -1, NULL));
  g_assert_cmpint (g_chmod (conf, 0644), ==, 0);
  {
    g_auto(Run) run = { 0 };
    run_server (&run, "serve", "--db", db, "--config", conf, "--port", "70000", NULL);
    g_assert_cmpint (run.status, !=, 0);
    g_assert_nonnull (strstr (run.err, "warning: "));
    g_assert_nonnull (strstr (run.err, "modes.conf holds secrets and other users may read it"));
    g_assert_null (strstr (run.err, "tok-3x4mpl3"));
  }
  g_assert_cmpint (g_chmod (conf, 0600), ==, 0);
  {
    g_auto(Run) run = { 0 };
    run_server (&run, "serve", "--db", db, "--config", conf, "--port", "70000", NULL);
    assert_fails_with_one_line (&run, "--port");
  }

  /* A TLS key others may read: the same (the media directory, a file,
   * then stops serve). */
  g_assert_true (g_file_set_contents (key, "not really a key", -1, NULL));
  g_assert_cmpint (g_chmod (key, 0644), ==, 0);
  {
    g_auto(Run) run = { 0 };
    run_server (&run, "serve", "--db", db, "--tls-cert", key, "--tls-key", key, "--media-dir",
                document, NULL);
    g_assert_cmpint (run.status, !=, 0);
    g_assert_nonnull (strstr (run.err, "modes-key.pem is a private key and other users may read it"));
  }

  umask (old_umask);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("tc-cli-XXXXXX", NULL);
  databases = g_ptr_array_new_with_free_func (g_free);

  g_test_add_func ("/cli/bad-arguments", test_bad_arguments);
  g_test_add_func ("/cli/import-seed-purge", test_import_seed_purge);
  g_test_add_func ("/cli/logs-keep-secrets", test_logs_keep_secrets);
  g_test_add_func ("/cli/tls", test_tls);
  g_test_add_func ("/cli/file-modes", test_file_modes);

  status = g_test_run ();
  for (guint i = 0; i < databases->len; i++)
    tc_test_db_drop (g_ptr_array_index (databases, i));
  g_ptr_array_unref (databases);
  remove_tree (tmpdir);
  g_free (tmpdir);
  return status;
}
