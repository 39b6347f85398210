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
} TcResource;

GType       tc_resource_get_type  (void) G_GNUC_CONST;
TcResource *tc_resource_new       (void);
TcResource *tc_resource_copy      (const TcResource *self);
void        tc_resource_free      (TcResource *self);
gboolean    tc_resource_equal     (const TcResource *a,
                                   const TcResource *b);
JsonNode   *tc_resource_to_json   (const TcResource *self);
TcResource *tc_resource_from_json (JsonNode  *node,
                                   GError   **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcResource, tc_resource_free)

G_END_DECLS
