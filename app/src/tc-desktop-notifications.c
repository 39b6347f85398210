/* tc-desktop-notifications.c: shows TcNotifier's decisions with libnotify
 *
 * One notification per conversation, updated in place rather than stacked,
 * closed when the conversation is read.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <libnotify/notify.h>

#include "tc-desktop-notifications.h"

struct _TcDesktopNotifications
{
  GObject       parent_instance;

  GApplication *application;     /* unowned: it owns us, through the window */
  TcNotifier   *notifier;
  GHashTable   *notifications;   /* peer id → NotifyNotification */
};

G_DEFINE_FINAL_TYPE (TcDesktopNotifications, tc_desktop_notifications, G_TYPE_OBJECT)

static void
on_default_action_cb (NotifyNotification *notification,
                      char               *action,
                      gpointer            user_data)
{
  TcDesktopNotifications *self = user_data;
  const char *peer = g_object_get_data (G_OBJECT (notification), "peer-id");

  g_action_group_activate_action (G_ACTION_GROUP (self->application), "open-conversation",
                                  g_variant_new_string (peer));
}

static void
on_show_cb (TcNotifier             *notifier,
            const char             *peer_id,
            const char             *peer_name,
            const char             *snippet,
            guint                   unread,
            TcDesktopNotifications *self)
{
  NotifyNotification *notification = g_hash_table_lookup (self->notifications, peer_id);
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;

  if (unread > 1)
    /* TRANSLATORS: notification title; %s is a team member, %u how many
     * messages from them are unread */
    title = g_strdup_printf (ngettext ("%s (%'u new message)", "%s (%'u new messages)", unread),
                             peer_name, unread);
  else
    title = g_strdup (peer_name);

  if (notification == NULL)
    {
      notification = notify_notification_new (title, snippet, APP_ID);
      notify_notification_set_category (notification, "im.received");
      notify_notification_set_hint_string (notification, "desktop-entry", APP_ID);
      g_object_set_data_full (G_OBJECT (notification), "peer-id", g_strdup (peer_id), g_free);
      notify_notification_add_action (notification, "default", _("Open Conversation"),
                                      on_default_action_cb, self, NULL);
      g_hash_table_insert (self->notifications, g_strdup (peer_id), notification);
    }
  else
    notify_notification_update (notification, title, snippet, APP_ID);

  if (!notify_notification_show (notification, &error))
    g_debug ("Could not show a notification: %s", error->message);
}

static void
on_withdraw_cb (TcNotifier             *notifier,
                const char             *peer_id,
                TcDesktopNotifications *self)
{
  NotifyNotification *notification = g_hash_table_lookup (self->notifications, peer_id);

  if (notification != NULL)
    {
      notify_notification_close (notification, NULL);
      g_hash_table_remove (self->notifications, peer_id);
    }
}

static void
tc_desktop_notifications_dispose (GObject *object)
{
  TcDesktopNotifications *self = TC_DESKTOP_NOTIFICATIONS (object);

  if (self->notifier != NULL)
    g_signal_handlers_disconnect_by_data (self->notifier, self);
  g_clear_object (&self->notifier);
  g_clear_pointer (&self->notifications, g_hash_table_unref);

  G_OBJECT_CLASS (tc_desktop_notifications_parent_class)->dispose (object);
}

static void
tc_desktop_notifications_class_init (TcDesktopNotificationsClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = tc_desktop_notifications_dispose;
}

static void
tc_desktop_notifications_init (TcDesktopNotifications *self)
{
  self->notifications = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

TcDesktopNotifications *
tc_desktop_notifications_new (GApplication *application,
                              TcNotifier   *notifier)
{
  TcDesktopNotifications *self;

  g_return_val_if_fail (G_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (TC_IS_NOTIFIER (notifier), NULL);

  if (!notify_is_initted ())
    notify_init (_("Team Chat"));

  self = g_object_new (TC_TYPE_DESKTOP_NOTIFICATIONS, NULL);
  self->application = application;
  self->notifier = g_object_ref (notifier);
  g_signal_connect (notifier, "show", G_CALLBACK (on_show_cb), self);
  g_signal_connect (notifier, "withdraw", G_CALLBACK (on_withdraw_cb), self);
  return self;
}
