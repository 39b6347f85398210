/* tc-message-row.h: one message of a conversation, as a bubble */
#pragma once

#include <adwaita.h>

#include "tc-replica-types.h"

G_BEGIN_DECLS

#define TC_TYPE_MESSAGE_ROW (tc_message_row_get_type ())
G_DECLARE_FINAL_TYPE (TcMessageRow, tc_message_row, TC, MESSAGE_ROW, GtkListBoxRow)

GtkWidget              *tc_message_row_new           (void);
/* Shows @message (copied); @sender_name says who wrote it, for screen
 * readers. Does nothing when the row already shows the same. */
void                    tc_message_row_set_message   (TcMessageRow           *self,
                                                      const TcReplicaMessage *message,
                                                      gboolean                outgoing,
                                                      const char             *sender_name);
const TcReplicaMessage *tc_message_row_get_message   (TcMessageRow           *self);
gboolean                tc_message_row_get_outgoing  (TcMessageRow           *self);
/* The read receipt: "Read" under the last message the peer has read. */
void                    tc_message_row_set_show_receipt (TcMessageRow        *self,
                                                         gboolean             show_receipt);
/* A message right after another of the same sender sits closer to it. */
void                    tc_message_row_set_continued (TcMessageRow           *self,
                                                      gboolean                continued);

G_END_DECLS
