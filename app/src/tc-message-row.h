/* tc-message-row.h: one message of a conversation, as a bubble
 *
 * The child of a list item of the conversation's GtkListView: it shows a
 * TcMessageItem and follows its changes in place.
 */
#pragma once

#include <adwaita.h>

#include "tc-media-cache.h"
#include "tc-message-item.h"

G_BEGIN_DECLS

#define TC_TYPE_MESSAGE_ROW (tc_message_row_get_type ())
G_DECLARE_FINAL_TYPE (TcMessageRow, tc_message_row, TC, MESSAGE_ROW, AdwBin)

GtkWidget     *tc_message_row_new      (void);
/* Shows @item (NULL: nothing), and again whenever it changes. */
void           tc_message_row_set_item (TcMessageRow  *self,
                                        TcMessageItem *item);
TcMessageItem *tc_message_row_get_item (TcMessageRow  *self);
/* Where its attachment cards download to (NULL: they cannot). */
void           tc_message_row_set_media_cache (TcMessageRow *self,
                                               TcMediaCache *cache);

G_END_DECLS
