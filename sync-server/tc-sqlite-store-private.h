/* tc-sqlite-store-private.h: what the parts of TcSqliteStore share
 *
 * tc-sqlite-store.c owns the connections and the writer thread; the other
 * tc-sqlite-store-*.c files implement one area of TcStore each with these
 * helpers. Not for use outside the store.
 */
#pragma once

#include "tc-sqlite.h"

#include "tc-sqlite-store.h"

G_BEGIN_DECLS

/* A write job, run on the writer thread inside its own SAVEPOINT. */
typedef gboolean (*TcSqliteWriteFunc) (TcSqliteStore *self,
                                       sqlite3       *db,
                                       gpointer       data,
                                       GPtrArray     *events,
                                       GError       **error);

/* Runs @func in a write transaction and waits until it is durable. */
gboolean      tc_sqlite_store_run_write        (TcSqliteStore     *self,
                                                TcSqliteWriteFunc  func,
                                                gpointer           data,
                                                GError           **error);
/* A pooled read connection inside a read transaction; give it back. */
sqlite3      *tc_sqlite_store_reader_acquire   (TcSqliteStore     *self,
                                                GError           **error);
void          tc_sqlite_store_reader_release   (TcSqliteStore     *self,
                                                sqlite3           *db);

sqlite3_stmt *tc_sqlite_store_prepare          (sqlite3           *db,
                                                const char        *sql,
                                                GError           **error);
void          tc_sqlite_store_bind_text        (sqlite3_stmt      *stmt,
                                                int                index,
                                                const char        *text);
gboolean      tc_sqlite_store_step_done        (sqlite3           *db,
                                                sqlite3_stmt      *stmt,
                                                GError           **error);
TcMessage    *tc_sqlite_store_load_message     (sqlite3           *db,
                                                gint64             id,
                                                GError           **error);
TcAssociate  *tc_sqlite_store_load_associate   (sqlite3           *db,
                                                const char        *id,
                                                GError           **error);
/* Appends a "message" event to the streams of sender and recipient. */
gboolean      tc_sqlite_store_append_message_events (sqlite3      *db,
                                                     TcMessage    *message,
                                                     gint64        now,
                                                     GPtrArray    *events,
                                                     GError      **error);

/* The delivery policy (writer thread only). */
gboolean      tc_sqlite_store_wants_delivery   (TcSqliteStore     *self,
                                                const char        *recipient_id,
                                                const char        *channel);
void          tc_sqlite_store_note_queued      (TcSqliteStore     *self);

/* tc-sqlite-store-delivery.c */
gboolean      tc_sqlite_store_queue_delivery   (TcSqliteStore     *self,
                                                sqlite3           *db,
                                                const TcMessage   *message,
                                                gint64             now,
                                                GError           **error);
gboolean      tc_sqlite_store_purge_delivery   (TcSqliteStore     *self,
                                                gint64             cutoff_usec,
                                                GError           **error);
void          tc_sqlite_store_delivery_iface_init (TcStoreInterface *iface);

G_END_DECLS
