/* tc-replica-media.c: the Documents and Media library as last seen
 *
 * Tables media_folders and media_resources (schema step 7 in
 * tc-replica.c). Every store runs in one transaction on the replica's
 * worker and takes a new stamp (one more than any stored): the rows it
 * writes get it, and the rows of the same scope that it did not write (a
 * folder gone from the tree, a resource gone from a folder) are deleted by
 * comparing stamps, without listing ids in SQL.
 *
 * A category tree marks itself stored in meta ("media_categories"), a
 * listing in its folder's listed_at, so a load can tell "empty" from
 * "never seen" (TC_ERROR_NOT_FOUND).
 */
#define G_LOG_DOMAIN "TeamChatReplica"

#include "config.h"

#include <string.h>

#include "tc-error.h"
#include "tc-replica-media.h"
#include "tc-replica-private.h"
#include "tc-sqlite.h"
#include "tc-time.h"

#define CATEGORIES_KEY "media_categories"

#define RESOURCE_COLUMNS \
  "id, folder_id, title, mime_type, size, description, sha256, updated_at"

/* --- rows ------------------------------------------------------------------------------- */

static gint64
next_stamp (Db      *db,
            GError **error)
{
  g_auto(CachedStmt) stmt = db_prepare (db,
                                        "SELECT MAX (COALESCE ((SELECT MAX (stamp) FROM media_folders), 0),"
                                        "            COALESCE ((SELECT MAX (stamp) FROM media_resources), 0))",
                                        error);

  if (stmt == NULL)
    return -1;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      tc_sqlite_set_error (db->db, "cannot read the stored library", error);
      return -1;
    }
  return sqlite3_column_int64 (stmt, 0) + 1;
}

/* Inserts or updates a folder; @position < 0 keeps the one stored (a
 * path entry does not say where it sits among its siblings). */
static gboolean
upsert_folder (Db                  *db,
               const TcMediaFolder *folder,
               const char          *parent_id,
               gint64               position,
               gint64               stamp,
               gboolean             listed,
               GError             **error)
{
  g_auto(CachedStmt) stmt = NULL;

  if (folder->id == NULL || folder->title == NULL)
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID, "a folder without id or title");
      return FALSE;
    }
  stmt = db_prepare (db,
                     "INSERT INTO media_folders (id, parent_id, title, resource_count, position, "
                     "  stamp, listed_at) "
                     "VALUES (?1, ?2, ?3, ?4, MAX (?5, 0), ?6, ?7) "
                     "ON CONFLICT (id) DO UPDATE SET parent_id = excluded.parent_id, "
                     "  title = excluded.title, resource_count = excluded.resource_count, "
                     "  position = CASE WHEN ?5 < 0 THEN position ELSE excluded.position END, "
                     "  stamp = excluded.stamp, "
                     "  listed_at = COALESCE (excluded.listed_at, listed_at)",
                     error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, folder->id);
  bind_text (stmt, 2, parent_id);
  bind_text (stmt, 3, folder->title);
  sqlite3_bind_int64 (stmt, 4, folder->resource_count);
  sqlite3_bind_int64 (stmt, 5, position);
  sqlite3_bind_int64 (stmt, 6, stamp);
  if (listed)
    sqlite3_bind_int64 (stmt, 7, tc_time_now ());
  else
    sqlite3_bind_null (stmt, 7);
  return step_done (db, stmt, "cannot store a library folder", error);
}

static gboolean
upsert_tree (Db                  *db,
             const TcMediaFolder *folder,
             const char          *parent_id,
             gint64               position,
             gint64               stamp,
             guint                depth,
             GError             **error)
{
  if (depth > TC_MEDIA_MAX_DEPTH)
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID, "the library's folders nest too deep");
      return FALSE;
    }
  if (!upsert_folder (db, folder, parent_id, position, stamp, FALSE, error))
    return FALSE;
  for (guint i = 0; i < folder->folders->len; i++)
    if (!upsert_tree (db, g_ptr_array_index (folder->folders, i), folder->id, i, stamp, depth + 1,
                      error))
      return FALSE;
  return TRUE;
}

static gboolean
upsert_resource (Db               *db,
                 const TcResource *resource,
                 const char       *folder_id,
                 gint64            position,
                 gint64            stamp,
                 GError          **error)
{
  g_auto(CachedStmt) stmt = NULL;
  g_autofree char *title_key = NULL;
  g_autofree char *description_key = NULL;
  g_autofree char *search_text = NULL;

  if (resource->id == NULL || resource->title == NULL || resource->mime_type == NULL)
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID,
                           "a resource without id, title or type");
      return FALSE;
    }
  stmt = db_prepare (db,
                     "INSERT INTO media_resources (" RESOURCE_COLUMNS ", position, search_text, "
                     "  stamp) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
                     "ON CONFLICT (id) DO UPDATE SET folder_id = excluded.folder_id, "
                     "  title = excluded.title, mime_type = excluded.mime_type, "
                     "  size = excluded.size, description = excluded.description, "
                     "  sha256 = excluded.sha256, updated_at = excluded.updated_at, "
                     "  position = excluded.position, search_text = excluded.search_text, "
                     "  stamp = excluded.stamp",
                     error);
  if (stmt == NULL)
    return FALSE;
  /* Title and description folded, one per line, so a search matches
   * inside either but never across the two. */
  title_key = search_key (resource->title);
  description_key = search_key (resource->description);
  search_text = g_strconcat (title_key, "\n", description_key, NULL);
  bind_text (stmt, 1, resource->id);
  bind_text (stmt, 2, folder_id);
  bind_text (stmt, 3, resource->title);
  bind_text (stmt, 4, resource->mime_type);
  sqlite3_bind_int64 (stmt, 5, resource->size);
  bind_text (stmt, 6, resource->description);
  bind_text (stmt, 7, resource->sha256);
  sqlite3_bind_int64 (stmt, 8, resource->updated_at);
  sqlite3_bind_int64 (stmt, 9, position);
  bind_text (stmt, 10, search_text);
  sqlite3_bind_int64 (stmt, 11, stamp);
  return step_done (db, stmt, "cannot store a library resource", error);
}

static TcResource *
resource_from_row (sqlite3_stmt *stmt)
{
  TcResource *resource = tc_resource_new ();

  resource->id = column_dup (stmt, 0);
  resource->folder_id = column_dup (stmt, 1);
  resource->title = column_dup (stmt, 2);
  resource->mime_type = column_dup (stmt, 3);
  resource->size = sqlite3_column_int64 (stmt, 4);
  resource->description = column_dup (stmt, 5);
  resource->sha256 = column_dup (stmt, 6);
  resource->updated_at = sqlite3_column_int64 (stmt, 7);
  return resource;
}

static TcMediaFolder *
folder_from_row (sqlite3_stmt *stmt)
{
  TcMediaFolder *folder = tc_media_folder_new ();

  folder->id = column_dup (stmt, 0);
  folder->parent_id = column_dup (stmt, 1);
  folder->title = column_dup (stmt, 2);
  folder->resource_count = sqlite3_column_int64 (stmt, 3);
  return folder;
}

#define FOLDER_COLUMNS "id, parent_id, title, resource_count"

/* --- the category tree ---------------------------------------------------------------------- */

static void
store_categories_job (TcReplica *self,
                      Db        *db,
                      GTask     *task,
                      gpointer   user_data)
{
  GPtrArray *categories = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *now = NULL;
  gint64 stamp;

  if (return_if_closed (db, task))
    return;
  if (!db_begin (db, &error) || (stamp = next_stamp (db, &error)) < 0)
    goto fail;
  for (guint i = 0; i < categories->len; i++)
    if (!upsert_tree (db, g_ptr_array_index (categories, i), NULL, i, stamp, 1, &error))
      goto fail;
  {
    g_auto(CachedStmt) folders = db_prepare (db, "DELETE FROM media_folders WHERE stamp <> ?1",
                                             &error);
    g_auto(CachedStmt) resources = NULL;

    if (folders == NULL)
      goto fail;
    sqlite3_bind_int64 (folders, 1, stamp);
    if (!step_done (db, folders, "cannot forget library folders", &error))
      goto fail;
    resources = db_prepare (db,
                            "DELETE FROM media_resources WHERE folder_id NOT IN "
                            "  (SELECT id FROM media_folders)",
                            &error);
    if (resources == NULL || !step_done (db, resources, "cannot forget library resources", &error))
      goto fail;
  }
  now = g_strdup_printf ("%" G_GINT64_FORMAT, tc_time_now ());
  if (!meta_set (db, CATEGORIES_KEY, now, &error) || !db_commit (db, &error))
    goto fail;
  g_task_return_boolean (task, TRUE);
  return;

fail:
  db_rollback (db);
  g_task_return_error (task, g_steal_pointer (&error));
}

/**
 * tc_replica_store_media_categories_async:
 * @self: a replica
 * @categories: (element-type TcMediaFolder): every category, folders nested,
 *   as GET /api/v1/media/categories gives them
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when stored
 * @user_data: data for @callback
 *
 * Replaces the stored tree: folders no longer in it are forgotten with
 * their resources; listings of folders still there are kept.
 */
void
tc_replica_store_media_categories_async (TcReplica           *self,
                                         GPtrArray           *categories,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  GPtrArray *copy;

  g_return_if_fail (TC_IS_REPLICA (self));
  g_return_if_fail (categories != NULL);

  copy = g_ptr_array_new_full (categories->len, (GDestroyNotify) tc_media_folder_free);
  for (guint i = 0; i < categories->len; i++)
    g_ptr_array_add (copy, tc_media_folder_copy (g_ptr_array_index (categories, i)));
  queue_job (self, store_categories_job, copy, (GDestroyNotify) g_ptr_array_unref,
             tc_replica_store_media_categories_async, cancellable, callback, user_data);
}

gboolean
tc_replica_store_media_categories_finish (TcReplica     *self,
                                          GAsyncResult  *result,
                                          GError       **error)
{
  CHECK_RESULT (self, result, tc_replica_store_media_categories_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* A copy of @folder with its stored subfolders, nested. */
static TcMediaFolder *
attach_children (const TcMediaFolder *folder,
                 GHashTable          *children,
                 guint                depth)
{
  TcMediaFolder *copy = tc_media_folder_copy (folder);
  GPtrArray *below = g_hash_table_lookup (children, folder->id);

  for (guint i = 0; below != NULL && depth < TC_MEDIA_MAX_DEPTH && i < below->len; i++)
    g_ptr_array_add (copy->folders,
                     attach_children (g_ptr_array_index (below, i), children, depth + 1));
  return copy;
}

static void
load_categories_job (TcReplica *self,
                     Db        *db,
                     GTask     *task,
                     gpointer   user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *stored = NULL;
  g_autoptr(GPtrArray) categories =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tc_media_folder_free);
  g_autoptr(GHashTable) children = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                           (GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_media_folder_free);
  g_auto(CachedStmt) stmt = NULL;
  int rc;

  if (return_if_closed (db, task))
    return;
  stored = meta_get (db, CATEGORIES_KEY, &error);
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (stored == NULL)
    {
      g_task_return_new_error (task, TC_ERROR, TC_ERROR_NOT_FOUND,
                               "the library was never opened on this computer");
      return;
    }

  stmt = db_prepare (db,
                     "SELECT " FOLDER_COLUMNS " FROM media_folders "
                     "ORDER BY position, title COLLATE NOCASE, id",
                     &error);
  if (stmt == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rows, folder_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      tc_sqlite_set_error (db->db, "cannot read the stored library", &error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Hang each folder under its parent, from the categories down: a
   * folder whose parent is gone (an orphan a listing left) is not shown,
   * and stored rows that formed a loop could never be reached. */
  for (guint i = 0; i < rows->len; i++)
    {
      TcMediaFolder *folder = g_ptr_array_index (rows, i);
      GPtrArray *siblings;

      if (folder->parent_id == NULL)
        continue;
      siblings = g_hash_table_lookup (children, folder->parent_id);
      if (siblings == NULL)
        {
          siblings = g_ptr_array_new ();
          g_hash_table_insert (children, folder->parent_id, siblings);
        }
      g_ptr_array_add (siblings, folder);
    }
  for (guint i = 0; i < rows->len; i++)
    {
      TcMediaFolder *folder = g_ptr_array_index (rows, i);

      if (folder->parent_id == NULL)
        g_ptr_array_add (categories, attach_children (folder, children, 1));
    }
  g_task_return_pointer (task, g_steal_pointer (&categories), (GDestroyNotify) g_ptr_array_unref);
}

/**
 * tc_replica_load_media_categories_async:
 * @self: a replica
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * Reads the category tree as last stored.
 */
void
tc_replica_load_media_categories_async (TcReplica           *self,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_return_if_fail (TC_IS_REPLICA (self));

  queue_job (self, load_categories_job, NULL, NULL, tc_replica_load_media_categories_async,
             cancellable, callback, user_data);
}

/**
 * tc_replica_load_media_categories_finish:
 * @self: a replica
 * @result: the result given to the callback
 * @error: return location for a %TC_ERROR error
 *
 * Returns: (transfer full) (element-type TcMediaFolder): the categories
 *   with their folders nested, in the server's order; %NULL with
 *   %TC_ERROR_NOT_FOUND when no tree was ever stored
 */
GPtrArray *
tc_replica_load_media_categories_finish (TcReplica     *self,
                                         GAsyncResult  *result,
                                         GError       **error)
{
  CHECK_RESULT (self, result, tc_replica_load_media_categories_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- one folder --------------------------------------------------------------------------- */

static gboolean
store_listing (Db                   *db,
               const TcMediaListing *listing,
               GError              **error)
{
  const TcMediaFolder *folder = listing->folder;
  const char *parent_id = NULL;
  gint64 stamp = next_stamp (db, error);

  if (stamp < 0)
    return FALSE;
  if (folder == NULL)
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID, "a listing without its folder");
      return FALSE;
    }
  if (listing->path->len > TC_MEDIA_MAX_DEPTH + 1)
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID, "the library's folders nest too deep");
      return FALSE;
    }

  /* The path (breadcrumbs) says who is whose parent, up to the category. */
  for (guint i = 0; i + 1 < listing->path->len; i++)
    {
      const TcMediaFolder *above = g_ptr_array_index (listing->path, i);

      if (!upsert_folder (db, above, parent_id, -1, stamp, FALSE, error))
        return FALSE;
      parent_id = above->id;
    }
  if (listing->path->len == 0)
    parent_id = folder->parent_id;
  {
    TcMediaFolder counted = *folder;

    counted.resource_count = listing->resources->len;
    if (!upsert_folder (db, &counted, parent_id, -1, stamp, TRUE, error))
      return FALSE;
  }

  for (guint i = 0; i < folder->folders->len; i++)
    if (!upsert_folder (db, g_ptr_array_index (folder->folders, i), folder->id, i, stamp, FALSE,
                        error))
      return FALSE;
  for (guint i = 0; i < listing->resources->len; i++)
    if (!upsert_resource (db, g_ptr_array_index (listing->resources, i), folder->id, i, stamp,
                          error))
      return FALSE;

  /* Subfolders no longer there go with everything under them. */
  {
    static const char * const sqls[] = {
      "WITH RECURSIVE gone (id) AS ("
      "  SELECT id FROM media_folders WHERE parent_id = ?1 AND stamp <> ?2"
      "  UNION SELECT f.id FROM media_folders f JOIN gone ON f.parent_id = gone.id) "
      "DELETE FROM media_resources WHERE folder_id IN gone",
      "WITH RECURSIVE gone (id) AS ("
      "  SELECT id FROM media_folders WHERE parent_id = ?1 AND stamp <> ?2"
      "  UNION SELECT f.id FROM media_folders f JOIN gone ON f.parent_id = gone.id) "
      "DELETE FROM media_folders WHERE id IN gone",
      "DELETE FROM media_resources WHERE folder_id = ?1 AND stamp <> ?2",
    };

    for (guint i = 0; i < G_N_ELEMENTS (sqls); i++)
      {
        g_auto(CachedStmt) stmt = db_prepare (db, sqls[i], error);

        if (stmt == NULL)
          return FALSE;
        bind_text (stmt, 1, folder->id);
        sqlite3_bind_int64 (stmt, 2, stamp);
        if (!step_done (db, stmt, "cannot forget library entries", error))
          return FALSE;
      }
  }
  return TRUE;
}

static void
store_listing_job (TcReplica *self,
                   Db        *db,
                   GTask     *task,
                   gpointer   user_data)
{
  TcMediaListing *listing = user_data;
  g_autoptr(GError) error = NULL;

  if (return_if_closed (db, task))
    return;
  if (!db_begin (db, &error) || !store_listing (db, listing, &error) || !db_commit (db, &error))
    {
      db_rollback (db);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static TcMediaListing *
listing_copy (const TcMediaListing *listing)
{
  TcMediaListing *copy = tc_media_listing_new ();

  copy->folder = listing->folder != NULL ? tc_media_folder_copy (listing->folder) : NULL;
  for (guint i = 0; i < listing->path->len; i++)
    g_ptr_array_add (copy->path, tc_media_folder_copy (g_ptr_array_index (listing->path, i)));
  for (guint i = 0; i < listing->resources->len; i++)
    g_ptr_array_add (copy->resources, tc_resource_copy (g_ptr_array_index (listing->resources, i)));
  return copy;
}

/**
 * tc_replica_store_media_listing_async:
 * @self: a replica
 * @listing: a folder's listing, as GET /api/v1/media/folders/{id} gives it
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when stored
 * @user_data: data for @callback
 *
 * Stores the folder's listing. Subfolders and resources it no longer
 * lists are forgotten (subfolders with everything under them).
 */
void
tc_replica_store_media_listing_async (TcReplica            *self,
                                      const TcMediaListing *listing,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data)
{
  g_return_if_fail (TC_IS_REPLICA (self));
  g_return_if_fail (listing != NULL);

  queue_job (self, store_listing_job, listing_copy (listing),
             (GDestroyNotify) tc_media_listing_free, tc_replica_store_media_listing_async,
             cancellable, callback, user_data);
}

gboolean
tc_replica_store_media_listing_finish (TcReplica     *self,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  CHECK_RESULT (self, result, tc_replica_store_media_listing_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static TcMediaFolder *
read_folder (Db          *db,
             const char  *id,
             gboolean    *out_listed,
             GError     **error)
{
  g_auto(CachedStmt) stmt = db_prepare (db,
                                        "SELECT " FOLDER_COLUMNS ", listed_at IS NOT NULL "
                                        "FROM media_folders WHERE id = ?1",
                                        error);
  int rc;

  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      if (out_listed != NULL)
        *out_listed = sqlite3_column_int (stmt, 4) != 0;
      return folder_from_row (stmt);
    }
  if (rc != SQLITE_DONE)
    tc_sqlite_set_error (db->db, "cannot read the stored library", error);
  else
    g_set_error_literal (error, TC_ERROR, TC_ERROR_NOT_FOUND,
                         "this folder was never opened on this computer");
  return NULL;
}

static TcMediaListing *
load_listing (Db          *db,
              const char  *folder_id,
              GError     **error)
{
  g_autoptr(TcMediaListing) listing = tc_media_listing_new ();
  g_auto(CachedStmt) folders = NULL;
  g_auto(CachedStmt) resources = NULL;
  gboolean listed = FALSE;
  int rc;

  listing->folder = read_folder (db, folder_id, &listed, error);
  if (listing->folder == NULL)
    return NULL;
  if (!listed)
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_NOT_FOUND,
                           "this folder was never opened on this computer");
      return NULL;
    }

  /* Breadcrumbs: up the parents to the category (a bounded walk, in
   * case stored rows ever formed a loop). */
  g_ptr_array_add (listing->path, tc_media_folder_copy (listing->folder));
  for (const char *parent = listing->folder->parent_id;
       parent != NULL && listing->path->len <= TC_MEDIA_MAX_DEPTH;)
    {
      g_autoptr(GError) local_error = NULL;
      TcMediaFolder *above = read_folder (db, parent, NULL, &local_error);

      if (above == NULL)
        {
          if (!g_error_matches (local_error, TC_ERROR, TC_ERROR_NOT_FOUND))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }
          break;
        }
      g_ptr_array_insert (listing->path, 0, above);
      parent = above->parent_id;
    }

  folders = db_prepare (db,
                        "SELECT " FOLDER_COLUMNS " FROM media_folders WHERE parent_id = ?1 "
                        "ORDER BY position, title COLLATE NOCASE, id",
                        error);
  if (folders == NULL)
    return NULL;
  bind_text (folders, 1, folder_id);
  while ((rc = sqlite3_step (folders)) == SQLITE_ROW)
    g_ptr_array_add (listing->folder->folders, folder_from_row (folders));
  if (rc != SQLITE_DONE)
    {
      tc_sqlite_set_error (db->db, "cannot read the stored library", error);
      return NULL;
    }

  resources = db_prepare (db,
                          "SELECT " RESOURCE_COLUMNS " FROM media_resources WHERE folder_id = ?1 "
                          "ORDER BY position, title COLLATE NOCASE, id",
                          error);
  if (resources == NULL)
    return NULL;
  bind_text (resources, 1, folder_id);
  while ((rc = sqlite3_step (resources)) == SQLITE_ROW)
    g_ptr_array_add (listing->resources, resource_from_row (resources));
  if (rc != SQLITE_DONE)
    {
      tc_sqlite_set_error (db->db, "cannot read the stored library", error);
      return NULL;
    }
  return g_steal_pointer (&listing);
}

static void
load_listing_job (TcReplica *self,
                  Db        *db,
                  GTask     *task,
                  gpointer   user_data)
{
  g_autoptr(GError) error = NULL;
  TcMediaListing *listing;

  if (return_if_closed (db, task))
    return;
  /* One snapshot for the folder, its path and its contents. */
  if (!tc_sqlite_exec (db->db, "BEGIN", &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  listing = load_listing (db, user_data, &error);
  db_rollback (db);
  if (listing == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, listing, (GDestroyNotify) tc_media_listing_free);
}

/**
 * tc_replica_load_media_listing_async:
 * @self: a replica
 * @folder_id: a folder or category id
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * Reads a folder's listing as last stored: the folder with its subfolders
 * in ->folder->folders, the path from its category, and its resources.
 */
void
tc_replica_load_media_listing_async (TcReplica           *self,
                                     const char          *folder_id,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_return_if_fail (TC_IS_REPLICA (self));
  g_return_if_fail (folder_id != NULL);

  queue_job (self, load_listing_job, g_strdup (folder_id), g_free,
             tc_replica_load_media_listing_async, cancellable, callback, user_data);
}

/**
 * tc_replica_load_media_listing_finish:
 * @self: a replica
 * @result: the result given to the callback
 * @error: return location for a %TC_ERROR error
 *
 * Returns: (transfer full): the listing; %NULL with %TC_ERROR_NOT_FOUND
 *   when the folder was never listed
 */
TcMediaListing *
tc_replica_load_media_listing_finish (TcReplica     *self,
                                      GAsyncResult  *result,
                                      GError       **error)
{
  CHECK_RESULT (self, result, tc_replica_load_media_listing_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- search ------------------------------------------------------------------------------- */

/* @key for LIKE … ESCAPE '\': % and _ are ordinary characters. */
static char *
like_pattern (const char *key)
{
  GString *pattern = g_string_new ("%");

  for (const char *p = key; *p != '\0'; p++)
    {
      if (*p == '%' || *p == '_' || *p == '\\')
        g_string_append_c (pattern, '\\');
      g_string_append_c (pattern, *p);
    }
  g_string_append_c (pattern, '%');
  return g_string_free (pattern, FALSE);
}

static void
search_media_job (TcReplica *self,
                  Db        *db,
                  GTask     *task,
                  gpointer   user_data)
{
  const char *pattern = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_resource_free);
  g_auto(CachedStmt) stmt = NULL;
  int rc;

  if (return_if_closed (db, task))
    return;
  if (pattern == NULL)
    {
      g_task_return_pointer (task, g_steal_pointer (&found), (GDestroyNotify) g_ptr_array_unref);
      return;
    }
  stmt = db_prepare (db,
                     "SELECT " RESOURCE_COLUMNS " FROM media_resources "
                     "WHERE search_text LIKE ?1 ESCAPE '\\' "
                     /* search_text starts with the folded title */
                     "ORDER BY search_text, id LIMIT "
                     G_STRINGIFY (TC_REPLICA_MEDIA_SEARCH_LIMIT),
                     &error);
  if (stmt == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  bind_text (stmt, 1, pattern);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (found, resource_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      tc_sqlite_set_error (db->db, "cannot search the stored library", &error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&found), (GDestroyNotify) g_ptr_array_unref);
}

/**
 * tc_replica_search_media_async:
 * @self: a replica
 * @query: what the person typed
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * Searches the stored resources (those of folders opened before) as the
 * server searches the library: @query inside the title or the
 * description, ignoring case and accents. Blank finds nothing.
 */
void
tc_replica_search_media_async (TcReplica           *self,
                               const char          *query,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autofree char *trimmed = NULL;
  g_autofree char *key = NULL;
  char *pattern = NULL;

  g_return_if_fail (TC_IS_REPLICA (self));

  trimmed = g_strstrip (g_utf8_make_valid (query != NULL ? query : "", -1));
  key = search_key (trimmed);
  if (*key != '\0')
    pattern = like_pattern (key);
  queue_job (self, search_media_job, pattern, g_free, tc_replica_search_media_async, cancellable,
             callback, user_data);
}

/**
 * tc_replica_search_media_finish:
 * @self: a replica
 * @result: the result given to the callback
 * @error: return location for a %TC_ERROR error
 *
 * Returns: (transfer full) (element-type TcResource): the matches by
 *   title, or %NULL on error
 */
GPtrArray *
tc_replica_search_media_finish (TcReplica     *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  CHECK_RESULT (self, result, tc_replica_search_media_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
