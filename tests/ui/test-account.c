/* test-account.c: TcAccount — the service behind the login page — against
 * the real server: server addresses as people type them, errors people can
 * act on, login, resuming a kept session without the network, logout. */
#include "config.h"

#include <utime.h>

#include <glib/gstdio.h>

#include "tc-account.h"
#include "tc-error.h"
#include "tc-media-cache.h"
#include "tc-memory-token-store.h"
#include "tc-test-server.h"

static void
test_normalize_server (void)
{
  static const struct { const char *typed, *expected; } good[] = {
    { "chat.example.com", "https://chat.example.com" },
    { "  https://chat.example.com/  ", "https://chat.example.com" },
    { "http://127.0.0.1:8080", "http://127.0.0.1:8080" },
  };
  static const char *bad[] = { "", "   ", "ftp://chat.example.com", "https://", "http:///x" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *url = tc_account_normalize_server (good[i].typed, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (url, ==, good[i].expected);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *url = tc_account_normalize_server (bad[i], &error);

      g_assert_null (url);
      g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
      g_assert_cmpstr (error->message, !=, "");
    }
}

static void
test_describe_error (void)
{
  g_autoptr(GError) unauthorized = g_error_new (TC_ERROR, TC_ERROR_UNAUTHORIZED, "x");
  g_autoptr(GError) unreachable = g_error_new (TC_ERROR, TC_ERROR_UNAVAILABLE, "x");
  g_autoptr(GError) tls = g_error_new (G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE, "x");
  g_autoptr(GError) limited = g_error_new (TC_ERROR, TC_ERROR_RATE_LIMITED, "x");
  g_autofree char *a = tc_account_describe_error (unauthorized, "https://s");
  g_autofree char *b = tc_account_describe_error (unreachable, "https://s");
  g_autofree char *c = tc_account_describe_error (tls, "https://s");
  g_autofree char *d = tc_account_describe_error (limited, "https://s");

  g_assert_cmpstr (a, ==, "Wrong login or password.");
  g_assert_nonnull (strstr (b, "https://s"));
  g_assert_nonnull (strstr (b, "Cannot reach"));
  g_assert_nonnull (strstr (c, "certificate"));
  g_assert_nonnull (strstr (d, "Too many attempts"));
}

typedef struct {
  GAsyncResult *result;
} Wait;

static void
done_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
}

static GAsyncResult *
wait_result (Wait *wait)
{
  while (wait->result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return wait->result;
}

static gboolean
timeout_cb (gpointer data)
{
  g_error ("timed out waiting for %s", (const char *) data);
  return G_SOURCE_REMOVE;
}

static void
wait_online (TcAccount *account)
{
  guint guard = g_timeout_add_seconds (30, timeout_cb, (gpointer) "the sync engine");

  while (tc_sync_engine_get_state (tc_account_get_sync_engine (account)) != TC_SYNC_STATE_ONLINE)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (guard);
}

/* A downloaded attachment in the cache, last used @days_ago. */
static char *
cached_file (const char *relative,
             int         days_ago)
{
  g_autofree char *dir = tc_media_cache_default_dir ();
  g_autofree char *path = g_build_filename (dir, relative, NULL);
  g_autofree char *folder = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;
  struct utimbuf times;

  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  g_file_set_contents (path, "%PDF-1.4", -1, &error);
  g_assert_no_error (error);
  times.actime = times.modtime = time (NULL) - (time_t) days_ago * 24 * 3600;
  g_assert_cmpint (g_utime (path, &times), ==, 0);
  return g_steal_pointer (&path);
}

static void
test_login_resume_logout (void)
{
  g_autoptr(GError) error = NULL;
  TcTestServer *server = tc_test_server_new_or_fail (NULL);
  const char *url = tc_test_server_get_base_url (server);
  g_autoptr(TcTokenStore) store = tc_memory_token_store_new ();
  g_autoptr(TcAccount) first = tc_account_new (store);
  g_autoptr(TcAccount) second = NULL;
  g_autoptr(TcAccount) third = NULL;
  g_autofree char *replica_path = NULL;
  g_autofree char *recent = NULL;
  g_autofree char *stale = NULL;
  Wait wait = { NULL };

  /* A wrong password: an error people understand, nothing kept. */
  tc_account_login_async (first, url, "alice", "wrong-password", NULL, done_cb, &wait);
  g_assert_false (tc_account_login_finish (first, wait_result (&wait), &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_UNAUTHORIZED);
  g_assert_false (tc_account_is_logged_in (first));
  g_clear_error (&error);
  g_clear_object (&wait.result);

  tc_account_login_async (first, url, "alice", "password-A", NULL, done_cb, &wait);
  g_assert_true (tc_account_login_finish (first, wait_result (&wait), &error));
  g_assert_no_error (error);
  g_clear_object (&wait.result);
  g_assert_true (tc_account_is_logged_in (first));
  g_assert_cmpstr (tc_account_get_associate (first)->id, ==, "A");
  /* The memory store keeps tokens for this process only, and says so. */
  g_assert_true (tc_account_is_session_only (first));
  wait_online (first);
  replica_path = g_strdup (tc_replica_get_path (tc_account_get_replica (first)));
  g_assert_true (g_file_test (replica_path, G_FILE_TEST_EXISTS));

  /* The app closes... */
  g_clear_object (&first);
  /* ...with a download opened last week and one not opened for months. */
  recent = cached_file ("attachments/aaaa/Price list.pdf", 7);
  stale = cached_file ("attachments/bbbb/Old brochure.pdf", 90);

  /* ...and the next start picks the session up with no password. */
  second = tc_account_new (store);
  tc_account_resume_async (second, url, NULL, done_cb, &wait);
  g_assert_true (tc_account_resume_finish (second, wait_result (&wait), &error));
  g_assert_no_error (error);
  g_clear_object (&wait.result);
  g_assert_true (tc_account_is_logged_in (second));
  g_assert_cmpstr (tc_account_get_associate (second)->id, ==, "A");
  g_assert_cmpstr (tc_replica_get_path (tc_account_get_replica (second)), ==, replica_path);
  wait_online (second);
  /* Starting prunes what nobody opened for a month. */
  while (g_file_test (stale, G_FILE_TEST_EXISTS))
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (g_file_test (recent, G_FILE_TEST_IS_REGULAR));

  /* Logging out revokes the token, forgets it and deletes the history. */
  tc_account_logout_async (second, FALSE, NULL, done_cb, &wait);
  g_assert_true (tc_account_logout_finish (second, wait_result (&wait), &error));
  g_assert_no_error (error);
  g_clear_object (&wait.result);
  g_assert_false (tc_account_is_logged_in (second));
  g_assert_false (g_file_test (replica_path, G_FILE_TEST_EXISTS));
  /* ...and the downloaded attachments. */
  g_assert_false (g_file_test (recent, G_FILE_TEST_EXISTS));

  third = tc_account_new (store);
  tc_account_resume_async (third, url, NULL, done_cb, &wait);
  g_assert_false (tc_account_resume_finish (third, wait_result (&wait), &error));
  g_assert_no_error (error);
  g_clear_object (&wait.result);
  g_assert_false (tc_account_is_logged_in (third));

  tc_test_server_free (server);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *data_home = g_dir_make_tmp ("tc-account-XXXXXX", NULL);
  int status;

  g_autofree char *cache_home = g_build_filename (data_home, "cache", NULL);

  /* Replicas go to XDG_DATA_HOME, downloads to XDG_CACHE_HOME: keep them
   * out of the user's. */
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("XDG_CACHE_HOME", cache_home, TRUE);
  /* dconf would keep a file there too. */
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/account/normalize-server", test_normalize_server);
  g_test_add_func ("/account/describe-error", test_describe_error);
  g_test_add_func ("/account/login-resume-logout", test_login_resume_logout);

  status = g_test_run ();
  {
    g_autofree char *dir = g_build_filename (data_home, "teamchat", NULL);
    g_autofree char *cache = g_build_filename (cache_home, "teamchat", NULL);
    g_autofree char *attachments = g_build_filename (cache, "attachments", NULL);

    g_rmdir (dir);
    g_rmdir (attachments);
    g_rmdir (cache);
    g_rmdir (cache_home);
    g_rmdir (data_home);
  }
  return status;
}
