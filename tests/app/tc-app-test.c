/* tc-app-test.c: helpers for the app core's tests */
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "tc-app-test.h"

/* --- waiting ------------------------------------------------------------------ */

static gboolean
flag_cb (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

void
tc_app_test_run_until (TcAppTestDoneFunc  done,
                       gpointer           data,
                       const char        *what)
{
  gboolean timed_out = FALSE;
  gboolean finished;
  guint source = g_timeout_add_seconds (TC_APP_TEST_WAIT_SECONDS, flag_cb, &timed_out);
  /* Wakes the loop now and then, so that conditions that no event of
   * this context announces (another process's work) are looked at again. */
  guint tick = g_timeout_add (20, tick_cb, NULL);

  while (!(finished = done (data)) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!finished)
    g_error ("no %s within %d s", what, TC_APP_TEST_WAIT_SECONDS);
  g_source_remove (source);
  g_source_remove (tick);
}

void
tc_app_test_async_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  TcAppTestAsync *async = user_data;

  g_assert_null (async->result);
  async->result = g_object_ref (result);
}

static gboolean
async_done (gpointer data)
{
  TcAppTestAsync *async = data;

  return async->result != NULL;
}

GAsyncResult *
tc_app_test_async_wait (TcAppTestAsync *async,
                        const char     *what)
{
  tc_app_test_run_until (async_done, async, what);
  return g_steal_pointer (&async->result);
}

void
tc_app_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        tc_app_test_remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

/* --- replica ------------------------------------------------------------------- */

TcReplica *
tc_app_test_replica_open (const char  *path,
                          const char  *associate_id,
                          GError     **error)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;

  tc_replica_new_async (path, associate_id, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "replica");
  return tc_replica_new_finish (result, error);
}

static gboolean
is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

void
tc_app_test_replica_close (TcReplica **replica)
{
  TcReplica *weak = *replica;

  if (weak == NULL)
    return;
  g_object_add_weak_pointer (G_OBJECT (weak), (gpointer *) &weak);
  g_clear_object (replica);
  /* Results and signals still queued for the main context hold it. */
  tc_app_test_run_until (is_null, &weak, "replica finalized");
}

void
tc_app_test_replica_apply (TcReplica  *replica,
                           GPtrArray  *events,
                           const char *cursor)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  tc_replica_apply_events_async (replica, events, cursor, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "events applied");
  g_assert_true (tc_replica_apply_events_finish (replica, result, &error));
  g_assert_no_error (error);
}

char *
tc_app_test_replica_cursor (TcReplica *replica)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *cursor;

  tc_replica_get_cursor_async (replica, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "cursor");
  cursor = tc_replica_get_cursor_finish (replica, result, &error);
  g_assert_no_error (error);
  return cursor;
}

GStrv
tc_app_test_replica_enqueue (TcReplica          *replica,
                             const char * const *recipients,
                             const char         *body)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GStrv client_ids;

  tc_replica_enqueue_message_async (replica, recipients, body, NULL, NULL, tc_app_test_async_cb,
                                    &async);
  result = tc_app_test_async_wait (&async, "message enqueued");
  client_ids = tc_replica_enqueue_message_finish (replica, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (client_ids);
  return client_ids;
}

TcSendRequest *
tc_app_test_replica_next_outbox (TcReplica *replica)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  TcSendRequest *request;

  tc_replica_next_outbox_async (replica, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "outbox");
  request = tc_replica_next_outbox_finish (replica, result, &error);
  g_assert_no_error (error);
  return request;
}

GPtrArray *
tc_app_test_replica_conversations (TcReplica            *replica,
                                   TcConversationFilter  filter)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *rows;

  tc_replica_list_conversations_async (replica, filter, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "conversations");
  rows = tc_replica_list_conversations_finish (replica, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (rows);
  return rows;
}

GPtrArray *
tc_app_test_replica_messages (TcReplica  *replica,
                              const char *peer_id,
                              gint64      before,
                              guint       limit)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *rows;

  tc_replica_list_messages_async (replica, peer_id, before, limit, NULL, tc_app_test_async_cb,
                                  &async);
  result = tc_app_test_async_wait (&async, "messages");
  rows = tc_replica_list_messages_finish (replica, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (rows);
  return rows;
}

static int
compare_by_id (gconstpointer a,
               gconstpointer b)
{
  const TcReplicaMessage *x = *(TcReplicaMessage * const *) a;
  const TcReplicaMessage *y = *(TcReplicaMessage * const *) b;

  if (x->message->id != y->message->id)
    return x->message->id < y->message->id ? -1 : 1;
  return x->local_id < y->local_id ? -1 : x->local_id > y->local_id;
}

GPtrArray *
tc_app_test_replica_all_messages (TcReplica *replica)
{
  g_autoptr(GPtrArray) conversations = tc_app_test_replica_conversations (replica,
                                                                           TC_CONVERSATIONS_RECENT);
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_replica_message_free);

  for (guint i = 0; i < conversations->len; i++)
    {
      TcConversation *conversation = g_ptr_array_index (conversations, i);
      g_autoptr(GPtrArray) page = tc_app_test_replica_messages (replica, conversation->peer_id, 0,
                                                                G_MAXINT);

      for (guint j = 0; j < page->len; j++)
        g_ptr_array_add (all, tc_replica_message_copy (g_ptr_array_index (page, j)));
    }
  g_ptr_array_sort (all, compare_by_id);
  return all;
}

GPtrArray *
tc_app_test_replica_members (TcReplica  *replica,
                             const char *query)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *members;

  tc_replica_list_members_async (replica, query, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "members");
  members = tc_replica_list_members_finish (replica, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (members);
  return members;
}

guint
tc_app_test_replica_unread (TcReplica *replica)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint count = G_MAXUINT;

  tc_replica_get_unread_count_async (replica, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "unread count");
  g_assert_true (tc_replica_get_unread_count_finish (replica, result, &count, &error));
  g_assert_no_error (error);
  return count;
}

GPtrArray *
tc_app_test_replica_reads (TcReplica *replica)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *markers;

  tc_replica_next_reads_async (replica, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "pending read markers");
  markers = tc_replica_next_reads_finish (replica, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (markers);
  return markers;
}

TcEvent *
tc_app_test_message_event (gint64      seq,
                           gint64      id,
                           const char *from,
                           const char *to,
                           const char *body)
{
  TcEvent *event = tc_event_new (TC_EVENT_MESSAGE);

  event->seq = seq;
  event->message = tc_message_new ();
  event->message->id = id;
  event->message->client_id = g_uuid_string_random ();
  event->message->from = g_strdup (from);
  event->message->to = g_strdup (to);
  event->message->body = g_strdup (body);
  /* Whole seconds, as a round trip through RFC 3339 milliseconds keeps. */
  event->message->sent_at = (1790000000 + id) * G_USEC_PER_SEC;
  return event;
}

gint64
tc_app_test_seed_sent_at (gint64 id)
{
  return (G_GINT64_CONSTANT (1790000000) + id * 600) * G_USEC_PER_SEC;
}

void
tc_app_test_seed_conversation (TcReplica  *replica,
                               const char *peer_id,
                               guint       n_messages)
{
  const char *me = tc_replica_get_associate_id (replica);
  const guint page = 1000;

  for (guint first = 1; first <= n_messages; first += page)
    {
      g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_event_free);
      g_autofree char *cursor = NULL;

      for (guint id = first; id < first + page && id <= n_messages; id++)
        {
          g_autofree char *body = g_strdup_printf ("message %u", id);
          gboolean mine = id % 3 == 0;
          TcEvent *event = tc_app_test_message_event (id, id, mine ? me : peer_id,
                                                      mine ? peer_id : me, body);

          event->message->sent_at = tc_app_test_seed_sent_at (id);
          g_ptr_array_add (events, event);
        }
      cursor = g_strdup_printf ("%u", MIN (first + page - 1, n_messages));
      tc_app_test_replica_apply (replica, events, cursor);
    }
}

TcEvent *
tc_app_test_read_event (gint64      seq,
                        const char *by,
                        const char *peer,
                        gint64      up_to)
{
  TcEvent *event = tc_event_new (TC_EVENT_READ);

  event->seq = seq;
  event->by = g_strdup (by);
  event->peer = g_strdup (peer);
  event->up_to = up_to;
  return event;
}

TcEvent *
tc_app_test_member_event (const char *id,
                          const char *name,
                          gboolean    online)
{
  TcEvent *event = tc_event_new (TC_EVENT_MEMBER);

  event->member = tc_associate_new ();
  event->member->id = g_strdup (id);
  event->member->name = g_strdup (name);
  event->member->online = online;
  return event;
}

/* What undoes each schema step of app/core/tc-replica.c: undo_steps[N]
 * takes a replica from version N + 1 back to N. A new step adds its line. */
static const char *const undo_steps[] = {
  [1] = "DROP INDEX messages_unread_out;",
  [2] = "DROP TABLE person_names;",
  [3] = "DROP TRIGGER messages_fts_insert;"
        "DROP TRIGGER messages_fts_delete;"
        "DROP TRIGGER messages_fts_update;"
        "DROP TABLE messages_fts;",
  [4] = "DROP INDEX messages_read_out;",
  [5] = "ALTER TABLE messages DROP COLUMN delivery_error;",
  [6] = "DROP TABLE media_folders;"
        "DROP TABLE media_resources;",
  /* Back to step 4's triggers, which index each message as it comes. */
  [7] = "DROP TRIGGER messages_fts_insert;"
        "DROP TRIGGER messages_fts_delete;"
        "DROP TRIGGER messages_fts_update;"
        "DROP TABLE fts_pending;"
        "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN"
        "  INSERT INTO messages_fts (rowid, body) VALUES (new.local_id, new.body);"
        "END;"
        "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN"
        "  INSERT INTO messages_fts (messages_fts, rowid, body)"
        "    VALUES ('delete', old.local_id, old.body);"
        "END;"
        "CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages"
        "  WHEN old.body IS NOT new.body BEGIN"
        "  INSERT INTO messages_fts (messages_fts, rowid, body)"
        "    VALUES ('delete', old.local_id, old.body);"
        "  INSERT INTO messages_fts (rowid, body) VALUES (new.local_id, new.body);"
        "END;",
  [8] = "PRAGMA writable_schema=ON;"
        "UPDATE sqlite_schema SET sql = replace (sql,"
        "  'CHECK (state = ''pending'' OR state = ''sent'' OR state = ''failed'')',"
        "  'CHECK (state IN (''pending'', ''sent'', ''failed''))')"
        "  WHERE type = 'table' AND name = 'messages';"
        "PRAGMA writable_schema=RESET;",
};

void
tc_app_test_replica_rewind (const char *path,
                            guint       version)
{
  sqlite3 *db = NULL;
  g_autofree char *set_version = g_strdup_printf ("PRAGMA user_version=%u", version);

  /* A step without its undo line would make this test lie. */
  g_assert_cmpuint (G_N_ELEMENTS (undo_steps), ==, tc_replica_schema_version ());
  g_assert_cmpint (version, >=, 1);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  for (guint v = tc_replica_schema_version (); v > version; v--)
    {
      char *message = NULL;

      if (sqlite3_exec (db, undo_steps[v - 1], NULL, NULL, &message) != SQLITE_OK)
        g_error ("undoing schema step %u: %s", v, message);
    }
  g_assert_cmpint (sqlite3_exec (db, set_version, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}
