/* tc-media-import.c: `teamchat-server import-media` */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tc-error.h"
#include "tc-media-import.h"

#define SNIFF_BYTES             4096
#define MAX_DESCRIPTION_BYTES   4000
#define MAX_ENTRIES             100000

typedef struct {
  char                *root;       /* SOURCE_DIR, resolved */
  GPtrArray           *entries;    /* TcMediaEntry, parents first */
  GPtrArray           *files;      /* char *: the resolved path of each file entry, same order */
  GHashTable          *dirs_on_path;   /* "dev:ino" of the directories being walked */
  GPtrArray           *warnings;
} Walk;

char *
tc_media_import_title (const char *name,
                       gboolean    strip_extension)
{
  g_autofree char *base = g_strdup (name);
  g_autoptr(GString) title = g_string_new (NULL);
  gboolean slug;
  char *dot;

  if (strip_extension && (dot = strrchr (base, '.')) != NULL && dot != base)
    *dot = '\0';
  /* "spring-catalog" is a slug: its dashes are spaces. "Q3 - North" is not. */
  slug = strchr (base, ' ') == NULL;
  for (const char *p = base; *p != '\0'; p++)
    {
      char c = *p == '_' || (slug && *p == '-') ? ' ' : *p;

      if (c == ' ' && (title->len == 0 || title->str[title->len - 1] == ' '))
        continue;
      g_string_append_c (title, c);
    }
  while (title->len > 0 && title->str[title->len - 1] == ' ')
    g_string_truncate (title, title->len - 1);
  if (title->len == 0)
    return g_strdup (name);
  if (g_ascii_islower (title->str[0]))
    title->str[0] = g_ascii_toupper (title->str[0]);
  return g_string_free (g_steal_pointer (&title), FALSE);
}

static gboolean
is_inside (const char *root,
           const char *path)
{
  gsize len = strlen (root);

  return g_str_equal (root, path) ||
         (strncmp (root, path, len) == 0 && (path[len] == '/' || g_str_equal (root, "/")));
}

static char *
dir_key (const struct stat *st)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT, (guint64) st->st_dev,
                          (guint64) st->st_ino);
}

/* The description next to @path, or "" (trimmed, valid UTF-8, bounded). */
static char *
read_description (const char  *path,
                  GError     **error)
{
  g_autofree char *sidecar = g_strconcat (path, TC_MEDIA_DESCRIPTION_SUFFIX, NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize len = 0;

  if (!g_file_test (sidecar, G_FILE_TEST_IS_REGULAR))
    return g_strdup ("");
  if (!g_file_get_contents (sidecar, &text, &len, &local_error))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "%s", local_error->message);
      return NULL;
    }
  if (len > MAX_DESCRIPTION_BYTES || !g_utf8_validate_len (text, len, NULL))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                   "%s: a description must be UTF-8 text of at most %d bytes", sidecar,
                   MAX_DESCRIPTION_BYTES);
      return NULL;
    }
  return g_strdup (g_strstrip (text));
}

static gboolean walk_dir (Walk *walk, const char *path, const char *rel, guint depth,
                          GError **error);

static gboolean
add_entry (Walk          *walk,
           TcMediaEntry  *entry,
           GError       **error)
{
  if (walk->entries->len >= MAX_ENTRIES)
    {
      tc_media_entry_free (entry);
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                   "more than %d files and folders in one import", MAX_ENTRIES);
      return FALSE;
    }
  g_ptr_array_add (walk->entries, entry);
  return TRUE;
}

/* One name inside the directory @dir_path (source path @dir_rel, NULL for
 * SOURCE_DIR itself). */
static gboolean
walk_entry (Walk        *walk,
            const char  *dir_path,
            const char  *dir_rel,
            const char  *name,
            guint        depth,
            GError     **error)
{
  g_autofree char *path = g_build_filename (dir_path, name, NULL);
  g_autofree char *rel = dir_rel != NULL ? g_strconcat (dir_rel, "/", name, NULL) : g_strdup (name);
  g_autofree char *resolved = NULL;
  struct stat st;

  if (!g_utf8_validate (name, -1, NULL))
    {
      g_autofree char *shown = g_filename_display_name (path);
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "%s: the name is not UTF-8", shown);
      return FALSE;
    }
  if (lstat (path, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "%s: %s", path, g_strerror (saved));
      return FALSE;
    }
  if (S_ISLNK (st.st_mode))
    {
      resolved = realpath (path, NULL);
      if (resolved == NULL)
        {
          int saved = errno;
          g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "%s: broken symbolic link (%s)", path,
                       g_strerror (saved));
          return FALSE;
        }
      if (!is_inside (walk->root, resolved))
        {
          g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                       "%s: refusing a symbolic link that leads outside %s", path, walk->root);
          return FALSE;
        }
      if (stat (resolved, &st) != 0)
        {
          int saved = errno;
          g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "%s: %s", path, g_strerror (saved));
          return FALSE;
        }
    }
  else
    resolved = g_strdup (path);

  if (S_ISDIR (st.st_mode))
    {
      TcMediaEntry *entry;

      if (depth >= TC_MEDIA_MAX_DEPTH)
        {
          g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                       "%s: folders nest deeper than %d levels", path, TC_MEDIA_MAX_DEPTH);
          return FALSE;
        }
      entry = g_new0 (TcMediaEntry, 1);
      entry->is_folder = TRUE;
      entry->source_path = g_strdup (rel);
      entry->parent_path = g_strdup (dir_rel);
      entry->title = tc_media_import_title (name, FALSE);
      if (!add_entry (walk, entry, error))
        return FALSE;
      return walk_dir (walk, resolved, rel, depth + 1, error);
    }

  if (!S_ISREG (st.st_mode))
    {
      g_ptr_array_add (walk->warnings, g_strdup_printf ("%s: skipped (not a regular file)", path));
      return TRUE;
    }
  if (dir_rel == NULL)
    {
      g_ptr_array_add (walk->warnings,
                       g_strdup_printf ("%s: skipped (files belong in a category folder)", path));
      return TRUE;
    }

  {
    g_autofree char *description = read_description (path, error);
    TcMediaEntry *entry;

    if (description == NULL)
      return FALSE;
    entry = g_new0 (TcMediaEntry, 1);
    entry->source_path = g_strdup (rel);
    entry->parent_path = g_strdup (dir_rel);
    entry->title = tc_media_import_title (name, TRUE);
    entry->description = g_steal_pointer (&description);
    if (!add_entry (walk, entry, error))
      return FALSE;
    g_ptr_array_add (walk->files, g_steal_pointer (&resolved));
  }
  return TRUE;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static gboolean
walk_dir (Walk        *walk,
          const char  *path,
          const char  *rel,
          guint        depth,
          GError     **error)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *key = NULL;
  const char *name;
  struct stat st;

  if (stat (path, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "%s: %s", path, g_strerror (saved));
      return FALSE;
    }
  key = dir_key (&st);
  if (g_hash_table_contains (walk->dirs_on_path, key))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "%s: a symbolic link loops back", path);
      return FALSE;
    }

  dir = g_dir_open (path, 0, &local_error);
  if (dir == NULL)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "%s", local_error->message);
      return FALSE;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    if (name[0] != '.' && !g_str_has_suffix (name, TC_MEDIA_DESCRIPTION_SUFFIX))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  g_hash_table_add (walk->dirs_on_path, g_strdup (key));
  for (guint i = 0; i < names->len; i++)
    if (!walk_entry (walk, path, rel, g_ptr_array_index (names, i), depth, error))
      return FALSE;
  g_hash_table_remove (walk->dirs_on_path, key);
  return TRUE;
}

static char *
guess_mime_type (const char *name,
                 int         fd)
{
  guint8 sample[SNIFF_BYTES];
  gssize n = pread (fd, sample, sizeof sample, 0);
  g_autofree char *type = g_content_type_guess (name, n > 0 ? sample : NULL, n > 0 ? (gsize) n : 0,
                                                NULL);
  char *mime = type != NULL ? g_content_type_get_mime_type (type) : NULL;

  return mime != NULL ? mime : g_strdup ("application/octet-stream");
}

/* Copies every file's content into the library; fills sha256, size and type. */
static gboolean
store_contents (Walk            *walk,
                TcMediaLibrary  *library,
                GError         **error)
{
  guint file = 0;

  for (guint i = 0; i < walk->entries->len; i++)
    {
      TcMediaEntry *entry = g_ptr_array_index (walk->entries, i);
      const char *path;
      g_autofree char *name = NULL;
      int fd;
      gboolean ok;

      if (entry->is_folder)
        continue;
      path = g_ptr_array_index (walk->files, file++);
      fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
      if (fd < 0)
        {
          int saved = errno;
          g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "%s: %s", path, g_strerror (saved));
          return FALSE;
        }
      name = g_path_get_basename (entry->source_path);
      entry->mime_type = guess_mime_type (name, fd);
      ok = tc_media_library_store_fd (library, fd, &entry->sha256, &entry->size, error);
      close (fd);
      if (!ok)
        {
          g_prefix_error (error, "%s: ", path);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
tc_media_import_run (TcStore             *store,
                     TcMediaLibrary      *library,
                     const char          *source_dir,
                     TcMediaImportResult *result,
                     GPtrArray           *warnings,
                     GError             **error)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_media_entry_free);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) dirs_on_path = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) own_warnings = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *root = NULL;
  Walk walk;
  struct stat st;

  g_return_val_if_fail (TC_IS_STORE (store), FALSE);
  g_return_val_if_fail (TC_IS_MEDIA_LIBRARY (library), FALSE);

  root = realpath (source_dir, NULL);
  if (root == NULL || stat (root, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "%s: %s", source_dir, g_strerror (saved));
      return FALSE;
    }
  if (!S_ISDIR (st.st_mode))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "%s: not a directory", source_dir);
      return FALSE;
    }
  if (is_inside (root, tc_media_library_get_dir (library)) ||
      is_inside (tc_media_library_get_dir (library), root))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                   "%s: the source must not contain the media directory, nor be inside it",
                   source_dir);
      return FALSE;
    }

  walk.root = root;
  walk.entries = entries;
  walk.files = files;
  walk.dirs_on_path = dirs_on_path;
  walk.warnings = warnings != NULL ? warnings : own_warnings;

  /* Everything is checked before anything is stored. */
  if (!walk_dir (&walk, root, NULL, 0, error) ||
      !store_contents (&walk, library, error))
    return FALSE;
  return tc_store_import_media (store, entries, g_get_real_time () / 1000 * 1000, result, error);
}
