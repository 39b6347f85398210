/* tc-new-chat-view.h: one message to several team members, each their own */
#pragma once

#include <adwaita.h>

#include "tc-account.h"

G_BEGIN_DECLS

#define TC_TYPE_NEW_CHAT_VIEW (tc_new_chat_view_get_type ())
G_DECLARE_FINAL_TYPE (TcNewChatView, tc_new_chat_view, TC, NEW_CHAT_VIEW, AdwBin)

void tc_new_chat_view_set_account (TcNewChatView *self,
                                   TcAccount     *account);
/* Starts over: no recipients, empty text (or @text), focus in the search. */
void tc_new_chat_view_reset       (TcNewChatView *self,
                                   const char    *text);
/* Adds a recipient chip, when @member_id is on the team. */
void tc_new_chat_view_add_recipient (TcNewChatView *self,
                                     const char    *member_id);

G_END_DECLS
