/* tc-uuid.c: client ids */
#include "tc-uuid.h"

/**
 * tc_uuid_new:
 *
 * Returns: (transfer full): a new random (version 4) UUID in lower case
 */
char *
tc_uuid_new (void)
{
  return g_uuid_string_random ();
}

/**
 * tc_uuid_is_valid:
 * @text: (nullable): a string
 *
 * Checks for the canonical 8-4-4-4-12 hexadecimal form, in either case.
 * Braces, "urn:uuid:" prefixes and missing hyphens are refused so that one
 * UUID has one spelling on the wire (up to case).
 *
 * Returns: %TRUE when @text is a UUID
 */
gboolean
tc_uuid_is_valid (const char *text)
{
  if (text == NULL)
    return FALSE;

  for (int i = 0; i < 36; i++)
    {
      if (i == 8 || i == 13 || i == 18 || i == 23)
        {
          if (text[i] != '-')
            return FALSE;
        }
      else if (!g_ascii_isxdigit (text[i]))
        return FALSE;  /* also stops at the NUL of a short string */
    }
  return text[36] == '\0';
}
