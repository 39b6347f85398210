/* tc-client-frame.c: decoding one WebSocket text frame from a client
 *
 * The frames of API.md: {"type":"send",…message request}, {"type":"read",
 * "peer","up_to"} and {"type":"ping"}, each with an optional "ref" of any
 * JSON value. Checking what a frame asks for (team rule, rate limits) is
 * the hub's and the store's business, not this file's.
 */
#include "tc-client-frame.h"

#include "tc-error.h"
#include "tc-json.h"

/**
 * tc_client_frame_free:
 * @self: (nullable): a decoded frame
 */
void
tc_client_frame_free (TcClientFrame *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->ref, json_node_unref);
  g_clear_pointer (&self->send, tc_send_request_free);
  g_free (self->peer);
  g_free (self);
}

/**
 * tc_client_frame_decode:
 * @data: the frame's payload
 * @len: its length in bytes
 * @out_ref: (out) (optional) (nullable) (transfer full): on error, the
 *   frame's "ref" when it had one and it was read before the problem; else
 *   %NULL. Untouched on success (the frame holds it).
 * @error: return location for a %TC_ERROR error (%TC_ERROR_INVALID, or
 *   %TC_ERROR_TOO_LARGE for a send whose body is too long)
 *
 * Text that is not a JSON object fails without a ref. A frame without a
 * string "type", of an unknown type, or with fields that are invalid for
 * its type fails with its ref.
 *
 * Returns: (transfer full): the frame, or %NULL on error
 */
TcClientFrame *
tc_client_frame_decode (const char  *data,
                        gsize        len,
                        JsonNode   **out_ref,
                        GError     **error)
{
  g_autoptr(TcClientFrame) frame = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) ref = NULL;
  g_autofree char *type = NULL;
  JsonObject *object;
  gboolean ok = TRUE;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (out_ref != NULL)
    *out_ref = NULL;

  node = tc_json_parse (data, (gssize) len, error);
  if (node == NULL)
    return NULL;
  object = tc_json_require_object (node, "frame", error);
  if (object == NULL)
    return NULL;
  if (json_object_has_member (object, "ref"))
    ref = json_node_copy (json_object_get_member (object, "ref"));

  frame = g_new0 (TcClientFrame, 1);
  if (!tc_json_get_string (object, "type", TRUE, &type, error))
    ok = FALSE;
  else if (g_str_equal (type, "ping"))
    frame->type = TC_CLIENT_FRAME_PING;
  else if (g_str_equal (type, "send"))
    {
      frame->type = TC_CLIENT_FRAME_SEND;
      frame->send = tc_send_request_from_json (node, error);
      ok = frame->send != NULL;
      if (ok && ref == NULL)
        ref = json_node_init_string (json_node_alloc (), frame->send->client_id);
    }
  else if (g_str_equal (type, "read"))
    {
      frame->type = TC_CLIENT_FRAME_READ;
      ok = tc_json_get_string (object, "peer", TRUE, &frame->peer, error) &&
           tc_json_get_int (object, "up_to", TRUE, &frame->up_to, error);
    }
  else
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "unknown frame type “%s”", type);
      ok = FALSE;
    }

  if (!ok)
    {
      if (out_ref != NULL)
        *out_ref = g_steal_pointer (&ref);
      return NULL;
    }
  frame->ref = ref != NULL ? g_steal_pointer (&ref) : json_node_new (JSON_NODE_NULL);
  return g_steal_pointer (&frame);
}
