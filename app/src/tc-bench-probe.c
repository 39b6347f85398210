/* tc-bench-probe.c: timings for the benchmarks in bench/ (inert by default)
 *
 * TEAMCHAT_BENCH is a comma-separated list of words:
 *
 *   start      "first-frame" at the end of the window's first frame and
 *              "main-frame" at the end of the first frame after the
 *              logged-in view was put up, "list-frame" once the Team Chat
 *              panel lists conversations; each with the monotonic time
 *              (µs, CLOCK_MONOTONIC like the bench's own clock) and RSS.
 *   sync       keeps frames coming while the sync engine catches up and
 *              prints, when it is online, the gaps between frames: the
 *              main-loop stalls a person would see as a frozen window.
 *   open=PEER  once the conversations are listed and a second has passed,
 *              opens the conversation with PEER as a click in the panel
 *              does, prints when the next frame and the first frame with
 *              every visible message read ended, then the frame times
 *              while something scrolls the history (bench/app-scroll).
 *
 * Lines go to standard output, one per event: "bench EVENT key=value …".
 */
#define _GNU_SOURCE  /* RUSAGE_THREAD */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "tc-bench-probe.h"
#include "tc-message-model.h"
#include "tc-tail-model.h"

#define QUIET_USEC (1 * G_USEC_PER_SEC)
#define STABLE_FRAMES 10

typedef struct {
  GtkWindow     *window;
  GdkFrameClock *clock;
  gboolean       want_sync;
  char          *open_peer;

  gboolean       first_done;
  gboolean       main_shown;
  gboolean       main_done;
  gboolean       list_done;
  guint          list_tick_id;

  /* sync */
  TcSyncEngine  *engine;
  guint          sync_tick_id;
  gint64         last_tick;
  gint64         last_tick_cpu;
  double         stall_ms;      /* summed over gaps over 50 ms */
  double         stall_cpu_ms;  /* main-thread CPU time in those gaps */
  GArray        *sync_gaps;     /* double, ms */
  gint64         sync_start;

  /* open and scroll */
  gint64         list_at;
  gint64         open_at;
  gint64         open_tick_at;      /* the first frame's start after the click */
  gboolean       open_first_done;
  gboolean       open_loaded_done;
  gboolean       scroll_ready;
  graphene_rect_t settling_bounds;  /* the history's, in the window, until they settle */
  guint          stable_frames;
  GtkListView   *history;
  GtkAdjustment *adjustment;
  double         last_value;
  gint64         last_move;
  gint64         last_paint;
  gboolean       scrolling;
  GArray        *scroll_intervals;  /* double, ms */
  GArray        *scroll_costs;      /* double, ms */
  guint          scroll_pending_frames;
  double         scroll_distance;
} Probe;

static Probe *probe;

gboolean
tc_bench_probe_enabled (void)
{
  return g_getenv ("TEAMCHAT_BENCH") != NULL;
}

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

static void
say (const char *event,
     const char *format,
     ...) G_GNUC_PRINTF (2, 3);

static void
say (const char *event,
     const char *format,
     ...)
{
  g_autofree char *rest = NULL;
  struct timespec cpu;
  va_list args;

  va_start (args, format);
  rest = g_strdup_vprintf (format, args);
  va_end (args);
  /* cpu: the main thread's CPU time so far (ms), which the other programs
   * of a busy machine do not add to as they do to t. */
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &cpu);
  printf ("bench %s t=%" G_GINT64_FORMAT " rss=%ld cpu=%.1f %s\n", event, g_get_monotonic_time (),
          rss_kib (), cpu.tv_sec * 1000.0 + cpu.tv_nsec / 1e6, rest);
  fflush (stdout);
}

/* A moment on the way to the first frames, for finding where the time goes. */
void
tc_bench_probe_mark (const char *what)
{
  if (tc_bench_probe_enabled ())
    say ("mark", "what=%s", what);
}

static GtkWidget *
find_descendant (GtkWidget *root,
                 GType      type)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type))
        return child;
      found = find_descendant (child, type);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_in (const char *container_type,
         GType       type)
{
  GType container = g_type_from_name (container_type);
  GtkWidget *inside = container != 0 ? find_descendant (GTK_WIDGET (probe->window), container) : NULL;

  return inside != NULL ? find_descendant (inside, type) : NULL;
}

static gboolean
panel_lists_conversations (void)
{
  GtkWidget *list = find_in ("TcChatPanel", GTK_TYPE_LIST_BOX);

  return list != NULL && gtk_widget_get_first_child (list) != NULL &&
         gtk_widget_get_mapped (list);
}

static TcMessageModel *
history_model (void)
{
  GtkSelectionModel *selection;
  GListModel *model;

  if (probe->history == NULL)
    return NULL;
  selection = gtk_list_view_get_model (probe->history);
  if (!GTK_IS_NO_SELECTION (selection))
    return NULL;
  model = gtk_no_selection_get_model (GTK_NO_SELECTION (selection));
  if (TC_IS_TAIL_MODEL (model))
    model = tc_tail_model_get_model (TC_TAIL_MODEL (model));
  return TC_IS_MESSAGE_MODEL (model) ? TC_MESSAGE_MODEL (model) : NULL;
}

/* Every message on screen read, and the list where it opens: at its end. */
static gboolean
history_read (void)
{
  TcMessageModel *model = history_model ();

  return model != NULL && tc_message_model_get_loaded (model) &&
         tc_message_model_get_n_pending (model) == 0 &&
         gtk_adjustment_get_value (probe->adjustment) >=
           gtk_adjustment_get_upper (probe->adjustment) -
           gtk_adjustment_get_page_size (probe->adjustment) - 1;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
percentile (GArray *values,
            double  p)
{
  guint i;

  if (values->len == 0)
    return 0;
  g_array_sort (values, compare_doubles);
  i = (guint) (p * (values->len - 1) + 0.5);
  return g_array_index (values, double, i);
}

static guint
count_over (GArray *values,
            double  limit)
{
  guint n = 0;

  for (guint i = 0; i < values->len; i++)
    n += g_array_index (values, double, i) > limit;
  return n;
}

/* --- sync ------------------------------------------------------------------------ */

/* CPU time of the calling thread, µs. */
static gint64
thread_cpu_usec (void)
{
  struct rusage usage;

  if (getrusage (RUSAGE_THREAD, &usage) != 0)
    return 0;
  return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * G_USEC_PER_SEC +
         usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

/* The gaps between frames, and for the long ones how much of the gap the
 * main thread spent running (the rest it waited, or was not scheduled). */
static gboolean
sync_tick_cb (GtkWidget     *widget,
              GdkFrameClock *frame_clock,
              gpointer       user_data)
{
  gint64 now = g_get_monotonic_time ();
  gint64 cpu = thread_cpu_usec ();

  if (probe->last_tick != 0)
    {
      double gap = (now - probe->last_tick) / 1000.0;

      g_array_append_val (probe->sync_gaps, gap);
      if (gap > 50)
        {
          probe->stall_ms += gap;
          probe->stall_cpu_ms += (cpu - probe->last_tick_cpu) / 1000.0;
        }
    }
  probe->last_tick = now;
  probe->last_tick_cpu = cpu;
  return G_SOURCE_CONTINUE;
}

static void
on_sync_state_cb (TcSyncEngine *engine)
{
  TcSyncState state = tc_sync_engine_get_state (engine);

  if (state == TC_SYNC_STATE_SYNCING && probe->sync_start == 0)
    {
      probe->sync_start = g_get_monotonic_time ();
      say ("sync-start", "events=%u", tc_sync_engine_get_synced_events (engine));
    }
  if (state != TC_SYNC_STATE_ONLINE || probe->sync_tick_id == 0)
    return;
  gtk_widget_remove_tick_callback (GTK_WIDGET (probe->window), probe->sync_tick_id);
  probe->sync_tick_id = 0;
  say ("sync-done",
       "events=%u seconds=%.3f frames=%u gap_p50_ms=%.1f gap_p99_ms=%.1f gap_max_ms=%.1f "
       "gaps_over_50ms=%u gaps_over_100ms=%u stalled_ms=%.0f stalled_cpu_ms=%.0f",
       tc_sync_engine_get_synced_events (engine),
       probe->sync_start != 0 ? (g_get_monotonic_time () - probe->sync_start) / 1e6 : 0.0,
       probe->sync_gaps->len + 1, percentile (probe->sync_gaps, 0.5),
       percentile (probe->sync_gaps, 0.99), percentile (probe->sync_gaps, 1.0),
       count_over (probe->sync_gaps, 50), count_over (probe->sync_gaps, 100), probe->stall_ms,
       probe->stall_cpu_ms);
}

/* Frames keep coming while the conversations are listed, and after the
 * click while a scroll may start (the end of one is found by a frame
 * without a move). */
static gboolean
keep_ticking_cb (GtkWidget     *widget,
                 GdkFrameClock *frame_clock,
                 gpointer       user_data)
{
  return G_SOURCE_CONTINUE;
}

/* --- open and scroll ---------------------------------------------------------------- */

/* The first frame after the click starts here (its update phase). */
static gboolean
open_tick_cb (GtkWidget     *widget,
              GdkFrameClock *frame_clock,
              gpointer       user_data)
{
  if (probe->open_tick_at == 0)
    probe->open_tick_at = g_get_monotonic_time ();
  return G_SOURCE_CONTINUE;
}

static gboolean
open_conversation_cb (gpointer user_data)
{
  GApplication *app = G_APPLICATION (gtk_window_get_application (probe->window));

  probe->open_at = g_get_monotonic_time ();
  say ("open", "peer=%s", probe->open_peer);
  g_action_group_activate_action (G_ACTION_GROUP (app), "open-conversation",
                                  g_variant_new_string (probe->open_peer));
  gtk_widget_add_tick_callback (GTK_WIDGET (probe->window), open_tick_cb, NULL, NULL);
  /* The conversation view is there once a conversation is open (built
   * ahead in an idle, or by this open). */
  probe->history = GTK_LIST_VIEW (find_in ("TcConversationView", GTK_TYPE_LIST_VIEW));
  if (probe->history == NULL)
    {
      say ("error", "what=no-history-list");
      probe->open_at = 0;
      return G_SOURCE_REMOVE;
    }
  probe->adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (probe->history));
  return G_SOURCE_REMOVE;
}

static void
scroll_report (void)
{
  say ("scroll-done",
       "frames=%u distance_px=%.0f interval_p50_ms=%.1f interval_p95_ms=%.1f interval_max_ms=%.1f "
       "intervals_over_17ms=%u intervals_over_33ms=%u cost_p50_ms=%.1f cost_p95_ms=%.1f "
       "cost_max_ms=%.1f frames_with_unread_rows=%u",
       probe->scroll_intervals->len, probe->scroll_distance,
       percentile (probe->scroll_intervals, 0.5), percentile (probe->scroll_intervals, 0.95),
       percentile (probe->scroll_intervals, 1.0), count_over (probe->scroll_intervals, 17),
       count_over (probe->scroll_intervals, 33.4), percentile (probe->scroll_costs, 0.5),
       percentile (probe->scroll_costs, 0.95), percentile (probe->scroll_costs, 1.0),
       probe->scroll_pending_frames);
  g_array_set_size (probe->scroll_intervals, 0);
  g_array_set_size (probe->scroll_costs, 0);
  probe->scroll_pending_frames = 0;
  probe->scroll_distance = 0;
}

/* The history's place in the window's surface. */
static void
history_bounds (graphene_rect_t *bounds)
{
  double x = 0, y = 0;
  GtkNative *native = gtk_widget_get_native (GTK_WIDGET (probe->history));

  if (!gtk_widget_compute_bounds (GTK_WIDGET (probe->history), GTK_WIDGET (native), bounds))
    graphene_rect_init (bounds, 0, 0, 0, 0);
  gtk_native_get_surface_transform (native, &x, &y);
  bounds->origin.x += x;
  bounds->origin.y += y;
}

/* Ready once the history has stayed in one place for STABLE_FRAMES
 * frames: the panes may still be moving when its messages are read, and
 * a wheel turned where the history was is turned outside the window
 * (seen: 1 open in 10, the history 210 px to the right of where it ended). */
static void
wait_ready_to_scroll (gint64 now)
{
  graphene_rect_t bounds;

  history_bounds (&bounds);
  if (!graphene_rect_equal (&bounds, &probe->settling_bounds))
    {
      probe->settling_bounds = bounds;
      probe->stable_frames = 0;
      return;
    }
  if (++probe->stable_frames < STABLE_FRAMES)
    return;
  probe->scroll_ready = TRUE;
  probe->last_value = gtk_adjustment_get_value (probe->adjustment);
  probe->last_paint = now;
  say ("scroll-ready", "x=%.0f y=%.0f width=%.0f height=%.0f value=%.0f upper=%.0f",
       bounds.origin.x, bounds.origin.y, bounds.size.width, bounds.size.height,
       probe->last_value, gtk_adjustment_get_upper (probe->adjustment));
}

static void
after_open_paint (GdkFrameClock *clock,
                  gint64         now)
{
  double value;

  if (!probe->open_first_done)
    {
      probe->open_first_done = TRUE;
      /* started_ms: from the click to the start of that frame. */
      say ("open-first-frame", "ms=%.1f started_ms=%.1f", (now - probe->open_at) / 1000.0,
           probe->open_tick_at != 0 ? (probe->open_tick_at - probe->open_at) / 1000.0 : -1.0);
    }
  if (!probe->open_loaded_done)
    {
      if (history_read ())
        {
          probe->open_loaded_done = TRUE;
          say ("open-read-frame", "ms=%.1f n_items=%u rows=%u", (now - probe->open_at) / 1000.0,
               g_list_model_get_n_items (G_LIST_MODEL (history_model ())),
               g_list_model_get_n_items (G_LIST_MODEL (gtk_list_view_get_model (probe->history))));
        }
      return;
    }
  if (!probe->scroll_ready)
    {
      wait_ready_to_scroll (now);
      return;
    }

  /* Scrolling: from the first frame that moved to a second without a move. */
  value = gtk_adjustment_get_value (probe->adjustment);
  if (value != probe->last_value)
    {
      if (!probe->scrolling)
        probe->scrolling = TRUE;
      else
        {
          double interval = (now - probe->last_paint) / 1000.0;
          double cost = (now - gdk_frame_clock_get_frame_time (clock)) / 1000.0;

          g_array_append_val (probe->scroll_intervals, interval);
          g_array_append_val (probe->scroll_costs, cost);
        }
      probe->scroll_distance += ABS (value - probe->last_value);
      probe->last_value = value;
      probe->last_move = now;
      if (history_model () != NULL && tc_message_model_get_n_pending (history_model ()) > 0)
        probe->scroll_pending_frames++;
    }
  else if (probe->scrolling && now - probe->last_move > QUIET_USEC)
    {
      probe->scrolling = FALSE;
      scroll_report ();
    }
  probe->last_paint = now;
}

/* --- frames ---------------------------------------------------------------------------- */

static void
on_after_paint_cb (GdkFrameClock *clock)
{
  gint64 now = g_get_monotonic_time ();

  if (!probe->first_done)
    {
      probe->first_done = TRUE;
      say ("first-frame", "%s", "");
    }
  if (probe->main_shown && !probe->main_done)
    {
      probe->main_done = TRUE;
      say ("main-frame", "%s", "");
      /* Frames keep coming until the conversations are seen listed. */
      probe->list_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (probe->window),
                                                          keep_ticking_cb, NULL, NULL);
    }
  if (probe->main_done && !probe->list_done && panel_lists_conversations ())
    {
      probe->list_done = TRUE;
      probe->list_at = now;
      say ("list-frame", "%s", "");
      gtk_widget_remove_tick_callback (GTK_WIDGET (probe->window), probe->list_tick_id);
      /* The click comes a second later, to an idle window, as a person's
       * does: no frame is due, so the next frame starts when the click
       * asks for it, not at the next tick of a running clock. */
      if (probe->open_peer != NULL)
        g_timeout_add (QUIET_USEC / 1000, open_conversation_cb, NULL);
    }
  if (probe->open_at != 0)
    after_open_paint (clock, now);
}

static void
on_realize_cb (GtkWidget *window)
{
  probe->clock = gtk_widget_get_frame_clock (window);
  g_signal_connect (probe->clock, "after-paint", G_CALLBACK (on_after_paint_cb), NULL);
}

void
tc_bench_probe_attach (GtkWindow *window)
{
  g_auto(GStrv) words = NULL;

  if (!tc_bench_probe_enabled () || probe != NULL)
    return;

  probe = g_new0 (Probe, 1);
  probe->window = window;
  probe->sync_gaps = g_array_new (FALSE, FALSE, sizeof (double));
  probe->scroll_intervals = g_array_new (FALSE, FALSE, sizeof (double));
  probe->scroll_costs = g_array_new (FALSE, FALSE, sizeof (double));
  words = g_strsplit (g_getenv ("TEAMCHAT_BENCH"), ",", -1);
  for (guint i = 0; words[i] != NULL; i++)
    {
      if (g_str_equal (words[i], "sync"))
        probe->want_sync = TRUE;
      else if (g_str_has_prefix (words[i], "open="))
        probe->open_peer = g_strdup (words[i] + strlen ("open="));
    }
  if (gtk_widget_get_realized (GTK_WIDGET (window)))
    on_realize_cb (GTK_WIDGET (window));
  else
    g_signal_connect (window, "realize", G_CALLBACK (on_realize_cb), NULL);
}

void
tc_bench_probe_main_shown (GtkWindow    *window,
                           TcSyncEngine *engine)
{
  if (probe == NULL || probe->window != window || probe->main_shown)
    return;
  probe->main_shown = TRUE;
  say ("main-shown", "%s", "");
  if (probe->want_sync && engine != NULL)
    {
      probe->engine = g_object_ref (engine);
      g_signal_connect (engine, "notify::state", G_CALLBACK (on_sync_state_cb), NULL);
      probe->sync_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (window), sync_tick_cb, NULL,
                                                          NULL);
      on_sync_state_cb (engine);
    }
  /* A frame even if nothing changed on screen. */
  gtk_widget_queue_draw (GTK_WIDGET (window));
}
