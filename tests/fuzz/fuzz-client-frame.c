/* fuzz-client-frame.c: what the server makes of a client's WebSocket frame
 *
 * The hub hands the payload of every text frame to
 * tc_client_frame_decode() (sync-server/tc-client-frame.c); libsoup has
 * already taken the WebSocket framing apart and enforced the 64 KiB limit.
 * Checked besides "no crash": a frame decodes to exactly what its type
 * needs, the ref the answer echoes can be written as JSON that parses, and
 * a failure carries a TC_ERROR.
 */
#include <stdio.h>

#include "tc-client-frame.h"
#include "tc-error.h"
#include "tc-fuzz.h"
#include "tc-json.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  tc_fuzz_init ();
  return 0;
}

/* The answer echoes the ref: it must make JSON that a client can read. */
static void
check_ref (JsonNode *ref)
{
  g_autoptr(JsonNode) answer = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonNode) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "type", "ack");
  json_object_set_member (object, "ref", json_node_copy (ref));
  json_node_take_object (answer, object);
  text = tc_json_to_string (answer);
  back = tc_json_parse (text, -1, &error);
  if (back == NULL)
    fprintf (stderr, "answer %s does not parse: %s\n", text, error->message);
  TC_FUZZ_CHECK (back != NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ref = NULL;
  g_autoptr(TcClientFrame) frame = NULL;

  frame = tc_client_frame_decode ((const char *) data, size, &ref, &error);
  if (frame == NULL)
    {
      TC_FUZZ_CHECK (error != NULL && error->domain == TC_ERROR);
      TC_FUZZ_CHECK (error->code == TC_ERROR_INVALID || error->code == TC_ERROR_TOO_LARGE);
      if (ref != NULL)
        check_ref (ref);
      return 0;
    }

  TC_FUZZ_CHECK (error == NULL && ref == NULL);
  TC_FUZZ_CHECK (frame->ref != NULL);
  check_ref (frame->ref);
  switch (frame->type)
    {
    case TC_CLIENT_FRAME_PING:
      TC_FUZZ_CHECK (frame->send == NULL && frame->peer == NULL);
      break;
    case TC_CLIENT_FRAME_SEND:
      TC_FUZZ_CHECK (frame->send != NULL && frame->peer == NULL);
      TC_FUZZ_CHECK (frame->send->to->len >= 1);
      break;
    case TC_CLIENT_FRAME_READ:
      TC_FUZZ_CHECK (frame->send == NULL && frame->peer != NULL);
      TC_FUZZ_CHECK (g_utf8_validate (frame->peer, -1, NULL));
      break;
    default:
      TC_FUZZ_CHECK (!"an unknown frame type");
    }
  return 0;
}
