/* tc-locale-format.h: times, days and counts as the user's locale writes them */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether the locale (LC_TIME) writes times with a 12-hour clock: its time
 * format (what "%X" prints) uses AM/PM, as en_US does and de_DE does not. */
gboolean  tc_locale_uses_12h_clock         (void);

/* Whether times are shown with a 12-hour clock: the desktop's choice (the
 * GNOME setting org.gnome.desktop.interface clock-format, when the schema is
 * installed and the user has chosen), else the locale's convention. */
gboolean  tc_clock_prefers_12h             (void);

/* "14:05" or "2:05 PM" (translated formats), for @when in its own zone. */
char     *tc_format_time_of_day_12h        (GDateTime *when,
                                            gboolean   twelve_hour);
char     *tc_format_time_of_day            (GDateTime *when);

/* When a message came, as chat lists show it, relative to @now: "Now",
 * "5 min", the time of day, "Yesterday", the abbreviated weekday, then the
 * locale's date. The closer, the more precise. */
char     *tc_format_relative_time_at       (GDateTime *when,
                                            GDateTime *now);
/* The same relative to the present; @usec: microseconds since the epoch. */
char     *tc_format_relative_time          (gint64     usec);

/* @count with the locale's digit grouping: "1,234", "1.234", "1 234". */
char     *tc_format_count                  (guint      count);

G_END_DECLS
