/* test-locale-format.c: times, days and counts follow the user's locale
 *
 * Runs the app core's formatting under de_DE.UTF-8, en_US.UTF-8,
 * fr_FR.UTF-8 and C.UTF-8 (scripts/deps.sh generates them; a locale that is
 * missing skips its cases with a message). The formats themselves are not
 * translated here (no text domain is bound): what changes is what the C
 * library's locale decides — 12 or 24 hours, weekday names, the short date,
 * digit grouping — and the GNOME clock-format setting, through the memory
 * GSettings backend.
 */
#include "config.h"

#include <locale.h>
#include <gio/gio.h>

#include "tc-locale-format.h"

/* Switches LC_ALL to @locale for one test; FALSE (test skipped) when the
 * system does not have it. */
static gboolean
use_locale (const char *locale)
{
  if (setlocale (LC_ALL, locale) == NULL)
    {
      g_autofree char *why = g_strdup_printf ("locale %s is not available: generate it "
                                              "(Debian: scripts/deps.sh test, or locale-gen)",
                                              locale);
      g_test_skip (why);
      return FALSE;
    }
  return TRUE;
}

/* Wednesday, 18 March 2026, @hour:@minute, in UTC (no daylight saving in
 * the way). */
static GDateTime *
march_18 (int hour,
          int minute)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();

  return g_date_time_new (utc, 2026, 3, 18, hour, minute, 0);
}

static void
assert_formats (char       *text,
                const char *expected)
{
  g_assert_nonnull (text);
  g_assert_cmpstr (text, ==, expected);
  g_free (text);
}

static void
test_clock_convention (void)
{
  if (!use_locale ("C.UTF-8"))
    return;
  g_assert_false (tc_locale_uses_12h_clock ());
  if (use_locale ("de_DE.UTF-8"))
    g_assert_false (tc_locale_uses_12h_clock ());
  if (use_locale ("fr_FR.UTF-8"))
    g_assert_false (tc_locale_uses_12h_clock ());
  if (use_locale ("en_US.UTF-8"))
    g_assert_true (tc_locale_uses_12h_clock ());
}

static void
test_time_of_day (void)
{
  g_autoptr(GDateTime) afternoon = march_18 (14, 5);
  g_autoptr(GDateTime) morning = march_18 (9, 7);
  g_autoptr(GDateTime) midnight = march_18 (0, 30);

  if (!use_locale ("en_US.UTF-8"))
    return;
  assert_formats (tc_format_time_of_day_12h (afternoon, TRUE), "2:05 PM");
  assert_formats (tc_format_time_of_day_12h (morning, TRUE), "9:07 AM");
  assert_formats (tc_format_time_of_day_12h (midnight, TRUE), "12:30 AM");
  assert_formats (tc_format_time_of_day_12h (afternoon, FALSE), "14:05");
  assert_formats (tc_format_time_of_day_12h (morning, FALSE), "09:07");

  if (!use_locale ("de_DE.UTF-8"))
    return;
  assert_formats (tc_format_time_of_day_12h (afternoon, FALSE), "14:05");
  /* German has no AM/PM words; GLib falls back to English ones. */
  assert_formats (tc_format_time_of_day_12h (afternoon, TRUE), "2:05 PM");
}

static void
test_relative_time (void)
{
  g_autoptr(GDateTime) now = march_18 (15, 0);
  g_autoptr(GDateTime) seconds_ago = g_date_time_add_seconds (now, -30);
  g_autoptr(GDateTime) minutes_ago = g_date_time_add_minutes (now, -5);
  g_autoptr(GDateTime) this_morning = march_18 (9, 7);
  g_autoptr(GDateTime) yesterday = g_date_time_add_hours (this_morning, -24);
  g_autoptr(GDateTime) sunday = g_date_time_add_days (this_morning, -3);
  g_autoptr(GDateTime) february = g_date_time_add_days (this_morning, -20);

  if (!use_locale ("en_US.UTF-8"))
    return;
  assert_formats (tc_format_relative_time_at (seconds_ago, now), "Now");
  assert_formats (tc_format_relative_time_at (minutes_ago, now), "5 min");
  assert_formats (tc_format_relative_time_at (yesterday, now), "Yesterday");
  assert_formats (tc_format_relative_time_at (sunday, now), "Sun");
  assert_formats (tc_format_relative_time_at (february, now), "02/26/2026");

  if (use_locale ("de_DE.UTF-8"))
    {
      assert_formats (tc_format_relative_time_at (sunday, now), "So");
      assert_formats (tc_format_relative_time_at (february, now), "26.02.2026");
    }
  if (use_locale ("fr_FR.UTF-8"))
    {
      assert_formats (tc_format_relative_time_at (sunday, now), "dim.");
      assert_formats (tc_format_relative_time_at (february, now), "26/02/2026");
    }

  /* A time of today follows the locale's clock (the desktop's setting is
   * not chosen in the memory backend). */
  if (use_locale ("de_DE.UTF-8"))
    assert_formats (tc_format_relative_time_at (this_morning, now), "09:07");
  if (use_locale ("en_US.UTF-8"))
    assert_formats (tc_format_relative_time_at (this_morning, now), "9:07 AM");
}

static void
test_count (void)
{
  if (!use_locale ("C.UTF-8"))
    return;
  assert_formats (tc_format_count (1234567), "1234567");
  assert_formats (tc_format_count (0), "0");
  if (use_locale ("en_US.UTF-8"))
    assert_formats (tc_format_count (1234567), "1,234,567");
  if (use_locale ("de_DE.UTF-8"))
    {
      assert_formats (tc_format_count (1234567), "1.234.567");
      assert_formats (tc_format_count (999), "999");
    }
  if (use_locale ("fr_FR.UTF-8"))
    /* glibc's French groups with a narrow no-break space (U+202F). */
    assert_formats (tc_format_count (1234567), "1\u202f234\u202f567");
}

static void
test_desktop_clock_format (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GDateTime) afternoon = march_18 (14, 5);

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, "org.gnome.desktop.interface", TRUE);
  if (schema == NULL || !g_settings_schema_has_key (schema, "clock-format"))
    {
      g_test_skip ("org.gnome.desktop.interface is not installed (Debian: "
                   "gsettings-desktop-schemas): only the locale decides");
      return;
    }
  settings = g_settings_new_full (schema, NULL, NULL);
  if (!use_locale ("de_DE.UTF-8"))
    return;

  /* Not chosen: the schema's default does not count, the locale does. */
  g_settings_reset (settings, "clock-format");
  g_assert_false (tc_clock_prefers_12h ());
  if (use_locale ("en_US.UTF-8"))
    g_assert_true (tc_clock_prefers_12h ());

  /* Chosen: it wins over the locale either way. */
  g_assert_true (g_settings_set_string (settings, "clock-format", "24h"));
  g_assert_false (tc_clock_prefers_12h ());
  assert_formats (tc_format_time_of_day (afternoon), "14:05");

  g_assert_true (use_locale ("de_DE.UTF-8"));
  g_assert_true (g_settings_set_string (settings, "clock-format", "12h"));
  g_assert_true (tc_clock_prefers_12h ());
  assert_formats (tc_format_time_of_day (afternoon), "2:05 PM");

  g_settings_reset (settings, "clock-format");
}

int
main (int    argc,
      char **argv)
{
  /* The desktop's real settings must not leak into the test. */
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/locale-format/clock-convention", test_clock_convention);
  g_test_add_func ("/locale-format/time-of-day", test_time_of_day);
  g_test_add_func ("/locale-format/relative-time", test_relative_time);
  g_test_add_func ("/locale-format/count", test_count);
  g_test_add_func ("/locale-format/desktop-clock-format", test_desktop_clock_format);
  return g_test_run ();
}
