/* tc-chat-panel.h: the Team Chat side panel — Recent and Unread */
#pragma once

#include <adwaita.h>

#include "tc-account.h"

G_BEGIN_DECLS

#define TC_TYPE_CHAT_PANEL (tc_chat_panel_get_type ())
G_DECLARE_FINAL_TYPE (TcChatPanel, tc_chat_panel, TC, CHAT_PANEL, AdwBin)

/* Shows @account's conversations from its replica (NULL: nothing). */
void tc_chat_panel_set_account (TcChatPanel *self,
                                TcAccount   *account);
/* Folded: the only page on screen, so it shows the window buttons. */
void tc_chat_panel_set_folded  (TcChatPanel *self,
                                gboolean     folded);

G_END_DECLS
