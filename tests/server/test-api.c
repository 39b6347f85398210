/* test-api.c: the HTTP API of API.md against the real teamchat-server
 *
 * One test per row and rule of API.md's HTTP table; each test gets a fresh
 * server and database (see tc-test-server.h for the team it serves).
 */
#include <string.h>

#include "tc-json.h"
#include "tc-test-server.h"

typedef struct {
  TcTestServer *server;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  config_text)
{
  f->server = tc_test_server_new_or_fail (config_text);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_pointer (&f->server, tc_test_server_free);
}

#define TO(...) ((const char *[]) { __VA_ARGS__, NULL })

/* Requests and asserts the status; error answers must have the error shape
 * (and @code, when given). */
static JsonNode *
expect_code (Fixture    *f,
             const char *method,
             const char *path,
             const char *token,
             const char *body,
             guint       expected,
             const char *code)
{
  guint status = 0;
  JsonNode *node = tc_test_request (f->server, method, path, token, body, &status);

  if (status != expected)
    {
      g_autofree char *text = node ? json_to_string (node, FALSE) : g_strdup ("(no JSON)");

      g_test_message ("%s %s answered %u %s, expected %u", method, path, status, text, expected);
    }
  g_assert_cmpuint (status, ==, expected);
  if (expected >= 400)
    tc_test_assert_error (node, code);
  return node;
}

static JsonNode *
expect (Fixture    *f,
        const char *method,
        const char *path,
        const char *token,
        const char *body,
        guint       expected)
{
  return expect_code (f, method, path, token, body, expected, NULL);
}

static void
expect_no_content (Fixture    *f,
                   const char *method,
                   const char *path,
                   const char *token,
                   const char *body)
{
  g_autofree char *authorization = token ? g_strconcat ("Bearer ", token, NULL) : NULL;
  g_autoptr(TcTestResponse) response = NULL;

  response = tc_test_send (f->server, method, path, authorization, "application/json", body,
                           body ? -1 : 0);
  g_assert_cmpuint (response->status, ==, 204);
  g_assert_cmpuint (g_bytes_get_size (response->body), ==, 0);
}

static guint
history_length (Fixture    *f,
                const char *token,
                const char *peer)
{
  g_autoptr(JsonArray) history = tc_test_history (f->server, token, peer);

  return json_array_get_length (history);
}

/* Sends and returns the one message created (asserting 201). */
static gint64
send_one (Fixture    *f,
          const char *token,
          const char *to,
          const char *body)
{
  g_autofree char *client_id = tc_test_uuid ();
  g_autoptr(JsonNode) answer = NULL;
  JsonArray *messages;
  guint status = 0;

  answer = tc_test_send_message (f->server, token, client_id, TO (to), body, &status);
  g_assert_cmpuint (status, ==, 201);
  messages = tc_test_get_array (tc_test_object (answer), "messages");
  g_assert_cmpuint (json_array_get_length (messages), ==, 1);
  return tc_test_get_int (json_array_get_object_element (messages, 0), "id");
}

static JsonObject *
find_message (JsonArray *messages,
              gint64     id)
{
  for (guint i = 0; i < json_array_get_length (messages); i++)
    {
      JsonObject *message = json_array_get_object_element (messages, i);

      if (tc_test_get_int (message, "id") == id)
        return message;
    }
  return NULL;
}

static void
assert_associate_shape (JsonObject *associate)
{
  const char *members[] = { "id", "name", "email", "phone", "sponsor_id", "enroller_id",
                            "marketing_site_url", "online" };

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    if (!json_object_has_member (associate, members[i]))
      g_error ("associate object has no “%s”", members[i]);
  tc_test_get_string (associate, "id");
  tc_test_get_string (associate, "name");
  tc_test_get_bool (associate, "online");
}

static void
assert_message_shape (JsonObject *message)
{
  g_autoptr(GDateTime) sent_at = NULL;
  JsonNode *via;

  tc_test_get_int (message, "id");
  tc_test_get_string (message, "client_id");
  tc_test_get_string (message, "from");
  tc_test_get_string (message, "to");
  tc_test_get_string (message, "body");
  tc_test_get_array (message, "attachments");
  tc_test_get_bool (message, "read");
  sent_at = g_date_time_new_from_iso8601 (tc_test_get_string (message, "sent_at"), NULL);
  g_assert_nonnull (sent_at);
  via = json_object_get_member (message, "delivered_via");
  g_assert_nonnull (via);
  if (!JSON_NODE_HOLDS_NULL (via))
    g_assert_true (g_strcmp0 (json_node_get_string (via), "email") == 0 ||
                   g_strcmp0 (json_node_get_string (via), "sms") == 0);
}

/* --- health ---------------------------------------------------------------------- */

static void
test_health (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(JsonNode) answer = expect (f, "GET", "/api/v1/health", NULL, NULL, 200);

  g_assert_cmpstr (tc_test_get_string (tc_test_object (answer), "status"), ==, "ok");
}

/* GET /healthz [extension]: for load balancers; it asks the database. */
static void
test_healthz (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(JsonNode) answer = expect (f, "GET", "/healthz", NULL, NULL, 200);
  g_autoptr(TcTestResponse) post = NULL;

  g_assert_cmpstr (tc_test_get_string (tc_test_object (answer), "status"), ==, "ok");
  post = tc_test_send (f->server, "POST", "/healthz", NULL, "application/json", "{}", -1);
  g_assert_cmpuint (post->status, ==, 405);
  g_assert_cmpstr (soup_message_headers_get_one (post->headers, "Allow"), ==, "GET");
  g_clear_pointer (&answer, json_node_unref);
  answer = expect (f, "GET", "/healthz/", NULL, NULL, 404);

  if (tc_test_db_is_postgresql ())
    {
      /* The database goes away: 503, and the reason (where the database
       * is) stays in the log. */
      const char *db = tc_test_server_get_db_path (f->server);
      const char *start = db + strlen ("postgresql:///");
      g_autofree char *name = g_strndup (start, strchr (start, '?') - start);

      tc_test_db_drop (db);
      g_clear_pointer (&answer, json_node_unref);
      answer = expect_code (f, "GET", "/healthz", NULL, NULL, 503, "unavailable");
      g_assert_null (strstr (tc_test_get_string (tc_test_object (answer), "message"), name));
    }
}

/* --- session ---------------------------------------------------------------------- */

static void
test_login_ok (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(JsonNode) me = NULL;
  g_autoptr(JsonNode) dan = NULL;
  JsonObject *object, *associate;
  const char *token;

  answer = expect (f, "POST", "/api/v1/session", NULL,
                   "{\"login\":\"alice\",\"password\":\"password-A\",\"device\":\"laptop\"}", 200);
  object = tc_test_object (answer);
  token = tc_test_get_string (object, "token");
  g_assert_cmpstr (token, !=, "");
  g_assert_true (g_str_has_prefix (token, "tc1_"));
  associate = tc_test_get_object (object, "associate");
  assert_associate_shape (associate);
  g_assert_cmpstr (tc_test_get_string (associate, "id"), ==, "A");
  g_assert_cmpstr (tc_test_get_string (associate, "name"), ==, "Alice Apex");
  g_assert_cmpstr (tc_test_get_string (associate, "email"), ==, "alice@example.com");
  g_assert_cmpstr (tc_test_get_string (associate, "marketing_site_url"), ==,
                   "https://alice.example.com");
  g_assert_true (tc_test_is_null_member (associate, "sponsor_id"));
  g_assert_true (tc_test_is_null_member (associate, "enroller_id"));

  /* The token works. */
  me = expect (f, "GET", "/api/v1/me", token, NULL, 200);
  g_assert_cmpstr (tc_test_get_string (tc_test_object (me), "id"), ==, "A");

  /* Someone with a sponsor and a different enroller. */
  dan = expect (f, "POST", "/api/v1/session", NULL,
                "{\"login\":\"dan\",\"password\":\"password-D\",\"device\":\"phone\"}", 200);
  associate = tc_test_get_object (tc_test_object (dan), "associate");
  g_assert_cmpstr (tc_test_get_string (associate, "id"), ==, "D");
  g_assert_cmpstr (tc_test_get_string (associate, "sponsor_id"), ==, "B");
  g_assert_cmpstr (tc_test_get_string (associate, "enroller_id"), ==, "C");
}

static void
test_login_wrong_password (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(JsonNode) wrong = NULL;
  g_autoptr(JsonNode) unknown = NULL;
  g_autoptr(JsonNode) empty = NULL;

  wrong = expect_code (f, "POST", "/api/v1/session", NULL,
                       "{\"login\":\"alice\",\"password\":\"password-B\",\"device\":\"x\"}",
                       401, "unauthorized");
  unknown = expect_code (f, "POST", "/api/v1/session", NULL,
                         "{\"login\":\"nobody\",\"password\":\"password-A\",\"device\":\"x\"}",
                         401, "unauthorized");
  empty = expect_code (f, "POST", "/api/v1/session", NULL,
                       "{\"login\":\"alice\",\"password\":\"\",\"device\":\"x\"}",
                       401, "unauthorized");
  /* Same answer: nothing tells a wrong password from an unknown login. */
  g_assert_true (json_node_equal (wrong, unknown));
  g_assert_true (json_node_equal (wrong, empty));
}

static void
test_login_missing_fields (Fixture       *f,
                           gconstpointer  data)
{
  const char *bodies[] = {
    "{}",
    "{\"login\":\"alice\",\"device\":\"x\"}",
    "{\"password\":\"password-A\",\"device\":\"x\"}",
    "{\"login\":5,\"password\":\"password-A\",\"device\":\"x\"}",
    "{\"login\":\"alice\",\"password\":[\"password-A\"],\"device\":\"x\"}",
    "{\"login\":null,\"password\":\"password-A\"}",
    "{\"login\":\"alice\",\"password\":\"password-A\"",
    "[\"alice\",\"password-A\"]",
    "not json",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(JsonNode) answer = NULL;

      g_test_message ("body %s", bodies[i]);
      answer = expect_code (f, "POST", "/api/v1/session", NULL, bodies[i], 400, "invalid_request");
    }
  {
    g_autoptr(JsonNode) answer = expect_code (f, "POST", "/api/v1/session", NULL, NULL, 400,
                                              "invalid_request");
  }
}

#define LOGIN_LIMIT_CONFIG "[limits]\nlogin_failures_per_login=3\n"

static void
test_login_rate_limit (Fixture       *f,
                       gconstpointer  data)
{
  const char *wrong = "{\"login\":\"alice\",\"password\":\"wrong-password\",\"device\":\"x\"}";
  const char *right = "{\"login\":\"alice\",\"password\":\"password-A\",\"device\":\"x\"}";
  g_autoptr(TcTestResponse) response = NULL;
  g_autofree char *bob = NULL;
  const char *retry_after;
  guint64 seconds = 0;

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(JsonNode) answer = expect_code (f, "POST", "/api/v1/session", NULL, wrong, 401,
                                                "unauthorized");
    }

  /* Over the limit even the right password waits. */
  response = tc_test_send (f->server, "POST", "/api/v1/session", NULL, "application/json",
                           right, -1);
  g_assert_cmpuint (response->status, ==, 429);
  tc_test_assert_error (response->json, "rate_limited");
  retry_after = soup_message_headers_get_one (response->headers, "Retry-After");
  g_assert_nonnull (retry_after);
  g_assert_true (g_ascii_string_to_unsigned (retry_after, 10, 1, G_MAXUINT32, &seconds, NULL));
  g_assert_cmpuint (seconds, >=, 1);

  {
    g_autoptr(JsonNode) answer = expect_code (f, "POST", "/api/v1/session", NULL, wrong, 429,
                                              "rate_limited");
  }

  /* Logins match without regard to case: so does their limit. */
  {
    g_autoptr(JsonNode) answer = expect_code (f, "POST", "/api/v1/session", NULL,
                                              "{\"login\":\"ALICE\",\"password\":\"password-A\"}",
                                              429, "rate_limited");
  }

  /* The limit is per login: others still get in. */
  bob = tc_test_login (f->server, "bob", "password-B");
  g_assert_nonnull (bob);
}

static void
test_logout (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *first = tc_test_login_as (f->server, "A");
  g_autofree char *second = tc_test_login_as (f->server, "A");
  g_autoptr(JsonNode) gone = NULL;
  g_autoptr(JsonNode) again = NULL;
  g_autoptr(JsonNode) other = NULL;

  expect_no_content (f, "DELETE", "/api/v1/session", first, NULL);
  gone = expect_code (f, "GET", "/api/v1/me", first, NULL, 401, "unauthorized");
  again = expect_code (f, "DELETE", "/api/v1/session", first, NULL, 401, "unauthorized");
  /* Only that session ended. */
  other = expect (f, "GET", "/api/v1/me", second, NULL, 200);
  g_assert_cmpstr (tc_test_get_string (tc_test_object (other), "id"), ==, "A");
}

/* --- me ------------------------------------------------------------------------------ */

static const char *
channel_of (Fixture    *f,
            const char *token)
{
  static char channel[16];
  g_autoptr(JsonNode) me = expect (f, "GET", "/api/v1/me", token, NULL, 200);
  JsonObject *preferences = tc_test_get_object (tc_test_object (me), "preferences");

  g_strlcpy (channel, tc_test_get_string (preferences, "offline_channel"), sizeof channel);
  return channel;
}

static void
test_me (Fixture       *f,
         gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *c = tc_test_login_as (f->server, "C");
  g_autofree char *d = tc_test_login_as (f->server, "D");
  g_autoptr(JsonNode) me = expect (f, "GET", "/api/v1/me", d, NULL, 200);
  JsonObject *object = tc_test_object (me);

  assert_associate_shape (object);
  g_assert_cmpstr (tc_test_get_string (object, "id"), ==, "D");
  g_assert_cmpstr (tc_test_get_string (object, "name"), ==, "Dan Dogwood");
  g_assert_cmpstr (tc_test_get_string (object, "email"), ==, "dan@example.com");
  g_assert_cmpstr (tc_test_get_string (object, "sponsor_id"), ==, "B");
  g_assert_cmpstr (tc_test_get_string (object, "enroller_id"), ==, "C");
  g_assert_cmpstr (tc_test_get_string (tc_test_get_object (object, "preferences"),
                                       "offline_channel"), ==, "sms");

  g_assert_cmpstr (channel_of (f, a), ==, "email");
  /* An empty offline_channel in the CSV means email. */
  g_assert_cmpstr (channel_of (f, c), ==, "email");
}

static void
test_preferences (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  const char *bad[] = {
    "{\"offline_channel\":\"fax\"}",
    "{\"offline_channel\":\"\"}",
    "{\"offline_channel\":\"SMS \"}",
    "{\"offline_channel\":5}",
    "{\"offline_channel\":null}",
    "{\"offline_channel\":[\"sms\"]}",
    "{\"offline_channel\":",
    "\"sms\"",
  };

  {
    g_autoptr(JsonNode) answer = expect (f, "PATCH", "/api/v1/me/preferences", a,
                                         "{\"offline_channel\":\"sms\"}", 200);

    g_assert_cmpstr (tc_test_get_string (tc_test_object (answer), "offline_channel"), ==, "sms");
    g_assert_cmpstr (channel_of (f, a), ==, "sms");
  }
  {
    g_autoptr(JsonNode) answer = expect (f, "PATCH", "/api/v1/me/preferences", a,
                                         "{\"offline_channel\":\"email\"}", 200);

    g_assert_cmpstr (tc_test_get_string (tc_test_object (answer), "offline_channel"), ==, "email");
    g_assert_cmpstr (channel_of (f, a), ==, "email");
  }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonNode) answer = NULL;

      g_test_message ("body %s", bad[i]);
      answer = expect_code (f, "PATCH", "/api/v1/me/preferences", a, bad[i], 400,
                            "invalid_request");
    }
  /* Nothing refused was stored. */
  g_assert_cmpstr (channel_of (f, a), ==, "email");
}

/* --- team ---------------------------------------------------------------------------- */

static const struct {
  const char *id;
  const char *team[6];
} expected_teams[] = {
  { "A", { "B", "C", "D", "E", "F", NULL } },
  { "B", { "A", "D", NULL } },
  { "C", { "A", "D", "E", "F", NULL } },
  { "D", { "A", "B", "C", NULL } },
  { "E", { "A", "C", "F", NULL } },
  { "F", { "A", "C", "E", NULL } },
  { "G", { NULL } },
};

static gboolean
is_team (const char *x,
         const char *y)
{
  for (guint i = 0; i < G_N_ELEMENTS (expected_teams); i++)
    if (g_str_equal (expected_teams[i].id, x))
      return g_strv_contains ((const char * const *) expected_teams[i].team, y);
  g_assert_not_reached ();
  return FALSE;
}

static void
test_team_list (Fixture       *f,
                gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (expected_teams); i++)
    {
      g_autofree char *token = tc_test_login_as (f->server, expected_teams[i].id);
      g_autoptr(JsonNode) answer = expect (f, "GET", "/api/v1/team", token, NULL, 200);
      JsonArray *members = tc_test_get_array (tc_test_object (answer), "members");

      g_test_message ("team of %s", expected_teams[i].id);
      tc_test_assert_id_set (members, "id", expected_teams[i].team);
      for (guint j = 0; j < json_array_get_length (members); j++)
        {
          JsonObject *member = json_array_get_object_element (members, j);

          assert_associate_shape (member);
          g_assert_false (tc_test_get_bool (member, "online"));
        }
    }
}

static void
test_team_query (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *b = tc_test_login_as (f->server, "B");
  const struct {
    const char **token;
    const char *q;
    const char *expected[3];
  } cases[] = {
    { (const char **) &a, "carol", { "C", NULL } },
    { (const char **) &a, "CAROL", { "C", NULL } },
    { (const char **) &a, "cAr", { "C", NULL } },
    { (const char **) &a, "Dogwood", { "D", NULL } },
    { (const char **) &a, "zzz-nobody", { NULL } },
    { (const char **) &a, "Grace", { NULL } },       /* not on the team */
    { (const char **) &b, "carol", { NULL } },       /* C is B's sibling */
    { (const char **) &b, "dan", { "D", NULL } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *escaped = g_uri_escape_string (cases[i].q, NULL, FALSE);
      g_autofree char *path = g_strconcat ("/api/v1/team?q=", escaped, NULL);
      g_autoptr(JsonNode) answer = expect (f, "GET", path, *cases[i].token, NULL, 200);

      g_test_message ("q=%s", cases[i].q);
      tc_test_assert_id_set (tc_test_get_array (tc_test_object (answer), "members"), "id",
                             cases[i].expected);
    }
}

static void
assert_person (JsonObject *object,
               const char *member,
               const char *id,
               const char *name)
{
  JsonObject *person;

  if (id == NULL)
    {
      g_assert_true (tc_test_is_null_member (object, member));
      return;
    }
  person = tc_test_get_object (object, member);
  g_assert_cmpstr (tc_test_get_string (person, "id"), ==, id);
  g_assert_cmpstr (tc_test_get_string (person, "name"), ==, name);
}

static void
test_team_dashboard (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *c = tc_test_login_as (f->server, "C");
  g_autofree char *d = tc_test_login_as (f->server, "D");

  {
    g_autoptr(JsonNode) answer = expect (f, "GET", "/api/v1/team/D", a, NULL, 200);
    JsonObject *object = tc_test_object (answer);

    assert_associate_shape (object);
    g_assert_cmpstr (tc_test_get_string (object, "id"), ==, "D");
    g_assert_cmpstr (tc_test_get_string (object, "name"), ==, "Dan Dogwood");
    g_assert_cmpstr (tc_test_get_string (object, "sponsor_id"), ==, "B");
    g_assert_cmpstr (tc_test_get_string (object, "enroller_id"), ==, "C");
    assert_person (object, "sponsor", "B", "Bob Birch");
    assert_person (object, "enroller", "C", "Carol Cedar");
  }
  {
    g_autoptr(JsonNode) answer = expect (f, "GET", "/api/v1/team/A", d, NULL, 200);
    JsonObject *object = tc_test_object (answer);

    g_assert_cmpstr (tc_test_get_string (object, "id"), ==, "A");
    assert_person (object, "sponsor", NULL, NULL);
    assert_person (object, "enroller", NULL, NULL);
  }
  {
    /* On C's team only through the enroller tree (C enrolled E, E enrolled F). */
    g_autoptr(JsonNode) answer = expect (f, "GET", "/api/v1/team/F", c, NULL, 200);
    JsonObject *object = tc_test_object (answer);

    assert_person (object, "sponsor", "A", "Alice Apex");
    assert_person (object, "enroller", "E", "Erin Elm");
  }
}

static void
test_team_dashboard_not_found (Fixture       *f,
                               gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *b = tc_test_login_as (f->server, "B");
  g_autofree char *g = tc_test_login_as (f->server, "G");
  g_autoptr(JsonNode) sibling = expect_code (f, "GET", "/api/v1/team/C", b, NULL, 404, "not_found");
  g_autoptr(JsonNode) other_tree = expect_code (f, "GET", "/api/v1/team/G", a, NULL, 404,
                                                "not_found");
  g_autoptr(JsonNode) unknown = expect_code (f, "GET", "/api/v1/team/NOPE", a, NULL, 404,
                                             "not_found");
  g_autoptr(JsonNode) alone = expect_code (f, "GET", "/api/v1/team/A", g, NULL, 404, "not_found");

  /* Off the team and unknown look the same (404 not_found above): nothing
   * tells who exists. */
  g_assert_cmpstr (tc_test_get_string (tc_test_object (sibling), "error"), ==,
                   tc_test_get_string (tc_test_object (unknown), "error"));
  g_assert_cmpstr (tc_test_get_string (tc_test_object (other_tree), "error"), ==,
                   tc_test_get_string (tc_test_object (alone), "error"));
}

/* The team rule, for every ordered pair, on the dashboard and on sending. */
static void
test_team_rule_matrix (Fixture       *f,
                       gconstpointer  data)
{
  const char *ids[] = { "A", "B", "C", "D", "E", "F", "G" };
  char *tokens[G_N_ELEMENTS (ids)] = { NULL, };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    tokens[i] = tc_test_login_as (f->server, ids[i]);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    for (guint j = 0; j < G_N_ELEMENTS (ids); j++)
      {
        g_autofree char *path = NULL;
        g_autofree char *client_id = tc_test_uuid ();
        g_autoptr(JsonNode) dashboard = NULL;
        g_autoptr(JsonNode) sent = NULL;
        gboolean team;
        guint status = 0;

        if (i == j)
          continue;
        team = is_team (ids[i], ids[j]);
        g_assert_true (team == is_team (ids[j], ids[i]));
        g_test_message ("%s → %s: %s", ids[i], ids[j], team ? "team" : "not team");
        path = g_strdup_printf ("/api/v1/team/%s", ids[j]);
        dashboard = expect (f, "GET", path, tokens[i], NULL, team ? 200 : 404);
        sent = tc_test_send_message (f->server, tokens[i], client_id, TO (ids[j]), "hi", &status);
        g_assert_cmpuint (status, ==, team ? 201 : 403);
        if (!team)
          tc_test_assert_error (sent, "forbidden");
      }
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_clear_pointer (&tokens[i], g_free);
}

/* --- messages ---------------------------------------------------------------------------- */

static void
test_send_one (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *b = tc_test_login_as (f->server, "B");
  g_autofree char *client_id = tc_test_uuid ();
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(JsonArray) history = NULL;
  g_autoptr(GDateTime) sent_at = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  JsonArray *messages;
  JsonObject *message, *stored;
  guint status = 0;

  answer = tc_test_send_message (f->server, b, client_id, TO ("A"), "hello, Alice ☺", &status);
  g_assert_cmpuint (status, ==, 201);
  messages = tc_test_get_array (tc_test_object (answer), "messages");
  g_assert_cmpuint (json_array_get_length (messages), ==, 1);
  message = json_array_get_object_element (messages, 0);
  assert_message_shape (message);
  g_assert_cmpstr (tc_test_get_string (message, "client_id"), ==, client_id);
  g_assert_cmpstr (tc_test_get_string (message, "from"), ==, "B");
  g_assert_cmpstr (tc_test_get_string (message, "to"), ==, "A");
  g_assert_cmpstr (tc_test_get_string (message, "body"), ==, "hello, Alice ☺");
  g_assert_cmpuint (json_array_get_length (tc_test_get_array (message, "attachments")), ==, 0);
  g_assert_false (tc_test_get_bool (message, "read"));
  /* A sane clock, not a timing check: within a day of now. */
  sent_at = g_date_time_new_from_iso8601 (tc_test_get_string (message, "sent_at"), NULL);
  g_assert_cmpint (ABS (g_date_time_difference (sent_at, now)), <, G_TIME_SPAN_DAY);

  /* The recipient sees the same message. */
  history = tc_test_history (f->server, a, "B");
  g_assert_cmpuint (json_array_get_length (history), ==, 1);
  stored = json_array_get_object_element (history, 0);
  g_assert_cmpint (tc_test_get_int (stored, "id"), ==, tc_test_get_int (message, "id"));
  g_assert_cmpstr (tc_test_get_string (stored, "body"), ==, "hello, Alice ☺");
  g_assert_cmpstr (tc_test_get_string (stored, "client_id"), ==, client_id);
  g_assert_cmpstr (tc_test_get_string (stored, "sent_at"), ==,
                   tc_test_get_string (message, "sent_at"));
}

static void
test_send_many (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *b = tc_test_login_as (f->server, "B");
  g_autofree char *c = tc_test_login_as (f->server, "C");
  g_autofree char *client_id = tc_test_uuid ();
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GHashTable) ids = g_hash_table_new (g_int64_hash, g_int64_equal);
  gint64 id_list[3];
  JsonArray *messages;
  guint status = 0;

  answer = tc_test_send_message (f->server, a, client_id, TO ("B", "C", "D"), "team news",
                                 &status);
  g_assert_cmpuint (status, ==, 201);
  messages = tc_test_get_array (tc_test_object (answer), "messages");
  g_assert_cmpuint (json_array_get_length (messages), ==, 3);
  tc_test_assert_id_set (messages, "to", TO ("B", "C", "D"));
  for (guint i = 0; i < 3; i++)
    {
      JsonObject *message = json_array_get_object_element (messages, i);

      assert_message_shape (message);
      g_assert_cmpstr (tc_test_get_string (message, "client_id"), ==, client_id);
      g_assert_cmpstr (tc_test_get_string (message, "from"), ==, "A");
      g_assert_cmpstr (tc_test_get_string (message, "body"), ==, "team news");
      id_list[i] = tc_test_get_int (message, "id");
      g_hash_table_add (ids, &id_list[i]);
    }
  g_assert_cmpuint (g_hash_table_size (ids), ==, 3);

  /* Individual conversations, no group: each recipient sees only theirs. */
  for (guint i = 0; i < 3; i++)
    {
      JsonObject *message = json_array_get_object_element (messages, i);
      const char *to = tc_test_get_string (message, "to");
      g_autoptr(JsonArray) history = tc_test_history (f->server, a, to);

      g_assert_cmpuint (json_array_get_length (history), ==, 1);
      g_assert_cmpint (tc_test_get_int (json_array_get_object_element (history, 0), "id"), ==,
                       tc_test_get_int (message, "id"));
      if (g_str_equal (to, "B"))
        {
          g_autoptr(JsonArray) theirs = tc_test_history (f->server, b, "A");

          g_assert_cmpuint (json_array_get_length (theirs), ==, 1);
          g_assert_cmpint (tc_test_get_int (json_array_get_object_element (theirs, 0), "id"), ==,
                           tc_test_get_int (message, "id"));
        }
      if (g_str_equal (to, "C"))
        {
          g_autoptr(JsonArray) theirs = tc_test_history (f->server, c, "A");

          g_assert_cmpuint (json_array_get_length (theirs), ==, 1);
          g_assert_cmpstr (tc_test_get_string (json_array_get_object_element (theirs, 0), "to"),
                           ==, "C");
        }
    }
}

static void
assert_same_messages (JsonNode *first,
                      JsonNode *second)
{
  JsonArray *a = tc_test_get_array (tc_test_object (first), "messages");
  JsonArray *b = tc_test_get_array (tc_test_object (second), "messages");

  g_assert_cmpuint (json_array_get_length (a), ==, json_array_get_length (b));
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *x = json_array_get_object_element (a, i);
      JsonObject *y = find_message (b, tc_test_get_int (x, "id"));

      g_assert_nonnull (y);
      g_assert_cmpstr (tc_test_get_string (x, "client_id"), ==, tc_test_get_string (y, "client_id"));
      g_assert_cmpstr (tc_test_get_string (x, "from"), ==, tc_test_get_string (y, "from"));
      g_assert_cmpstr (tc_test_get_string (x, "to"), ==, tc_test_get_string (y, "to"));
      g_assert_cmpstr (tc_test_get_string (x, "body"), ==, tc_test_get_string (y, "body"));
      g_assert_cmpstr (tc_test_get_string (x, "sent_at"), ==, tc_test_get_string (y, "sent_at"));
    }
}

static void
test_send_idempotent (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *b = tc_test_login_as (f->server, "B");
  g_autofree char *client_id = tc_test_uuid ();
  g_autofree char *multi_id = tc_test_uuid ();
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(JsonNode) again = NULL;
  g_autoptr(JsonNode) changed = NULL;
  g_autoptr(JsonNode) other_sender = NULL;
  g_autoptr(JsonNode) multi = NULL;
  g_autoptr(JsonNode) multi_again = NULL;
  guint status = 0;

  first = tc_test_send_message (f->server, a, client_id, TO ("B"), "only once", &status);
  g_assert_cmpuint (status, ==, 201);
  again = tc_test_send_message (f->server, a, client_id, TO ("B"), "only once", &status);
  g_assert_cmpuint (status, ==, 200);
  assert_same_messages (first, again);
  g_assert_cmpuint (history_length (f, a, "B"), ==, 1);

  /* The messages first created, whatever the resend says. */
  changed = tc_test_send_message (f->server, a, client_id, TO ("B"), "something else", &status);
  g_assert_cmpuint (status, ==, 200);
  assert_same_messages (first, changed);
  g_assert_cmpuint (history_length (f, a, "B"), ==, 1);

  /* Idempotent on (sender, client_id): another sender's message is new. */
  other_sender = tc_test_send_message (f->server, b, client_id, TO ("A"), "mine", &status);
  g_assert_cmpuint (status, ==, 201);
  g_assert_cmpint (tc_test_get_int (json_array_get_object_element (
                     tc_test_get_array (tc_test_object (other_sender), "messages"), 0), "id"), !=,
                   tc_test_get_int (json_array_get_object_element (
                     tc_test_get_array (tc_test_object (first), "messages"), 0), "id"));
  g_assert_cmpuint (history_length (f, a, "B"), ==, 2);

  /* Several recipients: the resend answers all of them. */
  multi = tc_test_send_message (f->server, a, multi_id, TO ("C", "D"), "both", &status);
  g_assert_cmpuint (status, ==, 201);
  multi_again = tc_test_send_message (f->server, a, multi_id, TO ("C", "D"), "both", &status);
  g_assert_cmpuint (status, ==, 200);
  assert_same_messages (multi, multi_again);
  g_assert_cmpuint (history_length (f, a, "C"), ==, 1);
  g_assert_cmpuint (history_length (f, a, "D"), ==, 1);
}

static void
test_send_unknown_recipient (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *client_id = tc_test_uuid ();
  guint status = 0;

  {
    g_autoptr(JsonNode) answer = tc_test_send_message (f->server, a, client_id, TO ("NOPE"), "x",
                                                       &status);

    g_assert_cmpuint (status, ==, 400);
    tc_test_assert_error (answer, "invalid_request");
  }
  {
    g_autoptr(JsonNode) answer = tc_test_send_message (f->server, a, client_id, TO ("B", "NOPE"),
                                                       "x", &status);

    g_assert_cmpuint (status, ==, 400);
    tc_test_assert_error (answer, "invalid_request");
  }
  /* Nothing half-stored, and the client_id is still free. */
  g_assert_cmpuint (history_length (f, a, "B"), ==, 0);
  send_one (f, a, "B", "now it works");
}

static void
test_send_off_team (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *b = tc_test_login_as (f->server, "B");
  g_autofree char *g = tc_test_login_as (f->server, "G");
  g_autofree char *client_id = tc_test_uuid ();
  guint status = 0;

  {
    g_autoptr(JsonNode) answer = tc_test_send_message (f->server, b, client_id, TO ("C"), "x",
                                                       &status);

    g_assert_cmpuint (status, ==, 403);
    tc_test_assert_error (answer, "forbidden");
  }
  {
    g_autoptr(JsonNode) answer = tc_test_send_message (f->server, b, client_id, TO ("A", "C"), "x",
                                                       &status);

    g_assert_cmpuint (status, ==, 403);
    tc_test_assert_error (answer, "forbidden");
  }
  {
    g_autoptr(JsonNode) answer = tc_test_send_message (f->server, g, client_id, TO ("A"), "x",
                                                       &status);

    g_assert_cmpuint (status, ==, 403);
    tc_test_assert_error (answer, "forbidden");
  }
  /* Nothing stored for A, on either side. */
  g_assert_cmpuint (history_length (f, a, "B"), ==, 0);
  g_assert_cmpuint (history_length (f, b, "A"), ==, 0);
  {
    g_autoptr(JsonNode) answer = tc_test_send_message (f->server, b, client_id, TO ("A"), "x",
                                                       &status);

    g_assert_cmpuint (status, ==, 201);
  }
  g_assert_cmpuint (history_length (f, a, "B"), ==, 1);
}

static void
test_send_to_self (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *client_id = tc_test_uuid ();
  g_autoptr(JsonNode) answer = NULL;
  guint status = 0;

  answer = tc_test_send_message (f->server, a, client_id, TO ("A"), "note to self", &status);
  g_assert_cmpuint (status, ==, 400);
  tc_test_assert_error (answer, "invalid_request");
}

static void
test_send_malformed (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  const char *bodies[] = {
    "{not json",
    "{\"client_id\":\"0d8c2a1e-0d8c-4a1e-8d8c-0d8c2a1e0d8c\",\"to\":[\"B\"],\"body\":\"x\"",
    "{\"client_id\":\"0d8c2a1e-0d8c-4a1e-8d8c-0d8c2a1e0d8c\",\"to\":[\"B\"],\"body\":\"x\"} trailing",
    "[]",
    "\"a string\"",
    "42",
    "null",
    "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(JsonNode) answer = NULL;

      g_test_message ("body %s", bodies[i]);
      answer = expect_code (f, "POST", "/api/v1/messages", a, bodies[i], 400, "invalid_request");
    }
  {
    g_autoptr(JsonNode) answer = expect_code (f, "POST", "/api/v1/messages", a, NULL, 400,
                                              "invalid_request");
  }
  g_assert_cmpuint (history_length (f, a, "B"), ==, 0);
}

static void
test_send_wrong_types (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *b = tc_test_login_as (f->server, "B");
#define CID "\"0d8c2a1e-0d8c-4a1e-8d8c-0d8c2a1e0d8c\""
  const char *bodies[] = {
    "{\"client_id\":5,\"to\":[\"A\"],\"body\":\"x\"}",
    "{\"client_id\":null,\"to\":[\"A\"],\"body\":\"x\"}",
    "{\"client_id\":\"not-a-uuid\",\"to\":[\"A\"],\"body\":\"x\"}",
    "{\"to\":[\"A\"],\"body\":\"x\"}",
    "{\"client_id\":" CID ",\"to\":\"A\",\"body\":\"x\"}",
    "{\"client_id\":" CID ",\"to\":[5],\"body\":\"x\"}",
    "{\"client_id\":" CID ",\"to\":[[\"A\"]],\"body\":\"x\"}",
    "{\"client_id\":" CID ",\"to\":[],\"body\":\"x\"}",
    "{\"client_id\":" CID ",\"body\":\"x\"}",
    "{\"client_id\":" CID ",\"to\":[\"A\"],\"body\":5}",
    "{\"client_id\":" CID ",\"to\":[\"A\"],\"body\":{\"text\":\"x\"}}",
    "{\"client_id\":" CID ",\"to\":[\"A\"],\"body\":\"x\",\"attachments\":\"r1\"}",
    "{\"client_id\":" CID ",\"to\":[\"A\"],\"body\":\"x\",\"attachments\":[5]}",
  };
#undef CID

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(JsonNode) answer = NULL;

      g_test_message ("body %s", bodies[i]);
      answer = expect_code (f, "POST", "/api/v1/messages", b, bodies[i], 400, "invalid_request");
    }
  g_assert_cmpuint (history_length (f, b, "A"), ==, 0);
}

static void
test_send_invalid_utf8 (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *b = tc_test_login_as (f->server, "B");
  const char *bodies[] = {
    "{\"client_id\":\"0d8c2a1e-0d8c-4a1e-8d8c-0d8c2a1e0d8c\",\"to\":[\"A\"],\"body\":\"bad \xff\xfe\"}",
    "{\"client_id\":\"0d8c2a1e-0d8c-4a1e-8d8c-0d8c2a1e0d8c\",\"to\":[\"A\"],\"body\":\"overlong \xc0\xaf\"}",
    "{\"client_id\":\"0d8c2a1e-0d8c-4a1e-8d8c-0d8c2a1e0d8c\",\"to\":[\"A\"],\"body\":\"cut \xe2\x98\"}",
    "{\"client_id\":\"0d8c2a1e-0d8c-4a1e-8d8c-0d8c2a1e0d8c\",\"to\":[\"A\xff\"],\"body\":\"x\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(JsonNode) answer = NULL;
      guint status = 0;

      answer = tc_test_request_raw (f->server, "POST", "/api/v1/messages", b, bodies[i],
                                    strlen (bodies[i]), &status);
      g_test_message ("case %u", i);
      g_assert_cmpuint (status, ==, 400);
      tc_test_assert_error (answer, "invalid_request");
    }
  g_assert_cmpuint (history_length (f, b, "A"), ==, 0);
}

static char *
repeat (const char *unit,
        guint       times)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < times; i++)
    g_string_append (text, unit);
  return g_string_free (text, FALSE);
}

static void
test_send_too_long (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *ascii_4001 = repeat ("a", 4001);
  g_autofree char *accents_4001 = repeat ("é", 4001);
  g_autofree char *accents_4000 = repeat ("é", 4000);
  g_autofree char *ascii_4000 = repeat ("a", 4000);
  guint status = 0;

  {
    g_autofree char *client_id = tc_test_uuid ();
    g_autoptr(JsonNode) answer = tc_test_send_message (f->server, a, client_id, TO ("B"),
                                                       ascii_4001, &status);

    g_assert_cmpuint (status, ==, 413);
    tc_test_assert_error (answer, "too_large");
  }
  {
    g_autofree char *client_id = tc_test_uuid ();
    g_autoptr(JsonNode) answer = tc_test_send_message (f->server, a, client_id, TO ("B"),
                                                       accents_4001, &status);

    g_assert_cmpuint (status, ==, 413);
    tc_test_assert_error (answer, "too_large");
  }
  g_assert_cmpuint (history_length (f, a, "B"), ==, 0);

  /* The limit counts characters, not bytes: 4,000 two-byte characters fit. */
  {
    g_autofree char *client_id = tc_test_uuid ();
    g_autoptr(JsonNode) answer = tc_test_send_message (f->server, a, client_id, TO ("B"),
                                                       accents_4000, &status);
    JsonObject *message;

    g_assert_cmpuint (status, ==, 201);
    message = json_array_get_object_element (tc_test_get_array (tc_test_object (answer),
                                                                "messages"), 0);
    g_assert_cmpstr (tc_test_get_string (message, "body"), ==, accents_4000);
  }
  {
    g_autofree char *client_id = tc_test_uuid ();
    g_autoptr(JsonNode) answer = tc_test_send_message (f->server, a, client_id, TO ("B"),
                                                       ascii_4000, &status);

    g_assert_cmpuint (status, ==, 201);
  }
  g_assert_cmpuint (history_length (f, a, "B"), ==, 2);
}

/* A valid message padded with spaces to exactly @size bytes. */
static char *
padded_request (const char *client_id,
                gsize       size)
{
  g_autofree char *json = tc_test_message_json (client_id, TO ("B"), "padded", NULL);
  GString *text = g_string_new (NULL);
  gsize len = strlen (json);

  g_assert_cmpuint (size, >, len);
  g_string_append_len (text, json, len - 1);    /* without the closing brace */
  while (text->len < size - 1)
    g_string_append_c (text, ' ');
  g_string_append_c (text, '}');
  g_assert_cmpuint (text->len, ==, size);
  return g_string_free (text, FALSE);
}

static void
test_send_request_too_large (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *first_id = tc_test_uuid ();
  g_autofree char *second_id = tc_test_uuid ();
  g_autofree char *third_id = tc_test_uuid ();
  g_autofree char *over = padded_request (first_id, 64 * 1024 + 1);
  g_autofree char *way_over = padded_request (second_id, 256 * 1024);
  g_autofree char *at_limit = padded_request (third_id, 64 * 1024);
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(JsonNode) answer2 = NULL;
  g_autoptr(JsonNode) answer3 = NULL;

  answer = expect_code (f, "POST", "/api/v1/messages", a, over, 413, "too_large");
  answer2 = expect_code (f, "POST", "/api/v1/messages", a, way_over, 413, "too_large");
  g_assert_cmpuint (history_length (f, a, "B"), ==, 0);
  /* 64 KiB itself is not over the limit. */
  answer3 = expect (f, "POST", "/api/v1/messages", a, at_limit, 201);
  g_assert_cmpuint (history_length (f, a, "B"), ==, 1);
}

static void
test_send_empty (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *client_id = tc_test_uuid ();
  g_autofree char *no_body = tc_test_message_json (client_id, TO ("B"), NULL, NULL);
  g_autofree char *empty_body = tc_test_message_json (client_id, TO ("B"), "", NULL);
  g_autofree char *empty_both = tc_test_message_json (client_id, TO ("B"), "",
                                                      (const char *[]) { NULL });
  const char *bodies[] = { no_body, empty_body, empty_both };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(JsonNode) answer = NULL;

      g_test_message ("body %s", bodies[i]);
      answer = expect_code (f, "POST", "/api/v1/messages", a, bodies[i], 400, "invalid_request");
    }
  g_assert_cmpuint (history_length (f, a, "B"), ==, 0);
}

static void
test_send_unknown_attachment (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *client_id = tc_test_uuid ();
  g_autofree char *with_body = tc_test_message_json (client_id, TO ("B"), "see attached",
                                                     TO ("no-such-resource"));
  g_autofree char *without_body = tc_test_message_json (client_id, TO ("B"), NULL,
                                                        TO ("no-such-resource"));
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(JsonNode) answer2 = NULL;

  answer = expect_code (f, "POST", "/api/v1/messages", a, with_body, 400, "invalid_request");
  answer2 = expect_code (f, "POST", "/api/v1/messages", a, without_body, 400, "invalid_request");
  g_assert_cmpuint (history_length (f, a, "B"), ==, 0);
}

static void
test_send_unauthorized (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *client_id = tc_test_uuid ();
  g_autofree char *body = tc_test_message_json (client_id, TO ("B"), "hi", NULL);
  const char *authorizations[] = {
    NULL,
    "Bearer tc1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "Bearer not-a-token",
    "Bearer ",
    "Basic YWxpY2U6cGFzc3dvcmQtQQ==",
    "tc1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
  };

  for (guint i = 0; i < G_N_ELEMENTS (authorizations); i++)
    {
      g_autoptr(TcTestResponse) response = NULL;

      g_test_message ("Authorization: %s", authorizations[i] ? authorizations[i] : "(none)");
      response = tc_test_send (f->server, "POST", "/api/v1/messages", authorizations[i],
                               "application/json", body, -1);
      g_assert_cmpuint (response->status, ==, 401);
      tc_test_assert_error (response->json, "unauthorized");
    }
  g_assert_cmpuint (history_length (f, a, "B"), ==, 0);
}

#define MESSAGE_LIMIT_CONFIG "[limits]\nmessages_per_minute=5\n"

static void
test_send_rate_limit (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *c = tc_test_login_as (f->server, "C");
  g_autofree char *client_id = tc_test_uuid ();
  g_autofree char *body = tc_test_message_json (client_id, TO ("B"), "one too many", NULL);
  g_autoptr(TcTestResponse) response = NULL;
  const char *retry_after;
  guint64 seconds = 0;

  for (guint i = 0; i < 5; i++)
    send_one (f, a, "B", "within the limit");

  {
    g_autofree char *authorization = g_strconcat ("Bearer ", a, NULL);

    response = tc_test_send (f->server, "POST", "/api/v1/messages", authorization,
                             "application/json", body, -1);
  }
  g_assert_cmpuint (response->status, ==, 429);
  tc_test_assert_error (response->json, "rate_limited");
  retry_after = soup_message_headers_get_one (response->headers, "Retry-After");
  g_assert_nonnull (retry_after);
  g_assert_true (g_ascii_string_to_unsigned (retry_after, 10, 1, 3600, &seconds, NULL));
  g_assert_cmpuint (history_length (f, a, "B"), ==, 5);

  /* The limit is per associate. */
  send_one (f, c, "A", "I have my own budget");
}

/* --- history ---------------------------------------------------------------------------- */

static void
assert_page (JsonNode     *answer,
             const gint64 *expected,
             guint         n_expected,
             gboolean      more)
{
  JsonObject *object = tc_test_object (answer);
  JsonArray *messages = tc_test_get_array (object, "messages");

  g_assert_cmpuint (json_array_get_length (messages), ==, n_expected);
  for (guint i = 0; i < n_expected; i++)
    g_assert_cmpint (tc_test_get_int (json_array_get_object_element (messages, i), "id"), ==,
                     expected[i]);
  g_assert_cmpint (tc_test_get_bool (object, "more"), ==, more);
}

static void
test_history_paging (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *b = tc_test_login_as (f->server, "B");
  g_autofree char *c = tc_test_login_as (f->server, "C");
  gint64 ids[7];
  gint64 newest_first[7];
  g_autofree char *path = NULL;

  for (guint i = 0; i < 7; i++)
    {
      g_autofree char *text = g_strdup_printf ("message %u", i);

      ids[i] = send_one (f, i % 2 == 0 ? a : b, i % 2 == 0 ? "B" : "A", text);
      if (i > 0)
        g_assert_cmpint (ids[i], >, ids[i - 1]);
      if (i == 3)
        send_one (f, a, "C", "another conversation");
    }
  for (guint i = 0; i < 7; i++)
    newest_first[i] = ids[6 - i];

  {
    g_autoptr(JsonNode) all = expect (f, "GET", "/api/v1/conversations/B/messages", a, NULL, 200);
    g_autoptr(JsonNode) theirs = expect (f, "GET", "/api/v1/conversations/A/messages", b, NULL,
                                         200);

    assert_page (all, newest_first, 7, FALSE);
    assert_page (theirs, newest_first, 7, FALSE);
  }
  {
    g_autoptr(JsonNode) page = expect (f, "GET", "/api/v1/conversations/B/messages?limit=3", a,
                                       NULL, 200);

    assert_page (page, newest_first, 3, TRUE);
  }
  {
    g_autoptr(JsonNode) page = NULL;

    path = g_strdup_printf ("/api/v1/conversations/B/messages?before=%" G_GINT64_FORMAT "&limit=3",
                            newest_first[2]);
    page = expect (f, "GET", path, a, NULL, 200);
    assert_page (page, newest_first + 3, 3, TRUE);
    g_clear_pointer (&path, g_free);
  }
  {
    g_autoptr(JsonNode) page = NULL;

    path = g_strdup_printf ("/api/v1/conversations/B/messages?before=%" G_GINT64_FORMAT "&limit=3",
                            newest_first[5]);
    page = expect (f, "GET", path, a, NULL, 200);
    assert_page (page, newest_first + 6, 1, FALSE);
    g_clear_pointer (&path, g_free);
  }
  {
    /* Exactly everything: nothing more. */
    g_autoptr(JsonNode) page = expect (f, "GET", "/api/v1/conversations/B/messages?limit=7", a,
                                       NULL, 200);

    assert_page (page, newest_first, 7, FALSE);
  }
  {
    g_autoptr(JsonNode) page = NULL;

    path = g_strdup_printf ("/api/v1/conversations/B/messages?before=%" G_GINT64_FORMAT,
                            newest_first[6]);
    page = expect (f, "GET", path, a, NULL, 200);
    assert_page (page, NULL, 0, FALSE);
  }
}

static void
test_history_forbidden (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *b = tc_test_login_as (f->server, "B");
  g_autofree char *g = tc_test_login_as (f->server, "G");
  g_autoptr(JsonNode) sibling = expect_code (f, "GET", "/api/v1/conversations/C/messages", b, NULL,
                                             403, "forbidden");
  g_autoptr(JsonNode) alone = expect_code (f, "GET", "/api/v1/conversations/A/messages", g, NULL,
                                           403, "forbidden");
}

/* --- read ---------------------------------------------------------------------------------- */

static void
assert_read_flags (Fixture        *f,
                   const char     *token,
                   const char     *peer,
                   const gint64   *ids,
                   const gboolean *read,
                   guint           n)
{
  g_autoptr(JsonArray) history = tc_test_history (f->server, token, peer);

  for (guint i = 0; i < n; i++)
    {
      JsonObject *message = find_message (history, ids[i]);

      g_assert_nonnull (message);
      g_test_message ("message %" G_GINT64_FORMAT " read: %d", ids[i], read[i]);
      g_assert_cmpint (tc_test_get_bool (message, "read"), ==, read[i]);
    }
}

static void
test_read (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *b = tc_test_login_as (f->server, "B");
  g_autofree char *body = NULL;
  gint64 ids[4];

  ids[0] = send_one (f, b, "A", "one");
  ids[1] = send_one (f, b, "A", "two");
  ids[2] = send_one (f, b, "A", "three");
  ids[3] = send_one (f, a, "B", "from A");

  body = g_strdup_printf ("{\"peer\":\"B\",\"up_to\":%" G_GINT64_FORMAT "}", ids[1]);
  expect_no_content (f, "POST", "/api/v1/read", a, body);
  {
    const gboolean read[] = { TRUE, TRUE, FALSE, FALSE };

    /* The sender sees the receipt; the reader sees it too. */
    assert_read_flags (f, b, "A", ids, read, 4);
    assert_read_flags (f, a, "B", ids, read, 4);
  }

  /* Markers only move forward. */
  g_free (body);
  body = g_strdup_printf ("{\"peer\":\"B\",\"up_to\":%" G_GINT64_FORMAT "}", ids[0]);
  expect_no_content (f, "POST", "/api/v1/read", a, body);
  {
    const gboolean read[] = { TRUE, TRUE, FALSE, FALSE };

    assert_read_flags (f, b, "A", ids, read, 4);
  }

  g_free (body);
  body = g_strdup_printf ("{\"peer\":\"B\",\"up_to\":%" G_GINT64_FORMAT "}", ids[2]);
  expect_no_content (f, "POST", "/api/v1/read", a, body);
  {
    /* A's own message is read only when B reads it. */
    const gboolean read[] = { TRUE, TRUE, TRUE, FALSE };

    assert_read_flags (f, b, "A", ids, read, 4);
  }

  g_free (body);
  body = g_strdup_printf ("{\"peer\":\"A\",\"up_to\":%" G_GINT64_FORMAT "}", ids[3]);
  expect_no_content (f, "POST", "/api/v1/read", b, body);
  {
    const gboolean read[] = { TRUE, TRUE, TRUE, TRUE };

    assert_read_flags (f, a, "B", ids, read, 4);
  }
}

static void
test_read_invalid (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *b = tc_test_login_as (f->server, "B");
  g_autofree char *c = tc_test_login_as (f->server, "C");
  g_autofree char *g = tc_test_login_as (f->server, "G");
  gint64 id = send_one (f, b, "A", "hello");
  g_autofree char *b_peer = g_strdup_printf ("{\"peer\":\"B\",\"up_to\":%" G_GINT64_FORMAT "}", id);
  g_autofree char *a_peer = g_strdup_printf ("{\"peer\":\"A\",\"up_to\":%" G_GINT64_FORMAT "}", id);
  const char *bad[] = {
    "{\"peer\":\"B\"}",
    "{\"up_to\":1}",
    "{\"peer\":\"B\",\"up_to\":\"1\"}",
    "{\"peer\":5,\"up_to\":1}",
    "{\"peer\":\"B\",\"up_to\":",
    "[]",
  };

  {
    /* C is not on B's team: 403, whatever the message. */
    g_autoptr(JsonNode) answer = expect_code (f, "POST", "/api/v1/read", c, b_peer, 403,
                                              "forbidden");
  }
  {
    g_autoptr(JsonNode) answer = expect_code (f, "POST", "/api/v1/read", g, a_peer, 403,
                                              "forbidden");
  }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonNode) answer = NULL;

      g_test_message ("body %s", bad[i]);
      answer = expect_code (f, "POST", "/api/v1/read", a, bad[i], 400, "invalid_request");
    }
  {
    const gboolean read[] = { FALSE };

    assert_read_flags (f, b, "A", &id, read, 1);
  }
}

static void
test_read_all (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *b = tc_test_login_as (f->server, "B");
  g_autofree char *c = tc_test_login_as (f->server, "C");
  gint64 from_b[2], from_c[1], from_a[1];

  from_b[0] = send_one (f, b, "A", "b1");
  from_b[1] = send_one (f, b, "A", "b2");
  from_c[0] = send_one (f, c, "A", "c1");
  from_a[0] = send_one (f, a, "B", "a1");

  expect_no_content (f, "POST", "/api/v1/read-all", a, NULL);
  {
    const gboolean read[] = { TRUE, TRUE };

    assert_read_flags (f, b, "A", from_b, read, 2);
    assert_read_flags (f, a, "B", from_b, read, 2);
  }
  {
    const gboolean read[] = { TRUE };

    assert_read_flags (f, c, "A", from_c, read, 1);
  }
  {
    /* What A sent is B's to read. */
    const gboolean read[] = { FALSE };

    assert_read_flags (f, b, "A", from_a, read, 1);
  }
}

/* --- sync ------------------------------------------------------------------------------------ */

typedef struct {
  GPtrArray *events;    /* (element-type JsonNode) */
  char      *cursor;
  guint      pages;
} SyncResult;

static void
sync_result_clear (SyncResult *result)
{
  g_clear_pointer (&result->events, g_ptr_array_unref);
  g_clear_pointer (&result->cursor, g_free);
}

/* Follows "more" from @since (NULL: a full sync) with pages of @limit. */
static void
sync_all (Fixture    *f,
          const char *token,
          const char *since,
          guint       limit,
          SyncResult *result)
{
  g_autofree char *cursor = g_strdup (since);
  gboolean more = TRUE;
  gint64 last_seq = 0;

  result->events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  result->pages = 0;
  while (more)
    {
      g_autofree char *path = NULL;
      g_autoptr(JsonNode) answer = NULL;
      JsonObject *object;
      JsonArray *events;
      guint stored = 0;

      if (cursor != NULL)
        {
          g_autofree char *escaped = g_uri_escape_string (cursor, NULL, FALSE);

          path = g_strdup_printf ("/api/v1/sync?since=%s&limit=%u", escaped, limit);
        }
      else
        {
          path = g_strdup_printf ("/api/v1/sync?limit=%u", limit);
        }
      answer = expect (f, "GET", path, token, NULL, 200);
      object = tc_test_object (answer);
      events = tc_test_get_array (object, "events");
      more = tc_test_get_bool (object, "more");
      g_assert_false (json_object_has_member (object, "reset") &&
                      tc_test_get_bool (object, "reset"));
      g_free (cursor);
      cursor = g_strdup (tc_test_get_string (object, "cursor"));
      result->pages++;
      g_assert_cmpuint (result->pages, <, 1000);
      if (more)
        {
          g_assert_cmpuint (json_array_get_length (events), >, 0);
          /* An unfinished sync says where the pages end, for progress. */
          g_assert_cmpint (g_ascii_strtoll (tc_test_get_string (object, "head"), NULL, 10), >=,
                           g_ascii_strtoll (cursor, NULL, 10));
        }

      for (guint i = 0; i < json_array_get_length (events); i++)
        {
          JsonObject *event = json_array_get_object_element (events, i);
          gint64 seq = tc_test_get_int (event, "seq");

          tc_test_get_string (event, "type");
          if (seq > 0)
            {
              /* The stored stream, in order, never repeated. */
              g_assert_cmpint (seq, >, last_seq);
              last_seq = seq;
              stored++;
            }
          g_ptr_array_add (result->events, json_node_copy (json_array_get_element (events, i)));
        }
      /* The snapshot of a full sync may come whole; stored events obey the limit. */
      g_assert_cmpuint (stored, <=, limit);
    }
  result->cursor = g_steal_pointer (&cursor);
}

static guint
count_events (SyncResult *result,
              const char *type)
{
  guint n = 0;

  for (guint i = 0; i < result->events->len; i++)
    if (g_str_equal (tc_test_get_string (tc_test_object (result->events->pdata[i]), "type"), type))
      n++;
  return n;
}

static JsonObject *
find_message_event (SyncResult *result,
                    gint64      id)
{
  for (guint i = 0; i < result->events->len; i++)
    {
      JsonObject *event = tc_test_object (result->events->pdata[i]);

      if (g_str_equal (tc_test_get_string (event, "type"), "message") &&
          tc_test_get_int (tc_test_get_object (event, "message"), "id") == id)
        return event;
    }
  return NULL;
}

/* GET @path as @token: the raw answer must be strict JSON (no control
 * character left bare: json-glib 1.6 wrote U+001F as is, and the app's
 * parser refused the whole page), holding @escaped (JSON text). */
static void
assert_strict_json_with (Fixture    *f,
                         const char *path,
                         const char *token,
                         const char *escaped)
{
  g_autofree char *authorization = g_strconcat ("Bearer ", token, NULL);
  g_autoptr(TcTestResponse) response = tc_test_send (f->server, "GET", path, authorization, NULL,
                                                     NULL, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  gsize len;
  const char *data = g_bytes_get_data (response->body, &len);

  g_assert_cmpuint (response->status, ==, 200);
  for (gsize i = 0; i < len; i++)
    g_assert_cmpuint ((guchar) data[i], >=, 0x20);
  node = tc_json_parse (data, (gssize) len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_assert_nonnull (g_strstr_len (data, (gssize) len, escaped));
}

/* A body with control characters (escaped, as JSON wants them) is kept
 * as sent and comes back as strict JSON everywhere it is read. */
static void
test_control_characters (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *b = tc_test_login_as (f->server, "B");
  const char *request =
    "{\"client_id\":\"0190a0a0-0000-7000-8000-00000000001f\",\"to\":[\"B\"],"
    "\"body\":\"unit\\u001fseparator \\u0001 bell\\u0007 tab\\t del\\u007f caf\\u00e9\"}";
  const char *expected = "unit\x1fseparator \x01 bell\x07 tab\t del\x7f caf\xc3\xa9";
  const char *escaped = "unit\\u001fseparator \\u0001 bell\\u0007 tab\\t del\\u007f caf\xc3\xa9";
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(JsonArray) history = NULL;
  guint status = 0;

  answer = tc_test_request (f->server, "POST", "/api/v1/messages", a, request, &status);
  g_assert_cmpuint (status, ==, 201);
  history = tc_test_history (f->server, b, "A");
  g_assert_cmpuint (json_array_get_length (history), ==, 1);
  g_assert_cmpstr (tc_test_get_string (json_array_get_object_element (history, 0), "body"), ==,
                   expected);

  assert_strict_json_with (f, "/api/v1/sync", b, escaped);
  assert_strict_json_with (f, "/api/v1/conversations/A/messages", b, escaped);
}

static void
test_sync_full (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *b = tc_test_login_as (f->server, "B");
  g_autofree char *d = tc_test_login_as (f->server, "D");
  g_autofree char *e = tc_test_login_as (f->server, "E");
  g_autofree char *read_body = NULL;
  g_autoptr(GPtrArray) members = g_ptr_array_new ();
  SyncResult result = { NULL, };
  gint64 ids[6];
  guint preferences = 0;

  ids[0] = send_one (f, a, "B", "to B");
  ids[1] = send_one (f, a, "C", "to C");
  ids[2] = send_one (f, d, "A", "from D");
  ids[3] = send_one (f, e, "A", "from E");
  ids[4] = send_one (f, b, "A", "from B");
  ids[5] = send_one (f, b, "D", "not A's business");
  read_body = g_strdup_printf ("{\"peer\":\"D\",\"up_to\":%" G_GINT64_FORMAT "}", ids[2]);
  expect_no_content (f, "POST", "/api/v1/read", a, read_body);

  sync_all (f, a, NULL, 2, &result);
  g_assert_cmpuint (result.pages, >=, 2);
  g_assert_nonnull (result.cursor);

  for (guint i = 0; i < result.events->len; i++)
    {
      JsonObject *event = tc_test_object (result.events->pdata[i]);
      const char *type = tc_test_get_string (event, "type");

      gint64 seq = tc_test_get_int (event, "seq");

      /* The snapshot (seq 0) first, then the stored stream, which may
       * hold member and preferences events of its own. */
      if (seq == 0)
        g_assert_true (g_str_equal (type, "member") || g_str_equal (type, "preferences"));
      if (g_str_equal (type, "member"))
        {
          JsonObject *member = tc_test_get_object (event, "member");

          assert_associate_shape (member);
          g_assert_true (is_team ("A", tc_test_get_string (member, "id")));
          if (seq == 0)
            g_ptr_array_add (members, (gpointer) tc_test_get_string (member, "id"));
        }
      else if (g_str_equal (type, "preferences"))
        {
          if (seq == 0)
            preferences++;
          g_assert_cmpstr (tc_test_get_string (tc_test_get_object (event, "preferences"),
                                               "offline_channel"), ==, "email");
        }
      else if (g_str_equal (type, "message"))
        {
          JsonObject *message = tc_test_get_object (event, "message");

          assert_message_shape (message);
          g_assert_true (g_str_equal (tc_test_get_string (message, "from"), "A") ||
                         g_str_equal (tc_test_get_string (message, "to"), "A"));
        }
    }
  g_ptr_array_add (members, NULL);
  {
    /* The snapshot has each team member once, and no one else. */
    g_autoptr(JsonArray) as_array = json_array_new ();

    for (guint i = 0; members->pdata[i] != NULL; i++)
      json_array_add_string_element (as_array, members->pdata[i]);
    tc_test_assert_id_set (as_array, NULL, TO ("B", "C", "D", "E", "F"));
  }
  g_assert_cmpuint (preferences, ==, 1);

  /* Every message A sent or received, and only those. */
  for (guint i = 0; i < 5; i++)
    g_assert_nonnull (find_message_event (&result, ids[i]));
  g_assert_null (find_message_event (&result, ids[5]));
  g_assert_cmpuint (count_events (&result, "read"), >=, 1);
  {
    /* Stored message events render the message as it is now. */
    JsonObject *event = find_message_event (&result, ids[2]);

    g_assert_true (tc_test_get_bool (tc_test_get_object (event, "message"), "read"));
  }
  sync_result_clear (&result);

  /* Presence is live only: never in sync. */
  sync_all (f, a, NULL, 1000, &result);
  g_assert_cmpuint (count_events (&result, "presence"), ==, 0);
  g_assert_cmpuint (result.pages, ==, 1);
  sync_result_clear (&result);
}

static void
test_sync_since (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *b = tc_test_login_as (f->server, "B");
  g_autofree char *read_body = NULL;
  g_autofree char *cursor = NULL;
  g_autofree char *b_cursor = NULL;
  SyncResult result = { NULL, };
  gint64 id;

  send_one (f, a, "B", "before the cursor");
  sync_all (f, a, NULL, 500, &result);
  cursor = g_strdup (result.cursor);
  sync_result_clear (&result);
  sync_all (f, b, NULL, 500, &result);
  b_cursor = g_strdup (result.cursor);
  sync_result_clear (&result);

  /* Nothing new yet. */
  sync_all (f, a, cursor, 500, &result);
  g_assert_cmpuint (result.events->len, ==, 0);
  g_assert_cmpuint (result.pages, ==, 1);
  sync_result_clear (&result);

  id = send_one (f, b, "A", "after the cursor");
  sync_all (f, a, cursor, 500, &result);
  g_assert_cmpuint (result.events->len, ==, 1);
  {
    JsonObject *event = find_message_event (&result, id);

    g_assert_nonnull (event);
    g_assert_cmpint (tc_test_get_int (event, "seq"), >, 0);
    g_assert_cmpstr (tc_test_get_string (tc_test_get_object (event, "message"), "body"), ==,
                     "after the cursor");
  }
  g_free (cursor);
  cursor = g_strdup (result.cursor);
  sync_result_clear (&result);

  /* A reads: A's stream and B's (a read receipt) get a read event. */
  read_body = g_strdup_printf ("{\"peer\":\"B\",\"up_to\":%" G_GINT64_FORMAT "}", id);
  expect_no_content (f, "POST", "/api/v1/read", a, read_body);
  sync_all (f, a, cursor, 500, &result);
  g_assert_cmpuint (count_events (&result, "read"), ==, 1);
  g_assert_cmpuint (count_events (&result, "member"), ==, 0);
  g_free (cursor);
  cursor = g_strdup (result.cursor);
  sync_result_clear (&result);

  sync_all (f, b, b_cursor, 500, &result);
  g_assert_nonnull (find_message_event (&result, id));
  g_assert_cmpuint (count_events (&result, "read"), ==, 1);
  for (guint i = 0; i < result.events->len; i++)
    {
      JsonObject *event = tc_test_object (result.events->pdata[i]);

      if (g_str_equal (tc_test_get_string (event, "type"), "read"))
        {
          g_assert_cmpstr (tc_test_get_string (event, "by"), ==, "A");
          g_assert_cmpstr (tc_test_get_string (event, "peer"), ==, "B");
          g_assert_cmpint (tc_test_get_int (event, "up_to"), ==, id);
        }
    }
  sync_result_clear (&result);

  /* Preferences changes are events too. */
  {
    g_autoptr(JsonNode) answer = expect (f, "PATCH", "/api/v1/me/preferences", a,
                                         "{\"offline_channel\":\"sms\"}", 200);
  }
  sync_all (f, a, cursor, 500, &result);
  g_assert_cmpuint (result.events->len, ==, 1);
  {
    JsonObject *event = tc_test_object (result.events->pdata[0]);

    g_assert_cmpstr (tc_test_get_string (event, "type"), ==, "preferences");
    g_assert_cmpint (tc_test_get_int (event, "seq"), >, 0);
    g_assert_cmpstr (tc_test_get_string (tc_test_get_object (event, "preferences"),
                                         "offline_channel"), ==, "sms");
  }
  sync_result_clear (&result);
}

static void
test_sync_malformed_since (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  const char *paths[] = {
    "/api/v1/sync?since=garbage",
    "/api/v1/sync?since=12abc",
    "/api/v1/sync?since=-5",
    "/api/v1/sync?since=%7B%7D",
  };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(JsonNode) answer = NULL;

      g_test_message ("%s", paths[i]);
      answer = expect_code (f, "GET", paths[i], a, NULL, 400, "invalid_request");
    }
}

/* --- every endpoint ------------------------------------------------------------------------ */

static const struct {
  const char *method;
  const char *path;
  const char *body;
} authenticated_endpoints[] = {
  { "DELETE", "/api/v1/session", NULL },
  { "GET", "/api/v1/me", NULL },
  { "PATCH", "/api/v1/me/preferences", "{\"offline_channel\":\"sms\"}" },
  { "GET", "/api/v1/team", NULL },
  { "GET", "/api/v1/team?q=a", NULL },
  { "GET", "/api/v1/team/B", NULL },
  { "POST", "/api/v1/messages",
    "{\"client_id\":\"0d8c2a1e-0d8c-4a1e-8d8c-0d8c2a1e0d8c\",\"to\":[\"B\"],\"body\":\"x\"}" },
  { "GET", "/api/v1/conversations/B/messages", NULL },
  { "GET", "/api/v1/conversations/B/messages?before=5&limit=2", NULL },
  { "POST", "/api/v1/read", "{\"peer\":\"B\",\"up_to\":1}" },
  { "POST", "/api/v1/read-all", NULL },
  { "GET", "/api/v1/sync", NULL },
  { "GET", "/api/v1/sync?since=0&limit=5", NULL },
};

static const struct {
  const char *method;
  const char *path;
  const char *body;
} media_endpoints[] = {
  { "GET", "/api/v1/media/categories", NULL },
  { "GET", "/api/v1/media/folders/some-folder", NULL },
  { "GET", "/api/v1/media/search?q=brochure", NULL },
  { "GET", "/api/v1/media/resources/some-resource/content", NULL },
};

static void
check_unauthorized (Fixture    *f,
                    const char *method,
                    const char *path,
                    const char *body)
{
  const char *authorizations[] = {
    NULL,
    "Bearer tc1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "Bearer",
    "Basic YWxpY2U6cGFzc3dvcmQtQQ==",
  };

  for (guint i = 0; i < G_N_ELEMENTS (authorizations); i++)
    {
      g_autoptr(TcTestResponse) response = NULL;

      g_test_message ("%s %s with %s", method, path,
                      authorizations[i] ? authorizations[i] : "no Authorization");
      response = tc_test_send (f->server, method, path, authorizations[i], "application/json",
                               body, body ? -1 : 0);
      g_assert_cmpuint (response->status, ==, 401);
      tc_test_assert_error (response->json, "unauthorized");
    }
}

static void
test_unauthorized_everywhere (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *logged_out = tc_test_login_as (f->server, "A");

  expect_no_content (f, "DELETE", "/api/v1/session", logged_out, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (authenticated_endpoints); i++)
    {
      g_autoptr(JsonNode) answer = NULL;

      check_unauthorized (f, authenticated_endpoints[i].method, authenticated_endpoints[i].path,
                          authenticated_endpoints[i].body);
      answer = expect_code (f, authenticated_endpoints[i].method, authenticated_endpoints[i].path,
                            logged_out, authenticated_endpoints[i].body, 401, "unauthorized");
    }
  /* None of it did anything. */
  g_assert_cmpuint (history_length (f, a, "B"), ==, 0);
  g_assert_cmpstr (channel_of (f, a), ==, "email");
}

static void
test_unauthorized_media (Fixture       *f,
                         gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (media_endpoints); i++)
    check_unauthorized (f, media_endpoints[i].method, media_endpoints[i].path,
                        media_endpoints[i].body);
}

static void
test_method_not_allowed (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  const struct {
    const char *method;
    const char *path;
  } cases[] = {
    { "GET", "/api/v1/session" },
    { "PUT", "/api/v1/session" },
    { "POST", "/api/v1/me" },
    { "DELETE", "/api/v1/me" },
    { "GET", "/api/v1/me/preferences" },
    { "POST", "/api/v1/team" },
    { "DELETE", "/api/v1/team/B" },
    { "GET", "/api/v1/messages" },
    { "PUT", "/api/v1/messages" },
    { "POST", "/api/v1/conversations/B/messages" },
    { "GET", "/api/v1/read" },
    { "GET", "/api/v1/read-all" },
    { "POST", "/api/v1/sync" },
    { "POST", "/api/v1/health" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) answer = NULL;

      g_test_message ("%s %s", cases[i].method, cases[i].path);
      answer = expect_code (f, cases[i].method, cases[i].path, a,
                            g_str_equal (cases[i].method, "GET") ? NULL : "{}", 405,
                            "method_not_allowed");
    }
}

/* RFC 9110 §15.5.6: a 405 answer lists the allowed methods. */
static void
test_method_not_allowed_allow_header (Fixture       *f,
                                      gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  g_autofree char *authorization = g_strconcat ("Bearer ", a, NULL);
  g_autoptr(TcTestResponse) response = NULL;
  const char *allow;

  response = tc_test_send (f->server, "GET", "/api/v1/messages", authorization, NULL, NULL, 0);
  g_assert_cmpuint (response->status, ==, 405);
  allow = soup_message_headers_get_list (response->headers, "Allow");
  g_assert_nonnull (allow);
  g_assert_nonnull (strstr (allow, "POST"));
}

static void
test_not_found (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *a = tc_test_login_as (f->server, "A");
  const char *paths[] = {
    "/api/v1/nope",
    "/api/v1/team/A/extra",
    "/api/v1/conversations/B",
    "/api/v2/me",
    "/api/v1",
    "/nope",
  };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(JsonNode) answer = NULL;

      g_test_message ("GET %s", paths[i]);
      answer = expect_code (f, "GET", paths[i], a, NULL, 404, "not_found");
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
#define ADD_WITH_CONFIG(path, config, func) \
  g_test_add (path, Fixture, config, fixture_setup, func, fixture_teardown)

  ADD ("/api/health", test_health);
  ADD ("/api/healthz", test_healthz);
  ADD ("/api/session/login", test_login_ok);
  ADD ("/api/session/wrong-password", test_login_wrong_password);
  ADD ("/api/session/missing-fields", test_login_missing_fields);
  ADD_WITH_CONFIG ("/api/session/rate-limit", LOGIN_LIMIT_CONFIG, test_login_rate_limit);
  ADD ("/api/session/logout", test_logout);
  ADD ("/api/me", test_me);
  ADD ("/api/me/preferences", test_preferences);
  ADD ("/api/team/list", test_team_list);
  ADD ("/api/team/query", test_team_query);
  ADD ("/api/team/dashboard", test_team_dashboard);
  ADD ("/api/team/dashboard-not-found", test_team_dashboard_not_found);
  ADD ("/api/team/rule-matrix", test_team_rule_matrix);
  ADD ("/api/messages/send-one", test_send_one);
  ADD ("/api/messages/send-many", test_send_many);
  ADD ("/api/messages/idempotent", test_send_idempotent);
  ADD ("/api/messages/unknown-recipient", test_send_unknown_recipient);
  ADD ("/api/messages/off-team", test_send_off_team);
  ADD ("/api/messages/to-self", test_send_to_self);
  ADD ("/api/messages/malformed-json", test_send_malformed);
  ADD ("/api/messages/wrong-types", test_send_wrong_types);
  ADD ("/api/messages/invalid-utf8", test_send_invalid_utf8);
  ADD ("/api/messages/body-too-long", test_send_too_long);
  ADD ("/api/messages/request-too-large", test_send_request_too_large);
  ADD ("/api/messages/empty", test_send_empty);
  ADD ("/api/messages/unknown-attachment", test_send_unknown_attachment);
  ADD ("/api/messages/unauthorized", test_send_unauthorized);
  ADD_WITH_CONFIG ("/api/messages/rate-limit", MESSAGE_LIMIT_CONFIG, test_send_rate_limit);
  ADD ("/api/history/paging", test_history_paging);
  ADD ("/api/history/forbidden", test_history_forbidden);
  ADD ("/api/read/mark", test_read);
  ADD ("/api/read/invalid", test_read_invalid);
  ADD ("/api/read/all", test_read_all);
  ADD ("/api/sync/full", test_sync_full);
  ADD ("/api/sync/control-characters", test_control_characters);
  ADD ("/api/sync/since", test_sync_since);
  ADD ("/api/sync/malformed-since", test_sync_malformed_since);
  ADD ("/api/errors/unauthorized", test_unauthorized_everywhere);
  ADD ("/api/errors/unauthorized-media", test_unauthorized_media);
  ADD ("/api/errors/method-not-allowed", test_method_not_allowed);
  ADD ("/api/errors/method-not-allowed-allow-header", test_method_not_allowed_allow_header);
  ADD ("/api/errors/not-found", test_not_found);

  return g_test_run ();
}
