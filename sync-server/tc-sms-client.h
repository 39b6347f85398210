/* tc-sms-client.h: one text out through a Twilio-compatible Messages API
 *
 * Blocking; for the delivery threads only. A form post of To, From and
 * Body to [sms] api_url with HTTP Basic auth account_sid:auth_token.
 * Errors: TC_ERROR_UNAVAILABLE when trying again later may help (no
 * connection, timeouts, 429, 5xx, 401/403 that an administrator fixes),
 * TC_ERROR_INVALID when it will not (other 4xx: a bad number, say).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Longest text we send, in characters (not bytes): three GSM segments. */
#define TC_SMS_MAX_CHARS 459

typedef struct {
  const char *api_url;
  const char *account_sid;
  const char *auth_token;
  const char *from;
} TcSmsSettings;

/* "{sender}: {body}", a note about attachments, and a hint that replying
 * answers in Team Chat; the chat text is cut (between characters, at a
 * word when one is near) with "…" so the whole stays within
 * TC_SMS_MAX_CHARS. Pure. */
char     *tc_sms_compose (const char           *sender_name,
                          const char           *body,
                          guint                 n_attachments);
/* *out_sid (may be NULL) gets the provider's message id when it gave one. */
gboolean  tc_sms_send    (const TcSmsSettings  *settings,
                          const char           *to,
                          const char           *body,
                          char                **out_sid,
                          GError              **error);

G_END_DECLS
