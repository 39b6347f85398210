/* test-hostile.c: hostile requests against the real teamchat-server
 *
 * What a client that does not play by the rules sends: bodies over the
 * limit, ambiguous framing (request smuggling), broken Content-Length
 * values, deep nesting, numbers out of range, invalid UTF-8 in paths,
 * queries and headers, and connections that never finish their request.
 * Each test asserts what the server answers, that the answer is the only
 * one (no smuggled request runs), and that the server goes on serving.
 * Raw requests go over plain sockets; the guard time on them only bounds a
 * failure, nothing asserts how fast an answer comes.
 */
#include <string.h>

#include <gio/gio.h>

#include "tc-test-server.h"
#include "tc-test-ws.h"

#define GUARD_SECONDS 15

#define TO(...) ((const char *[]) { __VA_ARGS__, NULL })

typedef struct {
  TcTestServer *server;
  char         *a;   /* tokens of A and B, on each other's team */
  char         *b;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->server = tc_test_server_new_or_fail (NULL);
  f->a = tc_test_login_as (f->server, "A");
  f->b = tc_test_login_as (f->server, "B");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_free (f->a);
  g_free (f->b);
  g_clear_pointer (&f->server, tc_test_server_free);
}

/* --- raw connections ---------------------------------------------------------------- */

static GSocketConnection *
raw_connect (Fixture *f)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  const char *url = tc_test_server_get_base_url (f->server);
  GSocketConnection *connection;

  g_assert_true (g_str_has_prefix (url, "http://"));
  connection = g_socket_client_connect_to_host (client, url + strlen ("http://"), 80, NULL,
                                                &error);
  g_assert_no_error (error);
  g_socket_set_timeout (g_socket_connection_get_socket (connection), GUARD_SECONDS);
  return connection;
}

static void
raw_write (GSocketConnection *connection,
           const char        *data,
           gsize              len)
{
  g_autoptr(GError) error = NULL;
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  g_output_stream_write_all (out, data, len, NULL, NULL, &error);
  g_assert_no_error (error);
}

/* Reads until the server closes the connection, which it must do. */
static char *
raw_read_to_end (GSocketConnection *connection)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  g_autoptr(GString) text = g_string_new (NULL);

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      char buffer[4096];
      gssize n = g_input_stream_read (in, buffer, sizeof buffer, NULL, &error);

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
        break;
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        g_error ("the server kept the connection open after answering: %s", text->str);
      g_assert_no_error (error);
      if (n == 0)
        break;
      g_string_append_len (text, buffer, n);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* One request on its own connection; what came back before the server
 * closed it. */
static char *
raw_exchange (Fixture    *f,
              const char *request)
{
  g_autoptr(GSocketConnection) connection = raw_connect (f);

  raw_write (connection, request, strlen (request));
  return raw_read_to_end (connection);
}

static guint
count_answers (const char *text)
{
  guint n = 0;

  for (const char *p = text; (p = strstr (p, "HTTP/1.1 ")) != NULL; p++)
    if (p == text || p[-1] == '\n' || p[-1] == '}')
      n++;
  return n;
}

static guint
first_status (const char *text)
{
  g_assert_true (g_str_has_prefix (text, "HTTP/1.1 "));
  return (guint) g_ascii_strtoull (text + strlen ("HTTP/1.1 "), NULL, 10);
}

/* The server still answers: a login, a send and a WebSocket ping. */
static void
assert_still_serving (Fixture *f)
{
  g_autofree char *client_id = tc_test_uuid ();
  g_autofree char *c = tc_test_login_as (f->server, "C");
  g_autoptr(JsonNode) sent = NULL;
  g_autoptr(TcTestWs) ws = tc_test_ws_open (f->server, c);
  g_autoptr(GPtrArray) events = NULL;
  guint status = 0;

  sent = tc_test_send_message (f->server, f->a, client_id, TO ("C"), "still there?", &status);
  g_assert_cmpuint (status, ==, 201);
  events = tc_test_ws_drain (ws);
}

static gint64
send_one (Fixture    *f,
          const char *token,
          const char *to)
{
  g_autofree char *client_id = tc_test_uuid ();
  g_autoptr(JsonNode) answer = NULL;
  guint status = 0;

  answer = tc_test_send_message (f->server, token, client_id, TO (to), "hello", &status);
  g_assert_cmpuint (status, ==, 201);
  return tc_test_get_int (json_array_get_object_element (
                            tc_test_get_array (tc_test_object (answer), "messages"), 0), "id");
}

static gboolean
is_read (Fixture    *f,
         const char *token,
         const char *peer,
         gint64      id)
{
  g_autoptr(JsonArray) history = tc_test_history (f->server, token, peer);

  for (guint i = 0; i < json_array_get_length (history); i++)
    {
      JsonObject *message = json_array_get_object_element (history, i);

      if (tc_test_get_int (message, "id") == id)
        return tc_test_get_bool (message, "read");
    }
  g_assert_not_reached ();
  return FALSE;
}

/* --- framing ------------------------------------------------------------------------ */

/* What a smuggled request would do if it ran: mark A's conversations read. */
static char *
smuggled_request (Fixture *f)
{
  return g_strdup_printf ("POST /api/v1/read-all HTTP/1.1\r\nHost: x\r\n"
                          "Authorization: Bearer %s\r\n"
                          "Content-Length: 0\r\n\r\n", f->a);
}

/* A request with both Transfer-Encoding and Content-Length, and another
 * request behind it that only one reading of the framing sees: the first
 * gets an error, the connection closes (RFC 9112 §6.1), the second never
 * runs. The smuggled request would mark A's conversation read. */
static void
test_smuggling (Fixture       *f,
                gconstpointer  data)
{
  gint64 id = send_one (f, f->b, "A");
  g_autofree char *smuggled = smuggled_request (f);
  const char *framings[] = {
    "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
    "Transfer-Encoding: chunked\r\nContent-Length: 500\r\n",
    "Transfer-Encoding: chunked\r\n",
    "Transfer-Encoding: identity\r\nContent-Length: 5\r\n",
    "Transfer-Encoding: chunked, identity\r\nContent-Length: 5\r\n",
    "Transfer-Encoding: xchunked\r\nContent-Length: 5\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (framings); i++)
    {
      g_autofree char *request = g_strdup_printf ("POST /api/v1/health HTTP/1.1\r\nHost: x\r\n"
                                                  "%s\r\n0\r\n\r\n%s", framings[i], smuggled);
      g_autofree char *answer = raw_exchange (f, request);

      g_test_message ("%s→ %.60s", framings[i], answer);
      g_assert_cmpuint (count_answers (answer), ==, 1);
      g_assert_cmpuint (first_status (answer), >=, 400);
    }
  g_assert_false (is_read (f, f->a, "B", id));
  assert_still_serving (f);
}

/* Content-Length values that do not give one length. libsoup reads the
 * body of a request whose length it cannot parse until the connection
 * ends, so the server must refuse them before that. */
static void
test_bad_content_length (Fixture       *f,
                         gconstpointer  data)
{
  const char *values[] = {
    "-1",
    "+5",
    "99999999999999999999999",
    "18446744073709551615",
    "9223372036854775808",
    "0x10",
    "5 5",
    "1e3",
  };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autofree char *request = g_strdup_printf ("POST /api/v1/session HTTP/1.1\r\nHost: x\r\n"
                                                  "Content-Type: application/json\r\n"
                                                  "Content-Length: %s\r\n\r\n{}", values[i]);
      g_autofree char *answer = raw_exchange (f, request);

      g_test_message ("Content-Length: %s → %.60s", values[i], answer);
      g_assert_cmpuint (count_answers (answer), ==, 1);
      g_assert_cmpuint (first_status (answer), ==, 400);
    }

  /* Two Content-Length headers that disagree, with a request hidden in
   * what one of them counts as body. */
  {
    g_autoptr(JsonNode) me = NULL;
    gint64 id = send_one (f, f->b, "A");
    g_autofree char *smuggled = smuggled_request (f);
    g_autofree char *request = g_strdup_printf ("POST /api/v1/health HTTP/1.1\r\nHost: x\r\n"
                                                "Content-Length: 0\r\n"
                                                "Content-Length: %zu\r\n\r\n%s",
                                                strlen (smuggled), smuggled);
    g_autofree char *answer = raw_exchange (f, request);

    g_test_message ("two lengths → %.60s", answer);
    g_assert_cmpuint (count_answers (answer), ==, 1);
    g_assert_cmpuint (first_status (answer), ==, 400);
    g_assert_false (is_read (f, f->a, "B", id));
  }
  assert_still_serving (f);
}

/* Over 64 KiB: 413 on every endpoint that takes a body, with or without a
 * token, announced by Content-Length and so refused before it is read. */
static void
test_oversized_bodies (Fixture       *f,
                       gconstpointer  data)
{
  const struct {
    const char *method;
    const char *path;
  } endpoints[] = {
    { "POST", "/api/v1/session" },
    { "PATCH", "/api/v1/me/preferences" },
    { "POST", "/api/v1/messages" },
    { "POST", "/api/v1/read" },
    { "POST", "/api/v1/read-all" },
    { "GET", "/api/v1/team" },
    { "POST", "/hooks/sms" },
  };
  g_autofree char *big = g_strnfill (64 * 1024 + 1, ' ');
  g_autofree char *authorization = g_strconcat ("Bearer ", f->a, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (endpoints); i++)
    for (guint with_token = 0; with_token <= 1; with_token++)
      {
        g_autoptr(TcTestResponse) response = NULL;

        g_test_message ("%s %s", endpoints[i].method, endpoints[i].path);
        response = tc_test_send (f->server, endpoints[i].method, endpoints[i].path,
                                 with_token ? authorization : NULL, "application/json", big, -1);
        g_assert_cmpuint (response->status, ==, 413);
        tc_test_assert_error (response->json, "too_large");
      }

  /* Announced, not sent: the answer comes without the body, so the server
   * neither waits for nor stores 10 GB. */
  {
    g_autofree char *answer = raw_exchange (f, "POST /api/v1/messages HTTP/1.1\r\nHost: x\r\n"
                                               "Content-Type: application/json\r\n"
                                               "Content-Length: 10000000000\r\n\r\n{\"to\":");

    g_assert_cmpuint (count_answers (answer), ==, 1);
    g_assert_cmpuint (first_status (answer), ==, 413);
    g_assert_nonnull (strstr (answer, "\"too_large\""));
  }

  assert_still_serving (f);
}

/* --- contents ------------------------------------------------------------------------ */

static void
expect_invalid (Fixture    *f,
                const char *method,
                const char *path,
                const char *token,
                const char *body,
                gsize       len)
{
  guint status = 0;
  g_autoptr(JsonNode) answer = tc_test_request_raw (f->server, method, path, token, body, len,
                                                    &status);
  /* Escaped: the bodies are invalid UTF-8 on purpose, and the log is TAP. */
  g_autofree char *shown = g_strndup (body != NULL ? body : "", MIN (len, 60));
  g_autofree char *escaped = g_strescape (shown, NULL);

  g_test_message ("%s %s %s → %u", method, path, escaped, status);
  g_assert_cmpuint (status, ==, 400);
  tc_test_assert_error (answer, "invalid_request");
}

static void
test_deep_nesting (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GString) deep = g_string_new ("{\"client_id\":");
  g_autoptr(TcTestWs) ws = tc_test_ws_open (f->server, f->a);

  for (guint i = 0; i < 10000; i++)
    g_string_append (deep, "[{\"a\":");
  expect_invalid (f, "POST", "/api/v1/messages", f->a, deep->str, deep->len);
  expect_invalid (f, "POST", "/api/v1/session", NULL, deep->str, deep->len);
  expect_invalid (f, "POST", "/api/v1/read", f->a, deep->str, deep->len);

  /* Within the 64 KiB of a frame, on the socket: an error, and the
   * socket stays open. */
  {
    g_autoptr(GString) frame = g_string_new ("{\"type\":\"ping\",\"ref\":\"deep\",\"x\":");

    for (guint i = 0; i < 10000; i++)
      g_string_append_c (frame, '[');
    for (guint i = 0; i < 10000; i++)
      g_string_append_c (frame, ']');
    g_string_append_c (frame, '}');
    tc_test_ws_send_text (ws, frame->str);
  }
  {
    g_autoptr(GPtrArray) events = tc_test_ws_drain (ws);

    g_assert_false (tc_test_ws_is_closed (ws));
  }
  assert_still_serving (f);
}

static void
test_huge_numbers (Fixture       *f,
                   gconstpointer  data)
{
  gint64 id = send_one (f, f->b, "A");
  const char *up_tos[] = {
    "9223372036854775808",
    "-9223372036854775809",
    "99999999999999999999999999999999",
    "1e400",
    "5e21",
    "-1e400",
    "1.5",
    "1e2",
  };
  const char *queries[] = {
    "/api/v1/sync?since=99999999999999999999",
    "/api/v1/sync?since=-1",
    "/api/v1/sync?limit=18446744073709551616",
    "/api/v1/sync?limit=0x10",
    "/api/v1/conversations/B/messages?before=99999999999999999999",
    "/api/v1/conversations/B/messages?limit=-5",
    "/api/v1/conversations/B/messages?limit=1e3",
  };

  for (guint i = 0; i < G_N_ELEMENTS (up_tos); i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"peer\":\"B\",\"up_to\":%s}", up_tos[i]);

      expect_invalid (f, "POST", "/api/v1/read", f->a, body, strlen (body));
    }
  for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
    expect_invalid (f, "GET", queries[i], f->a, NULL, 0);
  g_assert_false (is_read (f, f->a, "B", id));

  /* A ref that json-glib could not write back (found by fuzzing): the
   * frame is refused, and every frame the server sends is JSON (the test
   * client checks). */
  {
    g_autoptr(TcTestWs) ws = tc_test_ws_open (f->server, f->a);
    g_autoptr(GPtrArray) events = NULL;

    tc_test_ws_send_text (ws, "{\"type\":\"ping\",\"ref\":5e21}");
    tc_test_ws_send_text (ws, "{\"type\":\"ping\",\"ref\":1e999}");
    events = tc_test_ws_drain (ws);
    g_assert_false (tc_test_ws_is_closed (ws));
  }
}

static void
test_invalid_utf8 (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *authorization = g_strconcat ("Bearer ", f->a, NULL);
  /* Percent-encoded in the query: the invalid sequences, including lead
   * bytes that promise more bytes than there are. */
  const char *queries[] = {
    "/api/v1/team?q=%FF",
    "/api/v1/team?q=%F4",
    "/api/v1/team?q=a%F0%9F",
    "/api/v1/team?q=%C0%AF",
    "/api/v1/team?q=%ED%A0%80",
    "/api/v1/team?%FF=x",
    "/api/v1/sync?since=%FF",
    "/api/v1/media/search?q=%FE",
  };
  const char *bodies[] = {
    "{\"login\":\"alice\xff\",\"password\":\"password-A\"}",
    "{\"login\":\"alice\",\"password\":\"\xf4\"}",
    "{\"login\":\"alice\",\"password\":\"x\",\"device\":\"\xc0\xaf\"}",
    "\xef\xbb\xbf{\"login\":\"alice\",\"password\":\"password-A\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
    expect_invalid (f, "GET", queries[i], f->a, NULL, 0);
  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    expect_invalid (f, "POST", "/api/v1/session", NULL, bodies[i], strlen (bodies[i]));
  {
    const char *channel = "{\"offline_channel\":\"sms\xff\"}";

    expect_invalid (f, "PATCH", "/api/v1/me/preferences", f->a, channel, strlen (channel));
  }

  /* In a path segment: no such route, as for any id nobody has. */
  {
    const char *paths[] = { "/api/v1/team/%FF", "/api/v1/conversations/%F4/messages" };

    for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
      {
        g_autoptr(TcTestResponse) response = tc_test_send (f->server, "GET", paths[i],
                                                           authorization, NULL, NULL, 0);

        g_assert_cmpuint (response->status, ==, 404);
        tc_test_assert_error (response->json, "not_found");
      }
  }
  /* Raw bytes in the request line and in the Authorization header. */
  {
    g_autofree char *request = g_strdup_printf ("GET /api/v1/team?q=\xf4 HTTP/1.1\r\nHost: x\r\n"
                                                "Authorization: Bearer %s\r\n"
                                                "Connection: close\r\n\r\n", f->a);
    g_autofree char *answer = raw_exchange (f, request);

    g_assert_cmpuint (first_status (answer), ==, 400);
  }
  {
    g_autofree char *request = g_strdup_printf ("GET /api/v1/me HTTP/1.1\r\nHost: x\r\n"
                                                "Authorization: Bearer \xff\xfe%s\r\n"
                                                "Connection: close\r\n\r\n", f->a);
    g_autofree char *answer = raw_exchange (f, request);

    g_assert_cmpuint (first_status (answer), ==, 401);
  }
  assert_still_serving (f);
}

/* --- connections that never finish ------------------------------------------------------ */

/* Many connections stuck halfway through a request (slowloris): the
 * server keeps serving everyone else, over HTTP and WebSocket. */
static void
test_slow_clients (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) stuck = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *half_body = g_strdup_printf ("POST /api/v1/read HTTP/1.1\r\nHost: x\r\n"
                                                "Authorization: Bearer %s\r\n"
                                                "Content-Type: application/json\r\n"
                                                "Content-Length: 1000\r\n\r\n{\"peer\":", f->a);
  const char *halves[] = {
    "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n",
    "GET /api/v1/he",
    "",
    half_body,
    "GET /api/v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n",
  };

  for (guint i = 0; i < 100; i++)
    {
      GSocketConnection *connection = raw_connect (f);
      const char *half = halves[i % G_N_ELEMENTS (halves)];

      raw_write (connection, half, strlen (half));
      g_ptr_array_add (stuck, connection);
    }

  assert_still_serving (f);
  {
    g_autoptr(TcTestWs) ws = tc_test_ws_open (f->server, f->b);
    gint64 id = send_one (f, f->a, "B");

    g_assert_cmpint (id, >, 0);
    g_assert_false (tc_test_ws_is_closed (ws));
  }

  /* A stuck request that finishes after all gets its answer. */
  {
    GSocketConnection *connection = g_ptr_array_index (stuck, 0);
    g_autofree char *answer = NULL;

    raw_write (connection, "Connection: close\r\n\r\n", strlen ("Connection: close\r\n\r\n"));
    answer = raw_read_to_end (connection);
    g_assert_cmpuint (first_status (answer), ==, 200);
  }
  g_ptr_array_set_size (stuck, 0);
  assert_still_serving (f);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/hostile/framing/smuggling", test_smuggling);
  ADD ("/hostile/framing/bad-content-length", test_bad_content_length);
  ADD ("/hostile/framing/oversized-bodies", test_oversized_bodies);
  ADD ("/hostile/contents/deep-nesting", test_deep_nesting);
  ADD ("/hostile/contents/huge-numbers", test_huge_numbers);
  ADD ("/hostile/contents/invalid-utf8", test_invalid_utf8);
  ADD ("/hostile/connections/slow-clients", test_slow_clients);

  return g_test_run ();
}
