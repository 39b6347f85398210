/* tc-app-test.h: helpers for the app core's tests
 *
 * Waiting on the main context with a generous guard (never a timing
 * assertion), synchronous wrappers of the replica's async calls, and a
 * real server that can be stopped and started again on the same port.
 */
#pragma once

#include <gio/gio.h>

#include "tc-api-client.h"
#include "tc-replica.h"
#include "tc-sync-engine.h"

G_BEGIN_DECLS

/* Every wait gives up (failing the test) after this long. */
#define TC_APP_TEST_WAIT_SECONDS 60

typedef gboolean (*TcAppTestDoneFunc) (gpointer data);

/* Iterates the default main context until @done says so. */
void          tc_app_test_run_until     (TcAppTestDoneFunc  done,
                                         gpointer           data,
                                         const char        *what);

/* For async calls: pass tc_app_test_async_cb and a zeroed TcAppTestAsync,
 * then tc_app_test_async_wait() returns the result. */
typedef struct {
  GAsyncResult *result;
} TcAppTestAsync;

void          tc_app_test_async_cb      (GObject       *source,
                                         GAsyncResult  *result,
                                         gpointer       user_data);
GAsyncResult *tc_app_test_async_wait    (TcAppTestAsync *async,
                                         const char     *what);

/* Deletes a folder and everything in it (test scratch folders). */
void          tc_app_test_remove_tree   (const char     *path);

/* --- replica, synchronously ---------------------------------------------------- */

TcReplica  *tc_app_test_replica_open          (const char         *path,
                                               const char         *associate_id,
                                               GError            **error);
/* Drops the reference and waits until the replica is finalized (its
 * worker joined, the database closed). */
void        tc_app_test_replica_close         (TcReplica         **replica);
/* Undoes the schema steps of the closed replica at @path down to
 * @version, data kept, as if an older app had written it; opening it
 * then runs the later steps again. */
void        tc_app_test_replica_rewind        (const char         *path,
                                               guint               version);
void        tc_app_test_replica_apply         (TcReplica          *replica,
                                               GPtrArray          *events,
                                               const char         *cursor);
char       *tc_app_test_replica_cursor        (TcReplica          *replica);
GStrv       tc_app_test_replica_enqueue       (TcReplica          *replica,
                                               const char * const *recipients,
                                               const char         *body);
TcSendRequest *tc_app_test_replica_next_outbox (TcReplica         *replica);
GPtrArray  *tc_app_test_replica_conversations (TcReplica          *replica,
                                               TcConversationFilter filter);
GPtrArray  *tc_app_test_replica_messages      (TcReplica          *replica,
                                               const char         *peer_id,
                                               gint64              before,
                                               guint               limit);
/* Every message of every conversation, sent ones sorted by id. */
GPtrArray  *tc_app_test_replica_all_messages  (TcReplica          *replica);
GPtrArray  *tc_app_test_replica_members       (TcReplica          *replica,
                                               const char         *query);
guint       tc_app_test_replica_unread        (TcReplica          *replica);
GPtrArray  *tc_app_test_replica_reads         (TcReplica          *replica);

/* Events to feed a replica. */
TcEvent    *tc_app_test_message_event         (gint64       seq,
                                               gint64       id,
                                               const char  *from,
                                               const char  *to,
                                               const char  *body);
TcEvent    *tc_app_test_read_event            (gint64       seq,
                                               const char  *by,
                                               const char  *peer,
                                               gint64       up_to);
TcEvent    *tc_app_test_member_event          (const char  *id,
                                               const char  *name,
                                               gboolean     online);

/* Applies @n_messages between the replica's associate and @peer_id through
 * events, in pages as a sync does: server ids 1 … @n_messages, "message
 * ID" as text, every third one written by the associate, ten minutes
 * apart (so about 144 a day). */
void        tc_app_test_seed_conversation     (TcReplica   *replica,
                                               const char  *peer_id,
                                               guint        n_messages);
/* When tc_app_test_seed_conversation() says message @id was sent. */
gint64      tc_app_test_seed_sent_at          (gint64       id);

/* --- a real server ------------------------------------------------------------------ */

typedef struct _TcAppServer TcAppServer;

/* tests/server/data/team.csv imported into a fresh database, served on
 * loopback (see tc-test-server.h for the team). */
TcAppServer *tc_app_server_new        (void);
/* The same with @config_text as its --config file. */
TcAppServer *tc_app_server_new_with_config (const char *config_text);
const char  *tc_app_server_get_url    (TcAppServer *self);
/* The server's SQLite file, for its command line (revoke-sessions, …). */
const char  *tc_app_server_get_db_path (TcAppServer *self);
/* SIGTERM, and wait for the exit. */
void         tc_app_server_stop       (TcAppServer *self);
/* Starts it again on the same database and the same port. */
void         tc_app_server_start      (TcAppServer *self);
void         tc_app_server_free       (TcAppServer *self);

/* A client of @server logged in as team.csv's @id ("A" … "G"). */
TcApiClient *tc_app_test_login        (TcAppServer *server,
                                       const char  *id);
/* Sends @body from the client's associate to @to; returns the message. */
TcMessage   *tc_app_test_send         (TcApiClient *client,
                                       const char  *to,
                                       const char  *body);
/* The whole conversation with @peer on the server, newest first. */
GPtrArray   *tc_app_test_history      (TcApiClient *client,
                                       const char  *peer_id);

/* TRUE when @replica holds exactly the server's messages with each of
 * @peers (NULL-terminated), all sent, as @client reads them on the server
 * now (newest first, equal field by field). */
gboolean     tc_app_test_converged    (TcReplica          *replica,
                                       TcApiClient        *client,
                                       const char * const *peers);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcAppServer, tc_app_server_free)

G_END_DECLS
