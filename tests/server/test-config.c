/* test-config.c: the server settings: defaults, file, environment, checks */
#include <string.h>
#include <glib/gstdio.h>

#include "tc-config.h"
#include "tc-error.h"

static const char * const env_secrets[] = {
  "TEAMCHAT_SMS_AUTH_TOKEN",
  "TEAMCHAT_EMAIL_SECRET",
  "TEAMCHAT_SMTP_PASSWORD",
};

typedef struct
{
  char     *dir;
  char     *path;    /* dir/config.ini, written by write_config () */
  TcConfig *config;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("test-config-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->path = g_build_filename (fixture->dir, "config.ini", NULL);
  fixture->config = tc_config_new ();

  for (guint i = 0; i < G_N_ELEMENTS (env_secrets); i++)
    g_unsetenv (env_secrets[i]);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (env_secrets); i++)
    g_unsetenv (env_secrets[i]);

  g_clear_object (&fixture->config);
  g_remove (fixture->path);
  g_assert_no_errno (g_rmdir (fixture->dir));
  g_free (fixture->path);
  g_free (fixture->dir);
}

static void
write_config (Fixture    *fixture,
              const char *contents)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (fixture->path, contents, -1, &error);
  g_assert_no_error (error);
}

static void
load_ok (Fixture    *fixture,
         const char *contents)
{
  g_autoptr(GError) error = NULL;

  write_config (fixture, contents);
  g_assert_true (tc_config_load_file (fixture->config, fixture->path, &error));
  g_assert_no_error (error);
}

/* Loads @contents into a fresh configuration, expects an error and returns
 * its message. */
static char *
load_error (Fixture    *fixture,
            const char *contents)
{
  g_autoptr(TcConfig) config = tc_config_new ();
  g_autoptr(GError) error = NULL;

  write_config (fixture, contents);
  g_assert_false (tc_config_load_file (config, fixture->path, &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
  /* Messages are one line, for administrators, and name the file. */
  g_assert_null (strchr (error->message, '\n'));
  g_assert_nonnull (strstr (error->message, "config.ini"));

  return g_strdup (error->message);
}

#define assert_contains(haystack, needle) \
  G_STMT_START { \
    const char *__h = (haystack); \
    const char *__n = (needle); \
    if (strstr (__h, __n) == NULL) \
      g_error ("“%s” does not contain “%s”", __h, __n); \
  } G_STMT_END

#define assert_not_contains(haystack, needle) \
  G_STMT_START { \
    const char *__h = (haystack); \
    const char *__n = (needle); \
    if (strstr (__h, __n) != NULL) \
      g_error ("“%s” contains “%s”", __h, __n); \
  } G_STMT_END

static void
test_defaults (Fixture       *fixture,
               gconstpointer  data)
{
  TcConfig *config = fixture->config;

  g_assert_cmpuint (tc_config_get_port (config), ==, 8080);
  g_assert_cmpstr (tc_config_get_bind (config), ==, "127.0.0.1");
  g_assert_null (tc_config_get_public_url (config));
  g_assert_null (tc_config_get_db (config));
  g_assert_null (tc_config_get_media_dir (config));
  g_assert_null (tc_config_get_tls_cert (config));
  g_assert_null (tc_config_get_tls_key (config));
  g_assert_cmpuint (tc_config_get_retention_days (config), ==, 90);

  g_assert_null (tc_config_get_email_smtp_url (config));
  g_assert_null (tc_config_get_email_username (config));
  g_assert_null (tc_config_get_email_password (config));
  g_assert_null (tc_config_get_email_from (config));
  g_assert_null (tc_config_get_email_reply_domain (config));
  g_assert_null (tc_config_get_email_webhook_secret (config));
  g_assert_null (tc_config_get_sms_api_url (config));
  g_assert_null (tc_config_get_sms_account_sid (config));
  g_assert_null (tc_config_get_sms_auth_token (config));
  g_assert_null (tc_config_get_sms_from (config));

  g_assert_cmpuint (tc_config_get_messages_per_minute (config), ==, 120);
  g_assert_cmpuint (tc_config_get_login_failures_per_login (config), ==, 10);
  g_assert_cmpuint (tc_config_get_login_failures_per_address (config), ==, 100);
  g_assert_cmpuint (tc_config_get_login_window_seconds (config), ==, 300);

  g_assert_cmpuint (tc_config_get_ws_max_connections_per_associate (config), ==, 10);
  g_assert_cmpuint (tc_config_get_ws_frames_per_minute (config), ==, 600);
  g_assert_cmpuint (tc_config_get_ws_ping_interval_seconds (config), ==, 30);
  g_assert_cmpuint (tc_config_get_ws_idle_timeout_seconds (config), ==, 75);
  g_assert_cmpuint (tc_config_get_ws_max_queued_bytes (config), ==, 1024 * 1024);
  g_assert_cmpuint (tc_config_get_session_check_seconds (config), ==, 30);
  /* No origin is allowed without public_url or allowed_origins. */
  g_assert_false (tc_config_origin_is_allowed (config, "http://127.0.0.1:8080"));

  g_assert_false (tc_config_email_enabled (config));
  g_assert_false (tc_config_sms_enabled (config));
  g_assert_true (tc_config_validate (config, NULL));
}

static void
test_full_file (Fixture       *fixture,
                gconstpointer  data)
{
  TcConfig *config = fixture->config;
  g_autoptr(GError) error = NULL;

  load_ok (fixture,
           "# every setting\n"
           "[server]\n"
           "port=9443\n"
           "bind = ::1\n"
           "public_url=https://chat.example.com/team/\n"
           "db=/var/lib/teamchat/chat.db\n"
           "media_dir=/var/lib/teamchat/media\n"
           "tls_cert=/etc/teamchat/cert.pem\n"
           "tls_key=/etc/teamchat/key.pem\n"
           "\n"
           "[retention]\n"
           "days=30\n"
           "\n"
           "[email]\n"
           "smtp_url=smtps://mail.example.com:465\n"
           "username=chat\n"
           "password=s3cret#1\n"
           "from=  Team Chat <chat@example.com>  \n"
           "reply_domain=Reply.Example.COM\n"
           "webhook_secret=hook-secret\n"
           "\n"
           "[sms]\n"
           "api_url=https://api.example.com/2010-04-01/Accounts/AC123/Messages.json\n"
           "account_sid=AC123\n"
           "auth_token=token-123\n"
           "from=+15550000000\n"
           "\n"
           "[limits]\n"
           "messages_per_minute=0\n"
           "login_failures_per_login=5\n"
           "login_failures_per_address=50\n"
           "login_window_seconds=600\n");

  g_assert_cmpuint (tc_config_get_port (config), ==, 9443);
  g_assert_cmpstr (tc_config_get_bind (config), ==, "::1");
  /* Trailing slash dropped: hook paths are appended to it. */
  g_assert_cmpstr (tc_config_get_public_url (config), ==, "https://chat.example.com/team");
  g_assert_cmpstr (tc_config_get_db (config), ==, "/var/lib/teamchat/chat.db");
  g_assert_cmpstr (tc_config_get_media_dir (config), ==, "/var/lib/teamchat/media");
  g_assert_cmpstr (tc_config_get_tls_cert (config), ==, "/etc/teamchat/cert.pem");
  g_assert_cmpstr (tc_config_get_tls_key (config), ==, "/etc/teamchat/key.pem");
  g_assert_cmpuint (tc_config_get_retention_days (config), ==, 30);

  g_assert_cmpstr (tc_config_get_email_smtp_url (config), ==, "smtps://mail.example.com:465");
  g_assert_cmpstr (tc_config_get_email_username (config), ==, "chat");
  /* "#" without a space before it is part of the value. */
  g_assert_cmpstr (tc_config_get_email_password (config), ==, "s3cret#1");
  g_assert_cmpstr (tc_config_get_email_from (config), ==, "Team Chat <chat@example.com>");
  g_assert_cmpstr (tc_config_get_email_reply_domain (config), ==, "reply.example.com");
  g_assert_cmpstr (tc_config_get_email_webhook_secret (config), ==, "hook-secret");

  g_assert_cmpstr (tc_config_get_sms_api_url (config), ==,
                   "https://api.example.com/2010-04-01/Accounts/AC123/Messages.json");
  g_assert_cmpstr (tc_config_get_sms_account_sid (config), ==, "AC123");
  g_assert_cmpstr (tc_config_get_sms_auth_token (config), ==, "token-123");
  g_assert_cmpstr (tc_config_get_sms_from (config), ==, "+15550000000");

  g_assert_cmpuint (tc_config_get_messages_per_minute (config), ==, 0);
  g_assert_cmpuint (tc_config_get_login_failures_per_login (config), ==, 5);
  g_assert_cmpuint (tc_config_get_login_failures_per_address (config), ==, 50);
  g_assert_cmpuint (tc_config_get_login_window_seconds (config), ==, 600);

  g_assert_true (tc_config_email_enabled (config));
  g_assert_true (tc_config_sms_enabled (config));
  g_assert_true (tc_config_validate (config, &error));
  g_assert_no_error (error);
}

/* The example of the API contract, comments and all, loads as written. */
static void
test_contract_example (Fixture       *fixture,
                       gconstpointer  data)
{
  TcConfig *config = fixture->config;
  g_autoptr(GError) error = NULL;

  load_ok (fixture,
           "[server]\n"
           "port=8080\n"
           "bind=127.0.0.1\n"
           "public_url=https://chat.example.com   # the address the world uses; "
           "webhook signatures are checked against it\n"
           "\n"
           "[retention]\n"
           "days=90\n"
           "\n"
           "[email]                                # offline delivery by email, through libcurl\n"
           "smtp_url=smtp://127.0.0.1:25           # smtps:// for implicit TLS; "
           "STARTTLS when offered\n"
           "username=\n"
           "password=\n"
           "from=Team Chat <chat@example.com>\n"
           "reply_domain=reply.example.com         # Reply-To: reply+TOKEN@reply.example.com\n"
           "webhook_secret=CHANGE-ME               # POST /hooks/email must carry\n"
           "                                       # X-TeamChat-Signature: sha256=HEX(...)\n"
           "\n"
           "[sms]                                  # offline delivery by text\n"
           "api_url=https://api.example.com/2010-04-01/Accounts/AC123/Messages.json\n"
           "account_sid=AC123                      # HTTP Basic auth account_sid:auth_token\n"
           "auth_token=CHANGE-ME                   # also checks X-Twilio-Signature\n"
           "from=+15550000000\n");

  g_assert_cmpstr (tc_config_get_public_url (config), ==, "https://chat.example.com");
  g_assert_cmpstr (tc_config_get_email_smtp_url (config), ==, "smtp://127.0.0.1:25");
  g_assert_null (tc_config_get_email_username (config));
  g_assert_null (tc_config_get_email_password (config));
  g_assert_cmpstr (tc_config_get_email_from (config), ==, "Team Chat <chat@example.com>");
  g_assert_cmpstr (tc_config_get_email_reply_domain (config), ==, "reply.example.com");
  g_assert_cmpstr (tc_config_get_email_webhook_secret (config), ==, "CHANGE-ME");
  g_assert_cmpstr (tc_config_get_sms_account_sid (config), ==, "AC123");
  g_assert_cmpstr (tc_config_get_sms_auth_token (config), ==, "CHANGE-ME");
  g_assert_true (tc_config_email_enabled (config));
  g_assert_true (tc_config_sms_enabled (config));
  g_assert_true (tc_config_validate (config, &error));
  g_assert_no_error (error);
}

static void
test_unknown_group (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *message = load_error (fixture, "[server]\nport=1\n[storage]\npath=x\n");

  assert_contains (message, "unknown group [storage]");
}

static void
test_unknown_key (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *message = NULL;
  g_autofree char *expected = NULL;

  message = load_error (fixture, "[server]\nport=8080\nfoo=1\n");
  expected = g_strdup_printf ("%s: unknown key “foo” in group [server]", fixture->path);
  g_assert_cmpstr (message, ==, expected);

  /* A key of another group is unknown here. */
  g_free (message);
  message = load_error (fixture, "[sms]\nsmtp_url=smtp://localhost\n");
  assert_contains (message, "“smtp_url”");
  assert_contains (message, "[sms]");

  /* Keys are case-sensitive. */
  g_free (message);
  message = load_error (fixture, "[server]\nPort=8080\n");
  assert_contains (message, "“Port”");

  /* A localized key is not a way around the check. */
  g_free (message);
  message = load_error (fixture, "[server]\nport[de]=1\n");
  assert_contains (message, "port[de]");
}

static void
test_bad_numbers (Fixture       *fixture,
                  gconstpointer  data)
{
  static const struct {
    const char *contents;
    const char *names;
  } cases[] = {
    { "[server]\nport=abc\n", "[server] port “abc”" },
    { "[server]\nport=70000\n", "[server] port “70000”" },
    { "[server]\nport=-1\n", "[server] port" },
    { "[server]\nport=\n", "[server] port" },
    { "[server]\nport=80 80\n", "[server] port" },
    { "[retention]\ndays=0\n", "[retention] days “0”" },
    { "[retention]\ndays=3651\n", "[retention] days" },
    { "[retention]\ndays=1.5\n", "[retention] days" },
    { "[limits]\nmessages_per_minute=-5\n", "[limits] messages_per_minute" },
    { "[limits]\nlogin_failures_per_login=ten\n", "[limits] login_failures_per_login" },
    { "[limits]\nlogin_failures_per_address=99999999999\n", "[limits] login_failures_per_address" },
    { "[limits]\nlogin_window_seconds=0\n", "[limits] login_window_seconds" },
    { "[websocket]\nping_interval_seconds=0\n", "[websocket] ping_interval_seconds" },
    { "[server]\nsession_check_seconds=0\n", "[server] session_check_seconds" },
    { "[server]\nsession_check_seconds=3601\n", "[server] session_check_seconds" },
    { "[websocket]\nidle_timeout_seconds=86401\n", "[websocket] idle_timeout_seconds" },
    { "[websocket]\nmax_queued_bytes=1000\n", "[websocket] max_queued_bytes" },
    { "[websocket]\nmax_connections_per_associate=-1\n",
      "[websocket] max_connections_per_associate" },
    { "[websocket]\nframes_per_minute=many\n", "[websocket] frames_per_minute" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *message = load_error (fixture, cases[i].contents);

      g_test_message ("%s", message);
      assert_contains (message, cases[i].names);
    }

  /* The limits of the ranges are allowed. */
  load_ok (fixture, "[server]\nport=0\n[retention]\ndays=3650\n");
  g_assert_cmpuint (tc_config_get_port (fixture->config), ==, 0);
  g_assert_cmpuint (tc_config_get_retention_days (fixture->config), ==, 3650);
  load_ok (fixture, "[server]\nport=65535\n[retention]\ndays=1\n");
  g_assert_cmpuint (tc_config_get_port (fixture->config), ==, 65535);
  g_assert_cmpuint (tc_config_get_retention_days (fixture->config), ==, 1);
}

static void
test_bind (Fixture       *fixture,
           gconstpointer  data)
{
  static const char * const bad[] = { "example.com", "300.1.1.1", "127.0.0.1:80", "::1::2" };
  static const char * const good[] = { "localhost", "0.0.0.0", "::", "192.168.1.20", "fe80::1" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *contents = g_strdup_printf ("[server]\nbind=%s\n", bad[i]);
      g_autofree char *message = load_error (fixture, contents);
      g_autofree char *quoted = g_strdup_printf ("“%s”", bad[i]);

      assert_contains (message, "[server] bind");
      assert_contains (message, quoted);
    }

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree char *contents = g_strdup_printf ("[server]\nbind=%s\n", good[i]);

      load_ok (fixture, contents);
      g_assert_cmpstr (tc_config_get_bind (fixture->config), ==, good[i]);
    }
}

static void
test_bad_urls (Fixture       *fixture,
               gconstpointer  data)
{
  static const struct {
    const char *contents;
    const char *names;
  } cases[] = {
    { "[server]\npublic_url=ftp://chat.example.com\n", "[server] public_url" },
    { "[server]\npublic_url=chat.example.com\n", "[server] public_url" },
    { "[server]\npublic_url=https://\n", "[server] public_url" },
    { "[server]\npublic_url=https://chat.example.com/?a=1\n", "[server] public_url" },
    { "[email]\nsmtp_url=http://mail.example.com\n", "[email] smtp_url" },
    { "[email]\nsmtp_url=mail.example.com:25\n", "[email] smtp_url" },
    { "[email]\nsmtp_url=smtp://\n", "[email] smtp_url" },
    { "[sms]\napi_url=ftp://api.example.com/x\n", "[sms] api_url" },
    { "[sms]\napi_url=/2010-04-01/Messages.json\n", "[sms] api_url" },
    { "[email]\nreply_domain=-bad-.example.com\n", "[email] reply_domain" },
    { "[email]\nreply_domain=a..example.com\n", "[email] reply_domain" },
    { "[email]\nreply_domain=reply_example.com\n", "[email] reply_domain" },
    { "[email]\nreply_domain=192.0.2.1\n", "[email] reply_domain" },
    { "[email]\nreply_domain=https://reply.example.com\n", "[email] reply_domain" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *message = load_error (fixture, cases[i].contents);

      g_test_message ("%s", message);
      assert_contains (message, cases[i].names);
    }

  /* Both schemes of each kind are fine. */
  load_ok (fixture,
           "[server]\npublic_url=http://192.0.2.7:8080\n"
           "[email]\nsmtp_url=smtp://[::1]:2525\n"
           "[sms]\napi_url=http://127.0.0.1:9000/Messages.json\n");
  g_assert_cmpstr (tc_config_get_public_url (fixture->config), ==, "http://192.0.2.7:8080");
  g_assert_cmpstr (tc_config_get_email_smtp_url (fixture->config), ==, "smtp://[::1]:2525");
  g_assert_cmpstr (tc_config_get_sms_api_url (fixture->config), ==,
                   "http://127.0.0.1:9000/Messages.json");
}

static void
test_from_and_empty_values (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *message = NULL;

  message = load_error (fixture, "[email]\nfrom=\n");
  assert_contains (message, "[email] from");
  g_free (message);
  message = load_error (fixture, "[sms]\nfrom=   \n");
  assert_contains (message, "[sms] from");

  /* An empty value leaves other settings unset, even over an earlier one. */
  tc_config_set_email_username (fixture->config, "someone");
  load_ok (fixture, "[email]\nusername=\n[server]\npublic_url=\n");
  g_assert_null (tc_config_get_email_username (fixture->config));
  g_assert_null (tc_config_get_public_url (fixture->config));

  /* An escaped newline would smuggle a header into outgoing email. */
  g_free (message);
  message = load_error (fixture, "[email]\nfrom=Chat <a@example.com>\\nBcc: x@example.com\n");
  assert_contains (message, "[email] from");
}

static void
test_secrets_not_shown (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *message = NULL;

  message = load_error (fixture, "[email]\nsmtp_url=http://chat:hunter2@mail.example.com\n");
  assert_contains (message, "[email] smtp_url");
  assert_not_contains (message, "hunter2");

  g_free (message);
  message = load_error (fixture, "[sms]\napi_url=ftp://AC1:tok3n@api.example.com\n");
  assert_contains (message, "[sms] api_url");
  assert_not_contains (message, "tok3n");

  g_free (message);
  message = load_error (fixture, "[email]\npassword=hunter2\\tmore\n");
  assert_contains (message, "[email] password");
  assert_not_contains (message, "hunter2");

  g_free (message);
  message = load_error (fixture, "[sms]\nauth_token=s3cr3tz\\zescape\n");
  assert_contains (message, "[sms] auth_token");
  assert_not_contains (message, "s3cr3tz");
}

static void
test_syntax_error (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *message = NULL;

  message = load_error (fixture, "[server]\nport 8080\n");
  assert_contains (message, fixture->path);
  g_free (message);
  message = load_error (fixture, "port=8080\n");
  assert_contains (message, fixture->path);
  g_free (message);
  message = load_error (fixture, "[server]\nport=\xff\xfe\n");
  assert_contains (message, "UTF-8");
}

static void
test_missing_file (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = g_build_filename (fixture->dir, "missing.ini", NULL);

  g_assert_false (tc_config_load_file (fixture->config, missing, &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
  assert_contains (error->message, missing);
  g_assert_null (strchr (error->message, '\n'));
  /* Nothing changed. */
  g_assert_cmpuint (tc_config_get_port (fixture->config), ==, 8080);
}

static void
test_error_changes_nothing (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  load_ok (fixture, "[server]\nport=9000\n[retention]\ndays=7\n");

  /* The good keys before the bad one are not applied either. */
  write_config (fixture, "[server]\nport=9001\nbind=0.0.0.0\n[retention]\ndays=0\n");
  g_assert_false (tc_config_load_file (fixture->config, fixture->path, &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);

  g_assert_cmpuint (tc_config_get_port (fixture->config), ==, 9000);
  g_assert_cmpstr (tc_config_get_bind (fixture->config), ==, "127.0.0.1");
  g_assert_cmpuint (tc_config_get_retention_days (fixture->config), ==, 7);

  /* A second file only changes what it names. */
  load_ok (fixture, "[limits]\nmessages_per_minute=30\n");
  g_assert_cmpuint (tc_config_get_port (fixture->config), ==, 9000);
  g_assert_cmpuint (tc_config_get_messages_per_minute (fixture->config), ==, 30);
}

/* File, then environment, then command line (the setters). */
static void
test_environment (Fixture       *fixture,
                  gconstpointer  data)
{
  TcConfig *config = fixture->config;

  load_ok (fixture,
           "[email]\npassword=file-password\nwebhook_secret=file-secret\n"
           "[sms]\nauth_token=file-token\n");

  /* Nothing set (or empty) in the environment: the file stays. */
  g_setenv ("TEAMCHAT_SMTP_PASSWORD", "", TRUE);
  tc_config_load_environment (config);
  g_assert_cmpstr (tc_config_get_email_password (config), ==, "file-password");
  g_assert_cmpstr (tc_config_get_email_webhook_secret (config), ==, "file-secret");
  g_assert_cmpstr (tc_config_get_sms_auth_token (config), ==, "file-token");

  g_setenv ("TEAMCHAT_SMS_AUTH_TOKEN", "env-token", TRUE);
  g_setenv ("TEAMCHAT_EMAIL_SECRET", "env-secret", TRUE);
  g_setenv ("TEAMCHAT_SMTP_PASSWORD", "env-password", TRUE);
  tc_config_load_environment (config);
  g_assert_cmpstr (tc_config_get_sms_auth_token (config), ==, "env-token");
  g_assert_cmpstr (tc_config_get_email_webhook_secret (config), ==, "env-secret");
  g_assert_cmpstr (tc_config_get_email_password (config), ==, "env-password");

  /* The environment only touches the secrets. */
  g_assert_cmpuint (tc_config_get_port (config), ==, 8080);

  /* The command line wins over both. */
  tc_config_set_sms_auth_token (config, "cli-token");
  g_assert_cmpstr (tc_config_get_sms_auth_token (config), ==, "cli-token");

  g_unsetenv ("TEAMCHAT_SMS_AUTH_TOKEN");
  g_unsetenv ("TEAMCHAT_EMAIL_SECRET");
  g_unsetenv ("TEAMCHAT_SMTP_PASSWORD");

  /* Without a file, the environment alone gives the secret. */
  {
    g_autoptr(TcConfig) fresh = tc_config_new ();

    g_setenv ("TEAMCHAT_EMAIL_SECRET", "only-env", TRUE);
    tc_config_load_environment (fresh);
    g_assert_cmpstr (tc_config_get_email_webhook_secret (fresh), ==, "only-env");
    g_assert_null (tc_config_get_sms_auth_token (fresh));
    g_unsetenv ("TEAMCHAT_EMAIL_SECRET");
  }
}

static void
test_validate_tls (Fixture       *fixture,
                   gconstpointer  data)
{
  TcConfig *config = fixture->config;
  g_autoptr(GError) error = NULL;

  tc_config_set_tls_cert (config, "/etc/teamchat/cert.pem");
  g_assert_false (tc_config_validate (config, &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
  assert_contains (error->message, "tls");
  g_clear_error (&error);

  tc_config_set_tls_cert (config, NULL);
  tc_config_set_tls_key (config, "/etc/teamchat/key.pem");
  g_assert_false (tc_config_validate (config, &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
  g_clear_error (&error);

  tc_config_set_tls_cert (config, "/etc/teamchat/cert.pem");
  g_assert_true (tc_config_validate (config, &error));
  g_assert_no_error (error);

  /* From the file: same rule. */
  {
    g_autoptr(TcConfig) from_file = tc_config_new ();

    write_config (fixture, "[server]\ntls_key=/etc/teamchat/key.pem\n");
    g_assert_true (tc_config_load_file (from_file, fixture->path, &error));
    g_assert_false (tc_config_validate (from_file, &error));
    g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
  }
}

static void
test_websocket (Fixture       *fixture,
                gconstpointer  data)
{
  static const char * const bad_origins[] = {
    "chat.example.com",
    "ftp://chat.example.com",
    "https://chat.example.com/app",
    "https://chat.example.com?x=1",
    "https://user@chat.example.com",
    "*",
  };
  TcConfig *config = fixture->config;
  g_autoptr(GError) error = NULL;

  load_ok (fixture, "[server]\npublic_url=https://Chat.Example.com/team/\n"
                    "[websocket]\nallowed_origins=https://office.example.com:8443,"
                    "  http://localhost:3000 http://[::1]:80\n"
                    "max_connections_per_associate=0\nframes_per_minute=0\n"
                    "ping_interval_seconds=10\nidle_timeout_seconds=25\n"
                    "max_queued_bytes=65536\n");
  g_assert_true (tc_config_validate (config, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tc_config_get_ws_max_connections_per_associate (config), ==, 0);
  g_assert_cmpuint (tc_config_get_ws_frames_per_minute (config), ==, 0);
  g_assert_cmpuint (tc_config_get_ws_ping_interval_seconds (config), ==, 10);
  g_assert_cmpuint (tc_config_get_ws_idle_timeout_seconds (config), ==, 25);
  g_assert_cmpuint (tc_config_get_ws_max_queued_bytes (config), ==, 65536);

  /* public_url's origin (not its path), the listed ones; case and default
   * ports do not matter, everything else does. */
  g_assert_true (tc_config_origin_is_allowed (config, "https://chat.example.com"));
  g_assert_true (tc_config_origin_is_allowed (config, "https://CHAT.example.com:443"));
  g_assert_true (tc_config_origin_is_allowed (config, "https://office.example.com:8443"));
  g_assert_true (tc_config_origin_is_allowed (config, "http://localhost:3000"));
  g_assert_true (tc_config_origin_is_allowed (config, "http://[::1]"));
  g_assert_false (tc_config_origin_is_allowed (config, "http://chat.example.com"));
  g_assert_false (tc_config_origin_is_allowed (config, "https://office.example.com"));
  g_assert_false (tc_config_origin_is_allowed (config, "https://evil.example.com"));
  g_assert_false (tc_config_origin_is_allowed (config, "null"));
  g_assert_false (tc_config_origin_is_allowed (config, ""));
  g_assert_false (tc_config_origin_is_allowed (config, "https://chat.example.com/team"));

  for (guint i = 0; i < G_N_ELEMENTS (bad_origins); i++)
    {
      g_autofree char *contents = g_strdup_printf ("[websocket]\nallowed_origins=https://ok.example.com %s\n",
                                                   bad_origins[i]);
      g_autofree char *message = load_error (fixture, contents);

      g_test_message ("%s", message);
      assert_contains (message, "[websocket] allowed_origins");
      assert_contains (message, bad_origins[i]);
    }

  /* The idle timeout must leave time to answer a ping. */
  load_ok (fixture, "[websocket]\nping_interval_seconds=30\nidle_timeout_seconds=30\n");
  g_assert_false (tc_config_validate (config, &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
  assert_contains (error->message, "idle_timeout_seconds");
}

static void
test_validate_email (Fixture       *fixture,
                     gconstpointer  data)
{
  TcConfig *config = fixture->config;
  g_autoptr(GError) error = NULL;

  load_ok (fixture,
           "[email]\nsmtp_url=smtp://127.0.0.1:25\nfrom=Chat <chat@example.com>\n"
           "reply_domain=reply.example.com\n");
  g_assert_true (tc_config_email_enabled (config));

  /* Inbound replies cannot be checked without the secret. */
  g_assert_false (tc_config_validate (config, &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
  assert_contains (error->message, "webhook_secret");
  assert_contains (error->message, "TEAMCHAT_EMAIL_SECRET");
  g_clear_error (&error);

  g_setenv ("TEAMCHAT_EMAIL_SECRET", "env-secret", TRUE);
  tc_config_load_environment (config);
  g_assert_true (tc_config_validate (config, &error));
  g_assert_no_error (error);

  /* Email needs both smtp_url and from. */
  tc_config_set_email_from (config, NULL);
  g_assert_false (tc_config_email_enabled (config));
  g_assert_false (tc_config_validate (config, &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
  assert_contains (error->message, "from");
  g_clear_error (&error);

  tc_config_set_email_from (config, "Chat <chat@example.com>");
  tc_config_set_email_smtp_url (config, NULL);
  g_assert_false (tc_config_validate (config, &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
  assert_contains (error->message, "smtp_url");
}

static void
test_validate_sms (Fixture       *fixture,
                   gconstpointer  data)
{
  TcConfig *config = fixture->config;
  g_autoptr(GError) error = NULL;

  /* A token in the environment alone does not turn SMS on, nor fail. */
  g_setenv ("TEAMCHAT_SMS_AUTH_TOKEN", "env-token", TRUE);
  tc_config_load_environment (config);
  g_assert_false (tc_config_sms_enabled (config));
  g_assert_true (tc_config_validate (config, NULL));
  g_unsetenv ("TEAMCHAT_SMS_AUTH_TOKEN");
  tc_config_set_sms_auth_token (config, NULL);

  load_ok (fixture, "[sms]\napi_url=https://api.example.com/Messages.json\nfrom=+15550000000\n");
  g_assert_false (tc_config_sms_enabled (config));
  g_assert_false (tc_config_validate (config, &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
  assert_contains (error->message, "account_sid");
  assert_contains (error->message, "auth_token");
  assert_not_contains (error->message, "api_url");
  g_clear_error (&error);

  tc_config_set_sms_account_sid (config, "AC123");
  tc_config_set_sms_auth_token (config, "token");
  g_assert_true (tc_config_sms_enabled (config));
  g_assert_true (tc_config_validate (config, &error));
  g_assert_no_error (error);
}

/* [database]: the PostgreSQL pool and the heartbeats of several processes. */
static void
test_database (Fixture       *fixture,
               gconstpointer  data)
{
  TcConfig *config = fixture->config;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  g_assert_cmpuint (tc_config_get_database_pool_size (config), ==, 10);
  g_assert_cmpuint (tc_config_get_database_heartbeat_seconds (config), ==, 5);
  g_assert_cmpuint (tc_config_get_database_presence_timeout_seconds (config), ==, 15);

  load_ok (fixture, "[database]\npool_size=40\nheartbeat_seconds=2\npresence_timeout_seconds=4\n");
  g_assert_cmpuint (tc_config_get_database_pool_size (config), ==, 40);
  g_assert_cmpuint (tc_config_get_database_heartbeat_seconds (config), ==, 2);
  g_assert_cmpuint (tc_config_get_database_presence_timeout_seconds (config), ==, 4);
  g_assert_true (tc_config_validate (config, &error));
  g_assert_no_error (error);

  /* A process must not count as dead after one late heartbeat. */
  load_ok (fixture, "[database]\nheartbeat_seconds=10\npresence_timeout_seconds=15\n");
  g_assert_false (tc_config_validate (config, &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
  assert_contains (error->message, "presence_timeout_seconds");
  assert_contains (error->message, "heartbeat_seconds");

  message = load_error (fixture, "[database]\npool_size=0\n");
  assert_contains (message, "[database] pool_size");
  g_free (message);
  message = load_error (fixture, "[database]\nheartbeat_seconds=3601\n");
  assert_contains (message, "[database] heartbeat_seconds");
  g_free (message);
  message = load_error (fixture, "[database]\nlisten=yes\n");
  assert_contains (message, "“listen”");
}

static void
test_setters (Fixture       *fixture,
              gconstpointer  data)
{
  TcConfig *config = fixture->config;
  g_autoptr(GError) error = NULL;

  tc_config_set_port (config, 0);
  g_assert_cmpuint (tc_config_get_port (config), ==, 0);
  tc_config_set_bind (config, "0.0.0.0");
  g_assert_cmpstr (tc_config_get_bind (config), ==, "0.0.0.0");
  tc_config_set_public_url (config, "https://chat.example.com//");
  g_assert_cmpstr (tc_config_get_public_url (config), ==, "https://chat.example.com");
  tc_config_set_db (config, "/tmp/chat.db");
  g_assert_cmpstr (tc_config_get_db (config), ==, "/tmp/chat.db");
  tc_config_set_media_dir (config, "");
  g_assert_null (tc_config_get_media_dir (config));
  tc_config_set_retention_days (config, 3650);
  g_assert_cmpuint (tc_config_get_retention_days (config), ==, 3650);
  tc_config_set_messages_per_minute (config, 7);
  g_assert_cmpuint (tc_config_get_messages_per_minute (config), ==, 7);
  tc_config_set_login_failures_per_login (config, 0);
  g_assert_cmpuint (tc_config_get_login_failures_per_login (config), ==, 0);
  tc_config_set_login_failures_per_address (config, 3);
  g_assert_cmpuint (tc_config_get_login_failures_per_address (config), ==, 3);
  tc_config_set_login_window_seconds (config, 60);
  g_assert_cmpuint (tc_config_get_login_window_seconds (config), ==, 60);

  /* A setter given its own getter's value keeps it. */
  tc_config_set_db (config, tc_config_get_db (config));
  g_assert_cmpstr (tc_config_get_db (config), ==, "/tmp/chat.db");

  /* A bad bind from the command line is caught by validate. */
  tc_config_set_bind (config, "not-an-address");
  g_assert_false (tc_config_validate (config, &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
  assert_contains (error->message, "not-an-address");

  /* Out-of-range values are programming errors. */
  if (g_test_undefined ())
    {
      g_test_expect_message ("TeamChatServer", G_LOG_LEVEL_CRITICAL, "*port <= 65535*");
      tc_config_set_port (config, 65536);
      g_test_assert_expected_messages ();
      g_assert_cmpuint (tc_config_get_port (config), ==, 0);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/config/defaults", test_defaults);
  ADD ("/config/full-file", test_full_file);
  ADD ("/config/contract-example", test_contract_example);
  ADD ("/config/unknown-group", test_unknown_group);
  ADD ("/config/unknown-key", test_unknown_key);
  ADD ("/config/bad-numbers", test_bad_numbers);
  ADD ("/config/bind", test_bind);
  ADD ("/config/bad-urls", test_bad_urls);
  ADD ("/config/from-and-empty-values", test_from_and_empty_values);
  ADD ("/config/secrets-not-shown", test_secrets_not_shown);
  ADD ("/config/syntax-error", test_syntax_error);
  ADD ("/config/missing-file", test_missing_file);
  ADD ("/config/error-changes-nothing", test_error_changes_nothing);
  ADD ("/config/environment", test_environment);
  ADD ("/config/validate-tls", test_validate_tls);
  ADD ("/config/websocket", test_websocket);
  ADD ("/config/validate-email", test_validate_email);
  ADD ("/config/validate-sms", test_validate_sms);
  ADD ("/config/setters", test_setters);
  ADD ("/config/database", test_database);

#undef ADD

  return g_test_run ();
}
