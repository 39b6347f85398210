/* tc-signature.c: webhook signatures */
#include "config.h"

#include <string.h>

#include "tc-signature.h"

gboolean
tc_signature_equal (const char *a,
                    const char *b)
{
  gsize len_a, len_b;
  guint8 diff = 0;

  if (a == NULL || b == NULL)
    return FALSE;
  len_a = strlen (a);
  len_b = strlen (b);
  if (len_a != len_b)
    return FALSE;
  for (gsize i = 0; i < len_a; i++)
    diff |= (guint8) (a[i] ^ b[i]);
  return diff == 0;
}

char *
tc_email_signature_make (const char   *secret,
                         const guint8 *data,
                         gsize         len)
{
  g_autofree char *hex = NULL;

  g_return_val_if_fail (secret != NULL, NULL);

  hex = g_compute_hmac_for_data (G_CHECKSUM_SHA256, (const guchar *) secret, strlen (secret),
                                 data, len);
  return g_strconcat ("sha256=", hex, NULL);
}

gboolean
tc_email_signature_check (const char   *secret,
                          const guint8 *data,
                          gsize         len,
                          const char   *header)
{
  g_autofree char *expected = NULL;
  g_autofree char *given = NULL;

  if (secret == NULL || *secret == '\0' || header == NULL)
    return FALSE;
  given = g_ascii_strdown (header, -1);
  g_strstrip (given);
  expected = tc_email_signature_make (secret, data, len);
  return tc_signature_equal (given, expected);
}
