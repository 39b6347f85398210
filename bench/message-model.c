/* message-model.c: the conversation list model on a big conversation
 *
 * Fills a fresh replica with N messages in one conversation (through the
 * replica's event application, as a sync does), then measures what the
 * conversation view waits for: the model's first read of the keys, the
 * first window at the bottom (what opening the conversation shows), a
 * window in the middle and at the end, the position of a message, a new
 * message arriving, and the memory (RSS) all along, including after
 * walking the whole conversation as a fast scroll from top to bottom does.
 *
 * Usage: bench-message-model [N]   (default 50000)
 */
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include "tc-app-test.h"
#include "tc-message-model.h"
#include "tc-replica-history.h"

#define REPEAT 9

static long
rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  return line != NULL ? strtol (line + strlen ("VmRSS:"), NULL, 10) : -1;
}

static gboolean
loaded (gpointer data)
{
  return tc_message_model_get_loaded (data);
}

static gboolean
idle (gpointer data)
{
  return tc_message_model_get_n_pending (data) == 0;
}

static gboolean
item_loaded (gpointer data)
{
  return tc_message_item_get_loaded (data);
}

static double
ms_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000.0;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (double *values,
        guint   n)
{
  qsort (values, n, sizeof (double), compare_doubles);
  return values[n / 2];
}

/* Time for the item at @position to be read, in a fresh model (nothing
 * cached), the keys already known. */
static double
window_ms (TcReplica *replica,
           guint      position)
{
  double times[REPEAT];

  for (guint r = 0; r < REPEAT; r++)
    {
      g_autoptr(TcMessageModel) model = tc_message_model_new (replica, "B");
      g_autoptr(TcMessageItem) item = NULL;
      gint64 start;

      tc_app_test_run_until (loaded, model, "keys");
      start = g_get_monotonic_time ();
      item = g_list_model_get_item (G_LIST_MODEL (model), position);
      tc_app_test_run_until (item_loaded, item, "window");
      times[r] = ms_since (start);
      tc_app_test_run_until (idle, model, "idle");
    }
  return median (times, REPEAT);
}

int
main (int    argc,
      char **argv)
{
  guint n = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 50000;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tc-bench-model-XXXXXX", &error);
  g_autofree char *path = NULL;
  TcReplica *replica;
  double open_times[REPEAT], first_times[REPEAT], position_times[REPEAT];
  double append_ms;
  long rss_start, rss_seeded, rss_open, rss_walked;
  guint n_cached_walked;
  gint64 start;

  g_assert_no_error (error);
  path = g_build_filename (dir, "replica.db", NULL);
  rss_start = rss_kib ();
  replica = tc_app_test_replica_open (path, "A", &error);
  g_assert_no_error (error);

  start = g_get_monotonic_time ();
  tc_app_test_seed_conversation (replica, "B", n);
  printf ("seed: %u messages in %.0f ms (pages of 1000 events)\n", n, ms_since (start));
  rss_seeded = rss_kib ();

  /* Opening the conversation: keys, then the bottom window shown. */
  for (guint r = 0; r < REPEAT; r++)
    {
      g_autoptr(TcMessageModel) model = NULL;
      g_autoptr(TcMessageItem) last = NULL;

      start = g_get_monotonic_time ();
      model = tc_message_model_new (replica, "B");
      tc_app_test_run_until (loaded, model, "keys");
      open_times[r] = ms_since (start);
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, n);
      /* What a window shows at the bottom: the last 30 rows. */
      for (guint p = n - 30; p < n; p++)
        g_object_unref (g_list_model_get_item (G_LIST_MODEL (model), p));
      last = g_list_model_get_item (G_LIST_MODEL (model), n - 1);
      tc_app_test_run_until (item_loaded, last, "last window");
      first_times[r] = ms_since (start);
      tc_app_test_run_until (idle, model, "idle");
    }
  printf ("open: keys of %u messages read (n_items known): median %.1f ms\n", n,
          median (open_times, REPEAT));
  printf ("open: first items at the bottom loaded: median %.1f ms\n",
          median (first_times, REPEAT));
  printf ("window at the middle: median %.2f ms\n", window_ms (replica, n / 2));
  printf ("window at the end: median %.2f ms\n", window_ms (replica, n - 1));
  printf ("window at the start: median %.2f ms\n", window_ms (replica, 0));

  {
    g_autoptr(TcMessageModel) model = tc_message_model_new (replica, "B");
    g_autoptr(TcMessageItem) middle = NULL;
    g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_event_free);
    gint64 local_id;

    tc_app_test_run_until (loaded, model, "keys");
    rss_open = rss_kib ();
    middle = g_list_model_get_item (G_LIST_MODEL (model), n / 2);
    tc_app_test_run_until (item_loaded, middle, "middle");
    local_id = tc_message_item_get_local_id (middle);

    for (guint r = 0; r < REPEAT; r++)
      {
        TcAppTestAsync async = { 0 };
        g_autoptr(GAsyncResult) result = NULL;
        guint position = 0;

        start = g_get_monotonic_time ();
        tc_replica_get_message_position_async (replica, local_id, NULL, tc_app_test_async_cb,
                                               &async);
        result = tc_app_test_async_wait (&async, "position");
        g_assert_true (tc_replica_get_message_position_finish (replica, result, NULL, &position,
                                                               NULL));
        position_times[r] = ms_since (start);
        g_assert_cmpuint (position, ==, n / 2);
      }
    printf ("position of the middle message (replica count): median %.2f ms\n",
            median (position_times, REPEAT));

    /* A fast scroll through everything, top to bottom. */
    for (guint p = 0; p < n; p += 10)
      {
        g_autoptr(TcMessageItem) item = g_list_model_get_item (G_LIST_MODEL (model), p);

        if (p % 1000 == 0)
          tc_app_test_run_until (idle, model, "walk");
      }
    tc_app_test_run_until (idle, model, "walk");
    n_cached_walked = tc_message_model_get_n_cached (model);
    rss_walked = rss_kib ();

    /* A new message while open: the keys again, one items-changed. */
    g_ptr_array_add (events, tc_app_test_message_event (n + 1, n + 1, "B", "A", "new"));
    start = g_get_monotonic_time ();
    tc_app_test_replica_apply (replica, events, NULL);
    while (g_list_model_get_n_items (G_LIST_MODEL (model)) != n + 1)
      g_main_context_iteration (NULL, TRUE);
    append_ms = ms_since (start);
    printf ("new message applied and in the model (items-changed): %.1f ms\n", append_ms);
  }

  printf ("RSS: start %ld KiB, seeded %ld KiB, model open %ld KiB (+%ld), "
          "after walking all %u positions %ld KiB (+%ld), items cached %u\n",
          rss_start, rss_seeded, rss_open, rss_open - rss_seeded, n, rss_walked,
          rss_walked - rss_seeded, n_cached_walked);

  tc_app_test_replica_close (&replica);
  g_unlink (path);
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);

    g_unlink (wal);
    g_unlink (shm);
  }
  g_rmdir (dir);
  return 0;
}
