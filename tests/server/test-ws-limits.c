/* test-ws-limits.c: the WebSocket's defences (OWASP WebSocket cheat sheet)
 * against the real teamchat-server
 *
 * Origin checked when a browser sends one; no compression; messages over
 * 64 KiB refused whole or in fragments, without the server buffering
 * them; a frame rate per connection; pings, and clients that answer
 * nothing dropped; clients that do not read dropped once too much waits
 * for them, without the server's memory growing; a cap on connections per
 * associate. Rule-breaking clients use a plain socket (tc-test-raw-ws.c).
 * The limits are set low in each test's configuration; waits have guard
 * times only, nothing asserts how fast something happens.
 */
#include <string.h>

#include "tc-test-raw-ws.h"
#include "tc-test-server.h"
#include "tc-test-ws.h"

#define GUARD_SECONDS 30

typedef struct {
  TcTestServer *server;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->server = tc_test_server_new_or_fail (data);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_pointer (&f->server, tc_test_server_free);
}

static gboolean
flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until @done (libsoup clients answer pings
 * meanwhile). */
static void
run_until (gboolean   (*done) (gpointer data),
           gpointer     data,
           const char  *what)
{
  gboolean expired = FALSE;
  guint guard = g_timeout_add_seconds (GUARD_SECONDS, flag_cb, &expired);

  while (!done (data))
    {
      if (expired)
        g_error ("no %s within %d s", what, GUARD_SECONDS);
      g_main_context_iteration (NULL, TRUE);
    }
  if (!expired)
    g_source_remove (guard);
}

/* A ping gets its ack: the connection is open and served. */
static void
assert_served (TcTestWs *ws)
{
  g_autoptr(GPtrArray) events = tc_test_ws_drain (ws);
}

/* --- Origin ---------------------------------------------------------------------------- */

#define ORIGIN_CONFIG "[server]\npublic_url=https://chat.example.com/\n" \
                      "[websocket]\nallowed_origins=https://office.example.com:8443, " \
                      "http://localhost:3000\n"

static guint
handshake_status (Fixture    *f,
                  const char *token,
                  const char *origin,
                  char      **out_head)
{
  guint status = 0;
  g_autoptr(TcRawWs) ws = tc_raw_ws_connect (f->server, token, origin, NULL, 0, &status, out_head);

  return status;
}

static void
test_origin (Fixture       *f,
             gconstpointer  data)
{
  static const char * const allowed[] = {
    "https://chat.example.com",          /* public_url's own */
    "HTTPS://Chat.Example.COM:443",      /* the same, spelt otherwise */
    "https://office.example.com:8443",
    "http://localhost:3000",
  };
  static const char * const refused[] = {
    "https://evil.example.com",
    "null",                              /* sandboxed frames, file: pages */
    "https://office.example.com",        /* another port */
    "http://chat.example.com",           /* another scheme */
    "https://chat.example.com.evil.net",
    "https://chat.example.com/path",
    "",
    "\xff\xfe",
  };
  g_autofree char *a = tc_test_login_as (f->server, "A");

  /* The desktop app sends no Origin. */
  g_assert_cmpuint (handshake_status (f, a, NULL, NULL), ==, 101);
  for (guint i = 0; i < G_N_ELEMENTS (allowed); i++)
    g_assert_cmpuint (handshake_status (f, a, allowed[i], NULL), ==, 101);
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autofree char *head = NULL;

      g_autofree char *shown = g_strescape (refused[i], NULL);

      g_test_message ("Origin “%s”", shown);
      g_assert_cmpuint (handshake_status (f, a, refused[i], &head), ==, 403);
      g_assert_nonnull (strstr (head, "application/json"));
    }
  /* Refused before the token is even looked at. */
  g_assert_cmpuint (handshake_status (f, NULL, "https://evil.example.com", NULL), ==, 403);
  g_assert_cmpuint (handshake_status (f, NULL, NULL, NULL), ==, 401);
}

/* --- compression --------------------------------------------------------------------------- */

static void
test_no_compression (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *head = NULL;
  g_autoptr(TcRawWs) raw = NULL;
  g_autoptr(JsonNode) hello = NULL;
  guint status = 0;

  /* Offered, not taken. */
  raw = tc_raw_ws_connect (f->server, a, NULL, "permessage-deflate; client_max_window_bits",
                           0, &status, &head);
  g_assert_cmpuint (status, ==, 101);
  g_assert_null (strstr (head, "Sec-WebSocket-Extensions"));
  g_assert_null (strstr (head, "deflate"));
  hello = tc_raw_ws_read_json (raw);
  g_assert_cmpstr (tc_test_get_string (tc_test_object (hello), "type"), ==, "hello");

  /* A frame marked compressed anyway is a protocol error. */
  tc_raw_ws_send_frame (raw, TC_RAW_WS_FIN | TC_RAW_WS_RSV1 | TC_RAW_WS_TEXT, "\xf2\x48\x05\x00", 4);
  g_assert_cmpuint (tc_raw_ws_wait_close (raw), ==, SOUP_WEBSOCKET_CLOSE_PROTOCOL_ERROR);

  /* And a libsoup client, which offers permessage-deflate, gets none. */
  {
    g_autoptr(TcTestWs) ws = tc_test_ws_open (f->server, a);

    assert_served (ws);
  }
}

/* --- message size ---------------------------------------------------------------------------- */

/* A ping frame of exactly @size bytes, padded with blanks. */
static char *
padded_ping (gsize       size,
             const char *ref)
{
  g_autofree char *head = g_strdup_printf ("{\"type\":\"ping\",\"ref\":\"%s\"", ref);
  char *text = g_malloc (size + 1);

  g_assert_cmpuint (size, >, strlen (head) + 1);
  memset (text, ' ', size);
  memcpy (text, head, strlen (head));
  text[size - 1] = '}';
  text[size] = '\0';
  return text;
}

static JsonNode *
raw_hello (TcRawWs *raw)
{
  JsonNode *hello = tc_raw_ws_read_json (raw);

  g_assert_nonnull (hello);
  g_assert_cmpstr (tc_test_get_string (tc_test_object (hello), "type"), ==, "hello");
  return hello;
}

static TcRawWs *
raw_open (Fixture    *f,
          const char *token,
          int         rcvbuf)
{
  guint status = 0;
  TcRawWs *raw = tc_raw_ws_connect (f->server, token, NULL, NULL, rcvbuf, &status, NULL);
  g_autoptr(JsonNode) hello = NULL;

  g_assert_cmpuint (status, ==, 101);
  hello = raw_hello (raw);
  return raw;
}

static void
test_message_too_big (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  const gsize limit = 64 * 1024;
  const gsize piece = 16 * 1024;

  /* Exactly 64 KiB, in four fragments: answered. */
  {
    g_autoptr(TcRawWs) raw = raw_open (f, a, 0);
    g_autofree char *text = padded_ping (limit, "max");
    g_autoptr(JsonNode) ack = NULL;

    for (guint i = 0; i < 4; i++)
      tc_raw_ws_send_frame (raw, (i == 3 ? TC_RAW_WS_FIN : 0) | (i == 0 ? TC_RAW_WS_TEXT : 0),
                            text + i * piece, piece);
    ack = tc_raw_ws_read_json (raw);
    g_assert_nonnull (ack);
    g_assert_cmpstr (tc_test_get_string (tc_test_object (ack), "type"), ==, "ack");
    g_assert_cmpstr (tc_test_get_string (tc_test_object (ack), "ref"), ==, "max");
  }

  /* One byte more in one frame: closed with 1009, no answer. */
  {
    g_autoptr(TcRawWs) raw = raw_open (f, a, 0);
    g_autofree char *text = padded_ping (limit + 1, "one");

    tc_raw_ws_send_text (raw, text);
    g_assert_cmpuint (tc_raw_ws_wait_close (raw), ==, SOUP_WEBSOCKET_CLOSE_TOO_BIG);
  }

  /* The same in fragments. */
  {
    g_autoptr(TcRawWs) raw = raw_open (f, a, 0);
    g_autofree char *text = padded_ping (limit + 1, "frag");

    for (guint i = 0; i < 4; i++)
      tc_raw_ws_send_frame (raw, i == 0 ? TC_RAW_WS_TEXT : TC_RAW_WS_CONT, text + i * piece,
                            piece);
    tc_raw_ws_send_frame (raw, TC_RAW_WS_FIN | TC_RAW_WS_CONT, text + limit, 1);
    g_assert_cmpuint (tc_raw_ws_wait_close (raw), ==, SOUP_WEBSOCKET_CLOSE_TOO_BIG);
  }

  /* Fragments without end: the server drops them as they come instead of
   * keeping them (libsoup 3.2 alone would buffer every byte). */
  {
    g_autoptr(TcRawWs) raw = raw_open (f, a, 0);
    g_autofree char *zeros = g_malloc0 (piece);
    guint64 before = tc_test_server_get_rss_kib (f->server);
    guint64 after;
    gsize sent = 0;

    tc_raw_ws_send_frame (raw, TC_RAW_WS_TEXT, zeros, piece);
    while (sent < 64 * 1024 * 1024 && tc_raw_ws_send_frame (raw, TC_RAW_WS_CONT, zeros, piece))
      sent += piece;
    after = tc_test_server_get_rss_kib (f->server);
    g_test_message ("sent %" G_GSIZE_FORMAT " bytes of fragments; server RSS %" G_GUINT64_FORMAT
                    " → %" G_GUINT64_FORMAT " KiB", sent, before, after);
    /* Kept, they would add all they weigh (64 MiB); dropped, the growth is
     * what the reads themselves cost (more under AddressSanitizer). */
    g_assert_cmpuint (after, <, before + sent / 1024 / 2);
    g_assert_cmpuint (tc_raw_ws_wait_close (raw), ==, SOUP_WEBSOCKET_CLOSE_TOO_BIG);
  }

  /* Others are served all along. */
  {
    g_autoptr(TcTestWs) ws = tc_test_ws_open (f->server, a);

    assert_served (ws);
  }
}

/* --- frame rate ------------------------------------------------------------------------------- */

#define RATE_CONFIG "[websocket]\nframes_per_minute=5\n"

static void
test_frame_rate (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autoptr(TcRawWs) raw = raw_open (f, a, 0);
  g_autoptr(JsonNode) refused = NULL;
  JsonObject *object;

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *ping = g_strdup_printf ("{\"type\":\"ping\",\"ref\":\"p%u\"}", i);
      g_autoptr(JsonNode) ack = NULL;

      tc_raw_ws_send_text (raw, ping);
      ack = tc_raw_ws_read_json (raw);
      g_assert_cmpstr (tc_test_get_string (tc_test_object (ack), "type"), ==, "ack");
    }
  /* The sixth within the minute is not even read: its answer has no ref. */
  tc_raw_ws_send_text (raw, "{\"type\":\"ping\",\"ref\":\"p5\"}");
  refused = tc_raw_ws_read_json (raw);
  object = tc_test_object (refused);
  g_assert_cmpstr (tc_test_get_string (object, "type"), ==, "error");
  g_assert_cmpstr (tc_test_get_string (object, "error"), ==, "rate_limited");
  g_assert_true (tc_test_is_null_member (object, "ref"));
  g_assert_cmpint (tc_test_get_int (object, "retry_after"), >=, 1);

  /* Per connection: another one of the same associate is served. */
  {
    g_autoptr(TcTestWs) other = tc_test_ws_open (f->server, a);

    assert_served (other);
  }
}

/* --- heartbeat and idle clients -------------------------------------------------------------- */

/* The watchers ping often while they wait: no frame limit here. */
#define IDLE_CONFIG "[websocket]\nping_interval_seconds=1\nidle_timeout_seconds=3\n" \
                    "frames_per_minute=0\n"

typedef struct {
  TcTestWs   *watcher;
  const char *associate;
  gboolean    online;
  gboolean    seen;
} PresenceWait;

/* Takes frames from the watcher until a presence event about @associate. */
static gboolean
presence_seen (gpointer data)
{
  PresenceWait *wait = data;
  g_autoptr(GPtrArray) events = NULL;

  if (wait->seen)
    return TRUE;
  events = tc_test_ws_drain (wait->watcher);
  for (guint i = 0; i < events->len; i++)
    {
      JsonObject *event = tc_test_object (g_ptr_array_index (events, i));

      if (g_str_equal (tc_test_get_string (event, "type"), "presence") &&
          g_str_equal (tc_test_get_string (event, "associate"), wait->associate) &&
          tc_test_get_bool (event, "online") == wait->online)
        wait->seen = TRUE;
    }
  return wait->seen;
}

/* presence_seen(), at most every 100 ms (each look is a ping). */
static gboolean
presence_seen_paced (gpointer data)
{
  gboolean paused = FALSE;
  guint source;

  if (presence_seen (data))
    return TRUE;
  source = g_timeout_add (100, flag_cb, &paused);
  while (!paused)
    g_main_context_iteration (NULL, TRUE);
  (void) source;
  return FALSE;
}

static void
wait_presence (TcTestWs   *watcher,
               const char *associate,
               gboolean    online)
{
  PresenceWait wait = { watcher, associate, online, FALSE };
  g_autofree char *what = g_strdup_printf ("presence of %s (%s)", associate,
                                           online ? "online" : "offline");

  run_until (presence_seen_paced, &wait, what);
}

static void
test_idle (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *b = tc_test_login_as (f->server, "B");
  g_autofree char *c = tc_test_login_as (f->server, "C");
  g_autoptr(TcTestWs) watcher = tc_test_ws_open (f->server, a);
  g_autoptr(TcTestWs) answering = tc_test_ws_open (f->server, c);
  g_autoptr(TcRawWs) silent = NULL;
  gboolean pinged = FALSE;

  wait_presence (watcher, "C", TRUE);
  /* B's client answers nothing, not even pings. */
  silent = raw_open (f, b, 0);
  wait_presence (watcher, "B", TRUE);
  wait_presence (watcher, "B", FALSE);

  /* It was pinged, then closed as idle. */
  for (;;)
    {
      g_autoptr(GBytes) payload = NULL;
      int opcode = tc_raw_ws_read_frame (silent, &payload);

      if (opcode == TC_RAW_WS_PING)
        pinged = TRUE;
      if (opcode == TC_RAW_WS_CLOSE)
        {
          gsize len;
          const guint8 *p = g_bytes_get_data (payload, &len);

          g_assert_cmpuint (len, >=, 2);
          g_assert_cmpuint ((p[0] << 8) | p[1], ==, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
          break;
        }
      g_assert_cmpint (opcode, >=, 0);
    }
  g_assert_true (pinged);

  /* libsoup answers the pings: C's connection, older than B's, is open. */
  assert_served (answering);
  g_assert_false (tc_test_ws_is_closed (answering));
}

/* --- clients that do not read ---------------------------------------------------------------- */

#define SLOW_CONFIG "[limits]\nmessages_per_minute=0\n" \
                    "[websocket]\nmax_queued_bytes=65536\nframes_per_minute=0\n"
#define SLOW_MAX_SENDS 5000

static void
test_slow_consumer (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *b = tc_test_login_as (f->server, "B");
  /* D (B's downline) sends; A watches B's presence without getting the
   * messages, so only B has a backlog (events may come in bursts, as on
   * PostgreSQL, and A's 64 KiB must not fill with them). */
  g_autofree char *d = tc_test_login_as (f->server, "D");
  g_autoptr(TcTestWs) watcher = tc_test_ws_open (f->server, a);
  g_autoptr(TcRawWs) slow = NULL;
  g_autofree char *body = g_strnfill (3900, 'x');
  guint delivered = 0;
  g_autoptr(JsonArray) history = NULL;
  PresenceWait offline = { watcher, "B", FALSE, FALSE };
  guint64 before, after;
  guint sent = 0;
  gsize received = 0;

  /* B reads its hello, then nothing, through a small receive buffer. */
  slow = raw_open (f, b, 4096);
  wait_presence (watcher, "B", TRUE);
  before = tc_test_server_get_rss_kib (f->server);

  while (!presence_seen (&offline))
    {
      g_autofree char *client_id = tc_test_uuid ();
      g_autoptr(JsonNode) answer = NULL;
      guint status = 0;

      g_assert_cmpuint (sent, <, SLOW_MAX_SENDS);
      answer = tc_test_send_message (f->server, d, client_id, (const char *[]) { "B", NULL },
                                     body, &status);
      g_assert_cmpuint (status, ==, 201);
      sent++;
    }
  after = tc_test_server_get_rss_kib (f->server);
  g_test_message ("B dropped after %u messages of %zu bytes; server RSS %" G_GUINT64_FORMAT
                  " → %" G_GUINT64_FORMAT " KiB", sent, strlen (body), before, after);

  /* What did reach B's socket, then its end. */
  for (;;)
    {
      g_autoptr(GBytes) payload = NULL;
      int opcode = tc_raw_ws_read_frame (slow, &payload);

      if (opcode < 0 || opcode == TC_RAW_WS_CLOSE)
        break;
      received += g_bytes_get_size (payload);
      if (opcode == TC_RAW_WS_TEXT)
        {
          g_autoptr(JsonParser) parser = json_parser_new ();
          gsize len;
          const char *text = g_bytes_get_data (payload, &len);

          g_assert_true (json_parser_load_from_data (parser, text, (gssize) len, NULL));
          delivered += g_str_equal (tc_test_get_string (tc_test_object (json_parser_get_root (parser)),
                                                        "type"), "message");
        }
    }
  g_test_message ("B's socket delivered %u messages (%zu bytes) before its end", delivered,
                  received);
  /* The server held a bounded amount for B: the kernel's buffers, and
   * max_queued_bytes; the rest never reached B's socket. */
  g_assert_cmpuint (delivered, <, sent);

  /* Nothing is lost for B: it finds everything at its next sync. */
  history = tc_test_history (f->server, b, "D");
  g_assert_cmpuint (json_array_get_length (history), ==, sent);

  /* The server goes on serving B. */
  {
    g_autoptr(TcTestWs) again = tc_test_ws_open (f->server, b);

    assert_served (again);
  }
}

/* --- connections per associate --------------------------------------------------------------- */

#define CAP_CONFIG "[websocket]\nmax_connections_per_associate=2\nframes_per_minute=0\n"

static void
test_per_associate_cap (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *a_laptop = tc_test_login_as (f->server, "A");
  g_autofree char *b = tc_test_login_as (f->server, "B");
  g_autoptr(TcTestWs) first = tc_test_ws_open (f->server, a);
  g_autoptr(TcTestWs) second = tc_test_ws_open (f->server, a_laptop);
  g_autoptr(TcTestWs) bob = NULL;
  g_autofree char *head = NULL;
  guint status = 0;

  /* A third of A's, whatever the session: 429. */
  status = handshake_status (f, a, NULL, &head);
  g_assert_cmpuint (status, ==, 429);
  g_assert_nonnull (strstr (head, "Retry-After:"));
  g_clear_pointer (&head, g_free);
  g_assert_cmpuint (handshake_status (f, a_laptop, NULL, NULL), ==, 429);

  /* Others are not counted against A. */
  bob = tc_test_ws_open (f->server, b);
  assert_served (bob);
  assert_served (first);

  /* One closes: room for one again. */
  g_clear_pointer (&second, tc_test_ws_free);
  {
    g_autoptr(TcTestWs) again = NULL;
    PresenceWait still = { bob, "A", FALSE, FALSE };

    /* The server learns of the close a moment later. (Not probed with a
     * handshake that is closed again: until the server has seen that
     * close too, the probe itself takes the room.) */
    g_autofree char *authorization = g_strconcat ("Bearer ", a, NULL);

    while (again == NULL)
      {
        guint again_status = 0;

        again = tc_test_ws_connect (f->server, authorization, &again_status);
        if (again == NULL)
          g_assert_cmpuint (again_status, ==, 429);
        g_main_context_iteration (NULL, FALSE);
      }
    assert_served (again);
    /* A never went offline meanwhile. */
    g_assert_false (presence_seen (&still));
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, config, func) \
  g_test_add (path, Fixture, config, fixture_setup, func, fixture_teardown)
  ADD ("/ws-limits/origin", ORIGIN_CONFIG, test_origin);
  ADD ("/ws-limits/no-compression", NULL, test_no_compression);
  ADD ("/ws-limits/message-too-big", NULL, test_message_too_big);
  ADD ("/ws-limits/frame-rate", RATE_CONFIG, test_frame_rate);
  ADD ("/ws-limits/idle", IDLE_CONFIG, test_idle);
  ADD ("/ws-limits/slow-consumer", SLOW_CONFIG, test_slow_consumer);
  ADD ("/ws-limits/per-associate-cap", CAP_CONFIG, test_per_associate_cap);
#undef ADD

  return g_test_run ();
}
