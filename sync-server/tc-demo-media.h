/* tc-demo-media.h: the demo Documents and Media library of `seed-demo` */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Writes the demo library as an import-media source tree into @dir
 * (categories, folders, files and their .description files), made by code:
 * brochures and a price list as PDF, price lists as CSV, product photos
 * and banners as JPEG and PNG, training videos as Motion-JPEG AVI. The same
 * bytes every time. Returns the number of files. */
guint tc_demo_media_write (const char  *dir,
                           GError     **error);

G_END_DECLS
