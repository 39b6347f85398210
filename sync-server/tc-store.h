/* tc-store.h: the storage interface of the sync server
 *
 * Everything the HTTP and WebSocket layers need from the database, as
 * blocking calls that are safe to make from any worker thread (never from
 * the main loop). Each call is one transaction. TcSqliteStore (one process
 * on an SQLite file) and TcPgStore (any number of processes on one
 * PostgreSQL database) implement it, so nothing above this line knows which
 * database it talks to. tc_store_open() picks one from the --db argument.
 *
 * Errors are TC_ERROR codes: INVALID, FORBIDDEN, NOT_FOUND, UNAUTHORIZED for
 * what the caller did, UNAVAILABLE when the database cannot be used (disk
 * full, read-only, locked), INTERNAL for bugs.
 */
#pragma once

#include <gio/gio.h>

#include "tc-associate.h"
#include "tc-event.h"
#include "tc-media-folder.h"
#include "tc-message.h"

G_BEGIN_DECLS

#define TC_TYPE_STORE (tc_store_get_type ())
G_DECLARE_INTERFACE (TcStore, tc_store, TC, STORE, GObject)

#define TC_TOKEN_HASH_LEN 32

/* An event as it was appended to one associate's stream. */
typedef struct {
  char    *associate_id;
  TcEvent *event;
} TcStreamEvent;

void tc_stream_event_free (TcStreamEvent *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcStreamEvent, tc_stream_event_free)

/* Called on a thread of the store after commits with the events they
 * appended (GPtrArray of TcStreamEvent): never concurrently, every stream in
 * seq order, never a seq lower than one already given for that stream.
 * TcSqliteStore gives every event of every commit; a store shared by
 * several processes gives the events of the streams this process holds
 * connections of (tc_store_set_connected()), after the head cursor read for
 * them then (tc_store_head_cursor()), whichever process committed them. */
typedef void (*TcStoreEventSink) (GPtrArray *events,
                                  gpointer   user_data);

/* Called on a thread of the store when @associate_id came online or went
 * offline in another process sharing the database (see
 * tc_store_is_connected_elsewhere()). */
typedef void (*TcStorePresenceSink) (const char *associate_id,
                                     gpointer    user_data);

typedef struct {
  guint created;
  guint updated;
  guint passwords_changed;   /* existing associates given a new password:
                              * their sessions ended */
} TcImportResult;

/* One folder or file of a media import, named by its path under the
 * import's SOURCE_DIR ("Brochures/Spring 2026/catalog.pdf", '/'-separated
 * UTF-8). A category is a folder without a parent. */
typedef struct {
  char     *source_path;
  char     *parent_path;   /* NULL for a category */
  char     *title;
  gboolean  is_folder;
  /* files only */
  char     *description;   /* never NULL */
  char     *mime_type;
  gint64    size;
  char     *sha256;        /* the content, stored in the media directory */
} TcMediaEntry;

void tc_media_entry_free (TcMediaEntry *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcMediaEntry, tc_media_entry_free)

typedef struct {
  guint folders_created;
  guint created;     /* resources */
  guint updated;
  guint unchanged;
} TcMediaImportResult;
/* --- offline delivery ---------------------------------------------------- */

/* Asked on the store's writer thread, inside the transaction that stores a
 * new message, once per recipient: TRUE queues a delivery job by @channel
 * (the recipient's offline_channel) in that same transaction. Must be quick
 * and must not call the store. */
typedef gboolean (*TcStoreOfflineFunc) (const char *recipient_id,
                                        const char *channel,
                                        gpointer    user_data);
/* Called on the writer thread after a commit that queued delivery jobs. */
typedef void     (*TcStoreQueuedFunc)  (gpointer    user_data);

/* One claimed delivery job: everything a sender needs. */
typedef struct {
  char      *channel;          /* "email" or "sms" */
  guint      tries;            /* counting this one */
  TcMessage *message;          /* with its attachments */
  char      *sender_name;
  char      *recipient_name;
  char      *recipient_email;  /* may be NULL */
  char      *recipient_phone;  /* may be NULL */
  gint64     reply_token_id;   /* email: the reply token of this job; 0 otherwise */
} TcDeliveryJob;

void tc_delivery_job_free (TcDeliveryJob *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcDeliveryJob, tc_delivery_job_free)

typedef enum {
  TC_DELIVERY_SENT,     /* the provider took it: set delivered_via */
  TC_DELIVERY_RETRY,    /* failed for now: try again at retry_at */
  TC_DELIVERY_FAILED,   /* failed for good: set delivery_error */
} TcDeliveryOutcome;

/* A reply token's row, for checking a reply+TOKEN@ address. */
typedef struct {
  gint64  id;
  char   *associate_id;    /* who the email went to, who may reply */
  char   *peer_id;         /* the other side of the conversation */
  gint64  created_at;
  gboolean revoked;
} TcReplyTokenRow;

void tc_reply_token_row_free (TcReplyTokenRow *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcReplyTokenRow, tc_reply_token_row_free)

struct _TcStoreInterface
{
  GTypeInterface parent_iface;

  void          (*set_event_sink)    (TcStore          *self,
                                      TcStoreEventSink  sink,
                                      gpointer          user_data);

  /* accounts and sessions */
  TcAssociate  *(*authenticate)      (TcStore     *self,
                                      const char  *login,
                                      const char  *password,
                                      GError     **error);
  gboolean      (*create_session)    (TcStore      *self,
                                      const char   *associate_id,
                                      const guint8 *token_hash,
                                      const char   *device,
                                      GError      **error);
  char         *(*lookup_session)    (TcStore      *self,
                                      const guint8 *token_hash,
                                      GError      **error);
  gboolean      (*delete_session)    (TcStore      *self,
                                      const guint8 *token_hash,
                                      GError      **error);
  guint         (*revoke_sessions)   (TcStore      *self,
                                      const char   *associate_id,
                                      GError      **error);
  gboolean      (*find_ended_sessions) (TcStore      *self,
                                        const guint8 *token_hashes,
                                        guint         n_hashes,
                                        gboolean     *ended,
                                        GError      **error);

  /* associates and the team */
  TcAssociate  *(*get_me)            (TcStore     *self,
                                      const char  *associate_id,
                                      GError     **error);
  gboolean      (*set_offline_channel) (TcStore     *self,
                                        const char  *associate_id,
                                        const char  *channel,
                                        GError     **error);
  gboolean      (*is_team)           (TcStore     *self,
                                      const char  *a,
                                      const char  *b,
                                      GError     **error);
  GPtrArray    *(*list_team)         (TcStore     *self,
                                      const char  *associate_id,
                                      const char  *query,
                                      GError     **error);
  GPtrArray    *(*list_team_ids)     (TcStore     *self,
                                      const char  *associate_id,
                                      GError     **error);
  TcAssociate  *(*get_dashboard)     (TcStore     *self,
                                      const char  *caller_id,
                                      const char  *member_id,
                                      GError     **error);
  gboolean      (*import_associates) (TcStore        *self,
                                      GPtrArray      *rows,
                                      TcImportResult *result,
                                      GError        **error);

  /* messages and read markers */
  GPtrArray    *(*send_messages)     (TcStore             *self,
                                      const char          *sender_id,
                                      const TcSendRequest *request,
                                      gint64               now_usec,
                                      gboolean            *out_created,
                                      GError             **error);
  GPtrArray    *(*list_messages)     (TcStore     *self,
                                      const char  *associate_id,
                                      const char  *peer_id,
                                      gint64       before_id,
                                      guint        limit,
                                      gboolean    *out_more,
                                      GError     **error);
  gboolean      (*mark_read)         (TcStore     *self,
                                      const char  *associate_id,
                                      const char  *peer_id,
                                      gint64       up_to,
                                      GError     **error);
  gboolean      (*mark_all_read)     (TcStore     *self,
                                      const char  *associate_id,
                                      GError     **error);

  /* the event stream */
  GPtrArray    *(*sync)              (TcStore     *self,
                                      const char  *associate_id,
                                      gint64       since,
                                      guint        limit,
                                      gint64      *out_cursor,
                                      gboolean    *out_more,
                                      gboolean    *out_reset,
                                      GError     **error);
  gint64        (*head_cursor)       (TcStore     *self,
                                      const char  *associate_id,
                                      GError     **error);

  /* retention */
  gboolean      (*purge)             (TcStore     *self,
                                      gint64       cutoff_usec,
                                      guint       *out_messages,
                                      GError     **error);

  /* the Documents and Media library */
  GPtrArray      *(*media_categories) (TcStore     *self,
                                       GError     **error);
  TcMediaListing *(*media_folder)     (TcStore     *self,
                                       const char  *folder_id,
                                       GError     **error);
  GPtrArray      *(*media_search)     (TcStore     *self,
                                       const char  *query,
                                       guint        limit,
                                       GError     **error);
  TcResource     *(*media_resource)   (TcStore     *self,
                                       const char  *resource_id,
                                       GError     **error);
  gboolean        (*import_media)     (TcStore             *self,
                                       GPtrArray           *entries,
                                       gint64               now_usec,
                                       TcMediaImportResult *result,
                                       GError             **error);
  /* offline delivery */
  void          (*set_delivery_policy) (TcStore            *self,
                                        TcStoreOfflineFunc  offline,
                                        TcStoreQueuedFunc   queued,
                                        gpointer            user_data);
  GPtrArray    *(*claim_deliveries)  (TcStore     *self,
                                      gint64       now_usec,
                                      guint        limit,
                                      GError     **error);
  gboolean      (*finish_delivery)   (TcStore            *self,
                                      gint64              message_id,
                                      TcDeliveryOutcome   outcome,
                                      const char         *reason,
                                      gint64              retry_at_usec,
                                      GError            **error);
  guint         (*requeue_deliveries) (TcStore    *self,
                                       GError    **error);
  gint64        (*next_delivery_at)  (TcStore     *self,
                                      GError     **error);
  GBytes       *(*get_secret)        (TcStore     *self,
                                      const char  *name,
                                      gsize        size,
                                      GError     **error);
  TcReplyTokenRow *(*get_reply_token) (TcStore    *self,
                                       gint64      id,
                                       GError    **error);
  guint         (*revoke_reply_tokens) (TcStore   *self,
                                        const char *associate_id,
                                        GError   **error);
  char         *(*last_sms_peer)     (TcStore     *self,
                                      const char  *associate_id,
                                      GError     **error);
  char         *(*find_by_phone)     (TcStore     *self,
                                      const char  *e164,
                                      GError     **error);

  /* Optional (NULL: send_messages runs on a GTask thread). Completes with
   * tc_store_return_sent(); the callback runs in the caller's thread-default
   * main context. */
  void          (*send_messages_async) (TcStore            *self,
                                        const char         *sender_id,
                                        TcSendRequest      *request,
                                        gint64              now_usec,
                                        GCancellable       *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer            user_data);
  /* optional: NULL gives the default described at the wrapper */
  gboolean      (*send_batch)        (TcStore     *self,
                                      GPtrArray   *senders,
                                      GPtrArray   *requests,
                                      GArray      *times,
                                      GError     **error);
  gboolean      (*check_health)      (TcStore     *self,
                                      GError     **error);
  /* several processes on one database (optional: NULL for one process) */
  void          (*set_connected)     (TcStore     *self,
                                      const char  *associate_id,
                                      gboolean     connected);
  gboolean      (*is_connected_elsewhere) (TcStore    *self,
                                           const char *associate_id);
  void          (*set_presence_sink) (TcStore             *self,
                                      TcStorePresenceSink  sink,
                                      gpointer             user_data);
};

void          tc_store_set_event_sink    (TcStore          *self,
                                          TcStoreEventSink  sink,
                                          gpointer          user_data);
/* The associate with @login and @password, with offline_channel set;
 * TC_ERROR_UNAUTHORIZED for a wrong login or password (which of the two is
 * never said). */
TcAssociate  *tc_store_authenticate      (TcStore     *self,
                                          const char  *login,
                                          const char  *password,
                                          GError     **error);
gboolean      tc_store_create_session    (TcStore      *self,
                                          const char   *associate_id,
                                          const guint8 *token_hash,
                                          const char   *device,
                                          GError      **error);
/* The associate id of a live session, or NULL with TC_ERROR_UNAUTHORIZED. */
char         *tc_store_lookup_session    (TcStore      *self,
                                          const guint8 *token_hash,
                                          GError      **error);
gboolean      tc_store_delete_session    (TcStore      *self,
                                          const guint8 *token_hash,
                                          GError      **error);
/* Ends every session of @associate_id (all their devices are logged out);
 * returns how many. TC_ERROR_NOT_FOUND when there is no such associate. */
guint         tc_store_revoke_sessions   (TcStore      *self,
                                          const char   *associate_id,
                                          GError      **error);
/* For each of @n_hashes token hashes (TC_TOKEN_HASH_LEN bytes each, one
 * after the other in @token_hashes), sets @ended[i] to whether its session
 * no longer exists: logged out, revoked, or its associate's password
 * changed, possibly by another process or server. */
gboolean      tc_store_find_ended_sessions (TcStore      *self,
                                            const guint8 *token_hashes,
                                            guint         n_hashes,
                                            gboolean     *ended,
                                            GError      **error);
TcAssociate  *tc_store_get_me            (TcStore     *self,
                                          const char  *associate_id,
                                          GError     **error);
/* Appends a "preferences" event to the associate's stream. */
gboolean      tc_store_set_offline_channel (TcStore     *self,
                                            const char  *associate_id,
                                            const char  *channel,
                                            GError     **error);
/* API.md's team rule: one is an ancestor of the other in the sponsor tree
 * or in the enroller tree. Never true for a == b. */
gboolean      tc_store_is_team           (TcStore     *self,
                                          const char  *a,
                                          const char  *b,
                                          GError     **error);
/* Team members of @associate_id (TcAssociate, sorted by name), filtered by
 * @query (substring of name, email or phone; case-insensitive) if not NULL. */
GPtrArray    *tc_store_list_team         (TcStore     *self,
                                          const char  *associate_id,
                                          const char  *query,
                                          GError     **error);
/* Just the ids (char *), for presence fan-out. */
GPtrArray    *tc_store_list_team_ids     (TcStore     *self,
                                          const char  *associate_id,
                                          GError     **error);
/* TC_ERROR_NOT_FOUND when @member_id is not on @caller_id's team. */
TcAssociate  *tc_store_get_dashboard     (TcStore     *self,
                                          const char  *caller_id,
                                          const char  *member_id,
                                          GError     **error);
/* All rows or none: unknown sponsor/enroller ids, cycles, a login taken by
 * another associate or a new associate without a password fail the whole
 * import with TC_ERROR_INVALID naming the line. Appends "member" events to
 * the streams of the team members of every created or changed associate. */
gboolean      tc_store_import_associates (TcStore        *self,
                                          GPtrArray      *rows,
                                          TcImportResult *result,
                                          GError        **error);
/* One TcMessage per recipient, committed durably before it returns. When
 * (sender, client_id) was seen before, returns the messages first created
 * and sets *out_created to FALSE. */
GPtrArray    *tc_store_send_messages     (TcStore             *self,
                                          const char          *sender_id,
                                          const TcSendRequest *request,
                                          gint64               now_usec,
                                          gboolean            *out_created,
                                          GError             **error);
/* tc_store_send_messages() without a thread waiting for the commit: the
 * main loop can hand a send to the store and answer when it is durable.
 * Takes @request (transfer full). Same outcome and errors, from
 * tc_store_send_messages_finish(). */
void          tc_store_send_messages_async  (TcStore             *self,
                                             const char          *sender_id,
                                             TcSendRequest       *request,
                                             gint64               now_usec,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
GPtrArray    *tc_store_send_messages_finish (TcStore             *self,
                                             GAsyncResult        *result,
                                             gboolean            *out_created,
                                             GError             **error);
/* For implementations of send_messages_async: completes @task (created
 * with the store as its source object) with @messages (transfer full) and
 * @created, or with @error (transfer full) when it is not NULL. */
void          tc_store_return_sent          (GTask               *task,
                                             GPtrArray           *messages,
                                             gboolean             created,
                                             GError              *error);
/* Newest first; @before_id <= 0 means from the newest. */
GPtrArray    *tc_store_list_messages     (TcStore     *self,
                                          const char  *associate_id,
                                          const char  *peer_id,
                                          gint64       before_id,
                                          guint        limit,
                                          gboolean    *out_more,
                                          GError     **error);
gboolean      tc_store_mark_read         (TcStore     *self,
                                          const char  *associate_id,
                                          const char  *peer_id,
                                          gint64       up_to,
                                          GError     **error);
gboolean      tc_store_mark_all_read     (TcStore     *self,
                                          const char  *associate_id,
                                          GError     **error);
/* One page of @associate_id's stream after @since (< 0: the whole state:
 * "member" and "preferences" snapshot events with seq 0 first). */
GPtrArray    *tc_store_sync              (TcStore     *self,
                                          const char  *associate_id,
                                          gint64       since,
                                          guint        limit,
                                          gint64      *out_cursor,
                                          gboolean    *out_more,
                                          gboolean    *out_reset,
                                          GError     **error);
/* A cursor that covers everything committed to @associate_id's stream:
 * its newest seq (TcSqliteStore: the newest seq of any stream, which is
 * one). A store shared by several processes also gives the sink every
 * later event of that stream, once the stream is connected here. */
gint64        tc_store_head_cursor       (TcStore     *self,
                                          const char  *associate_id,
                                          GError     **error);
/* Deletes messages, read markers, events, delivery records and reply
 * tokens older than @cutoff_usec. */
gboolean      tc_store_purge             (TcStore     *self,
                                          gint64       cutoff_usec,
                                          guint       *out_messages,
                                          GError     **error);

/* Every category (TcMediaFolder, by title) with its folders nested. */
GPtrArray      *tc_store_media_categories (TcStore     *self,
                                           GError     **error);
/* One folder: its direct subfolders and resources (by title) and its path
 * from the category; TC_ERROR_NOT_FOUND for an unknown id. */
TcMediaListing *tc_store_media_folder     (TcStore     *self,
                                           const char  *folder_id,
                                           GError     **error);
/* Resources whose title or description contains @query, ignoring case and
 * accents; at most @limit, by title. */
GPtrArray      *tc_store_media_search     (TcStore     *self,
                                           const char  *query,
                                           guint        limit,
                                           GError     **error);
/* One resource with its sha256; TC_ERROR_NOT_FOUND for an unknown id. */
TcResource     *tc_store_media_resource   (TcStore     *self,
                                           const char  *resource_id,
                                           GError     **error);
/* Creates or updates the folders and resources of @entries (TcMediaEntry,
 * parents before children) in one transaction, matching on source_path.
 * Never deletes: what is gone from the source stays in the library. */
gboolean        tc_store_import_media     (TcStore             *self,
                                           GPtrArray           *entries,
                                           gint64               now_usec,
                                           TcMediaImportResult *result,
                                           GError             **error);
/* Offline delivery (tc-delivery.c drives these). Without a policy, no job
 * is ever queued (command line tools, seed-demo). */
void          tc_store_set_delivery_policy (TcStore            *self,
                                            TcStoreOfflineFunc  offline,
                                            TcStoreQueuedFunc   queued,
                                            gpointer            user_data);
/* Claims up to @limit jobs that are due (pending, next_at <= @now_usec):
 * each becomes "sending" with its try counted, durably, before it is
 * returned (TcDeliveryJob). Jobs of messages the recipient has read
 * meanwhile are skipped instead. An email job gets its reply token here,
 * once. */
GPtrArray    *tc_store_claim_deliveries  (TcStore     *self,
                                          gint64       now_usec,
                                          guint        limit,
                                          GError     **error);
/* Records the outcome of a claimed job. SENT sets the message's
 * delivered_via, FAILED its delivery_error (@reason); both append a
 * "message" event to the streams of sender and recipient. RETRY makes the
 * job pending again at @retry_at_usec, keeping @reason as its last error. */
gboolean      tc_store_finish_delivery   (TcStore            *self,
                                          gint64              message_id,
                                          TcDeliveryOutcome   outcome,
                                          const char         *reason,
                                          gint64              retry_at_usec,
                                          GError            **error);
/* At start: jobs left "sending" by a process that ended before it knew the
 * outcome become pending again. Returns how many (0 on error). */
guint         tc_store_requeue_deliveries (TcStore    *self,
                                           GError    **error);
/* When the earliest pending job is due (µs), 0 when none is pending, -1 on
 * error. */
gint64        tc_store_next_delivery_at  (TcStore     *self,
                                          GError     **error);
/* A random secret of @size bytes kept in the database under @name,
 * created on first use. */
GBytes       *tc_store_get_secret        (TcStore     *self,
                                          const char  *name,
                                          gsize        size,
                                          GError     **error);
/* TC_ERROR_NOT_FOUND when there is no such token (never made, or purged). */
TcReplyTokenRow *tc_store_get_reply_token (TcStore    *self,
                                           gint64      id,
                                           GError    **error);
/* Revokes every reply token of @associate_id; returns how many. */
guint         tc_store_revoke_reply_tokens (TcStore   *self,
                                            const char *associate_id,
                                            GError   **error);
/* The sender of the newest message that reached @associate_id by text, or
 * NULL (with no error) when none did within the retention period. */
char         *tc_store_last_sms_peer     (TcStore     *self,
                                          const char  *associate_id,
                                          GError     **error);
/* The associate whose phone number, normalised (tc_phone_normalize), is
 * @e164; NULL (no error) when nobody has it. */
char         *tc_store_find_by_phone     (TcStore     *self,
                                          const char  *e164,
                                          GError     **error);

/* Sends many messages in one transaction, all or none, each with its own
 * time (seed-demo and benchmarks build history with it). Without the
 * vfunc: one tc_store_send_messages() each, stopping at the first error. */
gboolean      tc_store_send_batch        (TcStore     *self,
                                          GPtrArray   *senders,
                                          GPtrArray   *requests,
                                          GArray      *times,
                                          GError     **error);
/* Whether the database answers (GET /healthz): TC_ERROR_UNAVAILABLE when
 * it does not. Without the vfunc: a read of the head cursor. */
gboolean      tc_store_check_health      (TcStore     *self,
                                          GError     **error);

/* --- several server processes on one database ------------------------------
 *
 * These never block: they may be called on the main loop. A store used by
 * one process (TcSqliteStore) does not implement them: nobody is connected
 * elsewhere, and the event sink gets every event anyway. */

/* This process now holds (@connected) or no longer holds live connections
 * of @associate_id: a shared store records it for the other processes'
 * presence and gives this process's sink that stream's events. */
void          tc_store_set_connected     (TcStore     *self,
                                          const char  *associate_id,
                                          gboolean     connected);
/* Whether another live process holds a connection of @associate_id (as
 * last heard; a process that died stops counting within a bounded time). */
gboolean      tc_store_is_connected_elsewhere (TcStore    *self,
                                               const char *associate_id);
void          tc_store_set_presence_sink (TcStore             *self,
                                          TcStorePresenceSink  sink,
                                          gpointer             user_data);

G_END_DECLS
