/* tc-ws-frame-meter.h: follows WebSocket frames (RFC 6455 §5.2) in a byte
 * stream without keeping them
 *
 * Fed the bytes of one direction of a connection as they pass, it knows
 * where each frame starts and ends, counts the bytes of data frames (text,
 * binary and continuation, headers included) and the size of the data
 * message being received, fragments added up. It stops at the first frame
 * that would make a message larger than the limit, before that frame's
 * header, so that what was let through never holds a part of it.
 *
 * Pure and allocation-free: the server's TcWsStream runs one per
 * direction of every WebSocket.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint64  max_message;     /* 0: no limit */
  guint8   header[14];
  guint    header_len;      /* bytes of the current header seen */
  guint64  payload_left;    /* bytes of the current frame's payload still to come */
  gboolean data_frame;      /* the current frame is text, binary or continuation */
  guint64  message_bytes;   /* payload of the data message so far */
  guint64  data_bytes;      /* bytes of data frames seen, headers included */
  gboolean too_big;         /* stopped at a frame over the limit */
} TcWsFrameMeter;

void   tc_ws_frame_meter_init (TcWsFrameMeter *meter,
                               guint64         max_message);
/* Follows @len bytes; returns how many of them come before a frame that
 * makes its message larger than max_message (all of them when none
 * does). Once too_big is set, nothing more is taken. */
gsize  tc_ws_frame_meter_feed (TcWsFrameMeter *meter,
                               const guint8   *data,
                               gsize           len);

/* The size of a frame carrying @payload_len bytes as a server sends it
 * (unmasked): what tc_ws_frame_meter_feed() counts as data bytes. */
guint64 tc_ws_frame_size      (guint64         payload_len);

G_END_DECLS
