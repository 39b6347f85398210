/* tc-replica-types.c: rows the replica hands to views */
#include "tc-replica-types.h"

G_DEFINE_ENUM_TYPE (TcMessageState, tc_message_state,
                    G_DEFINE_ENUM_VALUE (TC_MESSAGE_STATE_PENDING, "pending"),
                    G_DEFINE_ENUM_VALUE (TC_MESSAGE_STATE_SENT, "sent"),
                    G_DEFINE_ENUM_VALUE (TC_MESSAGE_STATE_FAILED, "failed"))

G_DEFINE_BOXED_TYPE (TcReplicaMessage, tc_replica_message,
                     tc_replica_message_copy, tc_replica_message_free)
G_DEFINE_BOXED_TYPE (TcConversation, tc_conversation,
                     tc_conversation_copy, tc_conversation_free)
G_DEFINE_BOXED_TYPE (TcReadMarker, tc_read_marker, tc_read_marker_copy, tc_read_marker_free)

static const char * const state_names[] = {
  [TC_MESSAGE_STATE_PENDING] = "pending",
  [TC_MESSAGE_STATE_SENT] = "sent",
  [TC_MESSAGE_STATE_FAILED] = "failed",
};

/**
 * tc_message_state_to_string:
 * @state: a message state
 *
 * Returns: (transfer none): "pending", "sent" or "failed", as the replica
 *   stores it
 */
const char *
tc_message_state_to_string (TcMessageState state)
{
  g_return_val_if_fail ((guint) state < G_N_ELEMENTS (state_names), NULL);

  return state_names[state];
}

/**
 * tc_message_state_from_string:
 * @text: (nullable): a stored state
 * @out_state: (out): the state
 *
 * Returns: %TRUE when @text names a state
 */
gboolean
tc_message_state_from_string (const char     *text,
                              TcMessageState *out_state)
{
  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (state_names); i++)
    if (g_str_equal (text, state_names[i]))
      {
        *out_state = (TcMessageState) i;
        return TRUE;
      }
  return FALSE;
}

/**
 * tc_replica_message_new:
 *
 * Returns: (transfer full): an empty pending message row
 */
TcReplicaMessage *
tc_replica_message_new (void)
{
  TcReplicaMessage *self = g_new0 (TcReplicaMessage, 1);

  self->message = tc_message_new ();
  return self;
}

/**
 * tc_replica_message_copy:
 * @self: a message row
 *
 * Returns: (transfer full): a deep copy of @self
 */
TcReplicaMessage *
tc_replica_message_copy (const TcReplicaMessage *self)
{
  TcReplicaMessage *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (TcReplicaMessage, 1);
  copy->local_id = self->local_id;
  copy->message = tc_message_copy (self->message);
  copy->state = self->state;
  copy->error = g_strdup (self->error);
  return copy;
}

/**
 * tc_replica_message_free:
 * @self: (nullable): a message row
 */
void
tc_replica_message_free (TcReplicaMessage *self)
{
  if (self == NULL)
    return;
  tc_message_free (self->message);
  g_free (self->error);
  g_free (self);
}

/**
 * tc_replica_message_is_outgoing:
 * @self: a message row
 * @my_id: the id of the local associate
 *
 * Returns: %TRUE when @my_id wrote the message
 */
gboolean
tc_replica_message_is_outgoing (const TcReplicaMessage *self,
                                const char             *my_id)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return g_strcmp0 (self->message->from, my_id) == 0;
}

/**
 * tc_conversation_new:
 *
 * Returns: (transfer full): an empty conversation row
 */
TcConversation *
tc_conversation_new (void)
{
  return g_new0 (TcConversation, 1);
}

/**
 * tc_conversation_copy:
 * @self: a conversation row
 *
 * Returns: (transfer full): a deep copy of @self
 */
TcConversation *
tc_conversation_copy (const TcConversation *self)
{
  TcConversation *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = tc_conversation_new ();
  copy->peer_id = g_strdup (self->peer_id);
  copy->peer_name = g_strdup (self->peer_name);
  copy->is_member = self->is_member;
  copy->online = self->online;
  copy->last_message = self->last_message != NULL ? tc_replica_message_copy (self->last_message)
                                                  : NULL;
  copy->unread = self->unread;
  return copy;
}

/**
 * tc_conversation_free:
 * @self: (nullable): a conversation row
 */
void
tc_conversation_free (TcConversation *self)
{
  if (self == NULL)
    return;
  g_free (self->peer_id);
  g_free (self->peer_name);
  tc_replica_message_free (self->last_message);
  g_free (self);
}

/**
 * tc_read_marker_new:
 * @peer_id: the other side of the conversation
 * @up_to: the last message read
 *
 * Returns: (transfer full): a read marker
 */
TcReadMarker *
tc_read_marker_new (const char *peer_id,
                    gint64      up_to)
{
  TcReadMarker *self = g_new0 (TcReadMarker, 1);

  self->peer_id = g_strdup (peer_id);
  self->up_to = up_to;
  return self;
}

/**
 * tc_read_marker_copy:
 * @self: a read marker
 *
 * Returns: (transfer full): a copy of @self
 */
TcReadMarker *
tc_read_marker_copy (const TcReadMarker *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return tc_read_marker_new (self->peer_id, self->up_to);
}

/**
 * tc_read_marker_free:
 * @self: (nullable): a read marker
 */
void
tc_read_marker_free (TcReadMarker *self)
{
  if (self == NULL)
    return;
  g_free (self->peer_id);
  g_free (self);
}
