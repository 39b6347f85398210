/* tc-replica-types.h: rows the replica hands to views
 *
 * Plain boxed structs, filled on the replica's worker thread and read on
 * the main thread; every field is owned by the struct.
 */
#pragma once

#include <glib-object.h>

#include "tc-message.h"

G_BEGIN_DECLS

/* Where a message stands on this device. */
typedef enum {
  TC_MESSAGE_STATE_PENDING,   /* written here, waiting in the outbox */
  TC_MESSAGE_STATE_SENT,      /* committed by the server */
  TC_MESSAGE_STATE_FAILED,    /* refused by the server; see error */
} TcMessageState;

#define TC_TYPE_MESSAGE_STATE (tc_message_state_get_type ())
GType tc_message_state_get_type (void) G_GNUC_CONST;

const char     *tc_message_state_to_string   (TcMessageState  state);
gboolean        tc_message_state_from_string (const char     *text,
                                              TcMessageState *out_state);

#define TC_TYPE_REPLICA_MESSAGE (tc_replica_message_get_type ())

/* One message of the replica: the protocol message plus its local state.
 * While it is pending or failed, message->id is 0 and message->sent_at is
 * the time it was written on this device. */
typedef struct {
  gint64          local_id;   /* stable row id in this replica */
  TcMessage      *message;
  TcMessageState  state;
  char           *error;      /* why the server refused it (failed only) */
} TcReplicaMessage;

GType             tc_replica_message_get_type (void) G_GNUC_CONST;
TcReplicaMessage *tc_replica_message_new      (void);
TcReplicaMessage *tc_replica_message_copy     (const TcReplicaMessage *self);
void              tc_replica_message_free     (TcReplicaMessage       *self);
/* TRUE when the local user wrote it. */
gboolean          tc_replica_message_is_outgoing (const TcReplicaMessage *self,
                                                  const char             *my_id);

#define TC_TYPE_CONVERSATION (tc_conversation_get_type ())

/* One row of the Recent / Unread lists: a peer and the last message. */
typedef struct {
  char             *peer_id;
  char             *peer_name;     /* the member's name; the id when not a member any more */
  gboolean          is_member;     /* still on the team */
  gboolean          online;
  TcReplicaMessage *last_message;
  guint             unread;        /* messages from the peer not read yet */
} TcConversation;

GType           tc_conversation_get_type (void) G_GNUC_CONST;
TcConversation *tc_conversation_new      (void);
TcConversation *tc_conversation_copy     (const TcConversation *self);
void            tc_conversation_free     (TcConversation       *self);

#define TC_TYPE_READ_MARKER (tc_read_marker_get_type ())

/* The local user has read the conversation with @peer_id up to the message
 * @up_to (a server message id). */
typedef struct {
  char   *peer_id;
  gint64  up_to;
} TcReadMarker;

GType         tc_read_marker_get_type (void) G_GNUC_CONST;
TcReadMarker *tc_read_marker_new      (const char         *peer_id,
                                       gint64              up_to);
TcReadMarker *tc_read_marker_copy     (const TcReadMarker *self);
void          tc_read_marker_free     (TcReadMarker       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcReplicaMessage, tc_replica_message_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcConversation, tc_conversation_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcReadMarker, tc_read_marker_free)

G_END_DECLS
