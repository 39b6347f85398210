/* tc-resource.c: a Documents and Media library resource */
#include "tc-resource.h"

#include <string.h>

#include "tc-error.h"
#include "tc-json.h"
#include "tc-time.h"

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
  copy->description = g_strdup (self->description);
  copy->sha256 = g_strdup (self->sha256);
  copy->updated_at = self->updated_at;
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
  g_free (self->description);
  g_free (self->sha256);
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
         g_strcmp0 (a->folder_id, b->folder_id) == 0 &&
         g_strcmp0 (a->description, b->description) == 0 &&
         g_strcmp0 (a->sha256, b->sha256) == 0 &&
         a->updated_at == b->updated_at;
}

/**
 * tc_resources_equal:
 * @a: (nullable) (element-type TcResource): a list of resources
 * @b: (nullable) (element-type TcResource): another
 *
 * Returns: %TRUE when both hold equal resources in the same order (%NULL
 *   is the empty list)
 */
gboolean
tc_resources_equal (GPtrArray *a,
                    GPtrArray *b)
{
  guint n = a != NULL ? a->len : 0;

  if (n != (b != NULL ? b->len : 0))
    return FALSE;
  for (guint i = 0; i < n; i++)
    if (!tc_resource_equal (g_ptr_array_index (a, i), g_ptr_array_index (b, i)))
      return FALSE;
  return TRUE;
}

/**
 * tc_resource_to_json:
 * @self: a resource
 *
 * Returns: (transfer full): {"id","title","mime_type","size","folder_id"},
 *   plus "description", "sha256" and "updated_at" (RFC 3339) when set
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
  if (self->description != NULL)
    json_object_set_string_member (object, "description", self->description);
  if (self->sha256 != NULL)
    json_object_set_string_member (object, "sha256", self->sha256);
  if (self->updated_at != 0)
    {
      g_autofree char *updated_at = tc_time_format_rfc3339 (self->updated_at);
      json_object_set_string_member (object, "updated_at", updated_at);
    }

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
 * "mime_type" and "folder_id" may be missing or null, and so may the
 * extensions "description", "sha256" (64 hex digits) and "updated_at"
 * (RFC 3339).
 *
 * Returns: (transfer full): the resource, or %NULL on error
 */
TcResource *
tc_resource_from_json (JsonNode  *node,
                       GError   **error)
{
  g_autoptr(TcResource) self = NULL;
  g_autofree char *updated_at = NULL;
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
      !tc_json_get_string (object, "folder_id", FALSE, &self->folder_id, error) ||
      !tc_json_get_string (object, "description", FALSE, &self->description, error) ||
      !tc_json_get_string (object, "sha256", FALSE, &self->sha256, error) ||
      !tc_json_get_string (object, "updated_at", FALSE, &updated_at, error))
    return NULL;
  if (self->size < 0)
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID, "“size” must not be negative");
      return NULL;
    }
  if (self->sha256 != NULL && !tc_resource_sha256_is_valid (self->sha256))
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID,
                           "“sha256” must be 64 lowercase hexadecimal digits");
      return NULL;
    }
  if (updated_at != NULL && !tc_time_parse_rfc3339 (updated_at, &self->updated_at))
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID,
                           "“updated_at” must be an RFC 3339 date-time");
      return NULL;
    }
  return g_steal_pointer (&self);
}

/**
 * tc_resource_sha256_is_valid:
 * @text: (nullable): a string
 *
 * Returns: %TRUE when @text is a SHA-256 digest as resources carry it: 64
 *   lowercase hexadecimal digits
 */
gboolean
tc_resource_sha256_is_valid (const char *text)
{
  if (text == NULL || strlen (text) != 64)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p) && !(*p >= 'a' && *p <= 'f'))
      return FALSE;
  return TRUE;
}
