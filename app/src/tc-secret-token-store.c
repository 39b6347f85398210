/* tc-secret-token-store.c: session tokens in the desktop keyring (libsecret)
 *
 * One item per server, holding the token as the secret and the associate id
 * as an attribute. Every call is libsecret's own async API, so the keyring
 * never blocks the main loop. Without a secret service the calls fail and
 * TcAccount falls back to keeping the token for this session only.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "tc-secret-token-store.h"

struct _TcSecretTokenStore
{
  GObject parent_instance;
};

static void tc_secret_token_store_iface_init (TcTokenStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TcSecretTokenStore, tc_secret_token_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (TC_TYPE_TOKEN_STORE,
                                                      tc_secret_token_store_iface_init))

static const SecretSchema *
session_schema (void)
{
  static const SecretSchema schema = {
    APP_ID ".Session", SECRET_SCHEMA_NONE,
    {
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "associate", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };
  return &schema;
}

static void
stored_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!secret_password_store_finish (result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
cleared_before_store_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GHashTable *attributes = g_task_get_task_data (task);
  const char *token = g_object_get_data (G_OBJECT (task), "token");
  g_autofree char *label = NULL;
  GError *error = NULL;

  /* Nothing to clear is fine; a missing keyring shows up on store. */
  secret_password_clear_finish (result, &error);
  g_clear_error (&error);

  /* TRANSLATORS: the name of the keyring item; %s is a server address */
  label = g_strdup_printf (_("Team Chat session on %s"),
                           (const char *) g_hash_table_lookup (attributes, "server"));
  secret_password_storev (session_schema (), attributes, SECRET_COLLECTION_DEFAULT, label, token,
                          g_task_get_cancellable (task), stored_cb, g_object_ref (task));
}

static GHashTable *
server_attributes (const char *server_url)
{
  GHashTable *attributes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  g_hash_table_insert (attributes, (gpointer) "server", g_strdup (server_url));
  return attributes;
}

static void
tc_secret_token_store_save_async (TcTokenStore        *store,
                                  const char          *server_url,
                                  const char          *associate_id,
                                  const char          *token,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (store, cancellable, callback, user_data);
  g_autoptr(GHashTable) only_server = server_attributes (server_url);
  GHashTable *attributes = server_attributes (server_url);

  g_task_set_source_tag (task, tc_secret_token_store_save_async);
  g_hash_table_insert (attributes, (gpointer) "associate", g_strdup (associate_id));
  g_task_set_task_data (task, attributes, (GDestroyNotify) g_hash_table_unref);
  g_object_set_data_full (G_OBJECT (task), "token", g_strdup (token), g_free);

  /* One session per server: whoever logged in last replaces the others. */
  secret_password_clearv (session_schema (), only_server, cancellable, cleared_before_store_cb,
                          g_steal_pointer (&task));
}

static gboolean
tc_secret_token_store_save_finish (TcTokenStore  *store,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

typedef struct {
  char *token;
  char *associate_id;
} Found;

static void
found_free (Found *found)
{
  if (found->token != NULL)
    secret_password_free (found->token);
  g_free (found->associate_id);
  g_free (found);
}

static void
searched_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GList *items = secret_password_search_finish (result, &error);
  Found *found;

  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  found = g_new0 (Found, 1);
  if (items != NULL)
    {
      g_autoptr(GHashTable) attributes = secret_retrievable_get_attributes (items->data);

      found->associate_id = g_strdup (g_hash_table_lookup (attributes, "associate"));
    }
  g_list_free_full (items, g_object_unref);
  g_task_return_pointer (task, found, (GDestroyNotify) found_free);
}

static void
looked_up_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  char *token = secret_password_lookup_finish (result, &error);
  g_autoptr(GHashTable) attributes = NULL;
  GHashTable *query = g_task_get_task_data (task);

  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (token == NULL)
    {
      g_task_return_pointer (task, g_new0 (Found, 1), (GDestroyNotify) found_free);
      return;
    }
  g_object_set_data_full (G_OBJECT (task), "token", token, (GDestroyNotify) secret_password_free);
  /* The associate id is an attribute of the same item. */
  secret_password_searchv (session_schema (), query, SECRET_SEARCH_NONE,
                           g_task_get_cancellable (task), searched_cb, g_object_ref (task));
}

static void
tc_secret_token_store_lookup_async (TcTokenStore        *store,
                                    const char          *server_url,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (store, cancellable, callback, user_data);
  GHashTable *attributes = server_attributes (server_url);

  g_task_set_source_tag (task, tc_secret_token_store_lookup_async);
  g_task_set_task_data (task, attributes, (GDestroyNotify) g_hash_table_unref);
  secret_password_lookupv (session_schema (), attributes, cancellable, looked_up_cb,
                           g_steal_pointer (&task));
}

static char *
tc_secret_token_store_lookup_finish (TcTokenStore  *store,
                                     GAsyncResult  *result,
                                     char         **out_associate_id,
                                     GError       **error)
{
  Found *found = g_task_propagate_pointer (G_TASK (result), error);
  const char *token = g_object_get_data (G_OBJECT (result), "token");
  char *copy = NULL;

  if (found == NULL)
    return NULL;
  if (token != NULL && found->associate_id != NULL)
    {
      copy = g_strdup (token);
      if (out_associate_id != NULL)
        *out_associate_id = g_steal_pointer (&found->associate_id);
    }
  found_free (found);
  return copy;
}

static void
cleared_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  secret_password_clear_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
tc_secret_token_store_clear_async (TcTokenStore        *store,
                                   const char          *server_url,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (store, cancellable, callback, user_data);
  g_autoptr(GHashTable) attributes = server_attributes (server_url);

  g_task_set_source_tag (task, tc_secret_token_store_clear_async);
  secret_password_clearv (session_schema (), attributes, cancellable, cleared_cb,
                          g_steal_pointer (&task));
}

static gboolean
tc_secret_token_store_clear_finish (TcTokenStore  *store,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
tc_secret_token_store_is_persistent (TcTokenStore *store)
{
  return TRUE;
}

static void
tc_secret_token_store_iface_init (TcTokenStoreInterface *iface)
{
  iface->save_async = tc_secret_token_store_save_async;
  iface->save_finish = tc_secret_token_store_save_finish;
  iface->lookup_async = tc_secret_token_store_lookup_async;
  iface->lookup_finish = tc_secret_token_store_lookup_finish;
  iface->clear_async = tc_secret_token_store_clear_async;
  iface->clear_finish = tc_secret_token_store_clear_finish;
  iface->is_persistent = tc_secret_token_store_is_persistent;
}

static void
tc_secret_token_store_class_init (TcSecretTokenStoreClass *klass)
{
}

static void
tc_secret_token_store_init (TcSecretTokenStore *self)
{
}

TcTokenStore *
tc_secret_token_store_new (void)
{
  return g_object_new (TC_TYPE_SECRET_TOKEN_STORE, NULL);
}

