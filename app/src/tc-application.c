/* tc-application.c: the Team Chat application
 *
 * Owns the settings and the command line; each activation presents the one
 * main window.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "tc-application.h"
#include "tc-bench-probe.h"
#include "tc-window.h"

struct _TcApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
  char           *server_override;
};

G_DEFINE_FINAL_TYPE (TcApplication, tc_application, ADW_TYPE_APPLICATION)

static gboolean
is_http_url (const char *text)
{
  g_autoptr(GUri) uri = g_uri_parse (text, G_URI_FLAGS_NONE, NULL);
  const char *scheme = uri ? g_uri_get_scheme (uri) : NULL;

  return uri != NULL && g_uri_get_host (uri) != NULL && *g_uri_get_host (uri) != '\0' &&
         (g_strcmp0 (scheme, "http") == 0 || g_strcmp0 (scheme, "https") == 0);
}

static int
tc_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  TcApplication *self = TC_APPLICATION (app);
  const char *server = NULL;

  if (g_variant_dict_lookup (options, "version", "b", NULL))
    {
      g_print ("teamchat %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (g_variant_dict_lookup (options, "server", "&s", &server))
    {
      if (!is_http_url (server))
        {
          /* TRANSLATORS: %s is what the user typed after --server */
          g_printerr (_("“%s” is not a server address; use one like https://chat.example.com\n"),
                      server);
          return 1;
        }
      g_free (self->server_override);
      self->server_override = g_strdup (server);
    }
  return -1;
}

static void
tc_application_activate (GApplication *app)
{
  TcApplication *self = TC_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    {
      tc_bench_probe_mark ("activate");
      window = GTK_WINDOW (tc_window_new (self));
      tc_bench_probe_mark ("window-built");
      tc_bench_probe_attach (window);
    }
  gtk_window_present (window);
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  static const char *developers[] = { "Team Chat developers", NULL };

  adw_show_about_window (gtk_application_get_active_window (app),
                         "application-name", _("Team Chat"),
                         "application-icon", APP_ID,
                         "developer-name", _("Team Chat developers"),
                         "version", PACKAGE_VERSION,
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "developers", developers,
                         /* TRANSLATORS: put your name here, one per line */
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
open_conversation_activated (GSimpleAction *action,
                             GVariant      *parameter,
                             gpointer       user_data)
{
  TcApplication *self = TC_APPLICATION (user_data);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    window = GTK_WINDOW (tc_window_new (self));
  gtk_window_present (window);
  tc_window_open_conversation (TC_WINDOW (window), g_variant_get_string (parameter, NULL));
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated },
  { "about", about_activated },
  { "open-conversation", open_conversation_activated, "s" },
};

static void
tc_application_startup (GApplication *app)
{
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *back_accels[] = { "<Alt>Left", NULL };
  /* GtkApplication's own for gtk/help-overlay.ui: the window builds the
   * shortcuts window when first asked for (tc-window.c). */
  static const char *help_accels[] = { "<Control>question", NULL };

  tc_bench_probe_mark ("startup");
  G_APPLICATION_CLASS (tc_application_parent_class)->startup (app);
  tc_bench_probe_mark ("gtk-ready");

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions),
                                   app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.navigate-back", back_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.show-help-overlay",
                                         help_accels);
}

static void
tc_application_finalize (GObject *object)
{
  TcApplication *self = TC_APPLICATION (object);

  g_clear_object (&self->settings);
  g_free (self->server_override);

  G_OBJECT_CLASS (tc_application_parent_class)->finalize (object);
}

static void
tc_application_class_init (TcApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = tc_application_finalize;
  app_class->activate = tc_application_activate;
  app_class->startup = tc_application_startup;
  app_class->handle_local_options = tc_application_handle_local_options;
}

static void
tc_application_init (TcApplication *self)
{
  static const GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_STRING, NULL, N_("Address of the Team Chat server"), N_("URL") },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version and quit"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  self->settings = g_settings_new (APP_ID);
}

TcApplication *
tc_application_new (void)
{
  return g_object_new (TC_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/io/github/teamchat/TeamChat",
                       NULL);
}

GSettings *
tc_application_get_settings (TcApplication *self)
{
  g_return_val_if_fail (TC_IS_APPLICATION (self), NULL);
  return self->settings;
}

const char *
tc_application_get_server_override (TcApplication *self)
{
  g_return_val_if_fail (TC_IS_APPLICATION (self), NULL);
  return self->server_override;
}
