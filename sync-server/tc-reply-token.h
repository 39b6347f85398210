/* tc-reply-token.h: the TOKEN of reply+TOKEN@reply_domain (pure functions)
 *
 * A token names one row of reply_tokens (the recipient of an email and the
 * peer of the conversation) and proves that this server made it:
 *
 *   base32 (id as 8 bytes big-endian || first 16 bytes of
 *           HMAC-SHA256 (secret, "teamchat-reply-v1" 0 id recipient 0 peer))
 *
 * 39 lower-case characters, 128 bits of MAC. Only the server, which keeps
 * the secret in its database, can make one; revocation and expiry live in
 * the row (tc_store_get_reply_token), so a valid MAC is not enough.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TC_REPLY_TOKEN_SECRET_NAME  "reply-token"
#define TC_REPLY_TOKEN_SECRET_BYTES 32
#define TC_REPLY_TOKEN_LENGTH       39

char     *tc_reply_token_make    (GBytes      *secret,
                                  gint64       id,
                                  const char  *associate_id,
                                  const char  *peer_id);
/* The row id a well-formed token names (case does not matter); FALSE for
 * anything that is not a token. Says nothing about its MAC. */
gboolean  tc_reply_token_decode  (const char  *token,
                                  gint64      *out_id);
/* Whether @token is the one this server made for that row, compared in
 * constant time. */
gboolean  tc_reply_token_matches (GBytes      *secret,
                                  const char  *token,
                                  gint64       id,
                                  const char  *associate_id,
                                  const char  *peer_id);

G_END_DECLS
