/* tc-media-preview.h: a resource's thumbnail, or its type's icon */
#pragma once

#include <adwaita.h>

#include "tc-media-cache.h"

G_BEGIN_DECLS

#define TC_TYPE_MEDIA_PREVIEW (tc_media_preview_get_type ())
G_DECLARE_FINAL_TYPE (TcMediaPreview, tc_media_preview, TC, MEDIA_PREVIEW, AdwBin)

/* @size: the square it fills, in pixels. */
GtkWidget *tc_media_preview_new          (int               size);
void       tc_media_preview_set_folder   (TcMediaPreview   *self);
/* The type's icon at once; for an image, its thumbnail from @cache when
 * it comes. @cache may be NULL (icon only). */
void       tc_media_preview_set_resource (TcMediaPreview   *self,
                                          TcMediaCache     *cache,
                                          const TcResource *resource);

G_END_DECLS
