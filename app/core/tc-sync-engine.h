/* tc-sync-engine.h: keeps a replica in step with the server
 *
 * Catches up with GET /api/v1/sync from the replica's cursor, then follows
 * the WebSocket, applying each event to the replica; sends the outbox and
 * the local read markers in order over the socket; reconnects by itself
 * with exponential backoff and full jitter, at once when the network comes
 * back. Lives on the main context; never blocks it.
 */
#pragma once

#include <gio/gio.h>

#include "tc-api-client.h"
#include "tc-replica.h"

G_BEGIN_DECLS

typedef enum {
  TC_SYNC_STATE_OFFLINE,      /* stopped, or waiting to retry (see the error) */
  TC_SYNC_STATE_CONNECTING,   /* reaching the server */
  TC_SYNC_STATE_SYNCING,      /* catching up */
  TC_SYNC_STATE_ONLINE,       /* up to date, following live events */
} TcSyncState;

#define TC_TYPE_SYNC_STATE (tc_sync_state_get_type ())
GType tc_sync_state_get_type (void) G_GNUC_CONST;

#define TC_TYPE_SYNC_ENGINE (tc_sync_engine_get_type ())
G_DECLARE_FINAL_TYPE (TcSyncEngine, tc_sync_engine, TC, SYNC_ENGINE, GObject)

TcSyncEngine *tc_sync_engine_new              (TcApiClient    *client,
                                               TcReplica      *replica);

void          tc_sync_engine_start            (TcSyncEngine   *self);
void          tc_sync_engine_stop             (TcSyncEngine   *self);
void          tc_sync_engine_reconnect_now    (TcSyncEngine   *self);

TcApiClient  *tc_sync_engine_get_api_client   (TcSyncEngine   *self);
TcReplica    *tc_sync_engine_get_replica      (TcSyncEngine   *self);
TcSyncState   tc_sync_engine_get_state        (TcSyncEngine   *self);
const GError *tc_sync_engine_get_error        (TcSyncEngine   *self);
gboolean      tc_sync_engine_get_first_sync   (TcSyncEngine   *self);
guint         tc_sync_engine_get_synced_events (TcSyncEngine  *self);
double        tc_sync_engine_get_progress     (TcSyncEngine   *self);

void          tc_sync_engine_set_backoff      (TcSyncEngine   *self,
                                               guint           base_ms,
                                               guint           cap_ms);

G_END_DECLS
