/* tc-resource.h: a Documents and Media library resource */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define TC_TYPE_RESOURCE (tc_resource_get_type ())

typedef struct {
  char   *id;
  char   *title;
  char   *mime_type;
  gint64  size;
  char   *folder_id;
  /* Extensions (docs/api.md): NULL / 0 when the sender did not say. */
  char   *description;
  char   *sha256;        /* lowercase hex of the content's SHA-256 */
  gint64  updated_at;    /* microseconds since the Unix epoch, UTC */
} TcResource;

GType       tc_resource_get_type  (void) G_GNUC_CONST;
TcResource *tc_resource_new       (void);
TcResource *tc_resource_copy      (const TcResource *self);
void        tc_resource_free      (TcResource *self);
gboolean    tc_resource_equal     (const TcResource *a,
                                   const TcResource *b);
/* Two lists of TcResource (either may be NULL: empty), equal in order. */
gboolean    tc_resources_equal    (GPtrArray        *a,
                                   GPtrArray        *b);
JsonNode   *tc_resource_to_json   (const TcResource *self);
TcResource *tc_resource_from_json (JsonNode  *node,
                                   GError   **error);
gboolean    tc_resource_sha256_is_valid (const char *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcResource, tc_resource_free)

G_END_DECLS
