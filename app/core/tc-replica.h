/* tc-replica.h: the local SQLite replica of one associate on one server
 *
 * Every view reads the replica, never the network; the sync engine feeds
 * it. All database work runs on one worker thread of the replica, in the
 * order the calls were made; results and the "changed" signal come back on
 * the thread-default main context of the thread that created the replica.
 */
#pragma once

#include <gio/gio.h>

#include "tc-event.h"
#include "tc-message.h"
#include "tc-replica-types.h"

G_BEGIN_DECLS

#define TC_TYPE_REPLICA (tc_replica_get_type ())
G_DECLARE_FINAL_TYPE (TcReplica, tc_replica, TC, REPLICA, GObject)

/* What a commit changed, as the "changed" signal tells it. */
typedef enum /*< flags >*/ {
  TC_REPLICA_CHANGE_NONE        = 0,
  TC_REPLICA_CHANGE_MEMBERS     = 1 << 0,   /* team members or their presence */
  TC_REPLICA_CHANGE_MESSAGES    = 1 << 1,   /* messages added, changed or removed */
  TC_REPLICA_CHANGE_READ        = 1 << 2,   /* read markers, so unread counts */
  TC_REPLICA_CHANGE_OUTBOX      = 1 << 3,   /* new work to send: messages or read markers */
  TC_REPLICA_CHANGE_PREFERENCES = 1 << 4,   /* the local associate's preferences */
  TC_REPLICA_CHANGE_RESET       = 1 << 5,   /* everything synced was dropped */
  TC_REPLICA_CHANGE_PROFILE     = 1 << 6,   /* the local associate's own record */
} TcReplicaChange;

#define TC_TYPE_REPLICA_CHANGE (tc_replica_change_get_type ())
GType tc_replica_change_get_type (void) G_GNUC_CONST;

typedef enum {
  TC_CONVERSATIONS_RECENT,   /* every conversation */
  TC_CONVERSATIONS_UNREAD,   /* only those with unread messages */
} TcConversationFilter;

/* $XDG_DATA_HOME/teamchat/<hex SHA-256 of the server URL and the id>.db */
guint      tc_replica_schema_version      (void);
char      *tc_replica_default_path        (const char           *server_url,
                                           const char           *associate_id);

void       tc_replica_new_async           (const char           *path,
                                           const char           *associate_id,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
TcReplica *tc_replica_new_finish          (GAsyncResult         *result,
                                           GError              **error);

const char *tc_replica_get_path           (TcReplica            *self);
const char *tc_replica_get_associate_id   (TcReplica            *self);

/* Deletes a replica file with its WAL and shared-memory files (log out
 * without keeping history). The replica must be closed (finalized). */
void       tc_replica_remove_files_async  (const char           *path,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean   tc_replica_remove_files_finish (GAsyncResult         *result,
                                           GError              **error);

/* --- sync --------------------------------------------------------------------- */

void       tc_replica_apply_events_async  (TcReplica            *self,
                                           GPtrArray            *events,
                                           const char           *cursor,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean   tc_replica_apply_events_finish (TcReplica            *self,
                                           GAsyncResult         *result,
                                           GError              **error);
void       tc_replica_get_cursor_async    (TcReplica            *self,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
char      *tc_replica_get_cursor_finish   (TcReplica            *self,
                                           GAsyncResult         *result,
                                           GError              **error);
void       tc_replica_reset_async         (TcReplica            *self,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean   tc_replica_reset_finish        (TcReplica            *self,
                                           GAsyncResult         *result,
                                           GError              **error);
void       tc_replica_purge_async         (TcReplica            *self,
                                           gint64                before,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean   tc_replica_purge_finish        (TcReplica            *self,
                                           GAsyncResult         *result,
                                           guint                *out_n_deleted,
                                           GError              **error);

/* --- outbox --------------------------------------------------------------------- */

void       tc_replica_enqueue_message_async  (TcReplica           *self,
                                              const char * const  *recipients,
                                              const char          *body,
                                              GPtrArray           *attachments,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
GStrv      tc_replica_enqueue_message_finish (TcReplica           *self,
                                              GAsyncResult        *result,
                                              GError             **error);
void       tc_replica_next_outbox_async      (TcReplica           *self,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
TcSendRequest *tc_replica_next_outbox_finish (TcReplica           *self,
                                              GAsyncResult        *result,
                                              GError             **error);
void       tc_replica_mark_sent_async        (TcReplica           *self,
                                              const TcMessage     *message,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean   tc_replica_mark_sent_finish       (TcReplica           *self,
                                              GAsyncResult        *result,
                                              GError             **error);
void       tc_replica_mark_failed_async      (TcReplica           *self,
                                              const char          *client_id,
                                              const char          *reason,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean   tc_replica_mark_failed_finish     (TcReplica           *self,
                                              GAsyncResult        *result,
                                              GError             **error);
void       tc_replica_retry_message_async    (TcReplica           *self,
                                              const char          *client_id,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean   tc_replica_retry_message_finish   (TcReplica           *self,
                                              GAsyncResult        *result,
                                              GError             **error);
void       tc_replica_delete_message_async   (TcReplica           *self,
                                              const char          *client_id,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean   tc_replica_delete_message_finish  (TcReplica           *self,
                                              GAsyncResult        *result,
                                              GError             **error);

/* --- read markers ------------------------------------------------------------------ */

void       tc_replica_set_online_async       (TcReplica           *self,
                                              const char * const  *online,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean   tc_replica_set_online_finish      (TcReplica           *self,
                                              GAsyncResult        *result,
                                              GError             **error);
void       tc_replica_mark_read_async        (TcReplica           *self,
                                              const char          *peer_id,
                                              gint64               up_to,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean   tc_replica_mark_read_finish       (TcReplica           *self,
                                              GAsyncResult        *result,
                                              GError             **error);
void       tc_replica_mark_all_read_async    (TcReplica           *self,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean   tc_replica_mark_all_read_finish   (TcReplica           *self,
                                              GAsyncResult        *result,
                                              GError             **error);
void       tc_replica_next_reads_async       (TcReplica           *self,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
GPtrArray *tc_replica_next_reads_finish      (TcReplica           *self,
                                              GAsyncResult        *result,
                                              GError             **error);
void       tc_replica_read_sent_async        (TcReplica           *self,
                                              const char          *peer_id,
                                              gint64               up_to,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean   tc_replica_read_sent_finish       (TcReplica           *self,
                                              GAsyncResult        *result,
                                              GError             **error);

/* --- queries ---------------------------------------------------------------------- */

void       tc_replica_list_conversations_async  (TcReplica            *self,
                                                 TcConversationFilter  filter,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
GPtrArray *tc_replica_list_conversations_finish (TcReplica            *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);
void       tc_replica_list_messages_async       (TcReplica            *self,
                                                 const char           *peer_id,
                                                 gint64                before,
                                                 guint                 limit,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
GPtrArray *tc_replica_list_messages_finish      (TcReplica            *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);
void       tc_replica_count_messages_async      (TcReplica            *self,
                                                 const char           *peer_id,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gboolean   tc_replica_count_messages_finish     (TcReplica            *self,
                                                 GAsyncResult         *result,
                                                 guint                *out_count,
                                                 GError              **error);
void       tc_replica_list_members_async        (TcReplica            *self,
                                                 const char           *query,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
GPtrArray *tc_replica_list_members_finish       (TcReplica            *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);
void       tc_replica_get_unread_count_async    (TcReplica            *self,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gboolean   tc_replica_get_unread_count_finish   (TcReplica            *self,
                                                 GAsyncResult         *result,
                                                 guint                *out_count,
                                                 GError              **error);
void       tc_replica_get_offline_channel_async (TcReplica            *self,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
char      *tc_replica_get_offline_channel_finish (TcReplica           *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);

/* --- the local associate and dashboards ----------------------------------------- */

void         tc_replica_set_profile_async   (TcReplica            *self,
                                             const TcAssociate    *me,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gboolean     tc_replica_set_profile_finish  (TcReplica            *self,
                                             GAsyncResult         *result,
                                             GError              **error);
void         tc_replica_get_profile_async   (TcReplica            *self,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
TcAssociate *tc_replica_get_profile_finish  (TcReplica            *self,
                                             GAsyncResult         *result,
                                             GError              **error);
void         tc_replica_set_dashboard_async (TcReplica            *self,
                                             const TcAssociate    *dashboard,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gboolean     tc_replica_set_dashboard_finish (TcReplica           *self,
                                              GAsyncResult        *result,
                                              GError             **error);
void         tc_replica_get_member_async    (TcReplica            *self,
                                             const char           *member_id,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
TcAssociate *tc_replica_get_member_finish   (TcReplica            *self,
                                             GAsyncResult         *result,
                                             GError              **error);

G_END_DECLS
