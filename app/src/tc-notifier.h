/* tc-notifier.h: decides when an incoming message deserves a notification
 *
 * Watches the replica: a new message from a peer whose conversation is not
 * on screen in a focused window asks for a notification ("show", replacing
 * the previous one of that conversation); reading the conversation anywhere
 * withdraws it ("withdraw"). How notifications are shown (libnotify) is
 * someone else's job, so this can be tested without a desktop.
 */
#pragma once

#include <gio/gio.h>

#include "tc-replica.h"

G_BEGIN_DECLS

#define TC_TYPE_NOTIFIER (tc_notifier_get_type ())
G_DECLARE_FINAL_TYPE (TcNotifier, tc_notifier, TC, NOTIFIER, GObject)

/* Messages already unread when it starts are not announced again. */
TcNotifier *tc_notifier_new              (TcReplica  *replica,
                                          GSettings  *settings);
/* The conversation on screen (NULL: none) and whether its window has the
 * focus; no notification is shown for that one. */
void        tc_notifier_set_visible_peer (TcNotifier *self,
                                          const char *peer_id,
                                          gboolean    focused);
/* While the replica catches up with the server, nothing is announced. */
void        tc_notifier_set_catching_up  (TcNotifier *self,
                                          gboolean    catching_up);

G_END_DECLS
