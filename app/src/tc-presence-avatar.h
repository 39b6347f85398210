/* tc-presence-avatar.h: a member's avatar with a green dot while online */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TC_TYPE_PRESENCE_AVATAR (tc_presence_avatar_get_type ())
G_DECLARE_FINAL_TYPE (TcPresenceAvatar, tc_presence_avatar, TC, PRESENCE_AVATAR, GtkWidget)

GtkWidget  *tc_presence_avatar_new        (int                size,
                                           const char        *name,
                                           gboolean           online);
void        tc_presence_avatar_set_name   (TcPresenceAvatar  *self,
                                           const char        *name);
const char *tc_presence_avatar_get_name   (TcPresenceAvatar  *self);
void        tc_presence_avatar_set_online (TcPresenceAvatar  *self,
                                           gboolean           online);
gboolean    tc_presence_avatar_get_online (TcPresenceAvatar  *self);

G_END_DECLS
