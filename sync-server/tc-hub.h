/* tc-hub.h: live WebSocket connections, presence and event fan-out
 *
 * Lives on the main loop. It receives every committed event from the store
 * (in seq order), pushes each to the open connections of its stream, answers
 * the client frames (send, read, ping) and keeps presence: an associate is
 * online while at least one of their connections is open.
 */
#pragma once

#include <libsoup/soup.h>

#include "tc-store.h"
#include "tc-ws-stream.h"

G_BEGIN_DECLS

/* The largest message a client may send (API.md: a request over 64 KiB is
 * refused). */
#define TC_HUB_MAX_MESSAGE_BYTES               (64 * 1024)
#define TC_HUB_DEFAULT_FRAMES_PER_MINUTE       600
#define TC_HUB_DEFAULT_PING_INTERVAL_SECONDS   30
#define TC_HUB_DEFAULT_IDLE_TIMEOUT_SECONDS    75
#define TC_HUB_DEFAULT_MAX_QUEUED_BYTES        (1024 * 1024)

typedef struct {
  guint   frames_per_minute;      /* per connection, any frame; 0 = unlimited */
  guint   ping_interval_seconds;  /* the server pings each client this often */
  guint   idle_timeout_seconds;   /* closed after this long without a byte from it */
  guint64 max_queued_bytes;       /* closed when more waits to be sent to it; 0 = unbounded */
} TcHubLimits;

#define TC_TYPE_HUB (tc_hub_get_type ())
G_DECLARE_FINAL_TYPE (TcHub, tc_hub, TC, HUB, GObject)

/* Asked before each message a connection sends; FALSE refuses it with
 * rate_limited and *retry_after seconds. Called on the main thread. */
typedef gboolean (*TcHubAllowFunc) (const char *associate_id,
                                    guint      *retry_after,
                                    gpointer    user_data);

TcHub    *tc_hub_new               (TcStore                 *store);
void      tc_hub_set_allow_func    (TcHub                   *self,
                                    TcHubAllowFunc           func,
                                    gpointer                 user_data);
/* Applies to connections opened from now on (the sweep of idle ones at
 * once); idle_timeout_seconds must be longer than ping_interval_seconds. */
void      tc_hub_set_limits        (TcHub                   *self,
                                    const TcHubLimits       *limits);
const TcHubLimits *tc_hub_get_limits (TcHub                 *self);
/* Takes over an accepted WebSocket of @associate_id, authenticated with the
 * token whose hash is @token_hash; @stream is what @connection was built
 * on. */
void      tc_hub_add_connection    (TcHub                   *self,
                                    SoupWebsocketConnection *connection,
                                    TcWsStream              *stream,
                                    const char              *associate_id,
                                    const guint8            *token_hash);
/* Open connections of one associate. */
guint     tc_hub_count_connections (TcHub                   *self,
                                    const char              *associate_id);
/* Closes every connection opened with that token (its session ended),
 * with @reason as the close frame's reason; returns how many. */
guint     tc_hub_close_token       (TcHub                   *self,
                                    const guint8            *token_hash,
                                    const char              *reason);
/* Appends the token hash of every open connection to @hashes (a token
 * with several connections, several times). */
void      tc_hub_append_token_hashes (TcHub                 *self,
                                      GByteArray            *hashes);
/* Thread-safe: worker threads fill "online" in associate objects with it. */
gboolean  tc_hub_is_online         (TcHub                   *self,
                                    const char              *associate_id);
guint     tc_hub_get_n_connections (TcHub                   *self);
/* Closes all connections (server shutdown). */
void      tc_hub_shutdown          (TcHub                   *self);

G_END_DECLS
