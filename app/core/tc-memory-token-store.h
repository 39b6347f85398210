/* tc-memory-token-store.h: session tokens kept in memory only */
#pragma once

#include "tc-token-store.h"

G_BEGIN_DECLS

#define TC_TYPE_MEMORY_TOKEN_STORE (tc_memory_token_store_get_type ())
G_DECLARE_FINAL_TYPE (TcMemoryTokenStore, tc_memory_token_store, TC, MEMORY_TOKEN_STORE, GObject)

TcTokenStore *tc_memory_token_store_new (void);

G_END_DECLS
