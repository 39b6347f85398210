/* tc-media-cache.c: attachments' files and thumbnails on this computer
 *
 * Contents are named by the resource's SHA-256 (a folder each) and its
 * title, so a library file that changes is a new file, and two messages
 * attaching the same one share it. Disk work runs on worker threads.
 */
#define G_LOG_DOMAIN "TeamChatMedia"

#include "config.h"

#include <errno.h>
#include <utime.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "tc-error.h"
#include "tc-media-cache.h"

/* Thumbnails kept in memory before the oldest are dropped (all at once). */
#define MEMORY_THUMBNAILS 256

struct _TcMediaCache
{
  GObject       parent_instance;

  TcApiClient  *client;      /* nullable */
  char         *dir;
  GHashTable   *downloads;   /* path → TcDownload */
  GHashTable   *thumbnails;  /* "<key>-<size>" → GBytes (PNG) */
};

G_DEFINE_FINAL_TYPE (TcMediaCache, tc_media_cache, G_TYPE_OBJECT)

char *
tc_media_cache_default_dir (void)
{
  return g_build_filename (g_get_user_cache_dir (), "teamchat", NULL);
}

/**
 * tc_media_cache_new:
 * @client: (nullable): the account's client
 * @dir: the cache folder, see tc_media_cache_default_dir()
 *
 * Returns: (transfer full): a cache; folders are made when first needed
 */
TcMediaCache *
tc_media_cache_new (TcApiClient *client,
                    const char  *dir)
{
  TcMediaCache *self;

  g_return_val_if_fail (client == NULL || TC_IS_API_CLIENT (client), NULL);
  g_return_val_if_fail (dir != NULL, NULL);

  self = g_object_new (TC_TYPE_MEDIA_CACHE, NULL);
  self->client = client != NULL ? g_object_ref (client) : NULL;
  self->dir = g_strdup (dir);
  return self;
}

const char *
tc_media_cache_get_dir (TcMediaCache *self)
{
  g_return_val_if_fail (TC_IS_MEDIA_CACHE (self), NULL);
  return self->dir;
}

/* --- names ------------------------------------------------------------------------------ */

static const struct {
  const char *mime_type;
  const char *extension;
} extensions[] = {
  { "application/pdf", "pdf" },
  { "application/zip", "zip" },
  { "application/json", "json" },
  { "application/msword", "doc" },
  { "application/vnd.ms-excel", "xls" },
  { "application/vnd.ms-powerpoint", "ppt" },
  { "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx" },
  { "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx" },
  { "application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx" },
  { "application/vnd.oasis.opendocument.text", "odt" },
  { "application/vnd.oasis.opendocument.spreadsheet", "ods" },
  { "application/vnd.oasis.opendocument.presentation", "odp" },
  { "text/csv", "csv" },
  { "text/plain", "txt" },
  { "text/html", "html" },
  { "image/jpeg", "jpg" },
  { "image/png", "png" },
  { "image/gif", "gif" },
  { "image/webp", "webp" },
  { "image/bmp", "bmp" },
  { "image/tiff", "tiff" },
  { "image/svg+xml", "svg" },
  { "video/x-msvideo", "avi" },
  { "video/webm", "webm" },
  { "video/mp4", "mp4" },
  { "video/quicktime", "mov" },
  { "video/mpeg", "mpeg" },
  { "audio/mpeg", "mp3" },
  { "audio/ogg", "ogg" },
  { "audio/wav", "wav" },
};

static const char *
extension_for (const char *mime_type)
{
  for (guint i = 0; mime_type != NULL && i < G_N_ELEMENTS (extensions); i++)
    if (g_ascii_strcasecmp (mime_type, extensions[i].mime_type) == 0)
      return extensions[i].extension;
  return NULL;
}

/**
 * tc_media_cache_file_name:
 * @resource: a resource
 *
 * Returns: (transfer full): a file name, never empty, never "." or "..",
 *   without '/'
 */
char *
tc_media_cache_file_name (const TcResource *resource)
{
  g_autofree char *valid = NULL;
  g_autofree char *cut = NULL;
  g_autoptr(GString) name = NULL;
  const char *extension;
  const char *start;

  g_return_val_if_fail (resource != NULL, NULL);

  valid = g_utf8_make_valid (resource->title != NULL ? resource->title : "", -1);
  name = g_string_new (NULL);
  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      /* '/' separates folders; control characters and '\' confuse
       * programs that get the path. */
      if (c == '/' || c == '\\' || g_unichar_iscntrl (c) || c == 0x7f)
        g_string_append_c (name, '_');
      else
        g_string_append_unichar (name, c);
    }
  /* Not hidden, not an option to the program that opens it. */
  start = name->str;
  while (*start == '.' || *start == '-' || *start == ' ')
    start++;
  cut = g_utf8_substring (start, 0, MIN (g_utf8_strlen (start, -1),
                                         TC_MEDIA_CACHE_MAX_NAME_CHARS));
  g_strchomp (cut);
  if (*cut == '\0')
    {
      g_free (cut);
      /* TRANSLATORS: the file name of an attachment without a title */
      cut = g_strdup (_("attachment"));
    }

  extension = extension_for (resource->mime_type);
  if (extension != NULL)
    {
      g_autofree char *suffix = g_strconcat (".", extension, NULL);
      g_autofree char *lower = g_ascii_strdown (cut, -1);

      if (!g_str_has_suffix (lower, suffix))
        return g_strconcat (cut, suffix, NULL);
    }
  return g_steal_pointer (&cut);
}

/* The content's name: its SHA-256, or for a server that does not say,
 * a hash of its id. */
static char *
content_key (const TcResource *resource)
{
  if (tc_resource_sha256_is_valid (resource->sha256))
    return g_strdup (resource->sha256);
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, resource->id, -1);
}

char *
tc_media_cache_path_for (TcMediaCache     *self,
                         const TcResource *resource)
{
  g_autofree char *key = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (TC_IS_MEDIA_CACHE (self), NULL);
  g_return_val_if_fail (resource != NULL && resource->id != NULL, NULL);

  key = content_key (resource);
  name = tc_media_cache_file_name (resource);
  return g_build_filename (self->dir, "attachments", key, name, NULL);
}

/**
 * tc_media_cache_get_download:
 * @self: a cache
 * @resource: a resource
 *
 * Returns: (transfer full): the download of @resource's content
 */
TcDownload *
tc_media_cache_get_download (TcMediaCache     *self,
                             const TcResource *resource)
{
  g_autofree char *path = NULL;
  TcDownload *download;

  g_return_val_if_fail (TC_IS_MEDIA_CACHE (self), NULL);
  g_return_val_if_fail (resource != NULL && resource->id != NULL, NULL);

  path = tc_media_cache_path_for (self, resource);
  download = g_hash_table_lookup (self->downloads, path);
  if (download == NULL)
    {
      download = tc_download_new (self->client, resource, path);
      g_hash_table_insert (self->downloads, g_steal_pointer (&path), download);
    }
  return g_object_ref (download);
}

/* --- keeping it small ------------------------------------------------------------------- */

void
tc_media_cache_touch (const char *path)
{
  /* Last used: now. A file that cannot be touched is only pruned sooner. */
  if (g_utime (path, NULL) != 0)
    g_debug ("Could not mark %s as used: %s", path, g_strerror (errno));
}

typedef struct {
  char    *dir;
  gint64   older_than;   /* seconds since the epoch */
  guint64  freed;        /* bytes */
} Prune;

static void
prune_free (Prune *prune)
{
  g_free (prune->dir);
  g_free (prune);
}

/* Removes the regular files under @path last changed before the cut-off,
 * then the folders left empty. Never follows a symbolic link, and goes no
 * deeper than the cache's own layout needs. */
static void
prune_folder (Prune        *prune,
              const char   *path,
              guint         depth,
              GCancellable *cancellable)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL && !g_cancellable_is_cancelled (cancellable))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      GStatBuf st;

      if (g_lstat (child, &st) != 0)
        continue;
      if (S_ISDIR (st.st_mode) && depth < 2)
        {
          prune_folder (prune, child, depth + 1, cancellable);
          /* Only when empty: what is still in use stays. */
          (void) g_rmdir (child);
        }
      else if (S_ISREG (st.st_mode) && st.st_mtime < prune->older_than)
        {
          if (g_unlink (child) == 0)
            prune->freed += (guint64) st.st_size;
          else
            g_debug ("Could not remove %s: %s", child, g_strerror (errno));
        }
    }
}

static void
prune_thread (GTask        *task,
              gpointer      source,
              gpointer      data,
              GCancellable *cancellable)
{
  Prune *prune = data;
  static const char * const folders[] = { "attachments", "thumbnails" };

  /* Only the cache's own folders: whatever else is in @dir is not ours. */
  for (guint i = 0; i < G_N_ELEMENTS (folders); i++)
    {
      g_autofree char *folder = g_build_filename (prune->dir, folders[i], NULL);

      prune_folder (prune, folder, 0, cancellable);
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  g_task_return_boolean (task, TRUE);
}

/**
 * tc_media_cache_prune_async:
 * @dir: the cache folder, see tc_media_cache_default_dir()
 * @older_than: files last used before this time (seconds since the epoch)
 *   are removed; %G_MAXINT64 removes them all
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: for @callback
 *
 * Removes downloaded attachments and thumbnails on a worker thread. A file
 * counts as used when it was downloaded, opened or shown.
 */
void
tc_media_cache_prune_async (const char          *dir,
                            gint64               older_than,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Prune *prune;

  g_return_if_fail (dir != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, tc_media_cache_prune_async);
  prune = g_new0 (Prune, 1);
  prune->dir = g_strdup (dir);
  prune->older_than = older_than;
  g_task_set_task_data (task, prune, (GDestroyNotify) prune_free);
  g_task_run_in_thread (task, prune_thread);
}

/**
 * tc_media_cache_prune_finish:
 * @result: the result
 * @freed: (out) (optional): bytes removed
 * @error: return location for an error (only when cancelled)
 *
 * Returns: %TRUE when done
 */
gboolean
tc_media_cache_prune_finish (GAsyncResult  *result,
                             guint64       *freed,
                             GError       **error)
{
  Prune *prune;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  prune = g_task_get_task_data (G_TASK (result));
  if (freed != NULL)
    *freed = prune->freed;
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- thumbnails -------------------------------------------------------------------------- */

static const char * const thumbnail_types[] = {
  "image/png", "image/jpeg", "image/gif", "image/bmp", "image/webp", "image/tiff",
};

gboolean
tc_media_cache_has_thumbnail (const TcResource *resource)
{
  g_return_val_if_fail (resource != NULL, FALSE);

  for (guint i = 0; resource->mime_type != NULL && i < G_N_ELEMENTS (thumbnail_types); i++)
    if (g_ascii_strcasecmp (resource->mime_type, thumbnail_types[i]) == 0)
      return TRUE;
  return FALSE;
}

/* The sizes the server makes (it rounds up to these). */
static guint
round_size (guint size)
{
  static const guint sizes[] = { 32, 64, 128, 256, 512 };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    if (size <= sizes[i])
      return sizes[i];
  return 512;
}

typedef struct {
  TcResource *resource;
  char       *key;     /* "<content key>-<size>" */
  char       *path;    /* thumbnails/<key>.png */
  guint       size;
  GBytes     *png;     /* to write */
} Thumbnail;

static void
thumbnail_free (Thumbnail *thumbnail)
{
  tc_resource_free (thumbnail->resource);
  g_free (thumbnail->key);
  g_free (thumbnail->path);
  g_clear_pointer (&thumbnail->png, g_bytes_unref);
  g_free (thumbnail);
}

static void
remember (TcMediaCache *self,
          const char   *key,
          GBytes       *png)
{
  if (g_hash_table_size (self->thumbnails) >= MEMORY_THUMBNAILS)
    g_hash_table_remove_all (self->thumbnails);
  g_hash_table_insert (self->thumbnails, g_strdup (key), g_bytes_ref (png));
}

static void
write_thumbnail_thread (GTask        *task,
                        gpointer      source,
                        gpointer      data,
                        GCancellable *cancellable)
{
  Thumbnail *thumbnail = data;
  g_autofree char *dir = g_path_get_dirname (thumbnail->path);
  g_autoptr(GError) error = NULL;

  if (g_mkdir_with_parents (dir, 0700) != 0 ||
      !g_file_set_contents_full (thumbnail->path, g_bytes_get_data (thumbnail->png, NULL),
                                 (gssize) g_bytes_get_size (thumbnail->png),
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    g_debug ("Could not keep a thumbnail in %s: %s", dir,
             error != NULL ? error->message : g_strerror (errno));
  g_task_return_boolean (task, TRUE);
}

static void
fetched_thumbnail_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TcMediaCache *self = g_task_get_source_object (task);
  Thumbnail *thumbnail = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GTask) write = NULL;
  Thumbnail *to_write;

  png = tc_api_client_media_thumbnail_finish (TC_API_CLIENT (source), result, &error);
  if (png == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  remember (self, thumbnail->key, png);

  /* On disk for next time, whatever becomes of this request. */
  to_write = g_new0 (Thumbnail, 1);
  to_write->resource = tc_resource_copy (thumbnail->resource);
  to_write->key = g_strdup (thumbnail->key);
  to_write->path = g_strdup (thumbnail->path);
  to_write->png = g_bytes_ref (png);
  write = g_task_new (NULL, NULL, NULL, NULL);
  g_task_set_task_data (write, to_write, (GDestroyNotify) thumbnail_free);
  g_task_run_in_thread (write, write_thumbnail_thread);

  g_task_return_pointer (task, g_steal_pointer (&png), (GDestroyNotify) g_bytes_unref);
}

/* Worker thread: the thumbnail from the disk, or NULL. */
static void
read_thumbnail_thread (GTask        *task,
                       gpointer      source,
                       gpointer      data,
                       GCancellable *cancellable)
{
  Thumbnail *thumbnail = data;
  char *contents = NULL;
  gsize len = 0;

  if (g_file_get_contents (thumbnail->path, &contents, &len, NULL) && len > 0)
    {
      tc_media_cache_touch (thumbnail->path);
      g_task_return_pointer (task, g_bytes_new_take (contents, len), (GDestroyNotify) g_bytes_unref);
    }
  else
    {
      g_free (contents);
      g_task_return_pointer (task, NULL, NULL);
    }
}

static void
read_thumbnail_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TcMediaCache *self = TC_MEDIA_CACHE (source);
  Thumbnail *thumbnail = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(GBytes) png = g_task_propagate_pointer (G_TASK (result), &error);

  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (png != NULL)
    {
      remember (self, thumbnail->key, png);
      g_task_return_pointer (task, g_steal_pointer (&png), (GDestroyNotify) g_bytes_unref);
      return;
    }
  if (self->client == NULL)
    {
      g_task_return_new_error (task, TC_ERROR, TC_ERROR_UNAVAILABLE, "not connected");
      return;
    }
  tc_api_client_media_thumbnail_async (self->client, thumbnail->resource->id, thumbnail->size,
                                       g_task_get_cancellable (task), fetched_thumbnail_cb,
                                       g_object_ref (task));
}

/**
 * tc_media_cache_thumbnail_async:
 * @self: a cache
 * @resource: an image resource (see tc_media_cache_has_thumbnail())
 * @size: the longest side wanted, in pixels (rounded up as the server does)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * Finds the thumbnail in memory, then on disk, then asks the server (and
 * keeps its answer on disk).
 */
void
tc_media_cache_thumbnail_async (TcMediaCache        *self,
                                const TcResource    *resource,
                                guint                size,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) read = NULL;
  g_autofree char *content = NULL;
  g_autofree char *file = NULL;
  Thumbnail *thumbnail;
  GBytes *png;

  g_return_if_fail (TC_IS_MEDIA_CACHE (self));
  g_return_if_fail (resource != NULL && resource->id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tc_media_cache_thumbnail_async);
  if (!tc_media_cache_has_thumbnail (resource))
    {
      g_task_return_new_error (task, TC_ERROR, TC_ERROR_NOT_FOUND, "not an image");
      return;
    }

  thumbnail = g_new0 (Thumbnail, 1);
  thumbnail->resource = tc_resource_copy (resource);
  thumbnail->size = round_size (size);
  content = content_key (resource);
  thumbnail->key = g_strdup_printf ("%s-%u", content, thumbnail->size);
  file = g_strconcat (thumbnail->key, ".png", NULL);
  thumbnail->path = g_build_filename (self->dir, "thumbnails", file, NULL);
  g_task_set_task_data (task, thumbnail, (GDestroyNotify) thumbnail_free);

  png = g_hash_table_lookup (self->thumbnails, thumbnail->key);
  if (png != NULL)
    {
      g_task_return_pointer (task, g_bytes_ref (png), (GDestroyNotify) g_bytes_unref);
      return;
    }
  read = g_task_new (self, cancellable, read_thumbnail_cb, g_steal_pointer (&task));
  g_task_set_task_data (read, thumbnail, NULL);
  g_task_run_in_thread (read, read_thumbnail_thread);
}

GBytes *
tc_media_cache_thumbnail_finish (TcMediaCache  *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (TC_IS_MEDIA_CACHE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tc_media_cache_thumbnail_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- errors ------------------------------------------------------------------------------- */

/**
 * tc_media_cache_describe_error:
 * @error: what went wrong downloading or copying an attachment
 *
 * Returns: (transfer full): a sentence for people, saying what to do
 */
char *
tc_media_cache_describe_error (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain == TC_ERROR)
    switch ((TcErrorCode) error->code)
      {
      case TC_ERROR_INVALID:
        return g_strdup (_("The file arrived damaged: its checksum does not match the library’s. Try again."));
      case TC_ERROR_UNAVAILABLE:
        return g_strdup (_("The server cannot be reached. Check your connection, then try again."));
      case TC_ERROR_NOT_FOUND:
        return g_strdup (_("This file is not in the library any more. Ask the sender for it."));
      case TC_ERROR_UNAUTHORIZED:
        return g_strdup (_("Your session has ended. Log in again to open attachments."));
      default:
        break;
      }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
    return g_strdup (_("There is not enough free disk space for this file. Free some space, then try again."));
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_READ_ONLY))
    /* TRANSLATORS: %s is a technical error message */
    return g_strdup_printf (_("The file could not be written here: %s. Choose another folder."),
                            error->message);
  if (error->domain == G_TLS_ERROR)
    return g_strdup (_("The connection to the server is not secure. Ask your administrator."));
  /* TRANSLATORS: %s is a technical error message */
  return g_strdup_printf (_("The file could not be downloaded: %s"), error->message);
}

/* --- GObject ------------------------------------------------------------------------------- */

static void
tc_media_cache_finalize (GObject *object)
{
  TcMediaCache *self = TC_MEDIA_CACHE (object);

  g_clear_pointer (&self->downloads, g_hash_table_unref);
  g_clear_pointer (&self->thumbnails, g_hash_table_unref);
  g_clear_object (&self->client);
  g_free (self->dir);

  G_OBJECT_CLASS (tc_media_cache_parent_class)->finalize (object);
}

static void
tc_media_cache_class_init (TcMediaCacheClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tc_media_cache_finalize;
}

static void
tc_media_cache_init (TcMediaCache *self)
{
  self->downloads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->thumbnails = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) g_bytes_unref);
}
