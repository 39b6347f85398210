/* test-store.c: the store — team rule, messages, read markers, sync,
 * retention, migrations and concurrent writers, on real databases: SQLite
 * files, or PostgreSQL databases with TEAMCHAT_TEST_DB=postgresql. */
#include "config.h"

#include <glib/gstdio.h>

#include "tc-error.h"
#include "tc-import-row.h"
#include "tc-pg-store.h"
#include "tc-sqlite-schema.h"
#include "tc-sqlite-store-private.h"
#include "tc-sqlite-store.h"
#include "tc-sqlite.h"
#include "tc-store-open.h"
#include "tc-test-server.h"
#include "tc-uuid.h"

#define DAY ((gint64) 24 * 60 * 60 * G_USEC_PER_SEC)

/*
 * The test team:
 *
 *   sponsor tree        A ─┬─ B ── D           G (another company tree)
 *                          ├─ C ── E
 *                          └─ F
 *   enroller tree       same, except D is enrolled by C and F by E.
 *
 * Team pairs: A with everyone but G; B–D; C–D (enroller); C–E; E–F
 * (enroller); C–F (F's enroller E was enrolled by C). Not team: B–C
 * (siblings), B–E, B–F, D–E, D–F, anyone–G.
 */
static const struct {
  const char *id, *sponsor, *enroller;
} tree[] = {
  { "A", NULL, NULL },
  { "B", "A", "A" },
  { "C", "A", "A" },
  { "D", "B", "C" },
  { "E", "C", "C" },
  { "F", "A", "E" },
  { "G", NULL, NULL },
};

typedef struct {
  char          *dir;
  char          *path;        /* SQLite file or PostgreSQL URI */
  TcStore       *store;
  GMutex         mutex;
  GPtrArray     *sunk_seqs;   /* of message events: gint64 as pointers, in sink order */
  GPtrArray     *sunk_ids;    /* the streams of sunk_seqs (char *) */
  GPtrArray     *sunk;        /* "stream seq message-id" of each message event, in sink order */
} Fixture;

/* A serving process's store: on PostgreSQL it listens for the events of
 * connected streams. */
static TcStore *
open_store (Fixture  *fixture,
            GError  **error)
{
  TcStoreOptions options = { 0, TRUE, 1, 3 };

  return tc_store_open (fixture->path, &options, error);
}

static TcImportRow *
make_row (const char *id,
          const char *sponsor,
          const char *enroller,
          guint       line)
{
  TcImportRow *row = tc_import_row_new ();   /* comes with an empty associate */

  row->associate->id = g_strdup (id);
  row->associate->name = g_strdup_printf ("Associate %s", id);
  row->associate->email = g_strdup_printf ("%s@example.com", id);
  row->associate->sponsor_id = g_strdup (sponsor);
  row->associate->enroller_id = g_strdup (enroller);
  row->associate->offline_channel = g_strdup ("email");
  row->login = g_ascii_strdown (id, -1);
  row->password = g_strdup ("password-123");
  row->line = line;
  return row;
}

static GPtrArray *
tree_rows (void)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_import_row_free);

  for (guint i = 0; i < G_N_ELEMENTS (tree); i++)
    g_ptr_array_add (rows, make_row (tree[i].id, tree[i].sponsor, tree[i].enroller, i + 2));
  return rows;
}

static void
sink_cb (GPtrArray *events,
         gpointer   user_data)
{
  Fixture *fixture = user_data;

  g_mutex_lock (&fixture->mutex);
  for (guint i = 0; i < events->len; i++)
    {
      TcStreamEvent *stream_event = g_ptr_array_index (events, i);

      /* (A shared store may still hand over the import's member events.) */
      if (stream_event->event->type != TC_EVENT_MESSAGE)
        continue;
      g_ptr_array_add (fixture->sunk_seqs, GSIZE_TO_POINTER (stream_event->event->seq));
      g_ptr_array_add (fixture->sunk,
                       g_strdup_printf ("%s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT,
                                        stream_event->associate_id, stream_event->event->seq,
                                        stream_event->event->message != NULL
                                          ? stream_event->event->message->id : 0));
      g_ptr_array_add (fixture->sunk_ids, g_strdup (stream_event->associate_id));
    }
  g_mutex_unlock (&fixture->mutex);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = tree_rows ();
  TcImportResult result = { 0, 0 };

  fixture->dir = g_dir_make_tmp ("tc-store-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->path = tc_test_db_new (fixture->dir, &error);
  g_assert_no_error (error);
  fixture->store = open_store (fixture, &error);
  g_assert_no_error (error);
  g_mutex_init (&fixture->mutex);
  fixture->sunk_seqs = g_ptr_array_new ();
  fixture->sunk = g_ptr_array_new_with_free_func (g_free);
  fixture->sunk_ids = g_ptr_array_new_with_free_func (g_free);
  tc_store_set_event_sink (TC_STORE (fixture->store), sink_cb, fixture);

  g_assert_true (tc_store_import_associates (TC_STORE (fixture->store), rows, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.created, ==, G_N_ELEMENTS (tree));
  g_assert_cmpuint (result.updated, ==, 0);
}

static void
remove_tree (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  tc_store_set_event_sink (TC_STORE (fixture->store), NULL, NULL);
  g_clear_object (&fixture->store);
  remove_tree (fixture->dir);
  tc_test_db_drop (fixture->path);
  g_free (fixture->dir);
  g_free (fixture->path);
  g_ptr_array_unref (fixture->sunk_seqs);
  g_ptr_array_unref (fixture->sunk);
  g_ptr_array_unref (fixture->sunk_ids);
  g_mutex_clear (&fixture->mutex);
}

static GPtrArray *
send (Fixture     *fixture,
      const char  *from,
      const char  *to_csv,
      const char  *body,
      const char  *client_id,
      gint64       when,
      gboolean    *created,
      GError     **error)
{
  g_autoptr(TcSendRequest) request = tc_send_request_new ();
  g_auto(GStrv) to = g_strsplit (to_csv, ",", -1);

  request->client_id = client_id ? g_strdup (client_id) : tc_uuid_new ();
  for (guint i = 0; to[i] != NULL; i++)
    g_ptr_array_add (request->to, g_strdup (to[i]));
  g_free (request->body);
  request->body = g_strdup (body);
  return tc_store_send_messages (TC_STORE (fixture->store), from, request,
                                 when ? when : g_get_real_time (), created, error);
}

static guint
history_len (Fixture    *fixture,
             const char *a,
             const char *b)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  gboolean more = FALSE;

  messages = tc_store_list_messages (TC_STORE (fixture->store), a, b, 0, 1000, &more, &error);
  g_assert_no_error (error);
  return messages->len;
}

/* --- team rule ------------------------------------------------------------- */

static void
test_team_rule (Fixture       *fixture,
                gconstpointer  data)
{
  static const struct { const char *a, *b; gboolean team; } pairs[] = {
    { "A", "B", TRUE }, { "B", "A", TRUE }, { "A", "D", TRUE }, { "A", "F", TRUE },
    { "B", "D", TRUE }, { "C", "D", TRUE }, { "C", "E", TRUE }, { "E", "F", TRUE },
    { "C", "F", TRUE }, { "F", "C", TRUE },
    { "B", "C", FALSE }, { "B", "E", FALSE }, { "B", "F", FALSE }, { "D", "E", FALSE },
    { "D", "F", FALSE }, { "A", "G", FALSE }, { "G", "A", FALSE }, { "A", "A", FALSE },
    { "A", "nobody", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean team = tc_store_is_team (TC_STORE (fixture->store), pairs[i].a, pairs[i].b, &error);

      g_assert_no_error (error);
      if (team != pairs[i].team)
        g_error ("%s–%s: expected %s", pairs[i].a, pairs[i].b, pairs[i].team ? "team" : "not team");
    }
}

static char *
ids_of (GPtrArray *associates)
{
  g_autoptr(GString) ids = g_string_new (NULL);

  for (guint i = 0; i < associates->len; i++)
    {
      TcAssociate *associate = g_ptr_array_index (associates, i);
      g_string_append_printf (ids, "%s%s", i ? "," : "", associate->id);
    }
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

static void
test_team_list (Fixture       *fixture,
                gconstpointer  data)
{
  static const struct { const char *id, *team; } lists[] = {
    { "A", "B,C,D,E,F" }, { "B", "A,D" }, { "C", "A,D,E,F" }, { "D", "A,B,C" },
    { "F", "A,C,E" }, { "G", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) members = tc_store_list_team (TC_STORE (fixture->store), lists[i].id,
                                                         NULL, &error);
      g_autofree char *ids = NULL;

      g_assert_no_error (error);
      ids = ids_of (members);
      g_assert_cmpstr (ids, ==, lists[i].team);
    }

  /* The search matches names case-insensitively. */
  {
    g_autoptr(GPtrArray) found = tc_store_list_team (TC_STORE (fixture->store), "A",
                                                     "associate d", NULL);
    g_autofree char *ids = ids_of (found);
    g_assert_cmpstr (ids, ==, "D");
  }
}

static void
test_dashboard (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TcAssociate) d = NULL;
  g_autoptr(TcAssociate) g = NULL;

  d = tc_store_get_dashboard (TC_STORE (fixture->store), "A", "D", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (d->sponsor_id, ==, "B");
  g_assert_cmpstr (d->sponsor_name, ==, "Associate B");
  g_assert_cmpstr (d->enroller_id, ==, "C");
  g_assert_cmpstr (d->enroller_name, ==, "Associate C");
  g_assert_null (d->offline_channel);

  g = tc_store_get_dashboard (TC_STORE (fixture->store), "A", "G", &error);
  g_assert_error (error, TC_ERROR, TC_ERROR_NOT_FOUND);
  g_assert_null (g);
}

/* --- import --------------------------------------------------------------------- */

static void
test_import_refuses_whole_file (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_import_row_free);
  g_autoptr(TcAssociate) a = NULL;

  /* A valid new row, a cycle (A under D under B under A), an unknown sponsor. */
  g_ptr_array_add (rows, make_row ("H", "A", "A", 2));
  g_ptr_array_add (rows, make_row ("A", "D", NULL, 3));
  g_ptr_array_add (rows, make_row ("I", "nobody", NULL, 4));

  g_assert_false (tc_store_import_associates (TC_STORE (fixture->store), rows, NULL, &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "line 3"));
  g_assert_nonnull (strstr (error->message, "line 4"));
  g_assert_nonnull (strstr (error->message, "nobody"));

  /* Nothing of it was stored: H does not exist, A is still at the top. */
  g_assert_false (tc_store_is_team (TC_STORE (fixture->store), "A", "H", NULL));
  a = tc_store_get_me (TC_STORE (fixture->store), "A", NULL);
  g_assert_null (a->sponsor_id);
}

static void
test_import_update_and_login (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_import_row_free);
  g_autoptr(TcAssociate) who = NULL;
  g_autoptr(TcAssociate) nobody = NULL;
  TcImportResult result = { 0, 0 };
  TcImportRow *row;

  /* An update without a password keeps the old one. */
  row = make_row ("B", "A", "A", 2);
  g_free (row->associate->name);
  row->associate->name = g_strdup ("Beatriz Nascimento");
  g_free (row->password);
  row->password = g_strdup ("");
  g_ptr_array_add (rows, row);
  g_assert_true (tc_store_import_associates (TC_STORE (fixture->store), rows, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.updated, ==, 1);
  g_assert_cmpuint (result.created, ==, 0);

  who = tc_store_authenticate (TC_STORE (fixture->store), "b", "password-123", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (who->name, ==, "Beatriz Nascimento");

  nobody = tc_store_authenticate (TC_STORE (fixture->store), "b", "wrong-password", &error);
  g_assert_error (error, TC_ERROR, TC_ERROR_UNAUTHORIZED);
  g_assert_null (nobody);
  g_clear_error (&error);
  nobody = tc_store_authenticate (TC_STORE (fixture->store), "no-such-login", "password-123", &error);
  g_assert_error (error, TC_ERROR, TC_ERROR_UNAUTHORIZED);
  g_assert_null (nobody);
}

/* --- the team rule's cache (tc-team-tree.c) after imports ------------------------------ */

/* Whether @from may message @to, through the writer (send) and the readers
 * (is_team, dashboard, history), which must agree. */
static gboolean
may_message (Fixture    *fixture,
             const char *from,
             const char *to)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) read_error = NULL;
  g_autoptr(GPtrArray) sent = send (fixture, from, to, "still there?", NULL, 0, NULL, &error);
  g_autoptr(TcAssociate) dashboard = NULL;
  g_autoptr(GPtrArray) history = NULL;
  gboolean more = FALSE;
  gboolean team = tc_store_is_team (TC_STORE (fixture->store), from, to, NULL);

  dashboard = tc_store_get_dashboard (TC_STORE (fixture->store), from, to, NULL);
  history = tc_store_list_messages (TC_STORE (fixture->store), from, to, 0, 10, &more,
                                    &read_error);
  if (sent == NULL)
    g_assert_error (error, TC_ERROR, TC_ERROR_FORBIDDEN);
  g_assert_true (team == (sent != NULL));
  g_assert_true (team == (dashboard != NULL));
  g_assert_true (team == (history != NULL));
  return team;
}

static void
import_one (TcStore    *store,
            const char *id,
            const char *sponsor,
            const char *enroller)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_import_row_free);

  g_ptr_array_add (rows, make_row (id, sponsor, enroller, 2));
  g_assert_true (tc_store_import_associates (store, rows, NULL, &error));
  g_assert_no_error (error);
}

static void
test_team_cache_reimport (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = tree_rows ();

  g_assert_true (may_message (fixture, "B", "D"));
  g_assert_false (may_message (fixture, "B", "E"));

  /* D moves from B's branch to E's: B may no longer message D, E now may. */
  import_one (TC_STORE (fixture->store), "D", "E", "E");
  g_assert_false (may_message (fixture, "B", "D"));
  g_assert_false (may_message (fixture, "D", "B"));
  g_assert_true (may_message (fixture, "E", "D"));
  g_assert_true (may_message (fixture, "C", "D"));   /* E's sponsor, up the chain */

  /* A new associate can be messaged at once. */
  import_one (TC_STORE (fixture->store), "H", "B", "B");
  g_assert_true (may_message (fixture, "B", "H"));
  g_assert_true (may_message (fixture, "A", "H"));
  g_assert_false (may_message (fixture, "C", "H"));

  /* Re-importing the original file puts D back; an unchanged re-import
   * changes nothing. */
  g_assert_true (tc_store_import_associates (TC_STORE (fixture->store), rows, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (may_message (fixture, "B", "D"));
  g_assert_false (may_message (fixture, "E", "D"));
  g_assert_true (tc_store_import_associates (TC_STORE (fixture->store), rows, NULL, &error));
  g_assert_true (may_message (fixture, "B", "D"));

  /* A refused import leaves the team as it was. */
  {
    g_autoptr(GPtrArray) bad = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_import_row_free);

    g_ptr_array_add (bad, make_row ("D", "E", "E", 2));
    g_ptr_array_add (bad, make_row ("I", "nobody", NULL, 3));
    g_assert_false (tc_store_import_associates (TC_STORE (fixture->store), bad, NULL, &error));
    g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
    g_assert_true (may_message (fixture, "B", "D"));
    g_assert_false (may_message (fixture, "E", "D"));
  }
}

static void
test_team_cache_other_process (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TcSqliteStore) cli = NULL;

  if (tc_test_db_is_postgresql ())
    {
      g_test_skip ("changes made with SQL on the SQLite file");
      return;
    }

  /* The server has the team in memory... */
  g_assert_true (may_message (fixture, "B", "D"));

  /* ...when `teamchat-server import-associates` (its own store on the same
   * file, as another process would have) moves D away from B. */
  cli = tc_sqlite_store_new (fixture->path, &error);
  g_assert_no_error (error);
  import_one (TC_STORE (cli), "D", "E", "E");
  g_clear_object (&cli);

  g_assert_false (may_message (fixture, "B", "D"));
  g_assert_true (may_message (fixture, "E", "D"));

  /* The same for an administrator's hand-made SQL. */
  {
    g_autoptr(sqlite3) db = tc_sqlite_open (fixture->path, FALSE, &error);

    g_assert_no_error (error);
    g_assert_true (tc_sqlite_exec (db, "UPDATE associates SET enroller_id = 'B' WHERE id = 'D'",
                                   &error));
    g_assert_no_error (error);
  }
  g_assert_true (may_message (fixture, "B", "D"));
  g_assert_true (may_message (fixture, "E", "D"));   /* still E's in the sponsor tree */
}

/* --- sessions ---------------------------------------------------------------------- */

static void
test_sessions (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint8 hash[TC_TOKEN_HASH_LEN];
  g_autofree char *id = NULL;
  g_autofree char *gone = NULL;

  memset (hash, 7, sizeof hash);
  g_assert_true (tc_store_create_session (TC_STORE (fixture->store), "A", hash, "laptop", &error));
  g_assert_no_error (error);
  id = tc_store_lookup_session (TC_STORE (fixture->store), hash, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (id, ==, "A");

  g_assert_true (tc_store_delete_session (TC_STORE (fixture->store), hash, &error));
  gone = tc_store_lookup_session (TC_STORE (fixture->store), hash, &error);
  g_assert_error (error, TC_ERROR, TC_ERROR_UNAUTHORIZED);
  g_assert_null (gone);
}

/* A session of @associate_id whose token hash is @byte repeated. */
static void
add_session (Fixture    *fixture,
             const char *associate_id,
             guint8      byte,
             guint8     *hash)
{
  g_autoptr(GError) error = NULL;

  memset (hash, byte, TC_TOKEN_HASH_LEN);
  g_assert_true (tc_store_create_session (TC_STORE (fixture->store), associate_id, hash, "test",
                                          &error));
  g_assert_no_error (error);
}

static gboolean
session_is_live (Fixture      *fixture,
                 const guint8 *hash)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = tc_store_lookup_session (TC_STORE (fixture->store), hash, &error);

  if (id == NULL)
    g_assert_error (error, TC_ERROR, TC_ERROR_UNAUTHORIZED);
  return id != NULL;
}

/* revoke-sessions: every device of one associate, nobody else's. */
static void
test_sessions_revoke (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint8 laptop[TC_TOKEN_HASH_LEN], phone[TC_TOKEN_HASH_LEN], other[TC_TOKEN_HASH_LEN];

  add_session (fixture, "A", 1, laptop);
  add_session (fixture, "A", 2, phone);
  add_session (fixture, "B", 3, other);

  g_assert_cmpuint (tc_store_revoke_sessions (TC_STORE (fixture->store), "A", &error), ==, 2);
  g_assert_no_error (error);
  g_assert_false (session_is_live (fixture, laptop));
  g_assert_false (session_is_live (fixture, phone));
  g_assert_true (session_is_live (fixture, other));

  /* Again: nothing left to end. */
  g_assert_cmpuint (tc_store_revoke_sessions (TC_STORE (fixture->store), "A", &error), ==, 0);
  g_assert_no_error (error);

  /* A typo is said, not taken for "no sessions". */
  g_assert_cmpuint (tc_store_revoke_sessions (TC_STORE (fixture->store), "Z404", &error), ==, 0);
  g_assert_error (error, TC_ERROR, TC_ERROR_NOT_FOUND);
}

/* The check the server runs on the sessions it has in use. */
static void
test_sessions_find_ended (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  enum { N = 2500 };   /* more than one PostgreSQL query's worth */
  g_autofree guint8 *hashes = g_malloc0 ((gsize) N * TC_TOKEN_HASH_LEN);
  g_autofree gboolean *ended = g_new0 (gboolean, N);
  guint8 logged_out[TC_TOKEN_HASH_LEN];

  add_session (fixture, "A", 1, hashes);
  add_session (fixture, "B", 2, logged_out);
  g_assert_true (tc_store_delete_session (TC_STORE (fixture->store), logged_out, &error));
  g_assert_no_error (error);
  memcpy (hashes + TC_TOKEN_HASH_LEN, logged_out, TC_TOKEN_HASH_LEN);
  /* The rest never existed, but for a live one at the very end. */
  for (guint i = 2; i < N; i++)
    {
      memset (hashes + (gsize) i * TC_TOKEN_HASH_LEN, 0xEE, TC_TOKEN_HASH_LEN);
      memcpy (hashes + (gsize) i * TC_TOKEN_HASH_LEN, &i, sizeof i);
    }
  add_session (fixture, "C", 0x55, hashes + (gsize) (N - 1) * TC_TOKEN_HASH_LEN);

  for (guint i = 0; i < N; i++)
    ended[i] = i % 2 == 0;   /* garbage that must be overwritten */
  g_assert_true (tc_store_find_ended_sessions (TC_STORE (fixture->store), hashes, N, ended,
                                               &error));
  g_assert_no_error (error);
  g_assert_false (ended[0]);
  g_assert_true (ended[1]);
  for (guint i = 2; i < N - 1; i++)
    g_assert_true (ended[i]);
  g_assert_false (ended[N - 1]);

  g_assert_true (tc_store_find_ended_sessions (TC_STORE (fixture->store), hashes, 0, ended,
                                               &error));
  g_assert_no_error (error);
}

/* A password changed by an import (the Web Office reset it) logs the
 * associate out everywhere; the same file imported again logs out nobody. */
static void
test_import_password_change (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = tree_rows ();
  TcImportResult result = { 0, };
  guint8 a[TC_TOKEN_HASH_LEN], b[TC_TOKEN_HASH_LEN];

  add_session (fixture, "A", 1, a);
  add_session (fixture, "B", 2, b);

  /* The same passwords. */
  g_assert_true (tc_store_import_associates (TC_STORE (fixture->store), rows, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.updated, ==, G_N_ELEMENTS (tree));
  g_assert_cmpuint (result.passwords_changed, ==, 0);
  g_assert_true (session_is_live (fixture, a));
  g_assert_true (session_is_live (fixture, b));

  /* A's changed, B's left out (kept). */
  for (guint i = 0; i < rows->len; i++)
    {
      TcImportRow *row = g_ptr_array_index (rows, i);

      if (g_str_equal (row->associate->id, "A"))
        {
          g_free (row->password);
          row->password = g_strdup ("a-brand-new-password");
        }
      else if (g_str_equal (row->associate->id, "B"))
        g_clear_pointer (&row->password, g_free);
    }
  g_assert_true (tc_store_import_associates (TC_STORE (fixture->store), rows, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.passwords_changed, ==, 1);
  g_assert_false (session_is_live (fixture, a));
  g_assert_true (session_is_live (fixture, b));

  {
    g_autoptr(TcAssociate) old = tc_store_authenticate (TC_STORE (fixture->store), "a",
                                                        "password-123", &error);
    g_assert_error (error, TC_ERROR, TC_ERROR_UNAUTHORIZED);
    g_assert_null (old);
    g_clear_error (&error);
  }
  {
    g_autoptr(TcAssociate) fresh = tc_store_authenticate (TC_STORE (fixture->store), "a",
                                                          "a-brand-new-password", &error);
    g_assert_no_error (error);
    g_assert_nonnull (fresh);
  }
  {
    g_autoptr(TcAssociate) kept = tc_store_authenticate (TC_STORE (fixture->store), "b",
                                                         "password-123", &error);
    g_assert_no_error (error);
    g_assert_nonnull (kept);
  }
}

/* --- messages ------------------------------------------------------------------------ */

static void
test_send_fanout_and_idempotence (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) again = NULL;
  g_autofree char *client_id = tc_uuid_new ();
  gboolean created = FALSE;

  first = send (fixture, "A", "B,C,F", "Training call at 7 pm 📞", client_id, 0, &created, &error);
  g_assert_no_error (error);
  g_assert_true (created);
  g_assert_cmpuint (first->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      TcMessage *m = g_ptr_array_index (first, i);
      g_assert_cmpstr (m->from, ==, "A");
      g_assert_cmpstr (m->client_id, ==, client_id);
      g_assert_cmpint (m->id, >, 0);
    }
  g_assert_cmpstr (((TcMessage *) first->pdata[0])->to, ==, "B");
  g_assert_cmpstr (((TcMessage *) first->pdata[2])->to, ==, "F");

  again = send (fixture, "A", "B,C,F", "Training call at 7 pm 📞", client_id, 0, &created, &error);
  g_assert_no_error (error);
  g_assert_false (created);
  g_assert_cmpuint (again->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (((TcMessage *) again->pdata[i])->id, ==, ((TcMessage *) first->pdata[i])->id);

  /* One conversation each, nothing doubled. */
  g_assert_cmpuint (history_len (fixture, "A", "B"), ==, 1);
  g_assert_cmpuint (history_len (fixture, "C", "A"), ==, 1);
  g_assert_cmpuint (history_len (fixture, "F", "A"), ==, 1);
}

typedef struct {
  GPtrArray *messages;
  GError    *error;
  gboolean   created;
  gboolean   done;
} AsyncSent;

static void
async_sent_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  AsyncSent *sent = user_data;

  sent->messages = tc_store_send_messages_finish (TC_STORE (source), result, &sent->created,
                                                  &sent->error);
  sent->done = TRUE;
}

/* tc_store_send_messages_async() from the main context, its answer back on
 * it: created, refused, resent. */
static void
check_async_sends (Fixture *fixture)
{
  g_autofree char *client_id = tc_uuid_new ();
  const struct { const char *to; const char *client_id; guint status; } cases[] = {
    { "B,D", client_id, 201 },
    { "B,D", client_id, 200 },      /* idempotent */
    { "G", NULL, 403 },            /* another company tree */
    { "nobody", NULL, 400 },
  };
  GPtrArray *first = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(GStrv) to = g_strsplit (cases[i].to, ",", -1);
      TcSendRequest *request = tc_send_request_new ();
      AsyncSent sent = { 0, };

      request->client_id = cases[i].client_id ? g_strdup (cases[i].client_id) : tc_uuid_new ();
      for (guint j = 0; to[j] != NULL; j++)
        g_ptr_array_add (request->to, g_strdup (to[j]));
      g_free (request->body);
      request->body = g_strdup ("sent without waiting");
      tc_store_send_messages_async (TC_STORE (fixture->store), "A", request, g_get_real_time (),
                                    NULL, async_sent_cb, &sent);
      while (!sent.done)
        g_main_context_iteration (NULL, TRUE);

      if (cases[i].status >= 400)
        {
          int code = cases[i].status == 403 ? TC_ERROR_FORBIDDEN : TC_ERROR_INVALID;

          g_assert_null (sent.messages);
          g_assert_error (sent.error, TC_ERROR, code);
          g_clear_error (&sent.error);
          continue;
        }
      g_assert_no_error (sent.error);
      g_assert_cmpuint (sent.messages->len, ==, 2);
      g_assert_true (sent.created == (cases[i].status == 201));
      if (first == NULL)
        first = g_steal_pointer (&sent.messages);
      else
        {
          for (guint j = 0; j < 2; j++)
            g_assert_cmpint (((TcMessage *) sent.messages->pdata[j])->id, ==,
                             ((TcMessage *) first->pdata[j])->id);
          g_ptr_array_unref (sent.messages);
        }
    }
  g_ptr_array_unref (first);
}

static void
test_send_async (Fixture       *fixture,
                 gconstpointer  data)
{
  TcStoreInterface *iface = g_type_interface_peek (G_OBJECT_GET_CLASS (fixture->store),
                                                   TC_TYPE_STORE);
  gpointer own = iface->send_messages_async;

  /* The store's own: queued straight to the writer. */
  check_async_sends (fixture);
  g_assert_cmpuint (history_len (fixture, "A", "D"), ==, 1);

  /* The interface's fallback for stores without one (send_messages on a
   * GTask thread), on the same store. */
  iface->send_messages_async = NULL;
  check_async_sends (fixture);
  iface->send_messages_async = own;
  g_assert_cmpuint (history_len (fixture, "A", "D"), ==, 2);
  g_assert_cmpuint (history_len (fixture, "A", "B"), ==, 2);
}

/* Sends run in a batch without a savepoint each: one that fails after it
 * wrote (here its events, refused by a trigger, after its message row)
 * makes the writer roll the batch back and run it again with savepoints.
 * The others commit, the failed one leaves nothing. */
static void
test_send_fails_after_writing (Fixture       *fixture,
                               gconstpointer  data)
{
  const char *bodies[] = { "first", "second", "poison", "fourth", "fifth" };
  AsyncSent sent[G_N_ELEMENTS (bodies)] = { { 0, }, };
  g_autofree char *poisoned = NULL;
  g_autofree char *events = NULL;
  gboolean all_done = FALSE;

  if (tc_test_db_is_postgresql ())
    {
      g_test_skip ("the writer's batches are SQLite's");
      return;
    }
  tc_test_db_exec (fixture->path,
                   "CREATE TRIGGER poison BEFORE INSERT ON events "
                   "WHEN (SELECT body FROM messages WHERE id = NEW.message_id) = 'poison' "
                   "BEGIN SELECT RAISE (ABORT, 'poisoned'); END");

  /* All queued before the writer answers any: they share batches. */
  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      TcSendRequest *request = tc_send_request_new ();

      request->client_id = tc_uuid_new ();
      g_ptr_array_add (request->to, g_strdup ("B"));
      g_ptr_array_add (request->to, g_strdup ("D"));
      g_free (request->body);
      request->body = g_strdup (bodies[i]);
      tc_store_send_messages_async (TC_STORE (fixture->store), "A", request, g_get_real_time (),
                                    NULL, async_sent_cb, &sent[i]);
    }
  while (!all_done)
    {
      g_main_context_iteration (NULL, TRUE);
      all_done = TRUE;
      for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
        all_done = all_done && sent[i].done;
    }

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      if (g_str_equal (bodies[i], "poison"))
        {
          g_assert_null (sent[i].messages);
          g_assert_error (sent[i].error, TC_ERROR, TC_ERROR_INTERNAL);
          g_clear_error (&sent[i].error);
          continue;
        }
      g_assert_no_error (sent[i].error);
      g_assert_true (sent[i].created);
      g_assert_cmpuint (sent[i].messages->len, ==, 2);
      g_clear_pointer (&sent[i].messages, g_ptr_array_unref);
    }
  g_assert_cmpuint (history_len (fixture, "A", "B"), ==, 4);
  g_assert_cmpuint (history_len (fixture, "A", "D"), ==, 4);
  poisoned = tc_test_db_query (fixture->path, "SELECT COUNT(*) FROM messages WHERE body = 'poison'");
  g_assert_cmpstr (poisoned, ==, "0");
  events = tc_test_db_query (fixture->path, "SELECT COUNT(*) FROM events WHERE type = 'message'");
  g_assert_cmpstr (events, ==, "16");

  /* The writer goes on as before. */
  tc_test_db_exec (fixture->path, "DROP TRIGGER poison");
  check_async_sends (fixture);
}

/* What the live stream gets (the sink) is what sync reads back: the same
 * seq for the same message in the same stream. */
static void
test_send_live_events_match_sync (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) sent = NULL;
  g_autoptr(GPtrArray) live = NULL;

  /* PostgreSQL's live events come through LISTEN/NOTIFY to streams opened
   * by a serving hub; test-cluster compares them with sync there. */
  if (tc_test_db_is_postgresql ())
    {
      g_test_skip ("the PostgreSQL store's sink serves connected hubs (see test-cluster)");
      return;
    }
  g_mutex_lock (&fixture->mutex);
  g_ptr_array_set_size (fixture->sunk, 0);
  g_mutex_unlock (&fixture->mutex);
  sent = send (fixture, "A", "B,C,F", "the live stream and sync agree", NULL, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sent->len, ==, 3);

  /* On PostgreSQL the events reach the sink after the commit, from the
   * listening thread. Not a timing: a bound so a broken build ends. */
  for (gint64 give_up = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;;)
    {
      guint n;

      g_mutex_lock (&fixture->mutex);
      n = fixture->sunk->len;
      g_mutex_unlock (&fixture->mutex);
      if (n >= 6)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, give_up);
      g_usleep (10 * 1000);
    }

  g_mutex_lock (&fixture->mutex);
  live = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < fixture->sunk->len; i++)
    g_ptr_array_add (live, g_strdup (g_ptr_array_index (fixture->sunk, i)));
  g_mutex_unlock (&fixture->mutex);
  g_assert_cmpuint (live->len, ==, 6);   /* sender's and recipient's stream per message */

  for (guint i = 0; i < live->len; i++)
    {
      g_auto(GStrv) parts = g_strsplit (g_ptr_array_index (live, i), " ", 3);
      gint64 seq = g_ascii_strtoll (parts[1], NULL, 10);
      gint64 cursor = 0;
      gboolean more = FALSE, reset = FALSE;
      g_autoptr(GPtrArray) page = NULL;
      TcEvent *event;

      page = tc_store_sync (TC_STORE (fixture->store), parts[0], seq - 1, 1, &cursor, &more,
                            &reset, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (page->len, ==, 1);
      event = g_ptr_array_index (page, 0);
      g_assert_cmpint (event->seq, ==, seq);
      g_assert_cmpint (event->type, ==, TC_EVENT_MESSAGE);
      g_assert_cmpint (event->message->id, ==, g_ascii_strtoll (parts[2], NULL, 10));
      g_assert_true (g_str_equal (parts[0], event->message->from) ||
                     g_str_equal (parts[0], event->message->to));
    }
}

typedef struct {
  Fixture    *fixture;
  const char *client_id;
  GPtrArray  *messages;
  gboolean    created;
  GError     *error;
} Resend;

static gpointer
resend_thread (gpointer data)
{
  Resend *resend = data;

  resend->messages = send (resend->fixture, "A", "B,C", "sent twice at once", resend->client_id,
                           0, &resend->created, &resend->error);
  return NULL;
}

/* The same send arriving several times at once (a client resending while
 * its first try is still in flight): one is created, the others answer
 * with its messages. */
static void
test_send_concurrent_resends (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autofree char *client_id = tc_uuid_new ();
  Resend resends[8];
  GThread *threads[8];
  guint created = 0;

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      resends[i] = (Resend) { fixture, client_id, NULL, FALSE, NULL };
      threads[i] = g_thread_new ("resend", resend_thread, &resends[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      g_assert_no_error (resends[i].error);
      g_assert_cmpuint (resends[i].messages->len, ==, 2);
      for (guint j = 0; j < 2; j++)
        g_assert_cmpint (((TcMessage *) resends[i].messages->pdata[j])->id, ==,
                         ((TcMessage *) resends[0].messages->pdata[j])->id);
      created += resends[i].created;
    }
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_ptr_array_unref (resends[i].messages);
  g_assert_cmpuint (created, ==, 1);
  g_assert_cmpuint (history_len (fixture, "A", "B"), ==, 1);
  g_assert_cmpuint (history_len (fixture, "A", "C"), ==, 1);
}

static void
test_send_refusals_store_nothing (Fixture       *fixture,
                                  gconstpointer  data)
{
  struct { const char *from, *to; TcErrorCode code; } cases[] = {
    { "B", "C", TC_ERROR_FORBIDDEN },       /* siblings */
    { "B", "A,C", TC_ERROR_FORBIDDEN },     /* one bad recipient spoils all */
    { "A", "G", TC_ERROR_FORBIDDEN },
    { "A", "B,nobody", TC_ERROR_INVALID },
    { "A", "A", TC_ERROR_INVALID },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) messages = send (fixture, cases[i].from, cases[i].to, "hi", NULL, 0,
                                            NULL, &error);
      g_assert_error (error, TC_ERROR, (gint) cases[i].code);
      g_assert_null (messages);
    }
  g_assert_cmpuint (history_len (fixture, "B", "A"), ==, 0);
  g_assert_cmpuint (history_len (fixture, "A", "B"), ==, 0);

  /* An unknown attachment is refused too. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(TcSendRequest) request = tc_send_request_new ();
    g_autoptr(GPtrArray) messages = NULL;

    request->client_id = tc_uuid_new ();
    g_ptr_array_add (request->to, g_strdup ("B"));
    g_ptr_array_add (request->attachments, g_strdup ("no-such-resource"));
    messages = tc_store_send_messages (TC_STORE (fixture->store), "A", request, g_get_real_time (),
                                       NULL, &error);
    g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
    g_assert_null (messages);
  }
  g_assert_cmpuint (history_len (fixture, "A", "B"), ==, 0);
}

static void
test_history_paging (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) page1 = NULL;
  g_autoptr(GPtrArray) page2 = NULL;
  gboolean more = FALSE;

  for (guint i = 0; i < 7; i++)
    {
      g_autofree char *body = g_strdup_printf ("message %u", i);
      g_autoptr(GPtrArray) sent = send (fixture, i % 2 ? "A" : "B", i % 2 ? "B" : "A", body, NULL, 0,
                                        NULL, &error);
      g_assert_no_error (error);
    }
  /* Unrelated traffic must not show up. */
  g_clear_pointer (&page1, g_ptr_array_unref);
  {
    g_autoptr(GPtrArray) other = send (fixture, "A", "C", "other", NULL, 0, NULL, &error);
    g_assert_no_error (error);
  }

  page1 = tc_store_list_messages (TC_STORE (fixture->store), "A", "B", 0, 4, &more, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page1->len, ==, 4);
  g_assert_true (more);
  g_assert_cmpstr (((TcMessage *) page1->pdata[0])->body, ==, "message 6");
  g_assert_cmpint (((TcMessage *) page1->pdata[0])->id, >, ((TcMessage *) page1->pdata[1])->id);

  page2 = tc_store_list_messages (TC_STORE (fixture->store), "B", "A",
                                  ((TcMessage *) page1->pdata[3])->id, 4, &more, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page2->len, ==, 3);
  g_assert_false (more);
  g_assert_cmpstr (((TcMessage *) page2->pdata[2])->body, ==, "message 0");

  /* Off the team: refused, not empty. */
  g_clear_pointer (&page2, g_ptr_array_unref);
  page2 = tc_store_list_messages (TC_STORE (fixture->store), "B", "C", 0, 4, &more, &error);
  g_assert_error (error, TC_ERROR, TC_ERROR_FORBIDDEN);
  g_assert_null (page2);
}

static void
test_read_markers (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) m1 = send (fixture, "B", "A", "one", NULL, 0, NULL, &error);
  g_autoptr(GPtrArray) m2 = send (fixture, "B", "A", "two", NULL, 0, NULL, &error);
  g_autoptr(GPtrArray) m3 = send (fixture, "C", "A", "three", NULL, 0, NULL, &error);
  g_autoptr(GPtrArray) history = NULL;
  gint64 id1 = ((TcMessage *) m1->pdata[0])->id;
  gint64 id2 = ((TcMessage *) m2->pdata[0])->id;
  gboolean more;

  g_assert_no_error (error);
  g_assert_true (tc_store_mark_read (TC_STORE (fixture->store), "A", "B", id1, &error));
  g_assert_no_error (error);

  history = tc_store_list_messages (TC_STORE (fixture->store), "B", "A", 0, 10, &more, &error);
  g_assert_true (((TcMessage *) history->pdata[1])->read);    /* "one" */
  g_assert_false (((TcMessage *) history->pdata[0])->read);   /* "two" */

  /* A marker never moves back, and must name a message of the conversation. */
  g_assert_true (tc_store_mark_read (TC_STORE (fixture->store), "A", "B", id2, &error));
  g_assert_true (tc_store_mark_read (TC_STORE (fixture->store), "A", "B", id1, &error));
  g_assert_no_error (error);
  g_clear_pointer (&history, g_ptr_array_unref);
  history = tc_store_list_messages (TC_STORE (fixture->store), "B", "A", 0, 10, &more, &error);
  g_assert_true (((TcMessage *) history->pdata[0])->read);
  g_assert_false (tc_store_mark_read (TC_STORE (fixture->store), "A", "B",
                                      ((TcMessage *) m3->pdata[0])->id, &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (tc_store_mark_read (TC_STORE (fixture->store), "B", "C", id1, &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_FORBIDDEN);
  g_clear_error (&error);

  /* read-all covers C's conversation too. */
  g_assert_true (tc_store_mark_all_read (TC_STORE (fixture->store), "A", &error));
  g_assert_no_error (error);
  g_clear_pointer (&history, g_ptr_array_unref);
  history = tc_store_list_messages (TC_STORE (fixture->store), "A", "C", 0, 10, &more, &error);
  g_assert_true (((TcMessage *) history->pdata[0])->read);
}

/* --- sync ------------------------------------------------------------------------------- */

static GPtrArray *
sync_all (Fixture  *fixture,
          const char *id,
          gint64    since,
          guint     limit,
          gint64   *cursor,
          guint    *pages)
{
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_event_free);
  gboolean more = TRUE, reset = FALSE;

  *pages = 0;
  while (more)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) page = tc_store_sync (TC_STORE (fixture->store), id, since, limit,
                                                 cursor, &more, &reset, &error);
      g_assert_no_error (error);
      g_assert_false (reset);
      g_assert_cmpint (*cursor, >=, since);
      for (guint i = 0; i < page->len; i++)
        g_ptr_array_add (all, tc_event_copy (page->pdata[i]));
      since = *cursor;
      (*pages)++;
      g_assert_cmpuint (*pages, <, 100);
    }
  return all;
}

static guint
count_type (GPtrArray   *events,
            TcEventType  type)
{
  guint n = 0;

  for (guint i = 0; i < events->len; i++)
    if (((TcEvent *) events->pdata[i])->type == type)
      n++;
  return n;
}

static void
test_sync (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) full = NULL;
  g_autoptr(GPtrArray) newer = NULL;
  gint64 cursor = 0, cursor2 = 0;
  gint64 last_seq = 0;
  guint pages = 0;

  for (guint i = 0; i < 9; i++)
    {
      g_autoptr(GPtrArray) sent = send (fixture, "A", i % 2 ? "B" : "C", "hello", NULL, 0, NULL,
                                        &error);
      g_assert_no_error (error);
    }
  g_assert_true (tc_store_set_offline_channel (TC_STORE (fixture->store), "A", "sms", &error));
  g_assert_no_error (error);

  full = sync_all (fixture, "A", -1, 4, &cursor, &pages);
  g_assert_cmpuint (pages, >=, 3);
  g_assert_cmpuint (count_type (full, TC_EVENT_MESSAGE), ==, 9);
  /* Snapshot members (5) plus the member events of the initial import. */
  g_assert_cmpuint (count_type (full, TC_EVENT_MEMBER), >=, 5);
  g_assert_cmpuint (count_type (full, TC_EVENT_PREFERENCES), >=, 1);
  g_assert_cmpint (((TcEvent *) full->pdata[0])->seq, ==, 0);
  for (guint i = 0; i < full->len; i++)
    {
      TcEvent *event = full->pdata[i];
      if (event->seq == 0)
        continue;
      g_assert_cmpint (event->seq, >, last_seq);
      last_seq = event->seq;
      if (event->type == TC_EVENT_PREFERENCES)
        g_assert_cmpstr (event->offline_channel, ==, "sms");
    }

  /* Nothing new: an empty page and the same cursor. */
  newer = sync_all (fixture, "A", cursor, 100, &cursor2, &pages);
  g_assert_cmpuint (newer->len, ==, 0);
  g_assert_cmpint (cursor2, ==, cursor);
  g_clear_pointer (&newer, g_ptr_array_unref);

  /* B's events do not appear in A's stream... */
  {
    g_autoptr(GPtrArray) sent = send (fixture, "B", "D", "not for A", NULL, 0, NULL, &error);
    g_assert_no_error (error);
  }
  newer = sync_all (fixture, "A", cursor, 100, &cursor2, &pages);
  g_assert_cmpuint (newer->len, ==, 0);
  if (tc_test_db_is_postgresql ())
    g_assert_cmpint (cursor2, ==, cursor);   /* each stream counts its own events */
  else
    g_assert_cmpint (cursor2, >, cursor);    /* one counter for all streams */
  g_clear_pointer (&newer, g_ptr_array_unref);

  /* ...but a read receipt from B does, and it says who read what. */
  {
    g_autoptr(GPtrArray) history = tc_store_list_messages (TC_STORE (fixture->store), "B", "A", 0, 1,
                                                           NULL, &error);
    gint64 up_to = ((TcMessage *) history->pdata[0])->id;

    g_assert_true (tc_store_mark_read (TC_STORE (fixture->store), "B", "A", up_to, &error));
    newer = sync_all (fixture, "A", cursor2, 100, &cursor, &pages);
    g_assert_cmpuint (newer->len, ==, 1);
    g_assert_cmpint (((TcEvent *) newer->pdata[0])->type, ==, TC_EVENT_READ);
    g_assert_cmpstr (((TcEvent *) newer->pdata[0])->by, ==, "B");
    g_assert_cmpstr (((TcEvent *) newer->pdata[0])->peer, ==, "A");
    g_assert_cmpint (((TcEvent *) newer->pdata[0])->up_to, ==, up_to);
  }
}

/* --- retention ------------------------------------------------------------------------- */

/* Stamps the events of the fixture's import a year back, as if the team
 * had been imported then. */
static void
import_a_year_ago (Fixture *fixture)
{
  g_autofree char *sql = g_strdup_printf ("UPDATE events SET created_at = created_at - %" G_GINT64_FORMAT,
                                          365 * DAY);

  tc_test_db_exec (fixture->path, sql);
}

static void
test_retention (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_real_time ();
  g_autoptr(GPtrArray) old = NULL;
  g_autoptr(GPtrArray) recent = NULL;
  g_autoptr(GPtrArray) history = NULL;
  g_autoptr(GPtrArray) events = NULL;
  gint64 cursor = 0, cursor_before;
  gboolean more, reset;
  guint purged = 0;

  /* A history as the server stamps it: what was committed first is
   * older (the team imported a year ago, a message from 200 days ago,
   * one from today). /store/retention/clock-went-back has the rest. */
  import_a_year_ago (fixture);
  old = send (fixture, "A", "B", "from last year", NULL, now - 200 * DAY, NULL, &error);
  g_assert_no_error (error);
  recent = send (fixture, "A", "B", "from today", NULL, now, NULL, &error);
  g_assert_no_error (error);
  /* A cursor taken before the purge, older than what the purge removes. */
  events = tc_store_sync (TC_STORE (fixture->store), "A", 0, 1, &cursor_before, &more, &reset,
                          &error);
  g_assert_no_error (error);
  g_clear_pointer (&events, g_ptr_array_unref);

  g_assert_true (tc_store_purge (TC_STORE (fixture->store), now - 90 * DAY, &purged, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (purged, ==, 1);

  history = tc_store_list_messages (TC_STORE (fixture->store), "A", "B", 0, 10, &more, &error);
  g_assert_cmpuint (history->len, ==, 1);
  g_assert_cmpstr (((TcMessage *) history->pdata[0])->body, ==, "from today");

  /* No endpoint returns the purged message: not even a full sync. */
  events = tc_store_sync (TC_STORE (fixture->store), "A", -1, 1000, &cursor, &more, &reset, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < events->len; i++)
    {
      TcEvent *event = events->pdata[i];
      if (event->type == TC_EVENT_MESSAGE)
        g_assert_cmpstr (event->message->body, !=, "from last year");
    }

  /* A cursor from before the purge points into deleted history. */
  g_clear_pointer (&events, g_ptr_array_unref);
  events = tc_store_sync (TC_STORE (fixture->store), "A", cursor_before, 100, &cursor, &more,
                          &reset, &error);
  g_assert_no_error (error);
  g_assert_true (reset);
  g_assert_cmpuint (events->len, ==, 0);

  /* Purging the same again changes nothing. */
  g_assert_true (tc_store_purge (TC_STORE (fixture->store), now - 90 * DAY, &purged, &error));
  g_assert_cmpuint (purged, ==, 0);
}

/* PostgreSQL: while another process purges (holds the purge's advisory
 * lock), a purge does nothing; once it is done, the next one purges. */
static void
test_retention_one_at_a_time (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) holder = NULL;
  g_autoptr(GDataInputStream) holder_out = NULL;
  g_autoptr(GPtrArray) old = NULL;
  g_autofree char *line = NULL;
  guint purged = 99;
  gint64 now = g_get_real_time ();

  if (!tc_test_db_is_postgresql ())
    {
      g_test_skip ("the purge lock is PostgreSQL's");
      return;
    }
  old = send (fixture, "A", "B", "from last year", NULL, now - 200 * DAY, NULL, &error);
  g_assert_no_error (error);

  /* Another session takes the lock ("tcpu") and keeps it until told. */
  holder = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                             "psql", "-X", "-q", "-A", "-t", "-d", fixture->path, NULL);
  g_assert_no_error (error);
  holder_out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (holder));
  g_assert_true (g_output_stream_write_all (g_subprocess_get_stdin_pipe (holder),
                                            "SELECT pg_advisory_lock (1952673909), 'locked';\n",
                                            strlen ("SELECT pg_advisory_lock (1952673909), 'locked';\n"),
                                            NULL, NULL, &error));
  g_assert_no_error (error);
  line = g_data_input_stream_read_line_utf8 (holder_out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "|locked");

  g_assert_true (tc_store_purge (fixture->store, now - 90 * DAY, &purged, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (purged, ==, 0);
  g_assert_cmpuint (history_len (fixture, "A", "B"), ==, 1);

  /* Let go of the lock in so many words: a session's locks outlive its
   * client by a moment (the backend ends after psql has exited). */
  g_clear_pointer (&line, g_free);
  g_assert_true (g_output_stream_write_all (g_subprocess_get_stdin_pipe (holder),
                                            "SELECT pg_advisory_unlock (1952673909), 'unlocked';\n",
                                            strlen ("SELECT pg_advisory_unlock (1952673909), 'unlocked';\n"),
                                            NULL, NULL, &error));
  g_assert_no_error (error);
  line = g_data_input_stream_read_line_utf8 (holder_out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "t|unlocked");
  g_assert_true (g_output_stream_close (g_subprocess_get_stdin_pipe (holder), NULL, &error));
  g_assert_true (g_subprocess_wait_check (holder, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (tc_store_purge (fixture->store, now - 90 * DAY, &purged, &error));
  g_assert_cmpuint (purged, ==, 1);
  g_assert_cmpuint (history_len (fixture, "A", "B"), ==, 0);
}

/* SQLite purges in commit order (no index on the time): a message that a
 * clock set back stamped older than one committed before it waits for
 * that one; nothing is deleted before its time. */
static void
test_retention_clock_went_back (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) second = NULL;
  g_autoptr(GPtrArray) third = NULL;
  g_autoptr(GPtrArray) events = NULL;
  gint64 now = g_get_real_time ();
  g_autofree char *count = NULL;
  gint64 cursor = 0;
  gboolean more, reset;
  guint purged = 99;

  if (tc_test_db_is_postgresql ())
    {
      g_test_skip ("PostgreSQL finds old rows by their time");
      return;
    }
  import_a_year_ago (fixture);
  first = send (fixture, "A", "B", "stamped 100 days ago", NULL, now - 100 * DAY, NULL, &error);
  g_assert_no_error (error);
  second = send (fixture, "A", "B", "stamped 10 days ago", NULL, now - 10 * DAY, NULL, &error);
  g_assert_no_error (error);
  /* The clock went back a year. */
  third = send (fixture, "A", "B", "stamped 400 days ago", NULL, now - 400 * DAY, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (tc_store_purge (TC_STORE (fixture->store), now - 90 * DAY, &purged, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (purged, ==, 1);
  g_assert_cmpuint (history_len (fixture, "A", "B"), ==, 2);

  /* Once the younger one before it is old, both go. */
  g_assert_true (tc_store_purge (TC_STORE (fixture->store), now - 5 * DAY, &purged, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (purged, ==, 2);
  g_assert_cmpuint (history_len (fixture, "A", "B"), ==, 0);

  /* Their events went before them: a full sync shows no message. */
  events = tc_store_sync (TC_STORE (fixture->store), "B", -1, 1000, &cursor, &more, &reset, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < events->len; i++)
    g_assert_cmpint (((TcEvent *) events->pdata[i])->type, !=, TC_EVENT_MESSAGE);
  count = tc_test_db_query (fixture->path, "SELECT COUNT(*) FROM events WHERE type = 'message'");
  g_assert_cmpstr (count, ==, "0");
}

static void
test_retention_reset (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = NULL;
  gint64 cursor = 0, cursor2 = 0;
  gboolean more, reset;
  guint purged;

  /* The import's member events are "now": purging everything up to the
   * future cuts the stream, and a cursor from before must reset. */
  events = tc_store_sync (TC_STORE (fixture->store), "A", 0, 2, &cursor, &more, &reset, &error);
  g_assert_no_error (error);
  g_assert_true (more);
  g_clear_pointer (&events, g_ptr_array_unref);

  g_assert_true (tc_store_purge (TC_STORE (fixture->store), g_get_real_time () + DAY, &purged,
                                 &error));
  events = tc_store_sync (TC_STORE (fixture->store), "A", cursor, 100, &cursor2, &more, &reset,
                          &error);
  g_assert_no_error (error);
  g_assert_true (reset);
  g_assert_cmpuint (events->len, ==, 0);
  g_clear_pointer (&events, g_ptr_array_unref);

  /* A cursor at the head is fine. */
  events = tc_store_sync (TC_STORE (fixture->store), "A", cursor2, 100, &cursor, &more, &reset,
                          &error);
  g_assert_false (reset);
  g_clear_pointer (&events, g_ptr_array_unref);

  /* One from beyond the head (a database restored from a backup) resets. */
  events = tc_store_sync (TC_STORE (fixture->store), "A", cursor2 + 1000, 100, &cursor, &more,
                          &reset, &error);
  g_assert_no_error (error);
  g_assert_true (reset);
  g_assert_cmpint (cursor, ==, cursor2);
}

/* --- migrations ---------------------------------------------------------------------------- */

static guint
schema_version (void)
{
  return tc_test_db_is_postgresql () ? tc_pg_store_schema_version ()
                                     : tc_sqlite_store_schema_version ();
}

static void
set_schema_version (Fixture *fixture,
                    guint    version)
{
  g_autofree char *sql = tc_test_db_is_postgresql ()
    ? g_strdup_printf ("UPDATE schema_version SET version = %u", version)
    : g_strdup_printf ("PRAGMA user_version = %u", version);

  tc_test_db_exec (fixture->path, sql);
}

static void
test_reopen_and_newer_schema (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TcStore) again = NULL;
  g_autoptr(TcStore) refused = NULL;
  g_autoptr(TcAssociate) a = NULL;

  g_clear_object (&fixture->store);

  /* Reopening migrates nothing and keeps the data. */
  again = open_store (fixture, &error);
  g_assert_no_error (error);
  a = tc_store_get_me (again, "A", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (a->name, ==, "Associate A");
  g_clear_object (&again);

  set_schema_version (fixture, schema_version () + 1);
  refused = open_store (fixture, &error);
  g_assert_null (refused);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "newer"));
  g_clear_error (&error);

  /* Leave something for teardown to close. */
  set_schema_version (fixture, schema_version ());
  fixture->store = open_store (fixture, &error);
  g_assert_no_error (error);
}

/* Column @column of every row of @explain (EXPLAIN or EXPLAIN QUERY PLAN)
 * @sql on @db, one line each. */
static char *
explain_lines (sqlite3    *db,
               const char *explain,
               const char *sql,
               int         column)
{
  g_autofree char *text = g_strconcat (explain, " ", sql, NULL);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  GString *lines = g_string_new (NULL);

  g_assert_cmpint (sqlite3_prepare_v2 (db, text, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (lines, "%s\n", (const char *) sqlite3_column_text (stmt, column));
  return g_string_free (lines, FALSE);
}

/* Whether running @sql on @db opens a temporary B-tree (OpenEphemeral). */
static gboolean
uses_temporary_btree (sqlite3    *db,
                      const char *sql)
{
  g_autofree char *opcodes = explain_lines (db, "EXPLAIN", sql, 1);

  return g_str_has_prefix (opcodes, "OpenEphemeral\n") ||
         strstr (opcodes, "\nOpenEphemeral\n") != NULL;
}

/* A database at schema version @version of tc_sqlite_schema_migrations(),
 * in @fixture's directory under @name: what an older server left. */
static sqlite3 *
open_at_version (Fixture    *fixture,
                 const char *name,
                 guint       version,
                 char      **out_path)
{
  g_autoptr(GError) error = NULL;
  const TcSqliteMigration *migrations;
  guint n_migrations;
  sqlite3 *db;

  *out_path = g_build_filename (fixture->dir, name, NULL);
  db = tc_sqlite_open (*out_path, FALSE, &error);
  g_assert_no_error (error);
  migrations = tc_sqlite_schema_migrations (&n_migrations);
  g_assert_cmpuint (n_migrations, >, version);
  g_assert_true (tc_sqlite_migrate (db, migrations, version, &error));
  g_assert_no_error (error);
  return db;
}

static int
exec_rc (sqlite3    *db,
         const char *sql)
{
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    g_test_message ("%s: %s", sql, sqlite3_errmsg (db));
  return rc & 0xff;   /* the primary code, with extended codes on or off */
}

/* Migration 6 rewrites the events' and deliveries' CHECKs (IN lists of four
 * and five values, which SQLite 3.40 checks with a temporary B-tree per row
 * written) as comparisons: rows written before stay, the same values are
 * refused, and a message's writes build no temporary B-tree. */
static void
test_checks_without_temporary_btrees (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *old_path = NULL;
  g_autoptr(sqlite3) db = NULL;
  g_autoptr(TcStore) store = NULL;
  const char *insert_event =
    "INSERT INTO events (associate_id, type, message_id, created_at) VALUES ('A', ?1, 1, 1)";
  const char *insert_delivery =
    "INSERT INTO deliveries (message_id, channel, state, next_at, created_at, updated_at) "
    "VALUES (1, 'email', ?1, 1, 1, 1)";

  if (tc_test_db_is_postgresql ())
    {
      g_test_skip ("PostgreSQL checks IN lists without temporary tables");
      return;
    }

  /* A database made by the previous version, with an event and a job in it. */
  db = open_at_version (fixture, "version-5.db", 5, &old_path);
  g_assert_true (uses_temporary_btree (db, insert_event));
  g_assert_cmpint (exec_rc (db, "INSERT INTO associates (id, login, password_hash, name, updated_at) "
                                "VALUES ('A', 'a', 'x', 'A', 1);"
                                "INSERT INTO messages (id, client_id, sender_id, recipient_id, body, sent_at) "
                                "VALUES (1, 'c1', 'A', 'A', 'hello', 1);"
                                "INSERT INTO events (associate_id, type, message_id, created_at) "
                                "VALUES ('A', 'message', 1, 1);"
                                "INSERT INTO deliveries (message_id, channel, next_at, created_at, updated_at) "
                                "VALUES (1, 'email', 1, 1, 1)"), ==, SQLITE_OK);
  g_clear_pointer (&db, tc_sqlite_close);

  store = tc_store_open (old_path, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&store);

  db = tc_sqlite_open (old_path, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tc_sqlite_user_version (db), ==, (int) tc_sqlite_store_schema_version ());
  g_assert_false (uses_temporary_btree (db, insert_event));
  g_assert_false (uses_temporary_btree (db, insert_delivery));
  /* What was there is still there and still passes. */
  g_assert_cmpint (exec_rc (db, "PRAGMA integrity_check"), ==, SQLITE_OK);
  g_assert_cmpint (exec_rc (db, "UPDATE events SET type = type; UPDATE deliveries SET state = 'sent'"),
                   ==, SQLITE_OK);
  /* Every allowed value is still allowed, anything else refused. */
  g_assert_cmpint (exec_rc (db, "INSERT INTO events (associate_id, type, message_id, created_at) "
                                "VALUES ('A', 'read', NULL, 1), ('A', 'member', NULL, 1), "
                                "('A', 'preferences', NULL, 1)"), ==, SQLITE_OK);
  g_assert_cmpint (exec_rc (db, "INSERT INTO events (associate_id, type, created_at) VALUES ('A', 'Message', 1)"),
                   ==, SQLITE_CONSTRAINT);
  g_assert_cmpint (exec_rc (db, "INSERT INTO events (associate_id, type, created_at) VALUES ('A', NULL, 1)"),
                   ==, SQLITE_CONSTRAINT);
  for (guint i = 0; i < 5; i++)
    {
      static const char *states[] = { "pending", "sending", "sent", "failed", "skipped" };
      g_autofree char *sql = g_strdup_printf ("UPDATE deliveries SET state = '%s'", states[i]);

      g_assert_cmpint (exec_rc (db, sql), ==, SQLITE_OK);
    }
  g_assert_cmpint (exec_rc (db, "UPDATE deliveries SET state = 'lost'"), ==, SQLITE_CONSTRAINT);
  g_assert_cmpint (exec_rc (db, "UPDATE deliveries SET state = ''"), ==, SQLITE_CONSTRAINT);

  /* A new database gets the same (the fixture's store made it). */
  g_clear_pointer (&db, tc_sqlite_close);
  db = tc_sqlite_open (fixture->path, FALSE, &error);
  g_assert_no_error (error);
  g_assert_false (uses_temporary_btree (db, insert_event));
  g_assert_false (uses_temporary_btree (db, insert_delivery));
}

static gint64
count_rows (sqlite3    *db,
            const char *sql)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  return sqlite3_column_int64 (stmt, 0);
}

/* Migration 7 drops messages_conversation: a page of a conversation finds
 * both directions through messages_inbox, the index stays out of every
 * send, and what was in the conversation before is found after. */
static void
test_one_conversation_index (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *old_path = NULL;
  g_autofree char *plan = NULL;
  g_autoptr(sqlite3) db = NULL;
  g_autoptr(TcStore) store = NULL;
  g_autoptr(GPtrArray) page = NULL;
  gboolean more = FALSE;
  const char *has_conversation_index =
    "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'messages' "
    "AND name = 'messages_conversation'";

  if (tc_test_db_is_postgresql ())
    {
      g_test_skip ("the SQLite schema's step");
      return;
    }

  /* A database of the previous version with both directions in it. */
  db = open_at_version (fixture, "version-6.db", 6, &old_path);
  g_assert_cmpint (count_rows (db, has_conversation_index), ==, 1);
  g_assert_cmpint (exec_rc (db, "INSERT INTO associates (id, login, password_hash, name, sponsor_id, "
                                "                        updated_at) "
                                "VALUES ('A', 'a', 'x', 'A', NULL, 1), ('B', 'b', 'x', 'B', 'A', 1), "
                                "       ('C', 'c', 'x', 'C', 'A', 1);"
                                "INSERT INTO messages (id, client_id, sender_id, recipient_id, body, sent_at) "
                                "VALUES (1, 'c1', 'A', 'B', 'one', 1), (2, 'c2', 'B', 'A', 'two', 2), "
                                "       (3, 'c3', 'A', 'C', 'other', 3), (4, 'c4', 'A', 'B', 'four', 4)"),
                   ==, SQLITE_OK);
  g_clear_pointer (&db, tc_sqlite_close);

  store = tc_store_open (old_path, NULL, &error);
  g_assert_no_error (error);
  page = tc_store_list_messages (store, "A", "B", 0, 10, &more, &error);
  g_assert_no_error (error);
  g_assert_nonnull (page);
  g_assert_cmpuint (page->len, ==, 3);
  g_assert_cmpint (((TcMessage *) g_ptr_array_index (page, 0))->id, ==, 4);
  g_assert_cmpint (((TcMessage *) g_ptr_array_index (page, 1))->id, ==, 2);
  g_assert_cmpint (((TcMessage *) g_ptr_array_index (page, 2))->id, ==, 1);
  g_clear_object (&store);

  db = tc_sqlite_open (old_path, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (count_rows (db, has_conversation_index), ==, 0);
  plan = explain_lines (db, "EXPLAIN QUERY PLAN", "SELECT m.id " TC_SQLITE_CONVERSATION_PAGE, 3);
  g_test_message ("%s", plan);
  /* Both directions through the index, nothing read in full. */
  g_assert_nonnull (strstr (plan, "INDEX messages_inbox (recipient_id=? AND sender_id=? AND id<?)"));
  g_assert_nonnull (strstr (strstr (plan, "INDEX messages_inbox") + 1, "INDEX messages_inbox"));
  g_assert_null (strstr (plan, "SCAN"));
  g_assert_cmpint (exec_rc (db, "PRAGMA integrity_check"), ==, SQLITE_OK);
}

/* --- concurrent writers ------------------------------------------------------------------------ */

typedef struct {
  Fixture *fixture;
  guint    index;
  guint    ok;
} Sender;

static gpointer
sender_thread (gpointer data)
{
  Sender *sender = data;
  static const char *pairs[][2] = { { "A", "B" }, { "B", "D" }, { "C", "E" }, { "E", "F" } };

  for (guint i = 0; i < 25; i++)
    {
      g_autoptr(GError) error = NULL;
      const char **pair = pairs[(sender->index + i) % G_N_ELEMENTS (pairs)];
      g_autoptr(GPtrArray) sent = send (sender->fixture, pair[0], pair[1], "storm", NULL, 0, NULL,
                                        &error);
      if (sent != NULL)
        sender->ok++;
    }
  return NULL;
}

static guint
sunk_count (Fixture *fixture)
{
  guint n;

  g_mutex_lock (&fixture->mutex);
  n = fixture->sunk_seqs->len;
  g_mutex_unlock (&fixture->mutex);
  return n;
}

static void
test_concurrent_sends (Fixture       *fixture,
                       gconstpointer  data)
{
  Sender senders[16];
  GThread *threads[16];
  guint64 commits = 0, jobs = 0, commits_before = 0, jobs_before = 0;
  guint total = 0;
  gint64 previous = 0;
  gboolean postgresql = tc_test_db_is_postgresql ();

  if (!postgresql)
    tc_sqlite_store_get_commit_stats (TC_SQLITE_STORE (fixture->store), &commits_before,
                                      &jobs_before);
  g_mutex_lock (&fixture->mutex);
  g_ptr_array_set_size (fixture->sunk_seqs, 0);
  g_ptr_array_set_size (fixture->sunk_ids, 0);
  g_mutex_unlock (&fixture->mutex);
  /* A shared store hands over the events of the streams connected here,
   * after the head cursor read for them (as a WebSocket's hello does). */
  for (guint i = 0; i < G_N_ELEMENTS (tree); i++)
    {
      tc_store_set_connected (fixture->store, tree[i].id, TRUE);
      g_assert_cmpint (tc_store_head_cursor (fixture->store, tree[i].id, NULL), >=, 0);
    }

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      senders[i] = (Sender) { fixture, i, 0 };
      threads[i] = g_thread_new ("sender", sender_thread, &senders[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      g_thread_join (threads[i]);
      total += senders[i].ok;
    }
  g_assert_cmpuint (total, ==, 16 * 25);

  if (!postgresql)
    {
      tc_sqlite_store_get_commit_stats (TC_SQLITE_STORE (fixture->store), &commits, &jobs);
      g_assert_cmpuint (jobs - jobs_before, ==, 16 * 25);
      g_assert_cmpuint (commits - commits_before, <=, jobs - jobs_before);
      g_test_message ("%u sends in %u commits", (guint) (jobs - jobs_before),
                      (guint) (commits - commits_before));
    }
  else
    {
      /* Live events come after the commit, from the database. */
      gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

      while (sunk_count (fixture) < 2 * 16 * 25 && g_get_monotonic_time () < deadline)
        g_usleep (10 * 1000);
    }

  /* Two stream events per message. SQLite: one counter, handed over in
   * commit order. PostgreSQL: each stream numbered 1, 2, 3… in the order
   * it is handed over, none skipped, whatever order concurrent
   * transactions took. */
  g_mutex_lock (&fixture->mutex);
  g_assert_cmpuint (fixture->sunk_seqs->len, ==, 2 * 16 * 25);
  if (!postgresql)
    for (guint i = 0; i < fixture->sunk_seqs->len; i++)
      {
        gint64 seq = (gint64) GPOINTER_TO_SIZE (fixture->sunk_seqs->pdata[i]);
        g_assert_cmpint (seq, >, previous);
        previous = seq;
      }
  else
    {
      g_autoptr(GHashTable) last = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

      for (guint i = 0; i < fixture->sunk_seqs->len; i++)
        {
          const char *id = fixture->sunk_ids->pdata[i];
          gint64 seq = (gint64) GPOINTER_TO_SIZE (fixture->sunk_seqs->pdata[i]);
          gint64 *before = g_hash_table_lookup (last, id);

          if (before != NULL)
            g_assert_cmpint (seq, ==, *before + 1);
          else
            g_hash_table_insert (last, (gpointer) id, before = g_new0 (gint64, 1));
          *before = seq;
        }
    }
  g_mutex_unlock (&fixture->mutex);
}

/* The WAL is copied back into the database file by the checkpointer
 * thread, not by the commits of the writer: the file grows while the store
 * is open and only the store writes. */
static void
test_checkpoints_in_background (Fixture       *fixture,
                                gconstpointer  data)
{
  GStatBuf before, after;
  guint sent = 0;
  gint64 give_up;

  if (tc_test_db_is_postgresql ())
    {
      g_test_skip ("the checkpointer is the SQLite store's");
      return;
    }

  g_assert_cmpint (g_stat (fixture->path, &before), ==, 0);
  give_up = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (tc_sqlite_store_get_checkpoints (TC_SQLITE_STORE (fixture->store)) == 0)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) messages = NULL;

      /* One commit each: a few WAL pages each, 1,000 pages in a few
       * hundred sends. Not a timing: a bound so a broken build ends. */
      g_assert_cmpint (g_get_monotonic_time (), <, give_up);
      messages = send (fixture, "A", "B", "a page or two of WAL", NULL, 0, NULL, &error);
      g_assert_no_error (error);
      sent++;
    }
  g_test_message ("first checkpoint after %u sends", sent);
  g_assert_cmpint (g_stat (fixture->path, &after), ==, 0);
  g_assert_cmpint (after.st_size, >, before.st_size);
  g_assert_cmpuint (history_len (fixture, "A", "B"), ==, sent);
}

/* A writer that never pauses (seed-demo, a long burst of traffic) still
 * gets its WAL started over: the background checkpoints alone would stay a
 * batch behind, and the WAL would grow for as long as the writes last. */
static void
test_wal_bounded_under_load (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autofree char *wal = g_strconcat (fixture->path, "-wal", NULL);
  g_autofree char *body = g_strnfill (3000, 'w');
  gint64 largest = 0;

  if (tc_test_db_is_postgresql ())
    {
      g_test_skip ("the WAL is SQLite's");
      return;
    }

  for (guint batch = 0; batch < 100; batch++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) senders = g_ptr_array_new ();
      g_autoptr(GPtrArray) requests = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_send_request_free);
      g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (gint64));
      GStatBuf st;

      for (guint i = 0; i < 400; i++)
        {
          TcSendRequest *request = tc_send_request_new ();
          gint64 now = g_get_real_time ();

          request->client_id = tc_uuid_new ();
          g_ptr_array_add (request->to, g_strdup ("B"));
          g_free (request->body);
          request->body = g_strdup (body);
          g_ptr_array_add (requests, request);
          g_ptr_array_add (senders, (gpointer) "A");
          g_array_append_val (times, now);
        }
      g_assert_true (tc_store_send_batch (fixture->store, senders, requests, times, &error));
      g_assert_no_error (error);
      if (g_stat (wal, &st) == 0)
        largest = MAX (largest, (gint64) st.st_size);
    }
  /* 100 batches of ~1.3 MB of pages each: 130 MB went through the WAL. The
   * writer finishes a checkpoint past 16,000 pages (64 MB), so the file
   * stays near that, whatever the thread manages meanwhile. */
  g_test_message ("largest WAL: %" G_GINT64_FORMAT " bytes", largest);
  g_assert_cmpint (largest, <, 80 * 1024 * 1024);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) \
  g_test_add ("/store/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("team-rule", test_team_rule);
  ADD ("team-list", test_team_list);
  ADD ("dashboard", test_dashboard);
  ADD ("import/refuses-whole-file", test_import_refuses_whole_file);
  ADD ("import/update-and-login", test_import_update_and_login);
  ADD ("team-cache/reimport", test_team_cache_reimport);
  ADD ("team-cache/other-process", test_team_cache_other_process);
  ADD ("sessions", test_sessions);
  ADD ("sessions/revoke", test_sessions_revoke);
  ADD ("sessions/find-ended", test_sessions_find_ended);
  ADD ("import/password-change-ends-sessions", test_import_password_change);
  ADD ("send/fan-out-and-idempotence", test_send_fanout_and_idempotence);
  ADD ("send/concurrent-resends", test_send_concurrent_resends);
  ADD ("send/refusals-store-nothing", test_send_refusals_store_nothing);
  ADD ("send/live-events-match-sync", test_send_live_events_match_sync);
  ADD ("send/async", test_send_async);
  ADD ("send/fails-after-writing", test_send_fails_after_writing);
  ADD ("history-paging", test_history_paging);
  ADD ("read-markers", test_read_markers);
  ADD ("sync", test_sync);
  ADD ("retention", test_retention);
  ADD ("retention-reset", test_retention_reset);
  ADD ("retention/clock-went-back", test_retention_clock_went_back);
  ADD ("retention/one-purge-at-a-time", test_retention_one_at_a_time);
  ADD ("migrations/reopen-and-newer-schema", test_reopen_and_newer_schema);
  ADD ("migrations/checks-without-temporary-btrees", test_checks_without_temporary_btrees);
  ADD ("migrations/one-conversation-index", test_one_conversation_index);
  ADD ("group-commit/concurrent-sends", test_concurrent_sends);
  ADD ("checkpoints-in-background", test_checkpoints_in_background);
  ADD ("wal-bounded-under-load", test_wal_bounded_under_load);
#undef ADD

  return g_test_run ();
}
