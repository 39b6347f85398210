/* test-authz.c: the authorisation matrix, against the real teamchat-server
 *
 * Every endpoint of API.md that exists today, and the WebSocket upgrade and
 * frames, asked by four kinds of caller that must get nothing:
 *
 *   - no Authorization header;
 *   - a malformed or unknown token (several shapes);
 *   - a revoked token (after DELETE /api/v1/session);
 *   - G, an associate on nobody's team (tests/server/data/team.csv), asking
 *     about A, with the same request about an id that does not exist as its
 *     twin: where API.md gives both the same status, both answers must be
 *     the same bytes, so nobody learns who exists.
 *
 * A new endpoint is one line of `endpoints` below.
 */
#include <string.h>

#include "tc-test-server.h"
#include "tc-test-ws.h"

#define TO(...) ((const char *[]) { __VA_ARGS__, NULL })

/* The off-team caller, whom they ask about, and an id nobody has. */
#define OUTSIDER   "G"
#define MEMBER     "A"
#define NOBODY     "Z404"

/* Expected status for the twin request: the same bytes as the real one. */
#define SAME       0
/* No twin: the request names nobody. */
#define NO_TWIN    1

typedef struct {
  const char *method;
  /* {peer} becomes MEMBER (or NOBODY for the twin), {up_to} the id of a
   * message between A and B, {uuid} a fresh UUID. */
  const char *path;
  const char *body;
  gboolean    needs_auth;
  guint       unauthenticated;   /* status without a valid token */
  guint       off_team;          /* status for OUTSIDER asking about MEMBER */
  guint       twin;              /* SAME, NO_TWIN, or the twin's own status */
} Endpoint;

static const Endpoint endpoints[] = {
  /* method,  path,                                       body, auth, no token, G→A, twin */
  { "POST",   "/api/v1/session", "{\"login\":\"grace\"}",          FALSE, 400, 400, NO_TWIN },
  { "DELETE", "/api/v1/session", NULL,                              TRUE,  401, 204, NO_TWIN },
  { "GET",    "/api/v1/me", NULL,                                   TRUE,  401, 200, NO_TWIN },
  { "PATCH",  "/api/v1/me/preferences", "{\"offline_channel\":\"email\"}", TRUE, 401, 200, NO_TWIN },
  { "GET",    "/api/v1/team", NULL,                                 TRUE,  401, 200, NO_TWIN },
  { "GET",    "/api/v1/team?q={peer}", NULL,                        TRUE,  401, 200, SAME },
  { "GET",    "/api/v1/team/{peer}", NULL,                          TRUE,  401, 404, SAME },
  /* API.md: 403 for a recipient off the team, 400 for an unknown one. */
  { "POST",   "/api/v1/messages",
    "{\"client_id\":\"{uuid}\",\"to\":[\"{peer}\"],\"body\":\"psst\"}", TRUE, 401, 403, 400 },
  { "GET",    "/api/v1/conversations/{peer}/messages", NULL,        TRUE,  401, 403, SAME },
  { "GET",    "/api/v1/conversations/{peer}/messages?before={up_to}&limit=1", NULL,
                                                                    TRUE,  401, 403, SAME },
  { "POST",   "/api/v1/read", "{\"peer\":\"{peer}\",\"up_to\":{up_to}}", TRUE, 401, 403, SAME },
  { "POST",   "/api/v1/read-all", NULL,                             TRUE,  401, 204, NO_TWIN },
  { "GET",    "/api/v1/sync", NULL,                                 TRUE,  401, 200, NO_TWIN },
  { "GET",    "/api/v1/sync?since=0&limit=1", NULL,                 TRUE,  401, 200, NO_TWIN },
  /* Not a handshake: libsoup answers 400 once the token is good. */
  { "GET",    "/api/v1/ws", NULL,                                   TRUE,  401, 400, NO_TWIN },
  { "GET",    "/api/v1/health", NULL,                               FALSE, 200, 200, NO_TWIN },
  /* The library is the company's, the same for everyone signed in; an
   * associate's id names no folder or resource. */
  { "GET",    "/api/v1/media/categories", NULL,                     TRUE,  401, 200, NO_TWIN },
  { "GET",    "/api/v1/media/folders/{peer}", NULL,                 TRUE,  401, 404, SAME },
  { "GET",    "/api/v1/media/search?q={peer}", NULL,                TRUE,  401, 200, SAME },
  { "GET",    "/api/v1/media/resources/{peer}/content", NULL,       TRUE,  401, 404, SAME },
  { "GET",    "/api/v1/media/resources/{peer}/thumbnail", NULL,     TRUE,  401, 404, SAME },
};

/* Whole Authorization headers that carry no valid token; {token} is a
 * token that works (A's), to make near misses. */
static const char *const bad_authorizations[] = {
  "Bearer",
  "Bearer ",
  "Bearer    ",
  "Basic YWxpY2U6cGFzc3dvcmQtQQ==",
  "Token {token}",
  "Bearer {token}x",
  "Bearer x{token}",
  "Bearer {token} {token}",
  "Bearer tc1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
  "bearer tc1_Wl_vKrzIhj4un-Qe6fYmwqCQ1j9HpvNg4Ti2JwVTGO8",
  "Bearer tc1_\xc3\xa9\xc3\xa9\xc3\xa9",
  "Bearer null",
};

typedef struct {
  TcTestServer *server;
  char         *member_token;    /* A: on the team with B */
  char         *peer_token;      /* B */
  char         *revoked_token;   /* A's, logged out */
  gint64        up_to;           /* a message from B to A */
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *client_id = tc_test_uuid ();
  g_autoptr(JsonNode) sent = NULL;
  g_autoptr(JsonNode) answer = NULL;
  guint status = 0;

  f->server = tc_test_server_new_or_fail (NULL);
  f->member_token = tc_test_login_as (f->server, MEMBER);
  f->peer_token = tc_test_login_as (f->server, "B");
  f->revoked_token = tc_test_login_as (f->server, MEMBER);
  sent = tc_test_send_message (f->server, f->peer_token, client_id, TO (MEMBER), "secret plans",
                               &status);
  g_assert_cmpuint (status, ==, 201);
  f->up_to = tc_test_get_int (json_array_get_object_element (
                                tc_test_get_array (tc_test_object (sent), "messages"), 0), "id");
  answer = tc_test_request (f->server, "DELETE", "/api/v1/session", f->revoked_token, NULL,
                            &status);
  g_assert_cmpuint (status, ==, 204);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_free (f->member_token);
  g_free (f->peer_token);
  g_free (f->revoked_token);
  g_clear_pointer (&f->server, tc_test_server_free);
}

static char *
expand (const Fixture *f,
        const char    *template,
        const char    *peer)
{
  g_autoptr(GString) text = NULL;
  g_autofree char *up_to = g_strdup_printf ("%" G_GINT64_FORMAT, f->up_to);
  g_autofree char *uuid = tc_test_uuid ();

  if (template == NULL)
    return NULL;
  text = g_string_new (template);
  g_string_replace (text, "{peer}", peer, 0);
  g_string_replace (text, "{up_to}", up_to, 0);
  g_string_replace (text, "{uuid}", uuid, 0);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
bad_authorization (const Fixture *f,
                   guint          i)
{
  g_autoptr(GString) text = g_string_new (bad_authorizations[i]);

  g_string_replace (text, "{token}", f->member_token, 0);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static TcTestResponse *
ask (Fixture        *f,
     const Endpoint *endpoint,
     const char     *authorization,
     const char     *peer)
{
  g_autofree char *path = expand (f, endpoint->path, peer);
  g_autofree char *body = expand (f, endpoint->body, peer);

  return tc_test_send (f->server, endpoint->method, path, authorization, "application/json",
                       body, body != NULL ? -1 : 0);
}

static void
assert_status (TcTestResponse *response,
               guint           expected,
               const Endpoint *endpoint,
               const char     *who)
{
  if (response->status != expected)
    g_error ("%s %s as %s: %u %.*s, expected %u", endpoint->method, endpoint->path, who,
             response->status, (int) MIN (g_bytes_get_size (response->body), 300),
             (const char *) g_bytes_get_data (response->body, NULL), expected);
  if (expected == 401)
    {
      tc_test_assert_error (response->json, "unauthorized");
      g_assert_cmpstr (soup_message_headers_get_one (response->headers, "WWW-Authenticate"), ==,
                       "Bearer");
    }
  else if (expected >= 400 && !g_str_equal (endpoint->path, "/api/v1/ws"))
    tc_test_assert_error (response->json, NULL);
}

/* Everything a client could tell two answers apart by. */
static void
assert_same_answer (TcTestResponse *a,
                    TcTestResponse *b,
                    const Endpoint *endpoint)
{
  g_test_message ("%s %s: %u %.*s", endpoint->method, endpoint->path, a->status,
                  (int) g_bytes_get_size (a->body), (const char *) g_bytes_get_data (a->body, NULL));
  g_assert_cmpuint (a->status, ==, b->status);
  g_assert_true (g_bytes_equal (a->body, b->body));
  g_assert_cmpstr (soup_message_headers_get_content_type (a->headers, NULL), ==,
                   soup_message_headers_get_content_type (b->headers, NULL));
}

static const Endpoint *
find_endpoint (const char *method,
               const char *path)
{
  for (guint i = 0; i < G_N_ELEMENTS (endpoints); i++)
    if (g_str_equal (endpoints[i].method, method) && g_str_equal (endpoints[i].path, path))
      return &endpoints[i];
  g_assert_not_reached ();
  return NULL;
}

/* --- HTTP ------------------------------------------------------------------------------- */

static void
test_no_token (Fixture       *f,
               gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (endpoints); i++)
    {
      g_autoptr(TcTestResponse) response = ask (f, &endpoints[i], NULL, MEMBER);

      assert_status (response, endpoints[i].unauthenticated, &endpoints[i], "nobody");
    }
}

static void
test_malformed_token (Fixture       *f,
                      gconstpointer  data)
{
  for (guint j = 0; j < G_N_ELEMENTS (bad_authorizations); j++)
    {
      g_autofree char *authorization = bad_authorization (f, j);

      g_test_message ("Authorization: %s", authorization);
      for (guint i = 0; i < G_N_ELEMENTS (endpoints); i++)
        {
          g_autoptr(TcTestResponse) response = ask (f, &endpoints[i], authorization, MEMBER);

          assert_status (response, endpoints[i].unauthenticated, &endpoints[i], authorization);
        }
    }
}

static void
test_revoked_token (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *authorization = g_strconcat ("Bearer ", f->revoked_token, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (endpoints); i++)
    {
      g_autoptr(TcTestResponse) response = ask (f, &endpoints[i], authorization, MEMBER);

      assert_status (response, endpoints[i].unauthenticated, &endpoints[i], "a revoked token");
    }
  /* None of it did anything: A's session of the fixture still works, and
   * A's conversation with B holds only B's message, unread. */
  {
    g_autoptr(JsonArray) history = tc_test_history (f->server, f->member_token, "B");

    g_assert_cmpuint (json_array_get_length (history), ==, 1);
    g_assert_false (tc_test_get_bool (json_array_get_object_element (history, 0), "read"));
  }
}

static void
test_off_team (Fixture       *f,
               gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (endpoints); i++)
    {
      const Endpoint *endpoint = &endpoints[i];
      /* A fresh session each time: one row logs out. */
      g_autofree char *token = tc_test_login_as (f->server, OUTSIDER);
      g_autofree char *authorization = g_strconcat ("Bearer ", token, NULL);
      g_autoptr(TcTestResponse) real = ask (f, endpoint, authorization, MEMBER);

      assert_status (real, endpoint->off_team, endpoint, OUTSIDER " about " MEMBER);
      if (endpoint->twin == NO_TWIN)
        continue;
      {
        g_autoptr(TcTestResponse) twin = ask (f, endpoint, authorization, NOBODY);

        if (endpoint->twin == SAME)
          assert_same_answer (real, twin, endpoint);
        else
          assert_status (twin, endpoint->twin, endpoint, OUTSIDER " about " NOBODY);
      }
    }

  /* Nothing G asked changed anything of A's or B's. */
  {
    g_autoptr(JsonArray) history = tc_test_history (f->server, f->member_token, "B");

    g_assert_cmpuint (json_array_get_length (history), ==, 1);
    g_assert_false (tc_test_get_bool (json_array_get_object_element (history, 0), "read"));
  }
}

/* The same holds between two members of one tree who are not on each
 * other's team: B and C are siblings under A. */
static void
test_sibling (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *c = tc_test_login_as (f->server, "C");
  g_autofree char *authorization = g_strconcat ("Bearer ", c, NULL);
  const char *paths[] = {
    "/api/v1/team/{peer}",
    "/api/v1/conversations/{peer}/messages",
  };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      const Endpoint *endpoint = find_endpoint ("GET", paths[i]);
      g_autoptr(TcTestResponse) real = ask (f, endpoint, authorization, "B");
      g_autoptr(TcTestResponse) twin = ask (f, endpoint, authorization, NOBODY);

      assert_status (real, endpoint->off_team, endpoint, "C about B");
      assert_same_answer (real, twin, endpoint);
    }
  {
    /* B's message to A, marked read by C "as peer B": refused like any
     * peer of another team, before the message id is looked at. */
    const Endpoint *endpoint = find_endpoint ("POST", "/api/v1/read");
    g_autoptr(TcTestResponse) real = ask (f, endpoint, authorization, "B");
    g_autoptr(TcTestResponse) twin = ask (f, endpoint, authorization, NOBODY);

    assert_status (real, 403, endpoint, "C about B");
    assert_same_answer (real, twin, endpoint);
  }
}

/* --- what off-team callers see ---------------------------------------------------------- */

/* Every associate an event names must be @self or one of @team. */
static void
assert_events_visible (JsonArray          *events,
                       const char         *self,
                       const char * const *team)
{
  g_autoptr(GHashTable) allowed = g_hash_table_new (g_str_hash, g_str_equal);

  g_hash_table_add (allowed, (gpointer) self);
  for (guint i = 0; team[i] != NULL; i++)
    g_hash_table_add (allowed, (gpointer) team[i]);

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *event = json_array_get_object_element (events, i);
      const char *type = tc_test_get_string (event, "type");
      g_autofree char *text = json_to_string (json_array_get_element (events, i), FALSE);
      const char *named[2] = { NULL, NULL };

      g_test_message ("%s sees %s", self, text);
      if (g_str_equal (type, "message"))
        {
          JsonObject *message = tc_test_get_object (event, "message");

          named[0] = tc_test_get_string (message, "from");
          named[1] = tc_test_get_string (message, "to");
          /* Messages are the caller's own: sent or received. */
          g_assert_true (g_str_equal (named[0], self) || g_str_equal (named[1], self));
        }
      else if (g_str_equal (type, "read"))
        {
          named[0] = tc_test_get_string (event, "by");
          named[1] = tc_test_get_string (event, "peer");
          g_assert_true (g_str_equal (named[0], self) || g_str_equal (named[1], self));
        }
      else if (g_str_equal (type, "presence"))
        named[0] = tc_test_get_string (event, "associate");
      else if (g_str_equal (type, "member"))
        named[0] = tc_test_get_string (tc_test_get_object (event, "member"), "id");
      for (guint j = 0; j < G_N_ELEMENTS (named); j++)
        if (named[j] != NULL && !g_hash_table_contains (allowed, named[j]))
          g_error ("%s was shown an event about %s: %s", self, named[j], text);
    }
}

static JsonArray *
sync_all (Fixture    *f,
          const char *token)
{
  g_autoptr(JsonArray) all = json_array_new ();
  g_autofree char *cursor = NULL;
  gboolean more = TRUE;

  for (guint pages = 0; more; pages++)
    {
      g_autofree char *path = cursor ? g_strdup_printf ("/api/v1/sync?since=%s&limit=2", cursor)
                                     : g_strdup ("/api/v1/sync?limit=2");
      g_autoptr(JsonNode) answer = NULL;
      JsonArray *events;
      guint status = 0;

      g_assert_cmpuint (pages, <, 1000);
      answer = tc_test_request (f->server, "GET", path, token, NULL, &status);
      g_assert_cmpuint (status, ==, 200);
      events = tc_test_get_array (tc_test_object (answer), "events");
      for (guint i = 0; i < json_array_get_length (events); i++)
        json_array_add_element (all, json_node_copy (json_array_get_element (events, i)));
      g_free (cursor);
      cursor = g_strdup (tc_test_get_string (tc_test_object (answer), "cursor"));
      more = tc_test_get_bool (tc_test_object (answer), "more");
    }
  return g_steal_pointer (&all);
}

static void
send_as (Fixture    *f,
         const char *token,
         const char *to)
{
  g_autofree char *client_id = tc_test_uuid ();
  g_autoptr(JsonNode) answer = NULL;
  guint status = 0;

  answer = tc_test_send_message (f->server, token, client_id, TO (to), "for your eyes only",
                                 &status);
  g_assert_cmpuint (status, ==, 201);
}

static void
test_sync_and_team_lists (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *c = tc_test_login_as (f->server, "C");
  g_autofree char *e = tc_test_login_as (f->server, "E");
  g_autofree char *g = tc_test_login_as (f->server, OUTSIDER);
  g_autofree char *read_body = g_strdup_printf ("{\"peer\":\"B\",\"up_to\":%" G_GINT64_FORMAT "}",
                                                f->up_to);

  /* Traffic all around G, and around B without B: A–C, C–E, A reads B. */
  send_as (f, f->member_token, "C");
  send_as (f, c, "E");
  send_as (f, e, "C");
  {
    g_autoptr(JsonNode) answer = NULL;
    guint status = 0;

    answer = tc_test_request (f->server, "POST", "/api/v1/read", f->member_token, read_body,
                              &status);
    g_assert_cmpuint (status, ==, 204);
  }

  {
    g_autoptr(JsonArray) events = sync_all (f, g);

    assert_events_visible (events, OUTSIDER, TO (NULL));
  }
  {
    g_autoptr(JsonArray) events = sync_all (f, f->peer_token);

    assert_events_visible (events, "B", TO ("A", "D"));
  }
  {
    g_autoptr(JsonArray) events = sync_all (f, e);

    assert_events_visible (events, "E", TO ("A", "C", "F"));
  }

  /* Team lists and searches: only the caller's team. */
  {
    guint status = 0;
    g_autoptr(JsonNode) team = tc_test_request (f->server, "GET", "/api/v1/team", g, NULL,
                                                &status);

    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpuint (json_array_get_length (tc_test_get_array (tc_test_object (team), "members")),
                      ==, 0);
  }
  {
    guint status = 0;
    g_autoptr(JsonNode) team = tc_test_request (f->server, "GET", "/api/v1/team?q=Carol",
                                                f->peer_token, NULL, &status);

    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpuint (json_array_get_length (tc_test_get_array (tc_test_object (team), "members")),
                      ==, 0);
  }
}

/* --- WebSocket ---------------------------------------------------------------------------- */

static void
test_ws_upgrade (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *revoked = g_strconcat ("Bearer ", f->revoked_token, NULL);
  guint status = 0;

  {
    g_autoptr(TcTestWs) ws = tc_test_ws_connect (f->server, NULL, &status);

    g_assert_null (ws);
    g_assert_cmpuint (status, ==, 401);
  }
  {
    g_autoptr(TcTestWs) ws = tc_test_ws_connect (f->server, revoked, &status);

    g_assert_null (ws);
    g_assert_cmpuint (status, ==, 401);
  }
  for (guint j = 0; j < G_N_ELEMENTS (bad_authorizations); j++)
    {
      g_autofree char *authorization = bad_authorization (f, j);
      g_autoptr(TcTestWs) ws = tc_test_ws_connect (f->server, authorization, &status);

      g_test_message ("Authorization: %s", authorization);
      g_assert_null (ws);
      g_assert_cmpuint (status, ==, 401);
    }
}

/* A socket whose token is revoked closes; the token opens no other. */
static void
test_ws_revoked_while_open (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *token = tc_test_login_as (f->server, OUTSIDER);
  g_autofree char *authorization = g_strconcat ("Bearer ", token, NULL);
  g_autoptr(TcTestWs) ws = tc_test_ws_open (f->server, token);
  g_autoptr(JsonNode) answer = NULL;
  guint status = 0;

  answer = tc_test_request (f->server, "DELETE", "/api/v1/session", token, NULL, &status);
  g_assert_cmpuint (status, ==, 204);
  g_assert_cmpuint (tc_test_ws_wait_closed (ws), ==, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  {
    g_autoptr(TcTestWs) again = tc_test_ws_connect (f->server, authorization, &status);

    g_assert_null (again);
    g_assert_cmpuint (status, ==, 401);
  }
}

static guint
get_me_status (TcTestServer *server,
               const char   *token)
{
  g_autoptr(JsonNode) answer = NULL;
  guint status = 0;

  answer = tc_test_request (server, "GET", "/api/v1/me", token, NULL, &status);
  return status;
}

/* What an administrator does from the command line, with the server
 * running, reaches the sessions that server is using (its WebSockets, and
 * the tokens it remembers for a minute) within session_check_seconds:
 * `revoke-sessions` (a laptop was stolen), then `import-associates` with a
 * new password (the Web Office reset it). Nobody else is logged out. */
static void
test_ended_by_administrator (void)
{
  TcTestServer *server = tc_test_server_new_or_fail ("[server]\nsession_check_seconds=1\n");
  const char *db = tc_test_server_get_db_path (server);
  g_autofree char *a = tc_test_login_as (server, MEMBER);
  g_autofree char *b = tc_test_login_as (server, "B");
  g_autofree char *a_again = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *reset_csv = NULL;
  g_autoptr(TcTestWs) ws_a = tc_test_ws_open (server, a);
  g_autoptr(TcTestWs) ws_b = tc_test_ws_open (server, b);
  g_autoptr(TcTestWs) ws_a_again = NULL;
  g_autoptr(JsonNode) pong = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) text = NULL;

  g_assert_cmpuint (get_me_status (server, a), ==, 200);   /* remembered from now on */

  g_assert_cmpint (tc_test_run_command (&out, &err, "revoke-sessions", "--db", db, MEMBER, NULL),
                   ==, 0);
  g_assert_cmpstr (out, ==, "revoked 1 session\n");
  g_assert_cmpuint (tc_test_ws_wait_closed (ws_a), ==, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  g_assert_cmpuint (get_me_status (server, a), ==, 401);

  /* A typo names nobody: said so, and nothing happens. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (tc_test_run_command (&out, &err, "revoke-sessions", "--db", db, NOBODY, NULL),
                   !=, 0);
  g_assert_nonnull (strstr (err, "no associate “" NOBODY "”"));

  /* Logged in again; then the Web Office resets the password. */
  a_again = tc_test_login (server, "alice", "password-A");
  ws_a_again = tc_test_ws_open (server, a_again);
  g_assert_true (g_file_get_contents (TC_IT_DATA_DIR "/team.csv", &csv, NULL, &error));
  g_assert_no_error (error);
  text = g_string_new (csv);
  g_assert_cmpuint (g_string_replace (text, ",password-A,", ",a-new-password,", 0), ==, 1);
  reset_csv = g_build_filename (tc_test_server_get_tmpdir (server), "reset.csv", NULL);
  g_assert_true (g_file_set_contents (reset_csv, text->str, -1, &error));
  g_assert_no_error (error);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (tc_test_run_command (&out, &err, "import-associates", "--db", db, reset_csv,
                                        NULL), ==, 0);
  g_assert_cmpstr (out, ==, "imported 7\n");
  g_assert_nonnull (strstr (err, "1 given a new password"));
  g_assert_cmpuint (tc_test_ws_wait_closed (ws_a_again), ==, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  g_assert_cmpuint (get_me_status (server, a_again), ==, 401);
  {
    g_autofree char *fresh = tc_test_login (server, "alice", "a-new-password");
    g_assert_cmpuint (get_me_status (server, fresh), ==, 200);
  }

  /* B's session went through all of it. */
  pong = tc_test_ws_request (ws_b, "{\"type\":\"ping\",\"ref\":\"p\"}", "p");
  g_assert_cmpstr (tc_test_get_string (tc_test_object (pong), "type"), ==, "ack");
  g_assert_cmpuint (get_me_status (server, b), ==, 200);

  g_clear_pointer (&ws_a, tc_test_ws_free);
  g_clear_pointer (&ws_a_again, tc_test_ws_free);
  g_clear_pointer (&ws_b, tc_test_ws_free);
  tc_test_server_free (server);
}

typedef struct {
  const char *frame;   /* {peer}, {up_to} and {uuid} as in endpoints; "ref":"r" */
  const char *type;    /* of the answer */
  const char *error;   /* its error code, or NULL */
  gboolean    twin;    /* the twin about NOBODY must answer the same */
} FrameCase;

static const FrameCase frame_cases[] = {
  { "{\"type\":\"ping\",\"ref\":\"r\"}", "ack", NULL, FALSE },
  { "{\"type\":\"send\",\"ref\":\"r\",\"client_id\":\"{uuid}\",\"to\":[\"{peer}\"],\"body\":\"psst\"}",
    "error", "forbidden", FALSE },
  { "{\"type\":\"read\",\"ref\":\"r\",\"peer\":\"{peer}\",\"up_to\":{up_to}}",
    "error", "forbidden", TRUE },
};

static void
test_ws_frames_off_team (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *g = tc_test_login_as (f->server, OUTSIDER);
  g_autoptr(TcTestWs) ws = tc_test_ws_open (f->server, g);
  g_autoptr(TcTestWs) member_ws = tc_test_ws_open (f->server, f->member_token);

  for (guint i = 0; i < G_N_ELEMENTS (frame_cases); i++)
    {
      const FrameCase *c = &frame_cases[i];
      g_autofree char *text = expand (f, c->frame, MEMBER);
      g_autoptr(JsonNode) answer = tc_test_ws_request (ws, text, "r");
      JsonObject *object = tc_test_object (answer);

      g_test_message ("%s", text);
      g_assert_cmpstr (tc_test_get_string (object, "type"), ==, c->type);
      if (c->error != NULL)
        g_assert_cmpstr (tc_test_get_string (object, "error"), ==, c->error);
      if (c->twin)
        {
          g_autofree char *twin_text = expand (f, c->frame, NOBODY);
          g_autoptr(JsonNode) twin = tc_test_ws_request (ws, twin_text, "r");

          g_assert_true (json_node_equal (answer, twin));
        }
    }

  /* A and B talk and read while G listens: G hears nothing at all, and A
   * heard nothing of G's attempts. */
  send_as (f, f->member_token, "B");
  send_as (f, f->peer_token, MEMBER);
  {
    g_autoptr(GPtrArray) heard = tc_test_ws_drain (ws);

    for (guint i = 0; i < heard->len; i++)
      {
        g_autofree char *text = json_to_string (heard->pdata[i], FALSE);
        g_error ("G heard %s", text);
      }
  }
  {
    g_autoptr(GPtrArray) heard = tc_test_ws_drain (member_ws);
    g_autoptr(JsonArray) events = json_array_new ();

    for (guint i = 0; i < heard->len; i++)
      json_array_add_element (events, json_node_copy (heard->pdata[i]));
    assert_events_visible (events, MEMBER, TO ("B", "C", "D", "E", "F"));
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/authz/http/no-token", test_no_token);
  ADD ("/authz/http/malformed-token", test_malformed_token);
  ADD ("/authz/http/revoked-token", test_revoked_token);
  ADD ("/authz/http/off-team", test_off_team);
  ADD ("/authz/http/sibling", test_sibling);
  ADD ("/authz/sync-and-team-lists", test_sync_and_team_lists);
  ADD ("/authz/ws/upgrade", test_ws_upgrade);
  ADD ("/authz/ws/revoked-while-open", test_ws_revoked_while_open);
  ADD ("/authz/ws/frames-off-team", test_ws_frames_off_team);
  g_test_add_func ("/authz/ended-by-administrator", test_ended_by_administrator);

  return g_test_run ();
}
