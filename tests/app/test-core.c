/* test-core.c: small parts of the app core that need no server */
#include "tc-api-client.h"
#include "tc-app-test.h"
#include "tc-backoff.h"
#include "tc-error.h"
#include "tc-memory-token-store.h"
#include "tc-throttle.h"

static void
test_backoff (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  TcBackoff backoff;
  guint expected[] = { 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000 };

  tc_backoff_init (&backoff, 1000, 60000);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      guint ceiling = tc_backoff_ceiling (&backoff);
      guint delay = tc_backoff_next_delay (&backoff, rand);

      g_assert_cmpuint (ceiling, ==, expected[i]);
      g_assert_cmpuint (delay, <=, ceiling);
    }

  /* Full jitter: delays spread over the whole range, not near the top. */
  {
    guint low = 0, high = 0;

    for (guint i = 0; i < 1000; i++)
      {
        guint delay;

        backoff.attempt = 10;
        delay = tc_backoff_next_delay (&backoff, rand);
        g_assert_cmpuint (delay, <=, 60000);
        if (delay < 20000)
          low++;
        else if (delay > 40000)
          high++;
      }
    g_assert_cmpuint (low, >, 100);
    g_assert_cmpuint (high, >, 100);
  }

  /* Long outages never overflow; success starts over. */
  backoff.attempt = 1000;
  g_assert_cmpuint (tc_backoff_ceiling (&backoff), ==, 60000);
  tc_backoff_reset (&backoff);
  g_assert_cmpuint (tc_backoff_ceiling (&backoff), ==, 1000);

  /* Tests use tiny delays. */
  tc_backoff_init (&backoff, 10, 50);
  for (guint i = 0; i < 10; i++)
    g_assert_cmpuint (tc_backoff_next_delay (&backoff, NULL), <=, 50);
}

static void
test_memory_token_store (void)
{
  g_autoptr(TcTokenStore) store = tc_memory_token_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  g_autofree char *associate_id = NULL;

  g_assert_false (tc_token_store_is_persistent (store));

  {
    TcAppTestAsync async = { 0 };
    g_autoptr(GAsyncResult) result = NULL;

    tc_token_store_lookup_async (store, "https://chat.example.com", NULL, tc_app_test_async_cb,
                                 &async);
    result = tc_app_test_async_wait (&async, "lookup");
    token = tc_token_store_lookup_finish (store, result, &associate_id, &error);
    g_assert_no_error (error);
    g_assert_null (token);
  }
  {
    TcAppTestAsync async = { 0 };
    g_autoptr(GAsyncResult) result = NULL;

    tc_token_store_save_async (store, "https://chat.example.com", "A", "tc1_secret", NULL,
                               tc_app_test_async_cb, &async);
    result = tc_app_test_async_wait (&async, "save");
    g_assert_true (tc_token_store_save_finish (store, result, &error));
    g_assert_no_error (error);
  }
  {
    TcAppTestAsync async = { 0 };
    g_autoptr(GAsyncResult) result = NULL;

    tc_token_store_lookup_async (store, "https://chat.example.com", NULL, tc_app_test_async_cb,
                                 &async);
    result = tc_app_test_async_wait (&async, "lookup");
    token = tc_token_store_lookup_finish (store, result, &associate_id, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (token, ==, "tc1_secret");
    g_assert_cmpstr (associate_id, ==, "A");
  }
  {
    TcAppTestAsync async = { 0 };
    g_autoptr(GAsyncResult) result = NULL;

    tc_token_store_clear_async (store, "https://chat.example.com", NULL, tc_app_test_async_cb,
                                &async);
    result = tc_app_test_async_wait (&async, "clear");
    g_assert_true (tc_token_store_clear_finish (store, result, &error));
    g_assert_no_error (error);
  }
  {
    TcAppTestAsync async = { 0 };
    g_autoptr(GAsyncResult) result = NULL;
    g_autofree char *gone = NULL;

    tc_token_store_lookup_async (store, "https://chat.example.com", NULL, tc_app_test_async_cb,
                                 &async);
    result = tc_app_test_async_wait (&async, "lookup");
    gone = tc_token_store_lookup_finish (store, result, NULL, &error);
    g_assert_no_error (error);
    g_assert_null (gone);
  }
}

static void
test_websocket_url (void)
{
  g_autoptr(TcApiClient) plain = tc_api_client_new ("http://127.0.0.1:8080/");
  g_autoptr(TcApiClient) secure = tc_api_client_new ("https://chat.example.com");
  g_autofree char *plain_url = tc_api_client_get_websocket_url (plain);
  g_autofree char *secure_url = tc_api_client_get_websocket_url (secure);

  g_assert_cmpstr (tc_api_client_get_base_url (plain), ==, "http://127.0.0.1:8080");
  g_assert_cmpstr (plain_url, ==, "ws://127.0.0.1:8080/api/v1/ws");
  g_assert_cmpstr (secure_url, ==, "wss://chat.example.com/api/v1/ws");
}

/* A loopback port nobody listens on. */
static guint16
closed_port (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, address, TRUE, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, NULL);
  return port;
}

static GError *
login_error (const char *base_url)
{
  g_autoptr(TcApiClient) client = tc_api_client_new (base_url);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(TcAssociate) associate = NULL;
  TcAppTestAsync async = { 0 };
  GError *error = NULL;

  tc_api_client_login_async (client, "alice", "password-A", NULL, NULL, tc_app_test_async_cb,
                             &async);
  result = tc_app_test_async_wait (&async, "login");
  associate = tc_api_client_login_finish (client, result, NULL, &error);
  g_assert_null (associate);
  g_assert_nonnull (error);
  g_test_message ("%s: %s", base_url, error->message);
  return error;
}

static void
test_client_errors (void)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", closed_port ());
  g_autoptr(GError) unreachable = login_error (url);
  g_autoptr(GError) no_scheme = login_error ("chat.example.com");
  g_autoptr(GError) bad_scheme = login_error ("ftp://chat.example.com");

  g_assert_error (unreachable, TC_ERROR, TC_ERROR_UNAVAILABLE);
  g_assert_true (g_str_has_prefix (unreachable->message, "cannot reach the server: "));
  g_assert_error (no_scheme, TC_ERROR, TC_ERROR_INVALID);
  g_assert_error (bad_scheme, TC_ERROR, TC_ERROR_INVALID);

  /* Nothing but the login goes out without a token. */
  {
    g_autoptr(TcApiClient) client = tc_api_client_new (url);
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(TcSyncPage) page = NULL;
    g_autoptr(GError) error = NULL;
    TcAppTestAsync async = { 0 };

    tc_api_client_sync_async (client, NULL, 0, NULL, tc_app_test_async_cb, &async);
    result = tc_app_test_async_wait (&async, "sync");
    page = tc_api_client_sync_finish (client, result, &error);
    g_assert_null (page);
    g_assert_error (error, TC_ERROR, TC_ERROR_UNAUTHORIZED);
  }

  /* Cancelling is not an error to show. */
  {
    g_autoptr(TcApiClient) client = tc_api_client_new (url);
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(TcAssociate) associate = NULL;
    g_autoptr(GError) error = NULL;
    TcAppTestAsync async = { 0 };

    g_cancellable_cancel (cancellable);
    tc_api_client_login_async (client, "alice", "password-A", NULL, cancellable,
                               tc_app_test_async_cb, &async);
    result = tc_app_test_async_wait (&async, "login");
    associate = tc_api_client_login_finish (client, result, NULL, &error);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  }
}

static void
count_run (gpointer user_data)
{
  (*(guint *) user_data)++;
}

/* A burst of changes makes few reads, never two at once, and always one
 * after the last change. */
static void
test_throttle (void)
{
  guint runs = 0;
  g_autoptr(TcThrottle) throttle = tc_throttle_new (count_run, &runs);

  /* No interval: each change is read at once, unless a read is on its
   * way; then all the changes meanwhile make one more read. */
  g_assert_false (tc_throttle_is_busy (throttle));
  tc_throttle_request (throttle);
  g_assert_cmpuint (runs, ==, 1);
  g_assert_true (tc_throttle_is_busy (throttle));
  for (guint i = 0; i < 10; i++)
    tc_throttle_request (throttle);
  g_assert_cmpuint (runs, ==, 1);
  tc_throttle_done (throttle);
  g_assert_cmpuint (runs, ==, 2);
  tc_throttle_done (throttle);
  g_assert_cmpuint (runs, ==, 2);
  g_assert_false (tc_throttle_is_busy (throttle));

  /* Forgotten: nothing on its way, nothing due. */
  tc_throttle_request (throttle);
  tc_throttle_request (throttle);
  tc_throttle_reset (throttle);
  g_assert_false (tc_throttle_is_busy (throttle));
  tc_throttle_request (throttle);
  g_assert_cmpuint (runs, ==, 4);
  tc_throttle_done (throttle);
  g_assert_false (tc_throttle_is_busy (throttle));
}

static void
test_throttle_interval (void)
{
  guint runs = 0;
  g_autoptr(TcThrottle) throttle = tc_throttle_new (count_run, &runs);

  /* A long pause (a catch-up): the first change is read at once, the
   * hundred after it wait... */
  tc_throttle_set_interval (throttle, 3600 * 1000);
  g_assert_cmpuint (tc_throttle_get_interval (throttle), ==, 3600 * 1000);
  tc_throttle_request (throttle);
  g_assert_cmpuint (runs, ==, 1);
  tc_throttle_done (throttle);
  for (guint i = 0; i < 100; i++)
    tc_throttle_request (throttle);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (runs, ==, 1);
  g_assert_true (tc_throttle_is_busy (throttle));
  /* ...and are read at once, in one read, when the catch-up ends. */
  tc_throttle_set_interval (throttle, 0);
  g_assert_cmpuint (runs, ==, 2);
  tc_throttle_done (throttle);
  g_assert_false (tc_throttle_is_busy (throttle));

  /* Reading now (a new filter) takes the place of what waited. */
  tc_throttle_set_interval (throttle, 3600 * 1000);
  tc_throttle_request (throttle);
  g_assert_cmpuint (runs, ==, 2);
  tc_throttle_run_now (throttle);
  g_assert_cmpuint (runs, ==, 3);
  tc_throttle_done (throttle);
  g_assert_false (tc_throttle_is_busy (throttle));

  /* A short pause ends by itself: the last change is read without
   * another one coming. */
  tc_throttle_set_interval (throttle, 20);
  tc_throttle_request (throttle);
  while (runs < 4)
    g_main_context_iteration (NULL, TRUE);
  tc_throttle_done (throttle);
  g_assert_false (tc_throttle_is_busy (throttle));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/backoff", test_backoff);
  g_test_add_func ("/core/throttle", test_throttle);
  g_test_add_func ("/core/throttle/interval", test_throttle_interval);
  g_test_add_func ("/core/memory-token-store", test_memory_token_store);
  g_test_add_func ("/core/api-client/websocket-url", test_websocket_url);
  g_test_add_func ("/core/api-client/errors", test_client_errors);

  return g_test_run ();
}
