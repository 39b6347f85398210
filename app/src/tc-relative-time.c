/* tc-relative-time.c: when a message came, as chat lists show it */
#include "config.h"

#include <glib/gi18n.h>

#include "tc-relative-time.h"

char *
tc_format_relative_time (gint64 usec)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (usec / G_USEC_PER_SEC);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) today = NULL;
  GTimeSpan ago;
  gint64 days;

  if (when == NULL || now == NULL)
    return g_strdup ("");
  ago = g_date_time_difference (now, when);
  if (ago < G_TIME_SPAN_MINUTE)
    /* TRANSLATORS: a message that arrived less than a minute ago */
    return g_strdup (C_("time", "Now"));
  if (ago < G_TIME_SPAN_HOUR)
    {
      guint minutes = (guint) (ago / G_TIME_SPAN_MINUTE);
      /* TRANSLATORS: how long ago a message arrived, in minutes */
      return g_strdup_printf (ngettext ("%u min", "%u min", minutes), minutes);
    }

  today = g_date_time_new_local (g_date_time_get_year (now), g_date_time_get_month (now),
                                 g_date_time_get_day_of_month (now), 0, 0, 0);
  days = (g_date_time_difference (today, when) + G_TIME_SPAN_DAY - 1) / G_TIME_SPAN_DAY;
  if (g_date_time_compare (when, today) >= 0)
    /* TRANSLATORS: time of a message sent today, see g_date_time_format() */
    return g_date_time_format (when, _("%H:%M"));
  if (days <= 1)
    return g_strdup (_("Yesterday"));
  if (days < 7)
    /* The abbreviated weekday, in the locale. */
    return g_date_time_format (when, "%a");
  /* The locale's own short date. */
  return g_date_time_format (when, "%x");
}
