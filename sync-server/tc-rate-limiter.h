/* tc-rate-limiter.h: keyed token buckets (message sends, failed logins)
 *
 * Every key (an associate id, a login, a client address) has a bucket of
 * @events tokens that refills continuously at @events per @period_seconds.
 * Two ways to use it:
 *
 * - sending: tc_rate_limiter_check() takes one token or refuses;
 * - failed logins: tc_rate_limiter_would_allow() asks without taking,
 *   tc_rate_limiter_record() takes one token after each failure (even from
 *   an empty bucket, which then owes it), so after @events failures the
 *   key waits until a whole token has grown back.
 *
 * Time is always passed in (microseconds of g_get_monotonic_time()), so the
 * limiter never reads a clock itself. A limiter with @events == 0 allows
 * everything and keeps no state.
 *
 * Not thread-safe: a limiter has no lock of its own. Use it from one thread
 * (the main loop), or serialize every call with one lock of your own.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define TC_TYPE_RATE_LIMITER (tc_rate_limiter_get_type ())
G_DECLARE_FINAL_TYPE (TcRateLimiter, tc_rate_limiter, TC, RATE_LIMITER, GObject)

TcRateLimiter *tc_rate_limiter_new         (guint          events,
                                            guint          period_seconds);
gboolean       tc_rate_limiter_check       (TcRateLimiter *self,
                                            const char    *key,
                                            gint64         now_usec,
                                            guint         *retry_after_seconds);
gboolean       tc_rate_limiter_would_allow (TcRateLimiter *self,
                                            const char    *key,
                                            gint64         now_usec,
                                            guint         *retry_after_seconds);
void           tc_rate_limiter_record      (TcRateLimiter *self,
                                            const char    *key,
                                            gint64         now_usec);
void           tc_rate_limiter_expire      (TcRateLimiter *self,
                                            gint64         now_usec);
guint          tc_rate_limiter_get_n_keys  (TcRateLimiter *self);
guint          tc_rate_limiter_get_events  (TcRateLimiter *self);
guint          tc_rate_limiter_get_period  (TcRateLimiter *self);

G_END_DECLS
