/* tc-test-raw-ws.h: a WebSocket client on a plain socket, for tests that
 * must break the rules libsoup keeps
 *
 * It writes the handshake and frames byte by byte (masked, as a client
 * must), can send fragments, reserved bits, oversized frames and an
 * Origin, reads only when asked (a client that does not read), and can
 * shrink its receive buffer. Blocking, with a guard time on every read
 * (the test fails when it runs out; no timing is asserted).
 */
#pragma once

#include "tc-test-server.h"

G_BEGIN_DECLS

typedef struct _TcRawWs TcRawWs;

#define TC_RAW_WS_FIN   0x80
#define TC_RAW_WS_RSV1  0x40
#define TC_RAW_WS_TEXT  0x1
#define TC_RAW_WS_CONT  0x0
#define TC_RAW_WS_CLOSE 0x8
#define TC_RAW_WS_PING  0x9
#define TC_RAW_WS_PONG  0xa

/* Connects and sends the handshake with "Bearer @token" (NULL: none),
 * @origin (NULL: none) and @extensions as Sec-WebSocket-Extensions (NULL:
 * none); @rcvbuf > 0 sets SO_RCVBUF first. *out_status gets the HTTP
 * status; *out_head (optional) the whole answer head. NULL unless 101. */
TcRawWs  *tc_raw_ws_connect      (TcTestServer  *server,
                                  const char    *token,
                                  const char    *origin,
                                  const char    *extensions,
                                  int            rcvbuf,
                                  guint         *out_status,
                                  char         **out_head);
void      tc_raw_ws_free         (TcRawWs       *self);

/* One frame: @first_byte is FIN | RSV | opcode; the payload is masked.
 * FALSE when the server has closed the connection. */
gboolean  tc_raw_ws_send_frame   (TcRawWs       *self,
                                  guint8         first_byte,
                                  const void    *payload,
                                  gsize          len);
gboolean  tc_raw_ws_send_text    (TcRawWs       *self,
                                  const char    *text);
/* The next frame: its opcode (-1 at the end of the connection) and
 * payload. Pings are answered, and returned too. */
int       tc_raw_ws_read_frame   (TcRawWs       *self,
                                  GBytes       **out_payload);
/* The next text frame that is a JSON object (events and answers). */
JsonNode *tc_raw_ws_read_json    (TcRawWs       *self);
/* Reads until a close frame (its code) or the end of the connection (0). */
gushort   tc_raw_ws_wait_close   (TcRawWs       *self);
int       tc_raw_ws_get_fd       (TcRawWs       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcRawWs, tc_raw_ws_free)

G_END_DECLS
