/* tc-message-item.h: one row of a TcMessageModel
 *
 * A message of a conversation and how it sits among its neighbours. Until
 * its window is read from the replica it is a placeholder (no message);
 * the model fills and updates it in place and says so with "changed", so a
 * widget bound to it keeps its focus and selection.
 */
#pragma once

#include <glib-object.h>

#include "tc-replica-types.h"

G_BEGIN_DECLS

#define TC_TYPE_MESSAGE_ITEM (tc_message_item_get_type ())
G_DECLARE_FINAL_TYPE (TcMessageItem, tc_message_item, TC, MESSAGE_ITEM, GObject)

typedef enum /*< flags >*/ {
  TC_MESSAGE_ITEM_OUTGOING     = 1 << 0,   /* the local associate wrote it */
  TC_MESSAGE_ITEM_FIRST_OF_DAY = 1 << 1,   /* a day separator goes above it */
  TC_MESSAGE_ITEM_CONTINUED    = 1 << 2,   /* follows the same sender's previous one closely */
  TC_MESSAGE_ITEM_RECEIPT      = 1 << 3,   /* the peer's read receipt goes under it */
  TC_MESSAGE_ITEM_HIGHLIGHTED  = 1 << 4,   /* just jumped to (a search result) */
} TcMessageItemFlags;

#define TC_TYPE_MESSAGE_ITEM_FLAGS (tc_message_item_flags_get_type ())
GType tc_message_item_flags_get_type (void) G_GNUC_CONST;

TcMessageItem          *tc_message_item_new             (gint64                  local_id);
gint64                  tc_message_item_get_local_id    (TcMessageItem          *self);
/* NULL while the item is a placeholder. */
const TcReplicaMessage *tc_message_item_get_message     (TcMessageItem          *self);
gboolean                tc_message_item_get_loaded      (TcMessageItem          *self);
TcMessageItemFlags      tc_message_item_get_flags       (TcMessageItem          *self);
gboolean                tc_message_item_has_flags       (TcMessageItem          *self,
                                                         TcMessageItemFlags      flags);
/* Who wrote it, for screen readers (the peer's name; NULL for own). */
const char             *tc_message_item_get_sender_name (TcMessageItem          *self);

/* For the model; each emits "changed" when something differs. */
void                    tc_message_item_set_message     (TcMessageItem          *self,
                                                         const TcReplicaMessage *message);
void                    tc_message_item_set_flags       (TcMessageItem          *self,
                                                         TcMessageItemFlags      mask,
                                                         TcMessageItemFlags      flags);
void                    tc_message_item_set_sender_name (TcMessageItem          *self,
                                                         const char             *name);
/* The same message, as far as a widget shows it. */
gboolean                tc_replica_message_equal        (const TcReplicaMessage *a,
                                                         const TcReplicaMessage *b);

G_END_DECLS
