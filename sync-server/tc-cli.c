/* tc-cli.c: the teamchat-server command line */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>
#include <glib-unix.h>

#include "tc-associates-csv.h"
#include "tc-cli.h"
#include "tc-config.h"
#include "tc-delivery.h"
#include "tc-demo-team.h"
#include "tc-error.h"
#include "tc-http-server.h"
#include "tc-media-import.h"
#include "tc-reply-parser.h"
#include "tc-seed.h"
#include "tc-store-open.h"
#include "tc-worker.h"

#define PURGE_INTERVAL_SECONDS (60 * 60)
#define USEC_PER_DAY ((gint64) 24 * 60 * 60 * G_USEC_PER_SEC)

static const char usage[] =
  "Usage:\n"
  "  teamchat-server serve --db PATH [--port N] [--bind ADDR] [--media-dir DIR] [--config FILE]\n"
  "                        [--tls-cert PEM --tls-key PEM]\n"
  "  teamchat-server import-associates --db PATH FILE.csv\n"
  "  teamchat-server import-media --db PATH --media-dir DIR SOURCE_DIR\n"
  "  teamchat-server seed-demo --db PATH --media-dir DIR [--messages N]\n"
  "  teamchat-server purge --db PATH [--days N]\n"
  "  teamchat-server parse-reply < message.eml\n"
  "  teamchat-server revoke-replies --db PATH ASSOCIATE_ID\n"
  "  teamchat-server revoke-sessions --db PATH ASSOCIATE_ID\n"
  "  teamchat-server --version\n";

static int
die (const char *format,
     ...) G_GNUC_PRINTF (1, 2);

static int
die (const char *format,
     ...)
{
  va_list args;
  g_autofree char *text = NULL;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "teamchat-server: %s\n", text);
  return 1;
}

/* Parses @entries from argv; leaves positional arguments in argv. */
static gboolean
parse_options (const char    *command,
               GOptionEntry  *entries,
               int           *argc,
               char        ***argv,
               GError       **error)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autofree char *parameter = g_strdup_printf ("%s", command);

  context = g_option_context_new (parameter);
  g_option_context_set_help_enabled (context, TRUE);
  g_option_context_add_main_entries (context, entries, NULL);
  return g_option_context_parse (context, argc, argv, error);
}

/* The command line tools: an SQLite file, or a PostgreSQL database with
 * the default pool and no part in live fan-out. */
static TcStore *
open_store (const char  *db,
            GError     **error)
{
  return tc_store_open (db, NULL, error);
}

static gboolean
check_no_extra_args (int      argc,
                     char   **argv,
                     int      expected,
                     GError **error)
{
  if (argc > expected + 2)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "unexpected argument “%s”",
                   argv[expected + 2]);
      return FALSE;
    }
  return TRUE;
}

/* --- serve ---------------------------------------------------------------- */

typedef struct {
  GMainLoop     *loop;
  TcStore       *store;
  gint64         retention_days;
  gboolean       purging;
} ServeState;

static void
purge_work (gpointer data)
{
  ServeState *state = data;
  g_autoptr(GError) error = NULL;
  guint n = 0;

  if (!tc_store_purge (state->store, g_get_real_time () - state->retention_days * USEC_PER_DAY,
                       &n, &error))
    g_warning ("Retention purge failed: %s", error->message);
  else if (n > 0)
    g_message ("Retention: deleted %u %s older than %" G_GINT64_FORMAT " days", n,
               n == 1 ? "message" : "messages", state->retention_days);
}

static void
purge_done (gpointer data)
{
  ServeState *state = data;

  state->purging = FALSE;
}

static gboolean
purge_timer_cb (gpointer data)
{
  ServeState *state = data;

  if (!state->purging)
    {
      state->purging = TRUE;
      tc_worker_run (purge_work, purge_done, state);
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
quit_cb (gpointer data)
{
  ServeState *state = data;

  g_message ("Shutting down");
  g_main_loop_quit (state->loop);
  return G_SOURCE_CONTINUE;   /* removed with the others after the loop */
}

/* Secrets in files others may read: said once at start, not refused (the
 * file may be protected by other means, such as a private directory). */
static void
warn_if_readable_by_others (const char *path,
                            const char *what)
{
  GStatBuf st;

  if (g_stat (path, &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)) != 0)
    fprintf (stderr, "teamchat-server: warning: %s %s and other users may read it "
             "(mode %03o); chmod 600 it\n", path, what, (unsigned) (st.st_mode & 0777));
}

static int
cmd_serve (int    argc,
           char **argv)
{
  g_autofree char *db = NULL;
  g_autofree char *bind = NULL;
  g_autofree char *media_dir = NULL;
  g_autofree char *config_file = NULL;
  g_autofree char *tls_cert = NULL;
  g_autofree char *tls_key = NULL;
  int port = -1;
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, "Database: an SQLite file or a postgresql:// URI", "PATH" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "Port (0 picks a free one)", "N" },
    { "bind", 0, 0, G_OPTION_ARG_STRING, &bind, "Address to listen on", "ADDR" },
    { "media-dir", 0, 0, G_OPTION_ARG_FILENAME, &media_dir, "Media library directory", "DIR" },
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &config_file, "Configuration file", "FILE" },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &tls_cert, "TLS certificate (PEM)", "PEM" },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &tls_key, "TLS private key (PEM)", "PEM" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TcConfig) config = tc_config_new ();
  g_autoptr(TcStore) store = NULL;
  g_autoptr(TcHttpServer) server = NULL;
  g_autoptr(TcMediaLibrary) library = NULL;
  g_autoptr(TcDelivery) delivery = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *url = NULL;
  ServeState state = { 0, };
  TcStoreOptions options = { 0, };
  g_autofree char *db_shown = NULL;
  guint purge_source, term_source, int_source;

  if (!parse_options ("serve", entries, &argc, &argv, &error) ||
      !check_no_extra_args (argc, argv, 0, &error))
    return die ("%s", error->message);

  /* Command line over environment over file. */
  if (config_file != NULL && !tc_config_load_file (config, config_file, &error))
    return die ("%s", error->message);
  if (config_file != NULL &&
      (tc_config_get_email_password (config) != NULL ||
       tc_config_get_email_webhook_secret (config) != NULL ||
       tc_config_get_sms_auth_token (config) != NULL))
    warn_if_readable_by_others (config_file, "holds secrets");
  tc_config_load_environment (config);
  if (port != -1)
    {
      if (port < 0 || port > 65535)
        return die ("--port must be between 0 and 65535");
      tc_config_set_port (config, (guint) port);
    }
  if (bind != NULL)
    {
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (bind);
      if (address == NULL && g_strcmp0 (bind, "localhost") != 0)
        return die ("--bind “%s” is not an IP address", bind);
      tc_config_set_bind (config, bind);
    }
  if (media_dir != NULL)
    tc_config_set_media_dir (config, media_dir);
  if (tls_cert != NULL)
    tc_config_set_tls_cert (config, tls_cert);
  if (tls_key != NULL)
    tc_config_set_tls_key (config, tls_key);
  if (db != NULL)
    tc_config_set_db (config, db);
  if (!tc_config_validate (config, &error))
    return die ("%s", error->message);
  if (tc_config_get_tls_key (config) != NULL)
    warn_if_readable_by_others (tc_config_get_tls_key (config), "is a private key");
  if (tc_config_get_media_dir (config) != NULL)
    {
      library = tc_media_library_new (tc_config_get_media_dir (config), &error);
      if (library == NULL)
        return die ("%s", error->message);
    }

  options.pool_size = tc_config_get_database_pool_size (config);
  options.live = TRUE;
  options.heartbeat_seconds = tc_config_get_database_heartbeat_seconds (config);
  options.presence_timeout_seconds = tc_config_get_database_presence_timeout_seconds (config);
  store = tc_store_open (tc_config_get_db (config), &options, &error);
  if (store == NULL)
    return die ("%s", error->message);

  state.store = store;
  state.retention_days = tc_config_get_retention_days (config);
  purge_work (&state);   /* at start, before anyone is served */

  server = tc_http_server_new (store, config);
  tc_http_server_set_media_library (server, library);
  delivery = tc_delivery_new (store, config, tc_http_server_get_hub (server));
  if (!tc_delivery_start (delivery, &error))
    return die ("cannot start offline delivery: %s", error->message);
  tc_http_server_set_delivery (server, delivery);
  if (!tc_http_server_listen (server, &url, &error))
    return die ("cannot listen: %s", error->message);

  loop = g_main_loop_new (NULL, FALSE);
  state.loop = loop;
  purge_source = g_timeout_add_seconds (PURGE_INTERVAL_SECONDS, purge_timer_cb, &state);
  term_source = g_unix_signal_add (SIGTERM, quit_cb, &state);
  int_source = g_unix_signal_add (SIGINT, quit_cb, &state);

  printf ("listening on %s\n", url);
  fflush (stdout);
  db_shown = tc_store_describe (tc_config_get_db (config));
  g_message ("Team Chat server %s listening on %s (database %s)", PACKAGE_VERSION, url, db_shown);

  g_main_loop_run (loop);

  g_source_remove (purge_source);
  g_source_remove (term_source);
  g_source_remove (int_source);
  tc_http_server_stop (server);
  /* Let close frames go out before the process ends. */
  for (int i = 0; i < 10 && g_main_context_iteration (NULL, FALSE); i++)
    ;
  tc_delivery_stop (delivery);
  g_clear_object (&server);
  g_clear_object (&delivery);
  tc_store_close (store);
  return 0;
}

/* --- import-associates --------------------------------------------------------- */

static int
cmd_import_associates (int    argc,
                       char **argv)
{
  g_autofree char *db = NULL;
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, "Database: an SQLite file or a postgresql:// URI", "PATH" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TcStore) store = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *contents = NULL;
  TcImportResult result = { 0, };
  gsize len;

  if (!parse_options ("import-associates FILE.csv", entries, &argc, &argv, &error))
    return die ("%s", error->message);
  if (argc < 3)
    return die ("import-associates needs a CSV file");
  if (!check_no_extra_args (argc, argv, 1, &error))
    return die ("%s", error->message);
  if (!g_file_get_contents (argv[2], &contents, &len, &error))
    return die ("%s", error->message);
  rows = tc_associates_csv_parse (contents, len, &error);
  if (rows == NULL)
    return die ("%s: %s", argv[2], error->message);

  store = open_store (db, &error);
  if (store == NULL)
    return die ("%s", error->message);
  if (!tc_store_import_associates (store, rows, &result, &error))
    return die ("%s: %s", argv[2], error->message);
  tc_store_close (store);

  printf ("imported %u\n", rows->len);
  g_message ("%u created, %u updated, %u given a new password (logged out on every device)",
             result.created, result.updated, result.passwords_changed);
  return 0;
}

/* --- import-media ---------------------------------------------------------------- */

static int
cmd_import_media (int    argc,
                  char **argv)
{
  g_autofree char *db = NULL;
  g_autofree char *media_dir = NULL;
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, "Database: an SQLite file or a postgresql:// URI", "PATH" },
    { "media-dir", 0, 0, G_OPTION_ARG_FILENAME, &media_dir, "Media library directory", "DIR" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TcStore) store = NULL;
  g_autoptr(TcMediaLibrary) library = NULL;
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  TcMediaImportResult result = { 0, };
  guint files;

  if (!parse_options ("import-media SOURCE_DIR", entries, &argc, &argv, &error))
    return die ("%s", error->message);
  if (media_dir == NULL)
    return die ("--media-dir DIR is required");
  if (argc < 3)
    return die ("import-media needs a SOURCE_DIR");
  if (!check_no_extra_args (argc, argv, 1, &error))
    return die ("%s", error->message);
  if (!g_file_test (argv[2], G_FILE_TEST_IS_DIR))
    return die ("%s: not a directory", argv[2]);

  library = tc_media_library_new (media_dir, &error);
  if (library == NULL)
    return die ("%s", error->message);
  store = open_store (db, &error);
  if (store == NULL)
    return die ("%s", error->message);
  if (!tc_media_import_run (store, library, argv[2], &result, warnings, &error))
    return die ("%s", error->message);
  tc_store_close (store);

  for (guint i = 0; i < warnings->len; i++)
    fprintf (stderr, "teamchat-server: warning: %s\n", (const char *) g_ptr_array_index (warnings, i));
  files = result.created + result.updated + result.unchanged;
  printf ("imported %u %s: %u created, %u updated, %u unchanged; %u new %s\n", files,
          files == 1 ? "file" : "files", result.created, result.updated, result.unchanged,
          result.folders_created, result.folders_created == 1 ? "folder" : "folders");
  if (result.created == 0 && result.updated == 0 && result.folders_created == 0)
    printf ("nothing changed\n");
  return 0;
}

/* --- seed-demo -------------------------------------------------------------------- */

static int
cmd_seed_demo (int    argc,
               char **argv)
{
  g_autofree char *db = NULL;
  g_autofree char *media_dir = NULL;
  int messages = 0;
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, "Database: an SQLite file or a postgresql:// URI", "PATH" },
    { "media-dir", 0, 0, G_OPTION_ARG_FILENAME, &media_dir, "Media library directory", "DIR" },
    { "messages", 0, 0, G_OPTION_ARG_INT, &messages, "Also create N messages over the last 90 days", "N" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TcStore) store = NULL;
  g_autoptr(TcMediaLibrary) library = NULL;
  TcSeedResult result = { 0, 0 };
  TcMediaImportResult media = { 0, };

  if (!parse_options ("seed-demo", entries, &argc, &argv, &error) ||
      !check_no_extra_args (argc, argv, 0, &error))
    return die ("%s", error->message);
  if (media_dir == NULL)
    return die ("--media-dir DIR is required");
  if (messages < 0 || messages > 10000000)
    return die ("--messages must be between 0 and 10000000");
  library = tc_media_library_new (media_dir, &error);
  if (library == NULL)
    return die ("%s", error->message);

  store = open_store (db, &error);
  if (store == NULL)
    return die ("%s", error->message);
  if (!tc_seed_demo (store, (guint) messages, 90, &result, &error) ||
      !tc_seed_demo_media (store, library, &media, &error) ||
      !tc_seed_demo_shares (store, &result.messages, &error))
    return die ("%s", error->message);
  tc_store_close (store);

  printf ("seeded %u associates, %u messages and %u library files\n", result.associates,
          result.messages, media.created + media.updated + media.unchanged);
  printf ("log in as “%s” (or “%s”, or any demo login) with the password “%s”\n",
          TC_DEMO_TOP_LOGIN, TC_DEMO_MEMBER_LOGIN, TC_DEMO_PASSWORD);
  return 0;
}

/* --- purge ---------------------------------------------------------------------------- */

static int
cmd_purge (int    argc,
           char **argv)
{
  g_autofree char *db = NULL;
  int days = 90;
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, "Database: an SQLite file or a postgresql:// URI", "PATH" },
    { "days", 0, 0, G_OPTION_ARG_INT, &days, "Keep this many days (default 90)", "N" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TcStore) store = NULL;
  guint n = 0;

  if (!parse_options ("purge", entries, &argc, &argv, &error) ||
      !check_no_extra_args (argc, argv, 0, &error))
    return die ("%s", error->message);
  if (days < 1 || days > 3650)
    return die ("--days must be between 1 and 3650");

  store = open_store (db, &error);
  if (store == NULL)
    return die ("%s", error->message);
  if (!tc_store_purge (store, g_get_real_time () - days * USEC_PER_DAY, &n, &error))
    return die ("%s", error->message);
  tc_store_close (store);

  printf ("purged %u messages\n", n);
  return 0;
}

/* --- parse-reply ----------------------------------------------------------------------- */

#define PARSE_REPLY_MAX_BYTES (10 * 1024 * 1024)

static int
cmd_parse_reply (int    argc,
                 char **argv)
{
  GOptionEntry entries[] = { { NULL } };
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) input = g_byte_array_new ();
  g_autoptr(TcReply) reply = NULL;
  guint8 buffer[65536];
  size_t n;

  if (!parse_options ("parse-reply < message.eml", entries, &argc, &argv, &error) ||
      !check_no_extra_args (argc, argv, 0, &error))
    return die ("%s", error->message);

  while ((n = fread (buffer, 1, sizeof buffer, stdin)) > 0)
    {
      if (input->len + n > PARSE_REPLY_MAX_BYTES)
        return die ("the message is larger than 10 MiB");
      g_byte_array_append (input, buffer, (guint) n);
    }
  if (ferror (stdin))
    return die ("cannot read the message from standard input: %s", g_strerror (errno));

  reply = tc_reply_parse (input->data, input->len);
  if (reply->verdict != TC_REPLY_POST)
    return die ("dropped: %s", reply->reason);
  /* Exactly the text that would be posted, and a newline. */
  fputs (reply->text, stdout);
  fputc ('\n', stdout);
  return 0;
}

/* --- revoke-replies, revoke-sessions ----------------------------------------------------- */

typedef guint (*RevokeFunc) (TcStore     *store,
                             const char  *associate_id,
                             GError     **error);

/* "teamchat-server COMMAND --db PATH ASSOCIATE_ID": runs @revoke and
 * prints "revoked N " and @singular or @plural. */
static int
cmd_revoke (int          argc,
            char       **argv,
            RevokeFunc   revoke,
            const char  *singular,
            const char  *plural)
{
  g_autofree char *db = NULL;
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, "Database: an SQLite file or a postgresql:// URI", "PATH" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TcStore) store = NULL;
  g_autofree char *usage_line = g_strdup_printf ("%s ASSOCIATE_ID", argv[1]);
  g_autofree char *command = g_strdup (argv[1]);
  guint n;

  if (!parse_options (usage_line, entries, &argc, &argv, &error))
    return die ("%s", error->message);
  if (argc < 3)
    return die ("%s needs an associate id", command);
  if (!check_no_extra_args (argc, argv, 1, &error))
    return die ("%s", error->message);
  store = open_store (db, &error);
  if (store == NULL)
    return die ("%s", error->message);
  n = revoke (store, argv[2], &error);
  if (error != NULL)
    return die ("%s", error->message);
  tc_store_close (store);
  printf ("revoked %u %s\n", n, n == 1 ? singular : plural);
  return 0;
}

int
tc_cli_main (int    argc,
             char **argv)
{
  const char *command = argc > 1 ? argv[1] : NULL;

  if (command == NULL || g_str_equal (command, "--help") || g_str_equal (command, "-h"))
    {
      fputs (usage, command == NULL ? stderr : stdout);
      return command == NULL ? 2 : 0;
    }
  if (g_str_equal (command, "--version"))
    {
      printf ("teamchat-server %s\n", PACKAGE_VERSION);
      return 0;
    }

  /* GOption sees "teamchat-server COMMAND --opts…" as program + options. */
  if (g_str_equal (command, "serve"))
    return cmd_serve (argc, argv);
  if (g_str_equal (command, "import-associates"))
    return cmd_import_associates (argc, argv);
  if (g_str_equal (command, "seed-demo"))
    return cmd_seed_demo (argc, argv);
  if (g_str_equal (command, "purge"))
    return cmd_purge (argc, argv);
  if (g_str_equal (command, "import-media"))
    return cmd_import_media (argc, argv);
  if (g_str_equal (command, "parse-reply"))
    return cmd_parse_reply (argc, argv);
  if (g_str_equal (command, "revoke-replies"))
    return cmd_revoke (argc, argv, tc_store_revoke_reply_tokens, "reply address", "reply addresses");
  if (g_str_equal (command, "revoke-sessions"))
    return cmd_revoke (argc, argv, tc_store_revoke_sessions, "session", "sessions");
  return die ("unknown command “%s” (see teamchat-server --help)", command);
}
