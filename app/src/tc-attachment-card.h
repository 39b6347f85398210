/* tc-attachment-card.h: a file attached to a message, in the conversation */
#pragma once

#include <adwaita.h>

#include "tc-media-cache.h"

G_BEGIN_DECLS

#define TC_TYPE_ATTACHMENT_CARD (tc_attachment_card_get_type ())
G_DECLARE_FINAL_TYPE (TcAttachmentCard, tc_attachment_card, TC, ATTACHMENT_CARD, AdwBin)

/* Set TEAMCHAT_TEST_NO_LAUNCH=1 and opening a downloaded file only logs
 * its path (a g_message) instead of starting the desktop's application:
 * for tests under Xvfb, which have no viewer to start. */
#define TC_ATTACHMENT_CARD_NO_LAUNCH_ENV "TEAMCHAT_TEST_NO_LAUNCH"

/* @cache may be NULL (logged out): the card shows the file, cannot open it. */
GtkWidget        *tc_attachment_card_new          (TcMediaCache     *cache,
                                                   const TcResource *resource);
const TcResource *tc_attachment_card_get_resource (TcAttachmentCard *self);

G_END_DECLS
