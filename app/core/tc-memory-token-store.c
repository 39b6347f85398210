/* tc-memory-token-store.c: session tokens kept in memory only
 *
 * For tests, and the fallback where no secret service runs: the user
 * logs in again after every start.
 */
#include <string.h>

#include "tc-memory-token-store.h"

typedef struct {
  char *associate_id;
  char *token;
} Entry;

struct _TcMemoryTokenStore
{
  GObject     parent_instance;

  GHashTable *entries;   /* server URL → Entry */
};

static void tc_memory_token_store_iface_init (TcTokenStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TcMemoryTokenStore, tc_memory_token_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (TC_TYPE_TOKEN_STORE,
                                                      tc_memory_token_store_iface_init))

static void
entry_free (Entry *entry)
{
  g_free (entry->associate_id);
  /* Do not leave the secret lying around in freed memory. */
  if (entry->token != NULL)
    memset (entry->token, 0, strlen (entry->token));
  g_free (entry->token);
  g_free (entry);
}

static void
tc_memory_token_store_save_async (TcTokenStore        *store,
                                  const char          *server_url,
                                  const char          *associate_id,
                                  const char          *token,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  TcMemoryTokenStore *self = TC_MEMORY_TOKEN_STORE (store);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  Entry *entry = g_new0 (Entry, 1);

  g_task_set_source_tag (task, tc_memory_token_store_save_async);
  entry->associate_id = g_strdup (associate_id);
  entry->token = g_strdup (token);
  g_hash_table_replace (self->entries, g_strdup (server_url), entry);
  g_task_return_boolean (task, TRUE);
}

static gboolean
tc_memory_token_store_save_finish (TcTokenStore  *store,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, store), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
tc_memory_token_store_lookup_async (TcTokenStore        *store,
                                    const char          *server_url,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  TcMemoryTokenStore *self = TC_MEMORY_TOKEN_STORE (store);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  Entry *entry = g_hash_table_lookup (self->entries, server_url);
  Entry *copy = NULL;

  g_task_set_source_tag (task, tc_memory_token_store_lookup_async);
  if (entry != NULL)
    {
      copy = g_new0 (Entry, 1);
      copy->associate_id = g_strdup (entry->associate_id);
      copy->token = g_strdup (entry->token);
    }
  g_task_return_pointer (task, copy, (GDestroyNotify) entry_free);
}

static char *
tc_memory_token_store_lookup_finish (TcTokenStore  *store,
                                     GAsyncResult  *result,
                                     char         **out_associate_id,
                                     GError       **error)
{
  Entry *entry;
  char *token;

  g_return_val_if_fail (g_task_is_valid (result, store), NULL);

  entry = g_task_propagate_pointer (G_TASK (result), error);
  if (entry == NULL)
    return NULL;
  if (out_associate_id != NULL)
    *out_associate_id = g_steal_pointer (&entry->associate_id);
  token = g_steal_pointer (&entry->token);
  entry_free (entry);
  return token;
}

static void
tc_memory_token_store_clear_async (TcTokenStore        *store,
                                   const char          *server_url,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  TcMemoryTokenStore *self = TC_MEMORY_TOKEN_STORE (store);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tc_memory_token_store_clear_async);
  g_hash_table_remove (self->entries, server_url);
  g_task_return_boolean (task, TRUE);
}

static gboolean
tc_memory_token_store_clear_finish (TcTokenStore  *store,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, store), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
tc_memory_token_store_is_persistent (TcTokenStore *store)
{
  return FALSE;
}

static void
tc_memory_token_store_iface_init (TcTokenStoreInterface *iface)
{
  iface->save_async = tc_memory_token_store_save_async;
  iface->save_finish = tc_memory_token_store_save_finish;
  iface->lookup_async = tc_memory_token_store_lookup_async;
  iface->lookup_finish = tc_memory_token_store_lookup_finish;
  iface->clear_async = tc_memory_token_store_clear_async;
  iface->clear_finish = tc_memory_token_store_clear_finish;
  iface->is_persistent = tc_memory_token_store_is_persistent;
}

static void
tc_memory_token_store_finalize (GObject *object)
{
  TcMemoryTokenStore *self = TC_MEMORY_TOKEN_STORE (object);

  g_hash_table_unref (self->entries);

  G_OBJECT_CLASS (tc_memory_token_store_parent_class)->finalize (object);
}

static void
tc_memory_token_store_class_init (TcMemoryTokenStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tc_memory_token_store_finalize;
}

static void
tc_memory_token_store_init (TcMemoryTokenStore *self)
{
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) entry_free);
}

/**
 * tc_memory_token_store_new:
 *
 * Returns: (transfer full): an empty store that forgets everything when
 *   it is finalized
 */
TcTokenStore *
tc_memory_token_store_new (void)
{
  return g_object_new (TC_TYPE_MEMORY_TOKEN_STORE, NULL);
}
