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

G_BEGIN_DECLS

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
/* Takes over an accepted WebSocket of @associate_id, authenticated with the
 * token whose hash is @token_hash. */
void      tc_hub_add_connection    (TcHub                   *self,
                                    SoupWebsocketConnection *connection,
                                    const char              *associate_id,
                                    const guint8            *token_hash);
/* Closes every connection opened with that token (logout). */
void      tc_hub_close_token       (TcHub                   *self,
                                    const guint8            *token_hash);
/* Thread-safe: worker threads fill "online" in associate objects with it. */
gboolean  tc_hub_is_online         (TcHub                   *self,
                                    const char              *associate_id);
guint     tc_hub_get_n_connections (TcHub                   *self);
/* Closes all connections (server shutdown). */
void      tc_hub_shutdown          (TcHub                   *self);

G_END_DECLS
