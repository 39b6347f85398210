/* test-search-view.c: the message search view over a real replica
 * (needs a display; skipped without one) */
#include <glib/gstdio.h>

#include "tc-search-view.h"

#define ME "A"

static gboolean
wait_result_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (*slot == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (*slot);
  return g_steal_pointer (slot);
}

static TcEvent *
message_event (gint64      id,
               const char *from,
               const char *to,
               const char *body)
{
  TcEvent *event = tc_event_new (TC_EVENT_MESSAGE);

  event->seq = id;
  event->message = tc_message_new ();
  event->message->id = id;
  event->message->client_id = g_uuid_string_random ();
  event->message->from = g_strdup (from);
  event->message->to = g_strdup (to);
  event->message->body = g_strdup (body);
  event->message->sent_at = (G_GINT64_CONSTANT (1790000000) + id) * G_USEC_PER_SEC;
  return event;
}

static TcReplica *
replica_with_messages (const char *path)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_event_free);
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) opened = NULL;
  g_autoptr(GAsyncResult) applied = NULL;
  g_autoptr(GError) error = NULL;
  TcEvent *member = tc_event_new (TC_EVENT_MEMBER);
  TcReplica *replica;

  tc_replica_new_async (path, ME, NULL, store_result_cb, &slot);
  opened = wait_result (&slot);
  replica = tc_replica_new_finish (opened, &error);
  g_assert_no_error (error);

  member->member = tc_associate_new ();
  member->member->id = g_strdup ("B");
  member->member->name = g_strdup ("Bob Birch");
  g_ptr_array_add (events, member);
  g_ptr_array_add (events, message_event (1, "B", ME, "José brought the café kit"));
  g_ptr_array_add (events, message_event (2, ME, "C", "cafe <b>tomorrow</b>?"));
  g_ptr_array_add (events, message_event (3, "B", ME, "no coffee here"));
  g_ptr_array_add (events, message_event (4, "B", ME, "Café again"));
  tc_replica_apply_events_async (replica, events, "4", NULL, store_result_cb, &slot);
  applied = wait_result (&slot);
  g_assert_true (tc_replica_apply_events_finish (replica, applied, &error));
  g_assert_no_error (error);
  return replica;
}

static GtkWidget *
find_child (GtkWidget *widget,
            GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_child (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
wait_for_page (GtkStack   *stack,
               const char *page)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  guint tick = g_timeout_add (20, wait_result_cb, NULL);

  while (g_strcmp0 (gtk_stack_get_visible_child_name (stack), page) != 0 &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, page);
}

static void
on_message_activated_cb (TcSearchView *view,
                         const char   *peer_id,
                         gint64        local_id,
                         gpointer      user_data)
{
  GString *activated = user_data;

  g_string_append_printf (activated, "%s:%" G_GINT64_FORMAT, peer_id, local_id);
}

static guint
count_rows (GtkListBox *list)
{
  guint n = 0;

  while (gtk_list_box_get_row_at_index (list, (int) n) != NULL)
    n++;
  return n;
}

static void
test_search_view (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tc-search-view-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "replica.db", NULL);
  g_autoptr(GString) activated = g_string_new (NULL);
  TcReplica *replica = replica_with_messages (path);
  GtkWidget *window = gtk_window_new ();
  TcSearchView *view = TC_SEARCH_VIEW (tc_search_view_new ());
  GtkStack *stack;
  GtkListBox *list;
  GtkWidget *header;

  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (view));
  gtk_window_present (GTK_WINDOW (window));
  stack = GTK_STACK (find_child (GTK_WIDGET (view), GTK_TYPE_STACK));
  list = GTK_LIST_BOX (find_child (GTK_WIDGET (view), GTK_TYPE_LIST_BOX));
  g_signal_connect (view, "message-activated", G_CALLBACK (on_message_activated_cb), activated);

  /* Nothing typed, nothing to search yet. */
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "start");
  tc_search_view_set_replica (view, replica);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "start");

  /* Grouped: B (newest match, 4) with 2 results, then C with 1. */
  tc_search_view_set_query (view, "CAFE");
  wait_for_page (stack, "results");
  g_assert_cmpuint (count_rows (list), ==, 3);
  header = gtk_list_box_row_get_header (gtk_list_box_get_row_at_index (list, 0));
  g_assert_nonnull (header);
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (gtk_widget_get_first_child (header))), ==,
                   "Bob Birch");
  g_assert_null (gtk_list_box_row_get_header (gtk_list_box_get_row_at_index (list, 1)));
  header = gtk_list_box_row_get_header (gtk_list_box_get_row_at_index (list, 2));
  g_assert_nonnull (header);
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (gtk_widget_get_first_child (header))), ==,
                   "C");

  /* Choosing a result says which message. */
  gtk_widget_activate (GTK_WIDGET (gtk_list_box_get_row_at_index (list, 2)));
  g_assert_cmpstr (activated->str, ==, "C:2");

  /* The replica changes: the results follow. */
  {
    g_autoptr(GPtrArray) events =
      g_ptr_array_new_with_free_func ((GDestroyNotify) tc_event_free);
    GAsyncResult *slot = NULL;
    g_autoptr(GAsyncResult) applied = NULL;

    g_ptr_array_add (events, message_event (5, "D", ME, "café at five"));
    tc_replica_apply_events_async (replica, events, "5", NULL, store_result_cb, &slot);
    applied = wait_result (&slot);
    g_assert_true (tc_replica_apply_events_finish (replica, applied, &error));
    while (count_rows (list) != 4)
      g_main_context_iteration (NULL, TRUE);
  }

  tc_search_view_set_query (view, "zzz");
  wait_for_page (stack, "none");
  tc_search_view_set_query (view, "😀");
  wait_for_page (stack, "none");
  tc_search_view_set_query (view, "");
  wait_for_page (stack, "start");

  tc_search_view_set_replica (view, NULL);
  gtk_window_destroy (GTK_WINDOW (window));
  {
    TcReplica *weak = replica;

    g_object_add_weak_pointer (G_OBJECT (weak), (gpointer *) &weak);
    g_object_unref (replica);
    while (weak != NULL)
      g_main_context_iteration (NULL, TRUE);
  }
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);

    g_unlink (wal);
    g_unlink (shm);
    g_unlink (path);
    g_rmdir (dir);
  }
}

static void
skip_without_display (void)
{
  g_test_skip ("no display");
}

int
main (int    argc,
      char **argv)
{
  gboolean have_display;

  g_test_init (&argc, &argv, NULL);
  have_display = gtk_init_check ();
  if (have_display)
    adw_init ();

  if (have_display)
    g_test_add_func ("/search-view/results", test_search_view);
  else
    g_test_add_func ("/search-view/results", skip_without_display);

  return g_test_run ();
}
