/* tc-password.h: password hashes (argon2id) and session tokens (libsodium) */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* argon2id with at least OWASP's minimum cost (19 MiB, t=2); slow on
 * purpose, so never call it on the main loop. NULL only when out of memory. */
char     *tc_password_hash        (const char   *password);
gboolean  tc_password_verify      (const char   *hash,
                                   const char   *password);
/* Verifies against a fixed dummy hash so an unknown login costs as much
 * time as a wrong password. Always FALSE. */
gboolean  tc_password_verify_dummy (const char  *password);

/* A new session token: 256 random bits, base64url, prefixed "tc1_". */
char     *tc_token_new            (void);
/* SHA-256 of the token text into @out (32 bytes): only this is stored. */
void      tc_token_hash           (const char   *token,
                                   guint8       *out);

gboolean  tc_crypto_init          (void);

G_END_DECLS
