/* tc-associate.c: an associate (team member) as the protocol carries it */
#include "tc-associate.h"

#include "tc-error.h"
#include "tc-json.h"

G_DEFINE_BOXED_TYPE (TcAssociate, tc_associate, tc_associate_copy, tc_associate_free)

/**
 * tc_associate_new:
 *
 * Returns: (transfer full): an associate with every field zero or %NULL
 */
TcAssociate *
tc_associate_new (void)
{
  return g_new0 (TcAssociate, 1);
}

/**
 * tc_associate_copy:
 * @self: an associate
 *
 * Returns: (transfer full): a deep copy of @self
 */
TcAssociate *
tc_associate_copy (const TcAssociate *self)
{
  TcAssociate *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = tc_associate_new ();
  copy->id = g_strdup (self->id);
  copy->name = g_strdup (self->name);
  copy->email = g_strdup (self->email);
  copy->phone = g_strdup (self->phone);
  copy->sponsor_id = g_strdup (self->sponsor_id);
  copy->enroller_id = g_strdup (self->enroller_id);
  copy->marketing_site_url = g_strdup (self->marketing_site_url);
  copy->online = self->online;
  copy->offline_channel = g_strdup (self->offline_channel);
  copy->sponsor_name = g_strdup (self->sponsor_name);
  copy->enroller_name = g_strdup (self->enroller_name);
  return copy;
}

/**
 * tc_associate_free:
 * @self: (nullable): an associate
 */
void
tc_associate_free (TcAssociate *self)
{
  if (self == NULL)
    return;
  g_free (self->id);
  g_free (self->name);
  g_free (self->email);
  g_free (self->phone);
  g_free (self->sponsor_id);
  g_free (self->enroller_id);
  g_free (self->marketing_site_url);
  g_free (self->offline_channel);
  g_free (self->sponsor_name);
  g_free (self->enroller_name);
  g_free (self);
}

/**
 * tc_associate_equal:
 * @a: (nullable): an associate
 * @b: (nullable): another associate
 *
 * Returns: %TRUE when every field is equal (or both are %NULL)
 */
gboolean
tc_associate_equal (const TcAssociate *a,
                    const TcAssociate *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return g_strcmp0 (a->id, b->id) == 0 &&
         g_strcmp0 (a->name, b->name) == 0 &&
         g_strcmp0 (a->email, b->email) == 0 &&
         g_strcmp0 (a->phone, b->phone) == 0 &&
         g_strcmp0 (a->sponsor_id, b->sponsor_id) == 0 &&
         g_strcmp0 (a->enroller_id, b->enroller_id) == 0 &&
         g_strcmp0 (a->marketing_site_url, b->marketing_site_url) == 0 &&
         !a->online == !b->online &&
         g_strcmp0 (a->offline_channel, b->offline_channel) == 0 &&
         g_strcmp0 (a->sponsor_name, b->sponsor_name) == 0 &&
         g_strcmp0 (a->enroller_name, b->enroller_name) == 0;
}

static JsonObject *
associate_object (const TcAssociate *self)
{
  JsonObject *object = json_object_new ();

  tc_json_set_string_or_null (object, "id", self->id);
  tc_json_set_string_or_null (object, "name", self->name);
  tc_json_set_string_or_null (object, "email", self->email);
  tc_json_set_string_or_null (object, "phone", self->phone);
  tc_json_set_string_or_null (object, "sponsor_id", self->sponsor_id);
  tc_json_set_string_or_null (object, "enroller_id", self->enroller_id);
  tc_json_set_string_or_null (object, "marketing_site_url", self->marketing_site_url);
  json_object_set_boolean_member (object, "online", self->online);
  return object;
}

static JsonNode *
object_node (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

/**
 * tc_associate_to_json:
 * @self: an associate
 *
 * Returns: (transfer full): the associate object of API.md; %NULL strings
 *   become null
 */
JsonNode *
tc_associate_to_json (const TcAssociate *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return object_node (associate_object (self));
}

/**
 * tc_associate_to_me_json:
 * @self: an associate
 *
 * Returns: (transfer full): the answer of GET /api/v1/me: the associate
 *   object plus "preferences":{"offline_channel"}, "email" when unset
 */
JsonNode *
tc_associate_to_me_json (const TcAssociate *self)
{
  JsonObject *object;
  JsonObject *preferences;

  g_return_val_if_fail (self != NULL, NULL);

  object = associate_object (self);
  preferences = json_object_new ();
  json_object_set_string_member (preferences, "offline_channel",
                                 self->offline_channel != NULL ? self->offline_channel
                                                               : TC_CHANNEL_EMAIL);
  json_object_set_object_member (object, "preferences", preferences);
  return object_node (object);
}

static void
set_person_or_null (JsonObject *object,
                    const char *member,
                    const char *id,
                    const char *name)
{
  JsonObject *person;

  if (id == NULL)
    {
      json_object_set_null_member (object, member);
      return;
    }
  person = json_object_new ();
  json_object_set_string_member (person, "id", id);
  tc_json_set_string_or_null (person, "name", name);
  json_object_set_object_member (object, member, person);
}

/**
 * tc_associate_to_dashboard_json:
 * @self: an associate
 *
 * Returns: (transfer full): the answer of GET /api/v1/team/{id}: the
 *   associate object plus "sponsor" and "enroller" as {"id","name"}, or
 *   null at the top of their tree
 */
JsonNode *
tc_associate_to_dashboard_json (const TcAssociate *self)
{
  JsonObject *object;

  g_return_val_if_fail (self != NULL, NULL);

  object = associate_object (self);
  set_person_or_null (object, "sponsor", self->sponsor_id, self->sponsor_name);
  set_person_or_null (object, "enroller", self->enroller_id, self->enroller_name);
  return object_node (object);
}

/* Reads a dashboard "sponsor"/"enroller" member: null or {"id","name"}.
 * The id fills *id_inout only when the top-level member did not. */
static gboolean
read_person (JsonObject  *object,
             const char  *member,
             char       **id_inout,
             char       **name_out,
             GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);
  JsonObject *person;
  g_autofree char *id = NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "“%s” must be an object or null", member);
      return FALSE;
    }
  person = json_node_get_object (node);
  if (!tc_json_get_string (person, "id", TRUE, &id, error) ||
      !tc_json_get_string (person, "name", FALSE, name_out, error))
    {
      g_prefix_error (error, "“%s”: ", member);
      return FALSE;
    }
  if (*id_inout == NULL)
    *id_inout = g_steal_pointer (&id);
  return TRUE;
}

static gboolean
read_preferences (JsonObject  *object,
                  char       **channel_out,
                  GError     **error)
{
  JsonNode *node = json_object_get_member (object, "preferences");

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID, "“preferences” must be an object");
      return FALSE;
    }
  if (!tc_json_get_string (json_node_get_object (node), "offline_channel", FALSE, channel_out,
                           error))
    return FALSE;
  if (*channel_out != NULL && !tc_channel_is_valid (*channel_out))
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID,
                           "“offline_channel” must be “email” or “sms”");
      return FALSE;
    }
  return TRUE;
}

/**
 * tc_associate_from_json:
 * @node: an associate object in any of the forms of
 *   tc_associate_to_json(), tc_associate_to_me_json() and
 *   tc_associate_to_dashboard_json()
 * @error: return location for a %TC_ERROR_INVALID error
 *
 * "id" and "name" are required strings; the other strings may be missing
 * or null; "online" defaults to %FALSE. Unknown members are ignored.
 *
 * Returns: (transfer full): the associate, or %NULL on error
 */
TcAssociate *
tc_associate_from_json (JsonNode  *node,
                        GError   **error)
{
  g_autoptr(TcAssociate) self = NULL;
  JsonObject *object;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  object = tc_json_require_object (node, "associate", error);
  if (object == NULL)
    return NULL;

  self = tc_associate_new ();
  if (!tc_json_get_string (object, "id", TRUE, &self->id, error) ||
      !tc_json_get_string (object, "name", TRUE, &self->name, error) ||
      !tc_json_get_string (object, "email", FALSE, &self->email, error) ||
      !tc_json_get_string (object, "phone", FALSE, &self->phone, error) ||
      !tc_json_get_string (object, "sponsor_id", FALSE, &self->sponsor_id, error) ||
      !tc_json_get_string (object, "enroller_id", FALSE, &self->enroller_id, error) ||
      !tc_json_get_string (object, "marketing_site_url", FALSE, &self->marketing_site_url,
                           error) ||
      !tc_json_get_bool (object, "online", FALSE, &self->online, error) ||
      !read_preferences (object, &self->offline_channel, error) ||
      !read_person (object, "sponsor", &self->sponsor_id, &self->sponsor_name, error) ||
      !read_person (object, "enroller", &self->enroller_id, &self->enroller_name, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * tc_channel_is_valid:
 * @channel: (nullable): an offline channel name
 *
 * Returns: %TRUE for "email" and "sms"
 */
gboolean
tc_channel_is_valid (const char *channel)
{
  return g_strcmp0 (channel, TC_CHANNEL_EMAIL) == 0 || g_strcmp0 (channel, TC_CHANNEL_SMS) == 0;
}
