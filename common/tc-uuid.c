/* tc-uuid.c: client ids */
#include "tc-uuid.h"

/**
 * tc_uuid_new:
 *
 * A new time-ordered UUID (version 7, RFC 9562): 48 bits of Unix time in
 * milliseconds, a 12-bit counter that keeps ids of the same millisecond
 * in order within this process, 62 random bits. The ids one client makes
 * sort in the order it made them, so the server's index of (sender,
 * client_id), which makes sends idempotent, grows at its end instead of
 * at a random place: a store of millions of messages takes a send as fast
 * as an empty one (docs/PERFORMANCE.md). Not a secret, and not used as one.
 *
 * Returns: (transfer full): the UUID in lower case
 */
char *
tc_uuid_new (void)
{
  static GMutex mutex;
  static guint64 last_ms;
  static guint counter;
  guint64 ms = (guint64) (g_get_real_time () / 1000);
  guint64 rand_b = ((guint64) g_random_int () << 32 | g_random_int ()) & G_GUINT64_CONSTANT (0x3fffffffffffffff);
  guint seq;

  g_mutex_lock (&mutex);
  if (ms > last_ms)
    {
      last_ms = ms;
      counter = g_random_int_range (0, 0x800);   /* leaves room to count up */
    }
  else if (++counter > 0xfff)
    {
      /* 2,048+ ids in one millisecond (or the clock went back): borrow
       * the next millisecond rather than break the order. */
      last_ms++;
      counter = 0;
    }
  ms = last_ms;
  seq = counter;
  g_mutex_unlock (&mutex);

  return g_strdup_printf ("%08x-%04x-%04x-%04x-%012" G_GINT64_MODIFIER "x",
                          (guint) (ms >> 16), (guint) (ms & 0xffff), 0x7000 | seq,
                          (guint) (0x8000 | (rand_b >> 48)),
                          rand_b & G_GUINT64_CONSTANT (0xffffffffffff));
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
