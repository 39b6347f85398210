/* tc-message-model.h: a conversation as a lazy GListModel of TcMessageItem
 *
 * The model knows the key of every message of the conversation (read
 * once from the replica's index, 16 bytes a message) and reads the
 * messages themselves in windows, by keyset, on the replica's worker
 * thread when a position is asked for; until then an item is a
 * placeholder. Windows far from where the list looks are dropped. When the
 * replica says the conversation changed, the model reads the keys again
 * and emits precise "items-changed" for what was added, removed or moved,
 * and updates the items it holds in place.
 */
#pragma once

#include <gio/gio.h>

#include "tc-message-item.h"
#include "tc-replica.h"

G_BEGIN_DECLS

#define TC_TYPE_MESSAGE_MODEL (tc_message_model_get_type ())
G_DECLARE_FINAL_TYPE (TcMessageModel, tc_message_model, TC, MESSAGE_MODEL, GObject)

/* Messages read from the replica at a time. */
#define TC_MESSAGE_MODEL_WINDOW 100

TcMessageModel *tc_message_model_new                 (TcReplica      *replica,
                                                      const char     *peer_id);
TcReplica      *tc_message_model_get_replica         (TcMessageModel *self);
const char     *tc_message_model_get_peer_id         (TcMessageModel *self);
/* FALSE until the first read of the conversation's keys has come back. */
gboolean        tc_message_model_get_loaded          (TcMessageModel *self);
/* The name that incoming items give their sender. */
void            tc_message_model_set_peer_name       (TcMessageModel *self,
                                                      const char     *name);
/* The position of a message, if the model has it. */
gboolean        tc_message_model_find                (TcMessageModel *self,
                                                      gint64          local_id,
                                                      guint          *out_position);
/* The server id of the newest message from the peer (what opening the
 * conversation marks read); 0 when none. */
gint64          tc_message_model_get_newest_incoming (TcMessageModel *self);
/* Items the model keeps for the windows read (not counting those only the
 * list still holds). */
guint           tc_message_model_get_n_cached        (TcMessageModel *self);
/* Reads from the replica not answered yet. */
guint           tc_message_model_get_n_pending       (TcMessageModel *self);

G_END_DECLS
