/* tc-message.c: one individual chat message, and the request that sends one */
#include "tc-message.h"

#include "tc-associate.h"
#include "tc-error.h"
#include "tc-json.h"
#include "tc-time.h"
#include "tc-uuid.h"

G_DEFINE_BOXED_TYPE (TcMessage, tc_message, tc_message_copy, tc_message_free)

/**
 * tc_message_new:
 *
 * Returns: (transfer full): a message with every field zero or %NULL but
 *   an empty #TcMessage.attachments array
 */
TcMessage *
tc_message_new (void)
{
  TcMessage *self = g_new0 (TcMessage, 1);

  self->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_resource_free);
  return self;
}

/**
 * tc_message_copy:
 * @self: a message
 *
 * Returns: (transfer full): a deep copy of @self, attachments included
 */
TcMessage *
tc_message_copy (const TcMessage *self)
{
  TcMessage *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = tc_message_new ();
  copy->id = self->id;
  copy->client_id = g_strdup (self->client_id);
  copy->from = g_strdup (self->from);
  copy->to = g_strdup (self->to);
  copy->body = g_strdup (self->body);
  for (guint i = 0; self->attachments != NULL && i < self->attachments->len; i++)
    {
      const TcResource *resource = g_ptr_array_index (self->attachments, i);

      g_ptr_array_add (copy->attachments, tc_resource_copy (resource));
    }
  copy->sent_at = self->sent_at;
  copy->read = self->read;
  copy->delivered_via = g_strdup (self->delivered_via);
  copy->delivery_error = g_strdup (self->delivery_error);
  return copy;
}

/**
 * tc_message_free:
 * @self: (nullable): a message
 */
void
tc_message_free (TcMessage *self)
{
  if (self == NULL)
    return;
  g_free (self->client_id);
  g_free (self->from);
  g_free (self->to);
  g_free (self->body);
  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  g_free (self->delivered_via);
  g_free (self->delivery_error);
  g_free (self);
}

/**
 * tc_message_equal:
 * @a: (nullable): a message
 * @b: (nullable): another message
 *
 * Returns: %TRUE when every field, attachments included, is equal (or
 *   both are %NULL)
 */
gboolean
tc_message_equal (const TcMessage *a,
                  const TcMessage *b)
{
  if (a == NULL || b == NULL)
    return a == b;

  return tc_resources_equal (a->attachments, b->attachments) &&
         a->id == b->id &&
         g_strcmp0 (a->client_id, b->client_id) == 0 &&
         g_strcmp0 (a->from, b->from) == 0 &&
         g_strcmp0 (a->to, b->to) == 0 &&
         g_strcmp0 (a->body, b->body) == 0 &&
         a->sent_at == b->sent_at &&
         !a->read == !b->read &&
         g_strcmp0 (a->delivered_via, b->delivered_via) == 0 &&
         g_strcmp0 (a->delivery_error, b->delivery_error) == 0;
}

/**
 * tc_message_to_json:
 * @self: a message
 *
 * "sent_at" is written with millisecond precision.
 *
 * Returns: (transfer full): the message object of API.md
 */
JsonNode *
tc_message_to_json (const TcMessage *self)
{
  g_autofree char *sent_at = NULL;
  JsonObject *object;
  JsonArray *attachments;
  JsonNode *node;

  g_return_val_if_fail (self != NULL, NULL);

  attachments = json_array_new ();
  for (guint i = 0; self->attachments != NULL && i < self->attachments->len; i++)
    json_array_add_element (attachments,
                            tc_resource_to_json (g_ptr_array_index (self->attachments, i)));
  sent_at = tc_time_format_rfc3339 (self->sent_at);

  object = json_object_new ();
  json_object_set_int_member (object, "id", self->id);
  tc_json_set_string_or_null (object, "client_id", self->client_id);
  tc_json_set_string_or_null (object, "from", self->from);
  tc_json_set_string_or_null (object, "to", self->to);
  json_object_set_string_member (object, "body", self->body != NULL ? self->body : "");
  json_object_set_array_member (object, "attachments", attachments);
  tc_json_set_string_or_null (object, "sent_at", sent_at);
  json_object_set_boolean_member (object, "read", self->read);
  tc_json_set_string_or_null (object, "delivered_via", self->delivered_via);
  /* Extension: only there when offline delivery finally failed. */
  if (self->delivery_error != NULL)
    json_object_set_string_member (object, "delivery_error", self->delivery_error);

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, object);
  return node;
}

/**
 * tc_message_append_json:
 * @out: where the text goes
 * @self: a message
 *
 * Appends what json_to_string (tc_message_to_json (@self), FALSE) would,
 * without building the tree (the answer to every send).
 */
void
tc_message_append_json (GString         *out,
                        const TcMessage *self)
{
  g_autofree char *sent_at = NULL;

  g_return_if_fail (out != NULL && self != NULL);

  sent_at = tc_time_format_rfc3339 (self->sent_at);
  g_string_append_printf (out, "{\"id\":%" G_GINT64_FORMAT ",\"client_id\":", self->id);
  tc_json_append_string (out, self->client_id);
  g_string_append (out, ",\"from\":");
  tc_json_append_string (out, self->from);
  g_string_append (out, ",\"to\":");
  tc_json_append_string (out, self->to);
  g_string_append (out, ",\"body\":");
  tc_json_append_string (out, self->body != NULL ? self->body : "");
  g_string_append (out, ",\"attachments\":[");
  for (guint i = 0; self->attachments != NULL && i < self->attachments->len; i++)
    {
      /* Rare, and of many fields: their tree is fine. */
      g_autoptr(JsonNode) node = tc_resource_to_json (g_ptr_array_index (self->attachments, i));
      g_autofree char *text = tc_json_to_string (node);

      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append (out, text);
    }
  g_string_append (out, "],\"sent_at\":");
  tc_json_append_string (out, sent_at);
  g_string_append (out, self->read ? ",\"read\":true" : ",\"read\":false");
  g_string_append (out, ",\"delivered_via\":");
  tc_json_append_string (out, self->delivered_via);
  if (self->delivery_error != NULL)
    {
      g_string_append (out, ",\"delivery_error\":");
      tc_json_append_string (out, self->delivery_error);
    }
  g_string_append_c (out, '}');
}

static gboolean
read_attachments (JsonObject  *object,
                  GPtrArray   *out,
                  GError     **error)
{
  JsonNode *node = json_object_get_member (object, "attachments");
  JsonArray *array;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID,
                           "“attachments” must be an array of resources");
      return FALSE;
    }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      TcResource *resource = tc_resource_from_json (json_array_get_element (array, i), error);

      if (resource == NULL)
        {
          g_prefix_error (error, "attachment %u: ", i + 1);
          return FALSE;
        }
      g_ptr_array_add (out, resource);
    }
  return TRUE;
}

/**
 * tc_message_from_json:
 * @node: a message object
 * @error: return location for a %TC_ERROR_INVALID error
 *
 * "id", "from", "to", "body" and "sent_at" (an RFC 3339 date-time) are
 * required; "client_id" may be null (messages that came in by email or
 * text have none); "attachments" defaults to none, "read" to %FALSE;
 * "delivered_via" must be null, "email" or "sms"; "delivery_error" (an
 * extension) is an optional string.
 *
 * Returns: (transfer full): the message, or %NULL on error
 */
TcMessage *
tc_message_from_json (JsonNode  *node,
                      GError   **error)
{
  g_autoptr(TcMessage) self = NULL;
  g_autofree char *sent_at = NULL;
  JsonObject *object;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  object = tc_json_require_object (node, "message", error);
  if (object == NULL)
    return NULL;

  self = tc_message_new ();
  if (!tc_json_get_int (object, "id", TRUE, &self->id, error) ||
      !tc_json_get_string (object, "client_id", FALSE, &self->client_id, error) ||
      !tc_json_get_string (object, "from", TRUE, &self->from, error) ||
      !tc_json_get_string (object, "to", TRUE, &self->to, error) ||
      !tc_json_get_string (object, "body", TRUE, &self->body, error) ||
      !read_attachments (object, self->attachments, error) ||
      !tc_json_get_string (object, "sent_at", TRUE, &sent_at, error) ||
      !tc_json_get_bool (object, "read", FALSE, &self->read, error) ||
      !tc_json_get_string (object, "delivered_via", FALSE, &self->delivered_via, error) ||
      !tc_json_get_string (object, "delivery_error", FALSE, &self->delivery_error, error))
    return NULL;

  if (!tc_time_parse_rfc3339 (sent_at, &self->sent_at))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                   "“sent_at” must be an RFC 3339 date-time such as "
                   "2026-11-24T08:26:00.123Z, not “%s”", sent_at);
      return NULL;
    }
  if (self->delivered_via != NULL && !tc_channel_is_valid (self->delivered_via))
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID,
                           "“delivered_via” must be null, “email” or “sms”");
      return NULL;
    }
  return g_steal_pointer (&self);
}

/* --- TcSendRequest ---------------------------------------------------------- */

/**
 * tc_send_request_new:
 *
 * Returns: (transfer full): a request with no client id, empty "to" and
 *   "attachments" arrays (of g_free()d strings) and an empty body
 */
TcSendRequest *
tc_send_request_new (void)
{
  TcSendRequest *self = g_new0 (TcSendRequest, 1);

  self->to = g_ptr_array_new_with_free_func (g_free);
  self->body = g_strdup ("");
  self->attachments = g_ptr_array_new_with_free_func (g_free);
  return self;
}

/**
 * tc_send_request_free:
 * @self: (nullable): a request
 */
void
tc_send_request_free (TcSendRequest *self)
{
  if (self == NULL)
    return;
  g_free (self->client_id);
  g_clear_pointer (&self->to, g_ptr_array_unref);
  g_free (self->body);
  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  g_free (self);
}

static JsonArray *
string_array (GPtrArray *strings)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; strings != NULL && i < strings->len; i++)
    json_array_add_string_element (array, g_ptr_array_index (strings, i));
  return array;
}

/**
 * tc_send_request_to_json:
 * @self: a request
 *
 * Returns: (transfer full): {"client_id","to","body","attachments"}, the
 *   body of POST /api/v1/messages
 */
JsonNode *
tc_send_request_to_json (const TcSendRequest *self)
{
  JsonObject *object;
  JsonNode *node;

  g_return_val_if_fail (self != NULL, NULL);

  object = json_object_new ();
  tc_json_set_string_or_null (object, "client_id", self->client_id);
  json_object_set_array_member (object, "to", string_array (self->to));
  json_object_set_string_member (object, "body", self->body != NULL ? self->body : "");
  json_object_set_array_member (object, "attachments", string_array (self->attachments));

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, object);
  return node;
}

/* Drops repeated strings in place, keeping the first of each. FALSE when
 * one is empty. */
static gboolean
dedup_ids (GPtrArray *ids)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint i = 0;

  while (i < ids->len)
    {
      const char *id = g_ptr_array_index (ids, i);

      if (*id == '\0')
        return FALSE;
      /* Not g_hash_table_add() alone: on a repeat it would swap in the
       * pointer that is about to be freed. */
      if (g_hash_table_contains (seen, id))
        g_ptr_array_remove_index (ids, i);  /* keeps the order */
      else
        {
          g_hash_table_add (seen, (gpointer) id);
          i++;
        }
    }
  return TRUE;
}

static gboolean
is_blank (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (!g_unichar_isspace (g_utf8_get_char (p)))
      return FALSE;
  return TRUE;
}

/**
 * tc_send_request_from_json:
 * @node: the body of POST /api/v1/messages or a WebSocket "send" frame
 * @error: return location for a %TC_ERROR error
 *
 * Checks everything API.md asks of a send request:
 *
 * - "client_id": required, a UUID;
 * - "to": required, 1 to %TC_MESSAGE_MAX_RECIPIENTS non-empty ids;
 *   repeats are dropped, keeping the first;
 * - "body": a string, or missing or null for ""; it must not be longer
 *   than %TC_MESSAGE_MAX_BODY_CHARS characters (%TC_ERROR_TOO_LARGE);
 * - "attachments": up to %TC_MESSAGE_MAX_ATTACHMENTS non-empty resource
 *   ids, or missing or null for none; repeats are dropped;
 * - a body of only white space needs at least one attachment.
 *
 * Everything but the too long body fails with %TC_ERROR_INVALID. The body
 * is kept as sent, white space included. Unknown members (such as "type"
 * of a WebSocket frame) are ignored.
 *
 * Returns: (transfer full): the request, or %NULL on error
 */
TcSendRequest *
tc_send_request_from_json (JsonNode  *node,
                           GError   **error)
{
  g_autoptr(TcSendRequest) self = NULL;
  g_autoptr(GPtrArray) to = NULL;
  g_autoptr(GPtrArray) attachments = NULL;
  g_autofree char *body = NULL;
  JsonObject *object;
  glong n_chars;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  object = tc_json_require_object (node, "message request", error);
  if (object == NULL)
    return NULL;

  self = tc_send_request_new ();
  g_clear_pointer (&self->body, g_free);
  if (!tc_json_get_string (object, "client_id", TRUE, &self->client_id, error) ||
      !tc_json_get_string_array (object, "to", TRUE, &to, error) ||
      !tc_json_get_string (object, "body", FALSE, &body, error) ||
      !tc_json_get_string_array (object, "attachments", FALSE, &attachments, error))
    return NULL;

  if (!tc_uuid_is_valid (self->client_id))
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID,
                           "“client_id” must be a UUID such as "
                           "3f2504e0-4f89-41d3-9a0c-0305e82c3301");
      return NULL;
    }

  if (to->len == 0)
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID,
                           "“to” must name at least one recipient");
      return NULL;
    }
  if (!dedup_ids (to))
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID,
                           "“to” must not contain empty ids");
      return NULL;
    }
  if (to->len > TC_MESSAGE_MAX_RECIPIENTS)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                   "a message can go to at most %d recipients, not %u",
                   TC_MESSAGE_MAX_RECIPIENTS, to->len);
      return NULL;
    }

  if (attachments == NULL)
    attachments = g_ptr_array_new_with_free_func (g_free);
  if (!dedup_ids (attachments))
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID,
                           "“attachments” must not contain empty ids");
      return NULL;
    }
  if (attachments->len > TC_MESSAGE_MAX_ATTACHMENTS)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                   "a message can have at most %d attachments, not %u",
                   TC_MESSAGE_MAX_ATTACHMENTS, attachments->len);
      return NULL;
    }

  if (body == NULL)
    body = g_strdup ("");
  /* Characters, not bytes: "ü" and "李" count as one each. */
  n_chars = g_utf8_strlen (body, -1);
  if (n_chars > TC_MESSAGE_MAX_BODY_CHARS)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_TOO_LARGE,
                   "the message is %ld characters long; at most %d are allowed",
                   n_chars, TC_MESSAGE_MAX_BODY_CHARS);
      return NULL;
    }
  if (is_blank (body) && attachments->len == 0)
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID,
                           "a message needs a body or an attachment");
      return NULL;
    }

  g_ptr_array_unref (self->to);
  self->to = g_steal_pointer (&to);
  self->body = g_steal_pointer (&body);
  g_ptr_array_unref (self->attachments);
  self->attachments = g_steal_pointer (&attachments);
  return g_steal_pointer (&self);
}
