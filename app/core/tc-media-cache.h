/* tc-media-cache.h: attachments' files and thumbnails on this computer
 *
 * Under the user's cache folder (g_get_user_cache_dir()/teamchat):
 * attachments/<sha256>/<title>.<ext> holds downloaded contents, named so
 * that the desktop's applications recognise them, and thumbnails/ the
 * server's previews of images. One per account; contents are shared by
 * SHA-256, so the same file attached twice is downloaded once.
 */
#pragma once

#include <gio/gio.h>

#include "tc-api-client.h"
#include "tc-download.h"

G_BEGIN_DECLS

#define TC_TYPE_MEDIA_CACHE (tc_media_cache_get_type ())
G_DECLARE_FINAL_TYPE (TcMediaCache, tc_media_cache, TC, MEDIA_CACHE, GObject)

/* File names are cut to this many characters before the extension. */
#define TC_MEDIA_CACHE_MAX_NAME_CHARS 100

/* g_get_user_cache_dir()/teamchat */
char         *tc_media_cache_default_dir     (void);

/* @client may be NULL (nothing can be downloaded). */
TcMediaCache *tc_media_cache_new             (TcApiClient         *client,
                                              const char          *dir);
const char   *tc_media_cache_get_dir         (TcMediaCache        *self);

/* A file name for @resource: its title without '/' or control characters,
 * not hidden, cut to a sane length, with the extension of its MIME type
 * (when the title does not have it already). */
char         *tc_media_cache_file_name       (const TcResource    *resource);
/* Where @resource's content is kept. */
char         *tc_media_cache_path_for        (TcMediaCache        *self,
                                              const TcResource    *resource);
/* The one download of @resource's content (the same object while the
 * cache lives). */
TcDownload   *tc_media_cache_get_download    (TcMediaCache        *self,
                                              const TcResource    *resource);

/* Whether the server makes thumbnails of this type (raster images). */
gboolean      tc_media_cache_has_thumbnail   (const TcResource    *resource);
/* The PNG thumbnail of an image resource, from memory, the disk or the
 * server (then kept on disk); TC_ERROR_NOT_FOUND when it has none. */
void          tc_media_cache_thumbnail_async  (TcMediaCache        *self,
                                               const TcResource    *resource,
                                               guint                size,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
GBytes       *tc_media_cache_thumbnail_finish (TcMediaCache        *self,
                                               GAsyncResult        *result,
                                               GError             **error);

/* Downloaded files and thumbnails unused for this long are removed when
 * an account starts. */
#define TC_MEDIA_CACHE_KEEP_DAYS 30

/* Marks a cached file as just used (its modification time). */
void          tc_media_cache_touch           (const char          *path);
void          tc_media_cache_prune_async     (const char          *dir,
                                              gint64               older_than,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean      tc_media_cache_prune_finish    (GAsyncResult        *result,
                                              guint64             *freed,
                                              GError             **error);

/* A sentence a person can act on for an error of a download or a copy. */
char         *tc_media_cache_describe_error  (const GError        *error);

G_END_DECLS
