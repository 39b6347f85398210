/* tc-media-entry.h: a folder or a resource of the library, as a list item
 *
 * What the attachment browser's lists hold (categories, breadcrumbs, the
 * grid): an immutable copy of one TcMediaFolder (without its subfolders)
 * or one TcResource.
 */
#pragma once

#include <glib-object.h>

#include "tc-media-folder.h"
#include "tc-resource.h"

G_BEGIN_DECLS

#define TC_TYPE_MEDIA_ENTRY (tc_media_entry_get_type ())
G_DECLARE_FINAL_TYPE (TcMediaEntry, tc_media_entry, TC, MEDIA_ENTRY, GObject)

TcMediaEntry        *tc_media_entry_new_folder    (const TcMediaFolder *folder);
TcMediaEntry        *tc_media_entry_new_resource  (const TcResource    *resource);

gboolean             tc_media_entry_is_folder     (TcMediaEntry        *self);
const char          *tc_media_entry_get_id        (TcMediaEntry        *self);
const char          *tc_media_entry_get_title     (TcMediaEntry        *self);
/* NULL for a resource. */
const TcMediaFolder *tc_media_entry_get_folder    (TcMediaEntry        *self);
/* NULL for a folder. */
const TcResource    *tc_media_entry_get_resource  (TcMediaEntry        *self);

G_END_DECLS
