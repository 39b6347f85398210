/* tc-token-store.c: where session tokens are kept between runs */
#include "tc-token-store.h"

G_DEFINE_INTERFACE (TcTokenStore, tc_token_store, G_TYPE_OBJECT)

static gboolean
tc_token_store_real_is_persistent (TcTokenStore *self)
{
  return TRUE;
}

static void
tc_token_store_default_init (TcTokenStoreInterface *iface)
{
  iface->is_persistent = tc_token_store_real_is_persistent;
}

/**
 * tc_token_store_save_async:
 * @self: a token store
 * @server_url: the server the token is for
 * @associate_id: the associate who logged in
 * @token: the session token
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Keeps @token for @server_url, replacing any earlier one.
 */
void
tc_token_store_save_async (TcTokenStore        *self,
                           const char          *server_url,
                           const char          *associate_id,
                           const char          *token,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (TC_IS_TOKEN_STORE (self));
  g_return_if_fail (server_url != NULL);
  g_return_if_fail (associate_id != NULL);
  g_return_if_fail (token != NULL);

  TC_TOKEN_STORE_GET_IFACE (self)->save_async (self, server_url, associate_id, token,
                                               cancellable, callback, user_data);
}

/**
 * tc_token_store_save_finish:
 * @self: a token store
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: %TRUE when the token is kept
 */
gboolean
tc_token_store_save_finish (TcTokenStore  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (TC_IS_TOKEN_STORE (self), FALSE);

  return TC_TOKEN_STORE_GET_IFACE (self)->save_finish (self, result, error);
}

/**
 * tc_token_store_lookup_async:
 * @self: a token store
 * @server_url: the server
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * Looks up the token kept for @server_url.
 */
void
tc_token_store_lookup_async (TcTokenStore        *self,
                             const char          *server_url,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (TC_IS_TOKEN_STORE (self));
  g_return_if_fail (server_url != NULL);

  TC_TOKEN_STORE_GET_IFACE (self)->lookup_async (self, server_url, cancellable, callback,
                                                 user_data);
}

/**
 * tc_token_store_lookup_finish:
 * @self: a token store
 * @result: the result given to the callback
 * @out_associate_id: (out) (optional) (transfer full): the associate the
 *   token belongs to
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): the token, or %NULL (without an
 *   error) when none is kept
 */
char *
tc_token_store_lookup_finish (TcTokenStore  *self,
                              GAsyncResult  *result,
                              char         **out_associate_id,
                              GError       **error)
{
  g_return_val_if_fail (TC_IS_TOKEN_STORE (self), NULL);

  return TC_TOKEN_STORE_GET_IFACE (self)->lookup_finish (self, result, out_associate_id, error);
}

/**
 * tc_token_store_clear_async:
 * @self: a token store
 * @server_url: the server
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Forgets the token kept for @server_url (log out).
 */
void
tc_token_store_clear_async (TcTokenStore        *self,
                            const char          *server_url,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (TC_IS_TOKEN_STORE (self));
  g_return_if_fail (server_url != NULL);

  TC_TOKEN_STORE_GET_IFACE (self)->clear_async (self, server_url, cancellable, callback,
                                                user_data);
}

/**
 * tc_token_store_clear_finish:
 * @self: a token store
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: %TRUE on success, also when nothing was kept
 */
gboolean
tc_token_store_clear_finish (TcTokenStore  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (TC_IS_TOKEN_STORE (self), FALSE);

  return TC_TOKEN_STORE_GET_IFACE (self)->clear_finish (self, result, error);
}

/**
 * tc_token_store_is_persistent:
 * @self: a token store
 *
 * Returns: %TRUE when tokens outlive the process (the UI says once when
 *   they do not)
 */
gboolean
tc_token_store_is_persistent (TcTokenStore *self)
{
  g_return_val_if_fail (TC_IS_TOKEN_STORE (self), FALSE);

  return TC_TOKEN_STORE_GET_IFACE (self)->is_persistent (self);
}
