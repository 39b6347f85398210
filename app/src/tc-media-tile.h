/* tc-media-tile.h: one folder or resource in the attachment browser's grid */
#pragma once

#include <adwaita.h>

#include "tc-media-cache.h"
#include "tc-media-entry.h"

G_BEGIN_DECLS

#define TC_TYPE_MEDIA_TILE (tc_media_tile_get_type ())
G_DECLARE_FINAL_TYPE (TcMediaTile, tc_media_tile, TC, MEDIA_TILE, AdwBin)

GtkWidget *tc_media_tile_new  (void);
/* Shows @list_item's TcMediaEntry (NULL: nothing, when unbound). */
void       tc_media_tile_bind (TcMediaTile  *self,
                               GtkListItem  *list_item,
                               TcMediaCache *cache);

G_END_DECLS
