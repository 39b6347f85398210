/* tc-desktop-notifications.h: shows TcNotifier's decisions with libnotify */
#pragma once

#include <gio/gio.h>

#include "tc-notifier.h"

G_BEGIN_DECLS

#define TC_TYPE_DESKTOP_NOTIFICATIONS (tc_desktop_notifications_get_type ())
G_DECLARE_FINAL_TYPE (TcDesktopNotifications, tc_desktop_notifications, TC, DESKTOP_NOTIFICATIONS, GObject)

/* Clicking a notification activates "app.open-conversation" on
 * @application with the peer id. */
TcDesktopNotifications *tc_desktop_notifications_new (GApplication *application,
                                                       TcNotifier   *notifier);

G_END_DECLS
