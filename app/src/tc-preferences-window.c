/* tc-preferences-window.c: Settings > Communication
 *
 * How offline messages reach the associate (text or email) is theirs on
 * the server: choosing sends PATCH /api/v1/me/preferences, and what shows
 * is what the replica holds (so a change made on another device arrives
 * through the preferences event). Notifications and the server address
 * are this computer's, in GSettings.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "tc-account.h"
#include "tc-preferences-window.h"

struct _TcPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  /* template widgets */
  AdwPreferencesGroup  *channel_group;
  GtkToggleButton      *sms_check;
  GtkToggleButton      *email_check;
  GtkSwitch            *notifications_switch;
  AdwEntryRow          *server_row;

  GSettings            *settings;
  TcAccount            *account;
  GCancellable         *cancellable;
  char                 *channel;        /* as the replica has it */
  gboolean              updating;       /* setting the checks from the replica */
};

G_DEFINE_FINAL_TYPE (TcPreferencesWindow, tc_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static void
show_channel (TcPreferencesWindow *self)
{
  self->updating = TRUE;
  gtk_toggle_button_set_active (self->sms_check, g_strcmp0 (self->channel, TC_CHANNEL_SMS) == 0);
  gtk_toggle_button_set_active (self->email_check,
                               g_strcmp0 (self->channel, TC_CHANNEL_EMAIL) == 0);
  self->updating = FALSE;
}

static void
channel_loaded_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(TcPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *channel = tc_replica_get_offline_channel_finish (TC_REPLICA (source), result,
                                                                    &error);

  if (error != NULL)
    {
      g_warning ("Could not read the offline channel: %s", error->message);
      return;
    }
  g_free (self->channel);
  self->channel = g_steal_pointer (&channel);
  show_channel (self);
}

static void
load_channel (TcPreferencesWindow *self)
{
  TcReplica *replica = self->account ? tc_account_get_replica (self->account) : NULL;

  if (replica != NULL)
    tc_replica_get_offline_channel_async (replica, self->cancellable, channel_loaded_cb,
                                          g_object_ref (self));
}

static void
on_replica_changed_cb (TcPreferencesWindow *self,
                       TcReplicaChange      what)
{
  if (what & (TC_REPLICA_CHANGE_PREFERENCES | TC_REPLICA_CHANGE_RESET))
    load_channel (self);
}

static void
channel_saved_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(TcPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *channel = NULL;

  channel = tc_api_client_set_offline_channel_finish (TC_API_CLIENT (source), result, &error);
  gtk_widget_set_sensitive (GTK_WIDGET (self->channel_group), TRUE);
  if (channel == NULL)
    {
      g_autofree char *reason = NULL;
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      reason = tc_account_describe_error (error, NULL);
      /* TRANSLATORS: %s says why, e.g. "The server cannot be reached." */
      text = g_strdup_printf (_("Your choice was not saved. %s"), reason);
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (text));
      show_channel (self);   /* back to what the server has */
      return;
    }
  /* The preferences event brings it into the replica; show it meanwhile. */
  g_free (self->channel);
  self->channel = g_steal_pointer (&channel);
  show_channel (self);
}

static void
on_channel_toggled_cb (TcPreferencesWindow *self,
                       GtkToggleButton     *button)
{
  const char *channel;
  TcApiClient *client;

  if (self->updating || !gtk_toggle_button_get_active (button))
    return;
  channel = button == self->sms_check ? TC_CHANNEL_SMS : TC_CHANNEL_EMAIL;
  if (g_strcmp0 (channel, self->channel) == 0)
    return;
  client = self->account ? tc_account_get_api_client (self->account) : NULL;
  if (client == NULL)
    {
      show_channel (self);
      return;
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->channel_group), FALSE);
  tc_api_client_set_offline_channel_async (client, channel, self->cancellable, channel_saved_cb,
                                           g_object_ref (self));
}

static void
on_server_apply_cb (TcPreferencesWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = tc_account_normalize_server (gtk_editable_get_text (GTK_EDITABLE (self->server_row)),
                                                     &error);

  if (url == NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->server_row), "error");
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                        adw_toast_new (error->message));
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->server_row), "error");
  g_settings_set_string (self->settings, "server-url", url);
  gtk_editable_set_text (GTK_EDITABLE (self->server_row), url);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                    adw_toast_new (_("Server address saved")));
}

static void
tc_preferences_window_dispose (GObject *object)
{
  TcPreferencesWindow *self = TC_PREFERENCES_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->settings);
  g_clear_object (&self->account);
  g_clear_pointer (&self->channel, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), TC_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (tc_preferences_window_parent_class)->dispose (object);
}

static void
tc_preferences_window_class_init (TcPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tc_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/teamchat/TeamChat/tc-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TcPreferencesWindow, channel_group);
  gtk_widget_class_bind_template_child (widget_class, TcPreferencesWindow, sms_check);
  gtk_widget_class_bind_template_child (widget_class, TcPreferencesWindow, email_check);
  gtk_widget_class_bind_template_child (widget_class, TcPreferencesWindow, notifications_switch);
  gtk_widget_class_bind_template_child (widget_class, TcPreferencesWindow, server_row);
  gtk_widget_class_bind_template_callback (widget_class, on_channel_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_server_apply_cb);
}

static void
tc_preferences_window_init (TcPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

GtkWindow *
tc_preferences_window_new (GtkWindow *parent,
                           GSettings *settings,
                           TcAccount *account)
{
  TcPreferencesWindow *self = g_object_new (TC_TYPE_PREFERENCES_WINDOW,
                                            "transient-for", parent, NULL);
  g_autofree char *server = NULL;

  self->settings = g_object_ref (settings);
  g_settings_bind (settings, "notifications-enabled", self->notifications_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  server = g_settings_get_string (settings, "server-url");
  gtk_editable_set_text (GTK_EDITABLE (self->server_row), server);

  if (account != NULL && tc_account_is_logged_in (account))
    {
      self->account = g_object_ref (account);
      g_signal_connect_object (tc_account_get_replica (account), "changed",
                               G_CALLBACK (on_replica_changed_cb), self, G_CONNECT_SWAPPED);
      load_channel (self);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->channel_group), FALSE);
  return GTK_WINDOW (self);
}
