/* tc-worker.h: run blocking work off the main loop
 *
 * The server's handlers must never wait on the database or on argon2 in the
 * main loop: they hand a job to a pool of worker threads and get called
 * back on the main context when it is done.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef void (*TcWorkFunc) (gpointer data);

/* Sets how many jobs may run at once (call before the first tc_worker_run).
 * Blocked writers waiting on one group commit count here, so it is also the
 * largest batch one commit can gather from concurrent requests. */
void tc_worker_set_max_threads (guint max_threads);

/* Runs @work on a worker thread, then @done on the thread-default main
 * context of the caller (either may be NULL). */
void tc_worker_run             (TcWorkFunc  work,
                                TcWorkFunc  done,
                                gpointer    data);

G_END_DECLS
