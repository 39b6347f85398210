/* tc-backoff.h: reconnect delays, exponential with full jitter
 *
 * The n-th retry waits a random time between 0 and min(cap, base × 2^n),
 * so that clients cut off together do not come back together.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint base_ms;
  guint cap_ms;
  guint attempt;    /* retries since the last success */
} TcBackoff;

void  tc_backoff_init       (TcBackoff *self,
                             guint      base_ms,
                             guint      cap_ms);
/* The upper bound of the next delay, before jitter. */
guint tc_backoff_ceiling    (const TcBackoff *self);
/* The next delay in milliseconds; counts an attempt. @rand may be NULL
 * (the global generator). */
guint tc_backoff_next_delay (TcBackoff *self,
                             GRand     *rand);
/* After a success: the next delay starts from @base_ms again. */
void  tc_backoff_reset      (TcBackoff *self);

G_END_DECLS
