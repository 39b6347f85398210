/* tc-replica-history.h: one conversation's history for a lazy list model
 *
 * The order of a conversation is (sort_key, local_id), as the replica's
 * index on (peer, sort_key, local_id) keeps it. A view reads the keys of
 * every message once (16 bytes each), which gives it the size, the place
 * of any message and a key to start a window at any position from, and
 * then reads the messages themselves window by window by keyset, never by
 * OFFSET.
 */
#pragma once

#include "tc-replica.h"

G_BEGIN_DECLS

/* Where a message sits in its conversation. */
typedef struct {
  gint64 sort_key;
  gint64 local_id;
} TcMessageKey;

/* -1, 0 or 1 as @a sorts before, with or after @b. */
int             tc_message_key_compare (const TcMessageKey *a,
                                        const TcMessageKey *b);

/* The keys of a whole conversation. */
typedef struct {
  GArray *keys;              /* of TcMessageKey, oldest first */
  gint64  receipt_local_id;  /* the newest own sent message the peer has read; 0: none */
  gint64  newest_incoming;   /* server id of the newest message from the peer; 0: none */
} TcMessageIndex;

void            tc_message_index_free  (TcMessageIndex *index);

void            tc_replica_index_messages_async      (TcReplica           *self,
                                                      const char          *peer_id,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
TcMessageIndex *tc_replica_index_messages_finish     (TcReplica           *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

void            tc_replica_list_messages_from_async  (TcReplica           *self,
                                                      const char          *peer_id,
                                                      const TcMessageKey  *from,
                                                      guint                limit,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
GPtrArray      *tc_replica_list_messages_from_finish (TcReplica           *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

void            tc_replica_get_message_position_async  (TcReplica           *self,
                                                        gint64               local_id,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
gboolean        tc_replica_get_message_position_finish (TcReplica           *self,
                                                        GAsyncResult        *result,
                                                        char               **out_peer_id,
                                                        guint               *out_position,
                                                        GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcMessageIndex, tc_message_index_free)

G_END_DECLS
