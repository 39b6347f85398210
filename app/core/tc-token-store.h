/* tc-token-store.h: where session tokens are kept between runs
 *
 * The app keeps one token per server. The desktop implementation uses
 * libsecret (it comes with the UI); TcMemoryTokenStore keeps tokens for
 * the life of the process only, for tests and for desktops without a
 * secret service.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TC_TYPE_TOKEN_STORE (tc_token_store_get_type ())
G_DECLARE_INTERFACE (TcTokenStore, tc_token_store, TC, TOKEN_STORE, GObject)

struct _TcTokenStoreInterface
{
  GTypeInterface parent_iface;

  void      (*save_async)    (TcTokenStore         *self,
                              const char           *server_url,
                              const char           *associate_id,
                              const char           *token,
                              GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data);
  gboolean  (*save_finish)   (TcTokenStore         *self,
                              GAsyncResult         *result,
                              GError              **error);
  void      (*lookup_async)  (TcTokenStore         *self,
                              const char           *server_url,
                              GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data);
  char     *(*lookup_finish) (TcTokenStore         *self,
                              GAsyncResult         *result,
                              char                **out_associate_id,
                              GError              **error);
  void      (*clear_async)   (TcTokenStore         *self,
                              const char           *server_url,
                              GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data);
  gboolean  (*clear_finish)  (TcTokenStore         *self,
                              GAsyncResult         *result,
                              GError              **error);
  gboolean  (*is_persistent) (TcTokenStore         *self);
};

void      tc_token_store_save_async    (TcTokenStore         *self,
                                        const char           *server_url,
                                        const char           *associate_id,
                                        const char           *token,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
gboolean  tc_token_store_save_finish   (TcTokenStore         *self,
                                        GAsyncResult         *result,
                                        GError              **error);
void      tc_token_store_lookup_async  (TcTokenStore         *self,
                                        const char           *server_url,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
char     *tc_token_store_lookup_finish (TcTokenStore         *self,
                                        GAsyncResult         *result,
                                        char                **out_associate_id,
                                        GError              **error);
void      tc_token_store_clear_async   (TcTokenStore         *self,
                                        const char           *server_url,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
gboolean  tc_token_store_clear_finish  (TcTokenStore         *self,
                                        GAsyncResult         *result,
                                        GError              **error);
gboolean  tc_token_store_is_persistent (TcTokenStore         *self);

G_END_DECLS
