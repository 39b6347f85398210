/* tc-pg-store-media.c: the Documents and Media library of TcPgStore
 *
 * The same rules as tc-sqlite-store-media.c: folders and resources matched
 * on their source path, random ids, search on the folded title and
 * description, lists sorted as SQLite's NOCASE sorts them.
 */
#include "config.h"

#include <string.h>

#include "tc-error.h"
#include "tc-pg-store-private.h"
#include "tc-store-util.h"

#define MEDIA_MAX_FOLDERS_IN_PATH 64

#define FOLDER_COLUMNS \
  "f.id, f.title, f.parent_id, (SELECT count (*) FROM resources r WHERE r.folder_id = f.id)"
#define BY_TITLE(table) "ORDER BY tc_nocase (" table ".title) COLLATE \"C\", " table ".id COLLATE \"C\""

typedef struct {
  const char          *text;
  guint                limit;
  GPtrArray           *list;
  TcMediaListing      *listing;
  TcResource          *resource;
  GPtrArray           *entries;
  gint64               now;
  TcMediaImportResult  result;
} MediaJob;

static void
media_job_clear (MediaJob *job)
{
  g_clear_pointer (&job->list, g_ptr_array_unref);
  g_clear_pointer (&job->listing, tc_media_listing_free);
  g_clear_pointer (&job->resource, tc_resource_free);
}

static TcMediaFolder *
folder_from_row (PGresult *res,
                 int       row)
{
  TcMediaFolder *folder = tc_media_folder_new ();

  folder->id = tc_pg_text (res, row, 0);
  folder->title = tc_pg_text (res, row, 1);
  folder->parent_id = tc_pg_text (res, row, 2);
  folder->resource_count = tc_pg_int (res, row, 3);
  return folder;
}

/* --- reading ------------------------------------------------------------------------ */

static gboolean
categories_read (TcPgTx   *tx,
                 gpointer  data,
                 GError  **error)
{
  MediaJob *job = data;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) all = g_ptr_array_new ();   /* borrowed: owned by their parents */

  media_job_clear (job);
  res = tc_pg_query (tx->conn, error,
                     "SELECT " FOLDER_COLUMNS " FROM media_folders f " BY_TITLE ("f"), "");
  if (res == NULL)
    return FALSE;
  job->list = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_media_folder_free);
  for (int row = 0; row < PQntuples (res); row++)
    {
      TcMediaFolder *folder = folder_from_row (res, row);

      g_ptr_array_add (all, folder);
      g_hash_table_insert (by_id, folder->id, folder);
    }
  /* In title order, so every level of the tree comes out sorted. */
  for (guint i = 0; i < all->len; i++)
    {
      TcMediaFolder *folder = g_ptr_array_index (all, i);
      TcMediaFolder *parent = folder->parent_id != NULL
        ? g_hash_table_lookup (by_id, folder->parent_id) : NULL;

      g_ptr_array_add (parent != NULL ? parent->folders : job->list, folder);
    }
  return TRUE;
}

static GPtrArray *
tc_pg_store_media_categories (TcStore  *store,
                              GError  **error)
{
  MediaJob job = { NULL, };

  if (!tc_pg_store_read (TC_PG_STORE (store), categories_read, &job, error))
    {
      media_job_clear (&job);
      return NULL;
    }
  return job.list;
}

static TcMediaFolder *
load_folder (TcPgConn    *conn,
             const char  *id,
             GError     **error)
{
  g_autoptr(PGresult) res = tc_pg_query (conn, error,
                                         "SELECT " FOLDER_COLUMNS " FROM media_folders f WHERE f.id = $1",
                                         "s", id);

  if (res == NULL)
    return NULL;
  if (PQntuples (res) == 0)
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_NOT_FOUND, "no such folder");
      return NULL;
    }
  return folder_from_row (res, 0);
}

static gboolean
folder_read (TcPgTx   *tx,
             gpointer  data,
             GError  **error)
{
  MediaJob *job = data;
  g_autoptr(PGresult) children = NULL;
  g_autoptr(PGresult) resources = NULL;
  g_autofree char *parent_id = NULL;
  TcMediaListing *listing;

  media_job_clear (job);
  listing = job->listing = tc_media_listing_new ();
  listing->folder = load_folder (tx->conn, job->text, error);
  if (listing->folder == NULL)
    return FALSE;

  /* Breadcrumbs: walk up to the category (bounded, whatever the data). */
  g_ptr_array_add (listing->path, tc_media_folder_copy (listing->folder));
  parent_id = g_strdup (listing->folder->parent_id);
  for (guint depth = 0; parent_id != NULL && depth < MEDIA_MAX_FOLDERS_IN_PATH; depth++)
    {
      TcMediaFolder *parent = load_folder (tx->conn, parent_id, error);

      if (parent == NULL)
        return FALSE;
      g_ptr_array_insert (listing->path, 0, parent);
      g_free (parent_id);
      parent_id = g_strdup (parent->parent_id);
    }

  children = tc_pg_query (tx->conn, error,
                          "SELECT " FOLDER_COLUMNS " FROM media_folders f WHERE f.parent_id = $1 "
                          BY_TITLE ("f"),
                          "s", job->text);
  if (children == NULL)
    return FALSE;
  for (int row = 0; row < PQntuples (children); row++)
    g_ptr_array_add (listing->folder->folders, folder_from_row (children, row));
  resources = tc_pg_query (tx->conn, error,
                           "SELECT " TC_PG_RESOURCE_COLUMNS " FROM resources r WHERE r.folder_id = $1 "
                           BY_TITLE ("r"),
                           "s", job->text);
  if (resources == NULL)
    return FALSE;
  for (int row = 0; row < PQntuples (resources); row++)
    g_ptr_array_add (listing->resources, tc_pg_resource_from_row (resources, row, 0));
  return TRUE;
}

static TcMediaListing *
tc_pg_store_media_folder (TcStore     *store,
                          const char  *folder_id,
                          GError     **error)
{
  MediaJob job = { folder_id, };

  if (!tc_pg_store_read (TC_PG_STORE (store), folder_read, &job, error))
    {
      media_job_clear (&job);
      return NULL;
    }
  return job.listing;
}

static gboolean
search_read (TcPgTx   *tx,
             gpointer  data,
             GError  **error)
{
  MediaJob *job = data;
  g_autoptr(PGresult) res = NULL;

  media_job_clear (job);
  res = tc_pg_query (tx->conn, error,
                     "SELECT " TC_PG_RESOURCE_COLUMNS " FROM resources r "
                     "WHERE r.search_text LIKE $1 ESCAPE '\\' " BY_TITLE ("r") " LIMIT $2",
                     "su", job->text, job->limit);
  if (res == NULL)
    return FALSE;
  job->list = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_resource_free);
  for (int row = 0; row < PQntuples (res); row++)
    g_ptr_array_add (job->list, tc_pg_resource_from_row (res, row, 0));
  return TRUE;
}

static GPtrArray *
tc_pg_store_media_search (TcStore     *store,
                          const char  *query,
                          guint        limit,
                          GError     **error)
{
  g_autofree char *folded = tc_store_fold_for_search (query);
  g_autofree char *pattern = NULL;
  MediaJob job = { NULL, };

  g_strstrip (folded);
  if (*folded == '\0')
    return g_ptr_array_new_with_free_func ((GDestroyNotify) tc_resource_free);
  pattern = tc_store_like_pattern (folded);
  job.text = pattern;
  job.limit = limit;
  if (!tc_pg_store_read (TC_PG_STORE (store), search_read, &job, error))
    {
      media_job_clear (&job);
      return NULL;
    }
  return job.list;
}

static gboolean
resource_read (TcPgTx   *tx,
               gpointer  data,
               GError  **error)
{
  MediaJob *job = data;
  g_autoptr(PGresult) res = NULL;

  media_job_clear (job);
  res = tc_pg_query (tx->conn, error,
                     "SELECT " TC_PG_RESOURCE_COLUMNS " FROM resources r WHERE r.id = $1",
                     "s", job->text);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_NOT_FOUND, "no such resource");
      return FALSE;
    }
  job->resource = tc_pg_resource_from_row (res, 0, 0);
  return TRUE;
}

static TcResource *
tc_pg_store_media_resource (TcStore     *store,
                            const char  *resource_id,
                            GError     **error)
{
  MediaJob job = { resource_id, };

  if (!tc_pg_store_read (TC_PG_STORE (store), resource_read, &job, error))
    {
      media_job_clear (&job);
      return NULL;
    }
  return job.resource;
}

/* --- import ------------------------------------------------------------------------------ */

/* The id of the folder at @entry's source path, created (under
 * @parent_id) if missing; its title follows the source. */
static char *
upsert_folder (TcPgConn            *conn,
               const TcMediaEntry  *entry,
               const char          *parent_id,
               gint64               now,
               TcMediaImportResult *result,
               GError             **error)
{
  g_autoptr(PGresult) found = NULL;
  g_autofree char *id = NULL;

  found = tc_pg_query (conn, error,
                       "SELECT id, title, parent_id FROM media_folders WHERE source_path = $1",
                       "s", entry->source_path);
  if (found == NULL)
    return NULL;
  if (PQntuples (found) > 0)
    {
      id = tc_pg_text (found, 0, 0);
      if (g_strcmp0 (PQgetvalue (found, 0, 1), entry->title) == 0 &&
          g_strcmp0 (tc_pg_is_null (found, 0, 2) ? NULL : PQgetvalue (found, 0, 2), parent_id) == 0)
        return g_steal_pointer (&id);
      if (!tc_pg_command (conn, error, NULL,
                          "UPDATE media_folders SET title = $2, parent_id = $3 WHERE id = $1",
                          "sss", id, entry->title, parent_id))
        return NULL;
      return g_steal_pointer (&id);
    }
  id = tc_store_new_media_id ("fld_");
  if (!tc_pg_command (conn, error, NULL,
                      "INSERT INTO media_folders (id, title, parent_id, source_path, created_at) "
                      "VALUES ($1, $2, $3, $4, $5)",
                      "ssssi", id, entry->title, parent_id, entry->source_path, now))
    return NULL;
  result->folders_created++;
  return g_steal_pointer (&id);
}

static gboolean
upsert_resource (TcPgConn            *conn,
                 const TcMediaEntry  *entry,
                 const char          *folder_id,
                 gint64               now,
                 TcMediaImportResult *result,
                 GError             **error)
{
  g_autoptr(PGresult) found = NULL;
  g_autofree char *search_text = tc_store_resource_search_text (entry->title, entry->description);
  g_autofree char *id = NULL;

  found = tc_pg_query (conn, error,
                       "SELECT " TC_PG_RESOURCE_COLUMNS " FROM resources r WHERE r.source_path = $1",
                       "s", entry->source_path);
  if (found == NULL)
    return FALSE;
  if (PQntuples (found) > 0)
    {
      g_autoptr(TcResource) old = tc_pg_resource_from_row (found, 0, 0);

      if (g_strcmp0 (old->title, entry->title) == 0 &&
          g_strcmp0 (old->mime_type, entry->mime_type) == 0 &&
          old->size == entry->size &&
          g_strcmp0 (old->folder_id, folder_id) == 0 &&
          g_strcmp0 (old->description, entry->description) == 0 &&
          g_strcmp0 (old->sha256, entry->sha256) == 0)
        {
          result->unchanged++;
          return TRUE;
        }
      result->updated++;
      return tc_pg_command (conn, error, NULL,
                            "UPDATE resources SET title = $2, mime_type = $3, size = $4, "
                            "  folder_id = $5, description = $6, sha256 = $7, updated_at = $8, "
                            "  search_text = $9 "
                            "WHERE id = $1",
                            "sssisssis", old->id, entry->title, entry->mime_type, entry->size,
                            folder_id, entry->description != NULL ? entry->description : "",
                            entry->sha256, now, search_text);
    }
  id = tc_store_new_media_id ("res_");
  result->created++;
  return tc_pg_command (conn, error, NULL,
                        "INSERT INTO resources (id, title, mime_type, size, folder_id, description, "
                        "  sha256, updated_at, search_text, source_path) "
                        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                        "sssisssiss", id, entry->title, entry->mime_type, entry->size, folder_id,
                        entry->description != NULL ? entry->description : "", entry->sha256, now,
                        search_text, entry->source_path);
}

static gboolean
import_write (TcPgTx   *tx,
              gpointer  data,
              GError  **error)
{
  MediaJob *job = data;
  g_autoptr(GHashTable) folder_ids = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  memset (&job->result, 0, sizeof job->result);
  for (guint i = 0; i < job->entries->len; i++)
    {
      const TcMediaEntry *entry = g_ptr_array_index (job->entries, i);
      const char *parent_id = NULL;

      if (entry->parent_path != NULL)
        {
          parent_id = g_hash_table_lookup (folder_ids, entry->parent_path);
          if (parent_id == NULL)
            {
              g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "“%s” comes before its folder",
                           entry->source_path);
              return FALSE;
            }
        }
      else if (!entry->is_folder)
        {
          g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "“%s” is not inside a category",
                       entry->source_path);
          return FALSE;
        }

      if (entry->is_folder)
        {
          char *id = upsert_folder (tx->conn, entry, parent_id, job->now, &job->result, error);

          if (id == NULL)
            return FALSE;
          g_hash_table_insert (folder_ids, entry->source_path, id);
        }
      else if (!upsert_resource (tx->conn, entry, parent_id, job->now, &job->result, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
tc_pg_store_import_media (TcStore             *store,
                          GPtrArray           *entries,
                          gint64               now_usec,
                          TcMediaImportResult *result,
                          GError             **error)
{
  MediaJob job = { NULL, };

  job.entries = entries;
  job.now = now_usec;
  if (!tc_pg_store_write (TC_PG_STORE (store), import_write, &job, error))
    return FALSE;
  if (result != NULL)
    *result = job.result;
  return TRUE;
}

void
tc_pg_store_media_iface_init (TcStoreInterface *iface)
{
  iface->media_categories = tc_pg_store_media_categories;
  iface->media_folder = tc_pg_store_media_folder;
  iface->media_search = tc_pg_store_media_search;
  iface->media_resource = tc_pg_store_media_resource;
  iface->import_media = tc_pg_store_import_media;
}
