/* tc-throttle.h: folds a burst of "read it again" into a few reads
 *
 * A view that re-reads the replica on each "changed" does one read per
 * commit: during a first sync, one per page, each a query on the
 * replica's worker (which then applies the sync more slowly) and a round
 * of widget updates on the main thread. A TcThrottle runs the view's read
 * at most once per interval and never two at once: a request when none
 * ran for an interval runs at once; requests during a read, or during
 * the pause after one, are folded into one more read at the end, so the
 * last change is always read. With an interval of 0 it only folds the
 * requests made while a read is on its way.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* The interval of the views' reads while the sync engine catches up. */
#define TC_THROTTLE_CATCH_UP_MS 1000

#define TC_TYPE_THROTTLE (tc_throttle_get_type ())
G_DECLARE_FINAL_TYPE (TcThrottle, tc_throttle, TC, THROTTLE, GObject)

/* Starts a read; the read calls tc_throttle_done() when it has ended. */
typedef void (*TcThrottleFunc) (gpointer user_data);

/* @func is called on the thread-default main context of the caller; the
 * owner keeps @user_data alive as long as the throttle (unref it in
 * dispose). */
TcThrottle *tc_throttle_new          (TcThrottleFunc func,
                                      gpointer       user_data);
/* The least time from the start of a read to the start of the next;
 * shortening it runs a read that waited for the pause at once (when a
 * catch-up ends, its last changes show without waiting). */
void        tc_throttle_set_interval (TcThrottle    *self,
                                      guint          interval_ms);
guint       tc_throttle_get_interval (TcThrottle    *self);
/* Something changed: read now, after the pause, or after the read on
 * its way. */
void        tc_throttle_request      (TcThrottle    *self);
/* Reads now, whatever waits (a new filter, a new account). The caller's
 * read replaces the one on its way, if any. */
void        tc_throttle_run_now      (TcThrottle    *self);
/* The read started by @func has ended (its answer is shown). */
void        tc_throttle_done         (TcThrottle    *self);
/* Forgets the read on its way and what waits (the view lost its data). */
void        tc_throttle_reset        (TcThrottle    *self);
/* Whether a read is on its way, or one more is due. */
gboolean    tc_throttle_is_busy      (TcThrottle    *self);

G_END_DECLS
