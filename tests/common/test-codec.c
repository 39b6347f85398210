/* test-codec.c: JSON encoding and decoding of the protocol objects */
#include <string.h>

#include "tc-associate.h"
#include "tc-error.h"
#include "tc-event.h"
#include "tc-json.h"
#include "tc-message.h"
#include "tc-media-folder.h"
#include "tc-resource.h"
#include "tc-time.h"
#include "tc-uuid.h"

#define NAME_NON_ASCII "Zoë Müller-Nguyễn 李"
#define UUID "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
/* 2026-11-24T08:26:00.123Z */
#define SENT_AT (G_GINT64_CONSTANT (1795508760) * G_USEC_PER_SEC + 123000)

/* --- helpers ----------------------------------------------------------------- */

static JsonNode *
parse_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = tc_json_parse (text, -1, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

/* Writes @node out as text and parses it again, as the wire does. */
static JsonNode *
over_the_wire (JsonNode *node)
{
  g_autofree char *text = tc_json_to_string (node);

  g_assert_nonnull (text);
  /* Compact: json-glib's pretty printer would add newlines. */
  g_assert_null (strchr (text, '\n'));
  return parse_ok (text);
}

static JsonObject *
object_of (JsonNode *node)
{
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_node_get_object (node);
}

static void
assert_member_null (JsonObject *object,
                    const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_NULL (node));
}

static void
assert_error (const GError *error,
              int           code,
              const char   *needle)
{
  g_assert_error (error, TC_ERROR, code);
  if (needle != NULL && strstr (error->message, needle) == NULL)
    g_error ("error message “%s” lacks “%s”", error->message, needle);
}

static void
assert_parse_fails (const char *text,
                    gssize      len,
                    const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = tc_json_parse (text, len, &error);

  if (node != NULL)
    g_error ("“%s” was accepted as JSON", text);
  assert_error (error, TC_ERROR_INVALID, needle);
}

/* --- JSON parsing ------------------------------------------------------------ */

static void
test_json_parse_valid (void)
{
  g_autoptr(JsonNode) node = parse_ok (" {\"a\": [1, -2, 3.5e1, true, false, null,"
                                       "         \"\\u00e9\\ud83d\\ude00\\n\"],"
                                       "  \"b\": {}, \"c\": [], \"min\": -9223372036854775808,"
                                       "  \"max\": 9223372036854775807 }\n");
  JsonObject *object = object_of (node);
  JsonArray *array = json_object_get_array_member (object, "a");

  g_assert_cmpuint (json_array_get_length (array), ==, 7);
  g_assert_cmpint (json_array_get_int_element (array, 1), ==, -2);
  g_assert_cmpfloat (json_array_get_double_element (array, 2), ==, 35.0);
  g_assert_cmpstr (json_array_get_string_element (array, 6), ==, "é😀\n");
  g_assert_cmpint (json_object_get_int_member (object, "min"), ==, G_MININT64);
  g_assert_cmpint (json_object_get_int_member (object, "max"), ==, G_MAXINT64);

  /* The edges of double precision, what rounds to zero, and doubles that
   * json-glib writes as JSON are numbers. */
  {
    g_autoptr(JsonNode) edges = parse_ok ("[1.7976931348623157e308,-1.7976931348623157e308,"
                                          "4.9e-324,1e-400,1.5e300,1e16,1e-7]");
    JsonArray *doubles = json_node_get_array (edges);

    g_assert_cmpfloat (json_array_get_double_element (doubles, 0), ==, G_MAXDOUBLE);
    g_assert_cmpfloat (json_array_get_double_element (doubles, 3), ==, 0.0);
  }

  /* An explicit length that stops before a trailing NUL-free remainder. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) partial = tc_json_parse ("[1]garbage", 3, &error);

    g_assert_no_error (error);
    g_assert_true (JSON_NODE_HOLDS_ARRAY (partial));
  }
}

/* Flat objects get their tree without JsonParser: the same tree as
 * json-glib's, member for member, whatever the document. */
static void
test_json_parse_flat_same_tree (void)
{
  const char *documents[] = {
    "{\"client_id\":\"0b6f3c1e-0000-4000-8000-000000000001\",\"to\":[\"A1006\"],"
    "\"body\":\"Benchmark message 1: the new catalogue is out!\"}",
    " {} ",
    "{ \"a\" : \"\" , \"b\" : [ ] , \"c\" : null , \"d\" : [ \"x\" , null , \"\" ] }\r\n",
    "{\"quotes\":\"\\\"in\\\" \\\\ \\/ \\b\\f\\n\\r\\t end\",\"n\\\"ame\":[\"\\n\"]}",
    "{\"utf8\":\"Grüße — 李 😀\",\"to\":[\"é\",\"ü\"]}",
    "{\"same\":\"first\",\"other\":\"x\",\"same\":\"second\"}",
    "{\"same\":[\"first\"],\"same\":null}",
    /* What goes to json-glib: */
    "{\"escaped\":\"\\u00e9\"}",
    "{\"to\":[\"\\u00e9\"]}",
    "{\"n\":1,\"s\":\"x\"}",
    "{\"b\":true}",
    "{\"o\":{\"s\":\"x\"}}",
    "{\"a\":[[\"x\"]]}",
    "{\"a\":[1]}",
    "[\"x\"]",
    "\"x\"",
    "null",
  };

  for (guint i = 0; i < G_N_ELEMENTS (documents); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) ours = tc_json_parse (documents[i], -1, &error);
      g_autoptr(JsonNode) theirs = json_from_string (documents[i], NULL);

      g_test_message ("%s", documents[i]);
      g_assert_no_error (error);
      g_assert_nonnull (theirs);
      g_assert_true (json_node_equal (ours, theirs));
      if (JSON_NODE_HOLDS_OBJECT (ours))
        {
          g_autoptr(GList) names = json_object_get_members (json_node_get_object (ours));
          g_autoptr(GList) their_names = json_object_get_members (json_node_get_object (theirs));

          g_assert_cmpuint (g_list_length (names), ==, g_list_length (their_names));
          for (GList *l = names, *t = their_names; l != NULL; l = l->next, t = t->next)
            g_assert_cmpstr (l->data, ==, t->data);
        }
    }

  /* Malformed flat documents are still refused by the checker. */
  {
    const char *bad[] = { "{\"a\":\"x\",}", "{\"a\":[\"x\",]}", "{\"a\" \"x\"}",
                          "{\"a\":\"x\"} {}", "{\"a\":\"\\q\"}", "{\"a\":\"\x01\"}" };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(JsonNode) node = tc_json_parse (bad[i], -1, &error);

        g_assert_null (node);
        g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
      }
  }
}

static void
test_json_parse_malformed (void)
{
  assert_parse_fails ("{", -1, "malformed JSON");
  assert_parse_fails ("{\"a\":1,}", -1, "malformed JSON");
  assert_parse_fails ("[1,]", -1, "malformed JSON");
  assert_parse_fails ("{a:1}", -1, "malformed JSON");
  assert_parse_fails ("{\"a\" 1}", -1, "malformed JSON");
  /* What json-glib 1.6 alone would let through: */
  assert_parse_fails ("{'a':1}", -1, "malformed JSON");
  assert_parse_fails ("/* c */ {\"a\":1}", -1, "malformed JSON");
  assert_parse_fails ("var x = {\"a\":1}", -1, "malformed JSON");
  assert_parse_fails ("{\"a\":1} {\"b\":2}", -1, "after the JSON value");
  assert_parse_fails ("{\"a\":0x1F}", -1, "malformed JSON");
  assert_parse_fails ("{\"a\":01}", -1, "leading zeros");
  assert_parse_fails ("{\"a\":99999999999999999999}", -1, "64-bit");
  assert_parse_fails ("{\"a\":9223372036854775808}", -1, "64-bit");
  assert_parse_fails ("{\"a\":-9223372036854775809}", -1, "64-bit");
  assert_parse_fails ("{\"a\":\"x\\u0000y\"}", -1, "NUL");
  assert_parse_fails ("{\"a\":\"\\ud83d\"}", -1, "surrogate");
  assert_parse_fails ("{\"a\":\"\\ude00\"}", -1, "surrogate");
  assert_parse_fails ("{\"a\":\"\\x41\"}", -1, "escape");
  assert_parse_fails ("{\"a\":\"\\u12\"}", -1, "hexadecimal");
  assert_parse_fails ("{\"a\":\"tab\there\"}", -1, "control characters");
  assert_parse_fails ("{\"a\":\"open", -1, "unterminated");
  assert_parse_fails ("{\"a\":NaN}", -1, "malformed JSON");
  assert_parse_fails ("{\"a\":+1}", -1, "malformed JSON");
  assert_parse_fails ("{\"a\":1.}", -1, "invalid number");
  assert_parse_fails ("{\"a\":1e}", -1, "invalid number");
  assert_parse_fails ("{\"a\":tru}", -1, "malformed JSON");
  /* Found by fuzzing: json-glib 1.6 reads these as ±infinity and writes
   * "inf", or writes them as "5e+21.0"; so a WebSocket ack echoing such a
   * "ref" was not JSON. */
  assert_parse_fails ("{\"a\":201e4002}", -1, "supported range");
  assert_parse_fails ("[-1e309]", -1, "supported range");
  assert_parse_fails ("[1.0e400]", -1, "supported range");
  assert_parse_fails ("[5e21]", -1, "supported range");
  assert_parse_fails ("[1e17]", -1, "supported range");
  assert_parse_fails ("[-1.0E+22]", -1, "supported range");
  /* The position helps people find the mistake. */
  assert_parse_fails ("{\n  \"a\": 1,\n  \"b\" 2\n}", -1, "line 3, column 7");
}

static void
test_json_parse_empty (void)
{
  assert_parse_fails ("", -1, "empty");
  assert_parse_fails ("", 0, "empty");
  assert_parse_fails (" \r\n\t", -1, "empty");
  assert_parse_fails (NULL, 0, "empty");
}

static void
test_json_parse_invalid_utf8 (void)
{
  assert_parse_fails ("\xff", -1, "not valid UTF-8");
  assert_parse_fails ("{\"a\":\"\xff\"}", -1, "not valid UTF-8");
  /* Overlong encoding of "/" and a lone continuation byte. */
  assert_parse_fails ("{\"a\":\"\xc0\xaf\"}", -1, "not valid UTF-8");
  assert_parse_fails ("{\"a\":\"\x80\"}", -1, "not valid UTF-8");
  /* A NUL inside the given length would cut the document short. */
  assert_parse_fails ("{\"a\":\"x\0y\"}", 11, "not valid UTF-8");
}

static void
test_json_parse_depth (void)
{
  g_autoptr(GString) deep = g_string_new (NULL);
  g_autoptr(GString) fine = g_string_new (NULL);
  g_autoptr(JsonNode) node = NULL;

  for (int i = 0; i < 10000; i++)
    g_string_append_c (deep, '[');
  for (int i = 0; i < 10000; i++)
    g_string_append_c (deep, ']');
  assert_parse_fails (deep->str, -1, "nested too deeply");

  for (int i = 0; i < 20; i++)
    g_string_append (fine, "{\"a\":[");
  for (int i = 0; i < 20; i++)
    g_string_append (fine, "]}");
  node = parse_ok (fine->str);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
}

static void
test_json_accessors (void)
{
  g_autoptr(JsonNode) node = parse_ok ("{\"s\":\"é\",\"i\":42,\"d\":42.0,\"si\":\"42\",\"b\":true,"
                                       "\"bi\":1,\"n\":null,\"a\":[\"x\",\"y\"],\"an\":[\"x\",1]}");
  JsonObject *object = object_of (node);
  g_autofree char *s = NULL;
  g_autofree char *missing = NULL;
  g_autoptr(GPtrArray) a = NULL;
  g_autoptr(GPtrArray) absent = NULL;
  gint64 i = -1;
  gboolean b = FALSE;
  GError *error = NULL;

  g_assert_true (tc_json_get_string (object, "s", TRUE, &s, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (s, ==, "é");

  /* Optional and null or missing: NULL, and no error. */
  g_assert_true (tc_json_get_string (object, "n", FALSE, &missing, &error));
  g_assert_null (missing);
  g_assert_true (tc_json_get_string (object, "nope", FALSE, &missing, &error));
  g_assert_null (missing);
  g_assert_no_error (error);

  g_assert_false (tc_json_get_string (object, "nope", TRUE, &missing, &error));
  assert_error (error, TC_ERROR_INVALID, "“nope” is missing");
  g_clear_error (&error);
  g_assert_false (tc_json_get_string (object, "n", TRUE, &missing, &error));
  assert_error (error, TC_ERROR_INVALID, "“n” must be a string");
  g_clear_error (&error);
  g_assert_false (tc_json_get_string (object, "i", TRUE, &missing, &error));
  assert_error (error, TC_ERROR_INVALID, "“i” must be a string");
  g_clear_error (&error);

  g_assert_true (tc_json_get_int (object, "i", TRUE, &i, &error));
  g_assert_no_error (error);
  g_assert_cmpint (i, ==, 42);
  /* A missing optional integer keeps the caller's default. */
  i = 7;
  g_assert_true (tc_json_get_int (object, "nope", FALSE, &i, &error));
  g_assert_true (tc_json_get_int (object, "n", FALSE, &i, &error));
  g_assert_cmpint (i, ==, 7);
  g_assert_false (tc_json_get_int (object, "d", TRUE, &i, &error));
  assert_error (error, TC_ERROR_INVALID, "“d” must be an integer");
  g_clear_error (&error);
  g_assert_false (tc_json_get_int (object, "si", FALSE, &i, &error));
  assert_error (error, TC_ERROR_INVALID, "“si” must be an integer");
  g_clear_error (&error);
  g_assert_false (tc_json_get_int (object, "b", FALSE, &i, &error));
  assert_error (error, TC_ERROR_INVALID, "“b” must be an integer");
  g_clear_error (&error);
  g_assert_cmpint (i, ==, 7);

  g_assert_true (tc_json_get_bool (object, "b", TRUE, &b, &error));
  g_assert_no_error (error);
  g_assert_true (b);
  g_assert_false (tc_json_get_bool (object, "bi", FALSE, &b, &error));
  assert_error (error, TC_ERROR_INVALID, "“bi” must be true or false");
  g_clear_error (&error);
  g_assert_false (tc_json_get_bool (object, "nope", TRUE, &b, &error));
  assert_error (error, TC_ERROR_INVALID, "“nope” is missing");
  g_clear_error (&error);

  g_assert_true (tc_json_get_string_array (object, "a", TRUE, &a, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (a->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (a, 1), ==, "y");
  g_assert_true (tc_json_get_string_array (object, "n", FALSE, &absent, &error));
  g_assert_null (absent);
  g_assert_false (tc_json_get_string_array (object, "an", FALSE, &absent, &error));
  assert_error (error, TC_ERROR_INVALID, "“an” must be an array of strings");
  g_clear_error (&error);
  g_assert_false (tc_json_get_string_array (object, "s", FALSE, &absent, &error));
  assert_error (error, TC_ERROR_INVALID, "“s” must be an array of strings");
  g_clear_error (&error);
  g_assert_null (absent);

  g_assert_null (tc_json_require_object (json_object_get_member (object, "a"), "frame", &error));
  assert_error (error, TC_ERROR_INVALID, "the frame must be a JSON object");
  g_clear_error (&error);
  g_assert_null (tc_json_require_object (NULL, "request body", &error));
  assert_error (error, TC_ERROR_INVALID, "request body");
  g_clear_error (&error);
}

static void
test_json_to_bytes (void)
{
  g_autoptr(JsonNode) node = parse_ok ("{ \"a\" : [ 1 , \"é\" ] }");
  g_autoptr(GBytes) bytes = tc_json_to_bytes (node);
  g_autofree char *text = tc_json_to_string (node);
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);

  g_assert_cmpstr (text, ==, "{\"a\":[1,\"é\"]}");
  g_assert_cmpmem (data, len, text, strlen (text));
}

static void
test_json_error_body (void)
{
  g_autoptr(GError) forbidden = g_error_new (TC_ERROR, TC_ERROR_FORBIDDEN, "not on your team");
  g_autoptr(GError) foreign = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "disk on fire");
  g_autoptr(GError) read_back = NULL;
  g_autoptr(JsonNode) node = tc_json_error_new (forbidden);
  g_autoptr(JsonNode) foreign_node = tc_json_error_new (foreign);
  g_autoptr(JsonNode) wire = over_the_wire (node);
  JsonObject *object = object_of (wire);

  g_assert_cmpstr (json_object_get_string_member (object, "error"), ==, "forbidden");
  g_assert_cmpstr (json_object_get_string_member (object, "message"), ==, "not on your team");
  g_assert_cmpstr (json_object_get_string_member (object_of (foreign_node), "error"), ==,
                   "internal");

  g_assert_true (tc_json_error_parse (wire, 403, &read_back));
  assert_error (read_back, TC_ERROR_FORBIDDEN, NULL);
  g_assert_cmpstr (read_back->message, ==, "not on your team");
  g_clear_error (&read_back);

  /* Every code survives the trip. */
  for (int code = TC_ERROR_INVALID; code <= TC_ERROR_UNAVAILABLE; code++)
    {
      g_autoptr(GError) original = g_error_new (TC_ERROR, code, "code %d", code);
      g_autoptr(JsonNode) body = tc_json_error_new (original);
      g_autoptr(GError) copy = NULL;

      g_assert_true (tc_json_error_parse (body, 200, &copy));
      assert_error (copy, code, NULL);
      g_assert_cmpstr (copy->message, ==, original->message);
    }

  /* A code this program does not know: the status decides. */
  {
    g_autoptr(JsonNode) unknown = parse_ok ("{\"error\":\"slow_down\",\"message\":\"later\"}");
    g_autoptr(JsonNode) bare = parse_ok ("{\"error\":\"not_found\"}");

    g_assert_true (tc_json_error_parse (unknown, 429, &read_back));
    assert_error (read_back, TC_ERROR_RATE_LIMITED, "later");
    g_clear_error (&read_back);

    g_assert_true (tc_json_error_parse (bare, 404, &read_back));
    assert_error (read_back, TC_ERROR_NOT_FOUND, NULL);
    g_assert_cmpstr (read_back->message, !=, "");
    g_clear_error (&read_back);
  }

  /* Not error bodies at all. */
  {
    g_autoptr(JsonNode) message = parse_ok ("{\"messages\":[]}");
    g_autoptr(JsonNode) array = parse_ok ("[]");
    g_autoptr(JsonNode) number_code = parse_ok ("{\"error\":5}");

    g_assert_false (tc_json_error_parse (message, 500, &read_back));
    g_assert_false (tc_json_error_parse (array, 500, &read_back));
    g_assert_false (tc_json_error_parse (number_code, 500, &read_back));
    g_assert_false (tc_json_error_parse (NULL, 500, &read_back));
    g_assert_no_error (read_back);
  }
}

/* --- uuid ------------------------------------------------------------------ */

static void
test_uuid (void)
{
  g_autofree char *a = tc_uuid_new ();
  g_autofree char *b = tc_uuid_new ();

  g_assert_true (tc_uuid_is_valid (a));
  g_assert_cmpstr (a, !=, b);
  /* Version 7, RFC 4122 variant, and in the order they were made (as text
   * too): the server's idempotency index grows at its end. */
  g_assert_cmpint (a[14], ==, '7');
  g_assert_true (strchr ("89ab", a[19]) != NULL);
  g_assert_cmpstr (a, <, b);
  {
    /* The first 48 bits are the time in milliseconds. */
    gint64 before = g_get_real_time () / 1000;
    g_autofree char *c = tc_uuid_new ();
    gint64 after = g_get_real_time () / 1000;
    char hex[13];
    gint64 ms;

    memcpy (hex, c, 8);
    memcpy (hex + 8, c + 9, 4);
    hex[12] = '\0';
    ms = g_ascii_strtoll (hex, NULL, 16);
    g_assert_cmpint (ms, >=, before);
    g_assert_cmpint (ms, <=, after + 1);   /* +1: a borrowed millisecond */
  }
  {
    g_autofree char *previous = g_strdup (b);

    for (guint i = 0; i < 10000; i++)
      {
        g_autofree char *next = tc_uuid_new ();

        g_assert_true (tc_uuid_is_valid (next));
        g_assert_cmpstr (previous, <, next);
        g_free (previous);
        previous = g_steal_pointer (&next);
      }
  }
  g_assert_true (tc_uuid_is_valid (UUID));
  g_assert_true (tc_uuid_is_valid ("3F2504E0-4F89-41D3-9A0C-0305E82C3301"));
  g_assert_true (tc_uuid_is_valid ("00000000-0000-0000-0000-000000000000"));

  g_assert_false (tc_uuid_is_valid (NULL));
  g_assert_false (tc_uuid_is_valid (""));
  g_assert_false (tc_uuid_is_valid ("not-a-uuid"));
  g_assert_false (tc_uuid_is_valid ("3f2504e04f8941d39a0c0305e82c3301"));
  g_assert_false (tc_uuid_is_valid ("{3f2504e0-4f89-41d3-9a0c-0305e82c3301}"));
  g_assert_false (tc_uuid_is_valid ("urn:uuid:3f2504e0-4f89-41d3-9a0c-0305e82c3301"));
  g_assert_false (tc_uuid_is_valid ("3f2504e0-4f89-41d3-9a0c-0305e82c33011"));
  g_assert_false (tc_uuid_is_valid ("3f2504e0-4f89-41d3-9a0c-0305e82c330"));
  g_assert_false (tc_uuid_is_valid ("3f2504e0-4f89-41d3-9a0c-0305e82c330g"));
  g_assert_false (tc_uuid_is_valid ("3f2504e0_4f89-41d3-9a0c-0305e82c3301"));
  g_assert_false (tc_uuid_is_valid (" 3f2504e0-4f89-41d3-9a0c-0305e82c330"));
}

/* --- associate -------------------------------------------------------------- */

static TcAssociate *
make_associate (void)
{
  TcAssociate *a = tc_associate_new ();

  a->id = g_strdup ("A100");
  a->name = g_strdup (NAME_NON_ASCII);
  a->email = g_strdup ("zoe@example.com");
  a->phone = g_strdup ("+15550001111");
  a->sponsor_id = g_strdup ("A1");
  a->enroller_id = g_strdup ("A2");
  a->marketing_site_url = g_strdup ("https://example.com/zoë");
  a->online = TRUE;
  return a;
}

/* The top of both trees, with no contact details. */
static TcAssociate *
make_top_associate (void)
{
  TcAssociate *a = tc_associate_new ();

  a->id = g_strdup ("A1");
  a->name = g_strdup ("李 Top");
  return a;
}

static TcAssociate *
associate_round_trip (JsonNode *node)
{
  g_autoptr(JsonNode) wire = over_the_wire (node);
  g_autoptr(GError) error = NULL;
  TcAssociate *back = tc_associate_from_json (wire, &error);

  g_assert_no_error (error);
  g_assert_nonnull (back);
  return back;
}

static void
test_associate_plain (void)
{
  g_autoptr(TcAssociate) full = make_associate ();
  g_autoptr(TcAssociate) top = make_top_associate ();
  g_autoptr(JsonNode) full_node = tc_associate_to_json (full);
  g_autoptr(JsonNode) top_node = tc_associate_to_json (top);
  g_autoptr(TcAssociate) full_back = associate_round_trip (full_node);
  g_autoptr(TcAssociate) top_back = associate_round_trip (top_node);
  JsonObject *object = object_of (top_node);

  g_assert_true (tc_associate_equal (full, full_back));
  g_assert_cmpstr (full_back->name, ==, NAME_NON_ASCII);
  g_assert_true (full_back->online);
  g_assert_true (tc_associate_equal (top, top_back));
  g_assert_false (tc_associate_equal (full, top));

  /* NULL strings are null on the wire, not missing, and only API.md's
   * members are there. */
  assert_member_null (object, "sponsor_id");
  assert_member_null (object, "enroller_id");
  assert_member_null (object, "email");
  assert_member_null (object, "phone");
  assert_member_null (object, "marketing_site_url");
  g_assert_false (json_object_get_boolean_member (object, "online"));
  g_assert_cmpuint (json_object_get_size (object), ==, 8);
  g_assert_false (json_object_has_member (object_of (full_node), "preferences"));
  g_assert_false (json_object_has_member (object_of (full_node), "sponsor"));
}

static void
test_associate_me (void)
{
  g_autoptr(TcAssociate) me = make_associate ();
  g_autoptr(TcAssociate) unset = make_top_associate ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) unset_node = tc_associate_to_me_json (unset);
  g_autoptr(TcAssociate) back = NULL;
  JsonObject *preferences;

  me->offline_channel = g_strdup (TC_CHANNEL_SMS);
  node = tc_associate_to_me_json (me);
  back = associate_round_trip (node);
  g_assert_true (tc_associate_equal (me, back));
  g_assert_cmpstr (back->offline_channel, ==, "sms");

  /* No preference stored yet means email. */
  preferences = json_object_get_object_member (object_of (unset_node), "preferences");
  g_assert_nonnull (preferences);
  g_assert_cmpstr (json_object_get_string_member (preferences, "offline_channel"), ==, "email");
  assert_member_null (object_of (unset_node), "sponsor_id");
}

static void
test_associate_dashboard (void)
{
  g_autoptr(TcAssociate) member = make_associate ();
  g_autoptr(TcAssociate) top = make_top_associate ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) top_node = NULL;
  g_autoptr(TcAssociate) back = NULL;
  g_autoptr(TcAssociate) top_back = NULL;
  JsonObject *sponsor;

  member->sponsor_name = g_strdup ("Ann Sponsor");
  member->enroller_name = g_strdup ("Ēnroller Ōne");
  node = tc_associate_to_dashboard_json (member);
  back = associate_round_trip (node);
  g_assert_true (tc_associate_equal (member, back));

  sponsor = json_object_get_object_member (object_of (node), "sponsor");
  g_assert_cmpstr (json_object_get_string_member (sponsor, "id"), ==, "A1");
  g_assert_cmpstr (json_object_get_string_member (sponsor, "name"), ==, "Ann Sponsor");

  top_node = tc_associate_to_dashboard_json (top);
  assert_member_null (object_of (top_node), "sponsor");
  assert_member_null (object_of (top_node), "enroller");
  top_back = associate_round_trip (top_node);
  g_assert_true (tc_associate_equal (top, top_back));

  /* A dashboard that carries the ids only inside "sponsor"/"enroller". */
  {
    g_autoptr(JsonNode) nested = parse_ok ("{\"id\":\"X\",\"name\":\"N\",\"sponsor\":{\"id\":\"S\","
                                           "\"name\":\"Sue\"},\"enroller\":null}");
    g_autoptr(GError) error = NULL;
    g_autoptr(TcAssociate) a = tc_associate_from_json (nested, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (a->sponsor_id, ==, "S");
    g_assert_cmpstr (a->sponsor_name, ==, "Sue");
    g_assert_null (a->enroller_id);
    g_assert_null (a->enroller_name);
    g_assert_null (a->email);
    g_assert_false (a->online);
  }
}

static void
assert_associate_fails (const char *text,
                        const char *needle)
{
  g_autoptr(JsonNode) node = parse_ok (text);
  g_autoptr(GError) error = NULL;
  g_autoptr(TcAssociate) a = tc_associate_from_json (node, &error);

  g_assert_null (a);
  assert_error (error, TC_ERROR_INVALID, needle);
}

static void
test_associate_rejects (void)
{
  assert_associate_fails ("[]", "associate must be a JSON object");
  assert_associate_fails ("{\"name\":\"N\"}", "“id” is missing");
  assert_associate_fails ("{\"id\":1,\"name\":\"N\"}", "“id” must be a string");
  assert_associate_fails ("{\"id\":\"X\"}", "“name” is missing");
  assert_associate_fails ("{\"id\":\"X\",\"name\":null}", "“name” must be a string");
  assert_associate_fails ("{\"id\":\"X\",\"name\":\"N\",\"email\":[]}", "“email”");
  assert_associate_fails ("{\"id\":\"X\",\"name\":\"N\",\"online\":\"true\"}",
                          "“online” must be true or false");
  assert_associate_fails ("{\"id\":\"X\",\"name\":\"N\",\"online\":1}", "“online”");
  assert_associate_fails ("{\"id\":\"X\",\"name\":\"N\","
                          "\"preferences\":{\"offline_channel\":\"fax\"}}",
                          "“offline_channel” must be “email” or “sms”");
  assert_associate_fails ("{\"id\":\"X\",\"name\":\"N\",\"preferences\":\"sms\"}", "“preferences”");
  assert_associate_fails ("{\"id\":\"X\",\"name\":\"N\",\"sponsor\":\"S\"}", "“sponsor”");
  assert_associate_fails ("{\"id\":\"X\",\"name\":\"N\",\"enroller\":{\"name\":\"E\"}}",
                          "“enroller”: “id” is missing");
}

static void
test_associate_boxed (void)
{
  g_autoptr(TcAssociate) a = make_associate ();
  g_autoptr(TcAssociate) copy = g_boxed_copy (TC_TYPE_ASSOCIATE, a);

  g_assert_true (copy != a);
  g_assert_true (copy->name != a->name);
  g_assert_true (tc_associate_equal (a, copy));

  /* Each field takes part in the comparison. */
  g_free (copy->enroller_name);
  copy->enroller_name = g_strdup ("someone");
  g_assert_false (tc_associate_equal (a, copy));
  g_clear_pointer (&copy->enroller_name, g_free);
  copy->online = FALSE;
  g_assert_false (tc_associate_equal (a, copy));

  g_assert_true (tc_associate_equal (NULL, NULL));
  g_assert_false (tc_associate_equal (a, NULL));

  g_assert_true (tc_channel_is_valid ("email"));
  g_assert_true (tc_channel_is_valid ("sms"));
  g_assert_false (tc_channel_is_valid ("SMS"));
  g_assert_false (tc_channel_is_valid (""));
  g_assert_false (tc_channel_is_valid (NULL));
}

/* --- resource --------------------------------------------------------------- */

static TcResource *
make_resource (const char *id,
               const char *folder_id)
{
  TcResource *r = tc_resource_new ();

  r->id = g_strdup (id);
  r->title = g_strdup ("Présentation 2026 — 李");
  r->mime_type = g_strdup ("application/pdf");
  r->size = G_GINT64_CONSTANT (5000000000);  /* beyond 32 bits */
  r->folder_id = g_strdup (folder_id);
  return r;
}

static void
test_resource (void)
{
  g_autoptr(TcResource) r = make_resource ("R1", "F1");
  g_autoptr(TcResource) rootless = make_resource ("R2", NULL);
  g_autoptr(JsonNode) node = tc_resource_to_json (r);
  g_autoptr(JsonNode) rootless_node = tc_resource_to_json (rootless);
  g_autoptr(JsonNode) wire = over_the_wire (node);
  g_autoptr(JsonNode) rootless_wire = over_the_wire (rootless_node);
  g_autoptr(GError) error = NULL;
  g_autoptr(TcResource) back = tc_resource_from_json (wire, &error);
  g_autoptr(TcResource) rootless_back = NULL;
  g_autoptr(TcResource) copy = tc_resource_copy (r);

  g_assert_no_error (error);
  g_assert_true (tc_resource_equal (r, back));
  g_assert_cmpint (json_object_get_int_member (object_of (wire), "size"), ==, r->size);
  g_assert_cmpuint (json_object_get_size (object_of (wire)), ==, 5);

  rootless_back = tc_resource_from_json (rootless_wire, &error);
  g_assert_no_error (error);
  g_assert_true (tc_resource_equal (rootless, rootless_back));
  assert_member_null (object_of (rootless_wire), "folder_id");

  g_assert_true (tc_resource_equal (r, copy));
  copy->size++;
  g_assert_false (tc_resource_equal (r, copy));
}

static void
test_resource_extensions (void)
{
  g_autoptr(TcResource) r = make_resource ("R1", "F1");
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) wire = NULL;
  g_autoptr(TcResource) back = NULL;
  g_autoptr(GError) error = NULL;

  r->description = g_strdup ("Prix — été");
  r->sha256 = g_strnfill (64, 'e');
  r->updated_at = G_GINT64_CONSTANT (1795000000123000);   /* whole milliseconds */
  node = tc_resource_to_json (r);
  wire = over_the_wire (node);
  g_assert_cmpuint (json_object_get_size (object_of (wire)), ==, 8);
  g_assert_cmpstr (json_object_get_string_member (object_of (wire), "sha256"), ==, r->sha256);
  back = tc_resource_from_json (wire, &error);
  g_assert_no_error (error);
  g_assert_true (tc_resource_equal (r, back));

  g_assert_true (tc_resource_sha256_is_valid (r->sha256));
  g_assert_false (tc_resource_sha256_is_valid (NULL));
  g_assert_false (tc_resource_sha256_is_valid ("abc"));
  {
    g_autofree char *upper = g_strnfill (64, 'E');
    g_autofree char *long_one = g_strnfill (65, 'e');
    g_assert_false (tc_resource_sha256_is_valid (upper));
    g_assert_false (tc_resource_sha256_is_valid (long_one));
  }
}

static void
test_media_folder (void)
{
  g_autoptr(TcMediaFolder) category = tc_media_folder_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) wire = NULL;
  g_autoptr(TcMediaFolder) back = NULL;
  g_autoptr(TcMediaFolder) copy = NULL;
  g_autoptr(GError) error = NULL;
  TcMediaFolder *child = tc_media_folder_new ();
  TcMediaFolder *grandchild = tc_media_folder_new ();

  category->id = g_strdup ("C");
  category->title = g_strdup ("Brochures");
  child->id = g_strdup ("F");
  child->title = g_strdup ("Spring");
  child->parent_id = g_strdup ("C");
  child->resource_count = 3;
  grandchild->id = g_strdup ("G");
  grandchild->title = g_strdup ("Older");
  grandchild->parent_id = g_strdup ("F");
  g_ptr_array_add (child->folders, grandchild);
  g_ptr_array_add (category->folders, child);

  node = tc_media_folder_to_json (category);
  wire = over_the_wire (node);
  assert_member_null (object_of (wire), "parent_id");
  back = tc_media_folder_from_json (wire, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->title, ==, "Brochures");
  g_assert_null (back->parent_id);
  g_assert_cmpuint (back->folders->len, ==, 1);
  child = g_ptr_array_index (back->folders, 0);
  g_assert_cmpstr (child->parent_id, ==, "C");
  g_assert_cmpint (child->resource_count, ==, 3);
  g_assert_cmpuint (child->folders->len, ==, 1);
  g_assert_cmpstr (((TcMediaFolder *) g_ptr_array_index (child->folders, 0))->title, ==, "Older");

  copy = tc_media_folder_copy (back);
  g_assert_cmpstr (((TcMediaFolder *) g_ptr_array_index (copy->folders, 0))->id, ==, "F");
}

static void
test_media_folder_rejects (void)
{
  g_autoptr(GString) deep = g_string_new (NULL);
  const char *bad[] = {
    "{\"title\":\"t\"}",
    "{\"id\":\"F\"}",
    "{\"id\":\"F\",\"title\":\"t\",\"resource_count\":-1}",
    "{\"id\":\"F\",\"title\":\"t\",\"folders\":{}}",
    "{\"id\":\"F\",\"title\":\"t\",\"folders\":[5]}",
    "[]",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonNode) node = parse_ok (bad[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(TcMediaFolder) folder = tc_media_folder_from_json (node, &error);

      g_assert_null (folder);
      g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
    }

  /* Nesting past TC_MEDIA_MAX_DEPTH is refused, not recursed into. */
  for (guint i = 0; i < TC_MEDIA_MAX_DEPTH + 2; i++)
    g_string_append (deep, "{\"id\":\"F\",\"title\":\"t\",\"folders\":[");
  g_string_append (deep, "{\"id\":\"F\",\"title\":\"t\"}");
  for (guint i = 0; i < TC_MEDIA_MAX_DEPTH + 2; i++)
    g_string_append (deep, "]}");
  {
    g_autoptr(JsonNode) node = parse_ok (deep->str);
    g_autoptr(GError) error = NULL;
    g_autoptr(TcMediaFolder) folder = tc_media_folder_from_json (node, &error);

    g_assert_null (folder);
    assert_error (error, TC_ERROR_INVALID, "deeper");
  }
}

static void
test_media_listing (void)
{
  g_autoptr(TcMediaListing) listing = tc_media_listing_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) wire = NULL;
  g_autoptr(TcMediaListing) back = NULL;
  g_autoptr(GError) error = NULL;
  TcMediaFolder *sub = tc_media_folder_new ();

  listing->folder = tc_media_folder_new ();
  listing->folder->id = g_strdup ("F");
  listing->folder->title = g_strdup ("Spring");
  sub->id = g_strdup ("G");
  sub->title = g_strdup ("Older");
  g_ptr_array_add (listing->folder->folders, sub);
  g_ptr_array_add (listing->path, tc_media_folder_copy (listing->folder));
  g_ptr_array_add (listing->resources, make_resource ("R1", "F"));

  node = tc_media_listing_to_json (listing);
  wire = over_the_wire (node);
  /* The folder and its breadcrumbs do not repeat the subfolders. */
  g_assert_false (json_object_has_member (json_object_get_object_member (object_of (wire), "folder"),
                                          "folders"));
  back = tc_media_listing_from_json (wire, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->folder->id, ==, "F");
  g_assert_cmpuint (back->folder->folders->len, ==, 1);
  g_assert_cmpuint (back->path->len, ==, 1);
  g_assert_cmpuint (back->resources->len, ==, 1);
  g_assert_true (tc_resource_equal (g_ptr_array_index (back->resources, 0),
                                    g_ptr_array_index (listing->resources, 0)));

  /* API.md's minimum: folders and resources. */
  {
    g_autoptr(JsonNode) minimal = parse_ok ("{\"folders\":[],\"resources\":[]}");
    g_autoptr(TcMediaListing) plain = tc_media_listing_from_json (minimal, &error);
    g_autoptr(JsonNode) missing = parse_ok ("{\"folders\":[]}");
    g_autoptr(TcMediaListing) none = NULL;

    g_assert_no_error (error);
    g_assert_nonnull (plain->folder);
    none = tc_media_listing_from_json (missing, &error);
    g_assert_null (none);
    g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
  }
}

static void
assert_resource_fails (const char *text,
                       const char *needle)
{
  g_autoptr(JsonNode) node = parse_ok (text);
  g_autoptr(GError) error = NULL;
  g_autoptr(TcResource) r = tc_resource_from_json (node, &error);

  g_assert_null (r);
  assert_error (error, TC_ERROR_INVALID, needle);
}

static void
test_resource_rejects (void)
{
  assert_resource_fails ("{\"title\":\"t\",\"size\":1}", "“id” is missing");
  assert_resource_fails ("{\"id\":\"R\",\"size\":\"12\"}", "“size” must be an integer");
  assert_resource_fails ("{\"id\":\"R\",\"size\":12.0}", "“size” must be an integer");
  assert_resource_fails ("{\"id\":\"R\",\"size\":12.5}", "“size” must be an integer");
  assert_resource_fails ("{\"id\":\"R\",\"size\":-1}", "“size” must not be negative");
  assert_resource_fails ("{\"id\":\"R\",\"size\":1,\"mime_type\":7}", "“mime_type”");
  assert_resource_fails ("\"R\"", "resource must be a JSON object");
}

/* --- message ---------------------------------------------------------------- */

static TcMessage *
make_message (const char *delivered_via)
{
  TcMessage *m = tc_message_new ();

  m->id = 42;
  m->client_id = g_strdup (UUID);
  m->from = g_strdup ("A100");
  m->to = g_strdup ("A1");
  m->body = g_strdup ("Grüße, " NAME_NON_ASCII "!\n\"quoted\" \\ tab\t");
  g_ptr_array_add (m->attachments, make_resource ("R1", "F1"));
  g_ptr_array_add (m->attachments, make_resource ("R2", NULL));
  m->sent_at = SENT_AT;
  m->read = TRUE;
  m->delivered_via = g_strdup (delivered_via);
  return m;
}

static TcMessage *
message_round_trip (const TcMessage *m)
{
  g_autoptr(JsonNode) node = tc_message_to_json (m);
  g_autoptr(JsonNode) wire = over_the_wire (node);
  g_autoptr(GError) error = NULL;
  TcMessage *back = tc_message_from_json (wire, &error);

  g_assert_no_error (error);
  g_assert_nonnull (back);
  return back;
}

static void
test_message_round_trip (void)
{
  const char *channels[] = { NULL, "email", "sms" };

  for (guint i = 0; i < G_N_ELEMENTS (channels); i++)
    {
      g_autoptr(TcMessage) m = make_message (channels[i]);
      g_autoptr(TcMessage) back = message_round_trip (m);

      g_assert_true (tc_message_equal (m, back));
      g_assert_cmpstr (back->delivered_via, ==, channels[i]);
      g_assert_cmpuint (back->attachments->len, ==, 2);
    }
}

static void
test_message_delivery_error (void)
{
  g_autoptr(TcMessage) m = make_message (NULL);
  g_autoptr(TcMessage) back = NULL;
  g_autoptr(JsonNode) plain = tc_message_to_json (m);

  /* Only there when set: the contract's message object stays as it was. */
  g_assert_false (json_object_has_member (json_node_get_object (plain), "delivery_error"));
  m->delivery_error = g_strdup ("email not accepted: no such mailbox (SMTP 550)");
  back = message_round_trip (m);
  g_assert_true (tc_message_equal (m, back));
  g_assert_cmpstr (back->delivery_error, ==, m->delivery_error);
}

/* The text written without a tree is the tree's text, byte for byte, but
 * for U+001F: json-glib 1.6 leaves it bare, which RFC 8259 forbids. */
static void
assert_same_text (const TcMessage *m)
{
  g_autoptr(JsonNode) node = tc_message_to_json (m);
  g_autofree char *tree_text = json_to_string (node, FALSE);
  g_auto(GStrv) pieces = g_strsplit (tree_text, "\x1f", -1);
  g_autofree char *expected = g_strjoinv ("\\u001f", pieces);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(JsonNode) back = NULL;
  g_autoptr(GError) error = NULL;

  tc_message_append_json (text, m);
  g_assert_cmpstr (text->str, ==, expected);
  /* The tree's text as every other answer writes it: the same. */
  {
    g_autofree char *written = tc_json_to_string (node);

    g_assert_cmpstr (written, ==, expected);
  }
  /* And it is JSON the strict parser takes. */
  back = tc_json_parse (text->str, -1, &error);
  g_assert_no_error (error);
  g_assert_true (json_node_equal (back, node));
}

static void
test_message_text (void)
{
  const char *channels[] = { NULL, "email", "sms" };
  g_autoptr(TcMessage) m = make_message (NULL);
  g_autoptr(GString) every = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (channels); i++)
    {
      g_autoptr(TcMessage) with = make_message (channels[i]);

      assert_same_text (with);
      with->read = FALSE;
      g_ptr_array_set_size (with->attachments, 0);
      assert_same_text (with);
    }

  /* Every ASCII character, one at a time and all together. */
  for (int ch = 1; ch < 0x80; ch++)
    {
      char one[2] = { (char) ch, '\0' };

      g_free (m->body);
      m->body = g_strdup (one);
      assert_same_text (m);
      g_string_append_c (every, (char) ch);
    }
  g_free (m->body);
  m->body = g_strdup (every->str);
  assert_same_text (m);

  /* Empty and missing values, the extension, a negative id. */
  g_clear_pointer (&m->client_id, g_free);
  g_clear_pointer (&m->body, g_free);
  g_clear_pointer (&m->from, g_free);
  m->delivery_error = g_strdup ("no such \"mailbox\"\n");
  m->id = -7;
  assert_same_text (m);
  m->body = g_strdup ("");
  assert_same_text (m);
}

static void
test_message_wire_form (void)
{
  g_autoptr(TcMessage) m = make_message (NULL);
  g_autoptr(JsonNode) node = NULL;
  JsonObject *object;
  JsonNode *id;

  g_clear_pointer (&m->client_id, g_free);
  node = tc_message_to_json (m);
  object = object_of (node);

  id = json_object_get_member (object, "id");
  g_assert_cmpint (json_node_get_value_type (id), ==, G_TYPE_INT64);
  g_assert_cmpstr (json_object_get_string_member (object, "sent_at"), ==,
                   "2026-11-24T08:26:00.123Z");
  assert_member_null (object, "delivered_via");
  assert_member_null (object, "client_id");
  g_assert_true (json_object_get_boolean_member (object, "read"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "attachments")),
                    ==, 2);
  g_assert_cmpuint (json_object_get_size (object), ==, 9);

  /* Messages without a client id (replies by email or text) still read. */
  {
    g_autoptr(TcMessage) back = message_round_trip (m);

    g_assert_null (back->client_id);
    g_assert_true (tc_message_equal (m, back));
  }
}

static void
test_message_sent_at_precision (void)
{
  g_autoptr(TcMessage) m = make_message (NULL);
  g_autoptr(TcMessage) back = NULL;

  /* The wire carries milliseconds: the microseconds are dropped. */
  m->sent_at = SENT_AT + 456;
  back = message_round_trip (m);
  g_assert_cmpint (back->sent_at, ==, SENT_AT);
  g_assert_false (tc_message_equal (m, back));

  /* An offset on the wire is read as the same instant in UTC. */
  {
    g_autoptr(JsonNode) node = parse_ok ("{\"id\":1,\"client_id\":null,\"from\":\"a\",\"to\":\"b\","
                                         "\"body\":\"hi\","
                                         "\"sent_at\":\"2026-11-24T10:26:00.123+02:00\"}");
    g_autoptr(GError) error = NULL;
    g_autoptr(TcMessage) shifted = tc_message_from_json (node, &error);

    g_assert_no_error (error);
    g_assert_cmpint (shifted->sent_at, ==, SENT_AT);
    g_assert_false (shifted->read);
    g_assert_null (shifted->delivered_via);
    g_assert_nonnull (shifted->attachments);
    g_assert_cmpuint (shifted->attachments->len, ==, 0);
  }
}

static void
assert_message_fails (const char *members,
                      const char *needle)
{
  /* A valid message with @members added, later ones replacing earlier. */
  g_autofree char *text = g_strdup_printf ("{\"id\":1,\"client_id\":\"" UUID "\",\"from\":\"a\","
                                           "\"to\":\"b\",\"body\":\"hi\","
                                           "\"sent_at\":\"2026-11-24T08:26:00Z\"%s}", members);
  g_autoptr(JsonNode) node = parse_ok (text);
  g_autoptr(GError) error = NULL;
  g_autoptr(TcMessage) m = tc_message_from_json (node, &error);

  if (m != NULL)
    g_error ("message %s was accepted", text);
  assert_error (error, TC_ERROR_INVALID, needle);
}

static void
test_message_rejects (void)
{
  {
    g_autoptr(JsonNode) node = parse_ok ("{\"id\":1,\"client_id\":\"" UUID "\",\"from\":\"a\","
                                         "\"to\":\"b\",\"body\":\"hi\","
                                         "\"sent_at\":\"2026-11-24T08:26:00Z\"}");
    g_autoptr(GError) error = NULL;
    g_autoptr(TcMessage) m = tc_message_from_json (node, &error);

    /* The base of the cases below is fine as it is. */
    g_assert_no_error (error);
    g_assert_nonnull (m);
  }

  assert_message_fails (",\"delivered_via\":\"fax\"",
                        "“delivered_via” must be null, “email” or “sms”");
  assert_message_fails (",\"delivered_via\":\"\"", "“delivered_via”");
  assert_message_fails (",\"delivered_via\":true", "“delivered_via”");
  assert_message_fails (",\"id\":\"1\"", "“id” must be an integer");
  assert_message_fails (",\"id\":1.0", "“id” must be an integer");
  assert_message_fails (",\"from\":null", "“from”");
  assert_message_fails (",\"body\":[]", "“body” must be a string");
  assert_message_fails (",\"read\":0", "“read” must be true or false");
  assert_message_fails (",\"sent_at\":\"2026-11-24T08:26:00\"", "“sent_at” must be an RFC 3339");
  assert_message_fails (",\"sent_at\":\"yesterday\"", "“sent_at”");
  assert_message_fails (",\"sent_at\":1795508760", "“sent_at” must be a string");
  assert_message_fails (",\"attachments\":{}", "“attachments”");
  assert_message_fails (",\"attachments\":[\"R1\"]", "attachment 1");
  assert_message_fails (",\"attachments\":[{\"id\":\"R1\",\"size\":1},"
                        "{\"id\":\"R2\",\"size\":\"big\"}]",
                        "attachment 2: “size” must be an integer");
}

static void
test_message_copy (void)
{
  g_autoptr(TcMessage) m = make_message ("sms");
  g_autoptr(TcMessage) copy = g_boxed_copy (TC_TYPE_MESSAGE, m);
  g_autoptr(TcMessage) empty = tc_message_new ();
  TcResource *attachment;

  g_assert_true (tc_message_equal (m, copy));
  g_assert_true (g_ptr_array_index (copy->attachments, 0) != g_ptr_array_index (m->attachments, 0));

  /* Attachments are compared deeply. */
  attachment = g_ptr_array_index (copy->attachments, 1);
  g_free (attachment->title);
  attachment->title = g_strdup ("other");
  g_assert_false (tc_message_equal (m, copy));

  g_assert_nonnull (empty->attachments);
  g_assert_cmpuint (empty->attachments->len, ==, 0);
  g_assert_false (tc_message_equal (m, empty));
}

/* --- events ------------------------------------------------------------------ */

static void
assert_event_round_trip (TcEvent    *event,
                         const char *type)
{
  g_autoptr(JsonNode) node = tc_event_to_json (event);
  g_autoptr(JsonNode) wire = over_the_wire (node);
  g_autoptr(GError) error = NULL;
  g_autoptr(TcEvent) back = tc_event_from_json (wire, &error);
  g_autoptr(TcEvent) copy = tc_event_copy (event);
  JsonObject *object = object_of (wire);

  g_assert_no_error (error);
  g_assert_true (tc_event_equal (event, back));
  g_assert_true (tc_event_equal (event, copy));
  g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, type);
  g_assert_cmpint (json_object_get_int_member (object, "seq"), ==, event->seq);

  back->seq ^= 1;  /* not ++: seq may be G_MAXINT64 */
  g_assert_false (tc_event_equal (event, back));
}

static void
test_event_round_trip (void)
{
  g_autoptr(TcEvent) message = tc_event_new (TC_EVENT_MESSAGE);
  g_autoptr(TcEvent) read = tc_event_new (TC_EVENT_READ);
  g_autoptr(TcEvent) presence = tc_event_new (TC_EVENT_PRESENCE);
  g_autoptr(TcEvent) member = tc_event_new (TC_EVENT_MEMBER);
  g_autoptr(TcEvent) preferences = tc_event_new (TC_EVENT_PREFERENCES);
  g_autoptr(JsonNode) read_node = NULL;
  g_autoptr(JsonNode) presence_node = NULL;

  message->seq = 1;
  message->message = make_message ("email");
  assert_event_round_trip (message, "message");

  read->seq = 2;
  read->by = g_strdup ("A1");
  read->peer = g_strdup ("A100");
  read->up_to = G_GINT64_CONSTANT (9007199254740993);  /* not exact as a double */
  assert_event_round_trip (read, "read");
  read_node = tc_event_to_json (read);
  g_assert_cmpstr (json_object_get_string_member (object_of (read_node), "by"), ==, "A1");
  g_assert_cmpint (json_object_get_int_member (object_of (read_node), "up_to"), ==, read->up_to);

  presence->seq = 3;
  presence->associate_id = g_strdup ("A100");
  presence->online = TRUE;
  assert_event_round_trip (presence, "presence");
  presence_node = tc_event_to_json (presence);
  g_assert_cmpstr (json_object_get_string_member (object_of (presence_node), "associate"), ==,
                   "A100");
  g_assert_true (json_object_get_boolean_member (object_of (presence_node), "online"));
  presence->online = FALSE;
  assert_event_round_trip (presence, "presence");

  member->seq = 4;
  member->member = make_associate ();
  assert_event_round_trip (member, "member");

  preferences->seq = G_MAXINT64;
  preferences->offline_channel = g_strdup ("sms");
  assert_event_round_trip (preferences, "preferences");
}

static void
test_event_types (void)
{
  const char *names[] = { "message", "read", "presence", "member", "preferences" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      TcEventType type = (TcEventType) 99;

      g_assert_true (tc_event_type_from_string (names[i], &type));
      g_assert_cmpint (type, ==, i);
      g_assert_cmpstr (tc_event_type_to_string (type), ==, names[i]);
    }
  g_assert_false (tc_event_type_from_string ("typing", NULL));
  g_assert_false (tc_event_type_from_string ("Message", NULL));
  g_assert_false (tc_event_type_from_string (NULL, NULL));
}

static void
assert_event_fails (const char *text,
                    const char *needle)
{
  g_autoptr(JsonNode) node = parse_ok (text);
  g_autoptr(GError) error = NULL;
  g_autoptr(TcEvent) event = tc_event_from_json (node, &error);

  if (event != NULL)
    g_error ("event %s was accepted", text);
  assert_error (error, TC_ERROR_INVALID, needle);
}

static void
test_event_rejects (void)
{
  assert_event_fails ("{\"seq\":1,\"type\":\"typing\"}", "unknown event type “typing”");
  assert_event_fails ("{\"seq\":1,\"type\":\"hello\",\"cursor\":\"x\"}", "unknown event type");
  assert_event_fails ("{\"seq\":1}", "“type” is missing");
  assert_event_fails ("{\"seq\":1,\"type\":3}", "“type” must be a string");
  assert_event_fails ("{\"type\":\"presence\",\"associate\":\"A\",\"online\":true}",
                      "“seq” is missing");
  assert_event_fails ("{\"seq\":\"1\",\"type\":\"presence\",\"associate\":\"A\",\"online\":true}",
                      "“seq” must be an integer");
  assert_event_fails ("{\"seq\":1.5,\"type\":\"presence\",\"associate\":\"A\",\"online\":true}",
                      "“seq” must be an integer");
  /* Missing payloads, one per type. */
  assert_event_fails ("{\"seq\":1,\"type\":\"message\"}", "message event: “message” is missing");
  assert_event_fails ("{\"seq\":1,\"type\":\"message\",\"message\":null}", "“message”");
  assert_event_fails ("{\"seq\":1,\"type\":\"message\",\"message\":{\"id\":1}}", "message event:");
  assert_event_fails ("{\"seq\":1,\"type\":\"read\",\"by\":\"A\",\"peer\":\"B\"}",
                      "“up_to” is missing");
  assert_event_fails ("{\"seq\":1,\"type\":\"read\",\"by\":\"A\",\"up_to\":3}",
                      "“peer” is missing");
  assert_event_fails ("{\"seq\":1,\"type\":\"read\",\"by\":\"A\",\"peer\":\"B\",\"up_to\":\"3\"}",
                      "“up_to” must be an integer");
  assert_event_fails ("{\"seq\":1,\"type\":\"presence\",\"associate\":\"A\"}",
                      "“online” is missing");
  assert_event_fails ("{\"seq\":1,\"type\":\"presence\",\"online\":true}",
                      "“associate” is missing");
  assert_event_fails ("{\"seq\":1,\"type\":\"member\"}", "“member” is missing");
  assert_event_fails ("{\"seq\":1,\"type\":\"member\",\"member\":{\"id\":\"A\"}}",
                      "“name” is missing");
  assert_event_fails ("{\"seq\":1,\"type\":\"preferences\"}", "“preferences” is missing");
  assert_event_fails ("{\"seq\":1,\"type\":\"preferences\",\"preferences\":{}}",
                      "“offline_channel” is missing");
  assert_event_fails ("{\"seq\":1,\"type\":\"preferences\","
                      "\"preferences\":{\"offline_channel\":\"fax\"}}",
                      "“offline_channel” must be “email” or “sms”");
}

/* --- TcSendRequest ------------------------------------------------------------- */

static TcSendRequest *
send_from_text (const char  *text,
                GError     **error)
{
  g_autoptr(JsonNode) node = tc_json_parse (text, -1, error);

  if (node == NULL)
    return NULL;
  return tc_send_request_from_json (node, error);
}

static TcSendRequest *
send_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  TcSendRequest *request = send_from_text (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (request);
  return request;
}

static void
assert_send_fails (const char *text,
                   int         code,
                   const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TcSendRequest) request = send_from_text (text, &error);

  if (request != NULL)
    g_error ("send request %s was accepted", text);
  assert_error (error, code, needle);
}

/* A request with the given "to", "body" and "attachments" JSON texts
 * (NULL leaves a member out). */
static char *
send_text (const char *to,
           const char *body,
           const char *attachments)
{
  GString *text = g_string_new ("{\"client_id\":\"" UUID "\"");

  if (to != NULL)
    g_string_append_printf (text, ",\"to\":%s", to);
  if (body != NULL)
    g_string_append_printf (text, ",\"body\":%s", body);
  if (attachments != NULL)
    g_string_append_printf (text, ",\"attachments\":%s", attachments);
  g_string_append_c (text, '}');
  return g_string_free (text, FALSE);
}

static void
test_send_round_trip (void)
{
  g_autoptr(TcSendRequest) request = tc_send_request_new ();
  g_autoptr(TcSendRequest) back = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) wire = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (request->to);
  g_assert_nonnull (request->attachments);
  g_assert_cmpstr (request->body, ==, "");

  request->client_id = tc_uuid_new ();
  g_ptr_array_add (request->to, g_strdup ("A1"));
  g_ptr_array_add (request->to, g_strdup ("A2"));
  g_free (request->body);
  request->body = g_strdup (NAME_NON_ASCII);
  g_ptr_array_add (request->attachments, g_strdup ("R1"));

  node = tc_send_request_to_json (request);
  wire = over_the_wire (node);
  back = tc_send_request_from_json (wire, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->client_id, ==, request->client_id);
  g_assert_cmpuint (back->to->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (back->to, 0), ==, "A1");
  g_assert_cmpstr (g_ptr_array_index (back->to, 1), ==, "A2");
  g_assert_cmpstr (back->body, ==, NAME_NON_ASCII);
  g_assert_cmpuint (back->attachments->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (back->attachments, 0), ==, "R1");

  /* A WebSocket "send" frame has a "type" on top: ignored. */
  {
    g_autoptr(TcSendRequest) frame = send_ok ("{\"type\":\"send\",\"client_id\":\"" UUID "\","
                                              "\"to\":[\"A1\"],\"body\":\"hi\"}");

    g_assert_cmpstr (frame->body, ==, "hi");
    g_assert_cmpuint (frame->attachments->len, ==, 0);
  }
}

/* The start of a request with a valid client id. */
#define WITH_ID "{\"client_id\":\"" UUID "\","
#define CLIENT_ID_TYPE "“client_id” must be a string"
#define TO_TYPE "“to” must be an array of strings"
#define BODY_TYPE "“body” must be a string"
#define ATTACHMENTS_TYPE "“attachments” must be an array of strings"

static void
test_send_wrong_types (void)
{
  static const struct {
    const char *json;
    const char *needle;
  } cases[] = {
    { "{\"client_id\":42,\"to\":[\"A\"],\"body\":\"x\"}", CLIENT_ID_TYPE },
    { "{\"client_id\":[\"" UUID "\"],\"to\":[\"A\"],\"body\":\"x\"}", CLIENT_ID_TYPE },
    { "{\"client_id\":null,\"to\":[\"A\"],\"body\":\"x\"}", CLIENT_ID_TYPE },
    { "{\"to\":[\"A\"],\"body\":\"x\"}", "“client_id” is missing" },
    { WITH_ID "\"body\":\"x\"}", "“to” is missing" },
    { WITH_ID "\"to\":null,\"body\":\"x\"}", TO_TYPE },
    { WITH_ID "\"to\":\"A\",\"body\":\"x\"}", TO_TYPE },
    { WITH_ID "\"to\":{\"A\":1},\"body\":\"x\"}", TO_TYPE },
    { WITH_ID "\"to\":[1],\"body\":\"x\"}", TO_TYPE },
    { WITH_ID "\"to\":[\"A\",null],\"body\":\"x\"}", TO_TYPE },
    { WITH_ID "\"to\":[[\"A\"]],\"body\":\"x\"}", TO_TYPE },
    { WITH_ID "\"to\":[true],\"body\":\"x\"}", TO_TYPE },
    { WITH_ID "\"to\":[\"A\"],\"body\":5}", BODY_TYPE },
    { WITH_ID "\"to\":[\"A\"],\"body\":true}", BODY_TYPE },
    { WITH_ID "\"to\":[\"A\"],\"body\":[\"x\"]}", BODY_TYPE },
    { WITH_ID "\"to\":[\"A\"],\"body\":{}}", BODY_TYPE },
    { WITH_ID "\"to\":[\"A\"],\"attachments\":\"R1\"}", ATTACHMENTS_TYPE },
    { WITH_ID "\"to\":[\"A\"],\"attachments\":[1]}", ATTACHMENTS_TYPE },
    { WITH_ID "\"to\":[\"A\"],\"attachments\":[{\"id\":\"R1\"}]}", ATTACHMENTS_TYPE },
    { WITH_ID "\"to\":[\"A\"],\"attachments\":{}}", ATTACHMENTS_TYPE },
    { WITH_ID "\"to\":[\"A\"],\"attachments\":7}", ATTACHMENTS_TYPE },
    { "[]", "must be a JSON object" },
    { "\"hello\"", "must be a JSON object" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_send_fails (cases[i].json, TC_ERROR_INVALID, cases[i].needle);
}

static void
test_send_client_id (void)
{
  const char *bad[] = {
    "not-a-uuid", "", "3f2504e04f8941d39a0c0305e82c3301",
    "{3f2504e0-4f89-41d3-9a0c-0305e82c3301}", "3f2504e0-4f89-41d3-9a0c-0305e82c330z",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *text = g_strdup_printf ("{\"client_id\":\"%s\","
                                               "\"to\":[\"A\"],\"body\":\"x\"}", bad[i]);

      assert_send_fails (text, TC_ERROR_INVALID, "“client_id” must be a UUID");
    }

  {
    g_autoptr(TcSendRequest) upper = send_ok ("{\"client_id\":"
                                              "\"3F2504E0-4F89-41D3-9A0C-0305E82C3301\","
                                              "\"to\":[\"A\"],\"body\":\"x\"}");

    g_assert_cmpstr (upper->client_id, ==, "3F2504E0-4F89-41D3-9A0C-0305E82C3301");
  }
}

static char *
recipients (guint n)
{
  GString *to = g_string_new ("[");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (to, "%s\"A%u\"", i > 0 ? "," : "", i);
  g_string_append_c (to, ']');
  return g_string_free (to, FALSE);
}

static void
test_send_recipients (void)
{
  g_autofree char *empty = send_text ("[]", "\"x\"", NULL);
  g_autofree char *blank_id = send_text ("[\"A\",\"\"]", "\"x\"", NULL);
  g_autofree char *to_100 = recipients (100);
  g_autofree char *to_101 = recipients (101);
  g_autofree char *max = send_text (to_100, "\"x\"", NULL);
  g_autofree char *too_many = send_text (to_101, "\"x\"", NULL);
  g_autofree char *dups = send_text ("[\"B\",\"A\",\"B\",\"C\",\"A\",\"B\"]", "\"x\"", NULL);
  g_autoptr(TcSendRequest) max_request = NULL;
  g_autoptr(TcSendRequest) dups_request = NULL;

  assert_send_fails (empty, TC_ERROR_INVALID, "at least one recipient");
  assert_send_fails (blank_id, TC_ERROR_INVALID, "“to” must not contain empty ids");
  assert_send_fails (too_many, TC_ERROR_INVALID, "at most 100 recipients");

  max_request = send_ok (max);
  g_assert_cmpuint (max_request->to->len, ==, 100);

  /* Repeats go, the first of each stays where it was. */
  dups_request = send_ok (dups);
  g_assert_cmpuint (dups_request->to->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (dups_request->to, 0), ==, "B");
  g_assert_cmpstr (g_ptr_array_index (dups_request->to, 1), ==, "A");
  g_assert_cmpstr (g_ptr_array_index (dups_request->to, 2), ==, "C");
}

/* A JSON string of @n characters, mixing one-, two- and three-byte ones. */
static char *
body_of_chars (guint n)
{
  static const char *chars[] = { "a", "é", "李", " " };
  GString *body = g_string_new ("\"");

  for (guint i = 0; i < n; i++)
    g_string_append (body, chars[i % G_N_ELEMENTS (chars)]);
  g_string_append_c (body, '"');
  return g_string_free (body, FALSE);
}

static void
test_send_body_length (void)
{
  g_autofree char *body_4000 = body_of_chars (TC_MESSAGE_MAX_BODY_CHARS);
  g_autofree char *body_4001 = body_of_chars (TC_MESSAGE_MAX_BODY_CHARS + 1);
  g_autofree char *ok = send_text ("[\"A\"]", body_4000, NULL);
  g_autofree char *too_long = send_text ("[\"A\"]", body_4001, NULL);
  g_autoptr(TcSendRequest) request = NULL;

  request = send_ok (ok);
  g_assert_cmpint (g_utf8_strlen (request->body, -1), ==, TC_MESSAGE_MAX_BODY_CHARS);
  /* So counting bytes instead of characters would have refused it. */
  g_assert_cmpuint (strlen (request->body), >, TC_MESSAGE_MAX_BODY_CHARS);

  assert_send_fails (too_long, TC_ERROR_TOO_LARGE, "4001 characters");
}

static void
test_send_body_or_attachment (void)
{
  g_autofree char *blank = send_text ("[\"A\"]", "\"  \\n\\t \\r\"", NULL);
  g_autofree char *blank_unicode = send_text ("[\"A\"]", "\"\\u3000\\u00a0 \"", NULL);
  g_autofree char *empty = send_text ("[\"A\"]", "\"\"", "[]");
  g_autofree char *absent = send_text ("[\"A\"]", NULL, NULL);
  g_autofree char *null_body = send_text ("[\"A\"]", "null", "null");
  g_autofree char *only_attachment = send_text ("[\"A\"]", NULL, "[\"R1\"]");
  g_autofree char *blank_attachment = send_text ("[\"A\"]", "\" \"", "[\"R1\"]");
  g_autofree char *padded = send_text ("[\"A\"]", "\"  hi \\n\"", NULL);
  g_autofree char *nul = send_text ("[\"A\"]", "\"hi\\u0000there\"", NULL);
  g_autoptr(TcSendRequest) request = NULL;

  assert_send_fails (blank, TC_ERROR_INVALID, "a message needs a body or an attachment");
  assert_send_fails (blank_unicode, TC_ERROR_INVALID, "a message needs a body or an attachment");
  assert_send_fails (empty, TC_ERROR_INVALID, "a message needs a body or an attachment");
  assert_send_fails (absent, TC_ERROR_INVALID, "a message needs a body or an attachment");
  assert_send_fails (null_body, TC_ERROR_INVALID, "a message needs a body or an attachment");
  /* json-glib would cut the body short at the NUL; it is refused instead. */
  assert_send_fails (nul, TC_ERROR_INVALID, "NUL");

  request = send_ok (only_attachment);
  g_assert_cmpstr (request->body, ==, "");
  g_assert_cmpuint (request->attachments->len, ==, 1);
  g_clear_pointer (&request, tc_send_request_free);

  /* The body is kept as sent, white space and all. */
  request = send_ok (blank_attachment);
  g_assert_cmpstr (request->body, ==, " ");
  g_clear_pointer (&request, tc_send_request_free);
  request = send_ok (padded);
  g_assert_cmpstr (request->body, ==, "  hi \n");
}

#define TEN_IDS "[\"R0\",\"R1\",\"R2\",\"R3\",\"R4\",\"R5\",\"R6\",\"R7\",\"R8\",\"R9\""

static void
test_send_attachments (void)
{
  g_autofree char *ten = send_text ("[\"A\"]", NULL, TEN_IDS "]");
  g_autofree char *eleven = send_text ("[\"A\"]", "\"x\"", TEN_IDS ",\"R10\"]");
  g_autofree char *dups = send_text ("[\"A\"]", NULL, "[\"R2\",\"R1\",\"R2\"]");
  g_autofree char *blank_id = send_text ("[\"A\"]", "\"x\"", "[\"\"]");
  g_autoptr(TcSendRequest) request = NULL;

  request = send_ok (ten);
  g_assert_cmpuint (request->attachments->len, ==, 10);
  g_assert_cmpstr (g_ptr_array_index (request->attachments, 9), ==, "R9");
  g_clear_pointer (&request, tc_send_request_free);

  assert_send_fails (eleven, TC_ERROR_INVALID, "at most 10 attachments");
  assert_send_fails (blank_id, TC_ERROR_INVALID, "“attachments” must not contain empty ids");

  request = send_ok (dups);
  g_assert_cmpuint (request->attachments->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (request->attachments, 0), ==, "R2");
  g_assert_cmpstr (g_ptr_array_index (request->attachments, 1), ==, "R1");
}

static void
test_send_malformed (void)
{
  assert_send_fails ("{\"client_id\":\"" UUID "\",\"to\":[\"A\"],\"body\":\"x\"", TC_ERROR_INVALID,
                     "malformed JSON");
  assert_send_fails (WITH_ID "\"to\":[\"A\"],\"body\":\"\xff\"}", TC_ERROR_INVALID,
                     "not valid UTF-8");
  assert_send_fails ("", TC_ERROR_INVALID, "empty");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/json/parse/valid", test_json_parse_valid);
  g_test_add_func ("/json/parse/flat-same-tree", test_json_parse_flat_same_tree);
  g_test_add_func ("/json/parse/malformed", test_json_parse_malformed);
  g_test_add_func ("/json/parse/empty", test_json_parse_empty);
  g_test_add_func ("/json/parse/invalid-utf8", test_json_parse_invalid_utf8);
  g_test_add_func ("/json/parse/depth", test_json_parse_depth);
  g_test_add_func ("/json/accessors", test_json_accessors);
  g_test_add_func ("/json/to-bytes", test_json_to_bytes);
  g_test_add_func ("/json/error-body", test_json_error_body);
  g_test_add_func ("/uuid", test_uuid);
  g_test_add_func ("/associate/plain", test_associate_plain);
  g_test_add_func ("/associate/me", test_associate_me);
  g_test_add_func ("/associate/dashboard", test_associate_dashboard);
  g_test_add_func ("/associate/rejects", test_associate_rejects);
  g_test_add_func ("/associate/boxed", test_associate_boxed);
  g_test_add_func ("/resource/round-trip", test_resource);
  g_test_add_func ("/resource/rejects", test_resource_rejects);
  g_test_add_func ("/resource/extensions", test_resource_extensions);
  g_test_add_func ("/media-folder/round-trip", test_media_folder);
  g_test_add_func ("/media-folder/rejects", test_media_folder_rejects);
  g_test_add_func ("/media-listing/round-trip", test_media_listing);
  g_test_add_func ("/message/round-trip", test_message_round_trip);
  g_test_add_func ("/message/wire-form", test_message_wire_form);
  g_test_add_func ("/message/text-without-a-tree", test_message_text);
  g_test_add_func ("/message/delivery-error", test_message_delivery_error);
  g_test_add_func ("/message/sent-at-precision", test_message_sent_at_precision);
  g_test_add_func ("/message/rejects", test_message_rejects);
  g_test_add_func ("/message/copy", test_message_copy);
  g_test_add_func ("/event/round-trip", test_event_round_trip);
  g_test_add_func ("/event/types", test_event_types);
  g_test_add_func ("/event/rejects", test_event_rejects);
  g_test_add_func ("/send/round-trip", test_send_round_trip);
  g_test_add_func ("/send/wrong-types", test_send_wrong_types);
  g_test_add_func ("/send/client-id", test_send_client_id);
  g_test_add_func ("/send/recipients", test_send_recipients);
  g_test_add_func ("/send/body-length", test_send_body_length);
  g_test_add_func ("/send/body-or-attachment", test_send_body_or_attachment);
  g_test_add_func ("/send/attachments", test_send_attachments);
  g_test_add_func ("/send/malformed", test_send_malformed);

  return g_test_run ();
}
