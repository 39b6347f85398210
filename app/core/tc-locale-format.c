/* tc-locale-format.c: times, days and counts as the user's locale writes them
 *
 * Day and month names, the short date ("%x") and digit grouping come from
 * the C library's locale (LC_TIME, LC_NUMERIC), set by setlocale() in main.
 * The formats that arrange them ("%H:%M", "%-l:%M %p") are translatable, so
 * each language orders them its own way.
 */
#include "config.h"

#include <langinfo.h>
#include <string.h>
#include <glib/gi18n.h>
#include <gio/gio.h>

#include "tc-locale-format.h"

#define DESKTOP_INTERFACE_SCHEMA "org.gnome.desktop.interface"
#define CLOCK_FORMAT_KEY         "clock-format"

gboolean
tc_locale_uses_12h_clock (void)
{
  const char *format = nl_langinfo (T_FMT);

  /* "%r" is the locale's 12-hour time, "%I"/"%l" a 12-hour hour, "%p" AM/PM. */
  return format != NULL &&
         (strstr (format, "%r") != NULL || strstr (format, "%I") != NULL ||
          strstr (format, "%l") != NULL || strstr (format, "%p") != NULL);
}

/* The GNOME interface settings, or NULL where the schema is not installed
 * (other desktops, or a Flatpak sandbox that does not see the host's). Kept
 * for the life of the process, so it follows changes. */
static GSettings *
desktop_interface_settings (void)
{
  static gsize looked_up;
  static GSettings *settings;

  if (g_once_init_enter (&looked_up))
    {
      GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
      g_autoptr(GSettingsSchema) schema = NULL;

      if (source != NULL)
        schema = g_settings_schema_source_lookup (source, DESKTOP_INTERFACE_SCHEMA, TRUE);
      if (schema != NULL && g_settings_schema_has_key (schema, CLOCK_FORMAT_KEY))
        settings = g_settings_new_full (schema, NULL, NULL);
      g_once_init_leave (&looked_up, 1);
    }
  return settings;
}

gboolean
tc_clock_prefers_12h (void)
{
  GSettings *settings = desktop_interface_settings ();

  /* Only a choice the user made counts: the schema's default ("24h") says
   * nothing about them, their locale does. */
  if (settings != NULL)
    {
      g_autoptr(GVariant) chosen = g_settings_get_user_value (settings, CLOCK_FORMAT_KEY);

      if (chosen != NULL && g_variant_is_of_type (chosen, G_VARIANT_TYPE_STRING))
        {
          const char *value = g_variant_get_string (chosen, NULL);

          if (strcmp (value, "12h") == 0)
            return TRUE;
          if (strcmp (value, "24h") == 0)
            return FALSE;
        }
    }
  return tc_locale_uses_12h_clock ();
}

char *
tc_format_time_of_day_12h (GDateTime *when,
                           gboolean   twelve_hour)
{
  g_return_val_if_fail (when != NULL, NULL);

  if (!twelve_hour)
    /* TRANSLATORS: a time of day on a 24-hour clock, as in "14:05"; see
     * g_date_time_format() */
    return g_date_time_format (when, _("%H:%M"));

  /* TRANSLATORS: a time of day on a 12-hour clock, as in "2:05 PM"; %p is
   * the locale's AM/PM (GLib says "AM"/"PM" where the locale has none):
   * put it where your language does; see g_date_time_format() */
  return g_date_time_format (when, _("%-l:%M %p"));
}

char *
tc_format_time_of_day (GDateTime *when)
{
  return tc_format_time_of_day_12h (when, tc_clock_prefers_12h ());
}

char *
tc_format_relative_time_at (GDateTime *when,
                            GDateTime *now)
{
  g_autoptr(GDateTime) today = NULL;
  GTimeSpan ago;
  gint64 days;

  g_return_val_if_fail (when != NULL, NULL);
  g_return_val_if_fail (now != NULL, NULL);

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

  today = g_date_time_new (g_date_time_get_timezone (now), g_date_time_get_year (now),
                           g_date_time_get_month (now), g_date_time_get_day_of_month (now),
                           0, 0, 0);
  if (today == NULL)
    return g_strdup ("");
  if (g_date_time_compare (when, today) >= 0)
    return tc_format_time_of_day (when);
  days = (g_date_time_difference (today, when) + G_TIME_SPAN_DAY - 1) / G_TIME_SPAN_DAY;
  if (days <= 1)
    return g_strdup (_("Yesterday"));
  if (days < 7)
    /* The abbreviated weekday, in the locale. */
    return g_date_time_format (when, "%a");
  /* The locale's own short date. */
  return g_date_time_format (when, "%x");
}

char *
tc_format_relative_time (gint64 usec)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (usec / G_USEC_PER_SEC);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  if (when == NULL || now == NULL)
    return g_strdup ("");
  return tc_format_relative_time_at (when, now);
}

char *
tc_format_count (guint count)
{
  /* The ' flag groups digits as LC_NUMERIC says (glibc). */
  return g_strdup_printf ("%'u", count);
}
