/* tc-media-describe.c: how a library resource is named and drawn
 *
 * Names and icons come from the desktop's MIME database (shared-mime-info
 * through GIO), in the person's language; the size from g_format_size().
 */
#include "config.h"

#include <glib/gi18n.h>

#include "tc-media-describe.h"

char *
tc_media_describe_type (const char *mime_type)
{
  g_autofree char *type = NULL;

  if (mime_type == NULL || *mime_type == '\0')
    return g_strdup (_("File"));
  type = g_content_type_from_mime_type (mime_type);
  if (type == NULL || g_content_type_is_unknown (type))
    return g_strdup (_("File"));
  return g_content_type_get_description (type);
}

char *
tc_media_describe_detail (const TcResource *resource)
{
  g_autofree char *type = NULL;
  g_autofree char *size = NULL;

  g_return_val_if_fail (resource != NULL, NULL);

  type = tc_media_describe_type (resource->mime_type);
  size = g_format_size ((guint64) MAX (resource->size, 0));
  /* TRANSLATORS: under an attachment: its type, then its size
   * ("PDF document · 1.1 kB") */
  return g_strdup_printf (_("%1$s · %2$s"), type, size);
}

GIcon *
tc_media_icon_for_type (const char *mime_type)
{
  g_autofree char *type = NULL;

  if (mime_type != NULL)
    type = g_content_type_from_mime_type (mime_type);
  if (type == NULL)
    return g_themed_icon_new ("text-x-generic-symbolic");
  /* The type's own icon, its generic icon, then text-x-generic. */
  return g_content_type_get_symbolic_icon (type);
}
