/* tc-sms-form.c: the SMS provider's webhook form */
#include "config.h"

#include <string.h>

#include "tc-error.h"
#include "tc-signature.h"
#include "tc-sms-form.h"

void
tc_sms_form_free (TcSmsForm *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->names);
  g_ptr_array_unref (self->values);
  g_free (self);
}

/* Decodes one name or value: "+" is a space, %XX a byte. */
static char *
form_decode (const char  *text,
             gsize        len,
             GError     **error)
{
  g_autoptr(GString) out = g_string_sized_new (len);

  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];

      if (c == '+')
        g_string_append_c (out, ' ');
      else if (c == '%')
        {
          int hi, lo;

          if (i + 2 >= len)
            hi = lo = -1;
          else
            {
              hi = g_ascii_xdigit_value (text[i + 1]);
              lo = g_ascii_xdigit_value (text[i + 2]);
            }
          if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
            {
              g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID,
                                   "the form has a bad percent escape");
              return NULL;
            }
          g_string_append_c (out, (char) (hi * 16 + lo));
          i += 2;
        }
      else if (c == '\0')
        {
          g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID, "the form has a NUL byte");
          return NULL;
        }
      else
        g_string_append_c (out, c);
    }
  if (!g_utf8_validate (out->str, (gssize) out->len, NULL))
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID, "the form is not UTF-8");
      return NULL;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

TcSmsForm *
tc_sms_form_parse (const char  *data,
                   gsize        len,
                   GError     **error)
{
  g_autoptr(TcSmsForm) self = g_new0 (TcSmsForm, 1);
  gsize start = 0;

  self->names = g_ptr_array_new_with_free_func (g_free);
  self->values = g_ptr_array_new_with_free_func (g_free);

  while (start < len)
    {
      const char *field = data + start;
      const char *amp = memchr (field, '&', len - start);
      gsize field_len = amp ? (gsize) (amp - field) : len - start;
      const char *eq = memchr (field, '=', field_len);
      gsize name_len = eq ? (gsize) (eq - field) : field_len;
      char *name, *value;

      start += field_len + 1;
      if (field_len == 0)
        continue;
      if (self->names->len >= TC_SMS_FORM_MAX_FIELDS)
        {
          g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "the form has more than %d fields",
                       TC_SMS_FORM_MAX_FIELDS);
          return NULL;
        }
      name = form_decode (field, name_len, error);
      if (name == NULL)
        return NULL;
      value = eq ? form_decode (eq + 1, field_len - name_len - 1, error) : g_strdup ("");
      if (value == NULL)
        {
          g_free (name);
          return NULL;
        }
      g_ptr_array_add (self->names, name);
      g_ptr_array_add (self->values, value);
    }
  return g_steal_pointer (&self);
}

const char *
tc_sms_form_get (const TcSmsForm *self,
                 const char      *name)
{
  g_return_val_if_fail (self != NULL, NULL);

  for (guint i = 0; i < self->names->len; i++)
    if (g_str_equal (g_ptr_array_index (self->names, i), name))
      return g_ptr_array_index (self->values, i);
  return NULL;
}

typedef struct {
  const char *name;
  const char *value;
} Pair;

static int
pair_compare (gconstpointer a,
              gconstpointer b)
{
  const Pair *pa = a, *pb = b;
  int r = strcmp (pa->name, pb->name);

  return r != 0 ? r : strcmp (pa->value, pb->value);
}

/* Every field's name and value, sorted by name (then value), after
 * @prefix: what Twilio signs. */
static GString *
sorted_fields (const TcSmsForm *self,
               const char      *prefix)
{
  g_autoptr(GArray) pairs = g_array_new (FALSE, FALSE, sizeof (Pair));
  GString *data = g_string_new (prefix);

  for (guint i = 0; i < self->names->len; i++)
    {
      Pair pair = { g_ptr_array_index (self->names, i), g_ptr_array_index (self->values, i) };
      g_array_append_val (pairs, pair);
    }
  g_array_sort (pairs, pair_compare);
  for (guint i = 0; i < pairs->len; i++)
    {
      Pair *pair = &g_array_index (pairs, Pair, i);
      g_string_append (data, pair->name);
      g_string_append (data, pair->value);
    }
  return data;
}

char *
tc_sms_form_signature (const TcSmsForm *self,
                       const char      *url,
                       const char      *auth_token)
{
  g_autoptr(GString) data = NULL;
  g_autoptr(GHmac) hmac = NULL;
  guint8 digest[20];
  gsize digest_len = sizeof digest;

  g_return_val_if_fail (self != NULL && url != NULL && auth_token != NULL, NULL);

  data = sorted_fields (self, url);
  hmac = g_hmac_new (G_CHECKSUM_SHA1, (const guchar *) auth_token, strlen (auth_token));
  g_hmac_update (hmac, (const guchar *) data->str, (gssize) data->len);
  g_hmac_get_digest (hmac, digest, &digest_len);
  return g_base64_encode (digest, digest_len);
}

char *
tc_sms_form_digest (const TcSmsForm *self)
{
  g_autoptr(GString) data = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  data = sorted_fields (self, "");
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data->str, data->len);
}

/* @url with its default port written out, or left out, whichever it is
 * not; NULL when it has another port or does not parse. */
static char *
other_port_form (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  const char *scheme;
  int default_port, port;

  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return NULL;
  scheme = g_uri_get_scheme (uri);
  default_port = g_ascii_strcasecmp (scheme, "https") == 0 ? 443
               : g_ascii_strcasecmp (scheme, "http") == 0 ? 80 : -1;
  port = g_uri_get_port (uri);
  if (default_port < 0 || (port != -1 && port != default_port))
    return NULL;
  return g_uri_join (G_URI_FLAGS_ENCODED, scheme, g_uri_get_userinfo (uri), g_uri_get_host (uri),
                     port == -1 ? default_port : -1, g_uri_get_path (uri), g_uri_get_query (uri),
                     g_uri_get_fragment (uri));
}

gboolean
tc_sms_form_check_signature (const TcSmsForm *self,
                             const char      *url,
                             const char      *auth_token,
                             const char      *signature)
{
  g_autofree char *as_given = NULL;
  g_autofree char *other_url = NULL;
  gboolean ok;

  if (self == NULL || url == NULL || auth_token == NULL || *auth_token == '\0' ||
      signature == NULL)
    return FALSE;

  as_given = tc_sms_form_signature (self, url, auth_token);
  ok = tc_signature_equal (as_given, signature);
  other_url = other_port_form (url);
  if (other_url != NULL)
    {
      g_autofree char *other = tc_sms_form_signature (self, other_url, auth_token);
      /* Both are always computed and compared: no early exit to time. */
      ok = tc_signature_equal (other, signature) | ok;
    }
  return ok;
}

char *
tc_phone_normalize (const char *phone)
{
  g_autoptr(GString) digits = g_string_new (NULL);
  gboolean plus = FALSE;
  const char *p;

  if (phone == NULL)
    return NULL;
  p = phone;
  while (g_ascii_isspace (*p))
    p++;
  if (*p == '+')
    {
      plus = TRUE;
      p++;
    }
  for (; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        g_string_append_c (digits, *p);
      else if (*p == ' ' || *p == '-' || *p == '.' || *p == '(' || *p == ')' || *p == '/' ||
               *p == '\t')
        continue;
      else
        return NULL;
    }
  /* "00" is the international prefix most of the world dials. */
  if (!plus && g_str_has_prefix (digits->str, "00"))
    {
      g_string_erase (digits, 0, 2);
      plus = TRUE;
    }
  if (digits->len < 6 || digits->len > 15)
    return NULL;
  if (plus)
    g_string_prepend_c (digits, '+');
  return g_string_free (g_steal_pointer (&digits), FALSE);
}
