/* fuzz-reply-email.c: what the server makes of an inbound email
 *
 * POST /hooks/email hands the raw message, whatever a stranger on the
 * internet sent, to tc_reply_parse() (sync-server/tc-reply-parser.c):
 * GMime takes the MIME apart, then quotes and signatures are stripped.
 * Checked besides "no crash": the verdict is one of the known ones; a
 * reply to post is non-empty valid UTF-8 of at most 4,000 characters with
 * no NUL; a drop says why; the token found (if any) is plain ASCII; and
 * the two text steps, fed the same bytes as text, keep to UTF-8 too.
 */
#include <string.h>

#include "tc-fuzz.h"
#include "tc-reply-parser.h"

/* What a chat message may hold (API.md), which the parser cuts to. */
#define MAX_REPLY_CHARS 4000

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  tc_fuzz_init ();
  return 0;
}

static void
check_text_steps (const uint8_t *data,
                  size_t         size)
{
  g_autofree char *text = NULL;
  g_autofree char *stripped = NULL;
  g_autofree char *from_html = NULL;

  if (!g_utf8_validate_len ((const char *) data, size, NULL))
    return;
  text = g_strndup ((const char *) data, size);
  if (strlen (text) != size)
    return;
  stripped = tc_reply_strip_quotes (text);
  TC_FUZZ_CHECK (stripped != NULL && g_utf8_validate (stripped, -1, NULL));
  from_html = tc_reply_html_to_text (text);
  TC_FUZZ_CHECK (from_html != NULL && g_utf8_validate (from_html, -1, NULL));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(TcReply) reply = tc_reply_parse (data, size);
  g_autofree char *token = NULL;

  TC_FUZZ_CHECK (reply != NULL);
  switch (reply->verdict)
    {
    case TC_REPLY_POST:
      TC_FUZZ_CHECK (reply->text != NULL && reply->text[0] != '\0');
      TC_FUZZ_CHECK (g_utf8_validate (reply->text, -1, NULL));
      TC_FUZZ_CHECK (g_utf8_strlen (reply->text, -1) <= MAX_REPLY_CHARS);
      break;
    case TC_REPLY_DROP_MALFORMED:
    case TC_REPLY_DROP_BOUNCE:
    case TC_REPLY_DROP_AUTOMATIC:
    case TC_REPLY_DROP_EMPTY:
      TC_FUZZ_CHECK (reply->reason != NULL && reply->reason[0] != '\0');
      break;
    default:
      TC_FUZZ_CHECK (!"an unknown verdict");
    }
  TC_FUZZ_CHECK (reply->recipients != NULL);
  for (guint i = 0; i < reply->recipients->len; i++)
    TC_FUZZ_CHECK (g_utf8_validate (g_ptr_array_index (reply->recipients, i), -1, NULL));

  token = tc_reply_find_token (reply, NULL);
  if (token != NULL)
    {
      TC_FUZZ_CHECK (token[0] != '\0');
      for (const char *p = token; *p != '\0'; p++)
        TC_FUZZ_CHECK (g_ascii_isgraph (*p) && *p != '@');
    }

  check_text_steps (data, size);
  return 0;
}
