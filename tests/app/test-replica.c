/* test-replica.c: the app's local replica, without a server */
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "tc-app-test.h"
#include "tc-error.h"
#include "tc-replica.h"

#define ME "A"

typedef struct {
  char      *dir;
  char      *path;
  TcReplica *replica;
  GPtrArray *changes;     /* of Change, as "changed" told them */
} Fixture;

typedef struct {
  TcReplicaChange  what;
  GStrv            peers;
} Change;

static void
change_free (Change *change)
{
  g_strfreev (change->peers);
  g_free (change);
}

static void
on_changed_cb (TcReplica       *replica,
               TcReplicaChange  what,
               GStrv            peers,
               gpointer         user_data)
{
  Fixture *f = user_data;
  Change *change = g_new0 (Change, 1);

  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  change->what = what;
  change->peers = g_strdupv (peers);
  g_ptr_array_add (f->changes, change);
}

/* Everything "changed" said since the last call, merged. */
static TcReplicaChange
take_changes (Fixture  *f,
              GStrv    *out_peers)
{
  TcReplicaChange what = TC_REPLICA_CHANGE_NONE;
  g_autoptr(GStrvBuilder) peers = g_strv_builder_new ();

  /* Emissions are queued behind the results: let them through. */
  for (int i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
  for (guint i = 0; i < f->changes->len; i++)
    {
      Change *change = g_ptr_array_index (f->changes, i);

      what |= change->what;
      for (guint j = 0; change->peers != NULL && change->peers[j] != NULL; j++)
        g_strv_builder_add (peers, change->peers[j]);
    }
  g_ptr_array_set_size (f->changes, 0);
  if (out_peers != NULL)
    *out_peers = g_strv_builder_end (peers);
  return what;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("tc-replica-XXXXXX", &error);
  g_assert_no_error (error);
  /* A folder that does not exist yet: opening creates it. */
  f->path = g_build_filename (f->dir, "sub", "replica.db", NULL);
  f->changes = g_ptr_array_new_with_free_func ((GDestroyNotify) change_free);
  f->replica = tc_app_test_replica_open (f->path, ME, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->replica);
  g_signal_connect (f->replica, "changed", G_CALLBACK (on_changed_cb), f);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  tc_app_test_replica_close (&f->replica);
  g_ptr_array_unref (f->changes);
  tc_app_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

static GPtrArray *
events_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) tc_event_free);
}

static TcConversation *
find_conversation (GPtrArray  *rows,
                   const char *peer)
{
  for (guint i = 0; i < rows->len; i++)
    {
      TcConversation *row = g_ptr_array_index (rows, i);

      if (g_str_equal (row->peer_id, peer))
        return row;
    }
  return NULL;
}

/* Applies the small world most tests start from: members B, C, D; a
 * conversation with B (ids 1–4) and one with C (id 5). */
static void
apply_world (Fixture *f)
{
  g_autoptr(GPtrArray) events = events_new ();
  TcEvent *preferences = tc_event_new (TC_EVENT_PREFERENCES);

  g_ptr_array_add (events, tc_app_test_member_event ("B", "Bob Birch", TRUE));
  g_ptr_array_add (events, tc_app_test_member_event ("C", "Carol Cedar", FALSE));
  g_ptr_array_add (events, tc_app_test_member_event ("D", "Dan Dogwood", FALSE));
  preferences->offline_channel = g_strdup ("sms");
  g_ptr_array_add (events, preferences);
  g_ptr_array_add (events, tc_app_test_message_event (11, 1, "B", ME, "hi A"));
  g_ptr_array_add (events, tc_app_test_message_event (12, 2, ME, "B", "hi B"));
  g_ptr_array_add (events, tc_app_test_message_event (13, 3, "B", ME, "how are you?"));
  g_ptr_array_add (events, tc_app_test_message_event (14, 4, "B", ME, "hello?"));
  g_ptr_array_add (events, tc_app_test_message_event (15, 5, "C", ME, "from Carol"));
  tc_app_test_replica_apply (f->replica, events, "15");
}

/* --- tests ------------------------------------------------------------------ */

static void
test_default_path (void)
{
  g_autofree char *a = tc_replica_default_path ("https://chat.example.com", "A1001");
  g_autofree char *a_slash = tc_replica_default_path ("https://chat.example.com/", "A1001");
  g_autofree char *b = tc_replica_default_path ("https://chat.example.com", "A1002");
  g_autofree char *other = tc_replica_default_path ("https://other.example.com", "A1001");
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "teamchat", NULL);
  g_autofree char *parent = g_path_get_dirname (a);
  g_autofree char *name = g_path_get_basename (a);

  g_assert_cmpstr (parent, ==, dir);
  g_assert_true (g_str_has_suffix (name, ".db"));
  g_assert_cmpuint (strlen (name), ==, 64 + strlen (".db"));
  for (guint i = 0; i < 64; i++)
    g_assert_true (g_ascii_isxdigit (name[i]));
  g_assert_cmpstr (a, ==, a_slash);
  g_assert_cmpstr (a, !=, b);
  g_assert_cmpstr (a, !=, other);
}

/* The first column of the one row @sql gives on the file @path, as text. */
static char *
query_text (const char *path,
            const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *text;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return text;
}

static int
user_version (const char *path)
{
  g_autofree char *version = query_text (path, "PRAGMA user_version");

  return (int) g_ascii_strtoll (version, NULL, 10);
}

/* sqlite3_exec()'s primary result code for @sql on the file @path. */
static int
exec_on (const char *path,
         const char *sql)
{
  sqlite3 *db = NULL;
  int rc;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  rc = sqlite3_exec (db, sql, NULL, NULL, NULL);
  sqlite3_close (db);
  return rc & 0xff;
}

static void
set_user_version (const char *path,
                  int         version)
{
  g_autofree char *sql = g_strdup_printf ("PRAGMA user_version=%d", version);

  g_assert_cmpint (exec_on (path, sql), ==, SQLITE_OK);
}

/* Whether the messages table checks its state with an IN list. */
static gboolean
messages_check_is_in_list (const char *path)
{
  g_autofree char *sql = query_text (path, "SELECT sql FROM sqlite_schema WHERE name = 'messages'");

  return strstr (sql, "state IN (") != NULL;
}

static void
test_open_migrate (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) members = NULL;
  g_autofree char *cursor = NULL;
  TcReplica *other;

  /* A new file gets the current schema. */
  g_assert_cmpint (user_version (f->path), ==, tc_replica_schema_version ());
  apply_world (f);
  tc_app_test_replica_close (&f->replica);
  g_assert_true (g_file_test (f->path, G_FILE_TEST_EXISTS));

  /* Opening it again keeps what it had. */
  f->replica = tc_app_test_replica_open (f->path, ME, &error);
  g_assert_no_error (error);
  members = tc_app_test_replica_members (f->replica, NULL);
  g_assert_cmpuint (members->len, ==, 3);
  cursor = tc_app_test_replica_cursor (f->replica);
  g_assert_cmpstr (cursor, ==, "15");
  tc_app_test_replica_close (&f->replica);

  /* A replica is one associate's. */
  other = tc_app_test_replica_open (f->path, "B", &error);
  g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
  g_assert_null (other);
  g_clear_error (&error);

  /* A schema from a newer app is refused, not touched. */
  set_user_version (f->path, 99);
  other = tc_app_test_replica_open (f->path, ME, &error);
  g_assert_error (error, TC_ERROR, TC_ERROR_UNAVAILABLE);
  g_assert_null (other);
  g_assert_cmpint (user_version (f->path), ==, 99);
  g_clear_error (&error);
  set_user_version (f->path, tc_replica_schema_version ());

  /* A file of the first schema is brought up step by step, data kept. */
  tc_app_test_replica_rewind (f->path, 1);
  g_assert_cmpint (user_version (f->path), ==, 1);
  g_assert_true (messages_check_is_in_list (f->path));
  other = tc_app_test_replica_open (f->path, ME, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tc_app_test_replica_unread (other), ==, 4);
  tc_app_test_replica_close (&other);
  g_assert_cmpint (user_version (f->path), ==, tc_replica_schema_version ());
  /* Step 9: the state CHECK is comparisons (no temporary B-tree per row
   * stored) and still refuses what it refused. */
  g_assert_false (messages_check_is_in_list (f->path));
  g_assert_cmpint (exec_on (f->path, "UPDATE messages SET state = 'failed' WHERE local_id = 1"),
                   ==, SQLITE_OK);
  g_assert_cmpint (exec_on (f->path, "UPDATE messages SET state = 'sent' WHERE local_id = 1"),
                   ==, SQLITE_OK);
  g_assert_cmpint (exec_on (f->path, "UPDATE messages SET state = 'lost' WHERE local_id = 1"),
                   ==, SQLITE_CONSTRAINT);

  /* A file that is not a database. */
  {
    g_autofree char *junk = g_build_filename (f->dir, "junk.db", NULL);

    g_assert_true (g_file_set_contents (junk, "not a database, not at all, no", -1, NULL));
    other = tc_app_test_replica_open (junk, ME, &error);
    g_assert_error (error, TC_ERROR, TC_ERROR_UNAVAILABLE);
    g_assert_null (other);
    g_clear_error (&error);
  }

  f->replica = tc_app_test_replica_open (f->path, ME, &error);
  g_assert_no_error (error);
  g_signal_connect (f->replica, "changed", G_CALLBACK (on_changed_cb), f);
}

static void
assert_same_messages (GPtrArray *a,
                      GPtrArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      TcReplicaMessage *x = g_ptr_array_index (a, i);
      TcReplicaMessage *y = g_ptr_array_index (b, i);

      g_assert_cmpint (x->local_id, ==, y->local_id);
      g_assert_cmpint (x->state, ==, y->state);
      g_assert_true (tc_message_equal (x->message, y->message));
    }
}

static void
test_apply_idempotent (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GPtrArray) events = events_new ();
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GPtrArray) members = NULL;
  g_auto(GStrv) peers = NULL;
  g_autofree char *cursor = NULL;
  TcReplicaChange what;
  TcReplicaMessage *row;

  apply_world (f);
  what = take_changes (f, &peers);
  g_assert_true (what & TC_REPLICA_CHANGE_MEMBERS);
  g_assert_true (what & TC_REPLICA_CHANGE_MESSAGES);
  g_assert_true (what & TC_REPLICA_CHANGE_PREFERENCES);
  g_assert_true (g_strv_contains ((const char * const *) peers, "B"));
  g_assert_true (g_strv_contains ((const char * const *) peers, "C"));
  before = tc_app_test_replica_all_messages (f->replica);
  g_assert_cmpuint (before->len, ==, 5);

  /* The same page again (a retried sync, or live events the catch-up
   * already had) changes nothing, and says so. */
  apply_world (f);
  g_assert_cmpint (take_changes (f, NULL), ==, TC_REPLICA_CHANGE_NONE);
  after = tc_app_test_replica_all_messages (f->replica);
  assert_same_messages (before, after);
  members = tc_app_test_replica_members (f->replica, NULL);
  g_assert_cmpuint (members->len, ==, 3);

  /* A message event re-rendered later (now delivered by text) updates it. */
  g_ptr_array_add (events, tc_app_test_message_event (16, 2, ME, "B", "hi B"));
  ((TcEvent *) g_ptr_array_index (events, 0))->message->delivered_via = g_strdup ("sms");
  g_free (((TcEvent *) g_ptr_array_index (events, 0))->message->client_id);
  ((TcEvent *) g_ptr_array_index (events, 0))->message->client_id =
    g_strdup (((TcReplicaMessage *) g_ptr_array_index (before, 1))->message->client_id);
  tc_app_test_replica_apply (f->replica, events, "16");
  what = take_changes (f, NULL);
  g_assert_true (what & TC_REPLICA_CHANGE_MESSAGES);
  g_clear_pointer (&after, g_ptr_array_unref);
  after = tc_app_test_replica_all_messages (f->replica);
  g_assert_cmpuint (after->len, ==, 5);
  row = g_ptr_array_index (after, 1);
  g_assert_cmpint (row->message->id, ==, 2);
  g_assert_cmpstr (row->message->delivered_via, ==, "sms");
  g_assert_null (row->message->delivery_error);

  /* Offline delivery that failed for good says why (delivery_error); the
   * reason is kept, and goes when a later event says it was delivered. */
  {
    TcEvent *event = g_ptr_array_index (events, 0);

    g_clear_pointer (&event->message->delivered_via, g_free);
    event->message->delivery_error = g_strdup ("no email address on file");
    event->seq = 17;
    tc_app_test_replica_apply (f->replica, events, "16");
    g_assert_true (take_changes (f, NULL) & TC_REPLICA_CHANGE_MESSAGES);
    g_clear_pointer (&after, g_ptr_array_unref);
    after = tc_app_test_replica_all_messages (f->replica);
    row = g_ptr_array_index (after, 1);
    g_assert_null (row->message->delivered_via);
    g_assert_cmpstr (row->message->delivery_error, ==, "no email address on file");

    g_clear_pointer (&event->message->delivery_error, g_free);
    event->message->delivered_via = g_strdup ("sms");
    event->seq = 18;
    tc_app_test_replica_apply (f->replica, events, "16");
    g_assert_true (take_changes (f, NULL) & TC_REPLICA_CHANGE_MESSAGES);
    g_clear_pointer (&after, g_ptr_array_unref);
    after = tc_app_test_replica_all_messages (f->replica);
    row = g_ptr_array_index (after, 1);
    g_assert_cmpstr (row->message->delivered_via, ==, "sms");
    g_assert_null (row->message->delivery_error);
  }
  cursor = tc_app_test_replica_cursor (f->replica);
  g_assert_cmpstr (cursor, ==, "16");

  /* A page without a cursor (presence, snapshots) keeps the cursor. */
  g_ptr_array_set_size (events, 0);
  {
    TcEvent *presence = tc_event_new (TC_EVENT_PRESENCE);

    presence->seq = 16;
    presence->associate_id = g_strdup ("C");
    presence->online = TRUE;
    g_ptr_array_add (events, presence);
  }
  tc_app_test_replica_apply (f->replica, events, NULL);
  g_assert_cmpint (take_changes (f, NULL), ==, TC_REPLICA_CHANGE_MEMBERS);
  g_clear_pointer (&cursor, g_free);
  cursor = tc_app_test_replica_cursor (f->replica);
  g_assert_cmpstr (cursor, ==, "16");
  g_clear_pointer (&members, g_ptr_array_unref);
  members = tc_app_test_replica_members (f->replica, NULL);
  g_assert_true (((TcAssociate *) g_ptr_array_index (members, 1))->online);
}

static void
test_apply_atomic (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) events = events_new ();
  g_autoptr(GPtrArray) messages = NULL;
  g_autofree char *cursor = NULL;
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  apply_world (f);
  take_changes (f, NULL);

  /* A page with a bad event is not applied at all, nor its cursor. */
  g_ptr_array_add (events, tc_app_test_message_event (16, 6, "B", ME, "fine"));
  g_ptr_array_add (events, tc_app_test_message_event (17, 0, "B", ME, "no id"));
  tc_replica_apply_events_async (f->replica, events, "17", NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "apply");
  g_assert_false (tc_replica_apply_events_finish (f->replica, result, &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);

  cursor = tc_app_test_replica_cursor (f->replica);
  g_assert_cmpstr (cursor, ==, "15");
  messages = tc_app_test_replica_all_messages (f->replica);
  g_assert_cmpuint (messages->len, ==, 5);
  g_assert_cmpint (take_changes (f, NULL), ==, TC_REPLICA_CHANGE_NONE);
}

static void
test_conversations (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GPtrArray) recent = NULL;
  g_autoptr(GPtrArray) unread = NULL;
  g_autoptr(GPtrArray) events = events_new ();
  TcConversation *row;

  apply_world (f);
  recent = tc_app_test_replica_conversations (f->replica, TC_CONVERSATIONS_RECENT);

  /* Newest first: C (id 5), then B (id 4). */
  g_assert_cmpuint (recent->len, ==, 2);
  row = g_ptr_array_index (recent, 0);
  g_assert_cmpstr (row->peer_id, ==, "C");
  g_assert_cmpstr (row->peer_name, ==, "Carol Cedar");
  g_assert_true (row->is_member);
  g_assert_false (row->online);
  g_assert_cmpuint (row->unread, ==, 1);
  g_assert_cmpstr (row->last_message->message->body, ==, "from Carol");
  row = g_ptr_array_index (recent, 1);
  g_assert_cmpstr (row->peer_id, ==, "B");
  g_assert_true (row->online);
  g_assert_cmpuint (row->unread, ==, 3);
  g_assert_cmpint (row->last_message->message->id, ==, 4);
  g_assert_cmpuint (tc_app_test_replica_unread (f->replica), ==, 4);

  /* My read marker (from another device) covers B's first two. */
  g_ptr_array_add (events, tc_app_test_read_event (16, ME, "B", 3));
  /* C is no member any more, but the conversation stays. */
  g_ptr_array_add (events, tc_app_test_message_event (17, 6, ME, "E", "to someone gone"));
  tc_app_test_replica_apply (f->replica, events, "16");

  unread = tc_app_test_replica_conversations (f->replica, TC_CONVERSATIONS_UNREAD);
  g_assert_cmpuint (unread->len, ==, 2);
  g_assert_cmpuint (find_conversation (unread, "B")->unread, ==, 1);
  g_assert_cmpuint (find_conversation (unread, "C")->unread, ==, 1);
  g_assert_null (find_conversation (unread, "E"));
  g_assert_cmpuint (tc_app_test_replica_unread (f->replica), ==, 2);

  g_clear_pointer (&recent, g_ptr_array_unref);
  recent = tc_app_test_replica_conversations (f->replica, TC_CONVERSATIONS_RECENT);
  g_assert_cmpuint (recent->len, ==, 3);
  row = g_ptr_array_index (recent, 0);
  g_assert_cmpstr (row->peer_id, ==, "E");
  g_assert_cmpstr (row->peer_name, ==, "E");
  g_assert_false (row->is_member);
  g_assert_cmpuint (row->unread, ==, 0);
}

static gboolean
mark_read (TcReplica  *replica,
           const char *peer,
           gint64      up_to)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gboolean moved;

  if (peer != NULL)
    tc_replica_mark_read_async (replica, peer, up_to, NULL, tc_app_test_async_cb, &async);
  else
    tc_replica_mark_all_read_async (replica, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "mark read");
  if (peer != NULL)
    moved = tc_replica_mark_read_finish (replica, result, &error);
  else
    moved = tc_replica_mark_all_read_finish (replica, result, &error);
  g_assert_no_error (error);
  return moved;
}

static void
read_sent (TcReplica  *replica,
           const char *peer,
           gint64      up_to)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  tc_replica_read_sent_async (replica, peer, up_to, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "read sent");
  g_assert_true (tc_replica_read_sent_finish (replica, result, &error));
  g_assert_no_error (error);
}

static void
test_read_markers (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) reads = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GPtrArray) events = events_new ();
  TcReadMarker *marker;
  TcReplicaChange what;

  apply_world (f);
  take_changes (f, NULL);

  /* Opening a conversation: read up to its last message, at once. */
  g_assert_true (mark_read (f->replica, "B", 0));
  what = take_changes (f, NULL);
  g_assert_true (what & TC_REPLICA_CHANGE_READ);
  g_assert_true (what & TC_REPLICA_CHANGE_OUTBOX);
  g_assert_cmpuint (tc_app_test_replica_unread (f->replica), ==, 1);
  /* Again: nothing moves. */
  g_assert_false (mark_read (f->replica, "B", 0));
  g_assert_false (mark_read (f->replica, "B", 2));

  /* The marker waits to be sent. */
  reads = tc_app_test_replica_reads (f->replica);
  g_assert_cmpuint (reads->len, ==, 1);
  marker = g_ptr_array_index (reads, 0);
  g_assert_cmpstr (marker->peer_id, ==, "B");
  g_assert_cmpint (marker->up_to, ==, 4);

  /* An older marker from the server neither moves it back nor clears it. */
  g_ptr_array_add (events, tc_app_test_read_event (16, ME, "B", 3));
  tc_app_test_replica_apply (f->replica, events, "16");
  g_clear_pointer (&reads, g_ptr_array_unref);
  reads = tc_app_test_replica_reads (f->replica);
  g_assert_cmpuint (reads->len, ==, 1);
  g_assert_cmpuint (tc_app_test_replica_unread (f->replica), ==, 1);

  /* The server's own marker catching up clears it. */
  g_ptr_array_set_size (events, 0);
  g_ptr_array_add (events, tc_app_test_read_event (17, ME, "B", 4));
  tc_app_test_replica_apply (f->replica, events, "16");
  g_clear_pointer (&reads, g_ptr_array_unref);
  reads = tc_app_test_replica_reads (f->replica);
  g_assert_cmpuint (reads->len, ==, 0);

  /* Mark all as read; the server acknowledges. */
  g_assert_true (mark_read (f->replica, NULL, 0));
  g_assert_cmpuint (tc_app_test_replica_unread (f->replica), ==, 0);
  g_clear_pointer (&reads, g_ptr_array_unref);
  reads = tc_app_test_replica_reads (f->replica);
  g_assert_cmpuint (reads->len, ==, 1);
  read_sent (f->replica, "C", 5);
  g_clear_pointer (&reads, g_ptr_array_unref);
  reads = tc_app_test_replica_reads (f->replica);
  g_assert_cmpuint (reads->len, ==, 0);

  /* A read receipt: B read my message 2. */
  g_ptr_array_set_size (events, 0);
  g_ptr_array_add (events, tc_app_test_read_event (18, "B", ME, 2));
  tc_app_test_replica_apply (f->replica, events, "18");
  what = take_changes (f, NULL);
  g_assert_true (what & TC_REPLICA_CHANGE_MESSAGES);
  messages = tc_app_test_replica_messages (f->replica, "B", 0, 10);
  for (guint i = 0; i < messages->len; i++)
    {
      TcReplicaMessage *row = g_ptr_array_index (messages, i);

      /* All read now: B's by me, mine by B. */
      g_assert_true (row->message->read);
    }

  /* A message that arrives after the marker covering it is read. */
  g_ptr_array_set_size (events, 0);
  g_ptr_array_add (events, tc_app_test_read_event (19, ME, "D", 8));
  g_ptr_array_add (events, tc_app_test_message_event (20, 7, "D", ME, "late"));
  tc_app_test_replica_apply (f->replica, events, "20");
  g_assert_cmpuint (tc_app_test_replica_unread (f->replica), ==, 0);
}

static TcReplicaMessage *
find_message (GPtrArray  *rows,
              const char *client_id)
{
  for (guint i = 0; i < rows->len; i++)
    {
      TcReplicaMessage *row = g_ptr_array_index (rows, i);

      if (g_strcmp0 (row->message->client_id, client_id) == 0)
        return row;
    }
  return NULL;
}

/* The message the server would answer for an outbox request. */
static TcMessage *
server_message (TcSendRequest *request,
                gint64         id)
{
  TcMessage *message = tc_message_new ();

  message->id = id;
  message->client_id = g_strdup (request->client_id);
  message->from = g_strdup (ME);
  message->to = g_strdup (g_ptr_array_index (request->to, 0));
  message->body = g_strdup (request->body);
  message->sent_at = (1790000000 + id) * G_USEC_PER_SEC;
  return message;
}

static gboolean
outbox_call (TcReplica  *replica,
             const char *what,
             const char *client_id,
             TcMessage  *sent)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok = FALSE;

  if (g_str_equal (what, "sent"))
    tc_replica_mark_sent_async (replica, sent, NULL, tc_app_test_async_cb, &async);
  else if (g_str_equal (what, "failed"))
    tc_replica_mark_failed_async (replica, client_id, "not on your team", NULL,
                                  tc_app_test_async_cb, &async);
  else if (g_str_equal (what, "retry"))
    tc_replica_retry_message_async (replica, client_id, NULL, tc_app_test_async_cb, &async);
  else
    tc_replica_delete_message_async (replica, client_id, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, what);

  if (g_str_equal (what, "sent"))
    ok = tc_replica_mark_sent_finish (replica, result, &error);
  else if (g_str_equal (what, "failed"))
    ok = tc_replica_mark_failed_finish (replica, result, &error);
  else if (g_str_equal (what, "retry"))
    ok = tc_replica_retry_message_finish (replica, result, &error);
  else
    ok = tc_replica_delete_message_finish (replica, result, &error);
  g_assert_no_error (error);
  return ok;
}

static void
test_outbox (Fixture       *f,
             gconstpointer  data)
{
  static const char * const to_b[] = { "B", NULL };
  static const char * const to_c_d[] = { "C", "D", NULL };
  g_auto(GStrv) first = NULL;
  g_auto(GStrv) second = NULL;
  g_auto(GStrv) third = NULL;
  g_autoptr(TcSendRequest) request = NULL;
  g_autoptr(TcMessage) sent = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) recent = NULL;
  TcReplicaMessage *row;
  TcReplicaChange what;

  apply_world (f);
  take_changes (f, NULL);

  first = tc_app_test_replica_enqueue (f->replica, to_b, "one");
  second = tc_app_test_replica_enqueue (f->replica, to_c_d, "two");
  third = tc_app_test_replica_enqueue (f->replica, to_b, "three");
  what = take_changes (f, NULL);
  g_assert_true (what & TC_REPLICA_CHANGE_OUTBOX);
  g_assert_true (what & TC_REPLICA_CHANGE_MESSAGES);

  /* One message, one client id per recipient. */
  g_assert_cmpuint (g_strv_length (first), ==, 1);
  g_assert_cmpuint (g_strv_length (second), ==, 2);
  g_assert_cmpstr (second[0], !=, second[1]);

  /* Shown at once as pending, at the end of the conversation. */
  rows = tc_app_test_replica_messages (f->replica, "B", 0, 10);
  row = g_ptr_array_index (rows, 0);
  g_assert_cmpstr (row->message->body, ==, "three");
  g_assert_cmpint (row->state, ==, TC_MESSAGE_STATE_PENDING);
  g_assert_cmpint (row->message->id, ==, 0);
  g_assert_cmpstr (row->message->from, ==, ME);
  row = g_ptr_array_index (rows, 1);
  g_assert_cmpstr (row->message->body, ==, "one");
  recent = tc_app_test_replica_conversations (f->replica, TC_CONVERSATIONS_RECENT);
  g_assert_cmpstr (((TcConversation *) g_ptr_array_index (recent, 0))->peer_id, ==, "B");
  g_assert_cmpstr (((TcConversation *) g_ptr_array_index (recent, 0))->last_message->message->body,
                   ==, "three");

  /* In the order written. */
  request = tc_app_test_replica_next_outbox (f->replica);
  g_assert_cmpstr (request->client_id, ==, first[0]);
  g_assert_cmpstr (g_ptr_array_index (request->to, 0), ==, "B");
  g_assert_cmpstr (request->body, ==, "one");
  /* Asking again gives the same until it is recorded. */
  g_clear_pointer (&request, tc_send_request_free);
  request = tc_app_test_replica_next_outbox (f->replica);
  g_assert_cmpstr (request->client_id, ==, first[0]);

  sent = server_message (request, 100);
  g_assert_true (outbox_call (f->replica, "sent", NULL, sent));
  /* Twice is harmless. */
  g_assert_true (outbox_call (f->replica, "sent", NULL, sent));
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = tc_app_test_replica_all_messages (f->replica);
  row = find_message (rows, first[0]);
  g_assert_cmpint (row->state, ==, TC_MESSAGE_STATE_SENT);
  g_assert_cmpint (row->message->id, ==, 100);

  g_clear_pointer (&request, tc_send_request_free);
  request = tc_app_test_replica_next_outbox (f->replica);
  g_assert_cmpstr (request->client_id, ==, second[0]);
  g_assert_cmpstr (g_ptr_array_index (request->to, 0), ==, "C");

  /* Refused: failed with the reason, out of the outbox. */
  g_assert_true (outbox_call (f->replica, "failed", second[0], NULL));
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = tc_app_test_replica_all_messages (f->replica);
  row = find_message (rows, second[0]);
  g_assert_cmpint (row->state, ==, TC_MESSAGE_STATE_FAILED);
  g_assert_cmpstr (row->error, ==, "not on your team");
  g_clear_pointer (&request, tc_send_request_free);
  request = tc_app_test_replica_next_outbox (f->replica);
  g_assert_cmpstr (request->client_id, ==, second[1]);
  g_assert_cmpstr (g_ptr_array_index (request->to, 0), ==, "D");

  /* Retry puts it back at the end; delete takes it away. */
  g_assert_true (outbox_call (f->replica, "retry", second[0], NULL));
  g_assert_false (outbox_call (f->replica, "retry", second[0], NULL));
  g_clear_pointer (&sent, tc_message_free);
  sent = server_message (request, 101);
  g_assert_true (outbox_call (f->replica, "sent", NULL, sent));
  g_clear_pointer (&request, tc_send_request_free);
  request = tc_app_test_replica_next_outbox (f->replica);
  g_assert_cmpstr (request->client_id, ==, third[0]);
  g_clear_pointer (&sent, tc_message_free);
  sent = server_message (request, 102);
  g_assert_true (outbox_call (f->replica, "sent", NULL, sent));
  g_clear_pointer (&request, tc_send_request_free);
  request = tc_app_test_replica_next_outbox (f->replica);
  g_assert_cmpstr (request->client_id, ==, second[0]);
  g_assert_true (outbox_call (f->replica, "delete", second[0], NULL));
  g_assert_false (outbox_call (f->replica, "delete", first[0], NULL));   /* sent: stays */
  g_clear_pointer (&request, tc_send_request_free);
  request = tc_app_test_replica_next_outbox (f->replica);
  g_assert_null (request);

  /* Sent ones took their server ids' place in the conversation. */
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = tc_app_test_replica_messages (f->replica, "B", 0, 10);
  g_assert_cmpint (((TcReplicaMessage *) g_ptr_array_index (rows, 0))->message->id, ==, 102);
  g_assert_cmpint (((TcReplicaMessage *) g_ptr_array_index (rows, 1))->message->id, ==, 100);
  g_assert_cmpint (((TcReplicaMessage *) g_ptr_array_index (rows, 2))->message->id, ==, 4);
}

static void
test_outbox_event_first (Fixture       *f,
                         gconstpointer  data)
{
  static const char * const to_b[] = { "B", NULL };
  g_auto(GStrv) ids = NULL;
  g_autoptr(TcSendRequest) request = NULL;
  g_autoptr(TcMessage) sent = NULL;
  g_autoptr(GPtrArray) events = events_new ();
  g_autoptr(GPtrArray) rows = NULL;
  TcEvent *event;

  apply_world (f);
  ids = tc_app_test_replica_enqueue (f->replica, to_b, "race");
  request = tc_app_test_replica_next_outbox (f->replica);

  /* The message's event may come over the socket before the ack. */
  sent = server_message (request, 200);
  event = tc_event_new (TC_EVENT_MESSAGE);
  event->seq = 30;
  event->message = tc_message_copy (sent);
  g_ptr_array_add (events, event);
  tc_app_test_replica_apply (f->replica, events, "30");

  g_clear_pointer (&request, tc_send_request_free);
  request = tc_app_test_replica_next_outbox (f->replica);
  g_assert_null (request);
  g_assert_true (outbox_call (f->replica, "sent", NULL, sent));

  /* Once, not twice. */
  rows = tc_app_test_replica_messages (f->replica, "B", 0, 100);
  g_assert_cmpuint (rows->len, ==, 5);
  g_assert_cmpint (((TcReplicaMessage *) g_ptr_array_index (rows, 0))->message->id, ==, 200);
  g_assert_cmpint (((TcReplicaMessage *) g_ptr_array_index (rows, 0))->state, ==,
                   TC_MESSAGE_STATE_SENT);
}

static void
test_reset (Fixture       *f,
            gconstpointer  data)
{
  static const char * const to_b[] = { "B", NULL };
  g_auto(GStrv) ids = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) members = NULL;
  g_autoptr(TcSendRequest) request = NULL;
  g_autofree char *cursor = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  TcAppTestAsync async = { 0 };
  TcReplicaChange what;

  apply_world (f);
  g_assert_true (mark_read (f->replica, "B", 0));
  ids = tc_app_test_replica_enqueue (f->replica, to_b, "written offline");
  take_changes (f, NULL);

  tc_replica_reset_async (f->replica, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "reset");
  g_assert_true (tc_replica_reset_finish (f->replica, result, &error));
  g_assert_no_error (error);
  what = take_changes (f, NULL);
  g_assert_true (what & TC_REPLICA_CHANGE_RESET);

  cursor = tc_app_test_replica_cursor (f->replica);
  g_assert_null (cursor);
  members = tc_app_test_replica_members (f->replica, NULL);
  g_assert_cmpuint (members->len, ==, 0);
  g_assert_cmpuint (tc_app_test_replica_unread (f->replica), ==, 0);
  {
    g_autoptr(GPtrArray) reads = tc_app_test_replica_reads (f->replica);

    g_assert_cmpuint (reads->len, ==, 0);
  }

  /* What only this device has survives: the unsent message. */
  rows = tc_app_test_replica_all_messages (f->replica);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpint (((TcReplicaMessage *) g_ptr_array_index (rows, 0))->state, ==,
                   TC_MESSAGE_STATE_PENDING);
  request = tc_app_test_replica_next_outbox (f->replica);
  g_assert_nonnull (request);
  g_assert_cmpstr (request->client_id, ==, ids[0]);

  /* And the full sync fills it again. */
  apply_world (f);
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = tc_app_test_replica_all_messages (f->replica);
  g_assert_cmpuint (rows->len, ==, 6);
}

static void
test_paging (Fixture       *f,
             gconstpointer  data)
{
  static const char * const to_b[] = { "B", NULL };
  g_autoptr(GPtrArray) events = events_new ();
  g_auto(GStrv) ids = NULL;
  gint64 before = 0;
  guint seen = 0;
  gint64 last_id = G_MAXINT64;
  gboolean saw_pending = FALSE;
  guint count = 0;

  for (gint64 id = 1; id <= 120; id++)
    g_ptr_array_add (events, tc_app_test_message_event (id, id, id % 3 ? "B" : ME,
                                                        id % 3 ? ME : "B", "m"));
  tc_app_test_replica_apply (f->replica, events, "120");
  ids = tc_app_test_replica_enqueue (f->replica, to_b, "pending one");

  /* Pages of 50, newest first, the pending message on top. */
  for (;;)
    {
      g_autoptr(GPtrArray) page = tc_app_test_replica_messages (f->replica, "B", before, 50);

      for (guint i = 0; i < page->len; i++)
        {
          TcReplicaMessage *row = g_ptr_array_index (page, i);

          if (row->state == TC_MESSAGE_STATE_PENDING)
            {
              g_assert_cmpuint (seen, ==, 0);
              saw_pending = TRUE;
            }
          else
            {
              g_assert_cmpint (row->message->id, <, last_id);
              last_id = row->message->id;
            }
          before = row->local_id;
          seen++;
        }
      if (page->len < 50)
        break;
    }
  g_assert_true (saw_pending);
  g_assert_cmpuint (seen, ==, 121);
  g_assert_cmpint (last_id, ==, 1);

  {
    TcAppTestAsync async = { 0 };
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;

    tc_replica_count_messages_async (f->replica, "B", NULL, tc_app_test_async_cb, &async);
    result = tc_app_test_async_wait (&async, "count");
    g_assert_true (tc_replica_count_messages_finish (f->replica, result, &count, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (count, ==, 121);
  }
}

static void
test_members (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GPtrArray) events = events_new ();
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autofree char *channel = NULL;
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  apply_world (f);
  g_ptr_array_add (events, tc_app_test_member_event ("E", "Émilie Étoile", FALSE));
  tc_app_test_replica_apply (f->replica, events, NULL);

  all = tc_app_test_replica_members (f->replica, "");
  g_assert_cmpuint (all->len, ==, 4);
  g_assert_cmpstr (((TcAssociate *) g_ptr_array_index (all, 0))->name, ==, "Bob Birch");

  /* Case and accents do not matter. */
  found = tc_app_test_replica_members (f->replica, "emilie");
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpstr (((TcAssociate *) g_ptr_array_index (found, 0))->id, ==, "E");
  g_clear_pointer (&found, g_ptr_array_unref);
  found = tc_app_test_replica_members (f->replica, "CEDAR");
  g_assert_cmpuint (found->len, ==, 1);
  g_clear_pointer (&found, g_ptr_array_unref);
  found = tc_app_test_replica_members (f->replica, "nobody");
  g_assert_cmpuint (found->len, ==, 0);

  tc_replica_get_offline_channel_async (f->replica, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "offline channel");
  channel = tc_replica_get_offline_channel_finish (f->replica, result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (channel, ==, "sms");
}

static void
test_purge (Fixture       *f,
            gconstpointer  data)
{
  static const char * const to_b[] = { "B", NULL };
  g_auto(GStrv) ids = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  TcAppTestAsync async = { 0 };
  guint n = 0;

  apply_world (f);
  ids = tc_app_test_replica_enqueue (f->replica, to_b, "new");

  /* Sent ones before the cut go; pending ones stay whatever their age. */
  tc_replica_purge_async (f->replica, (G_GINT64_CONSTANT (1790000000) + 3) * G_USEC_PER_SEC, NULL,
                          tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "purge");
  g_assert_true (tc_replica_purge_finish (f->replica, result, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 2);
  rows = tc_app_test_replica_all_messages (f->replica);
  g_assert_cmpuint (rows->len, ==, 4);
}

static void
test_remove_files (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  TcAppTestAsync async = { 0 };

  apply_world (f);
  tc_app_test_replica_close (&f->replica);
  tc_replica_remove_files_async (f->path, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "remove");
  g_assert_true (tc_replica_remove_files_finish (result, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (f->path, G_FILE_TEST_EXISTS));

  /* Log in again later: a fresh replica. */
  f->replica = tc_app_test_replica_open (f->path, ME, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tc_app_test_replica_unread (f->replica), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/replica/default-path", test_default_path);
#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/replica/open-migrate", test_open_migrate);
  ADD ("/replica/apply/idempotent", test_apply_idempotent);
  ADD ("/replica/apply/atomic", test_apply_atomic);
  ADD ("/replica/conversations", test_conversations);
  ADD ("/replica/read-markers", test_read_markers);
  ADD ("/replica/outbox/order", test_outbox);
  ADD ("/replica/outbox/event-before-ack", test_outbox_event_first);
  ADD ("/replica/reset", test_reset);
  ADD ("/replica/messages/paging", test_paging);
  ADD ("/replica/members", test_members);
  ADD ("/replica/purge", test_purge);
  ADD ("/replica/remove-files", test_remove_files);
#undef ADD

  return g_test_run ();
}
