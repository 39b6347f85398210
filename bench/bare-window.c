/* bare-window.c: the yardstick of bench/app-start.py — a bare libadwaita
 * window (an AdwApplication with an id, one AdwApplicationWindow of the
 * app's default size with a header bar and a status page), which prints the
 * end of its first frame the way the app's TEAMCHAT_BENCH probe does:
 *
 *   bench first-frame t=<CLOCK_MONOTONIC µs> rss=<KiB> cpu=<main thread, ms>
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <adwaita.h>

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
after_paint_cb (GdkFrameClock *clock,
                gpointer       user_data)
{
  struct timespec cpu;

  /* cpu: the main thread's CPU time so far (ms), as the app's probe says it */
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &cpu);
  printf ("bench first-frame t=%" G_GINT64_FORMAT " rss=%ld cpu=%.1f\n", g_get_monotonic_time (),
          rss_kib (), cpu.tv_sec * 1000.0 + cpu.tv_nsec / 1e6);
  fflush (stdout);
  g_signal_handlers_disconnect_by_func (clock, after_paint_cb, user_data);
}

static void
realize_cb (GtkWidget *window)
{
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint",
                    G_CALLBACK (after_paint_cb), NULL);
}

static void
activate_cb (GApplication *app)
{
  GtkWidget *window = adw_application_window_new (GTK_APPLICATION (app));
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *page = adw_status_page_new ();

  adw_status_page_set_title (ADW_STATUS_PAGE (page), "Bare window");
  gtk_widget_set_vexpand (page, TRUE);
  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  gtk_box_append (GTK_BOX (box), page);
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), box);
  gtk_window_set_title (GTK_WINDOW (window), "Bare window");
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 760);
  g_signal_connect (window, "realize", G_CALLBACK (realize_cb), NULL);
  gtk_window_present (GTK_WINDOW (window));
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(AdwApplication) app = adw_application_new ("io.github.teamchat.BareWindow",
                                                       G_APPLICATION_DEFAULT_FLAGS);

  g_signal_connect (app, "activate", G_CALLBACK (activate_cb), NULL);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
