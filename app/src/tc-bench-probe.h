/* tc-bench-probe.h: timings for the benchmarks in bench/ (inert by default)
 *
 * With TEAMCHAT_BENCH set in the environment the app prints, on standard
 * output, one line per event that bench/app-*.py measure: its first frame,
 * the first frame of the logged-in view, main-loop stalls during a sync,
 * the frames after a conversation is opened and while it scrolls. Without
 * it every call returns at once.
 */
#pragma once

#include <gtk/gtk.h>

#include "tc-sync-engine.h"

G_BEGIN_DECLS

gboolean tc_bench_probe_enabled        (void);
void     tc_bench_probe_mark           (const char   *what);
void     tc_bench_probe_attach         (GtkWindow    *window);
void     tc_bench_probe_main_shown     (GtkWindow    *window,
                                        TcSyncEngine *engine);

G_END_DECLS
