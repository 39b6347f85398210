/* tc-sms-form.h: the SMS provider's webhook form (pure functions, no I/O)
 *
 * POST /hooks/sms is an application/x-www-form-urlencoded body (From, To,
 * Body, MessageSid, …) signed as Twilio signs it: X-Twilio-Signature is
 * base64 (HMAC-SHA1 (auth_token, URL + every field's name and value,
 * sorted by name)). Kept free of I/O so fuzzers can call it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Most fields a form may have (Twilio sends about 20). */
#define TC_SMS_FORM_MAX_FIELDS 200

typedef struct {
  GPtrArray *names;    /* char *, in the order of the body */
  GPtrArray *values;   /* char *, parallel to names */
} TcSmsForm;

/* TC_ERROR_INVALID for bad percent escapes, NUL bytes, invalid UTF-8 or
 * too many fields. An empty body is an empty form. */
TcSmsForm  *tc_sms_form_parse            (const char       *data,
                                          gsize             len,
                                          GError          **error);
void        tc_sms_form_free             (TcSmsForm        *self);
/* The first value of @name, or NULL. */
const char *tc_sms_form_get              (const TcSmsForm  *self,
                                          const char       *name);
/* The X-Twilio-Signature of this form posted to @url. */
char       *tc_sms_form_signature        (const TcSmsForm  *self,
                                          const char       *url,
                                          const char       *auth_token);
/* SHA-256 (hex) of the fields as they are signed: the same for any
 * replay of one signed form, whatever the order of its fields. */
char       *tc_sms_form_digest           (const TcSmsForm  *self);
/* Checks @signature against @url as given and with its default port added
 * or removed (providers sign either form), in constant time. */
gboolean    tc_sms_form_check_signature  (const TcSmsForm  *self,
                                          const char       *url,
                                          const char       *auth_token,
                                          const char       *signature);

/* A phone number in E.164 form ("+15555550001") from what people write
 * ("+1 (555) 555-0001", "0015555550001"); NULL when it has fewer than 6 or
 * more than 15 digits, or letters. Numbers without a country code keep
 * their digits without "+". */
char       *tc_phone_normalize           (const char       *phone);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcSmsForm, tc_sms_form_free)

G_END_DECLS
