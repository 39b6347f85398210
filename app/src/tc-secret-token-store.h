/* tc-secret-token-store.h: session tokens in the desktop keyring (libsecret) */
#pragma once

#include "tc-token-store.h"

G_BEGIN_DECLS

#define TC_TYPE_SECRET_TOKEN_STORE (tc_secret_token_store_get_type ())
G_DECLARE_FINAL_TYPE (TcSecretTokenStore, tc_secret_token_store, TC, SECRET_TOKEN_STORE, GObject)

TcTokenStore *tc_secret_token_store_new (void);

G_END_DECLS
