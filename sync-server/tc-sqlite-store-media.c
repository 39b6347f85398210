/* tc-sqlite-store-media.c: the Documents and Media library of TcSqliteStore
 *
 * Folders (categories are folders without a parent) and resources, matched
 * on their path in the import source so that importing the same tree twice
 * changes nothing. Ids are random and say nothing about paths. Search runs
 * on search_text, the title and description folded (case and accents
 * removed) when they are written.
 */
#include "config.h"

#include <string.h>

#include "tc-error.h"
#include "tc-sqlite-store-private.h"
#include "tc-store-util.h"

#define MEDIA_MAX_FOLDERS_IN_PATH 64

/* --- helpers ------------------------------------------------------------------ */

typedef struct { TcSqliteStore *store; sqlite3 *db; } MediaReader;

static void
media_reader_done (MediaReader *reader)
{
  if (reader->db != NULL)
    tc_sqlite_store_reader_release (reader->store, reader->db);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MediaReader, media_reader_done)

/* Declared before any statement, so that it is released after them. */
#define MEDIA_READER(reader, store) g_auto(MediaReader) reader = { TC_SQLITE_STORE (store), NULL }

static gboolean
media_reader_open (MediaReader  *reader,
                   GError      **error)
{
  reader->db = tc_sqlite_store_reader_acquire (reader->store, error);
  return reader->db != NULL;
}

/**
 * tc_sqlite_resource_from_row:
 * @stmt: a statement on a row of %TC_SQLITE_RESOURCE_COLUMNS
 * @first: the column of "r.id"
 *
 * Returns: (transfer full): the resource of that row
 */
TcResource *
tc_sqlite_resource_from_row (sqlite3_stmt *stmt,
                             int           first)
{
  TcResource *resource = tc_resource_new ();

  resource->id = tc_sqlite_store_column_dup (stmt, first);
  resource->title = tc_sqlite_store_column_dup (stmt, first + 1);
  resource->mime_type = tc_sqlite_store_column_dup (stmt, first + 2);
  resource->size = sqlite3_column_int64 (stmt, first + 3);
  resource->folder_id = tc_sqlite_store_column_dup (stmt, first + 4);
  resource->description = tc_sqlite_store_column_dup (stmt, first + 5);
  resource->sha256 = tc_sqlite_store_column_dup (stmt, first + 6);
  resource->updated_at = sqlite3_column_int64 (stmt, first + 7);
  return resource;
}

/* --- reading ------------------------------------------------------------------------ */

#define FOLDER_COLUMNS \
  "f.id, f.title, f.parent_id, (SELECT COUNT(*) FROM resources r WHERE r.folder_id = f.id)"

static TcMediaFolder *
folder_from_row (sqlite3_stmt *stmt)
{
  TcMediaFolder *folder = tc_media_folder_new ();

  folder->id = tc_sqlite_store_column_dup (stmt, 0);
  folder->title = tc_sqlite_store_column_dup (stmt, 1);
  folder->parent_id = tc_sqlite_store_column_dup (stmt, 2);
  folder->resource_count = sqlite3_column_int64 (stmt, 3);
  return folder;
}

GPtrArray *
tc_sqlite_store_media_categories (TcStore  *store,
                                  GError  **error)
{
  MEDIA_READER (reader, store);
  g_autoptr(TcSqliteStmt) stmt = NULL;
  g_autoptr(GPtrArray) all = g_ptr_array_new ();   /* borrowed: owned by their parents */
  g_autoptr(GPtrArray) categories = NULL;
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_str_hash, g_str_equal);
  int rc;

  if (!media_reader_open (&reader, error))
    return NULL;
  stmt = tc_sqlite_store_prepare (reader.db,
                        "SELECT " FOLDER_COLUMNS " FROM media_folders f "
                        "ORDER BY f.title COLLATE NOCASE, f.id",
                        error);
  if (stmt == NULL)
    return NULL;

  categories = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_media_folder_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TcMediaFolder *folder = folder_from_row (stmt);

      g_ptr_array_add (all, folder);
      g_hash_table_insert (by_id, folder->id, folder);
    }
  if (rc != SQLITE_DONE)
    {
      tc_sqlite_set_error (reader.db, "media folders", error);
      g_ptr_array_set_free_func (all, (GDestroyNotify) tc_media_folder_free);
      return NULL;
    }

  /* In title order, so every level of the tree comes out sorted. */
  for (guint i = 0; i < all->len; i++)
    {
      TcMediaFolder *folder = g_ptr_array_index (all, i);
      TcMediaFolder *parent = folder->parent_id != NULL
        ? g_hash_table_lookup (by_id, folder->parent_id) : NULL;

      g_ptr_array_add (parent != NULL ? parent->folders : categories, folder);
    }
  return g_steal_pointer (&categories);
}

static TcMediaFolder *
load_folder (sqlite3     *db,
             const char  *id,
             GError     **error)
{
  g_autoptr(TcSqliteStmt) stmt = tc_sqlite_store_prepare (db, "SELECT " FOLDER_COLUMNS
                                                " FROM media_folders f WHERE f.id = ?1", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  tc_sqlite_store_bind_text (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return folder_from_row (stmt);
  if (rc == SQLITE_DONE)
    g_set_error_literal (error, TC_ERROR, TC_ERROR_NOT_FOUND, "no such folder");
  else
    tc_sqlite_set_error (db, "media folder", error);
  return NULL;
}

TcMediaListing *
tc_sqlite_store_media_folder (TcStore     *store,
                              const char  *folder_id,
                              GError     **error)
{
  MEDIA_READER (reader, store);
  g_autoptr(TcSqliteStmt) children = NULL;
  g_autoptr(TcSqliteStmt) resources = NULL;
  g_autoptr(TcMediaListing) listing = tc_media_listing_new ();
  g_autofree char *parent_id = NULL;
  int rc;

  if (!media_reader_open (&reader, error))
    return NULL;
  listing->folder = load_folder (reader.db, folder_id, error);
  if (listing->folder == NULL)
    return NULL;

  /* Breadcrumbs: walk up to the category (bounded, whatever the data). */
  g_ptr_array_add (listing->path, tc_media_folder_copy (listing->folder));
  parent_id = g_strdup (listing->folder->parent_id);
  for (guint depth = 0; parent_id != NULL && depth < MEDIA_MAX_FOLDERS_IN_PATH; depth++)
    {
      TcMediaFolder *parent = load_folder (reader.db, parent_id, error);

      if (parent == NULL)
        return NULL;
      g_ptr_array_insert (listing->path, 0, parent);
      g_free (parent_id);
      parent_id = g_strdup (parent->parent_id);
    }

  children = tc_sqlite_store_prepare (reader.db,
                            "SELECT " FOLDER_COLUMNS " FROM media_folders f WHERE f.parent_id = ?1 "
                            "ORDER BY f.title COLLATE NOCASE, f.id",
                            error);
  resources = tc_sqlite_store_prepare (reader.db,
                             "SELECT " TC_SQLITE_RESOURCE_COLUMNS " FROM resources r "
                             "WHERE r.folder_id = ?1 ORDER BY r.title COLLATE NOCASE, r.id",
                             error);
  if (children == NULL || resources == NULL)
    return NULL;
  tc_sqlite_store_bind_text (children, 1, folder_id);
  while ((rc = sqlite3_step (children)) == SQLITE_ROW)
    g_ptr_array_add (listing->folder->folders, folder_from_row (children));
  if (rc != SQLITE_DONE)
    {
      tc_sqlite_set_error (reader.db, "media folders", error);
      return NULL;
    }
  tc_sqlite_store_bind_text (resources, 1, folder_id);
  while ((rc = sqlite3_step (resources)) == SQLITE_ROW)
    g_ptr_array_add (listing->resources, tc_sqlite_resource_from_row (resources, 0));
  if (rc != SQLITE_DONE)
    {
      tc_sqlite_set_error (reader.db, "resources", error);
      return NULL;
    }
  return g_steal_pointer (&listing);
}

GPtrArray *
tc_sqlite_store_media_search (TcStore     *store,
                              const char  *query,
                              guint        limit,
                              GError     **error)
{
  MEDIA_READER (reader, store);
  g_autoptr(TcSqliteStmt) stmt = NULL;
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_resource_free);
  g_autofree char *folded = tc_store_fold_for_search (query);
  g_autofree char *pattern = NULL;
  int rc;

  g_strstrip (folded);
  if (*folded == '\0')
    return g_steal_pointer (&found);
  pattern = tc_store_like_pattern (folded);

  if (!media_reader_open (&reader, error))
    return NULL;
  stmt = tc_sqlite_store_prepare (reader.db,
                        "SELECT " TC_SQLITE_RESOURCE_COLUMNS " FROM resources r "
                        "WHERE r.search_text LIKE ?1 ESCAPE '\\' "
                        "ORDER BY r.title COLLATE NOCASE, r.id LIMIT ?2",
                        error);
  if (stmt == NULL)
    return NULL;
  tc_sqlite_store_bind_text (stmt, 1, pattern);
  sqlite3_bind_int64 (stmt, 2, limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (found, tc_sqlite_resource_from_row (stmt, 0));
  if (rc != SQLITE_DONE)
    {
      tc_sqlite_set_error (reader.db, "media search", error);
      return NULL;
    }
  return g_steal_pointer (&found);
}

TcResource *
tc_sqlite_store_media_resource (TcStore     *store,
                                const char  *resource_id,
                                GError     **error)
{
  MEDIA_READER (reader, store);
  g_autoptr(TcSqliteStmt) stmt = NULL;
  int rc;

  if (!media_reader_open (&reader, error))
    return NULL;
  stmt = tc_sqlite_store_prepare (reader.db,
                        "SELECT " TC_SQLITE_RESOURCE_COLUMNS " FROM resources r WHERE r.id = ?1",
                        error);
  if (stmt == NULL)
    return NULL;
  tc_sqlite_store_bind_text (stmt, 1, resource_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return tc_sqlite_resource_from_row (stmt, 0);
  if (rc == SQLITE_DONE)
    g_set_error_literal (error, TC_ERROR, TC_ERROR_NOT_FOUND, "no such resource");
  else
    tc_sqlite_set_error (reader.db, "resource", error);
  return NULL;
}

/* --- import ------------------------------------------------------------------------------ */

typedef struct {
  GPtrArray           *entries;
  gint64               now;
  TcMediaImportResult  result;
} ImportJob;

/* The id of the folder at @source_path, created (under @parent_id) if
 * missing; its title follows the source. */
static char *
upsert_folder (sqlite3             *db,
               const TcMediaEntry  *entry,
               const char          *parent_id,
               gint64               now,
               TcMediaImportResult *result,
               GError             **error)
{
  g_autoptr(TcSqliteStmt) find = NULL;
  g_autoptr(TcSqliteStmt) write = NULL;
  g_autofree char *id = NULL;
  int rc;

  find = tc_sqlite_store_prepare (db,
                                  "SELECT id, title, parent_id FROM media_folders "
                                  "WHERE source_path = ?1",
                                  error);
  if (find == NULL)
    return NULL;
  tc_sqlite_store_bind_text (find, 1, entry->source_path);
  rc = sqlite3_step (find);
  if (rc == SQLITE_ROW)
    {
      id = tc_sqlite_store_column_dup (find, 0);
      if (g_strcmp0 ((const char *) sqlite3_column_text (find, 1), entry->title) == 0 &&
          g_strcmp0 ((const char *) sqlite3_column_text (find, 2), parent_id) == 0)
        return g_steal_pointer (&id);
      write = tc_sqlite_store_prepare (db,
                                       "UPDATE media_folders SET title = ?2, parent_id = ?3 "
                                       "WHERE id = ?1",
                                       error);
    }
  else if (rc == SQLITE_DONE)
    {
      id = tc_store_new_media_id ("fld_");
      write = tc_sqlite_store_prepare (db,
                             "INSERT INTO media_folders (id, title, parent_id, source_path, created_at) "
                             "VALUES (?1, ?2, ?3, ?4, ?5)",
                             error);
      if (write != NULL)
        {
          tc_sqlite_store_bind_text (write, 4, entry->source_path);
          sqlite3_bind_int64 (write, 5, now);
        }
      result->folders_created++;
    }
  else
    {
      tc_sqlite_set_error (db, "media folder", error);
      return NULL;
    }
  if (write == NULL)
    return NULL;
  tc_sqlite_store_bind_text (write, 1, id);
  tc_sqlite_store_bind_text (write, 2, entry->title);
  tc_sqlite_store_bind_text (write, 3, parent_id);
  if (!tc_sqlite_store_step_done (db, write, error))
    return NULL;
  return g_steal_pointer (&id);
}

static gboolean
upsert_resource (sqlite3             *db,
                 const TcMediaEntry  *entry,
                 const char          *folder_id,
                 gint64               now,
                 TcMediaImportResult *result,
                 GError             **error)
{
  g_autoptr(TcSqliteStmt) find = NULL;
  g_autoptr(TcSqliteStmt) write = NULL;
  g_autofree char *id = NULL;
  g_autofree char *search_text = tc_store_resource_search_text (entry->title, entry->description);
  int rc;

  find = tc_sqlite_store_prepare (db,
                        "SELECT " TC_SQLITE_RESOURCE_COLUMNS " FROM resources r "
                        "WHERE r.source_path = ?1",
                        error);
  if (find == NULL)
    return FALSE;
  tc_sqlite_store_bind_text (find, 1, entry->source_path);
  rc = sqlite3_step (find);
  if (rc == SQLITE_ROW)
    {
      g_autoptr(TcResource) old = tc_sqlite_resource_from_row (find, 0);

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
      id = g_steal_pointer (&old->id);
      write = tc_sqlite_store_prepare (db,
                             "UPDATE resources SET title = ?2, mime_type = ?3, size = ?4, "
                             "  folder_id = ?5, description = ?6, sha256 = ?7, updated_at = ?8, "
                             "  search_text = ?9 "
                             "WHERE id = ?1",
                             error);
      result->updated++;
    }
  else if (rc == SQLITE_DONE)
    {
      id = tc_store_new_media_id ("res_");
      write = tc_sqlite_store_prepare (db,
                             "INSERT INTO resources (id, title, mime_type, size, folder_id, "
                             "  description, sha256, updated_at, search_text, source_path) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                             error);
      if (write != NULL)
        tc_sqlite_store_bind_text (write, 10, entry->source_path);
      result->created++;
    }
  else
    {
      tc_sqlite_set_error (db, "resource", error);
      return FALSE;
    }
  if (write == NULL)
    return FALSE;
  tc_sqlite_store_bind_text (write, 1, id);
  tc_sqlite_store_bind_text (write, 2, entry->title);
  tc_sqlite_store_bind_text (write, 3, entry->mime_type);
  sqlite3_bind_int64 (write, 4, entry->size);
  tc_sqlite_store_bind_text (write, 5, folder_id);
  tc_sqlite_store_bind_text (write, 6, entry->description != NULL ? entry->description : "");
  tc_sqlite_store_bind_text (write, 7, entry->sha256);
  sqlite3_bind_int64 (write, 8, now);
  tc_sqlite_store_bind_text (write, 9, search_text);
  return tc_sqlite_store_step_done (db, write, error);
}

static gboolean
import_job (TcSqliteStore *self,
            sqlite3       *db,
            gpointer       data,
            GPtrArray     *events,
            GError       **error)
{
  ImportJob *job = data;
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
          char *id = upsert_folder (db, entry, parent_id, job->now, &job->result, error);

          if (id == NULL)
            return FALSE;
          g_hash_table_insert (folder_ids, entry->source_path, id);
        }
      else if (!upsert_resource (db, entry, parent_id, job->now, &job->result, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
tc_sqlite_store_import_media (TcStore             *store,
                              GPtrArray           *entries,
                              gint64               now_usec,
                              TcMediaImportResult *result,
                              GError             **error)
{
  ImportJob job = { entries, now_usec, { 0, } };

  if (!tc_sqlite_store_run_write (TC_SQLITE_STORE (store), import_job, &job, error))
    return FALSE;
  if (result != NULL)
    *result = job.result;
  return TRUE;
}
