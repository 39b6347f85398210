/* tc-media-browser.c: where a person is in the Documents and Media library
 *
 * Each place (the categories, a folder, a search) is asked of the replica
 * and of the server at the same time. The replica's answer, if it has one,
 * is shown at once; the server's replaces it and is stored in the replica
 * for next time. When the server cannot be reached the replica's answer
 * stays, marked offline; without one, the place fails with a sentence a
 * person can act on. A generation number drops the answers of places left
 * meanwhile.
 */
#define G_LOG_DOMAIN "TeamChatMedia"

#include "config.h"

#include <glib/gi18n.h>

#include "tc-error.h"
#include "tc-media-browser.h"
#include "tc-replica-media.h"

struct _TcMediaBrowser
{
  GObject              parent_instance;

  TcApiClient         *client;       /* nullable */
  TcReplica           *replica;      /* nullable */

  GListStore          *categories;   /* of TcMediaEntry */
  GListStore          *path;
  GListStore          *items;

  TcMediaBrowserState  state;
  char                *error;
  gboolean             offline;
  char                *folder_id;
  char                *query;

  guint                generation;            /* of the place shown */
  guint                categories_generation;
  GCancellable        *cancellable;           /* the place shown */
  GCancellable        *categories_cancellable;
};

G_DEFINE_FINAL_TYPE (TcMediaBrowser, tc_media_browser, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (TcMediaBrowserState, tc_media_browser_state,
                    G_DEFINE_ENUM_VALUE (TC_MEDIA_BROWSER_IDLE, "idle"),
                    G_DEFINE_ENUM_VALUE (TC_MEDIA_BROWSER_LOADING, "loading"),
                    G_DEFINE_ENUM_VALUE (TC_MEDIA_BROWSER_READY, "ready"),
                    G_DEFINE_ENUM_VALUE (TC_MEDIA_BROWSER_FAILED, "failed"))

enum {
  PROP_0,
  PROP_STATE,
  PROP_ERROR,
  PROP_OFFLINE,
  PROP_FOLDER_ID,
  PROP_QUERY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* --- what is shown -------------------------------------------------------------------- */

static void
set_state (TcMediaBrowser      *self,
           TcMediaBrowserState  state,
           const char          *error)
{
  if (g_strcmp0 (self->error, error) != 0)
    {
      g_free (self->error);
      self->error = g_strdup (error);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
    }
  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
}

static void
set_offline (TcMediaBrowser *self,
             gboolean        offline)
{
  offline = !!offline;
  if (self->offline == offline)
    return;
  self->offline = offline;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OFFLINE]);
}

static gboolean
entry_equal (TcMediaEntry *a,
             TcMediaEntry *b)
{
  const TcMediaFolder *x = tc_media_entry_get_folder (a);
  const TcMediaFolder *y = tc_media_entry_get_folder (b);

  if (x != NULL || y != NULL)
    return x != NULL && y != NULL && g_strcmp0 (x->id, y->id) == 0 &&
           g_strcmp0 (x->title, y->title) == 0 && x->resource_count == y->resource_count;
  return tc_resource_equal (tc_media_entry_get_resource (a), tc_media_entry_get_resource (b));
}

/* Replaces what @store holds with @entries, unless it holds the same:
 * the server confirming the replica keeps a person's selection. */
static void
replace_entries (GListStore *store,
                 GPtrArray  *entries)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (store));
  gboolean same = n == entries->len;

  for (guint i = 0; same && i < n; i++)
    {
      g_autoptr(TcMediaEntry) old = g_list_model_get_item (G_LIST_MODEL (store), i);

      same = entry_equal (old, g_ptr_array_index (entries, i));
    }
  if (!same)
    g_list_store_splice (store, 0, n, entries->pdata, entries->len);
}

static void
clear_store (GListStore *store)
{
  g_list_store_remove_all (store);
}

static void
show_listing (TcMediaBrowser       *self,
              const TcMediaListing *listing)
{
  g_autoptr(GPtrArray) path = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < listing->path->len; i++)
    g_ptr_array_add (path, tc_media_entry_new_folder (g_ptr_array_index (listing->path, i)));
  /* A server that sends no path: at least the folder itself. */
  if (path->len == 0 && listing->folder != NULL)
    g_ptr_array_add (path, tc_media_entry_new_folder (listing->folder));
  for (guint i = 0; listing->folder != NULL && i < listing->folder->folders->len; i++)
    g_ptr_array_add (items, tc_media_entry_new_folder (g_ptr_array_index (listing->folder->folders,
                                                                          i)));
  for (guint i = 0; i < listing->resources->len; i++)
    g_ptr_array_add (items, tc_media_entry_new_resource (g_ptr_array_index (listing->resources,
                                                                            i)));
  replace_entries (self->path, path);
  replace_entries (self->items, items);
  set_state (self, TC_MEDIA_BROWSER_READY, NULL);
}

static void
show_resources (TcMediaBrowser *self,
                GPtrArray      *resources)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < resources->len; i++)
    g_ptr_array_add (items, tc_media_entry_new_resource (g_ptr_array_index (resources, i)));
  clear_store (self->path);
  replace_entries (self->items, items);
  set_state (self, TC_MEDIA_BROWSER_READY, NULL);
}

static void
show_categories (TcMediaBrowser *self,
                 GPtrArray      *categories)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < categories->len; i++)
    g_ptr_array_add (entries, tc_media_entry_new_folder (g_ptr_array_index (categories, i)));
  replace_entries (self->categories, entries);

  /* Opening the library shows its first category. */
  if (self->folder_id == NULL && self->query == NULL && categories->len > 0)
    tc_media_browser_open_folder (self,
                                  ((TcMediaFolder *) g_ptr_array_index (categories, 0))->id);
  else if (self->folder_id == NULL && self->query == NULL)
    set_state (self, TC_MEDIA_BROWSER_READY, NULL);   /* an empty library */
}

/* The breadcrumbs of @folder_id as far as what is shown tells them: a
 * folder of the path, a subfolder shown, or a category; else none. So a
 * folder loading, or that cannot be had, still says where it is. */
static GPtrArray *
known_path (TcMediaBrowser *self,
            const char     *folder_id)
{
  GListModel *path = G_LIST_MODEL (self->path);
  GListModel *items = G_LIST_MODEL (self->items);
  GListModel *categories = G_LIST_MODEL (self->categories);
  GPtrArray *known = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < g_list_model_get_n_items (path); i++)
    {
      TcMediaEntry *entry = g_list_model_get_item (path, i);

      g_ptr_array_add (known, entry);
      if (g_strcmp0 (tc_media_entry_get_id (entry), folder_id) == 0)
        return known;
    }
  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(TcMediaEntry) entry = g_list_model_get_item (items, i);

      if (tc_media_entry_is_folder (entry) &&
          g_strcmp0 (tc_media_entry_get_id (entry), folder_id) == 0)
        {
          g_ptr_array_add (known, g_steal_pointer (&entry));
          return known;
        }
    }
  g_ptr_array_set_size (known, 0);
  for (guint i = 0; i < g_list_model_get_n_items (categories); i++)
    {
      g_autoptr(TcMediaEntry) entry = g_list_model_get_item (categories, i);

      if (g_strcmp0 (tc_media_entry_get_id (entry), folder_id) == 0)
        {
          g_ptr_array_add (known, g_steal_pointer (&entry));
          break;
        }
    }
  return known;
}

/* --- requests --------------------------------------------------------------------------- */

typedef enum {
  PLACE_CATEGORIES,
  PLACE_FOLDER,
  PLACE_SEARCH,
} Place;

/* One place asked of both sources; each callback holds a reference. */
typedef struct {
  gatomicrefcount  ref_count;
  GWeakRef         self;
  Place            place;
  guint            generation;
  gboolean         stored_done;     /* the replica answered */
  gboolean         stored_shown;    /* … with something, shown */
  gboolean         server_done;
  gboolean         server_ok;
  GError          *server_error;
} Request;

static Request *
request_new (TcMediaBrowser *self,
             Place           place,
             guint           generation)
{
  Request *request = g_new0 (Request, 1);

  g_atomic_ref_count_init (&request->ref_count);
  g_weak_ref_init (&request->self, self);
  request->place = place;
  request->generation = generation;
  return request;
}

static Request *
request_ref (Request *request)
{
  g_atomic_ref_count_inc (&request->ref_count);
  return request;
}

static void
request_unref (Request *request)
{
  if (!g_atomic_ref_count_dec (&request->ref_count))
    return;
  g_weak_ref_clear (&request->self);
  g_clear_error (&request->server_error);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, request_unref)

/* The browser, if it is still there and still shows the request's place. */
static TcMediaBrowser *
request_get_browser (Request *request)
{
  TcMediaBrowser *self = g_weak_ref_get (&request->self);

  if (self == NULL)
    return NULL;
  if (request->generation != (request->place == PLACE_CATEGORIES
                                ? self->categories_generation
                                : self->generation))
    {
      g_object_unref (self);
      return NULL;
    }
  return self;
}

static gboolean
is_unreachable (const GError *error)
{
  return error == NULL ||   /* no client at all */
         g_error_matches (error, TC_ERROR, TC_ERROR_UNAVAILABLE) ||
         error->domain == G_TLS_ERROR || error->domain == G_IO_ERROR ||
         error->domain == G_RESOLVER_ERROR;
}

/* Why @place cannot be shown, in words for people. */
static char *
describe_failure (Place         place,
                  const GError *error)
{
  if (g_error_matches (error, TC_ERROR, TC_ERROR_NOT_FOUND) && place == PLACE_FOLDER)
    return g_strdup (_("This folder is not in the library any more."));
  if (g_error_matches (error, TC_ERROR, TC_ERROR_UNAUTHORIZED))
    return g_strdup (_("Your session has ended. Log in again to see the library."));
  if (is_unreachable (error))
    switch (place)
      {
      case PLACE_FOLDER:
        return g_strdup (_("The server cannot be reached, and this folder was never opened on this computer. Check your connection, then try again."));
      case PLACE_SEARCH:
        return g_strdup (_("The server cannot be reached, so the library cannot be searched. Check your connection, then try again."));
      case PLACE_CATEGORIES:
      default:
        return g_strdup (_("The server cannot be reached, and the library was never opened on this computer. Check your connection, then try again."));
      }
  /* TRANSLATORS: %s is a technical error message */
  return g_strdup_printf (_("The library could not be loaded: %s"), error->message);
}

/* Once both sources answered and the server failed: the stored answer
 * stays (offline), or the place fails. */
static void
request_settle (TcMediaBrowser *self,
                Request        *request)
{
  g_autofree char *sentence = NULL;

  if (!request->server_done || !request->stored_done || request->server_ok)
    return;
  if (request->stored_shown)
    {
      set_offline (self, TRUE);
      return;
    }
  if (request->place == PLACE_CATEGORIES)
    {
      /* Without categories a folder already open is still worth showing. */
      if (self->folder_id != NULL || self->query != NULL)
        return;
    }
  sentence = describe_failure (request->place, request->server_error);
  if (request->place != PLACE_CATEGORIES)
    {
      clear_store (self->items);
      if (request->place == PLACE_SEARCH)
        clear_store (self->path);
    }
  set_state (self, TC_MEDIA_BROWSER_FAILED, sentence);
}

static void
server_failed (TcMediaBrowser *self,
               Request        *request,
               GError         *error)
{
  request->server_done = TRUE;
  request->server_error = error;
  g_debug ("The library could not be had from the server: %s",
           error != NULL ? error->message : "no connection");
  /* A folder the server says is gone is not shown from the replica. */
  if (request->place == PLACE_FOLDER && g_error_matches (error, TC_ERROR, TC_ERROR_NOT_FOUND))
    request->stored_shown = FALSE;
  request_settle (self, request);
}

static void
stored_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) array = NULL;
  g_autoptr(TcMediaListing) listing = NULL;
  g_autoptr(TcMediaBrowser) self = NULL;

  switch (request->place)
    {
    case PLACE_CATEGORIES:
      array = tc_replica_load_media_categories_finish (TC_REPLICA (source), result, &error);
      break;
    case PLACE_FOLDER:
      listing = tc_replica_load_media_listing_finish (TC_REPLICA (source), result, &error);
      break;
    case PLACE_SEARCH:
    default:
      array = tc_replica_search_media_finish (TC_REPLICA (source), result, &error);
      break;
    }
  self = request_get_browser (request);
  if (self == NULL)
    return;
  if (error != NULL && !g_error_matches (error, TC_ERROR, TC_ERROR_NOT_FOUND))
    g_warning ("Could not read the stored library: %s", error->message);

  request->stored_done = TRUE;
  /* The server's answer is newer: once it is shown, this one is not. */
  if (!request->server_ok && error == NULL)
    {
      gboolean gone = request->place == PLACE_FOLDER && request->server_done &&
                      g_error_matches (request->server_error, TC_ERROR, TC_ERROR_NOT_FOUND);

      if (!gone)
        {
          request->stored_shown = TRUE;
          if (request->place == PLACE_CATEGORIES)
            show_categories (self, array);
          else if (request->place == PLACE_FOLDER)
            show_listing (self, listing);
          else
            show_resources (self, array);
        }
    }
  request_settle (self, request);
}

static void
kept_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (g_async_result_is_tagged (result, tc_replica_store_media_categories_async))
    ok = tc_replica_store_media_categories_finish (TC_REPLICA (source), result, &error);
  else
    ok = tc_replica_store_media_listing_finish (TC_REPLICA (source), result, &error);
  if (!ok)
    g_warning ("Could not keep the library for offline use: %s", error->message);
}

static void
server_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  TcApiClient *client = TC_API_CLIENT (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) array = NULL;
  g_autoptr(TcMediaListing) listing = NULL;
  g_autoptr(TcMediaBrowser) self = NULL;

  switch (request->place)
    {
    case PLACE_CATEGORIES:
      array = tc_api_client_media_categories_finish (client, result, &error);
      break;
    case PLACE_FOLDER:
      listing = tc_api_client_media_folder_finish (client, result, &error);
      break;
    case PLACE_SEARCH:
    default:
      array = tc_api_client_media_search_finish (client, result, &error);
      break;
    }
  self = request_get_browser (request);

  /* Kept for offline use even if the person moved on meanwhile; not
   * cancellable: it takes a moment and the next visit wants it. */
  if (self != NULL && self->replica != NULL)
    {
      if (request->place == PLACE_CATEGORIES && array != NULL)
        tc_replica_store_media_categories_async (self->replica, array, NULL, kept_cb,
                                                 NULL);
      else if (request->place == PLACE_FOLDER && listing != NULL)
        tc_replica_store_media_listing_async (self->replica, listing, NULL, kept_cb,
                                              NULL);
    }
  if (self == NULL)
    return;

  if (error != NULL)
    {
      server_failed (self, request, g_steal_pointer (&error));
      return;
    }
  request->server_done = TRUE;
  request->server_ok = TRUE;
  set_offline (self, FALSE);
  if (request->place == PLACE_CATEGORIES)
    show_categories (self, array);
  else if (request->place == PLACE_FOLDER)
    show_listing (self, listing);
  else
    show_resources (self, array);
}

/* Starts a new place: cancels what the old one asked. */
static Request *
begin_place (TcMediaBrowser *self,
             Place           place)
{
  if (place == PLACE_CATEGORIES)
    {
      g_cancellable_cancel (self->categories_cancellable);
      g_clear_object (&self->categories_cancellable);
      self->categories_cancellable = g_cancellable_new ();
      return request_new (self, place, ++self->categories_generation);
    }
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  set_offline (self, FALSE);
  set_state (self, TC_MEDIA_BROWSER_LOADING, NULL);
  return request_new (self, place, ++self->generation);
}

/* Asks both sources; takes @request. */
static void
ask (TcMediaBrowser *self,
     Request        *request,
     const char     *argument)
{
  GCancellable *cancellable = request->place == PLACE_CATEGORIES ? self->categories_cancellable
                                                                 : self->cancellable;

  if (self->replica != NULL)
    switch (request->place)
      {
      case PLACE_CATEGORIES:
        tc_replica_load_media_categories_async (self->replica, cancellable, stored_cb,
                                                request_ref (request));
        break;
      case PLACE_FOLDER:
        tc_replica_load_media_listing_async (self->replica, argument, cancellable, stored_cb,
                                             request_ref (request));
        break;
      case PLACE_SEARCH:
      default:
        tc_replica_search_media_async (self->replica, argument, cancellable, stored_cb,
                                       request_ref (request));
        break;
      }
  else
    request->stored_done = TRUE;

  if (self->client != NULL)
    switch (request->place)
      {
      case PLACE_CATEGORIES:
        tc_api_client_media_categories_async (self->client, cancellable, server_cb,
                                              request_ref (request));
        break;
      case PLACE_FOLDER:
        tc_api_client_media_folder_async (self->client, argument, cancellable, server_cb,
                                          request_ref (request));
        break;
      case PLACE_SEARCH:
      default:
        tc_api_client_media_search_async (self->client, argument, cancellable, server_cb,
                                          request_ref (request));
        break;
      }
  else
    server_failed (self, request, NULL);
  request_unref (request);
}

/* --- public ----------------------------------------------------------------------------- */

/**
 * tc_media_browser_new:
 * @client: (nullable): a logged-in client of the server
 * @replica: (nullable): the account's replica, where the library is kept
 *
 * Returns: (transfer full): a browser showing nothing yet; call
 *   tc_media_browser_load_categories() to start
 */
TcMediaBrowser *
tc_media_browser_new (TcApiClient *client,
                      TcReplica   *replica)
{
  TcMediaBrowser *self;

  g_return_val_if_fail (client == NULL || TC_IS_API_CLIENT (client), NULL);
  g_return_val_if_fail (replica == NULL || TC_IS_REPLICA (replica), NULL);

  self = g_object_new (TC_TYPE_MEDIA_BROWSER, NULL);
  self->client = client != NULL ? g_object_ref (client) : NULL;
  self->replica = replica != NULL ? g_object_ref (replica) : NULL;
  return self;
}

GListModel *
tc_media_browser_get_categories (TcMediaBrowser *self)
{
  g_return_val_if_fail (TC_IS_MEDIA_BROWSER (self), NULL);
  return G_LIST_MODEL (self->categories);
}

GListModel *
tc_media_browser_get_path (TcMediaBrowser *self)
{
  g_return_val_if_fail (TC_IS_MEDIA_BROWSER (self), NULL);
  return G_LIST_MODEL (self->path);
}

GListModel *
tc_media_browser_get_items (TcMediaBrowser *self)
{
  g_return_val_if_fail (TC_IS_MEDIA_BROWSER (self), NULL);
  return G_LIST_MODEL (self->items);
}

TcMediaBrowserState
tc_media_browser_get_state (TcMediaBrowser *self)
{
  g_return_val_if_fail (TC_IS_MEDIA_BROWSER (self), TC_MEDIA_BROWSER_IDLE);
  return self->state;
}

const char *
tc_media_browser_get_error (TcMediaBrowser *self)
{
  g_return_val_if_fail (TC_IS_MEDIA_BROWSER (self), NULL);
  return self->error;
}

gboolean
tc_media_browser_get_offline (TcMediaBrowser *self)
{
  g_return_val_if_fail (TC_IS_MEDIA_BROWSER (self), FALSE);
  return self->offline;
}

const char *
tc_media_browser_get_folder_id (TcMediaBrowser *self)
{
  g_return_val_if_fail (TC_IS_MEDIA_BROWSER (self), NULL);
  return self->query == NULL ? self->folder_id : NULL;
}

const char *
tc_media_browser_get_query (TcMediaBrowser *self)
{
  g_return_val_if_fail (TC_IS_MEDIA_BROWSER (self), NULL);
  return self->query;
}

const char *
tc_media_browser_get_category_id (TcMediaBrowser *self)
{
  g_autoptr(TcMediaEntry) first = NULL;

  g_return_val_if_fail (TC_IS_MEDIA_BROWSER (self), NULL);

  if (self->query != NULL || g_list_model_get_n_items (G_LIST_MODEL (self->path)) == 0)
    return NULL;
  first = g_list_model_get_item (G_LIST_MODEL (self->path), 0);
  /* The store keeps the entry alive. */
  return tc_media_entry_get_id (first);
}

/**
 * tc_media_browser_load_categories:
 * @self: a browser
 *
 * Asks the replica and the server for the categories. When they come and
 * no folder is open, the first category opens.
 */
void
tc_media_browser_load_categories (TcMediaBrowser *self)
{
  g_return_if_fail (TC_IS_MEDIA_BROWSER (self));

  if (self->folder_id == NULL && self->query == NULL)
    set_state (self, TC_MEDIA_BROWSER_LOADING, NULL);
  ask (self, begin_place (self, PLACE_CATEGORIES), NULL);
}

/**
 * tc_media_browser_open_folder:
 * @self: a browser
 * @folder_id: a category or folder
 *
 * Shows the folder: the replica's listing at once if it has one, then the
 * server's. Ends a search.
 */
void
tc_media_browser_open_folder (TcMediaBrowser *self,
                              const char     *folder_id)
{
  gboolean had_query;

  g_return_if_fail (TC_IS_MEDIA_BROWSER (self));
  g_return_if_fail (folder_id != NULL);

  had_query = self->query != NULL;
  g_clear_pointer (&self->query, g_free);
  if (g_strcmp0 (self->folder_id, folder_id) != 0)
    {
      g_autoptr(GPtrArray) path = known_path (self, folder_id);

      g_free (self->folder_id);
      self->folder_id = g_strdup (folder_id);
      /* Another folder: what was shown is not what is loading. */
      replace_entries (self->path, path);
      clear_store (self->items);
    }
  else if (had_query)
    clear_store (self->items);
  if (had_query)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUERY]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLDER_ID]);
  ask (self, begin_place (self, PLACE_FOLDER), folder_id);
}

/**
 * tc_media_browser_search:
 * @self: a browser
 * @text: (nullable): what the person typed
 *
 * Searches the library's titles and descriptions (at most
 * %TC_MEDIA_BROWSER_MAX_QUERY_CHARS characters of @text); offline, only
 * the resources kept in the replica. Blank goes back to the folder.
 */
void
tc_media_browser_search (TcMediaBrowser *self,
                         const char     *text)
{
  g_autofree char *valid = NULL;
  g_autofree char *query = NULL;

  g_return_if_fail (TC_IS_MEDIA_BROWSER (self));

  valid = g_utf8_make_valid (text != NULL ? text : "", -1);
  g_strstrip (valid);
  if (*valid == '\0')
    {
      if (self->query == NULL)
        return;
      if (self->folder_id != NULL)
        tc_media_browser_open_folder (self, self->folder_id);
      else
        {
          g_clear_pointer (&self->query, g_free);
          clear_store (self->items);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUERY]);
          tc_media_browser_load_categories (self);
        }
      return;
    }
  query = g_utf8_substring (valid, 0, MIN (g_utf8_strlen (valid, -1),
                                           TC_MEDIA_BROWSER_MAX_QUERY_CHARS));
  if (g_strcmp0 (query, self->query) == 0)
    return;
  g_free (self->query);
  self->query = g_steal_pointer (&query);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUERY]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLDER_ID]);
  ask (self, begin_place (self, PLACE_SEARCH), self->query);
}

/**
 * tc_media_browser_reload:
 * @self: a browser
 *
 * Asks again for the categories and for the place shown (after an error,
 * or when the connection came back).
 */
void
tc_media_browser_reload (TcMediaBrowser *self)
{
  g_return_if_fail (TC_IS_MEDIA_BROWSER (self));

  tc_media_browser_load_categories (self);
  if (self->query != NULL)
    ask (self, begin_place (self, PLACE_SEARCH), self->query);
  else if (self->folder_id != NULL)
    ask (self, begin_place (self, PLACE_FOLDER), self->folder_id);
}

/* --- GObject ---------------------------------------------------------------------------- */

static void
tc_media_browser_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  TcMediaBrowser *self = TC_MEDIA_BROWSER (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    case PROP_OFFLINE:
      g_value_set_boolean (value, self->offline);
      break;
    case PROP_FOLDER_ID:
      g_value_set_string (value, tc_media_browser_get_folder_id (self));
      break;
    case PROP_QUERY:
      g_value_set_string (value, self->query);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tc_media_browser_dispose (GObject *object)
{
  TcMediaBrowser *self = TC_MEDIA_BROWSER (object);

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->categories_cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->categories_cancellable);
  g_clear_object (&self->client);
  g_clear_object (&self->replica);

  G_OBJECT_CLASS (tc_media_browser_parent_class)->dispose (object);
}

static void
tc_media_browser_finalize (GObject *object)
{
  TcMediaBrowser *self = TC_MEDIA_BROWSER (object);

  g_clear_object (&self->categories);
  g_clear_object (&self->path);
  g_clear_object (&self->items);
  g_free (self->error);
  g_free (self->folder_id);
  g_free (self->query);

  G_OBJECT_CLASS (tc_media_browser_parent_class)->finalize (object);
}

static void
tc_media_browser_class_init (TcMediaBrowserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tc_media_browser_dispose;
  object_class->finalize = tc_media_browser_finalize;
  object_class->get_property = tc_media_browser_get_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, TC_TYPE_MEDIA_BROWSER_STATE, TC_MEDIA_BROWSER_IDLE,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_ERROR] =
    g_param_spec_string ("error", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_OFFLINE] =
    g_param_spec_boolean ("offline", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_FOLDER_ID] =
    g_param_spec_string ("folder-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_QUERY] =
    g_param_spec_string ("query", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tc_media_browser_init (TcMediaBrowser *self)
{
  self->categories = g_list_store_new (TC_TYPE_MEDIA_ENTRY);
  self->path = g_list_store_new (TC_TYPE_MEDIA_ENTRY);
  self->items = g_list_store_new (TC_TYPE_MEDIA_ENTRY);
}
