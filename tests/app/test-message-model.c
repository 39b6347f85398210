/* test-message-model.c: the lazy list model of a conversation, on a real
 * replica fed through events as the sync engine feeds it */
#include <glib/gstdio.h>

#include "tc-app-test.h"
#include "tc-error.h"
#include "tc-message-model.h"
#include "tc-replica-history.h"

#define ME "A"
#define PEER "B"
#define BIG 50000    /* messages in the big conversation */
#define SMALL 250    /* messages in each small one */

/* The big replica is filled once for the tests that only read it. */
static char      *big_dir;
static TcReplica *big;

typedef struct {
  guint position;
  guint removed;
  guint added;
} Change;

typedef struct {
  char           *dir;
  TcReplica      *replica;
  TcMessageModel *model;
  GArray         *changes;   /* of Change */
} Fixture;

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static TcReplica *
open_replica (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "replica.db", NULL);
  g_autoptr(GError) error = NULL;
  TcReplica *replica = tc_app_test_replica_open (path, ME, &error);

  g_assert_no_error (error);
  return replica;
}

static void
on_items_changed_cb (GListModel *model,
                     guint       position,
                     guint       removed,
                     guint       added,
                     gpointer    user_data)
{
  Fixture *f = user_data;
  Change change = { position, removed, added };

  g_assert_cmpuint (g_list_model_get_n_items (model), >=, position + added);
  g_array_append_val (f->changes, change);
}

static gboolean
model_loaded (gpointer data)
{
  return tc_message_model_get_loaded (data) && tc_message_model_get_n_pending (data) == 0;
}

static gboolean
model_idle (gpointer data)
{
  return tc_message_model_get_n_pending (data) == 0;
}

/* Lets the replica's "changed" through and the model read what it says. */
static void
settle (Fixture *f)
{
  for (int i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
  tc_app_test_run_until (model_idle, f->model, "the model's reads");
}

static TcMessageModel *
open_model (Fixture    *f,
            TcReplica  *replica,
            const char *peer)
{
  TcMessageModel *model = tc_message_model_new (replica, peer);

  g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed_cb), f);
  tc_app_test_run_until (model_loaded, model, "the model loaded");
  return model;
}

static gboolean
item_loaded (gpointer data)
{
  return tc_message_item_get_loaded (data);
}

/* The item at @position, once its window is read. */
static TcMessageItem *
get_loaded (TcMessageModel *model,
            guint           position)
{
  TcMessageItem *item = g_list_model_get_item (G_LIST_MODEL (model), position);

  g_assert_nonnull (item);
  tc_app_test_run_until (item_loaded, item, "the item's window");
  return item;
}

static void
assert_changes (Fixture *f,
                guint    n,
                ...)
{
  va_list args;

  g_assert_cmpuint (f->changes->len, ==, n);
  va_start (args, n);
  for (guint i = 0; i < n; i++)
    {
      Change *change = &g_array_index (f->changes, Change, i);

      g_assert_cmpuint (change->position, ==, va_arg (args, guint));
      g_assert_cmpuint (change->removed, ==, va_arg (args, guint));
      g_assert_cmpuint (change->added, ==, va_arg (args, guint));
    }
  va_end (args);
  g_array_set_size (f->changes, 0);
}

/* --- small fixture: a conversation of SMALL messages, for changes ------------------- */

static void
small_set_up (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_event_free);

  f->dir = g_dir_make_tmp ("tc-message-model-XXXXXX", &error);
  g_assert_no_error (error);
  f->changes = g_array_new (FALSE, FALSE, sizeof (Change));
  f->replica = open_replica (f->dir);
  g_ptr_array_add (events, tc_app_test_member_event (PEER, "Bob Birch", TRUE));
  g_ptr_array_add (events, tc_app_test_member_event ("C", "Carol Cedar", TRUE));
  tc_app_test_replica_apply (f->replica, events, "0");
  tc_app_test_seed_conversation (f->replica, PEER, SMALL);
  f->model = open_model (f, f->replica, PEER);
  assert_changes (f, 1, 0, 0, SMALL);
}

static void
small_tear_down (Fixture       *f,
                 gconstpointer  data)
{
  g_clear_object (&f->model);
  tc_app_test_replica_close (&f->replica);
  g_array_unref (f->changes);
  remove_tree (f->dir);
  g_free (f->dir);
}

static void
apply_one (TcReplica *replica,
           TcEvent   *event)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_event_free);

  g_ptr_array_add (events, event);
  tc_app_test_replica_apply (replica, events, NULL);
}

static char *
enqueue (TcReplica  *replica,
         const char *body)
{
  const char *recipients[] = { PEER, NULL };
  g_auto(GStrv) client_ids = tc_app_test_replica_enqueue (replica, recipients, body);

  g_assert_cmpuint (g_strv_length (client_ids), ==, 1);
  return g_strdup (client_ids[0]);
}

static void
mark_failed (TcReplica  *replica,
             const char *client_id,
             const char *reason)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  tc_replica_mark_failed_async (replica, client_id, reason, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "marked failed");
  g_assert_true (tc_replica_mark_failed_finish (replica, result, &error));
  g_assert_no_error (error);
}

static void
retry (TcReplica  *replica,
       const char *client_id)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  tc_replica_retry_message_async (replica, client_id, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "retried");
  g_assert_true (tc_replica_retry_message_finish (replica, result, &error));
  g_assert_no_error (error);
}

static void
delete_message (TcReplica  *replica,
                const char *client_id)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  tc_replica_delete_message_async (replica, client_id, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "deleted");
  g_assert_true (tc_replica_delete_message_finish (replica, result, &error));
  g_assert_no_error (error);
}

/* The server's copy of our message @client_id, with id @id. */
static TcEvent *
ack_event (const char *client_id,
           gint64      id,
           const char *body)
{
  TcEvent *event = tc_app_test_message_event (id, id, ME, PEER, body);

  g_free (event->message->client_id);
  event->message->client_id = g_strdup (client_id);
  return event;
}

static void
on_item_changed_cb (TcMessageItem *item,
                    guint         *count)
{
  (*count)++;
}

static void
test_append (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(TcMessageItem) mine = get_loaded (f->model, SMALL - 2);   /* 249: mine */
  g_autoptr(TcMessageItem) item = NULL;

  apply_one (f->replica, tc_app_test_message_event (SMALL + 1, SMALL + 1, PEER, ME, "new one"));
  settle (f);
  /* One item at the end, nothing else. */
  assert_changes (f, 1, SMALL, 0, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->model)), ==, SMALL + 1);
  item = get_loaded (f->model, SMALL);
  g_assert_cmpstr (tc_message_item_get_message (item)->message->body, ==, "new one");
  g_assert_false (tc_message_item_has_flags (item, TC_MESSAGE_ITEM_OUTGOING));
  g_assert_cmpstr (tc_message_item_get_sender_name (item), ==, PEER);
  g_assert_cmpint (tc_message_model_get_newest_incoming (f->model), ==, SMALL + 1);

  /* A conversation with someone else changes nothing here. */
  apply_one (f->replica, tc_app_test_message_event (SMALL + 2, SMALL + 2, "C", ME, "from Carol"));
  settle (f);
  assert_changes (f, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->model)), ==, SMALL + 1);

  /* The name given to incoming items. */
  tc_message_model_set_peer_name (f->model, "Bob Birch");
  g_assert_cmpstr (tc_message_item_get_sender_name (item), ==, "Bob Birch");
  g_assert_null (tc_message_item_get_sender_name (mine));
}

static void
test_states (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(TcMessageItem) item = NULL;
  g_autofree char *client_id = NULL;
  guint n_changed = 0;
  guint position;

  client_id = enqueue (f->replica, "on its way");
  settle (f);
  assert_changes (f, 1, SMALL, 0, 1);
  item = get_loaded (f->model, SMALL);
  g_assert_cmpstr (tc_message_item_get_message (item)->message->body, ==, "on its way");
  g_assert_cmpint (tc_message_item_get_message (item)->state, ==, TC_MESSAGE_STATE_PENDING);
  g_assert_true (tc_message_item_has_flags (item, TC_MESSAGE_ITEM_OUTGOING));
  g_assert_null (tc_message_item_get_sender_name (item));
  g_signal_connect (item, "changed", G_CALLBACK (on_item_changed_cb), &n_changed);

  /* State changes update the item in place: no items-changed, so the
   * list keeps the row, its focus and selection. */
  mark_failed (f->replica, client_id, "not on your team");
  settle (f);
  assert_changes (f, 0);
  g_assert_cmpint (tc_message_item_get_message (item)->state, ==, TC_MESSAGE_STATE_FAILED);
  g_assert_cmpstr (tc_message_item_get_message (item)->error, ==, "not on your team");
  g_assert_cmpuint (n_changed, >=, 1);

  retry (f->replica, client_id);
  settle (f);
  assert_changes (f, 0);
  g_assert_cmpint (tc_message_item_get_message (item)->state, ==, TC_MESSAGE_STATE_PENDING);

  /* The server has it under the id its place was kept for. */
  apply_one (f->replica, ack_event (client_id, SMALL + 1, "on its way"));
  settle (f);
  assert_changes (f, 0);
  g_assert_cmpint (tc_message_item_get_message (item)->state, ==, TC_MESSAGE_STATE_SENT);
  g_assert_cmpint (tc_message_item_get_message (item)->message->id, ==, SMALL + 1);
  g_assert_true (tc_message_model_find (f->model, tc_message_item_get_local_id (item), &position));
  g_assert_cmpuint (position, ==, SMALL);
}

static void
test_move (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(TcMessageItem) pending = NULL;
  g_autoptr(TcMessageItem) incoming = NULL;
  g_autoptr(TcMessageItem) moved = NULL;
  g_autoptr(TcMessageItem) first = NULL;
  g_autofree char *client_id = NULL;

  /* Written while Bob's next message was on its way: it sorts after ours
   * (same key, later row) until the server gives ours a later id. */
  client_id = enqueue (f->replica, "crossed");
  settle (f);
  apply_one (f->replica, tc_app_test_message_event (SMALL + 1, SMALL + 1, PEER, ME, "crossing"));
  settle (f);
  assert_changes (f, 2, SMALL, 0, 1, SMALL + 1, 0, 1);
  pending = get_loaded (f->model, SMALL);
  incoming = get_loaded (f->model, SMALL + 1);
  g_assert_cmpstr (tc_message_item_get_message (pending)->message->body, ==, "crossed");
  g_assert_cmpstr (tc_message_item_get_message (incoming)->message->body, ==, "crossing");

  apply_one (f->replica, ack_event (client_id, SMALL + 2, "crossed"));
  settle (f);
  /* Ours moved after Bob's: one run, the same items in the new order. */
  assert_changes (f, 1, SMALL, 2, 2);
  first = g_list_model_get_item (G_LIST_MODEL (f->model), SMALL);
  moved = g_list_model_get_item (G_LIST_MODEL (f->model), SMALL + 1);
  g_assert_true (first == incoming);
  g_assert_true (moved == pending);
  g_assert_cmpint (tc_message_item_get_message (moved)->state, ==, TC_MESSAGE_STATE_SENT);
}

static void
test_delete (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(TcMessageItem) item = NULL;
  g_autoptr(TcMessageItem) before = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  first = enqueue (f->replica, "refused one");
  second = enqueue (f->replica, "refused two");
  settle (f);
  assert_changes (f, 2, SMALL, 0, 1, SMALL + 1, 0, 1);
  item = get_loaded (f->model, SMALL + 1);
  mark_failed (f->replica, first, "no");
  mark_failed (f->replica, second, "no");
  settle (f);
  assert_changes (f, 0);

  delete_message (f->replica, first);
  settle (f);
  assert_changes (f, 1, SMALL, 1, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->model)), ==, SMALL + 1);
  before = get_loaded (f->model, SMALL);
  g_assert_true (before == item);
  g_assert_cmpstr (tc_message_item_get_message (before)->message->body, ==, "refused two");
  g_assert_false (tc_message_model_find (f->model, 0, NULL));
}

static void
test_receipt (Fixture       *f,
              gconstpointer  data)
{
  /* Mine are the multiples of 3: 243, 246, 249 near the end. */
  g_autoptr(TcMessageItem) mine_246 = get_loaded (f->model, 245);
  g_autoptr(TcMessageItem) mine_249 = get_loaded (f->model, 248);
  g_autoptr(TcMessageItem) after_246 = get_loaded (f->model, 246);

  g_assert_true (tc_message_item_has_flags (mine_246, TC_MESSAGE_ITEM_OUTGOING));
  g_assert_false (tc_message_item_has_flags (mine_246, TC_MESSAGE_ITEM_RECEIPT));

  apply_one (f->replica, tc_app_test_read_event (SMALL + 1, PEER, ME, 247));
  settle (f);
  assert_changes (f, 0);
  g_assert_true (tc_message_item_has_flags (mine_246, TC_MESSAGE_ITEM_RECEIPT));
  g_assert_false (tc_message_item_has_flags (mine_249, TC_MESSAGE_ITEM_RECEIPT));
  g_assert_true (tc_message_item_get_message (mine_246)->message->read);

  apply_one (f->replica, tc_app_test_read_event (SMALL + 2, PEER, ME, SMALL));
  settle (f);
  assert_changes (f, 0);
  g_assert_false (tc_message_item_has_flags (mine_246, TC_MESSAGE_ITEM_RECEIPT));
  g_assert_true (tc_message_item_has_flags (mine_249, TC_MESSAGE_ITEM_RECEIPT));
  g_assert_false (tc_message_item_has_flags (after_246, TC_MESSAGE_ITEM_RECEIPT));
}

static void
test_purge (Fixture       *f,
            gconstpointer  data)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TcMessageItem) kept = get_loaded (f->model, SMALL - 1);
  g_autoptr(TcMessageItem) first = NULL;
  guint n_deleted = 0;

  /* Retention drops the oldest: one run at the start. */
  tc_replica_purge_async (f->replica, tc_app_test_seed_sent_at (50), NULL, tc_app_test_async_cb,
                          &async);
  result = tc_app_test_async_wait (&async, "purged");
  g_assert_true (tc_replica_purge_finish (f->replica, result, &n_deleted, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_deleted, ==, 49);
  settle (f);
  assert_changes (f, 1, 0, 49, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->model)), ==, SMALL - 49);
  first = get_loaded (f->model, 0);
  g_assert_cmpstr (tc_message_item_get_message (first)->message->body, ==, "message 50");
  /* The new first message of the conversation starts a day. */
  g_assert_true (tc_message_item_has_flags (first, TC_MESSAGE_ITEM_FIRST_OF_DAY));
  g_assert_true (kept == g_list_model_get_item (G_LIST_MODEL (f->model), SMALL - 50));
  g_object_unref (kept);
}

/* Neighbours: days and blocks of one sender. */
static void
test_neighbours (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_event_free);
  gint64 base = tc_app_test_seed_sent_at (SMALL) + 600 * G_USEC_PER_SEC;
  TcMessageItem *items[3];

  for (guint i = 0; i < 3; i++)
    {
      TcEvent *event = tc_app_test_message_event (SMALL + 1 + i, SMALL + 1 + i, PEER, ME, "block");

      /* Two a minute apart, then one an hour later. */
      event->message->sent_at = base + (i < 2 ? i * 60 : 3600) * G_USEC_PER_SEC;
      g_ptr_array_add (events, event);
    }
  tc_app_test_replica_apply (f->replica, events, NULL);
  settle (f);
  for (guint i = 0; i < 3; i++)
    items[i] = get_loaded (f->model, SMALL + i);
  settle (f);
  /* Message 250 is Bob's, ten minutes before: too long ago to join. */
  g_assert_false (tc_message_item_has_flags (items[0], TC_MESSAGE_ITEM_CONTINUED));
  g_assert_true (tc_message_item_has_flags (items[1], TC_MESSAGE_ITEM_CONTINUED));
  g_assert_false (tc_message_item_has_flags (items[2], TC_MESSAGE_ITEM_CONTINUED));

  for (guint position = 1; position < SMALL; position++)
    {
      g_autoptr(TcMessageItem) item = get_loaded (f->model, position);
      g_autoptr(GDateTime) day = g_date_time_new_from_unix_local (tc_app_test_seed_sent_at (position + 1) / G_USEC_PER_SEC);
      g_autoptr(GDateTime) before = g_date_time_new_from_unix_local (tc_app_test_seed_sent_at (position) / G_USEC_PER_SEC);
      gboolean new_day = g_date_time_get_day_of_year (day) != g_date_time_get_day_of_year (before);

      settle (f);
      g_assert_cmpint (tc_message_item_has_flags (item, TC_MESSAGE_ITEM_FIRST_OF_DAY), ==, new_day);
    }
  for (guint i = 0; i < 3; i++)
    g_object_unref (items[i]);
}

/* --- the big conversation -------------------------------------------------------- */

static void
big_set_up (Fixture       *f,
            gconstpointer  data)
{
  f->changes = g_array_new (FALSE, FALSE, sizeof (Change));
  f->replica = g_object_ref (big);
  f->model = open_model (f, f->replica, PEER);
  assert_changes (f, 1, 0, 0, BIG);
}

static void
big_tear_down (Fixture       *f,
               gconstpointer  data)
{
  g_clear_object (&f->model);
  g_clear_object (&f->replica);
  g_array_unref (f->changes);
}

static void
test_big_items (Fixture       *f,
                gconstpointer  data)
{
  gint64 previous_local_id = 0;

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->model)), ==, BIG);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (f->model)) == TC_TYPE_MESSAGE_ITEM);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (f->model), BIG));

  /* Anywhere: a placeholder at once, the message once its window is read. */
  for (guint i = 0; i < 200; i++)
    {
      guint position = (guint) g_test_rand_int_range (0, BIG);
      g_autoptr(TcMessageItem) item = get_loaded (f->model, position);
      const TcReplicaMessage *message = tc_message_item_get_message (item);
      g_autofree char *body = g_strdup_printf ("message %u", position + 1);

      g_assert_cmpstr (message->message->body, ==, body);
      g_assert_cmpint (message->message->id, ==, position + 1);
      g_assert_cmpint (tc_message_item_has_flags (item, TC_MESSAGE_ITEM_OUTGOING), ==,
                       (position + 1) % 3 == 0);
    }
  /* Memory stays bounded however far the list went. */
  g_assert_cmpuint (tc_message_model_get_n_cached (f->model), <=, 10 * TC_MESSAGE_MODEL_WINDOW);

  /* In order through a window boundary. */
  for (guint position = BIG - 2 * TC_MESSAGE_MODEL_WINDOW - 5; position < BIG; position++)
    {
      g_autoptr(TcMessageItem) item = get_loaded (f->model, position);

      g_assert_cmpint (tc_message_item_get_local_id (item), >, previous_local_id);
      previous_local_id = tc_message_item_get_local_id (item);
    }
  g_assert_cmpint (tc_message_model_get_newest_incoming (f->model), ==, BIG);   /* 50000 is Bob's */
}

static GPtrArray *
window (TcReplica          *replica,
        const TcMessageKey *from,
        guint               limit)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *rows;

  tc_replica_list_messages_from_async (replica, PEER, from, limit, NULL, tc_app_test_async_cb,
                                       &async);
  result = tc_app_test_async_wait (&async, "a window");
  rows = tc_replica_list_messages_from_finish (replica, result, &error);
  g_assert_no_error (error);
  return rows;
}

static TcMessageIndex *
index_of (TcReplica  *replica,
          const char *peer)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  TcMessageIndex *index;

  tc_replica_index_messages_async (replica, peer, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "the index");
  index = tc_replica_index_messages_finish (replica, result, &error);
  g_assert_no_error (error);
  return index;
}

static void
test_big_windows (void)
{
  g_autoptr(TcMessageIndex) index = index_of (big, PEER);
  g_autoptr(TcMessageIndex) nobody = index_of (big, "Z");
  g_autoptr(GPtrArray) head = window (big, NULL, 100);
  g_autoptr(GPtrArray) middle = NULL;
  g_autoptr(GPtrArray) tail = NULL;
  TcMessageKey gone;

  g_assert_cmpuint (index->keys->len, ==, BIG);
  g_assert_cmpuint (nobody->keys->len, ==, 0);
  g_assert_cmpint (nobody->receipt_local_id, ==, 0);
  for (guint i = 1; i < index->keys->len; i++)
    g_assert_cmpint (tc_message_key_compare (&g_array_index (index->keys, TcMessageKey, i - 1),
                                             &g_array_index (index->keys, TcMessageKey, i)), <, 0);

  g_assert_cmpuint (head->len, ==, 100);
  g_assert_cmpint (((TcReplicaMessage *) head->pdata[0])->message->id, ==, 1);

  /* Keyset: from any key, in order, however deep. */
  middle = window (big, &g_array_index (index->keys, TcMessageKey, BIG / 2), 100);
  g_assert_cmpuint (middle->len, ==, 100);
  for (guint i = 0; i < middle->len; i++)
    g_assert_cmpint (((TcReplicaMessage *) middle->pdata[i])->message->id, ==, BIG / 2 + 1 + i);

  tail = window (big, &g_array_index (index->keys, TcMessageKey, BIG - 50), 100);
  g_assert_cmpuint (tail->len, ==, 50);
  g_assert_cmpint (((TcReplicaMessage *) tail->pdata[49])->message->id, ==, BIG);

  /* A key that is not there any more starts at the next one. */
  gone = g_array_index (index->keys, TcMessageKey, 10);
  gone.local_id--;
  g_clear_pointer (&tail, g_ptr_array_unref);
  tail = window (big, &gone, 2);
  g_assert_cmpint (((TcReplicaMessage *) tail->pdata[0])->message->id, ==, 11);
}

static gboolean
position_of (TcReplica  *replica,
             gint64      local_id,
             char      **out_peer,
             guint      *out_position,
             GError    **error)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;

  tc_replica_get_message_position_async (replica, local_id, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "a position");
  return tc_replica_get_message_position_finish (replica, result, out_peer, out_position, error);
}

static void
test_big_position (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint wanted[] = { 0, 1, 99, 100, BIG / 2, BIG - 1 };

  for (guint i = 0; i < G_N_ELEMENTS (wanted); i++)
    {
      g_autoptr(TcMessageItem) item = get_loaded (f->model, wanted[i]);
      g_autofree char *peer = NULL;
      guint position = G_MAXUINT, found = G_MAXUINT;

      g_assert_true (position_of (f->replica, tc_message_item_get_local_id (item), &peer,
                                  &position, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (peer, ==, PEER);
      g_assert_cmpuint (position, ==, wanted[i]);
      g_assert_true (tc_message_model_find (f->model, tc_message_item_get_local_id (item), &found));
      g_assert_cmpuint (found, ==, wanted[i]);
    }

  g_assert_false (position_of (f->replica, G_MAXINT64, NULL, NULL, &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_NOT_FOUND);
  g_assert_false (tc_message_model_find (f->model, G_MAXINT64, NULL));
}

static void
test_big_append (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(TcMessageItem) tail = get_loaded (f->model, BIG - 1);
  g_autoptr(TcMessageItem) item = NULL;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (f->model));

  apply_one (f->replica, tc_app_test_message_event (BIG + 1, BIG + 1, PEER, ME, "one more"));
  settle (f);
  assert_changes (f, 1, n, 0, 1);
  item = get_loaded (f->model, n);
  g_assert_cmpstr (tc_message_item_get_message (item)->message->body, ==, "one more");
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  big_dir = g_dir_make_tmp ("tc-message-model-big-XXXXXX", &error);
  g_assert_no_error (error);
  big = open_replica (big_dir);
  tc_app_test_seed_conversation (big, PEER, BIG);

  g_test_add ("/message-model/big/items", Fixture, NULL, big_set_up, test_big_items,
              big_tear_down);
  g_test_add_func ("/message-model/big/windows", test_big_windows);
  g_test_add ("/message-model/big/position", Fixture, NULL, big_set_up, test_big_position,
              big_tear_down);
  g_test_add ("/message-model/big/append", Fixture, NULL, big_set_up, test_big_append,
              big_tear_down);
  g_test_add ("/message-model/changes/append", Fixture, NULL, small_set_up, test_append,
              small_tear_down);
  g_test_add ("/message-model/changes/states", Fixture, NULL, small_set_up, test_states,
              small_tear_down);
  g_test_add ("/message-model/changes/move", Fixture, NULL, small_set_up, test_move,
              small_tear_down);
  g_test_add ("/message-model/changes/delete", Fixture, NULL, small_set_up, test_delete,
              small_tear_down);
  g_test_add ("/message-model/changes/receipt", Fixture, NULL, small_set_up, test_receipt,
              small_tear_down);
  g_test_add ("/message-model/changes/purge", Fixture, NULL, small_set_up, test_purge,
              small_tear_down);
  g_test_add ("/message-model/neighbours", Fixture, NULL, small_set_up, test_neighbours,
              small_tear_down);

  status = g_test_run ();

  tc_app_test_replica_close (&big);
  remove_tree (big_dir);
  g_free (big_dir);
  return status;
}
