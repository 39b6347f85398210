/* fuzz-json.c: the JSON protocol decoder of common/
 *
 * The input is any bytes, as they come in an HTTP body, a WebSocket frame
 * or a server answer read by the app. Whatever tc_json_parse() accepts is
 * handed to every decoder: events, messages, send requests, associates,
 * resources, error bodies, the typed member readers, and the same for the
 * elements of an array or the members of an object (sync pages, message
 * lists and login answers wrap the objects one level down).
 *
 * Properties checked besides "no crash, no sanitizer report":
 * - what tc_json_parse() accepts, json-glib writes back as text that
 *   tc_json_parse() accepts again (the server echoes a frame's "ref");
 * - every decoded object, written with its encoder and decoded again, is
 *   decoded the same from then on (one round may normalise: sent_at
 *   loses its microseconds), and the encoder's text parses;
 * - the tree tc_json_parse() builds is the one json-glib's parser builds;
 * - a message written as text without a tree parses to its tree.
 */
#include <stdio.h>
#include <string.h>

#include "tc-associate.h"
#include "tc-error.h"
#include "tc-event.h"
#include "tc-fuzz.h"
#include "tc-json.h"
#include "tc-message.h"
#include "tc-resource.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  tc_fuzz_init ();
  return 0;
}

/* Encoded JSON must be text that our own strict parser takes back. */
static JsonNode *
reparse (JsonNode *node)
{
  g_autofree char *text = tc_json_to_string (node);
  g_autoptr(GError) error = NULL;
  JsonNode *back = tc_json_parse (text, -1, &error);

  if (back == NULL)
    fprintf (stderr, "written: %s\nrefused: %s\n", text, error->message);
  TC_FUZZ_CHECK (back != NULL);
  return back;
}

/* Decoders that fail must say why, with a TC_ERROR. */
static void
check_error (const GError *error)
{
  TC_FUZZ_CHECK (error != NULL);
  TC_FUZZ_CHECK (error->domain == TC_ERROR);
  TC_FUZZ_CHECK (error->message != NULL && g_utf8_validate (error->message, -1, NULL));
}

#define ROUND_TRIP(Type, prefix, node)                                        \
  G_STMT_START {                                                              \
    g_autoptr(GError) e1 = NULL;                                              \
    g_autoptr(Type) first = prefix##_from_json (node, &e1);                   \
                                                                              \
    if (first == NULL)                                                        \
      check_error (e1);                                                       \
    else                                                                      \
      {                                                                       \
        g_autoptr(GError) e2 = NULL, e3 = NULL;                               \
        g_autoptr(JsonNode) n1 = prefix##_to_json (first);                    \
        g_autoptr(JsonNode) t1 = reparse (n1);                                \
        g_autoptr(Type) second = prefix##_from_json (t1, &e2);                \
        g_autoptr(JsonNode) n2 = NULL;                                        \
        g_autoptr(JsonNode) t2 = NULL;                                        \
        g_autoptr(Type) third = NULL;                                         \
                                                                              \
        if (second == NULL)                                                   \
          fprintf (stderr, "re-decoding failed: %s\n", e2->message);          \
        TC_FUZZ_CHECK (second != NULL);                                       \
        n2 = prefix##_to_json (second);                                       \
        t2 = reparse (n2);                                                    \
        third = prefix##_from_json (t2, &e3);                                 \
        TC_FUZZ_CHECK (third != NULL);                                        \
        TC_FUZZ_CHECK (prefix##_equal (second, third));                       \
      }                                                                       \
  } G_STMT_END

static gboolean
string_arrays_equal (GPtrArray *a,
                     GPtrArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    if (strcmp (g_ptr_array_index (a, i), g_ptr_array_index (b, i)) != 0)
      return FALSE;
  return TRUE;
}

static void
decode_send_request (JsonNode *node)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) again_error = NULL;
  g_autoptr(TcSendRequest) request = tc_send_request_from_json (node, &error);
  g_autoptr(JsonNode) written = NULL;
  g_autoptr(JsonNode) text = NULL;
  g_autoptr(TcSendRequest) again = NULL;

  if (request == NULL)
    {
      check_error (error);
      return;
    }
  TC_FUZZ_CHECK (request->to->len >= 1 && request->to->len <= TC_MESSAGE_MAX_RECIPIENTS);
  TC_FUZZ_CHECK (request->attachments->len <= TC_MESSAGE_MAX_ATTACHMENTS);
  TC_FUZZ_CHECK (g_utf8_strlen (request->body, -1) <= TC_MESSAGE_MAX_BODY_CHARS);

  /* A valid request is sent again unchanged (the app's outbox does so). */
  written = tc_send_request_to_json (request);
  text = reparse (written);
  again = tc_send_request_from_json (text, &again_error);
  TC_FUZZ_CHECK (again != NULL);
  TC_FUZZ_CHECK (strcmp (again->client_id, request->client_id) == 0);
  TC_FUZZ_CHECK (strcmp (again->body, request->body) == 0);
  TC_FUZZ_CHECK (string_arrays_equal (again->to, request->to));
  TC_FUZZ_CHECK (string_arrays_equal (again->attachments, request->attachments));
}

/* The member readers with the names the server's handlers use. */
static void
read_members (JsonNode *node)
{
  static const char *const members[] = {
    "login", "password", "device", "offline_channel", "peer", "up_to", "type", "ref",
    "cursor", "more", "reset", "events", "messages", "members", "token", "to",
  };
  JsonObject *object;
  g_autoptr(GError) error = NULL;

  object = tc_json_require_object (node, "request body", &error);
  if (object == NULL)
    {
      check_error (error);
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    for (int required = 0; required <= 1; required++)
      {
        g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL;
        g_autofree char *string = NULL;
        g_autoptr(GPtrArray) strings = NULL;
        gint64 integer = 0;
        gboolean boolean = FALSE;

        if (!tc_json_get_string (object, members[i], required, &string, &e1))
          check_error (e1);
        if (!tc_json_get_int (object, members[i], required, &integer, &e2))
          check_error (e2);
        if (!tc_json_get_bool (object, members[i], required, &boolean, &e3))
          check_error (e3);
        if (!tc_json_get_string_array (object, members[i], required, &strings, &e4))
          check_error (e4);
      }
}

/* A decoded message written as text without a tree: what its tree says. */
static void
message_text (JsonNode *node)
{
  g_autoptr(TcMessage) message = tc_message_from_json (node, NULL);
  g_autoptr(GString) text = NULL;
  g_autoptr(JsonNode) tree = NULL;
  g_autoptr(JsonNode) back = NULL;
  g_autoptr(GError) error = NULL;

  if (message == NULL)
    return;
  text = g_string_new (NULL);
  tc_message_append_json (text, message);
  tree = tc_message_to_json (message);
  back = tc_json_parse (text->str, -1, &error);
  if (back == NULL)
    fprintf (stderr, "written: %s\nrefused: %s\n", text->str, error->message);
  TC_FUZZ_CHECK (back != NULL);
  TC_FUZZ_CHECK (json_node_equal (back, tree));
}

static void
decode_all (JsonNode *node)
{
  g_autoptr(GError) error = NULL;

  message_text (node);
  ROUND_TRIP (TcEvent, tc_event, node);
  ROUND_TRIP (TcMessage, tc_message, node);
  ROUND_TRIP (TcAssociate, tc_associate, node);
  ROUND_TRIP (TcResource, tc_resource, node);
  decode_send_request (node);
  read_members (node);

  if (tc_json_error_parse (node, 400, &error))
    check_error (error);
  else
    TC_FUZZ_CHECK (error == NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = tc_json_parse ((const char *) data, (gssize) size, &error);
  g_autoptr(JsonNode) again = NULL;

  if (root == NULL)
    {
      check_error (error);
      return 0;
    }
  again = reparse (root);
  TC_FUZZ_CHECK (json_node_equal (root, again));

  /* However tc_json_parse() built the tree (flat objects without
   * JsonParser), it is json-glib's. */
  {
    g_autofree char *text = g_strndup ((const char *) data, size);
    g_autoptr(JsonNode) theirs = json_from_string (text, NULL);

    TC_FUZZ_CHECK (theirs != NULL && json_node_equal (root, theirs));
  }

  decode_all (root);
  if (JSON_NODE_HOLDS_ARRAY (root))
    {
      JsonArray *array = json_node_get_array (root);

      for (guint i = 0; i < json_array_get_length (array); i++)
        decode_all (json_array_get_element (array, i));
    }
  else if (JSON_NODE_HOLDS_OBJECT (root))
    {
      JsonObjectIter iter;
      JsonNode *member;

      json_object_iter_init (&iter, json_node_get_object (root));
      while (json_object_iter_next (&iter, NULL, &member))
        {
          decode_all (member);
          if (JSON_NODE_HOLDS_ARRAY (member))
            {
              JsonArray *array = json_node_get_array (member);

              for (guint i = 0; i < json_array_get_length (array); i++)
                decode_all (json_array_get_element (array, i));
            }
        }
    }
  return 0;
}
