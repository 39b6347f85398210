/* tc-media-library.h: the files of the Documents and Media library
 *
 * The media directory holds every resource's content once, named by its
 * SHA-256 (content-addressed), and the thumbnails made from it:
 *
 *   DIR/objects/ab/cdef…      the content whose SHA-256 is "abcdef…"
 *   DIR/thumbnails/abcdef…-256.png
 *   DIR/tmp/                  files being written (renamed into place)
 *
 * Nothing outside the directory is ever opened: files are reached from it
 * with openat() one name at a time, refusing symbolic links, so a link
 * planted inside cannot lead out. All calls block: worker threads only.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TC_TYPE_MEDIA_LIBRARY (tc_media_library_get_type ())
G_DECLARE_FINAL_TYPE (TcMediaLibrary, tc_media_library, TC, MEDIA_LIBRARY, GObject)

/* The thumbnail sizes made, in pixels; requests round up to one of them. */
#define TC_MEDIA_THUMBNAIL_MIN  32
#define TC_MEDIA_THUMBNAIL_MAX  512

/* Creates the directory and its layout if missing (mode 0750). */
TcMediaLibrary *tc_media_library_new           (const char      *dir,
                                                GError         **error);
const char     *tc_media_library_get_dir       (TcMediaLibrary  *self);

/* Copies the regular file open as @fd into the library (unless the same
 * content is there already); *out_sha256 gets its lowercase hex SHA-256. */
gboolean        tc_media_library_store_fd      (TcMediaLibrary  *self,
                                                int              fd,
                                                char           **out_sha256,
                                                gint64          *out_size,
                                                GError         **error);

/* A read-only descriptor of the content of @sha256, which must be a
 * regular file of @expected_size bytes; TC_ERROR_NOT_FOUND when it is
 * missing (or is not what it should be, which is logged). */
int             tc_media_library_open          (TcMediaLibrary  *self,
                                                const char      *sha256,
                                                gint64           expected_size,
                                                GError         **error);

/* Whether a thumbnail can be made for content of @mime_type. */
gboolean        tc_media_library_can_thumbnail (const char      *mime_type);
/* The content of @sha256 scaled to fit @size × @size (rounded up to a
 * power of two within the limits above) as PNG, made on first use and
 * kept in the directory. *out_size gets the size used. */
GBytes         *tc_media_library_thumbnail     (TcMediaLibrary  *self,
                                                const char      *sha256,
                                                const char      *mime_type,
                                                guint            size,
                                                guint           *out_size,
                                                GError         **error);

G_END_DECLS
