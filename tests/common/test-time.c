/* test-time.c: RFC 3339 timestamps */
#include "tc-time.h"

/* 2026-11-24T08:26:00Z */
#define T0 (G_GINT64_CONSTANT (1795508760) * G_USEC_PER_SEC)

static void
assert_format (gint64      usec,
               const char *expected)
{
  g_autofree char *text = tc_time_format_rfc3339 (usec);

  g_assert_cmpstr (text, ==, expected);
}

static void
test_format (void)
{
  assert_format (0, "1970-01-01T00:00:00.000Z");
  assert_format (T0, "2026-11-24T08:26:00.000Z");
  assert_format (T0 + 123000, "2026-11-24T08:26:00.123Z");
  /* Milliseconds only; the rest is dropped, never rounded up. */
  assert_format (T0 + 999999, "2026-11-24T08:26:00.999Z");
  assert_format (T0 + 1500, "2026-11-24T08:26:00.001Z");
  /* Before the epoch, dropping rounds towards the past too. */
  assert_format (-1, "1969-12-31T23:59:59.999Z");
  assert_format (-G_USEC_PER_SEC, "1969-12-31T23:59:59.000Z");
  /* Leap day, and a four-digit year below 1000. */
  assert_format (G_GINT64_CONSTANT (1709208000) * G_USEC_PER_SEC, "2024-02-29T12:00:00.000Z");
  assert_format (G_GINT64_CONSTANT (-62135596800) * G_USEC_PER_SEC, "0001-01-01T00:00:00.000Z");
}

/* What tc_time_format_rfc3339() did with GDateTime, for comparison. */
static char *
format_with_gdatetime (gint64 usec)
{
  g_autoptr(GDateTime) epoch = g_date_time_new_from_unix_utc (0);
  g_autoptr(GDateTime) dt = g_date_time_add (epoch, usec);
  int year, month, day;

  g_date_time_get_ymd (dt, &year, &month, &day);
  return g_strdup_printf ("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", year, month, day,
                          g_date_time_get_hour (dt), g_date_time_get_minute (dt),
                          g_date_time_get_second (dt), g_date_time_get_microsecond (dt) / 1000);
}

static void
test_format_matches_gdatetime (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (3339);
  const gint64 min = G_GINT64_CONSTANT (-62135596800000000);
  const gint64 max = G_GINT64_CONSTANT (253402300799999999);
  const gint64 edges[] = {
    min, min + 1, max, max - 1, 0, -1, 1, -999, -1000, -1001, 999, 1000,
    G_GINT64_CONSTANT (951782400) * G_USEC_PER_SEC,       /* 2000-02-29 */
    G_GINT64_CONSTANT (4107542400) * G_USEC_PER_SEC - 1,  /* end of 2100-02-28 */
    G_GINT64_CONSTANT (-2203891200) * G_USEC_PER_SEC,     /* 1900-03-01 */
  };

  for (guint i = 0; i < G_N_ELEMENTS (edges) + 200000; i++)
    {
      gint64 usec = i < G_N_ELEMENTS (edges) ? edges[i]
                  : min + (gint64) (g_rand_double (rand) * (double) (max - min));
      g_autofree char *ours = tc_time_format_rfc3339 (usec);
      g_autofree char *theirs = format_with_gdatetime (usec);

      if (g_strcmp0 (ours, theirs) != 0)
        g_error ("%" G_GINT64_FORMAT ": %s, GDateTime says %s", usec, ours, theirs);
    }
}

static void
assert_parse (const char *text,
              gint64      expected)
{
  gint64 usec = -42;

  if (!tc_time_parse_rfc3339 (text, &usec))
    g_error ("“%s” was refused", text);
  g_assert_cmpint (usec, ==, expected);
}

static void
test_parse (void)
{
  assert_parse ("2026-11-24T08:26:00.123Z", T0 + 123000);
  assert_parse ("2026-11-24T08:26:00Z", T0);
  assert_parse ("2026-11-24t08:26:00z", T0);
  assert_parse ("2026-11-24T08:26:00.5Z", T0 + 500000);
  assert_parse ("2026-11-24T08:26:00.123456Z", T0 + 123456);
  /* Digits beyond microseconds are dropped. */
  assert_parse ("2026-11-24T08:26:00.123456789Z", T0 + 123456);
  assert_parse ("1970-01-01T00:00:00Z", 0);
  assert_parse ("1969-12-31T23:59:59.999Z", -1000);
  assert_parse ("2024-02-29T12:00:00Z", G_GINT64_CONSTANT (1709208000) * G_USEC_PER_SEC);
}

static void
test_parse_offsets (void)
{
  /* The same instant in other zones, normalised to UTC. */
  assert_parse ("2026-11-24T10:26:00.123+02:00", T0 + 123000);
  assert_parse ("2026-11-24T03:26:00-05:00", T0);
  assert_parse ("2026-11-24T13:56:00+05:30", T0);
  assert_parse ("2026-11-24T08:26:00+00:00", T0);
  assert_parse ("2026-11-24T08:26:00-00:00", T0);
  /* Across a date line. */
  assert_parse ("2026-11-23T22:26:00-10:00", T0);
  assert_parse ("2026-11-25T00:11:00+15:45", T0);
  /* A leap second is the first second of the next minute. */
  assert_parse ("2016-12-31T23:59:60Z", G_GINT64_CONSTANT (1483228800) * G_USEC_PER_SEC);
}

static void
test_parse_rejects (void)
{
  const char *bad[] = {
    "",
    "garbage",
    "2026-11-24",
    "08:26:00Z",
    "2026-11-24T08:26:00",           /* no offset */
    "2026-11-24T08:26:00.123",       /* no offset */
    "2026-11-24T08:26Z",             /* no seconds */
    "2026-11-24 08:26:00Z",          /* ISO 8601, not RFC 3339 */
    "2026-11-24T08:26:00.Z",
    "2026-11-24T08:26:00,5Z",
    "2026-11-24T08:26:00+0200",
    "2026-11-24T08:26:00+02",
    "2026-11-24T08:26:00+2:00",
    "2026-11-24T08:26:00 +02:00",
    "2026-11-24T08:26:00ZZ",
    "2026-11-24T08:26:00Z ",
    " 2026-11-24T08:26:00Z",
    "20261124T082600Z",
    "2026-W48-2T08:26:00Z",
    "+2026-11-24T08:26:00Z",
    "26-11-24T08:26:00Z",
    "2026-1-24T08:26:00Z",
    "2026-13-01T00:00:00Z",
    "2026-00-10T00:00:00Z",
    "2026-11-31T00:00:00Z",
    "2023-02-29T00:00:00Z",          /* not a leap year */
    "2026-11-00T00:00:00Z",
    "0000-01-01T00:00:00Z",
    "2026-11-24T24:00:00Z",
    "2026-11-24T08:60:00Z",
    "2026-11-24T08:26:61Z",
    "2026-11-24T08:26:00+24:00",
    "2026-11-24T08:26:00+02:60",
    "2026-11-24T08:26:00UTC",
    "1795508760",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      gint64 usec = 7;

      if (tc_time_parse_rfc3339 (bad[i], &usec))
        g_error ("“%s” was accepted", bad[i]);
      g_assert_cmpint (usec, ==, 7);
    }
}

static void
test_round_trip (void)
{
  const gint64 samples[] = {
    0, T0, T0 + 1000, T0 + 999000, -1000, G_GINT64_CONSTANT (253402300799999000),
  };

  for (guint i = 0; i < G_N_ELEMENTS (samples); i++)
    {
      g_autofree char *text = tc_time_format_rfc3339 (samples[i]);
      gint64 usec = 0;

      g_assert_true (tc_time_parse_rfc3339 (text, &usec));
      g_assert_cmpint (usec, ==, samples[i]);
    }
}

static void
test_now (void)
{
  gint64 before = g_get_real_time ();
  gint64 now = tc_time_now ();
  gint64 after = g_get_real_time ();

  g_assert_cmpint (now, >=, before);
  g_assert_cmpint (now, <=, after);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/time/format", test_format);
  g_test_add_func ("/time/format/matches-gdatetime", test_format_matches_gdatetime);
  g_test_add_func ("/time/parse", test_parse);
  g_test_add_func ("/time/parse-offsets", test_parse_offsets);
  g_test_add_func ("/time/parse-rejects", test_parse_rejects);
  g_test_add_func ("/time/round-trip", test_round_trip);
  g_test_add_func ("/time/now", test_now);

  return g_test_run ();
}
