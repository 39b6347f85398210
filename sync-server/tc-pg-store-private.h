/* tc-pg-store-private.h: what the parts of TcPgStore share
 *
 * tc-pg-store.c owns the connection pool and the transactions;
 * tc-pg-store-delivery.c and tc-pg-store-media.c hold the SQL of offline
 * delivery and of the media library; tc-pg-store-live.c is what several
 * serving processes share: LISTEN/NOTIFY fan-out, presence, heartbeats.
 */
#pragma once

#include "tc-pg.h"
#include "tc-pg-store.h"

G_BEGIN_DECLS

/* NOTIFY channels. Payloads carry ids only; receivers read the rows. */
#define TC_PG_CHANNEL_EVENTS     "tc_events"      /* lines "FIRST LAST ASSOCIATE" */
#define TC_PG_CHANNEL_PRESENCE   "tc_presence"    /* lines "ASSOCIATE" */
#define TC_PG_CHANNEL_DELIVERIES "tc_deliveries"  /* empty: jobs are due */
/* pg_notify() payloads stay under PostgreSQL's 8000 bytes. */
#define TC_PG_NOTIFY_MAX_BYTES   7000
/* pg_try_advisory_lock key of the retention purge ("tcpu"). */
#define TC_PG_LOCK_PURGE         G_GINT64_CONSTANT (0x74637075)

/* One transaction on one pooled connection. Events appended to it get
 * their stream's next seq numbers when it commits. */
typedef struct {
  TcPgStore *store;
  TcPgConn  *conn;
  GPtrArray *events;    /* appended events, numbered at commit */
  GPtrArray *lines;     /* "FIRST LAST ASSOCIATE" of those, notified after COMMIT */
  gboolean   queued;    /* delivery jobs were queued */
  gboolean   retry;     /* run the whole function again (a conflict it saw) */
} TcPgTx;

/* Runs @func in a transaction and commits. A function may run more than
 * once (after a deadlock, a serialization failure, a lost connection
 * before COMMIT): it must set its results from scratch. Writes run in READ
 * COMMITTED; reads in a READ ONLY REPEATABLE READ snapshot. */
typedef gboolean (*TcPgTxFunc) (TcPgTx   *tx,
                                gpointer  data,
                                GError  **error);

gboolean     tc_pg_store_write              (TcPgStore   *self,
                                             TcPgTxFunc   func,
                                             gpointer     data,
                                             GError     **error);
gboolean     tc_pg_store_read               (TcPgStore   *self,
                                             TcPgTxFunc   func,
                                             gpointer     data,
                                             GError     **error);

/* Appends an event to @associate_id's stream (numbered at commit). */
void         tc_pg_tx_append_event          (TcPgTx      *tx,
                                             const char  *associate_id,
                                             const char  *type,
                                             gint64       message_id,
                                             const char  *by_id,
                                             const char  *peer_id,
                                             gint64       up_to,
                                             const char  *member_id,
                                             gint64       created_at);
/* A "message" event to the streams of sender and recipient. */
void         tc_pg_tx_append_message_events (TcPgTx          *tx,
                                             const TcMessage *message,
                                             gint64           created_at);

/* pg_notify (@channel, …) of @lines (char *), as few notifications as fit,
 * in the current transaction. */
gboolean     tc_pg_notify_lines             (TcPgConn    *conn,
                                             const char  *channel,
                                             GPtrArray   *lines,
                                             GError     **error);
/* Notifies @event_lines (and, with @deliveries, that jobs are due) in a
 * transaction of its own that does not wait for the disk: PostgreSQL
 * serialises the commits of notifying transactions (async.c), which must
 * not include the data transactions' flushes. */
gboolean     tc_pg_notify_now               (TcPgConn    *conn,
                                             GPtrArray   *event_lines,
                                             gboolean     deliveries,
                                             GError     **error);

/* --- rows ---------------------------------------------------------------- */

#define TC_PG_ASSOCIATE_COLUMNS \
  "a.id, a.name, a.email, a.phone, a.sponsor_id, a.enroller_id, a.marketing_site_url, " \
  "a.offline_channel"
TcAssociate *tc_pg_associate_from_row       (PGresult    *res,
                                             int          row);
/* A message as the associate sees it: "read" from the recipient's marker. */
#define TC_PG_MESSAGE_COLUMNS \
  "m.id, m.client_id, m.sender_id, m.recipient_id, m.body, m.sent_at, m.delivered_via, " \
  "COALESCE ((SELECT r.up_to FROM read_markers r " \
  "           WHERE r.associate_id = m.recipient_id AND r.peer_id = m.sender_id), 0) >= m.id, " \
  "m.delivery_error"
/* Reads the rows of @res (TC_PG_MESSAGE_COLUMNS) into @out, at most @limit
 * (0: all; *out_more tells whether there was another), with their
 * attachments in one more query. */
gboolean     tc_pg_collect_messages         (TcPgConn    *conn,
                                             PGresult    *res,
                                             guint        limit,
                                             GPtrArray   *out,
                                             gboolean    *out_more,
                                             GError     **error);

#define TC_PG_RESOURCE_COLUMNS \
  "r.id, r.title, r.mime_type, r.size, r.folder_id, r.description, r.sha256, r.updated_at"
TcResource  *tc_pg_resource_from_row        (PGresult    *res,
                                             int          row,
                                             int          first);
TcMessage   *tc_pg_load_message             (TcPgConn    *conn,
                                             gint64       id,
                                             GError     **error);
TcAssociate *tc_pg_load_associate           (TcPgConn    *conn,
                                             const char  *id,
                                             GError     **error);
/* Events (TcStreamEvent) from @rows of (associate_id, seq, type,
 * message_id, by_id, peer_id, up_to, member_id), reading what they point
 * at in a few queries; an event whose message or member is gone
 * (retention) is left out. */
GPtrArray   *tc_pg_events_from_rows         (TcPgConn    *conn,
                                             PGresult    *rows,
                                             GError     **error);
/* The columns tc_pg_events_from_rows() wants, from "events e". */
#define TC_PG_EVENT_COLUMNS \
  "e.associate_id, e.seq, e.type, e.message_id, e.by_id, e.peer_id, e.up_to, e.member_id"

/* --- tc-pg-store-team.c ----------------------------------------------------- */

/* 1 when @a and @b are on each other's team, 0 when not, -1 on error;
 * *out_exists (optional) whether @b exists, *out_channel (optional) its
 * offline channel. */
int          tc_pg_team_pair                (TcPgConn    *conn,
                                             const char  *a,
                                             const char  *b,
                                             gboolean    *out_exists,
                                             char       **out_channel,
                                             GError     **error);
int          tc_pg_team_check               (TcPgConn    *conn,
                                             const char  *a,
                                             const char  *b,
                                             GError     **error);
/* Team members of @associate_id (TcAssociate without preferences), sorted
 * as SQLite's "name COLLATE NOCASE, id". */
GPtrArray   *tc_pg_team_members             (TcPgConn    *conn,
                                             const char  *associate_id,
                                             GError     **error);
void         tc_pg_store_team_iface_init    (TcStoreInterface *iface);

/* --- tc-pg-store-messages.c ----------------------------------------------------- */

void         tc_pg_store_messages_iface_init (TcStoreInterface *iface);

/* --- what the store hands out ---------------------------------------------- */

gboolean     tc_pg_store_wants_delivery     (TcPgStore   *self,
                                             const char  *recipient_id,
                                             const char  *channel);
void         tc_pg_store_emit_events        (TcPgStore   *self,
                                             GPtrArray   *stream_events);
void         tc_pg_store_emit_presence      (TcPgStore   *self,
                                             const char  *associate_id);
void         tc_pg_store_emit_queued        (TcPgStore   *self);
/* A head cursor was read for @associate_id (see tc_pg_live_note_head()). */
void         tc_pg_store_note_head          (TcPgStore   *self,
                                             const char  *associate_id,
                                             gint64       head);
/* This process's instance id, NULL unless live. */
const char  *tc_pg_store_instance_id        (TcPgStore   *self);
/* Seconds of silence after which a process counts as dead. */
guint        tc_pg_store_presence_timeout   (TcPgStore   *self);

/* --- tc-pg-store-delivery.c ------------------------------------------------- */

/* In a send: queues @message's delivery job by @channel (the recipient's
 * offline channel) when the policy says the recipient is offline. */
gboolean     tc_pg_store_queue_delivery     (TcPgTx          *tx,
                                             const TcMessage *message,
                                             const char      *channel,
                                             gint64           now,
                                             GError         **error);
gboolean     tc_pg_store_purge_delivery     (TcPgTx          *tx,
                                             gint64           cutoff_usec,
                                             GError         **error);
/* Jobs left "sending" by processes that are gone become pending again
 * (at start and whenever a dead process is reaped); returns how many. */
gboolean     tc_pg_store_requeue_orphans    (TcPgConn        *conn,
                                             guint            timeout_seconds,
                                             guint           *out_requeued,
                                             GError         **error);
void         tc_pg_store_delivery_iface_init (TcStoreInterface *iface);

/* --- tc-pg-store-media.c ------------------------------------------------------ */

void         tc_pg_store_media_iface_init   (TcStoreInterface *iface);

/* --- tc-pg-store-live.c --------------------------------------------------------- */

typedef struct _TcPgLive TcPgLive;

TcPgLive    *tc_pg_live_start               (TcPgStore            *store,
                                             const char           *conninfo,
                                             const TcStoreOptions *options,
                                             GError              **error);
/* Leaves the cluster and stops the threads; what other threads may still
 * ask (is_connected_elsewhere) keeps answering until tc_pg_live_free(). */
void         tc_pg_live_stop                (TcPgLive    *live);
void         tc_pg_live_free                (TcPgLive    *live);
const char  *tc_pg_live_get_instance_id     (TcPgLive    *live);
void         tc_pg_live_set_connected       (TcPgLive    *live,
                                             const char  *associate_id,
                                             gboolean     connected);
gboolean     tc_pg_live_is_connected_elsewhere (TcPgLive   *live,
                                                const char *associate_id);
/* Hands committed events' lines (and whether jobs are due) to the
 * notifying thread, which sends them in batches. Never blocks. */
void         tc_pg_live_notify              (TcPgLive    *live,
                                             GPtrArray   *event_lines,
                                             gboolean     deliveries);
/* A head cursor was read for @associate_id: live events of that stream
 * flow from there on (read at once up to now), if nothing set the point
 * before. */
void         tc_pg_live_note_head           (TcPgLive    *live,
                                             const char  *associate_id,
                                             gint64       head);

G_END_DECLS
