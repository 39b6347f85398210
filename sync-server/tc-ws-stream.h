/* tc-ws-stream.h: the connection under a server WebSocket, measured
 *
 * Wraps the stream that libsoup hands over after the WebSocket handshake,
 * and is given to soup_websocket_connection_new() in its place. Everything
 * passes through unchanged; on the way it
 *
 *  - stops a data message (fragments added up) larger than the limit
 *    before libsoup reads and buffers it: the bytes from that frame on are
 *    read and dropped, and the "message-too-big" callback runs (once, from
 *    an idle source) so that the owner can close the connection with 1009;
 *  - counts the bytes of data frames written to the network, so that the
 *    owner, knowing what it asked libsoup to send, knows how much still
 *    waits in libsoup's queue (a client that does not read);
 *  - remembers when the client last sent anything (pongs included).
 *
 * Lives on the main context, like the SoupWebsocketConnection above it.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TC_TYPE_WS_STREAM (tc_ws_stream_get_type ())
G_DECLARE_FINAL_TYPE (TcWsStream, tc_ws_stream, TC, WS_STREAM, GIOStream)

typedef void (*TcWsStreamFunc) (TcWsStream *stream,
                                gpointer    user_data);

/* @base must have pollable streams (libsoup's always do). */
TcWsStream *tc_ws_stream_new                   (GIOStream      *base,
                                                guint64         max_message_bytes);
void        tc_ws_stream_set_too_big_func      (TcWsStream     *self,
                                                TcWsStreamFunc  func,
                                                gpointer        user_data);
/* Bytes of data frames (text, binary, continuation, headers included)
 * written to the network so far. */
guint64     tc_ws_stream_get_data_bytes_written (TcWsStream    *self);
/* g_get_monotonic_time() of the last byte received (creation at first). */
gint64      tc_ws_stream_get_last_read_time    (TcWsStream     *self);
gboolean    tc_ws_stream_get_too_big           (TcWsStream     *self);
/* Makes libsoup see the end of the client's stream (and close) at once. */
void        tc_ws_stream_end_input             (TcWsStream     *self);

G_END_DECLS
