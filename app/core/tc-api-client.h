/* tc-api-client.h: the HTTP API of a Team Chat server, asynchronously
 *
 * One client per server (and account). Every failure comes back as a
 * GError a person can act on: %TC_ERROR codes for what the server said
 * (TC_ERROR_UNAUTHORIZED for a wrong password or an expired session,
 * TC_ERROR_RATE_LIMITED with the wait in the message, …),
 * TC_ERROR_UNAVAILABLE "cannot reach the server: …" when it cannot be
 * reached, %G_TLS_ERROR with a translated explanation for certificate
 * problems ("The server’s certificate is not trusted: it has expired"), and
 * %G_IO_ERROR_CANCELLED when cancelled.
 */
#pragma once

#include <libsoup/soup.h>

#include "tc-associate.h"
#include "tc-event.h"
#include "tc-media-folder.h"
#include "tc-message.h"

G_BEGIN_DECLS

#define TC_TYPE_API_CLIENT (tc_api_client_get_type ())
G_DECLARE_FINAL_TYPE (TcApiClient, tc_api_client, TC, API_CLIENT, GObject)

/* One answer of GET /api/v1/sync. */
typedef struct {
  GPtrArray *events;    /* of TcEvent, in stream order; never NULL */
  char      *cursor;    /* pass back as "since" */
  gboolean   more;      /* another page follows */
  gboolean   reset;     /* the cursor is too old: drop the replica, sync again */
  char      *head;      /* while more: where the pages end (progress only), or NULL */
} TcSyncPage;

void         tc_sync_page_free             (TcSyncPage *page);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcSyncPage, tc_sync_page_free)

TcApiClient *tc_api_client_new             (const char           *base_url);
const char  *tc_api_client_get_base_url    (TcApiClient          *self);
const char  *tc_api_client_get_token       (TcApiClient          *self);
void         tc_api_client_set_token       (TcApiClient          *self,
                                            const char           *token);
/* Trust these authorities instead of the system's (NULL: the system's). */
void         tc_api_client_set_tls_database (TcApiClient         *self,
                                            GTlsDatabase         *database);
/* How long an HTTP request may wait for its answer (30 s by default). */
void         tc_api_client_set_timeout     (TcApiClient          *self,
                                            guint                 seconds);
/* "ws://…/api/v1/ws" (or wss://) for this server. */
char        *tc_api_client_get_websocket_url (TcApiClient        *self);

void         tc_api_client_login_async     (TcApiClient          *self,
                                            const char           *login,
                                            const char           *password,
                                            const char           *device,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
TcAssociate *tc_api_client_login_finish    (TcApiClient          *self,
                                            GAsyncResult         *result,
                                            char                **out_token,
                                            GError              **error);
void         tc_api_client_logout_async    (TcApiClient          *self,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
gboolean     tc_api_client_logout_finish   (TcApiClient          *self,
                                            GAsyncResult         *result,
                                            GError              **error);

void         tc_api_client_sync_async      (TcApiClient          *self,
                                            const char           *since,
                                            guint                 limit,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
TcSyncPage  *tc_api_client_sync_finish     (TcApiClient          *self,
                                            GAsyncResult         *result,
                                            GError              **error);

void         tc_api_client_send_async      (TcApiClient          *self,
                                            const TcSendRequest  *request,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
GPtrArray   *tc_api_client_send_finish     (TcApiClient          *self,
                                            GAsyncResult         *result,
                                            GError              **error);

void         tc_api_client_read_async      (TcApiClient          *self,
                                            const char           *peer_id,
                                            gint64                up_to,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
gboolean     tc_api_client_read_finish     (TcApiClient          *self,
                                            GAsyncResult         *result,
                                            GError              **error);
void         tc_api_client_read_all_async  (TcApiClient          *self,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
gboolean     tc_api_client_read_all_finish (TcApiClient          *self,
                                            GAsyncResult         *result,
                                            GError              **error);

void         tc_api_client_team_async      (TcApiClient          *self,
                                            const char           *query,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
GPtrArray   *tc_api_client_team_finish     (TcApiClient          *self,
                                            GAsyncResult         *result,
                                            GError              **error);

void         tc_api_client_me_async        (TcApiClient          *self,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
TcAssociate *tc_api_client_me_finish       (TcApiClient          *self,
                                            GAsyncResult         *result,
                                            GError              **error);
void         tc_api_client_dashboard_async (TcApiClient          *self,
                                            const char           *member_id,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
TcAssociate *tc_api_client_dashboard_finish (TcApiClient         *self,
                                             GAsyncResult        *result,
                                             GError             **error);
void         tc_api_client_set_offline_channel_async  (TcApiClient         *self,
                                                       const char          *channel,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
char        *tc_api_client_set_offline_channel_finish (TcApiClient         *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);

void         tc_api_client_history_async   (TcApiClient          *self,
                                            const char           *peer_id,
                                            gint64                before,
                                            guint                 limit,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
GPtrArray   *tc_api_client_history_finish  (TcApiClient          *self,
                                            GAsyncResult         *result,
                                            gboolean             *out_more,
                                            GError              **error);

/* The Documents and Media library */
void         tc_api_client_media_categories_async  (TcApiClient          *self,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
/* Every category (TcMediaFolder) with its folders nested. */
GPtrArray   *tc_api_client_media_categories_finish (TcApiClient          *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
void         tc_api_client_media_folder_async      (TcApiClient          *self,
                                                    const char           *folder_id,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
TcMediaListing *
             tc_api_client_media_folder_finish     (TcApiClient          *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
void         tc_api_client_media_search_async      (TcApiClient          *self,
                                                    const char           *query,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
/* Resources (TcResource) whose title or description has @query. */
GPtrArray   *tc_api_client_media_search_finish     (TcApiClient          *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);

/* A PNG preview of an image resource, its longer side at most @size
 * pixels [extension]; TC_ERROR_NOT_FOUND when the resource has none. */
void         tc_api_client_media_thumbnail_async   (TcApiClient          *self,
                                                    const char           *resource_id,
                                                    guint                 size,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
GBytes      *tc_api_client_media_thumbnail_finish  (TcApiClient          *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);

/* Called on the main context as a download goes: @received bytes of
 * @total (-1 when unknown), counting what an earlier attempt kept. */
typedef void (*TcApiDownloadProgress) (goffset   received,
                                       goffset   total,
                                       gpointer  user_data);

/* Downloads the content of @resource to @path. The bytes go to
 * "@path.part" first: a download that fails or is cancelled keeps them,
 * and the next one asks only for the rest (Range, If-Range). The whole file
 * is then checked against the resource's SHA-256 (or the ETag the server
 * sent when the resource has none): on a mismatch the part file is deleted
 * and the download fails with TC_ERROR_INVALID; otherwise it is renamed to
 * @path. */
void         tc_api_client_download_async          (TcApiClient           *self,
                                                    const TcResource      *resource,
                                                    const char            *path,
                                                    TcApiDownloadProgress  progress,
                                                    gpointer               progress_data,
                                                    GCancellable          *cancellable,
                                                    GAsyncReadyCallback    callback,
                                                    gpointer               user_data);
gboolean     tc_api_client_download_finish         (TcApiClient           *self,
                                                    GAsyncResult          *result,
                                                    GError               **error);

void         tc_api_client_websocket_connect_async  (TcApiClient          *self,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
SoupWebsocketConnection *
             tc_api_client_websocket_connect_finish (TcApiClient          *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

G_END_DECLS
