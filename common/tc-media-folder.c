/* tc-media-folder.c: a category or folder of the Documents and Media library */
#include "tc-media-folder.h"

#include "tc-error.h"
#include "tc-json.h"
#include "tc-resource.h"

G_DEFINE_BOXED_TYPE (TcMediaFolder, tc_media_folder, tc_media_folder_copy, tc_media_folder_free)

/**
 * tc_media_folder_new:
 *
 * Returns: (transfer full): a folder with no fields set and no subfolders
 */
TcMediaFolder *
tc_media_folder_new (void)
{
  TcMediaFolder *self = g_new0 (TcMediaFolder, 1);

  self->folders = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_media_folder_free);
  return self;
}

/**
 * tc_media_folder_copy:
 * @self: a folder
 *
 * Returns: (transfer full): a deep copy of @self, subfolders included
 */
TcMediaFolder *
tc_media_folder_copy (const TcMediaFolder *self)
{
  TcMediaFolder *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = tc_media_folder_new ();
  copy->id = g_strdup (self->id);
  copy->title = g_strdup (self->title);
  copy->parent_id = g_strdup (self->parent_id);
  copy->resource_count = self->resource_count;
  for (guint i = 0; i < self->folders->len; i++)
    g_ptr_array_add (copy->folders, tc_media_folder_copy (g_ptr_array_index (self->folders, i)));
  return copy;
}

/**
 * tc_media_folder_free:
 * @self: (nullable): a folder
 */
void
tc_media_folder_free (TcMediaFolder *self)
{
  if (self == NULL)
    return;
  g_free (self->id);
  g_free (self->title);
  g_free (self->parent_id);
  g_clear_pointer (&self->folders, g_ptr_array_unref);
  g_free (self);
}

/**
 * tc_media_folder_to_json:
 * @self: a folder
 *
 * Returns: (transfer full): {"id","title","parent_id","resource_count",
 *   "folders":[folder…]}
 */
JsonNode *
tc_media_folder_to_json (const TcMediaFolder *self)
{
  JsonObject *object;
  JsonArray *folders;
  JsonNode *node;

  g_return_val_if_fail (self != NULL, NULL);

  object = json_object_new ();
  tc_json_set_string_or_null (object, "id", self->id);
  tc_json_set_string_or_null (object, "title", self->title);
  tc_json_set_string_or_null (object, "parent_id", self->parent_id);
  json_object_set_int_member (object, "resource_count", self->resource_count);
  folders = json_array_new ();
  for (guint i = 0; i < self->folders->len; i++)
    json_array_add_element (folders, tc_media_folder_to_json (g_ptr_array_index (self->folders, i)));
  json_object_set_array_member (object, "folders", folders);

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, object);
  return node;
}

static TcMediaFolder *
folder_from_json (JsonNode  *node,
                  guint      depth,
                  GError   **error)
{
  g_autoptr(TcMediaFolder) self = NULL;
  JsonObject *object;
  JsonNode *folders;

  if (depth > TC_MEDIA_MAX_DEPTH)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "folders nest deeper than %d levels",
                   TC_MEDIA_MAX_DEPTH);
      return NULL;
    }
  object = tc_json_require_object (node, "folder", error);
  if (object == NULL)
    return NULL;

  self = tc_media_folder_new ();
  if (!tc_json_get_string (object, "id", TRUE, &self->id, error) ||
      !tc_json_get_string (object, "title", TRUE, &self->title, error) ||
      !tc_json_get_string (object, "parent_id", FALSE, &self->parent_id, error) ||
      !tc_json_get_int (object, "resource_count", FALSE, &self->resource_count, error))
    return NULL;
  if (self->resource_count < 0)
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID,
                           "“resource_count” must not be negative");
      return NULL;
    }

  folders = json_object_get_member (object, "folders");
  if (folders != NULL && !JSON_NODE_HOLDS_NULL (folders))
    {
      JsonArray *array;

      if (!JSON_NODE_HOLDS_ARRAY (folders))
        {
          g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID,
                               "“folders” must be an array of folders");
          return NULL;
        }
      array = json_node_get_array (folders);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          TcMediaFolder *child = folder_from_json (json_array_get_element (array, i), depth + 1,
                                                   error);

          if (child == NULL)
            return NULL;
          g_ptr_array_add (self->folders, child);
        }
    }
  return g_steal_pointer (&self);
}

/**
 * tc_media_folder_from_json:
 * @node: a folder object
 * @error: return location for a %TC_ERROR_INVALID error
 *
 * "id" and "title" are required; "parent_id" may be null (a category),
 * "resource_count" defaults to 0 and "folders" to none. Nesting deeper than
 * %TC_MEDIA_MAX_DEPTH is refused.
 *
 * Returns: (transfer full): the folder with its subfolders, or %NULL
 */
TcMediaFolder *
tc_media_folder_from_json (JsonNode  *node,
                           GError   **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return folder_from_json (node, 0, error);
}

/* --- TcMediaListing ------------------------------------------------------------ */

/**
 * tc_media_listing_new:
 *
 * Returns: (transfer full): a listing with no folder and empty arrays
 */
TcMediaListing *
tc_media_listing_new (void)
{
  TcMediaListing *self = g_new0 (TcMediaListing, 1);

  self->path = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_media_folder_free);
  self->resources = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_resource_free);
  return self;
}

/**
 * tc_media_listing_free:
 * @self: (nullable): a listing
 */
void
tc_media_listing_free (TcMediaListing *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->folder, tc_media_folder_free);
  g_clear_pointer (&self->path, g_ptr_array_unref);
  g_clear_pointer (&self->resources, g_ptr_array_unref);
  g_free (self);
}

static JsonNode *
flat_folder_to_json (const TcMediaFolder *folder)
{
  JsonNode *node = tc_media_folder_to_json (folder);

  /* Breadcrumbs and the folder itself do not repeat the subfolders. */
  json_object_remove_member (json_node_get_object (node), "folders");
  return node;
}

/**
 * tc_media_listing_to_json:
 * @self: a listing with its folder set
 *
 * Returns: (transfer full): {"folder","path","folders","resources"}
 */
JsonNode *
tc_media_listing_to_json (const TcMediaListing *self)
{
  JsonObject *object;
  JsonArray *array;
  JsonNode *node;

  g_return_val_if_fail (self != NULL && self->folder != NULL, NULL);

  object = json_object_new ();
  json_object_set_member (object, "folder", flat_folder_to_json (self->folder));
  array = json_array_new ();
  for (guint i = 0; i < self->path->len; i++)
    json_array_add_element (array, flat_folder_to_json (g_ptr_array_index (self->path, i)));
  json_object_set_array_member (object, "path", array);
  array = json_array_new ();
  for (guint i = 0; i < self->folder->folders->len; i++)
    json_array_add_element (array, flat_folder_to_json (g_ptr_array_index (self->folder->folders, i)));
  json_object_set_array_member (object, "folders", array);
  array = json_array_new ();
  for (guint i = 0; i < self->resources->len; i++)
    json_array_add_element (array, tc_resource_to_json (g_ptr_array_index (self->resources, i)));
  json_object_set_array_member (object, "resources", array);

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, object);
  return node;
}

static gboolean
read_array (JsonObject   *object,
            const char   *member,
            gboolean      required,
            JsonArray   **out,
            GError      **error)
{
  JsonNode *node = json_object_get_member (object, member);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "“%s” is missing", member);
      return !required;
    }
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "“%s” must be an array", member);
      return FALSE;
    }
  *out = json_node_get_array (node);
  return TRUE;
}

/**
 * tc_media_listing_from_json:
 * @node: an answer of GET /api/v1/media/folders/{id}
 * @error: return location for a %TC_ERROR_INVALID error
 *
 * "folders" and "resources" are required (API.md); "folder" and "path" are
 * extensions: without "folder" the listing's folder has no id or title.
 *
 * Returns: (transfer full): the listing, or %NULL on error
 */
TcMediaListing *
tc_media_listing_from_json (JsonNode  *node,
                            GError   **error)
{
  g_autoptr(TcMediaListing) self = tc_media_listing_new ();
  JsonObject *object = tc_json_require_object (node, "folder listing", error);
  JsonArray *folders, *resources, *path;
  JsonNode *folder;

  if (object == NULL ||
      !read_array (object, "folders", TRUE, &folders, error) ||
      !read_array (object, "resources", TRUE, &resources, error) ||
      !read_array (object, "path", FALSE, &path, error))
    return NULL;

  folder = json_object_get_member (object, "folder");
  if (folder != NULL && !JSON_NODE_HOLDS_NULL (folder))
    {
      self->folder = tc_media_folder_from_json (folder, error);
      if (self->folder == NULL)
        return NULL;
    }
  else
    self->folder = tc_media_folder_new ();

  for (guint i = 0; i < json_array_get_length (folders); i++)
    {
      TcMediaFolder *child = tc_media_folder_from_json (json_array_get_element (folders, i), error);

      if (child == NULL)
        return NULL;
      g_ptr_array_add (self->folder->folders, child);
    }
  for (guint i = 0; path != NULL && i < json_array_get_length (path); i++)
    {
      TcMediaFolder *crumb = tc_media_folder_from_json (json_array_get_element (path, i), error);

      if (crumb == NULL)
        return NULL;
      g_ptr_array_add (self->path, crumb);
    }
  for (guint i = 0; i < json_array_get_length (resources); i++)
    {
      TcResource *resource = tc_resource_from_json (json_array_get_element (resources, i), error);

      if (resource == NULL)
        return NULL;
      g_ptr_array_add (self->resources, resource);
    }
  return g_steal_pointer (&self);
}
