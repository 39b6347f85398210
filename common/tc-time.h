/* tc-time.h: RFC 3339 timestamps in UTC */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Microseconds since the epoch → "2026-11-24T08:26:00.123Z" (milliseconds). */
char     *tc_time_format_rfc3339 (gint64       usec);
/* Parses any RFC 3339 date-time with an offset; FALSE when malformed. */
gboolean  tc_time_parse_rfc3339  (const char  *text,
                                  gint64      *out_usec);
gint64    tc_time_now            (void);

G_END_DECLS
