/* test-cluster.c: two teamchat-server processes on one PostgreSQL database
 * (suite postgresql) — associates on different processes chat live, read
 * receipts and presence cross processes, kill -9 of one process: its
 * clients reconnect to the other and catch up with nothing lost or twice,
 * its presence expires; an offline delivery job is sent once; logging out
 * through one process ends the session on the other. */
#include "config.h"

#include <string.h>

#include "tc-test-server.h"
#include "tc-test-sinks.h"
#include "tc-test-ws.h"

/* Fast heartbeats, so that a killed process's presence expires soon. */
#define CLUSTER_CONFIG \
  "[server]\nsession_check_seconds=1\n" \
  "[database]\nheartbeat_seconds=1\npresence_timeout_seconds=3\n" \
  "[limits]\nmessages_per_minute=0\n"
/* Guards only (a test fails after them): timings are never asserted. */
#define LIVE_GUARD_SECONDS   30
#define EXPIRY_GUARD_SECONDS 90

typedef struct {
  TcTestServer *one;
  TcTestServer *two;
  char         *sink_dir;
  TcTestSink   *smtp;
} Fixture;

static void
start_servers (Fixture    *f,
               const char *config)
{
  g_autoptr(GError) error = NULL;

  f->one = tc_test_server_new_or_fail (config);
  f->two = tc_test_server_start_peer (f->one, config, &error);
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  if (!tc_test_db_is_postgresql ())
    g_test_skip ("several processes share a PostgreSQL database only (TEAMCHAT_TEST_DB)");
  else if (data == NULL)
    start_servers (f, CLUSTER_CONFIG);
}



static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_pointer (&f->two, tc_test_server_free);
  g_clear_pointer (&f->one, tc_test_server_free);   /* drops the database */
  g_clear_pointer (&f->smtp, tc_test_sink_free);
  g_free (f->sink_dir);
}

/* --- frames ------------------------------------------------------------------------ */

static gboolean
is_message_with_body (JsonObject *frame,
                      gpointer    body)
{
  JsonObject *message;

  if (g_strcmp0 (json_object_get_string_member_with_default (frame, "type", ""), "message") != 0)
    return FALSE;
  message = json_object_get_object_member (frame, "message");
  return g_strcmp0 (json_object_get_string_member_with_default (message, "body", ""), body) == 0;
}

static gboolean
is_read_by (JsonObject *frame,
            gpointer    by)
{
  return g_strcmp0 (json_object_get_string_member_with_default (frame, "type", ""), "read") == 0 &&
         g_strcmp0 (json_object_get_string_member_with_default (frame, "by", ""), by) == 0;
}

typedef struct {
  const char *associate;
  gboolean    online;
} PresenceWanted;

static gboolean
is_presence (JsonObject *frame,
             gpointer    data)
{
  PresenceWanted *wanted = data;

  return g_strcmp0 (json_object_get_string_member_with_default (frame, "type", ""),
                    "presence") == 0 &&
         g_strcmp0 (json_object_get_string_member_with_default (frame, "associate", ""),
                    wanted->associate) == 0 &&
         json_object_get_boolean_member_with_default (frame, "online", !wanted->online) ==
           wanted->online;
}

static JsonNode *
wait_presence (TcTestWs   *ws,
               const char *associate,
               gboolean    online,
               guint       seconds)
{
  PresenceWanted wanted = { associate, online };
  JsonNode *frame = tc_test_ws_wait_for (ws, is_presence, &wanted, seconds, "presence event");

  g_assert_nonnull (frame);
  return frame;
}

static JsonNode *
wait_message (TcTestWs   *ws,
              const char *body)
{
  JsonNode *frame = tc_test_ws_wait_for (ws, is_message_with_body, (gpointer) body,
                                         LIVE_GUARD_SECONDS, body);

  g_assert_nonnull (frame);
  return frame;
}

/* Sends @body from the socket's associate to @to with a "send" frame;
 * returns the message id from the ack. */
static gint64
ws_send (TcTestWs   *ws,
         const char *to,
         const char *body)
{
  g_autofree char *client_id = tc_test_uuid ();
  g_autofree char *ref = tc_test_uuid ();
  g_autofree char *text = g_strdup_printf ("{\"type\":\"send\",\"ref\":\"%s\",\"client_id\":\"%s\","
                                           "\"to\":[\"%s\"],\"body\":\"%s\"}",
                                           ref, client_id, to, body);
  g_autoptr(JsonNode) ack = tc_test_ws_request (ws, text, ref);
  JsonArray *messages;

  g_assert_nonnull (ack);
  g_assert_cmpstr (tc_test_get_string (tc_test_object (ack), "type"), ==, "ack");
  messages = tc_test_get_array (tc_test_object (ack), "messages");
  return tc_test_get_int (json_array_get_object_element (messages, 0), "id");
}

static gint64
http_send (TcTestServer *server,
           const char   *token,
           const char   *to,
           const char   *body)
{
  g_autofree char *client_id = tc_test_uuid ();
  const char *recipients[] = { to, NULL };
  g_autoptr(JsonNode) answer = NULL;
  guint status = 0;

  answer = tc_test_send_message (server, token, client_id, recipients, body, &status);
  g_assert_cmpuint (status, ==, 201);
  return tc_test_get_int (json_array_get_object_element (
                            tc_test_get_array (tc_test_object (answer), "messages"), 0), "id");
}

static gboolean
in_string_array (JsonArray  *array,
                 const char *value)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (g_strcmp0 (json_array_get_string_element (array, i), value) == 0)
      return TRUE;
  return FALSE;
}

/* Whether @server's team list for @token shows @member online. */
static gboolean
team_shows_online (TcTestServer *server,
                   const char   *token,
                   const char   *member)
{
  g_autoptr(JsonNode) answer = NULL;
  JsonArray *members;
  guint status = 0;

  answer = tc_test_request (server, "GET", "/api/v1/team", token, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  members = tc_test_get_array (tc_test_object (answer), "members");
  for (guint i = 0; i < json_array_get_length (members); i++)
    {
      JsonObject *associate = json_array_get_object_element (members, i);

      if (g_str_equal (tc_test_get_string (associate, "id"), member))
        return tc_test_get_bool (associate, "online");
    }
  g_error ("%s is not on the team", member);
  return FALSE;
}

typedef struct {
  TcTestServer *server;
  const char   *token;
  const char   *member;
  gboolean      online;
} OnlineWait;

static gboolean
online_as_wanted (gpointer data)
{
  OnlineWait *wait = data;

  return team_shows_online (wait->server, wait->token, wait->member) == wait->online;
}

typedef struct {
  const char *db;
  const char *sql;
  const char *expected;
} QueryWait;

static gboolean
query_gives (gpointer data)
{
  QueryWait *wait = data;
  g_autofree char *value = tc_test_db_query (wait->db, wait->sql);

  return g_strcmp0 (value, wait->expected) == 0;
}

/* --- live chat across processes --------------------------------------------------------- */

static void
test_live_chat_run (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->one, "A");
  g_autofree char *b = tc_test_login_as (f->two, "B");
  g_autoptr(TcTestWs) ws_a = tc_test_ws_open (f->one, a);
  g_autoptr(TcTestWs) ws_b = tc_test_ws_open (f->two, b);
  g_autoptr(JsonNode) at_b = NULL;
  g_autoptr(JsonNode) own_at_a = NULL;
  g_autoptr(JsonNode) reply_at_a = NULL;
  g_autoptr(JsonNode) receipt = NULL;
  g_autofree char *read_body = NULL;
  gint64 hello_b = g_ascii_strtoll (tc_test_get_string (tc_test_ws_get_hello (ws_b), "cursor"),
                                    NULL, 10);
  gint64 id;
  guint status = 0;

  /* A on process one writes; B on process two gets it at once. */
  id = ws_send (ws_a, "B", "hello from process one");
  at_b = wait_message (ws_b, "hello from process one");
  g_assert_cmpint (tc_test_get_int (tc_test_object (at_b), "seq"), >, hello_b);
  g_assert_cmpint (tc_test_get_int (tc_test_get_object (tc_test_object (at_b), "message"), "id"),
                   ==, id);
  g_assert_cmpstr (tc_test_get_string (tc_test_get_object (tc_test_object (at_b), "message"),
                                       "from"), ==, "A");
  own_at_a = wait_message (ws_a, "hello from process one");

  /* The other way round, through HTTP on process two. */
  http_send (f->two, b, "A", "reply from process two");
  reply_at_a = wait_message (ws_a, "reply from process two");
  g_assert_cmpint (tc_test_get_int (tc_test_object (reply_at_a), "seq"), >,
                   tc_test_get_int (tc_test_object (own_at_a), "seq"));

  /* A read receipt made on process two reaches the sender on process one. */
  read_body = g_strdup_printf ("{\"peer\":\"A\",\"up_to\":%" G_GINT64_FORMAT "}", id);
  g_clear_pointer (&receipt, json_node_unref);
  receipt = tc_test_request (f->two, "POST", "/api/v1/read", b, read_body, &status);
  g_assert_cmpuint (status, ==, 204);
  g_clear_pointer (&receipt, json_node_unref);
  receipt = tc_test_ws_wait_for (ws_a, is_read_by, (gpointer) "B", LIVE_GUARD_SECONDS,
                                 "read receipt");
  g_assert_nonnull (receipt);
  g_assert_cmpint (tc_test_get_int (tc_test_object (receipt), "up_to"), ==, id);
}

/* --- sessions across processes ------------------------------------------------------------ */

/* The app logs out through process two while its WebSocket (and the
 * token process one remembers) live on process one: within the session
 * check, the socket closes and the token gets 401 there too. */
static void
test_logout_elsewhere_run (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->one, "A");
  g_autofree char *b = tc_test_login_as (f->one, "B");
  g_autoptr(TcTestWs) ws_a = tc_test_ws_open (f->one, a);
  g_autoptr(TcTestWs) ws_b = tc_test_ws_open (f->one, b);
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(JsonNode) pong = NULL;
  guint status = 0;

  answer = tc_test_request (f->one, "GET", "/api/v1/me", a, NULL, &status);
  g_assert_cmpuint (status, ==, 200);   /* now remembered by process one */
  g_clear_pointer (&answer, json_node_unref);
  answer = tc_test_request (f->two, "DELETE", "/api/v1/session", a, NULL, &status);
  g_assert_cmpuint (status, ==, 204);

  g_assert_cmpuint (tc_test_ws_wait_closed (ws_a), ==, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  g_clear_pointer (&answer, json_node_unref);
  answer = tc_test_request (f->one, "GET", "/api/v1/me", a, NULL, &status);
  g_assert_cmpuint (status, ==, 401);

  /* B, on the same process, is left alone. */
  pong = tc_test_ws_request (ws_b, "{\"type\":\"ping\",\"ref\":\"p\"}", "p");
  g_assert_cmpstr (tc_test_get_string (tc_test_object (pong), "type"), ==, "ack");
  g_assert_false (tc_test_ws_is_closed (ws_b));
}

/* --- presence across processes ------------------------------------------------------------ */

static void
test_presence_run (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->one, "A");
  g_autofree char *c = tc_test_login_as (f->two, "C");
  g_autofree char *d = tc_test_login_as (f->one, "D");
  g_autoptr(TcTestWs) ws_c = tc_test_ws_open (f->two, c);
  g_autoptr(TcTestWs) ws_a = NULL;
  g_autoptr(TcTestWs) ws_a_two = NULL;
  g_autoptr(TcTestWs) ws_d = NULL;
  g_autoptr(JsonNode) online = NULL;
  g_autoptr(JsonNode) offline = NULL;
  g_autoptr(GPtrArray) frames = NULL;
  OnlineWait c_seen_on_one = { f->one, a, "C", TRUE };
  QueryWait one_row_left = { tc_test_server_get_db_path (f->one),
                             "SELECT count(*) FROM presence WHERE associate_id = 'A'", "1" };

  /* C is connected to process two: process one says so too... */
  tc_test_wait_until (online_as_wanted, &c_seen_on_one, "C online on process one");
  /* ...and so does the hello of a connection there. */
  ws_a = tc_test_ws_open (f->one, a);
  g_assert_true (in_string_array (tc_test_get_array (tc_test_ws_get_hello (ws_a), "online"), "C"));
  /* A came online on process one: C hears it on process two. */
  online = wait_presence (ws_c, "A", TRUE, LIVE_GUARD_SECONDS);

  /* A's last connection (process one) closes: C hears that too. */
  g_clear_pointer (&ws_a, tc_test_ws_free);
  offline = wait_presence (ws_c, "A", FALSE, LIVE_GUARD_SECONDS);

  /* Online while any process holds a connection: A on both, D watching
   * on process one. */
  ws_a = tc_test_ws_open (f->one, a);
  ws_d = tc_test_ws_open (f->one, d);
  g_assert_true (in_string_array (tc_test_get_array (tc_test_ws_get_hello (ws_d), "online"), "A"));
  ws_a_two = tc_test_ws_open (f->two, a);
  one_row_left.expected = "2";
  tc_test_wait_until (query_gives, &one_row_left, "A's presence rows on both processes");
  g_clear_pointer (&ws_a, tc_test_ws_free);
  one_row_left.expected = "1";
  tc_test_wait_until (query_gives, &one_row_left, "A's presence row on process one gone");
  /* Process one dropped its connection of A, but A is still online on
   * process two: D was not told otherwise. */
  frames = tc_test_ws_drain (ws_d);
  for (guint i = 0; i < frames->len; i++)
    {
      PresenceWanted wanted = { "A", FALSE };
      g_assert_false (is_presence (json_node_get_object (frames->pdata[i]), &wanted));
    }
  g_assert_true (team_shows_online (f->one, d, "A"));

  /* The last connection, on process two, closes: D on process one hears it. */
  g_clear_pointer (&ws_a_two, tc_test_ws_free);
  g_clear_pointer (&offline, json_node_unref);
  offline = wait_presence (ws_d, "A", FALSE, LIVE_GUARD_SECONDS);
}

/* --- a notification that never came ------------------------------------------------------ */

static gboolean
is_read_up_to (JsonObject *frame,
               gpointer    data)
{
  return is_read_by (frame, (gpointer) "B") &&
         json_object_get_int_member_with_default (frame, "up_to", 0) == *(gint64 *) data;
}

/* An event committed without any notification (as when a process dies
 * between its commit and its notification) still reaches the socket: the
 * heartbeat looks for streams that fell behind. */
static void
test_missed_notification_run (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->one, "A");
  g_autoptr(TcTestWs) ws_a = tc_test_ws_open (f->one, a);
  g_autofree char *b = tc_test_login_as (f->two, "B");
  g_autoptr(JsonNode) frame = NULL;
  g_autoptr(JsonNode) live = NULL;
  gint64 up_to = 424242;

  /* A's stream is followed (a notified event arrived), so what comes next
   * without a notification can only be found by the heartbeat's sweep. */
  http_send (f->two, b, "A", "the stream is live");
  live = wait_message (ws_a, "the stream is live");
  tc_test_db_exec (tc_test_server_get_db_path (f->one),
                   "WITH s AS (UPDATE streams SET last_seq = last_seq + 1 WHERE associate_id = 'A' "
                   "           RETURNING last_seq) "
                   "INSERT INTO events (associate_id, seq, type, by_id, peer_id, up_to, created_at) "
                   "SELECT 'A', last_seq, 'read', 'B', 'A', 424242, 0 FROM s");
  frame = tc_test_ws_wait_for (ws_a, is_read_up_to, &up_to, LIVE_GUARD_SECONDS,
                               "the event nobody notified");
  g_assert_nonnull (frame);
}

/* --- kill -9 of one process -------------------------------------------------------------- */

/* What a client keeps: its cursor, and every event it applied. */
typedef struct {
  gint64      cursor;
  GHashTable *seqs;       /* seq → message id */
  GHashTable *messages;   /* message id → times applied */
  GHashTable *bodies;     /* bodies seen */
} Client;

static void
client_apply (Client     *client,
              JsonObject *event)
{
  const char *type = tc_test_get_string (event, "type");
  gint64 seq = tc_test_get_int (event, "seq");
  gint64 id;

  if (g_str_equal (type, "presence") || seq <= client->cursor)
    return;   /* presence repeats a seq; the rest it already has */
  g_assert_cmpstr (type, ==, "message");
  g_assert_false (g_hash_table_contains (client->seqs, &seq));
  id = tc_test_get_int (tc_test_get_object (event, "message"), "id");
  g_hash_table_add (client->bodies,
                    g_strdup (tc_test_get_string (tc_test_get_object (event, "message"), "body")));
  g_hash_table_insert (client->seqs, g_memdup2 (&seq, sizeof seq), g_memdup2 (&id, sizeof id));
  g_hash_table_insert (client->messages, g_memdup2 (&id, sizeof id),
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (client->messages,
                                                                                &id)) + 1));
  client->cursor = seq;
}

static void
client_apply_frames (Client    *client,
                     GPtrArray *frames)
{
  for (guint i = 0; i < frames->len; i++)
    client_apply (client, json_node_get_object (frames->pdata[i]));
}

/* Applies what @ws receives until a message with @body came. */
static void
client_follow_until (Client     *client,
                     TcTestWs   *ws,
                     const char *body)
{
  gint64 limit = g_get_monotonic_time () + LIVE_GUARD_SECONDS * G_USEC_PER_SEC;

  while (!g_hash_table_contains (client->bodies, body))
    {
      g_autoptr(GPtrArray) frames = tc_test_ws_drain (ws);

      client_apply_frames (client, frames);
      if (g_get_monotonic_time () > limit)
        g_error ("no “%s” after %d s", body, LIVE_GUARD_SECONDS);
      if (!g_hash_table_contains (client->bodies, body))
        g_usleep (20 * 1000);
    }
}

/* GET /sync?since=cursor until more is false, as the app does. */
static void
client_sync (Client       *client,
             TcTestServer *server,
             const char   *token)
{
  gboolean more = TRUE;

  while (more)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/sync?since=%" G_GINT64_FORMAT "&limit=2",
                                               client->cursor);
      g_autoptr(JsonNode) answer = tc_test_request (server, "GET", path, token, NULL, NULL);
      JsonObject *object = tc_test_object (answer);
      JsonArray *events = tc_test_get_array (object, "events");

      g_assert_false (json_object_has_member (object, "reset"));
      for (guint i = 0; i < json_array_get_length (events); i++)
        client_apply (client, json_array_get_object_element (events, i));
      client->cursor = MAX (client->cursor,
                            g_ascii_strtoll (tc_test_get_string (object, "cursor"), NULL, 10));
      more = tc_test_get_bool (object, "more");
    }
}

static void
test_kill_one_run (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->one, "A");
  g_autofree char *c = tc_test_login_as (f->two, "C");
  g_autoptr(TcTestWs) ws_a = tc_test_ws_open (f->one, a);
  g_autoptr(TcTestWs) ws_c = tc_test_ws_open (f->two, c);
  g_autoptr(TcTestWs) ws_a_again = NULL;
  g_autoptr(GHashTable) sent = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GPtrArray) frames = NULL;
  g_autoptr(JsonNode) expired = NULL;
  g_autoptr(JsonNode) back = NULL;
  g_autoptr(JsonArray) history = NULL;
  Client client = { 0, };
  OnlineWait a_seen_on_two = { f->two, c, "A", TRUE };
  gint64 first_seq = G_MAXINT64, last_seq = 0;
  GHashTableIter iter;
  gpointer key, value;

  g_autoptr(GHashTable) seqs = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  g_autoptr(GHashTable) messages = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GHashTable) bodies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  client.cursor = g_ascii_strtoll (tc_test_get_string (tc_test_ws_get_hello (ws_a), "cursor"),
                                   NULL, 10);
  client.seqs = seqs;
  client.messages = messages;
  client.bodies = bodies;

  tc_test_wait_until (online_as_wanted, &a_seen_on_two, "A online on process two");
  /* Before: C writes from process two, A answers from process one. */
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *body = g_strdup_printf ("before the crash %u", i);
      gint64 id = http_send (f->two, c, "A", body);

      g_hash_table_add (sent, g_memdup2 (&id, sizeof id));
      client_follow_until (&client, ws_a, body);
    }
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *body = g_strdup_printf ("acknowledged by process one %u", i);
      gint64 id = ws_send (ws_a, "C", body);

      g_hash_table_add (sent, g_memdup2 (&id, sizeof id));
    }
  frames = tc_test_ws_drain (ws_a);
  client_apply_frames (&client, frames);
  g_clear_pointer (&frames, g_ptr_array_unref);

  /* kill -9 of process one: A's socket drops. */
  tc_test_server_kill (f->one);
  tc_test_ws_wait_closed (ws_a);
  frames = tc_test_ws_drain (ws_c);   /* what C had so far */
  g_clear_pointer (&frames, g_ptr_array_unref);

  /* With no heartbeat from process one, A's presence there expires. */
  expired = wait_presence (ws_c, "A", FALSE, EXPIRY_GUARD_SECONDS);

  /* Meanwhile C keeps writing; A reconnects to process two and catches up. */
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *body = g_strdup_printf ("while A is away %u", i);
      gint64 id = http_send (f->two, c, "A", body);

      g_hash_table_add (sent, g_memdup2 (&id, sizeof id));
    }
  ws_a_again = tc_test_ws_open (f->two, a);
  g_assert_true (in_string_array (tc_test_get_array (tc_test_ws_get_hello (ws_a_again), "online"),
                                  "C"));
  back = wait_presence (ws_c, "A", TRUE, LIVE_GUARD_SECONDS);
  client_sync (&client, f->two, a);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *body = g_strdup_printf ("after the reconnection %u", i);
      gint64 id = http_send (f->two, c, "A", body);

      g_hash_table_add (sent, g_memdup2 (&id, sizeof id));
      client_follow_until (&client, ws_a_again, body);
    }
  frames = tc_test_ws_drain (ws_a_again);
  client_apply_frames (&client, frames);

  /* Every message, once; the stream without a gap. */
  g_assert_cmpuint (g_hash_table_size (client.messages), ==, g_hash_table_size (sent));
  g_hash_table_iter_init (&iter, client.messages);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_assert_true (g_hash_table_contains (sent, key));
      g_assert_cmpuint (GPOINTER_TO_UINT (value), ==, 1);
    }
  g_hash_table_iter_init (&iter, client.seqs);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      first_seq = MIN (first_seq, *(gint64 *) key);
      last_seq = MAX (last_seq, *(gint64 *) key);
    }
  g_assert_cmpint (last_seq - first_seq + 1, ==, g_hash_table_size (client.seqs));

  /* What process one acknowledged before it died is there. */
  history = tc_test_history (f->two, c, "A");
  g_assert_cmpuint (json_array_get_length (history), ==, g_hash_table_size (sent));
}

/* --- offline delivery: each job once ------------------------------------------------------- */

static void
test_delivery_once_run (Fixture       *f,
                    gconstpointer  data)
{
  guint16 port = tc_test_free_port ();
  g_autofree char *config = NULL;
  g_autofree char *a_one = NULL;
  g_autofree char *a_two = NULL;
  g_autoptr(GPtrArray) mails = NULL;
  g_autofree char *expected = NULL;
  QueryWait all_sent = { NULL, "SELECT count(*) FROM deliveries WHERE state = 'sent'", NULL };
  const guint n = 12;

  f->sink_dir = g_dir_make_tmp ("teamchat-cluster-mail-XXXXXX", NULL);
  f->smtp = tc_test_smtp_sink_new (port, f->sink_dir, NULL);
  config = g_strdup_printf (CLUSTER_CONFIG
                            "[email]\nsmtp_url=smtp://127.0.0.1:%u\n"
                            "from=Team Chat <chat@example.com>\n"
                            "[delivery]\nretry_seconds=1\nmax_retry_seconds=2\n",
                            port);
  start_servers (f, config);
  a_one = tc_test_login_as (f->one, "A");
  a_two = tc_test_login_as (f->two, "A");

  /* Nobody is connected: every message becomes an email job, queued by
   * both processes, and both processes' schedulers wake up for each. */
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *body = g_strdup_printf ("once-%02u", i);

      http_send (i % 2 ? f->two : f->one, i % 2 ? a_two : a_one, "B", body);
    }
  all_sent.db = tc_test_server_get_db_path (f->one);
  expected = g_strdup_printf ("%u", n);
  all_sent.expected = expected;
  tc_test_wait_until (query_gives, &all_sent, "every delivery sent");

  /* Every job reached "sent", so every email is in: each exactly once. */
  mails = tc_test_sink_received (f->sink_dir);
  g_assert_cmpuint (mails->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *body = g_strdup_printf ("once-%02u", i);
      guint found = 0;

      for (guint j = 0; j < mails->len; j++)
        {
          gsize len;
          const char *bytes = g_bytes_get_data (mails->pdata[j], &len);
          g_autofree char *text = g_strndup (bytes, len);

          if (strstr (text, body) != NULL)
            found++;
        }
      g_assert_cmpuint (found, ==, 1);
    }
}

/* The tests, run only on PostgreSQL (the fixture skips them otherwise). */
#define ONLY_ON_POSTGRESQL(name) \
  static void \
  name (Fixture *f, gconstpointer data) \
  { \
    if (tc_test_db_is_postgresql ()) \
      name##_run (f, data); \
  }
ONLY_ON_POSTGRESQL (test_live_chat)
ONLY_ON_POSTGRESQL (test_logout_elsewhere)
ONLY_ON_POSTGRESQL (test_presence)
ONLY_ON_POSTGRESQL (test_kill_one)
ONLY_ON_POSTGRESQL (test_missed_notification)
ONLY_ON_POSTGRESQL (test_delivery_once)

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, data) \
  g_test_add (path, Fixture, data, fixture_set_up, func, fixture_tear_down)
  ADD ("/cluster/live-chat", test_live_chat, NULL);
  ADD ("/cluster/logout-elsewhere", test_logout_elsewhere, NULL);
  ADD ("/cluster/presence", test_presence, NULL);
  ADD ("/cluster/missed-notification", test_missed_notification, NULL);
  ADD ("/cluster/kill-one", test_kill_one, NULL);
  ADD ("/cluster/delivery-once", test_delivery_once, "own servers");
#undef ADD

  return g_test_run ();
}
