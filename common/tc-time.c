/* tc-time.c: RFC 3339 timestamps in UTC */
#include "tc-time.h"

#include <string.h>

/**
 * tc_time_format_rfc3339:
 * @usec: microseconds since the Unix epoch
 *
 * Formats @usec as an RFC 3339 UTC timestamp with milliseconds, such as
 * "2026-11-24T08:26:00.123Z". Sub-millisecond digits are dropped (rounded
 * towards the past), so the text sorts like the time it stands for.
 *
 * Returns: (transfer full): the timestamp, or %NULL when @usec is outside
 *   the years 0001 to 9999
 */
char *
tc_time_format_rfc3339 (gint64 usec)
{
  /* Civil date from days since the epoch (H. Hinnant's algorithm, in the
   * proleptic Gregorian calendar GDateTime uses): this runs for every
   * message of every sync page and answer, where two GDateTimes each time
   * cost more than the rest of the text. test-time checks it against
   * GDateTime. */
  const gint64 min = G_GINT64_CONSTANT (-62135596800000000);   /* 0001-01-01 */
  const gint64 max = G_GINT64_CONSTANT (253402300799999999);   /* 9999-12-31, last µs */
  gint64 ms, secs, days, era, z;
  int ms_part, sod, year, month, day;
  guint doe, yoe, doy, mp;

  g_return_val_if_fail (usec >= min && usec <= max, NULL);

  ms = usec >= 0 ? usec / 1000 : -((-usec + 999) / 1000);        /* floor */
  secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  ms_part = (int) (ms - secs * 1000);
  days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  sod = (int) (secs - days * 86400);

  z = days + 719468;
  era = (z >= 0 ? z : z - 146096) / 146097;
  doe = (guint) (z - era * 146097);
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  day = (int) (doy - (153 * mp + 2) / 5 + 1);
  month = (int) (mp < 10 ? mp + 3 : mp - 9);
  year = (int) ((gint64) yoe + era * 400 + (month <= 2));

  /* Built by hand: %Y does not pad years below 1000 to four digits. */
  return g_strdup_printf ("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", year, month, day,
                          sod / 3600, sod / 60 % 60, sod % 60, ms_part);
}

/* Reads exactly @n_digits ASCII digits at *p and advances past them. */
static gboolean
read_digits (const char **p,
             int          n_digits,
             int         *out)
{
  int value = 0;

  for (int i = 0; i < n_digits; i++)
    {
      if (!g_ascii_isdigit ((*p)[i]))
        return FALSE;
      value = value * 10 + ((*p)[i] - '0');
    }
  *p += n_digits;
  *out = value;
  return TRUE;
}

static gboolean
read_char (const char **p,
           const char  *accepted)
{
  if (**p == '\0' || strchr (accepted, **p) == NULL)
    return FALSE;
  (*p)++;
  return TRUE;
}

/**
 * tc_time_parse_rfc3339:
 * @text: an RFC 3339 date-time, such as "2026-11-24T10:26:00.5+02:00"
 * @out_usec: (out) (optional): microseconds since the Unix epoch, UTC
 *
 * Parses the date-time production of RFC 3339 section 5.6: a full date,
 * "T" (or "t"), a full time with optional fractional seconds and a
 * mandatory offset ("Z", "z" or ±HH:MM). Digits beyond microseconds are
 * dropped. A leap second (:60) counts as the first second of the next
 * minute, as the Unix clock has no leap seconds. Anything else, including
 * ISO 8601 forms RFC 3339 leaves out, is refused.
 *
 * Returns: %TRUE when @text is a valid RFC 3339 date-time
 */
gboolean
tc_time_parse_rfc3339 (const char *text,
                       gint64     *out_usec)
{
  g_autoptr(GDateTime) dt = NULL;
  const char *p = text;
  int year, month, day, hour, minute, second;
  int offset_hours = 0, offset_minutes = 0, offset_sign = 1;
  gint64 fraction_usec = 0;
  gint64 usec;

  g_return_val_if_fail (text != NULL, FALSE);

  if (!read_digits (&p, 4, &year) || !read_char (&p, "-") ||
      !read_digits (&p, 2, &month) || !read_char (&p, "-") ||
      !read_digits (&p, 2, &day) || !read_char (&p, "Tt") ||
      !read_digits (&p, 2, &hour) || !read_char (&p, ":") ||
      !read_digits (&p, 2, &minute) || !read_char (&p, ":") ||
      !read_digits (&p, 2, &second))
    return FALSE;

  if (*p == '.')
    {
      gint64 scale = 100000;

      p++;
      if (!g_ascii_isdigit (*p))
        return FALSE;
      for (; g_ascii_isdigit (*p); p++)
        {
          fraction_usec += (*p - '0') * scale;
          scale /= 10;
        }
    }

  if (*p == 'Z' || *p == 'z')
    p++;
  else if (*p == '+' || *p == '-')
    {
      offset_sign = *p == '-' ? -1 : 1;
      p++;
      if (!read_digits (&p, 2, &offset_hours) || !read_char (&p, ":") ||
          !read_digits (&p, 2, &offset_minutes))
        return FALSE;
    }
  else
    return FALSE;
  if (*p != '\0')
    return FALSE;

  if (hour > 23 || minute > 59 || second > 60 || offset_hours > 23 || offset_minutes > 59)
    return FALSE;

  /* g_date_time_new_utc() checks the calendar: month range, days in the
   * month, leap years, year 0000. */
  dt = g_date_time_new_utc (year, month, day, hour, minute, second == 60 ? 59 : second);
  if (dt == NULL)
    return FALSE;

  usec = g_date_time_to_unix (dt) * G_USEC_PER_SEC + fraction_usec;
  if (second == 60)
    usec += G_USEC_PER_SEC;
  usec -= offset_sign * ((gint64) offset_hours * 3600 + offset_minutes * 60) * G_USEC_PER_SEC;

  if (out_usec != NULL)
    *out_usec = usec;
  return TRUE;
}

/**
 * tc_time_now:
 *
 * Returns: the current wall-clock time in microseconds since the epoch
 */
gint64
tc_time_now (void)
{
  return g_get_real_time ();
}
