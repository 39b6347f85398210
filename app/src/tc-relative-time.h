/* tc-relative-time.h: when a message came, as chat lists show it */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "Now", "5 min", "14:05", "Yesterday", "Tue", then the locale's date:
 * the closer, the more precise. @usec: microseconds since the epoch. */
char *tc_format_relative_time (gint64 usec);

G_END_DECLS
