/* tc-backoff.c: reconnect delays, exponential with full jitter */
#include "tc-backoff.h"

/**
 * tc_backoff_init:
 * @self: a backoff
 * @base_ms: the ceiling of the first delay
 * @cap_ms: the largest ceiling
 */
void
tc_backoff_init (TcBackoff *self,
                 guint      base_ms,
                 guint      cap_ms)
{
  g_return_if_fail (self != NULL);

  self->base_ms = base_ms;
  self->cap_ms = MAX (cap_ms, base_ms);
  self->attempt = 0;
}

/**
 * tc_backoff_ceiling:
 * @self: a backoff
 *
 * Returns: min(cap, base × 2^attempt) in milliseconds
 */
guint
tc_backoff_ceiling (const TcBackoff *self)
{
  guint64 ceiling;

  g_return_val_if_fail (self != NULL, 0);

  /* Past 2^32 the cap has long won; stop shifting before overflowing. */
  if (self->attempt >= 32)
    return self->cap_ms;
  ceiling = (guint64) self->base_ms << self->attempt;
  return (guint) MIN (ceiling, (guint64) self->cap_ms);
}

/**
 * tc_backoff_next_delay:
 * @self: a backoff
 * @rand: (nullable): the random generator, or %NULL for the global one
 *
 * Returns: a delay in milliseconds, uniform in [0, ceiling]
 */
guint
tc_backoff_next_delay (TcBackoff *self,
                       GRand     *rand)
{
  guint ceiling;
  guint delay;

  g_return_val_if_fail (self != NULL, 0);

  ceiling = tc_backoff_ceiling (self);
  if (self->attempt < G_MAXUINT)
    self->attempt++;
  if (ceiling == 0)
    return 0;
  /* g_rand_int_range() takes [begin, end) as gint32. */
  if (ceiling >= (guint) G_MAXINT32)
    ceiling = G_MAXINT32 - 1;
  delay = rand != NULL ? (guint) g_rand_int_range (rand, 0, (gint32) ceiling + 1)
                       : (guint) g_random_int_range (0, (gint32) ceiling + 1);
  return delay;
}

/**
 * tc_backoff_reset:
 * @self: a backoff
 */
void
tc_backoff_reset (TcBackoff *self)
{
  g_return_if_fail (self != NULL);

  self->attempt = 0;
}
