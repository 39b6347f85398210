/* tc-sqlite-store.h: TcStore on an SQLite file (WAL, group commit) */
#pragma once

#include "tc-store.h"

G_BEGIN_DECLS

#define TC_TYPE_SQLITE_STORE (tc_sqlite_store_get_type ())
G_DECLARE_FINAL_TYPE (TcSqliteStore, tc_sqlite_store, TC, SQLITE_STORE, GObject)

/* Opens (creating if needed) and migrates the database at @path, and starts
 * its writer thread. TC_ERROR_UNAVAILABLE when the file cannot be used. */
TcSqliteStore *tc_sqlite_store_new          (const char     *path,
                                             GError        **error);
/* Stops the writer thread after the jobs already queued; later calls fail
 * with TC_ERROR_UNAVAILABLE. Also done on finalize. */
void           tc_sqlite_store_close        (TcSqliteStore  *self);
/* The schema version this build writes (PRAGMA user_version). */
guint          tc_sqlite_store_schema_version (void);
/* How many commits and jobs the writer did: jobs / commits is the average
 * group-commit batch size. */
void           tc_sqlite_store_get_commit_stats (TcSqliteStore *self,
                                                 guint64       *out_commits,
                                                 guint64       *out_jobs);

/* How many WAL checkpoints the store's checkpointer thread has done. */
guint          tc_sqlite_store_get_checkpoints (TcSqliteStore *self);

/* Sends many messages in one transaction, all or none, each with its own
 * time (seed-demo and benchmarks build history with it). */
gboolean       tc_sqlite_store_send_batch   (TcSqliteStore  *self,
                                             GPtrArray      *senders,
                                             GPtrArray      *requests,
                                             GArray         *times,
                                             GError        **error);

G_END_DECLS
