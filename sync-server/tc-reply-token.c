/* tc-reply-token.c: the TOKEN of reply+TOKEN@reply_domain */
#include "config.h"

#include <string.h>
#include <sodium.h>

#include "tc-reply-token.h"
#include "tc-signature.h"

#define ID_BYTES  8
#define MAC_BYTES 16
#define RAW_BYTES (ID_BYTES + MAC_BYTES)

static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

static char *
base32_encode (const guint8 *data,
               gsize         len)
{
  GString *out = g_string_sized_new ((len * 8 + 4) / 5);
  guint32 buffer = 0;
  int bits = 0;

  for (gsize i = 0; i < len; i++)
    {
      buffer = (buffer << 8) | data[i];
      bits += 8;
      while (bits >= 5)
        {
          g_string_append_c (out, alphabet[(buffer >> (bits - 5)) & 31]);
          bits -= 5;
        }
    }
  if (bits > 0)
    g_string_append_c (out, alphabet[(buffer << (5 - bits)) & 31]);
  return g_string_free (out, FALSE);
}

static gboolean
base32_decode (const char *text,
               guint8     *out,
               gsize       out_len)
{
  guint32 buffer = 0;
  int bits = 0;
  gsize n = 0;

  for (const char *p = text; *p != '\0'; p++)
    {
      const char *at = strchr (alphabet, g_ascii_tolower (*p));

      if (at == NULL || *p == '\0')
        return FALSE;
      buffer = (buffer << 5) | (guint32) (at - alphabet);
      bits += 5;
      if (bits >= 8)
        {
          if (n == out_len)
            return FALSE;
          out[n++] = (guint8) (buffer >> (bits - 8));
          bits -= 8;
        }
    }
  return n == out_len;
}

static void
compute_mac (GBytes      *secret,
             gint64       id,
             const char  *associate_id,
             const char  *peer_id,
             guint8      *out)
{
  static const char label[] = "teamchat-reply-v1";
  crypto_auth_hmacsha256_state state;
  guint8 digest[crypto_auth_hmacsha256_BYTES];
  guint8 id_bytes[ID_BYTES];
  gsize key_len;
  const guint8 *key = g_bytes_get_data (secret, &key_len);

  for (int i = 0; i < ID_BYTES; i++)
    id_bytes[i] = (guint8) ((guint64) id >> (8 * (ID_BYTES - 1 - i)));
  crypto_auth_hmacsha256_init (&state, key, key_len);
  crypto_auth_hmacsha256_update (&state, (const guint8 *) label, sizeof label);   /* with its NUL */
  crypto_auth_hmacsha256_update (&state, id_bytes, sizeof id_bytes);
  crypto_auth_hmacsha256_update (&state, (const guint8 *) associate_id, strlen (associate_id) + 1);
  crypto_auth_hmacsha256_update (&state, (const guint8 *) peer_id, strlen (peer_id));
  crypto_auth_hmacsha256_final (&state, digest);
  memcpy (out, digest, MAC_BYTES);
  sodium_memzero (&state, sizeof state);
}

char *
tc_reply_token_make (GBytes     *secret,
                     gint64      id,
                     const char *associate_id,
                     const char *peer_id)
{
  guint8 raw[RAW_BYTES];

  g_return_val_if_fail (secret != NULL && associate_id != NULL && peer_id != NULL, NULL);
  g_return_val_if_fail (id > 0, NULL);

  for (int i = 0; i < ID_BYTES; i++)
    raw[i] = (guint8) ((guint64) id >> (8 * (ID_BYTES - 1 - i)));
  compute_mac (secret, id, associate_id, peer_id, raw + ID_BYTES);
  return base32_encode (raw, sizeof raw);
}

gboolean
tc_reply_token_decode (const char *token,
                       gint64     *out_id)
{
  guint8 raw[RAW_BYTES];
  guint64 id = 0;

  if (token == NULL || strlen (token) != TC_REPLY_TOKEN_LENGTH ||
      !base32_decode (token, raw, sizeof raw))
    return FALSE;
  for (int i = 0; i < ID_BYTES; i++)
    id = (id << 8) | raw[i];
  if (id == 0 || id > G_MAXINT64)
    return FALSE;
  *out_id = (gint64) id;
  return TRUE;
}

gboolean
tc_reply_token_matches (GBytes     *secret,
                        const char *token,
                        gint64      id,
                        const char *associate_id,
                        const char *peer_id)
{
  g_autofree char *expected = NULL;
  g_autofree char *given = NULL;

  if (secret == NULL || token == NULL || associate_id == NULL || peer_id == NULL || id <= 0)
    return FALSE;
  expected = tc_reply_token_make (secret, id, associate_id, peer_id);
  given = g_ascii_strdown (token, -1);
  return tc_signature_equal (given, expected);
}
