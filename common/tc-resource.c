/* tc-resource.c: a Documents and Media library resource */
#include "tc-resource.h"

#include "tc-error.h"
#include "tc-json.h"

G_DEFINE_BOXED_TYPE (TcResource, tc_resource, tc_resource_copy, tc_resource_free)

/**
 * tc_resource_new:
 *
 * Returns: (transfer full): a resource with every field zero or %NULL
 */
TcResource *
tc_resource_new (void)
{
  return g_new0 (TcResource, 1);
}

/**
 * tc_resource_copy:
 * @self: a resource
 *
 * Returns: (transfer full): a deep copy of @self
 */
TcResource *
tc_resource_copy (const TcResource *self)
{
  TcResource *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = tc_resource_new ();
  copy->id = g_strdup (self->id);
  copy->title = g_strdup (self->title);
  copy->mime_type = g_strdup (self->mime_type);
  copy->size = self->size;
  copy->folder_id = g_strdup (self->folder_id);
  return copy;
}

/**
 * tc_resource_free:
 * @self: (nullable): a resource
 */
void
tc_resource_free (TcResource *self)
{
  if (self == NULL)
    return;
  g_free (self->id);
  g_free (self->title);
  g_free (self->mime_type);
  g_free (self->folder_id);
  g_free (self);
}

/**
 * tc_resource_equal:
 * @a: (nullable): a resource
 * @b: (nullable): another resource
 *
 * Returns: %TRUE when every field is equal (or both are %NULL)
 */
gboolean
tc_resource_equal (const TcResource *a,
                   const TcResource *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return g_strcmp0 (a->id, b->id) == 0 &&
         g_strcmp0 (a->title, b->title) == 0 &&
         g_strcmp0 (a->mime_type, b->mime_type) == 0 &&
         a->size == b->size &&
         g_strcmp0 (a->folder_id, b->folder_id) == 0;
}

/**
 * tc_resource_to_json:
 * @self: a resource
 *
 * Returns: (transfer full): {"id","title","mime_type","size","folder_id"}
 */
JsonNode *
tc_resource_to_json (const TcResource *self)
{
  JsonObject *object;
  JsonNode *node;

  g_return_val_if_fail (self != NULL, NULL);

  object = json_object_new ();
  tc_json_set_string_or_null (object, "id", self->id);
  tc_json_set_string_or_null (object, "title", self->title);
  tc_json_set_string_or_null (object, "mime_type", self->mime_type);
  json_object_set_int_member (object, "size", self->size);
  tc_json_set_string_or_null (object, "folder_id", self->folder_id);

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, object);
  return node;
}

/**
 * tc_resource_from_json:
 * @node: a resource object
 * @error: return location for a %TC_ERROR_INVALID error
 *
 * "id" (string) and "size" (non-negative integer) are required; "title",
 * "mime_type" and "folder_id" may be missing or null.
 *
 * Returns: (transfer full): the resource, or %NULL on error
 */
TcResource *
tc_resource_from_json (JsonNode  *node,
                       GError   **error)
{
  g_autoptr(TcResource) self = NULL;
  JsonObject *object;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  object = tc_json_require_object (node, "resource", error);
  if (object == NULL)
    return NULL;

  self = tc_resource_new ();
  if (!tc_json_get_string (object, "id", TRUE, &self->id, error) ||
      !tc_json_get_string (object, "title", FALSE, &self->title, error) ||
      !tc_json_get_string (object, "mime_type", FALSE, &self->mime_type, error) ||
      !tc_json_get_int (object, "size", TRUE, &self->size, error) ||
      !tc_json_get_string (object, "folder_id", FALSE, &self->folder_id, error))
    return NULL;
  if (self->size < 0)
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID, "“size” must not be negative");
      return NULL;
    }
  return g_steal_pointer (&self);
}
