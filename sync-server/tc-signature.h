/* tc-signature.h: webhook signatures (pure functions, no I/O)
 *
 * POST /hooks/email carries X-TeamChat-Signature: sha256=HEX, the
 * HMAC-SHA256 of the raw body under [email] webhook_secret; POST
 * /hooks/sms carries X-Twilio-Signature (see tc-sms-form.h). Every check
 * compares in constant time.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Constant-time equality of two strings (their lengths may show). */
gboolean  tc_signature_equal          (const char   *a,
                                       const char   *b);
/* "sha256=" + lower-case hex of HMAC-SHA256(@secret, @data). */
char     *tc_email_signature_make     (const char   *secret,
                                       const guint8 *data,
                                       gsize         len);
/* Whether @header (NULL: missing) is the signature of @data; the hex may
 * be in either case, the "sha256=" prefix is required. */
gboolean  tc_email_signature_check    (const char   *secret,
                                       const guint8 *data,
                                       gsize         len,
                                       const char   *header);

G_END_DECLS
