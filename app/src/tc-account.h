/* tc-account.h: the signed-in account — API client, replica, sync engine
 *
 * A service without widgets: the login page asks it to log in, the window
 * shows what it holds, and tests drive it directly.
 */
#pragma once

#include <gio/gio.h>

#include "tc-api-client.h"
#include "tc-media-cache.h"
#include "tc-replica.h"
#include "tc-sync-engine.h"
#include "tc-token-store.h"

G_BEGIN_DECLS

#define TC_TYPE_ACCOUNT (tc_account_get_type ())
G_DECLARE_FINAL_TYPE (TcAccount, tc_account, TC, ACCOUNT, GObject)

TcAccount         *tc_account_new                (TcTokenStore        *token_store);
/* Logs in, opens the replica for this server and associate, and starts the
 * sync engine. Errors are for people: see tc_account_describe_error(). */
void               tc_account_login_async        (TcAccount           *self,
                                                  const char          *server_url,
                                                  const char          *login,
                                                  const char          *password,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean           tc_account_login_finish       (TcAccount           *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);
/* Revokes the token, stops syncing and, unless @keep_history, deletes the
 * replica from disk. */
void               tc_account_logout_async       (TcAccount           *self,
                                                  gboolean             keep_history,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean           tc_account_logout_finish      (TcAccount           *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);
/* Picks up the session kept for @server_url, without the network: opens the
 * replica and starts syncing. FALSE (no error) when none is kept. */
void               tc_account_resume_async       (TcAccount           *self,
                                                  const char          *server_url,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean           tc_account_resume_finish      (TcAccount           *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);
/* TRUE when the token could not be kept in the keyring: the next start
 * asks for the password again. */
gboolean           tc_account_is_session_only    (TcAccount           *self);
gboolean           tc_account_is_logged_in       (TcAccount           *self);
const TcAssociate *tc_account_get_associate      (TcAccount           *self);
TcReplica         *tc_account_get_replica        (TcAccount           *self);
TcApiClient       *tc_account_get_api_client     (TcAccount           *self);
TcSyncEngine      *tc_account_get_sync_engine    (TcAccount           *self);
/* Attachments downloaded and thumbnails, for this account's server. */
TcMediaCache      *tc_account_get_media_cache    (TcAccount           *self);

/* A sentence a person can act on for an error of login or sync. */
char              *tc_account_describe_error     (const GError        *error,
                                                  const char          *server_url);
/* Normalises what someone typed as a server address ("chat.example.com" →
 * "https://chat.example.com"); NULL with an error when it cannot be one. */
char              *tc_account_normalize_server   (const char          *text,
                                                  GError             **error);

G_END_DECLS
