/* tc-uuid.h: client ids */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char     *tc_uuid_new      (void);
gboolean  tc_uuid_is_valid (const char *text);

G_END_DECLS
