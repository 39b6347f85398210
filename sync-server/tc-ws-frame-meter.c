/* tc-ws-frame-meter.c: follows WebSocket frames in a byte stream */
#include "config.h"

#include "tc-ws-frame-meter.h"

#define FIN          0x80
#define OPCODE_MASK  0x0f
#define MASKED       0x80
#define LENGTH_MASK  0x7f

void
tc_ws_frame_meter_init (TcWsFrameMeter *meter,
                        guint64         max_message)
{
  g_return_if_fail (meter != NULL);

  *meter = (TcWsFrameMeter) { 0 };
  meter->max_message = max_message;
}

guint64
tc_ws_frame_size (guint64 payload_len)
{
  if (payload_len < 126)
    return 2 + payload_len;
  if (payload_len <= G_MAXUINT16)
    return 4 + payload_len;
  return 10 + payload_len;
}

/* How long the header is, once its first two bytes are known. */
static guint
header_size (const guint8 *header)
{
  guint len7 = header[1] & LENGTH_MASK;
  guint size = 2;

  if (len7 == 126)
    size += 2;
  else if (len7 == 127)
    size += 8;
  if (header[1] & MASKED)
    size += 4;
  return size;
}

static guint64
payload_length (const guint8 *header)
{
  guint len7 = header[1] & LENGTH_MASK;
  guint64 len = 0;

  if (len7 < 126)
    return len7;
  if (len7 == 126)
    return ((guint64) header[2] << 8) | header[3];
  for (guint i = 0; i < 8; i++)
    len = (len << 8) | header[2 + i];
  return len;
}

/* A whole header has been seen: FALSE when its frame is over the limit. */
static gboolean
header_done (TcWsFrameMeter *meter)
{
  guint opcode = meter->header[0] & OPCODE_MASK;
  guint64 len = payload_length (meter->header);

  meter->data_frame = opcode <= 0x2;
  meter->payload_left = len;
  if (!meter->data_frame)
    return TRUE;   /* control frames are ≤ 125 bytes; libsoup checks them */

  if (opcode != 0x0)
    meter->message_bytes = 0;   /* the first frame of a message */
  if (meter->max_message > 0 &&
      (len > meter->max_message || meter->message_bytes > meter->max_message - len))
    return FALSE;
  meter->message_bytes += len;
  meter->data_bytes += meter->header_len;
  return TRUE;
}

gsize
tc_ws_frame_meter_feed (TcWsFrameMeter *meter,
                        const guint8   *data,
                        gsize           len)
{
  gsize pos = 0;
  gsize frame_start = 0;   /* in @data; 0 also when the header began earlier */

  g_return_val_if_fail (meter != NULL, 0);
  g_return_val_if_fail (data != NULL || len == 0, 0);

  if (meter->too_big)
    return 0;

  while (pos < len)
    {
      if (meter->payload_left > 0)
        {
          guint64 take = MIN ((guint64) (len - pos), meter->payload_left);

          meter->payload_left -= take;
          if (meter->data_frame)
            meter->data_bytes += take;
          pos += take;
          continue;
        }

      /* A header, maybe in several pieces. */
      if (meter->header_len == 0)
        frame_start = pos;
      meter->header[meter->header_len++] = data[pos++];
      if (meter->header_len < 2 || meter->header_len < header_size (meter->header))
        continue;
      if (!header_done (meter))
        {
          meter->too_big = TRUE;
          return frame_start;
        }
      meter->header_len = 0;
    }
  return len;
}
