/* tc-media-library.c: the files of the Documents and Media library */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gdk-pixbuf/gdk-pixbuf.h>

#include "tc-error.h"
#include "tc-media-library.h"
#include "tc-resource.h"

#define COPY_BUFFER_SIZE       (256 * 1024)
#define THUMBNAIL_MAX_BYTES    (64 * 1024 * 1024)   /* larger images get no thumbnail */
#define THUMBNAIL_MAX_PIXELS   (64 * 1024 * 1024)   /* nor do images of more pixels */

struct _TcMediaLibrary
{
  GObject  parent_instance;

  char    *dir;
};

G_DEFINE_FINAL_TYPE (TcMediaLibrary, tc_media_library, G_TYPE_OBJECT)

static void
tc_media_library_finalize (GObject *object)
{
  TcMediaLibrary *self = TC_MEDIA_LIBRARY (object);

  g_free (self->dir);
  G_OBJECT_CLASS (tc_media_library_parent_class)->finalize (object);
}

static void
tc_media_library_class_init (TcMediaLibraryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tc_media_library_finalize;
}

static void
tc_media_library_init (TcMediaLibrary *self)
{
}

static gboolean
set_errno_error (GError     **error,
                 int          saved_errno,
                 const char  *what,
                 const char  *path)
{
  g_set_error (error, TC_ERROR, saved_errno == ENOSPC || saved_errno == EROFS || saved_errno == EDQUOT
                                  ? TC_ERROR_UNAVAILABLE : TC_ERROR_INTERNAL,
               "%s %s: %s", what, path, g_strerror (saved_errno));
  return FALSE;
}

/**
 * tc_media_library_new:
 * @dir: the media directory
 * @error: return location for an error
 *
 * Returns: (transfer full): the library, or %NULL when @dir cannot be used
 */
TcMediaLibrary *
tc_media_library_new (const char  *dir,
                      GError     **error)
{
  g_autoptr(TcMediaLibrary) self = g_object_new (TC_TYPE_MEDIA_LIBRARY, NULL);
  const char *subdirs[] = { "objects", "thumbnails", "tmp" };

  g_return_val_if_fail (dir != NULL, NULL);

  self->dir = g_canonicalize_filename (dir, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (subdirs); i++)
    {
      g_autofree char *path = g_build_filename (self->dir, subdirs[i], NULL);

      if (g_mkdir_with_parents (path, 0750) != 0)
        {
          int saved = errno;
          g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "cannot create media directory %s: %s",
                       path, g_strerror (saved));
          return NULL;
        }
    }
  return g_steal_pointer (&self);
}

const char *
tc_media_library_get_dir (TcMediaLibrary *self)
{
  g_return_val_if_fail (TC_IS_MEDIA_LIBRARY (self), NULL);
  return self->dir;
}

/* --- safe paths ----------------------------------------------------------------- */

/* Opens DIR/@names[0]/…/@names[n-1] one name at a time, following no
 * symbolic link below DIR. Returns -1 with errno set. */
static int
open_below (TcMediaLibrary     *self,
            const char * const *names,
            guint               n,
            int                 flags)
{
  int fd = open (self->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  for (guint i = 0; fd >= 0 && i < n; i++)
    {
      gboolean last = i + 1 == n;
      int next = openat (fd, names[i],
                         (last ? flags : O_RDONLY | O_DIRECTORY) | O_NOFOLLOW | O_CLOEXEC);
      int saved = errno;

      close (fd);
      errno = saved;
      fd = next;
    }
  return fd;
}

/* "ab" and "cdef…" for @sha256: the object is DIR/objects/ab/cdef…. */
static void
object_names (const char *sha256,
              char        prefix[static 3],
              const char **rest)
{
  prefix[0] = sha256[0];
  prefix[1] = sha256[1];
  prefix[2] = '\0';
  *rest = sha256 + 2;
}

static int
open_object (TcMediaLibrary *self,
             const char     *sha256)
{
  char prefix[3];
  const char *rest;

  object_names (sha256, prefix, &rest);
  return open_below (self, (const char *[]) { "objects", prefix, rest }, 3, O_RDONLY);
}

/* --- storing ------------------------------------------------------------------------- */

static gboolean
write_all (int           fd,
           const guint8 *data,
           gsize         len)
{
  while (len > 0)
    {
      gssize n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* A new file in DIR/tmp: its descriptor and full path. */
static int
create_temp (TcMediaLibrary  *self,
             char           **out_path,
             GError         **error)
{
  g_autofree char *path = g_build_filename (self->dir, "tmp", "new-XXXXXX", NULL);
  int fd = g_mkstemp_full (path, O_RDWR | O_CLOEXEC, 0640);

  if (fd < 0)
    {
      set_errno_error (error, errno, "cannot create a file in", self->dir);
      return -1;
    }
  *out_path = g_steal_pointer (&path);
  return fd;
}

/* Moves the complete, synced temporary file @tmp_path to DIR/@dir_name/@name. */
static gboolean
install_file (TcMediaLibrary  *self,
              const char      *tmp_path,
              const char      *dir_name,
              const char      *name,
              GError         **error)
{
  g_autofree char *dir = g_build_filename (self->dir, dir_name, NULL);
  g_autofree char *target = g_build_filename (dir, name, NULL);

  if (g_mkdir_with_parents (dir, 0750) != 0)
    return set_errno_error (error, errno, "cannot create", dir);
  if (g_rename (tmp_path, target) != 0)
    return set_errno_error (error, errno, "cannot move a file to", target);
  return TRUE;
}

/**
 * tc_media_library_store_fd:
 *
 * Returns: %TRUE when the content is in the library
 */
gboolean
tc_media_library_store_fd (TcMediaLibrary  *self,
                           int              fd,
                           char           **out_sha256,
                           gint64          *out_size,
                           GError         **error)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buffer = g_malloc (COPY_BUFFER_SIZE);
  g_autofree char *tmp_path = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *prefix_dir = NULL;
  char prefix[3];
  const char *rest;
  gint64 size = 0;
  int existing;
  int out;

  g_return_val_if_fail (TC_IS_MEDIA_LIBRARY (self), FALSE);

  out = create_temp (self, &tmp_path, error);
  if (out < 0)
    return FALSE;
  for (;;)
    {
      gssize n = read (fd, buffer, COPY_BUFFER_SIZE);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          close (out);
          g_unlink (tmp_path);
          g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "cannot read: %s", g_strerror (saved));
          return FALSE;
        }
      if (n == 0)
        break;
      g_checksum_update (checksum, buffer, n);
      size += n;
      if (!write_all (out, buffer, (gsize) n))
        {
          int saved = errno;
          close (out);
          g_unlink (tmp_path);
          return set_errno_error (error, saved, "cannot write", tmp_path);
        }
    }
  if (fsync (out) != 0 || close (out) != 0)
    {
      int saved = errno;
      g_unlink (tmp_path);
      return set_errno_error (error, saved, "cannot write", tmp_path);
    }

  sha256 = g_strdup (g_checksum_get_string (checksum));
  object_names (sha256, prefix, &rest);
  prefix_dir = g_build_filename ("objects", prefix, NULL);
  existing = open_object (self, sha256);
  if (existing >= 0)
    {
      /* The same content is there already (content-addressed). */
      close (existing);
      g_unlink (tmp_path);
    }
  else if (!install_file (self, tmp_path, prefix_dir, rest, error))
    {
      g_unlink (tmp_path);
      return FALSE;
    }

  *out_sha256 = g_steal_pointer (&sha256);
  *out_size = size;
  return TRUE;
}

/* --- reading ----------------------------------------------------------------------------- */

int
tc_media_library_open (TcMediaLibrary  *self,
                       const char      *sha256,
                       gint64           expected_size,
                       GError         **error)
{
  struct stat st;
  int fd;

  g_return_val_if_fail (TC_IS_MEDIA_LIBRARY (self), -1);

  if (!tc_resource_sha256_is_valid (sha256))
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_NOT_FOUND, "this resource has no content");
      return -1;
    }
  fd = open_object (self, sha256);
  if (fd < 0)
    {
      g_warning ("Content %s of the media library cannot be opened: %s", sha256,
                 g_strerror (errno));
      g_set_error_literal (error, TC_ERROR, TC_ERROR_NOT_FOUND,
                           "the content of this resource is missing on the server");
      return -1;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size != expected_size)
    {
      g_warning ("Content %s of the media library is not a regular file of %" G_GINT64_FORMAT
                 " bytes", sha256, expected_size);
      close (fd);
      g_set_error_literal (error, TC_ERROR, TC_ERROR_NOT_FOUND,
                           "the content of this resource is missing on the server");
      return -1;
    }
  return fd;
}

/* --- thumbnails ----------------------------------------------------------------------------- */

static const char * const thumbnail_types[] = {
  "image/png", "image/jpeg", "image/gif", "image/bmp", "image/webp", "image/tiff",
};

gboolean
tc_media_library_can_thumbnail (const char *mime_type)
{
  /* Raster images only: SVG may refer to other files. */
  for (guint i = 0; mime_type != NULL && i < G_N_ELEMENTS (thumbnail_types); i++)
    if (g_str_equal (mime_type, thumbnail_types[i]))
      return TRUE;
  return FALSE;
}

static guint
round_thumbnail_size (guint size)
{
  guint rounded = TC_MEDIA_THUMBNAIL_MIN;

  while (rounded < size && rounded < TC_MEDIA_THUMBNAIL_MAX)
    rounded *= 2;
  return rounded;
}

static GBytes *
read_fd (int     fd,
         gsize   max)
{
  g_autoptr(GByteArray) data = g_byte_array_new ();
  guint8 buffer[16 * 1024];

  for (;;)
    {
      gssize n = read (fd, buffer, sizeof buffer);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 || data->len + (gsize) n > max)
        return NULL;
      if (n == 0)
        break;
      g_byte_array_append (data, buffer, (guint) n);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&data));
}

typedef struct {
  guint    size;
  gboolean too_large;
} ThumbnailPlan;

static void
on_size_prepared_cb (GdkPixbufLoader *loader,
                     int              width,
                     int              height,
                     ThumbnailPlan   *plan)
{
  double scale;

  if (width <= 0 || height <= 0 || (gint64) width * height > THUMBNAIL_MAX_PIXELS)
    {
      plan->too_large = TRUE;
      gdk_pixbuf_loader_set_size (loader, 1, 1);
      return;
    }
  scale = MIN (1.0, MIN ((double) plan->size / width, (double) plan->size / height));
  gdk_pixbuf_loader_set_size (loader, MAX (1, (int) (width * scale + 0.5)),
                              MAX (1, (int) (height * scale + 0.5)));
}

static GBytes *
make_thumbnail (GBytes      *image,
                const char  *mime_type,
                guint        size,
                GError     **error)
{
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autoptr(GdkPixbuf) oriented = NULL;
  g_autoptr(GError) local_error = NULL;
  ThumbnailPlan plan = { size, FALSE };
  GdkPixbuf *pixbuf;
  gsize len;
  const guint8 *data = g_bytes_get_data (image, &len);
  gchar *png = NULL;
  gsize png_len = 0;

  loader = gdk_pixbuf_loader_new_with_mime_type (mime_type, &local_error);
  if (loader == NULL)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_NOT_FOUND, "no thumbnail for %s: %s", mime_type,
                   local_error->message);
      return NULL;
    }
  g_signal_connect (loader, "size-prepared", G_CALLBACK (on_size_prepared_cb), &plan);
  if (!gdk_pixbuf_loader_write (loader, data, len, &local_error) ||
      !gdk_pixbuf_loader_close (loader, &local_error) || plan.too_large)
    {
      if (local_error == NULL)
        gdk_pixbuf_loader_close (loader, NULL);
      g_set_error (error, TC_ERROR, TC_ERROR_NOT_FOUND, "no thumbnail for this image: %s",
                   plan.too_large ? "it is too large" : local_error->message);
      return NULL;
    }
  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  if (pixbuf == NULL)
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_NOT_FOUND, "no thumbnail for this image");
      return NULL;
    }
  oriented = gdk_pixbuf_apply_embedded_orientation (pixbuf);
  if (!gdk_pixbuf_save_to_buffer (oriented != NULL ? oriented : pixbuf, &png, &png_len, "png",
                                  &local_error, NULL))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INTERNAL, "cannot encode a thumbnail: %s",
                   local_error->message);
      return NULL;
    }
  return g_bytes_new_take (png, png_len);
}

GBytes *
tc_media_library_thumbnail (TcMediaLibrary  *self,
                            const char      *sha256,
                            const char      *mime_type,
                            guint            size,
                            guint           *out_size,
                            GError         **error)
{
  g_autofree char *name = NULL;
  g_autofree char *tmp_path = NULL;
  g_autoptr(GBytes) image = NULL;
  g_autoptr(GBytes) thumbnail = NULL;
  gsize len;
  const guint8 *data;
  int fd;

  g_return_val_if_fail (TC_IS_MEDIA_LIBRARY (self), NULL);

  if (!tc_media_library_can_thumbnail (mime_type) || !tc_resource_sha256_is_valid (sha256))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_NOT_FOUND, "no thumbnail for %s",
                   mime_type != NULL ? mime_type : "this resource");
      return NULL;
    }
  size = round_thumbnail_size (size);
  *out_size = size;
  name = g_strdup_printf ("%s-%u.png", sha256, size);

  fd = open_below (self, (const char *[]) { "thumbnails", name }, 2, O_RDONLY);
  if (fd >= 0)
    {
      thumbnail = read_fd (fd, THUMBNAIL_MAX_BYTES);
      close (fd);
      if (thumbnail != NULL)
        return g_steal_pointer (&thumbnail);
    }

  fd = open_object (self, sha256);
  if (fd < 0)
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_NOT_FOUND,
                           "the content of this resource is missing on the server");
      return NULL;
    }
  image = read_fd (fd, THUMBNAIL_MAX_BYTES);
  close (fd);
  if (image == NULL)
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_NOT_FOUND,
                           "no thumbnail for this image: it is too large");
      return NULL;
    }
  thumbnail = make_thumbnail (image, mime_type, size, error);
  if (thumbnail == NULL)
    return NULL;

  /* Keep it for next time; a failure here only costs making it again. */
  fd = create_temp (self, &tmp_path, NULL);
  if (fd >= 0)
    {
      data = g_bytes_get_data (thumbnail, &len);
      if (write_all (fd, data, len) && close (fd) == 0)
        {
          if (!install_file (self, tmp_path, "thumbnails", name, NULL))
            g_unlink (tmp_path);
        }
      else
        g_unlink (tmp_path);
    }
  return g_steal_pointer (&thumbnail);
}
