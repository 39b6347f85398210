/* test-notifier.c: when a new message deserves a desktop notification,
 * decided from a real replica — not for what was unread before, not for the
 * conversation on screen, replaced per conversation, withdrawn once read,
 * and never when the setting is off. */
#include "config.h"

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>
#include <glib/gstdio.h>

#include "tc-notifier.h"

typedef struct {
  char      *dir;
  TcReplica *replica;
  GSettings *settings;
  GPtrArray *log;        /* "show B 2 snippet" / "withdraw B" */
  gint64     next_id;
  gint64     next_seq;
} Fixture;

static void
on_show_cb (TcNotifier *notifier,
            const char *peer,
            const char *name,
            const char *snippet,
            guint       unread,
            Fixture    *f)
{
  g_ptr_array_add (f->log, g_strdup_printf ("show %s (%s) %u: %s", peer, name, unread, snippet));
}

static void
on_withdraw_cb (TcNotifier *notifier,
                const char *peer,
                Fixture    *f)
{
  g_ptr_array_add (f->log, g_strdup_printf ("withdraw %s", peer));
}

static void
done_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

/* Lets the notifier's replica queries run to the end. */
static void
settle (Fixture *f)
{
  for (guint i = 0; i < 50; i++)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (2000);
    }
}

static void
apply (Fixture *f,
       TcEvent *event)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_event_free);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cursor = NULL;

  event->seq = ++f->next_seq;
  cursor = g_strdup_printf ("%" G_GINT64_FORMAT, event->seq);
  g_ptr_array_add (events, event);
  tc_replica_apply_events_async (f->replica, events, cursor, NULL, done_cb, &result);
  g_assert_true (tc_replica_apply_events_finish (f->replica, wait_result (&result), &error));
  g_assert_no_error (error);
  settle (f);
}

static void
member (Fixture    *f,
        const char *id,
        const char *name)
{
  TcEvent *event = tc_event_new (TC_EVENT_MEMBER);

  event->member = tc_associate_new ();
  event->member->id = g_strdup (id);
  event->member->name = g_strdup (name);
  apply (f, event);
}

static void
message (Fixture    *f,
         const char *from,
         const char *to,
         const char *body)
{
  TcEvent *event = tc_event_new (TC_EVENT_MESSAGE);

  event->message = tc_message_new ();
  event->message->id = ++f->next_id;
  event->message->client_id = g_uuid_string_random ();
  event->message->from = g_strdup (from);
  event->message->to = g_strdup (to);
  g_free (event->message->body);
  event->message->body = g_strdup (body);
  event->message->sent_at = g_get_real_time ();
  apply (f, event);
}

static char *
take_log (Fixture *f)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < f->log->len; i++)
    g_string_append_printf (text, "%s%s", i ? "\n" : "", (char *) g_ptr_array_index (f->log, i));
  g_ptr_array_set_size (f->log, 0);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();
  g_autofree char *path = NULL;

  f->dir = g_dir_make_tmp ("tc-notifier-XXXXXX", NULL);
  path = g_build_filename (f->dir, "replica.db", NULL);
  tc_replica_new_async (path, "A", NULL, done_cb, &result);
  f->replica = tc_replica_new_finish (wait_result (&result), &error);
  g_assert_no_error (error);
  f->settings = g_settings_new_with_backend (APP_ID, backend);
  f->log = g_ptr_array_new_with_free_func (g_free);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *path = g_strdup (tc_replica_get_path (f->replica));

  g_clear_object (&f->replica);
  tc_replica_remove_files_async (path, NULL, done_cb, &result);
  tc_replica_remove_files_finish (wait_result (&result), NULL);
  g_rmdir (f->dir);
  g_free (f->dir);
  g_clear_object (&f->settings);
  g_ptr_array_unref (f->log);
}

static void
test_notifications (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(TcNotifier) notifier = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;

  member (f, "B", "Bob Birch");
  member (f, "C", "Carol Chen");
  member (f, "D", "Dana Diaz");
  message (f, "B", "A", "sent while the app was closed");

  /* Starting: what was unread already is not announced. */
  notifier = tc_notifier_new (f->replica, f->settings);
  g_signal_connect (notifier, "show", G_CALLBACK (on_show_cb), f);
  g_signal_connect (notifier, "withdraw", G_CALLBACK (on_withdraw_cb), f);
  settle (f);
  log = take_log (f);
  g_assert_cmpstr (log, ==, "");
  g_free (log);

  /* A new message from Bob: shown, with the unread count. */
  message (f, "B", "A", "Training call\nat 7 pm?");
  log = take_log (f);
  g_assert_cmpstr (log, ==, "show B (Bob Birch) 2: Training call at 7 pm?");
  g_free (log);

  /* Our own message is no news. */
  message (f, "A", "C", "Hi Carol");
  log = take_log (f);
  g_assert_cmpstr (log, ==, "");
  g_free (log);

  /* Carol's conversation is on screen in a focused window: quiet. */
  tc_notifier_set_visible_peer (notifier, "C", TRUE);
  message (f, "C", "A", "Thanks!");
  log = take_log (f);
  g_assert_cmpstr (log, ==, "");
  g_free (log);

  /* The same window without the focus: shown. */
  tc_notifier_set_visible_peer (notifier, "C", FALSE);
  message (f, "C", "A", "Are you there?");
  log = take_log (f);
  g_assert_cmpstr (log, ==, "show C (Carol Chen) 2: Are you there?");
  g_free (log);

  /* Another from Bob replaces his (one per conversation, same peer id). */
  message (f, "B", "A", "Never mind, see you tomorrow");
  log = take_log (f);
  g_assert_cmpstr (log, ==, "show B (Bob Birch) 3: Never mind, see you tomorrow");
  g_free (log);

  /* Reading Bob's conversation (here or on another device) withdraws it. */
  tc_replica_mark_read_async (f->replica, "B", 0, NULL, done_cb, &result);
  g_assert_true (tc_replica_mark_read_finish (f->replica, wait_result (&result), &error));
  g_assert_no_error (error);
  settle (f);
  log = take_log (f);
  g_assert_cmpstr (log, ==, "withdraw B");
  g_free (log);

  /* Looking at Carol's in a focused window withdraws hers too. */
  tc_notifier_set_visible_peer (notifier, "C", TRUE);
  log = take_log (f);
  g_assert_cmpstr (log, ==, "withdraw C");
  g_free (log);

  /* A catch-up (a first sync brings the whole history): nothing, and
   * what it brought is not announced once it is over either... */
  tc_notifier_set_catching_up (notifier, TRUE);
  message (f, "D", "A", "From last week");
  message (f, "B", "A", "From yesterday");
  tc_notifier_set_catching_up (notifier, FALSE);
  settle (f);
  log = take_log (f);
  g_assert_cmpstr (log, ==, "");
  g_free (log);

  /* ...but what arrives live afterwards is. */
  message (f, "D", "A", "Live again");
  log = take_log (f);
  g_assert_cmpstr (log, ==, "show D (Dana Diaz) 2: Live again");
  g_free (log);

  /* Read on another device while catching up (after being offline): the
   * notification shown before is withdrawn then, not at the end. */
  tc_notifier_set_catching_up (notifier, TRUE);
  message (f, "B", "A", "While you were away");
  g_clear_object (&result);
  tc_replica_mark_read_async (f->replica, "D", 0, NULL, done_cb, &result);
  g_assert_true (tc_replica_mark_read_finish (f->replica, wait_result (&result), &error));
  g_assert_no_error (error);
  settle (f);
  log = take_log (f);
  g_assert_cmpstr (log, ==, "withdraw D");
  g_free (log);
  /* Nothing shown any more: the rest of the catch-up is learned in one
   * listing at its end, quietly, and live messages are news again. */
  message (f, "C", "A", "Also while you were away");
  tc_notifier_set_catching_up (notifier, FALSE);
  settle (f);
  log = take_log (f);
  g_assert_cmpstr (log, ==, "");
  g_free (log);
  message (f, "B", "A", "Back live");
  log = take_log (f);
  g_assert_cmpstr (log, ==, "show B (Bob Birch) 3: Back live");
  g_free (log);

  /* Turned off in the settings: nothing. */
  g_settings_set_boolean (f->settings, "notifications-enabled", FALSE);
  message (f, "C", "A", "Hello again from Carol");
  log = take_log (f);
  g_assert_cmpstr (log, ==, "");
}

int
main (int    argc,
      char **argv)
{
  /* The schema compiled in the build tree, not an installed one. */
  g_setenv ("GSETTINGS_SCHEMA_DIR", TC_SCHEMA_DIR, TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/notifier/decisions", Fixture, NULL, fixture_setup, test_notifications,
              fixture_teardown);
  return g_test_run ();
}
