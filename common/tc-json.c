/* tc-json.c: strict helpers for reading and writing protocol JSON */
#include "tc-json.h"

#include <math.h>
#include <string.h>

#include "tc-error.h"

/* Deeper nesting than any protocol object needs; the limit keeps a hostile
 * "[[[[…" body from exhausting the stack of json-glib's recursive parser. */
#define MAX_DEPTH 64

/* --- strict syntax check ------------------------------------------------------
 *
 * json-glib 1.6 is lenient in ways that matter for a wire protocol: it takes
 * comments, single-quoted strings, hexadecimal and zero-padded numbers, a
 * JavaScript "var x =" prefix and trailing garbage; it silently wraps
 * integers beyond 64 bits and cuts strings short at "\u0000". So every
 * document first goes through this small RFC 8259 checker, and json-glib
 * only builds the tree of what passed.
 */

typedef struct {
  const char *start;
  const char *p;
  const char *end;
  const char *problem;   /* static text, set on the first failure */
  const char *where;     /* position of the failure */
} Checker;

static gboolean check_value (Checker *c, guint depth);

static gboolean
fail_at (Checker    *c,
         const char *where,
         const char *problem)
{
  if (c->problem == NULL)
    {
      c->problem = problem;
      c->where = where;
    }
  return FALSE;
}

static void
skip_space (Checker *c)
{
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
    c->p++;
}

static gboolean
expect_char (Checker    *c,
             char        ch,
             const char *problem)
{
  skip_space (c);
  if (c->p >= c->end || *c->p != ch)
    return fail_at (c, c->p, problem);
  c->p++;
  return TRUE;
}

static int
hex4 (const char *p)
{
  int value = 0;

  for (int i = 0; i < 4; i++)
    {
      if (!g_ascii_isxdigit (p[i]))
        return -1;
      value = value * 16 + g_ascii_xdigit_value (p[i]);
    }
  return value;
}

static gboolean
check_string (Checker *c)
{
  const char *open = c->p;

  c->p++;  /* the opening quote */
  while (c->p < c->end)
    {
      guchar ch = (guchar) *c->p;

      if (ch == '"')
        {
          c->p++;
          return TRUE;
        }
      if (ch < 0x20)
        return fail_at (c, c->p, "control characters in strings must be escaped");
      if (ch != '\\')
        {
          c->p++;
          continue;
        }

      if (c->end - c->p < 2)
        break;
      switch (c->p[1])
        {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
          c->p += 2;
          break;

        case 'u':
          {
            int unit = c->end - c->p >= 6 ? hex4 (c->p + 2) : -1;

            if (unit < 0)
              return fail_at (c, c->p, "“\\u” must be followed by four hexadecimal digits");
            /* json-glib would end the string here without a word. */
            if (unit == 0)
              return fail_at (c, c->p, "strings must not contain NUL characters (\\u0000)");
            if (unit >= 0xDC00 && unit <= 0xDFFF)
              return fail_at (c, c->p, "unpaired UTF-16 surrogate in a \\u escape");
            if (unit >= 0xD800 && unit <= 0xDBFF)
              {
                int low = c->end - c->p >= 12 && c->p[6] == '\\' && c->p[7] == 'u'
                          ? hex4 (c->p + 8) : -1;

                if (low < 0xDC00 || low > 0xDFFF)
                  return fail_at (c, c->p, "unpaired UTF-16 surrogate in a \\u escape");
                c->p += 6;
              }
            c->p += 6;
          }
          break;

        default:
          return fail_at (c, c->p, "invalid escape sequence in a string");
        }
    }
  return fail_at (c, open, "unterminated string");
}

/* Fits "[-]digits" into a gint64 without wrapping. */
static gboolean
integer_fits (const char *p,
              const char *end)
{
  gboolean negative = *p == '-';
  guint64 limit = negative ? (guint64) G_MAXINT64 + 1 : (guint64) G_MAXINT64;
  guint64 value = 0;

  if (negative)
    p++;
  for (; p < end; p++)
    {
      guint digit = (guint) (*p - '0');

      if (value > (limit - digit) / 10)
        return FALSE;
      value = value * 10 + digit;
    }
  return TRUE;
}

/* A JSON number with a fraction or exponent becomes a double that json-glib
 * must be able to write back: the server echoes a frame's "ref". json-glib
 * 1.6 reads 1e400 as infinity and writes "inf", and writes 5e21 as
 * "5e+21.0" (it appends ".0" to g_ascii_dtostr() text without a point):
 * neither is JSON. Such numbers are refused; the protocol has no use for
 * them. */
static gboolean
double_fits (const char *p,
             const char *end)
{
  g_autofree char *text = g_strndup (p, end - p);
  char written[G_ASCII_DTOSTR_BUF_SIZE];
  double value = g_ascii_strtod (text, NULL);

  if (!isfinite (value))
    return FALSE;
  g_ascii_dtostr (written, sizeof written, value);
  return strchr (written, 'e') == NULL || strchr (written, '.') != NULL;
}

static gboolean
check_number (Checker *c)
{
  const char *begin = c->p;
  gboolean integer = TRUE;

  if (*c->p == '-')
    c->p++;
  if (c->p >= c->end || !g_ascii_isdigit (*c->p))
    return fail_at (c, begin, "invalid number");
  if (*c->p == '0')
    {
      c->p++;
      if (c->p < c->end && g_ascii_isdigit (*c->p))
        return fail_at (c, begin, "numbers must not have leading zeros");
    }
  else
    while (c->p < c->end && g_ascii_isdigit (*c->p))
      c->p++;

  if (c->p < c->end && *c->p == '.')
    {
      integer = FALSE;
      c->p++;
      if (c->p >= c->end || !g_ascii_isdigit (*c->p))
        return fail_at (c, begin, "invalid number");
      while (c->p < c->end && g_ascii_isdigit (*c->p))
        c->p++;
    }
  if (c->p < c->end && (*c->p == 'e' || *c->p == 'E'))
    {
      integer = FALSE;
      c->p++;
      if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
        c->p++;
      if (c->p >= c->end || !g_ascii_isdigit (*c->p))
        return fail_at (c, begin, "invalid number");
      while (c->p < c->end && g_ascii_isdigit (*c->p))
        c->p++;
    }

  if (integer && !integer_fits (begin, c->p))
    return fail_at (c, begin, "integer out of the 64-bit range");
  if (!integer && !double_fits (begin, c->p))
    return fail_at (c, begin, "number out of the supported range");
  return TRUE;
}

static gboolean
check_literal (Checker    *c,
               const char *word)
{
  gsize len = strlen (word);

  if ((gsize) (c->end - c->p) < len || memcmp (c->p, word, len) != 0)
    return fail_at (c, c->p, "unexpected character");
  c->p += len;
  return TRUE;
}

static gboolean
check_object (Checker *c,
              guint    depth)
{
  c->p++;  /* '{' */
  skip_space (c);
  if (c->p < c->end && *c->p == '}')
    {
      c->p++;
      return TRUE;
    }
  for (;;)
    {
      skip_space (c);
      if (c->p >= c->end || *c->p != '"')
        return fail_at (c, c->p, "expected a member name in double quotes");
      if (!check_string (c) ||
          !expect_char (c, ':', "expected “:” after a member name") ||
          !check_value (c, depth + 1))
        return FALSE;
      skip_space (c);
      if (c->p < c->end && *c->p == ',')
        {
          c->p++;
          continue;
        }
      return expect_char (c, '}', "expected “,” or “}” in an object");
    }
}

static gboolean
check_array (Checker *c,
             guint    depth)
{
  c->p++;  /* '[' */
  skip_space (c);
  if (c->p < c->end && *c->p == ']')
    {
      c->p++;
      return TRUE;
    }
  for (;;)
    {
      if (!check_value (c, depth + 1))
        return FALSE;
      skip_space (c);
      if (c->p < c->end && *c->p == ',')
        {
          c->p++;
          continue;
        }
      return expect_char (c, ']', "expected “,” or “]” in an array");
    }
}

static gboolean
check_value (Checker *c,
             guint    depth)
{
  if (depth > MAX_DEPTH)
    return fail_at (c, c->p, "nested too deeply");
  skip_space (c);
  if (c->p >= c->end)
    return fail_at (c, c->p, "unexpected end of the document");

  switch (*c->p)
    {
    case '{':
      return check_object (c, depth);
    case '[':
      return check_array (c, depth);
    case '"':
      return check_string (c);
    case 't':
      return check_literal (c, "true");
    case 'f':
      return check_literal (c, "false");
    case 'n':
      return check_literal (c, "null");
    default:
      if (*c->p == '-' || g_ascii_isdigit (*c->p))
        return check_number (c);
      return fail_at (c, c->p, "unexpected character");
    }
}

static gboolean
check_document (const char  *data,
                gsize        len,
                GError     **error)
{
  Checker c = { data, data, data + len, NULL, NULL };
  guint line = 1, column = 1;

  if (check_value (&c, 0))
    {
      skip_space (&c);
      if (c.p == c.end)
        return TRUE;
      fail_at (&c, c.p, "unexpected text after the JSON value");
    }

  for (const char *p = data; p < c.where; p = g_utf8_next_char (p))
    {
      if (*p == '\n')
        {
          line++;
          column = 1;
        }
      else
        column++;
    }
  g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "malformed JSON at line %u, column %u: %s",
               line, column, c.problem);
  return FALSE;
}

/* --- parsing and writing --------------------------------------------------- */

/* Only JSON white space (or nothing at all). */
static gboolean
is_blank (const char *data,
          gsize       size)
{
  for (gsize i = 0; i < size; i++)
    if (data[i] != ' ' && data[i] != '\t' && data[i] != '\n' && data[i] != '\r')
      return FALSE;
  return TRUE;
}

/* --- the tree of a flat object, without JsonParser ----------------------------
 *
 * Most documents the server reads (a send, a WebSocket frame) are one
 * object of strings, nulls and arrays of strings. For those, after the
 * checker has passed them, the tree is built here directly: json-glib's
 * parser makes a scanner with its tables and a GObject per document, which
 * cost more than the rest of a send's handling on the main loop. Anything
 * else (numbers, booleans, nesting, \u escapes) returns NULL and goes to
 * json-glib, so the tree is always what json-glib would have built.
 */

typedef struct {
  const char *p;
  const char *end;
} Flat;

static void
flat_skip_space (Flat *f)
{
  while (f->p < f->end && (*f->p == ' ' || *f->p == '\t' || *f->p == '\n' || *f->p == '\r'))
    f->p++;
}

/* A string at f->p (checked already) without \u escapes, unescaped. */
static char *
flat_string (Flat *f)
{
  const char *start = ++f->p;
  GString *out = NULL;

  while (*f->p != '"')
    {
      char ch;

      if (*f->p != '\\')
        {
          f->p++;
          continue;
        }
      switch (f->p[1])
        {
        case '"': ch = '"'; break;
        case '\\': ch = '\\'; break;
        case '/': ch = '/'; break;
        case 'b': ch = '\b'; break;
        case 'f': ch = '\f'; break;
        case 'n': ch = '\n'; break;
        case 'r': ch = '\r'; break;
        case 't': ch = '\t'; break;
        default:
          if (out != NULL)
            g_string_free (out, TRUE);
          return NULL;   /* \u: json-glib's business */
        }
      if (out == NULL)
        out = g_string_sized_new (f->end - start);
      g_string_append_len (out, start, f->p - start);
      g_string_append_c (out, ch);
      f->p += 2;
      start = f->p;
    }
  if (out == NULL)
    {
      char *text = g_strndup (start, f->p - start);

      f->p++;
      return text;
    }
  g_string_append_len (out, start, f->p - start);
  f->p++;
  return g_string_free (out, FALSE);
}

/* A string or null at f->p, as a node; NULL when it is something else. */
static JsonNode *
flat_scalar (Flat *f)
{
  char *text;
  JsonNode *node;

  if (*f->p == 'n')
    {
      f->p += 4;
      return json_node_new (JSON_NODE_NULL);
    }
  if (*f->p != '"' || (text = flat_string (f)) == NULL)
    return NULL;
  node = json_node_alloc ();
  json_node_init_string (node, text);
  g_free (text);
  return node;
}

static JsonNode *
flat_value (Flat *f)
{
  g_autoptr(JsonArray) array = NULL;
  JsonNode *node;

  if (*f->p != '[')
    return flat_scalar (f);
  array = json_array_new ();
  f->p++;
  flat_skip_space (f);
  while (*f->p != ']')
    {
      JsonNode *element = flat_scalar (f);

      if (element == NULL)
        return NULL;
      json_array_add_element (array, element);
      flat_skip_space (f);
      if (*f->p == ',')
        f->p++;
      flat_skip_space (f);
    }
  f->p++;
  node = json_node_alloc ();
  json_node_init_array (node, array);
  return node;
}

/* The tree of a checked document of @size bytes when it is a flat object
 * (see above), else NULL. */
static JsonNode *
flat_object_tree (const char *data,
                  gsize       size)
{
  Flat f = { data, data + size };
  g_autoptr(JsonObject) object = json_object_new ();
  JsonNode *node;

  flat_skip_space (&f);
  if (*f.p != '{')
    return NULL;
  f.p++;
  flat_skip_space (&f);
  while (*f.p != '}')
    {
      g_autofree char *name = flat_string (&f);
      JsonNode *value;

      if (name == NULL)
        return NULL;
      flat_skip_space (&f);
      f.p++;   /* ':' */
      flat_skip_space (&f);
      value = flat_value (&f);
      if (value == NULL)
        return NULL;
      json_object_set_member (object, name, value);
      flat_skip_space (&f);
      if (*f.p == ',')
        f.p++;
      flat_skip_space (&f);
    }
  node = json_node_alloc ();
  json_node_init_object (node, object);
  return node;
}

/**
 * tc_json_parse:
 * @data: JSON text
 * @len: length of @data in bytes, or -1 when it is NUL-terminated
 * @error: return location for a %TC_ERROR_INVALID error
 *
 * Parses one strict RFC 8259 JSON document. Invalid UTF-8, an empty body and
 * anything but a single well-formed value are refused.
 *
 * Returns: (transfer full): the root node, or %NULL on error
 */
JsonNode *
tc_json_parse (const char  *data,
               gssize       len,
               GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;
  gsize size;

  g_return_val_if_fail (data != NULL || len <= 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (data == NULL)
    data = "";
  size = len < 0 ? strlen (data) : (gsize) len;

  /* With an explicit length g_utf8_validate() also refuses embedded NULs,
   * which would otherwise cut the document short. */
  if (!g_utf8_validate (data, (gssize) size, NULL))
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID, "request body is not valid UTF-8");
      return NULL;
    }

  if (is_blank (data, size))
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID,
                           "the body is empty; a JSON value was expected");
      return NULL;
    }

  if (!check_document (data, size, error))
    return NULL;
  root = flat_object_tree (data, size);
  if (root != NULL)
    return root;

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, data, (gssize) size, &local_error))
    {
      /* Not expected after check_document(); kept as a safety net. */
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "malformed JSON: %s", local_error->message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID,
                           "the body is empty; a JSON value was expected");
      return NULL;
    }
  return json_node_ref (root);
}

/**
 * tc_json_to_string:
 * @node: a JSON node
 *
 * Returns: (transfer full): compact JSON text for @node
 */
char *
tc_json_to_string (JsonNode *node)
{
  g_autofree char *text = NULL;
  g_autoptr(GString) fixed = NULL;

  g_return_val_if_fail (node != NULL, NULL);

  /* json-glib 1.6 writes U+001F bare, which is not JSON: strict parsers,
   * ours included, refuse the whole text (one message holding it would
   * have stopped its recipients' sync at that page for good). A bare
   * 0x1F byte in its output can only be that character inside a string:
   * UTF-8 never uses bytes below 0x80 within a longer sequence. */
  text = json_to_string (node, FALSE);
  if (strchr (text, '\x1f') == NULL)
    return g_steal_pointer (&text);
  fixed = g_string_new (text);
  g_string_replace (fixed, "\x1f", "\\u001f", 0);
  return g_string_free (g_steal_pointer (&fixed), FALSE);
}

/**
 * tc_json_append_string:
 * @out: where the text goes
 * @value: (nullable): UTF-8 text
 *
 * Appends @value as a JSON string (or null), escaped as json-glib's
 * generator does: short forms for \b \f \n \r \t, \u00XX for the other
 * control characters and DEL, everything else (UTF-8 included) as is; but
 * U+001F too, which json-glib 1.6 leaves bare (invalid JSON).
 */
void
tc_json_append_string (GString    *out,
                       const char *value)
{
  static const char hex[] = "0123456789abcdef";
  const char *run;

  if (value == NULL)
    {
      g_string_append_len (out, "null", 4);
      return;
    }
  g_string_append_c (out, '"');
  run = value;
  for (const char *p = value; *p != '\0'; p++)
    {
      guchar ch = (guchar) *p;
      const char *escape = NULL;
      char unicode[6] = { '\\', 'u', '0', '0', 0, 0 };

      if (ch >= 0x20 && ch != '"' && ch != '\\' && ch != 0x7f)
        continue;
      g_string_append_len (out, run, p - run);
      run = p + 1;
      switch (ch)
        {
        case '"': escape = "\\\""; break;
        case '\\': escape = "\\\\"; break;
        case '\b': escape = "\\b"; break;
        case '\f': escape = "\\f"; break;
        case '\n': escape = "\\n"; break;
        case '\r': escape = "\\r"; break;
        case '\t': escape = "\\t"; break;
        default:
          unicode[4] = hex[ch >> 4];
          unicode[5] = hex[ch & 0xf];
          g_string_append_len (out, unicode, 6);
          continue;
        }
      g_string_append (out, escape);
    }
  g_string_append (out, run);
  g_string_append_c (out, '"');
}

/**
 * tc_json_to_bytes:
 * @node: a JSON node
 *
 * Returns: (transfer full): compact JSON text for @node, without a
 *   terminating NUL in the length
 */
GBytes *
tc_json_to_bytes (JsonNode *node)
{
  char *text;

  g_return_val_if_fail (node != NULL, NULL);

  text = tc_json_to_string (node);
  return g_bytes_new_take (text, strlen (text));
}

/* --- typed member access ------------------------------------------------------ */

/**
 * tc_json_require_object:
 * @node: (nullable): a JSON node
 * @what: what the object is, for the error message ("request body")
 * @error: return location for a %TC_ERROR_INVALID error
 *
 * Returns: (transfer none): the object held by @node, or %NULL with @error
 *   set when @node holds anything else
 */
JsonObject *
tc_json_require_object (JsonNode    *node,
                        const char  *what,
                        GError     **error)
{
  g_return_val_if_fail (what != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "the %s must be a JSON object", what);
      return NULL;
    }
  return json_node_get_object (node);
}

/* Looks up @member; FALSE with @error set when a required one is missing
 * or null. *out_node is NULL when an optional member is missing or null. */
static gboolean
lookup_member (JsonObject  *object,
               const char  *member,
               gboolean     required,
               const char  *expected,
               JsonNode   **out_node,
               GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  *out_node = NULL;
  if (node == NULL)
    {
      if (required)
        {
          g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "“%s” is missing", member);
          return FALSE;
        }
      return TRUE;
    }
  if (JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        {
          g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "“%s” must be %s, not null", member,
                       expected);
          return FALSE;
        }
      return TRUE;
    }
  *out_node = node;
  return TRUE;
}

static gboolean
holds_value_of_type (JsonNode *node,
                     GType     type)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

/**
 * tc_json_get_string:
 * @object: a JSON object
 * @member: the member name
 * @required: whether a missing or null member is an error
 * @out: (out) (transfer full) (nullable): the string; set to %NULL when an
 *   optional member is missing or null, left alone on error. Any previous
 *   value is overwritten, not freed.
 * @error: return location for a %TC_ERROR_INVALID error naming @member
 *
 * Returns: %TRUE on success
 */
gboolean
tc_json_get_string (JsonObject  *object,
                    const char  *member,
                    gboolean     required,
                    char       **out,
                    GError     **error)
{
  JsonNode *node;
  const char *str;

  g_return_val_if_fail (object != NULL, FALSE);
  g_return_val_if_fail (member != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!lookup_member (object, member, required, "a string", &node, error))
    return FALSE;
  if (node == NULL)
    {
      *out = NULL;
      return TRUE;
    }
  if (!holds_value_of_type (node, G_TYPE_STRING))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "“%s” must be a string", member);
      return FALSE;
    }
  /* Nodes need not come from tc_json_parse(), so check again. */
  str = json_node_get_string (node);
  if (!g_utf8_validate (str, -1, NULL))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "“%s” is not valid UTF-8", member);
      return FALSE;
    }
  *out = g_strdup (str);
  return TRUE;
}

/**
 * tc_json_get_int:
 * @object: a JSON object
 * @member: the member name
 * @required: whether a missing or null member is an error
 * @out: (out): the value; left alone when an optional member is missing or
 *   null (so it keeps the caller's default) and on error
 * @error: return location for a %TC_ERROR_INVALID error naming @member
 *
 * Only JSON integers qualify: 1.0, "1" and true are refused.
 *
 * Returns: %TRUE on success
 */
gboolean
tc_json_get_int (JsonObject  *object,
                 const char  *member,
                 gboolean     required,
                 gint64      *out,
                 GError     **error)
{
  JsonNode *node;

  g_return_val_if_fail (object != NULL, FALSE);
  g_return_val_if_fail (member != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!lookup_member (object, member, required, "an integer", &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!holds_value_of_type (node, G_TYPE_INT64))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "“%s” must be an integer", member);
      return FALSE;
    }
  *out = json_node_get_int (node);
  return TRUE;
}

/**
 * tc_json_get_bool:
 * @object: a JSON object
 * @member: the member name
 * @required: whether a missing or null member is an error
 * @out: (out): the value; left alone when an optional member is missing or
 *   null (so it keeps the caller's default) and on error
 * @error: return location for a %TC_ERROR_INVALID error naming @member
 *
 * Only true and false qualify: 0, 1 and "true" are refused.
 *
 * Returns: %TRUE on success
 */
gboolean
tc_json_get_bool (JsonObject  *object,
                  const char  *member,
                  gboolean     required,
                  gboolean    *out,
                  GError     **error)
{
  JsonNode *node;

  g_return_val_if_fail (object != NULL, FALSE);
  g_return_val_if_fail (member != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!lookup_member (object, member, required, "true or false", &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!holds_value_of_type (node, G_TYPE_BOOLEAN))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "“%s” must be true or false", member);
      return FALSE;
    }
  *out = json_node_get_boolean (node);
  return TRUE;
}

/**
 * tc_json_get_string_array:
 * @object: a JSON object
 * @member: the member name
 * @required: whether a missing or null member is an error
 * @out: (out) (transfer full) (nullable): a #GPtrArray of strings (freed
 *   with g_free()); %NULL when an optional member is missing or null, left
 *   alone on error. Any previous value is overwritten, not unreferenced.
 * @error: return location for a %TC_ERROR_INVALID error naming @member
 *
 * Returns: %TRUE on success
 */
gboolean
tc_json_get_string_array (JsonObject  *object,
                          const char  *member,
                          gboolean     required,
                          GPtrArray  **out,
                          GError     **error)
{
  g_autoptr(GPtrArray) strings = NULL;
  JsonNode *node;
  JsonArray *array;
  guint n;

  g_return_val_if_fail (object != NULL, FALSE);
  g_return_val_if_fail (member != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!lookup_member (object, member, required, "an array of strings", &node, error))
    return FALSE;
  if (node == NULL)
    {
      *out = NULL;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_ARRAY (node))
    goto wrong_type;

  array = json_node_get_array (node);
  n = json_array_get_length (array);
  strings = g_ptr_array_new_full (n, g_free);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      const char *str;

      if (!holds_value_of_type (element, G_TYPE_STRING))
        goto wrong_type;
      str = json_node_get_string (element);
      if (!g_utf8_validate (str, -1, NULL))
        {
          g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                       "“%s” holds a string that is not valid UTF-8", member);
          return FALSE;
        }
      g_ptr_array_add (strings, g_strdup (str));
    }
  *out = g_steal_pointer (&strings);
  return TRUE;

wrong_type:
  g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "“%s” must be an array of strings", member);
  return FALSE;
}

/**
 * tc_json_set_string_or_null:
 * @object: a JSON object
 * @member: the member name
 * @value: (nullable): the value; %NULL is written as JSON null
 */
void
tc_json_set_string_or_null (JsonObject *object,
                            const char *member,
                            const char *value)
{
  g_return_if_fail (object != NULL);
  g_return_if_fail (member != NULL);

  if (value != NULL)
    json_object_set_string_member (object, member, value);
  else
    json_object_set_null_member (object, member);
}

/* --- error bodies ----------------------------------------------------------- */

/**
 * tc_json_error_new:
 * @error: the error to send
 *
 * Builds the error body of API.md, {"error": CODE, "message": TEXT}. Errors
 * outside %TC_ERROR get the code "internal".
 *
 * Returns: (transfer full): the body
 */
JsonNode *
tc_json_error_new (const GError *error)
{
  JsonObject *object;
  JsonNode *node;
  const char *wire;
  g_autofree char *message = NULL;

  g_return_val_if_fail (error != NULL, NULL);

  wire = error->domain == TC_ERROR ? tc_error_wire_code (error->code)
                                   : tc_error_wire_code (TC_ERROR_INTERNAL);
  /* Messages may quote file names or other bytes; JSON needs UTF-8. */
  message = g_utf8_make_valid (error->message != NULL ? error->message : "", -1);

  object = json_object_new ();
  json_object_set_string_member (object, "error", wire);
  json_object_set_string_member (object, "message", message);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, object);
  return node;
}

/**
 * tc_json_error_parse:
 * @node: (nullable): a parsed response body
 * @http_status: the HTTP status of the response
 * @error: return location for the error the body describes
 *
 * Reads an error body made by tc_json_error_new() back into a %TC_ERROR.
 * The code comes from the "error" member, or from @http_status when that is
 * not a code this program knows; the text from "message".
 *
 * Unlike most functions taking a #GError, this one reports through @error
 * what it read: it returns %TRUE and sets @error when @node is an error
 * body, and returns %FALSE leaving @error alone when it is none, so that the
 * caller can make up its own error.
 *
 * Returns: %TRUE when @node is an error body
 */
gboolean
tc_json_error_parse (JsonNode  *node,
                     guint      http_status,
                     GError   **error)
{
  JsonObject *object;
  JsonNode *code_node;
  JsonNode *message_node;
  const char *wire;
  const char *message = NULL;
  TcErrorCode code;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;
  object = json_node_get_object (node);
  code_node = json_object_get_member (object, "error");
  if (code_node == NULL || !holds_value_of_type (code_node, G_TYPE_STRING))
    return FALSE;

  wire = json_node_get_string (code_node);
  code = tc_error_code_from_wire (wire);
  /* tc_error_code_from_wire() maps unknown codes to "internal"; a code
   * from a newer server is better guessed from the status. */
  if (g_strcmp0 (tc_error_wire_code (code), wire) != 0)
    code = tc_error_code_from_http (http_status);

  message_node = json_object_get_member (object, "message");
  if (message_node != NULL && holds_value_of_type (message_node, G_TYPE_STRING))
    message = json_node_get_string (message_node);
  if (message == NULL || *message == '\0')
    g_set_error (error, TC_ERROR, code, "the server refused the request (%s, HTTP %u)", wire,
                 http_status);
  else
    g_set_error_literal (error, TC_ERROR, code, message);
  return TRUE;
}
