/* tc-conversation-view.h: one conversation — its messages and a composer */
#pragma once

#include <adwaita.h>

#include "tc-account.h"

G_BEGIN_DECLS

#define TC_TYPE_CONVERSATION_VIEW (tc_conversation_view_get_type ())
G_DECLARE_FINAL_TYPE (TcConversationView, tc_conversation_view, TC, CONVERSATION_VIEW, AdwBin)

GtkWidget  *tc_conversation_view_new          (void);
/* The account whose replica the view reads and writes (NULL: nothing). */
void        tc_conversation_view_set_account   (TcConversationView *self,
                                                TcAccount          *account);
/* Opens the conversation with @peer_id (NULL closes it) and marks it read. */
void        tc_conversation_view_set_peer_id   (TcConversationView *self,
                                                const char         *peer_id);
const char *tc_conversation_view_get_peer_id   (TcConversationView *self);
/* Opens the conversation of the message @local_id (a replica local id),
 * scrolls to it and highlights it for a moment. */
void        tc_conversation_view_show_message  (TcConversationView *self,
                                                gint64              local_id);
/* The peer's name once the replica has told it, else NULL. */
const char *tc_conversation_view_get_peer_name (TcConversationView *self);
/* Folded: the only page on screen, so it offers a back button. */
void        tc_conversation_view_set_folded    (TcConversationView *self,
                                                gboolean            folded);
gboolean    tc_conversation_view_get_folded    (TcConversationView *self);

G_END_DECLS
