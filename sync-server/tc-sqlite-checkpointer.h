/* tc-sqlite-checkpointer.h: WAL checkpoints on a thread of their own
 *
 * SQLite checkpoints (copies the WAL back into the database file, with two
 * fsyncs under synchronous=FULL) inside the COMMIT that crosses 1,000 WAL
 * pages, on the committing connection. For the store's writer that stalls
 * every caller of that batch. The checkpointer takes that job: it replaces
 * the writer connection's automatic checkpoint with a hook that wakes a
 * thread, which checkpoints (PASSIVE: never blocks the writer or readers)
 * with a connection of its own.
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

typedef struct _TcSqliteCheckpointer TcSqliteCheckpointer;

/* Takes over the checkpoints of @write_db (a connection to @path, which
 * must outlive the checkpointer) once the WAL holds @wal_pages pages. */
TcSqliteCheckpointer *tc_sqlite_checkpointer_new  (const char           *path,
                                                   sqlite3              *write_db,
                                                   guint                 wal_pages);
/* Stops the thread (after a checkpoint in progress) and gives the writer
 * connection its automatic checkpoints back. */
void                  tc_sqlite_checkpointer_free (TcSqliteCheckpointer *self);
/* Checkpoints done so far (for tests and benchmarks). */
guint                 tc_sqlite_checkpointer_get_count (TcSqliteCheckpointer *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcSqliteCheckpointer, tc_sqlite_checkpointer_free)

G_END_DECLS
