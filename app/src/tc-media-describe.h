/* tc-media-describe.h: how a library resource is named and drawn */
#pragma once

#include <gio/gio.h>

#include "tc-resource.h"

G_BEGIN_DECLS

/* The desktop's name of the type ("PDF document"). */
char  *tc_media_describe_type   (const char       *mime_type);
/* "PDF document · 1.1 kB" */
char  *tc_media_describe_detail (const TcResource *resource);
/* A symbolic icon for the type, with generic fallbacks. */
GIcon *tc_media_icon_for_type   (const char       *mime_type);

G_END_DECLS
