/* fuzz-sms-form.c: what the server makes of the SMS provider's webhook
 *
 * POST /hooks/sms hands its form body to tc_sms_form_parse()
 * (sync-server/tc-sms-form.c) before the signature is checked, so this is
 * input from anyone. Checked besides "no crash": a parsed form has as many
 * values as names, at most TC_SMS_FORM_MAX_FIELDS, all valid UTF-8 without
 * NUL; a failure is TC_ERROR_INVALID; the signature the server would
 * expect is computed and checks against itself (and not against a changed
 * one); From normalises to a number of 6 to 15 digits or to nothing.
 */
#include <string.h>

#include "tc-error.h"
#include "tc-fuzz.h"
#include "tc-sms-form.h"

#define URL "https://chat.example.com/hooks/sms"
#define AUTH_TOKEN "fuzz-auth-token"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  tc_fuzz_init ();
  return 0;
}

static void
check_phone (const char *from)
{
  g_autofree char *phone = tc_phone_normalize (from);
  guint digits = 0;

  if (phone == NULL)
    return;
  for (const char *p = phone; *p != '\0'; p++)
    {
      if (p == phone && *p == '+')
        continue;
      TC_FUZZ_CHECK (g_ascii_isdigit (*p));
      digits++;
    }
  TC_FUZZ_CHECK (digits >= 6 && digits <= 15);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TcSmsForm) form = tc_sms_form_parse ((const char *) data, size, &error);
  g_autofree char *signature = NULL;
  g_autofree char *altered = NULL;
  const char *from;

  if (form == NULL)
    {
      TC_FUZZ_CHECK (error != NULL && error->domain == TC_ERROR);
      TC_FUZZ_CHECK (error->code == TC_ERROR_INVALID);
      return 0;
    }
  TC_FUZZ_CHECK (error == NULL);
  TC_FUZZ_CHECK (form->names->len == form->values->len);
  TC_FUZZ_CHECK (form->names->len <= TC_SMS_FORM_MAX_FIELDS);
  for (guint i = 0; i < form->names->len; i++)
    {
      const char *name = g_ptr_array_index (form->names, i);
      const char *value = g_ptr_array_index (form->values, i);

      TC_FUZZ_CHECK (name != NULL && value != NULL);
      TC_FUZZ_CHECK (g_utf8_validate (name, -1, NULL) && g_utf8_validate (value, -1, NULL));
    }

  signature = tc_sms_form_signature (form, URL, AUTH_TOKEN);
  TC_FUZZ_CHECK (signature != NULL && signature[0] != '\0');
  TC_FUZZ_CHECK (tc_sms_form_check_signature (form, URL, AUTH_TOKEN, signature));
  altered = g_strdup (signature);
  altered[0] = altered[0] == 'A' ? 'B' : 'A';
  TC_FUZZ_CHECK (!tc_sms_form_check_signature (form, URL, AUTH_TOKEN, altered));

  from = tc_sms_form_get (form, "From");
  if (from != NULL)
    check_phone (from);
  return 0;
}
