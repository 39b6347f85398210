/* tc-sqlite-store-private.h: what the parts of TcSqliteStore share
 *
 * tc-sqlite-store.c owns the connections (one writer thread, pooled
 * readers); tc-sqlite-store-media.c holds the media library's SQL and
 * reaches the connections only through these calls.
 */
#pragma once

#include "tc-sqlite.h"

#include "tc-sqlite-store.h"

G_BEGIN_DECLS

/* A page of the conversation between ?1 and ?2, older than message ?3, at
 * most ?4 messages, newest first (after "SELECT columns"). The schema keeps
 * one index for it, messages_inbox, which serves both directions; the
 * tests check that the query planner takes it. */
#define TC_SQLITE_CONVERSATION_PAGE \
  "FROM messages m " \
  "WHERE ((m.sender_id = ?1 AND m.recipient_id = ?2) " \
  "    OR (m.sender_id = ?2 AND m.recipient_id = ?1)) AND m.id < ?3 " \
  "ORDER BY m.id DESC LIMIT ?4"

/* A write job: runs on the writer thread inside its own SAVEPOINT. */
typedef gboolean (*TcSqliteWriteFunc) (TcSqliteStore *self,
                                       sqlite3       *db,
                                       gpointer       data,
                                       GPtrArray     *events,
                                       GError       **error);

/* Runs @func in a write transaction and waits until it is durable. */
gboolean tc_sqlite_store_run_write      (TcSqliteStore      *self,
                                         TcSqliteWriteFunc   func,
                                         gpointer            data,
                                         GError            **error);
/* A read connection inside its own snapshot; give it back with
 * tc_sqlite_store_reader_release() on the same thread. */
sqlite3 *tc_sqlite_store_reader_acquire (TcSqliteStore      *self,
                                         GError            **error);
void     tc_sqlite_store_reader_release (TcSqliteStore      *self,
                                         sqlite3            *db);

/* The store's statement helpers: a statement from the connection's cache
 * (tc_sqlite_prepare_cached(); hold it in a g_autoptr(TcSqliteStmt), errors
 * as tc_sqlite_set_error), NULL-aware text binding, a copied text column,
 * and a step that expects no error. */
sqlite3_stmt *tc_sqlite_store_prepare     (sqlite3       *db,
                                           const char    *sql,
                                           GError       **error);
void          tc_sqlite_store_bind_text   (sqlite3_stmt  *stmt,
                                           int            index,
                                           const char    *text);
char         *tc_sqlite_store_column_dup  (sqlite3_stmt  *stmt,
                                           int            column);
gboolean      tc_sqlite_store_step_done   (sqlite3       *db,
                                           sqlite3_stmt  *stmt,
                                           GError       **error);

/* The resource columns of "resources r", in the order
 * tc_sqlite_resource_from_row() reads them from column @first on. */
#define TC_SQLITE_RESOURCE_COLUMNS \
  "r.id, r.title, r.mime_type, r.size, r.folder_id, r.description, r.sha256, r.updated_at"
TcResource *tc_sqlite_resource_from_row (sqlite3_stmt *stmt,
                                         int           first);

/* TcStoreInterface methods of tc-sqlite-store-media.c */
GPtrArray      *tc_sqlite_store_media_categories (TcStore             *store,
                                                  GError             **error);
TcMediaListing *tc_sqlite_store_media_folder     (TcStore             *store,
                                                  const char          *folder_id,
                                                  GError             **error);
GPtrArray      *tc_sqlite_store_media_search     (TcStore             *store,
                                                  const char          *query,
                                                  guint                limit,
                                                  GError             **error);
TcResource     *tc_sqlite_store_media_resource   (TcStore             *store,
                                                  const char          *resource_id,
                                                  GError             **error);
gboolean        tc_sqlite_store_import_media     (TcStore             *store,
                                                  GPtrArray           *entries,
                                                  gint64               now_usec,
                                                  TcMediaImportResult *result,
                                                  GError             **error);

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
