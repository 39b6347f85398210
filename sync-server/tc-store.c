/* tc-store.c: the storage interface of the sync server */
#include "config.h"

#include "tc-error.h"
#include "tc-store.h"

G_DEFINE_INTERFACE (TcStore, tc_store, G_TYPE_OBJECT)

static void
tc_store_default_init (TcStoreInterface *iface)
{
}

void
tc_stream_event_free (TcStreamEvent *self)
{
  if (self == NULL)
    return;
  g_free (self->associate_id);
  g_clear_pointer (&self->event, tc_event_free);
  g_free (self);
}

void
tc_media_entry_free (TcMediaEntry *self)
{
  if (self == NULL)
    return;
  g_free (self->source_path);
  g_free (self->parent_path);
  g_free (self->title);
  g_free (self->description);
  g_free (self->mime_type);
  g_free (self->sha256);
  g_free (self);
}

#define STORE_CALL(self, method, fallback, ...)                          \
  G_STMT_START {                                                          \
    TcStoreInterface *iface;                                              \
    g_return_val_if_fail (TC_IS_STORE (self), fallback);                  \
    iface = TC_STORE_GET_IFACE (self);                                    \
    g_return_val_if_fail (iface->method != NULL, fallback);               \
    return iface->method (self, __VA_ARGS__);                             \
  } G_STMT_END

void
tc_store_set_event_sink (TcStore          *self,
                         TcStoreEventSink  sink,
                         gpointer          user_data)
{
  g_return_if_fail (TC_IS_STORE (self));
  TC_STORE_GET_IFACE (self)->set_event_sink (self, sink, user_data);
}

TcAssociate *
tc_store_authenticate (TcStore *self, const char *login, const char *password, GError **error)
{
  STORE_CALL (self, authenticate, NULL, login, password, error);
}

gboolean
tc_store_create_session (TcStore *self, const char *associate_id, const guint8 *token_hash,
                         const char *device, GError **error)
{
  STORE_CALL (self, create_session, FALSE, associate_id, token_hash, device, error);
}

char *
tc_store_lookup_session (TcStore *self, const guint8 *token_hash, GError **error)
{
  STORE_CALL (self, lookup_session, NULL, token_hash, error);
}

gboolean
tc_store_delete_session (TcStore *self, const guint8 *token_hash, GError **error)
{
  STORE_CALL (self, delete_session, FALSE, token_hash, error);
}

guint
tc_store_revoke_sessions (TcStore *self, const char *associate_id, GError **error)
{
  STORE_CALL (self, revoke_sessions, 0, associate_id, error);
}

gboolean
tc_store_find_ended_sessions (TcStore *self, const guint8 *token_hashes, guint n_hashes,
                              gboolean *ended, GError **error)
{
  STORE_CALL (self, find_ended_sessions, FALSE, token_hashes, n_hashes, ended, error);
}

TcAssociate *
tc_store_get_me (TcStore *self, const char *associate_id, GError **error)
{
  STORE_CALL (self, get_me, NULL, associate_id, error);
}

gboolean
tc_store_set_offline_channel (TcStore *self, const char *associate_id, const char *channel,
                              GError **error)
{
  STORE_CALL (self, set_offline_channel, FALSE, associate_id, channel, error);
}

gboolean
tc_store_is_team (TcStore *self, const char *a, const char *b, GError **error)
{
  STORE_CALL (self, is_team, FALSE, a, b, error);
}

GPtrArray *
tc_store_list_team (TcStore *self, const char *associate_id, const char *query, GError **error)
{
  STORE_CALL (self, list_team, NULL, associate_id, query, error);
}

GPtrArray *
tc_store_list_team_ids (TcStore *self, const char *associate_id, GError **error)
{
  STORE_CALL (self, list_team_ids, NULL, associate_id, error);
}

TcAssociate *
tc_store_get_dashboard (TcStore *self, const char *caller_id, const char *member_id,
                        GError **error)
{
  STORE_CALL (self, get_dashboard, NULL, caller_id, member_id, error);
}

gboolean
tc_store_import_associates (TcStore *self, GPtrArray *rows, TcImportResult *result,
                            GError **error)
{
  STORE_CALL (self, import_associates, FALSE, rows, result, error);
}

GPtrArray *
tc_store_send_messages (TcStore *self, const char *sender_id, const TcSendRequest *request,
                        gint64 now_usec, gboolean *out_created, GError **error)
{
  STORE_CALL (self, send_messages, NULL, sender_id, request, now_usec, out_created, error);
}

typedef struct {
  GPtrArray *messages;
  gboolean   created;
} SendResult;

static void
send_result_free (SendResult *result)
{
  g_clear_pointer (&result->messages, g_ptr_array_unref);
  g_free (result);
}

void
tc_store_return_sent (GTask     *task,
                      GPtrArray *messages,
                      gboolean   created,
                      GError    *error)
{
  SendResult *result;

  g_return_if_fail (G_IS_TASK (task));

  if (error != NULL)
    {
      g_clear_pointer (&messages, g_ptr_array_unref);
      g_task_return_error (task, error);
      return;
    }
  g_return_if_fail (messages != NULL);
  result = g_new0 (SendResult, 1);
  result->messages = messages;
  result->created = created;
  g_task_return_pointer (task, result, (GDestroyNotify) send_result_free);
}

typedef struct {
  char          *sender_id;
  TcSendRequest *request;
  gint64         now_usec;
} SendData;

static void
send_data_free (SendData *data)
{
  g_free (data->sender_id);
  g_clear_pointer (&data->request, tc_send_request_free);
  g_free (data);
}

static void
send_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  SendData *data = task_data;
  GError *error = NULL;
  gboolean created = FALSE;
  GPtrArray *messages;

  messages = tc_store_send_messages (source_object, data->sender_id, data->request,
                                     data->now_usec, &created, &error);
  tc_store_return_sent (task, messages, created, error);
}

void
tc_store_send_messages_async (TcStore             *self,
                              const char          *sender_id,
                              TcSendRequest       *request,
                              gint64               now_usec,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  TcStoreInterface *iface;
  g_autoptr(GTask) task = NULL;
  SendData *data;

  g_return_if_fail (TC_IS_STORE (self));
  g_return_if_fail (sender_id != NULL);
  g_return_if_fail (request != NULL);

  iface = TC_STORE_GET_IFACE (self);
  if (iface->send_messages_async != NULL)
    {
      iface->send_messages_async (self, sender_id, request, now_usec, cancellable, callback,
                                  user_data);
      return;
    }
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tc_store_send_messages_async);
  data = g_new0 (SendData, 1);
  data->sender_id = g_strdup (sender_id);
  data->request = request;
  data->now_usec = now_usec;
  g_task_set_task_data (task, data, (GDestroyNotify) send_data_free);
  g_task_run_in_thread (task, send_in_thread);
}

GPtrArray *
tc_store_send_messages_finish (TcStore       *self,
                               GAsyncResult  *result,
                               gboolean      *out_created,
                               GError       **error)
{
  SendResult *sent;
  GPtrArray *messages;

  g_return_val_if_fail (TC_IS_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  sent = g_task_propagate_pointer (G_TASK (result), error);
  if (sent == NULL)
    return NULL;
  if (out_created != NULL)
    *out_created = sent->created;
  messages = g_steal_pointer (&sent->messages);
  send_result_free (sent);
  return messages;
}

GPtrArray *
tc_store_list_messages (TcStore *self, const char *associate_id, const char *peer_id,
                        gint64 before_id, guint limit, gboolean *out_more, GError **error)
{
  STORE_CALL (self, list_messages, NULL, associate_id, peer_id, before_id, limit, out_more,
              error);
}

gboolean
tc_store_mark_read (TcStore *self, const char *associate_id, const char *peer_id, gint64 up_to,
                    GError **error)
{
  STORE_CALL (self, mark_read, FALSE, associate_id, peer_id, up_to, error);
}

gboolean
tc_store_mark_all_read (TcStore *self, const char *associate_id, GError **error)
{
  STORE_CALL (self, mark_all_read, FALSE, associate_id, error);
}

GPtrArray *
tc_store_sync (TcStore *self, const char *associate_id, gint64 since, guint limit,
               gint64 *out_cursor, gboolean *out_more, gboolean *out_reset, GError **error)
{
  STORE_CALL (self, sync, NULL, associate_id, since, limit, out_cursor, out_more, out_reset,
              error);
}

gint64
tc_store_head_cursor (TcStore *self, const char *associate_id, GError **error)
{
  STORE_CALL (self, head_cursor, -1, associate_id, error);
}

gboolean
tc_store_purge (TcStore *self, gint64 cutoff_usec, guint *out_messages, GError **error)
{
  STORE_CALL (self, purge, FALSE, cutoff_usec, out_messages, error);
}

GPtrArray *
tc_store_media_categories (TcStore *self, GError **error)
{
  STORE_CALL (self, media_categories, NULL, error);
}

TcMediaListing *
tc_store_media_folder (TcStore *self, const char *folder_id, GError **error)
{
  STORE_CALL (self, media_folder, NULL, folder_id, error);
}

GPtrArray *
tc_store_media_search (TcStore *self, const char *query, guint limit, GError **error)
{
  STORE_CALL (self, media_search, NULL, query, limit, error);
}

TcResource *
tc_store_media_resource (TcStore *self, const char *resource_id, GError **error)
{
  STORE_CALL (self, media_resource, NULL, resource_id, error);
}

gboolean
tc_store_import_media (TcStore *self, GPtrArray *entries, gint64 now_usec,
                       TcMediaImportResult *result, GError **error)
{
  STORE_CALL (self, import_media, FALSE, entries, now_usec, result, error);
}

void
tc_delivery_job_free (TcDeliveryJob *self)
{
  if (self == NULL)
    return;
  g_free (self->channel);
  g_clear_pointer (&self->message, tc_message_free);
  g_free (self->sender_name);
  g_free (self->recipient_name);
  g_free (self->recipient_email);
  g_free (self->recipient_phone);
  g_free (self);
}

void
tc_reply_token_row_free (TcReplyTokenRow *self)
{
  if (self == NULL)
    return;
  g_free (self->associate_id);
  g_free (self->peer_id);
  g_free (self);
}

void
tc_store_set_delivery_policy (TcStore            *self,
                              TcStoreOfflineFunc  offline,
                              TcStoreQueuedFunc   queued,
                              gpointer            user_data)
{
  g_return_if_fail (TC_IS_STORE (self));
  TC_STORE_GET_IFACE (self)->set_delivery_policy (self, offline, queued, user_data);
}

GPtrArray *
tc_store_claim_deliveries (TcStore *self, gint64 now_usec, guint limit, GError **error)
{
  STORE_CALL (self, claim_deliveries, NULL, now_usec, limit, error);
}

gboolean
tc_store_finish_delivery (TcStore *self, gint64 message_id, TcDeliveryOutcome outcome,
                          const char *reason, gint64 retry_at_usec, GError **error)
{
  STORE_CALL (self, finish_delivery, FALSE, message_id, outcome, reason, retry_at_usec, error);
}

guint
tc_store_requeue_deliveries (TcStore *self, GError **error)
{
  STORE_CALL (self, requeue_deliveries, 0, error);
}

gint64
tc_store_next_delivery_at (TcStore *self, GError **error)
{
  STORE_CALL (self, next_delivery_at, -1, error);
}

GBytes *
tc_store_get_secret (TcStore *self, const char *name, gsize size, GError **error)
{
  STORE_CALL (self, get_secret, NULL, name, size, error);
}

TcReplyTokenRow *
tc_store_get_reply_token (TcStore *self, gint64 id, GError **error)
{
  STORE_CALL (self, get_reply_token, NULL, id, error);
}

guint
tc_store_revoke_reply_tokens (TcStore *self, const char *associate_id, GError **error)
{
  STORE_CALL (self, revoke_reply_tokens, 0, associate_id, error);
}

char *
tc_store_last_sms_peer (TcStore *self, const char *associate_id, GError **error)
{
  STORE_CALL (self, last_sms_peer, NULL, associate_id, error);
}

char *
tc_store_find_by_phone (TcStore *self, const char *e164, GError **error)
{
  STORE_CALL (self, find_by_phone, NULL, e164, error);
}

gboolean
tc_store_send_batch (TcStore     *self,
                     GPtrArray   *senders,
                     GPtrArray   *requests,
                     GArray      *times,
                     GError     **error)
{
  TcStoreInterface *iface;

  g_return_val_if_fail (TC_IS_STORE (self), FALSE);
  g_return_val_if_fail (senders->len == requests->len && requests->len == times->len, FALSE);

  iface = TC_STORE_GET_IFACE (self);
  if (iface->send_batch != NULL)
    return iface->send_batch (self, senders, requests, times, error);
  for (guint i = 0; i < requests->len; i++)
    {
      g_autoptr(GPtrArray) messages = NULL;

      messages = tc_store_send_messages (self, g_ptr_array_index (senders, i),
                                         g_ptr_array_index (requests, i),
                                         g_array_index (times, gint64, i), NULL, error);
      if (messages == NULL)
        return FALSE;
    }
  return TRUE;
}

gboolean
tc_store_check_health (TcStore  *self,
                       GError  **error)
{
  TcStoreInterface *iface;

  g_return_val_if_fail (TC_IS_STORE (self), FALSE);

  iface = TC_STORE_GET_IFACE (self);
  if (iface->check_health != NULL)
    return iface->check_health (self, error);
  return tc_store_head_cursor (self, NULL, error) >= 0;
}

void
tc_store_set_connected (TcStore    *self,
                        const char *associate_id,
                        gboolean    connected)
{
  TcStoreInterface *iface;

  g_return_if_fail (TC_IS_STORE (self));

  iface = TC_STORE_GET_IFACE (self);
  if (iface->set_connected != NULL)
    iface->set_connected (self, associate_id, connected);
}

gboolean
tc_store_is_connected_elsewhere (TcStore    *self,
                                 const char *associate_id)
{
  TcStoreInterface *iface;

  g_return_val_if_fail (TC_IS_STORE (self), FALSE);

  iface = TC_STORE_GET_IFACE (self);
  return iface->is_connected_elsewhere != NULL && iface->is_connected_elsewhere (self, associate_id);
}

void
tc_store_set_presence_sink (TcStore             *self,
                            TcStorePresenceSink  sink,
                            gpointer             user_data)
{
  TcStoreInterface *iface;

  g_return_if_fail (TC_IS_STORE (self));

  iface = TC_STORE_GET_IFACE (self);
  if (iface->set_presence_sink != NULL)
    iface->set_presence_sink (self, sink, user_data);
}
