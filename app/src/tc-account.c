/* tc-account.c: the signed-in account — API client, replica, sync engine */
#include "config.h"

#include <glib/gi18n.h>

#include "tc-account.h"
#include "tc-error.h"

struct _TcAccount
{
  GObject       parent_instance;

  TcTokenStore *token_store;
  gboolean      session_only;
  char         *server_url;
  TcApiClient  *client;
  TcAssociate  *associate;
  TcReplica    *replica;
  TcSyncEngine *engine;
  TcMediaCache *media_cache;
  guint         start_source;  /* starts the engine once the main loop is idle */
};

G_DEFINE_FINAL_TYPE (TcAccount, tc_account, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_LOGGED_IN,
  PROP_SESSION_ONLY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

char *
tc_account_normalize_server (const char  *text,
                             GError     **error)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (text ? text : ""));
  g_autofree char *with_scheme = NULL;
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  if (*trimmed == '\0')
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID, _("Enter the address of your Team Chat server."));
      return NULL;
    }
  /* People type host names; the web taught them the scheme is optional. */
  with_scheme = strstr (trimmed, "://") ? g_strdup (trimmed) : g_strconcat ("https://", trimmed, NULL);
  uri = g_uri_parse (with_scheme, G_URI_FLAGS_NONE, NULL);
  scheme = uri ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0))
    {
      /* TRANSLATORS: %s is the server address the user typed */
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                   _("“%s” is not a server address. It looks like https://chat.example.com"), trimmed);
      return NULL;
    }
  while (g_str_has_suffix (with_scheme, "/"))
    with_scheme[strlen (with_scheme) - 1] = '\0';
  return g_steal_pointer (&with_scheme);
}

char *
tc_account_describe_error (const GError *error,
                           const char   *server_url)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain == G_TLS_ERROR)
    /* TRANSLATORS: %s is a server address */
    return g_strdup_printf (_("The connection to %s is not secure: the server’s certificate is not trusted. Ask your administrator."),
                            server_url ? server_url : _("the server"));
  if (error->domain == TC_ERROR)
    switch ((TcErrorCode) error->code)
      {
      case TC_ERROR_UNAUTHORIZED:
        return g_strdup (_("Wrong login or password."));
      case TC_ERROR_RATE_LIMITED:
        return g_strdup (_("Too many attempts. Wait a few minutes, then try again."));
      case TC_ERROR_UNAVAILABLE:
        /* TRANSLATORS: %s is a server address */
        return g_strdup_printf (_("Cannot reach the server at %s. Check the address and your network connection."),
                                server_url ? server_url : _("the server"));
      case TC_ERROR_INVALID:
      case TC_ERROR_FORBIDDEN:
      case TC_ERROR_NOT_FOUND:
      case TC_ERROR_METHOD:
      case TC_ERROR_TOO_LARGE:
      case TC_ERROR_INTERNAL:
      default:
        break;
      }
  /* TRANSLATORS: %s is a technical error message */
  return g_strdup_printf (_("Something went wrong: %s"), error->message);
}

/* --- login ---------------------------------------------------------------- */

typedef struct {
  char        *server_url;
  char        *token;
  TcApiClient *client;
  TcAssociate *associate;
} LoginData;

static void
login_data_free (LoginData *data)
{
  g_free (data->server_url);
  g_free (data->token);
  g_clear_object (&data->client);
  g_clear_pointer (&data->associate, tc_associate_free);
  g_free (data);
}

static void
set_session_only (TcAccount *self,
                  gboolean   session_only)
{
  if (self->session_only == session_only)
    return;
  self->session_only = session_only;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION_ONLY]);
}

static void
token_saved_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(TcAccount) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!tc_token_store_save_finish (TC_TOKEN_STORE (source), result, &error))
    {
      /* No keyring (or it refused): this session still works. */
      g_debug ("Could not keep the session token: %s", error->message);
      set_session_only (self, TRUE);
    }
}

static gboolean
start_engine_cb (gpointer user_data)
{
  TcAccount *self = user_data;

  self->start_source = 0;
  tc_sync_engine_start (self->engine);
  return G_SOURCE_REMOVE;
}

static void
cache_pruned_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  guint64 freed = 0;

  if (tc_media_cache_prune_finish (result, &freed, NULL) && freed > 0)
    g_debug ("Removed %" G_GUINT64_FORMAT " bytes of attachments unused for %d days",
             freed, TC_MEDIA_CACHE_KEEP_DAYS);
}

/* Takes over a logged-in client and its replica, and starts syncing. */
static void
start_session (TcAccount   *self,
               const char  *server_url,
               TcApiClient *client,
               TcAssociate *associate,
               TcReplica   *replica)
{
  g_free (self->server_url);
  self->server_url = g_strdup (server_url);
  g_set_object (&self->client, client);
  g_clear_pointer (&self->associate, tc_associate_free);
  self->associate = associate;
  g_set_object (&self->replica, replica);
  g_clear_object (&self->engine);
  self->engine = tc_sync_engine_new (self->client, self->replica);
  /* What the views ask of the replica to show the account comes first; the
   * network (and the replica writes a sync brings) once that is done. */
  g_clear_handle_id (&self->start_source, g_source_remove);
  self->start_source = g_idle_add_full (G_PRIORITY_LOW, start_engine_cb, self, NULL);
  g_clear_object (&self->media_cache);
  {
    g_autofree char *dir = tc_media_cache_default_dir ();

    self->media_cache = tc_media_cache_new (self->client, dir);
    /* Downloads nobody opened for a month go; they can be fetched again. */
    tc_media_cache_prune_async (dir, g_get_real_time () / G_USEC_PER_SEC -
                                (gint64) TC_MEDIA_CACHE_KEEP_DAYS * 24 * 3600,
                                NULL, cache_pruned_cb, NULL);
  }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOGGED_IN]);
}

static void
replica_opened_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TcAccount *self = g_task_get_source_object (task);
  LoginData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(TcReplica) replica = tc_replica_new_finish (result, &error);

  if (replica == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (data->token != NULL)
    {
      /* A fresh login: keep the token for the next start. */
      set_session_only (self, !tc_token_store_is_persistent (self->token_store));
      tc_token_store_save_async (self->token_store, data->server_url, data->associate->id,
                                 data->token, NULL, token_saved_cb, g_object_ref (self));
    }
  start_session (self, data->server_url, data->client, g_steal_pointer (&data->associate),
                 replica);
  g_task_return_boolean (task, TRUE);
}

static void
login_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LoginData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  data->associate = tc_api_client_login_finish (data->client, result, &data->token, &error);
  if (data->associate == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* One replica per server and associate: switching accounts never mixes
   * their histories. */
  path = tc_replica_default_path (data->server_url, data->associate->id);
  tc_replica_new_async (path, data->associate->id, g_task_get_cancellable (task),
                        replica_opened_cb, g_object_ref (task));
}

void
tc_account_login_async (TcAccount           *self,
                        const char          *server_url,
                        const char          *login,
                        const char          *password,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  LoginData *data;
  g_autofree char *device = NULL;
  g_autofree char *normalized = NULL;

  g_return_if_fail (TC_IS_ACCOUNT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tc_account_login_async);

  normalized = tc_account_normalize_server (server_url, &error);
  if (normalized == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (login == NULL || *login == '\0' || password == NULL || *password == '\0')
    {
      g_task_return_new_error (task, TC_ERROR, TC_ERROR_INVALID, "%s",
                               _("Enter your login and your password."));
      return;
    }

  data = g_new0 (LoginData, 1);
  data->server_url = g_steal_pointer (&normalized);
  data->client = tc_api_client_new (data->server_url);
  g_task_set_task_data (task, data, (GDestroyNotify) login_data_free);

  /* TRANSLATORS: the name this computer shows in the list of sessions */
  device = g_strdup_printf (_("Team Chat on %s"), g_get_host_name ());
  tc_api_client_login_async (data->client, login, password, device, cancellable, login_cb,
                             g_steal_pointer (&task));
}

gboolean
tc_account_login_finish (TcAccount     *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- resume ----------------------------------------------------------------- */

static void
token_found_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LoginData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *associate_id = NULL;
  g_autofree char *token = NULL;
  g_autofree char *path = NULL;
  GCancellable *cancellable;

  token = tc_token_store_lookup_finish (TC_TOKEN_STORE (source), result, &associate_id, &error);
  if (token == NULL)
    {
      /* Nothing kept, or no keyring to ask: the login page it is. */
      if (error != NULL)
        g_debug ("No kept session: %s", error->message);
      g_task_return_boolean (task, FALSE);
      return;
    }

  data->client = tc_api_client_new (data->server_url);
  tc_api_client_set_token (data->client, token);
  data->associate = tc_associate_new ();
  data->associate->id = g_strdup (associate_id);
  path = tc_replica_default_path (data->server_url, associate_id);
  cancellable = g_task_get_cancellable (task);
  tc_replica_new_async (path, associate_id, cancellable, replica_opened_cb, g_steal_pointer (&task));
}

void
tc_account_resume_async (TcAccount           *self,
                         const char          *server_url,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *normalized = NULL;
  LoginData *data;

  g_return_if_fail (TC_IS_ACCOUNT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tc_account_resume_async);
  normalized = tc_account_normalize_server (server_url, NULL);
  if (normalized == NULL)
    {
      g_task_return_boolean (task, FALSE);
      return;
    }
  data = g_new0 (LoginData, 1);
  data->server_url = g_steal_pointer (&normalized);
  g_task_set_task_data (task, data, (GDestroyNotify) login_data_free);
  tc_token_store_lookup_async (self->token_store, data->server_url, cancellable, token_found_cb,
                               g_steal_pointer (&task));
}

gboolean
tc_account_resume_finish (TcAccount     *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- logout ----------------------------------------------------------------- */

typedef struct {
  gboolean  keep_history;
  char     *replica_path;   /* nullable: what to remove once logged out */
} LogoutData;

static void
logout_data_free (LogoutData *data)
{
  g_free (data->replica_path);
  g_free (data);
}

static void
files_removed_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!tc_replica_remove_files_finish (result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/* Not keeping the history: the downloaded attachments go too, then the
 * replica. */
static void
cache_cleared_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LogoutData *data = g_task_get_task_data (task);
  GCancellable *cancellable;
  g_autoptr(GError) error = NULL;

  if (!tc_media_cache_prune_finish (result, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (data->replica_path == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  cancellable = g_task_get_cancellable (task);
  tc_replica_remove_files_async (data->replica_path, cancellable, files_removed_cb,
                                 g_steal_pointer (&task));
}

static void
logout_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TcAccount *self = g_task_get_source_object (task);
  LogoutData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  /* Offline, the token cannot be revoked now; logging out still must work. */
  if (!tc_api_client_logout_finish (TC_API_CLIENT (source), result, &error))
    g_debug ("Could not revoke the session token: %s", error->message);

  if (self->replica != NULL)
    data->replica_path = g_strdup (tc_replica_get_path (self->replica));
  g_clear_object (&self->engine);
  g_clear_object (&self->media_cache);
  g_clear_object (&self->replica);
  g_clear_object (&self->client);
  g_clear_pointer (&self->associate, tc_associate_free);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOGGED_IN]);

  if (self->server_url != NULL)
    tc_token_store_clear_async (self->token_store, self->server_url, NULL, NULL, NULL);
  g_clear_pointer (&self->server_url, g_free);

  if (!data->keep_history)
    {
      g_autofree char *dir = tc_media_cache_default_dir ();
      GCancellable *cancellable = g_task_get_cancellable (task);

      tc_media_cache_prune_async (dir, G_MAXINT64, cancellable, cache_cleared_cb,
                                  g_steal_pointer (&task));
    }
  else
    g_task_return_boolean (task, TRUE);
}

void
tc_account_logout_async (TcAccount           *self,
                         gboolean             keep_history,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  LogoutData *data;

  g_return_if_fail (TC_IS_ACCOUNT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tc_account_logout_async);
  data = g_new0 (LogoutData, 1);
  data->keep_history = keep_history;
  g_task_set_task_data (task, data, (GDestroyNotify) logout_data_free);

  if (self->client == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  g_clear_handle_id (&self->start_source, g_source_remove);
  if (self->engine != NULL)
    tc_sync_engine_stop (self->engine);
  tc_api_client_logout_async (self->client, cancellable, logout_cb, g_steal_pointer (&task));
}

gboolean
tc_account_logout_finish (TcAccount     *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- accessors ---------------------------------------------------------------- */

gboolean
tc_account_is_session_only (TcAccount *self)
{
  g_return_val_if_fail (TC_IS_ACCOUNT (self), FALSE);
  return self->session_only;
}

gboolean
tc_account_is_logged_in (TcAccount *self)
{
  g_return_val_if_fail (TC_IS_ACCOUNT (self), FALSE);
  return self->engine != NULL;
}

const TcAssociate *
tc_account_get_associate (TcAccount *self)
{
  g_return_val_if_fail (TC_IS_ACCOUNT (self), NULL);
  return self->associate;
}

/* The logged-in API client, or NULL: for the few calls that are not sync
 * (a dashboard, preferences). */
TcApiClient *
tc_account_get_api_client (TcAccount *self)
{
  g_return_val_if_fail (TC_IS_ACCOUNT (self), NULL);

  return self->engine != NULL ? self->client : NULL;
}

TcReplica *
tc_account_get_replica (TcAccount *self)
{
  g_return_val_if_fail (TC_IS_ACCOUNT (self), NULL);
  return self->replica;
}

/* Where attachments are downloaded (NULL when logged out). */
TcMediaCache *
tc_account_get_media_cache (TcAccount *self)
{
  g_return_val_if_fail (TC_IS_ACCOUNT (self), NULL);
  return self->media_cache;
}

TcSyncEngine *
tc_account_get_sync_engine (TcAccount *self)
{
  g_return_val_if_fail (TC_IS_ACCOUNT (self), NULL);
  return self->engine;
}

static void
tc_account_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  TcAccount *self = TC_ACCOUNT (object);

  switch (prop_id)
    {
    case PROP_LOGGED_IN:
      g_value_set_boolean (value, tc_account_is_logged_in (self));
      break;
    case PROP_SESSION_ONLY:
      g_value_set_boolean (value, self->session_only);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tc_account_dispose (GObject *object)
{
  TcAccount *self = TC_ACCOUNT (object);

  g_clear_handle_id (&self->start_source, g_source_remove);
  if (self->engine != NULL)
    tc_sync_engine_stop (self->engine);
  g_clear_object (&self->engine);
  g_clear_object (&self->media_cache);
  g_clear_object (&self->replica);
  g_clear_object (&self->client);
  g_clear_pointer (&self->associate, tc_associate_free);
  g_clear_pointer (&self->server_url, g_free);
  g_clear_object (&self->token_store);

  G_OBJECT_CLASS (tc_account_parent_class)->dispose (object);
}

static void
tc_account_class_init (TcAccountClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tc_account_dispose;
  object_class->get_property = tc_account_get_property;

  properties[PROP_LOGGED_IN] =
    g_param_spec_boolean ("logged-in", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SESSION_ONLY] =
    g_param_spec_boolean ("session-only", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tc_account_init (TcAccount *self)
{
}

TcAccount *
tc_account_new (TcTokenStore *token_store)
{
  TcAccount *self;

  g_return_val_if_fail (TC_IS_TOKEN_STORE (token_store), NULL);

  self = g_object_new (TC_TYPE_ACCOUNT, NULL);
  self->token_store = g_object_ref (token_store);
  return self;
}
