/* tc-event.c: one event of an associate's ordered event stream */
#include "tc-event.h"

#include "tc-error.h"
#include "tc-json.h"

G_DEFINE_BOXED_TYPE (TcEvent, tc_event, tc_event_copy, tc_event_free)

static const char * const type_names[] = {
  [TC_EVENT_MESSAGE] = "message",
  [TC_EVENT_READ] = "read",
  [TC_EVENT_PRESENCE] = "presence",
  [TC_EVENT_MEMBER] = "member",
  [TC_EVENT_PREFERENCES] = "preferences",
};

/**
 * tc_event_new:
 * @type: the kind of event
 *
 * Returns: (transfer full): an event of @type with every other field zero
 *   or %NULL
 */
TcEvent *
tc_event_new (TcEventType type)
{
  TcEvent *self;

  g_return_val_if_fail ((guint) type < G_N_ELEMENTS (type_names), NULL);

  self = g_new0 (TcEvent, 1);
  self->type = type;
  return self;
}

/**
 * tc_event_copy:
 * @self: an event
 *
 * Returns: (transfer full): a deep copy of @self
 */
TcEvent *
tc_event_copy (const TcEvent *self)
{
  TcEvent *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = tc_event_new (self->type);
  copy->seq = self->seq;
  copy->message = self->message != NULL ? tc_message_copy (self->message) : NULL;
  copy->by = g_strdup (self->by);
  copy->peer = g_strdup (self->peer);
  copy->up_to = self->up_to;
  copy->associate_id = g_strdup (self->associate_id);
  copy->online = self->online;
  copy->member = self->member != NULL ? tc_associate_copy (self->member) : NULL;
  copy->offline_channel = g_strdup (self->offline_channel);
  return copy;
}

/**
 * tc_event_free:
 * @self: (nullable): an event
 */
void
tc_event_free (TcEvent *self)
{
  if (self == NULL)
    return;
  tc_message_free (self->message);
  g_free (self->by);
  g_free (self->peer);
  g_free (self->associate_id);
  tc_associate_free (self->member);
  g_free (self->offline_channel);
  g_free (self);
}

/**
 * tc_event_equal:
 * @a: (nullable): an event
 * @b: (nullable): another event
 *
 * Compares every field, also those the type does not use.
 *
 * Returns: %TRUE when @a and @b are equal (or both %NULL)
 */
gboolean
tc_event_equal (const TcEvent *a,
                const TcEvent *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return a->seq == b->seq &&
         a->type == b->type &&
         tc_message_equal (a->message, b->message) &&
         g_strcmp0 (a->by, b->by) == 0 &&
         g_strcmp0 (a->peer, b->peer) == 0 &&
         a->up_to == b->up_to &&
         g_strcmp0 (a->associate_id, b->associate_id) == 0 &&
         !a->online == !b->online &&
         tc_associate_equal (a->member, b->member) &&
         g_strcmp0 (a->offline_channel, b->offline_channel) == 0;
}

/**
 * tc_event_type_to_string:
 * @type: an event type
 *
 * Returns: (transfer none): the "type" of @type on the wire
 */
const char *
tc_event_type_to_string (TcEventType type)
{
  g_return_val_if_fail ((guint) type < G_N_ELEMENTS (type_names), NULL);

  return type_names[type];
}

/**
 * tc_event_type_from_string:
 * @str: (nullable): a wire "type"
 * @out_type: (out) (optional): the event type
 *
 * Returns: %TRUE when @str names an event type
 */
gboolean
tc_event_type_from_string (const char  *str,
                           TcEventType *out_type)
{
  for (guint i = 0; str != NULL && i < G_N_ELEMENTS (type_names); i++)
    if (g_str_equal (type_names[i], str))
      {
        if (out_type != NULL)
          *out_type = (TcEventType) i;
        return TRUE;
      }
  return FALSE;
}

/**
 * tc_event_to_json:
 * @self: an event
 *
 * Returns: (transfer full): {"seq","type",…} with the payload of the type
 */
JsonNode *
tc_event_to_json (const TcEvent *self)
{
  JsonObject *object;
  JsonNode *node;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail ((guint) self->type < G_N_ELEMENTS (type_names), NULL);

  object = json_object_new ();
  json_object_set_int_member (object, "seq", self->seq);
  json_object_set_string_member (object, "type", type_names[self->type]);

  switch (self->type)
    {
    case TC_EVENT_MESSAGE:
      if (self->message != NULL)
        json_object_set_member (object, "message", tc_message_to_json (self->message));
      else
        json_object_set_null_member (object, "message");
      break;

    case TC_EVENT_READ:
      tc_json_set_string_or_null (object, "by", self->by);
      tc_json_set_string_or_null (object, "peer", self->peer);
      json_object_set_int_member (object, "up_to", self->up_to);
      break;

    case TC_EVENT_PRESENCE:
      tc_json_set_string_or_null (object, "associate", self->associate_id);
      json_object_set_boolean_member (object, "online", self->online);
      break;

    case TC_EVENT_MEMBER:
      if (self->member != NULL)
        json_object_set_member (object, "member", tc_associate_to_json (self->member));
      else
        json_object_set_null_member (object, "member");
      break;

    case TC_EVENT_PREFERENCES:
      {
        JsonObject *preferences = json_object_new ();

        json_object_set_string_member (preferences, "offline_channel",
                                       self->offline_channel != NULL ? self->offline_channel
                                                                     : TC_CHANNEL_EMAIL);
        json_object_set_object_member (object, "preferences", preferences);
      }
      break;

    default:
      g_assert_not_reached ();
    }

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, object);
  return node;
}

/* The payload object @member of the event, required. */
static JsonNode *
require_payload (JsonObject  *object,
                 const char  *member,
                 GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "“%s” is missing", member);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "“%s” must be an object", member);
      return NULL;
    }
  return node;
}

static gboolean
read_payload (TcEvent     *self,
              JsonObject  *object,
              GError     **error)
{
  JsonNode *payload;

  switch (self->type)
    {
    case TC_EVENT_MESSAGE:
      payload = require_payload (object, "message", error);
      if (payload != NULL)
        self->message = tc_message_from_json (payload, error);
      return self->message != NULL;

    case TC_EVENT_READ:
      return tc_json_get_string (object, "by", TRUE, &self->by, error) &&
             tc_json_get_string (object, "peer", TRUE, &self->peer, error) &&
             tc_json_get_int (object, "up_to", TRUE, &self->up_to, error);

    case TC_EVENT_PRESENCE:
      return tc_json_get_string (object, "associate", TRUE, &self->associate_id, error) &&
             tc_json_get_bool (object, "online", TRUE, &self->online, error);

    case TC_EVENT_MEMBER:
      payload = require_payload (object, "member", error);
      if (payload != NULL)
        self->member = tc_associate_from_json (payload, error);
      return self->member != NULL;

    case TC_EVENT_PREFERENCES:
      payload = require_payload (object, "preferences", error);
      if (payload == NULL ||
          !tc_json_get_string (json_node_get_object (payload), "offline_channel", TRUE,
                               &self->offline_channel, error))
        return FALSE;
      if (!tc_channel_is_valid (self->offline_channel))
        {
          g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID,
                               "“offline_channel” must be “email” or “sms”");
          return FALSE;
        }
      return TRUE;

    default:
      break;
    }
  g_assert_not_reached ();
  return FALSE;
}

/**
 * tc_event_from_json:
 * @node: an event object
 * @error: return location for a %TC_ERROR_INVALID error
 *
 * Refuses unknown types and events that lack the payload of their type.
 *
 * Returns: (transfer full): the event, or %NULL on error
 */
TcEvent *
tc_event_from_json (JsonNode  *node,
                    GError   **error)
{
  g_autoptr(TcEvent) self = NULL;
  g_autofree char *type = NULL;
  JsonObject *object;
  TcEventType event_type;
  gint64 seq = 0;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  object = tc_json_require_object (node, "event", error);
  if (object == NULL)
    return NULL;
  if (!tc_json_get_int (object, "seq", TRUE, &seq, error) ||
      !tc_json_get_string (object, "type", TRUE, &type, error))
    return NULL;
  if (!tc_event_type_from_string (type, &event_type))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "unknown event type “%s”", type);
      return NULL;
    }

  self = tc_event_new (event_type);
  self->seq = seq;
  if (!read_payload (self, object, error))
    {
      g_prefix_error (error, "%s event: ", type);
      return NULL;
    }
  return g_steal_pointer (&self);
}
