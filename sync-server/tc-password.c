/* tc-password.c: password hashes (argon2id) and session tokens (libsodium) */
#include "config.h"

#include <string.h>
#include <sodium.h>

#include "tc-password.h"

/* OWASP Password Storage Cheat Sheet: argon2id, m = 19 MiB, t = 2, p = 1. */
#define TC_PWHASH_MEMLIMIT (19u * 1024u * 1024u)
#define TC_PWHASH_OPSLIMIT 2u

gboolean
tc_crypto_init (void)
{
  return sodium_init () >= 0;
}

char *
tc_password_hash (const char *password)
{
  char out[crypto_pwhash_STRBYTES];

  g_return_val_if_fail (password != NULL, NULL);

  if (crypto_pwhash_str_alg (out, password, strlen (password), TC_PWHASH_OPSLIMIT,
                             TC_PWHASH_MEMLIMIT, crypto_pwhash_ALG_ARGON2ID13) != 0)
    return NULL;
  return g_strdup (out);
}

gboolean
tc_password_verify (const char *hash,
                    const char *password)
{
  g_return_val_if_fail (hash != NULL, FALSE);
  g_return_val_if_fail (password != NULL, FALSE);

  return crypto_pwhash_str_verify (hash, password, strlen (password)) == 0;
}

gboolean
tc_password_verify_dummy (const char *password)
{
  static char *dummy_hash = NULL;
  static GMutex mutex;

  g_mutex_lock (&mutex);
  if (dummy_hash == NULL)
    dummy_hash = tc_password_hash ("not a password anyone has");
  g_mutex_unlock (&mutex);

  if (dummy_hash != NULL)
    tc_password_verify (dummy_hash, password);
  return FALSE;
}

char *
tc_token_new (void)
{
  guint8 raw[32];
  char b64[sodium_base64_ENCODED_LEN (32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];

  randombytes_buf (raw, sizeof raw);
  sodium_bin2base64 (b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero (raw, sizeof raw);
  return g_strconcat ("tc1_", b64, NULL);
}

void
tc_token_hash (const char *token,
               guint8     *out)
{
  g_return_if_fail (token != NULL);
  crypto_hash_sha256 (out, (const guint8 *) token, strlen (token));
}
