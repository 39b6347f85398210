/* tc-test-ws.h: a small WebSocket client for integration tests
 *
 * Blocking helpers over libsoup's client, each iterating the default main
 * context until what it waits for arrives (or failing the test after a
 * generous guard time: no timing is asserted). Frames that arrive while
 * waiting for something else are kept, in order, for tc_test_ws_drain().
 */
#pragma once

#include "tc-test-server.h"

G_BEGIN_DECLS

typedef struct _TcTestWs TcTestWs;

/* Opens GET /api/v1/ws with @authorization as the whole Authorization
 * header (NULL: none). NULL when the handshake is refused; *out_status
 * gets the HTTP status either way (101 on success). */
TcTestWs   *tc_test_ws_connect     (TcTestServer *server,
                                    const char   *authorization,
                                    guint        *out_status);
/* Connects with "Bearer @token" and takes the hello frame, which must come first. */
TcTestWs   *tc_test_ws_open        (TcTestServer *server,
                                    const char   *token);
void        tc_test_ws_free        (TcTestWs     *self);

void        tc_test_ws_send_text   (TcTestWs     *self,
                                    const char   *text);
/* Sends @text, a frame whose "ref" is the string @ref, and returns its
 * answer ({"type":"ack"|"error","ref":@ref}); NULL when the connection
 * closed first. */
JsonNode   *tc_test_ws_request     (TcTestWs     *self,
                                    const char   *text,
                                    const char   *ref);
/* A ping round trip, then every frame received so far that is not the
 * answer to a request (events, presence), oldest first. Everything the
 * server had queued for this socket before the ping has arrived by then. */
GPtrArray  *tc_test_ws_drain       (TcTestWs     *self);
/* Waits until the server closes the connection; returns the close code
 * (0 when no close frame arrived). */
gushort     tc_test_ws_wait_closed (TcTestWs     *self);
gboolean    tc_test_ws_is_closed   (TcTestWs     *self);
/* The hello frame tc_test_ws_open() took. */
JsonObject *tc_test_ws_get_hello   (TcTestWs     *self);

typedef gboolean (*TcTestWsMatch) (JsonObject *frame,
                                   gpointer    data);
/* Waits until a frame that @match accepts has arrived (failing the test
 * after @seconds: a guard, never a timing assertion) and takes it out of
 * the queue; frames before it stay. NULL when the connection closed
 * first. */
JsonNode   *tc_test_ws_wait_for    (TcTestWs      *self,
                                    TcTestWsMatch  match,
                                    gpointer       data,
                                    guint          seconds,
                                    const char    *what);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcTestWs, tc_test_ws_free)

G_END_DECLS
