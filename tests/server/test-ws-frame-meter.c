/* test-ws-frame-meter.c: following WebSocket frames in a byte stream */
#include <string.h>

#include "tc-ws-frame-meter.h"

/* One frame: @first (FIN | opcode), masked or not, @len payload bytes of 'x'. */
static void
append_frame (GByteArray *out,
              guint8      first,
              gboolean    masked,
              guint64     len)
{
  guint8 header[14];
  gsize n = 2;

  header[0] = first;
  if (len < 126)
    header[1] = (guint8) len;
  else if (len <= G_MAXUINT16)
    {
      header[1] = 126;
      header[2] = (guint8) (len >> 8);
      header[3] = (guint8) len;
      n = 4;
    }
  else
    {
      header[1] = 127;
      for (guint i = 0; i < 8; i++)
        header[2 + i] = (guint8) (len >> (56 - 8 * i));
      n = 10;
    }
  if (masked)
    {
      header[1] |= 0x80;
      memset (header + n, 0x5a, 4);
      n += 4;
    }
  g_byte_array_append (out, header, n);
  for (guint64 i = 0; i < len; i++)
    g_byte_array_append (out, (const guint8 *) "x", 1);
}

/* Feeds @bytes in pieces of @step (the last one shorter); returns how many
 * were taken in all. */
static gsize
feed_in_steps (TcWsFrameMeter *meter,
               GByteArray     *bytes,
               gsize           step)
{
  gsize taken = 0;

  for (gsize pos = 0; pos < bytes->len; pos += step)
    {
      gsize len = MIN (step, bytes->len - pos);
      gsize n = tc_ws_frame_meter_feed (meter, bytes->data + pos, len);

      taken += n;
      if (n < len)
        break;
    }
  return taken;
}

static void
test_sizes (void)
{
  g_assert_cmpuint (tc_ws_frame_size (0), ==, 2);
  g_assert_cmpuint (tc_ws_frame_size (125), ==, 127);
  g_assert_cmpuint (tc_ws_frame_size (126), ==, 130);
  g_assert_cmpuint (tc_ws_frame_size (65535), ==, 65539);
  g_assert_cmpuint (tc_ws_frame_size (65536), ==, 65546);
}

/* Server frames: every length form, control frames between, in pieces of
 * every size from one byte: data bytes are exactly the data frames. */
static void
test_counts_data_frames (void)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  guint64 expected;

  append_frame (bytes, 0x81, FALSE, 10);
  append_frame (bytes, 0x89, FALSE, 4);        /* ping */
  append_frame (bytes, 0x81, FALSE, 300);
  append_frame (bytes, 0x8a, FALSE, 0);        /* pong */
  append_frame (bytes, 0x82, FALSE, 70000);
  expected = tc_ws_frame_size (10) + tc_ws_frame_size (300) + tc_ws_frame_size (70000);

  for (gsize step = 1; step <= 17; step++)
    {
      TcWsFrameMeter meter;

      tc_ws_frame_meter_init (&meter, 0);
      g_assert_cmpuint (feed_in_steps (&meter, bytes, step), ==, bytes->len);
      g_assert_cmpuint (meter.data_bytes, ==, expected);
      g_assert_false (meter.too_big);
    }
}

/* Client frames (masked): a message in fragments with a ping between is
 * let through up to the limit exactly. */
static void
test_fragments_at_limit (void)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  TcWsFrameMeter meter;

  append_frame (bytes, 0x01, TRUE, 400);   /* text, not final */
  append_frame (bytes, 0x89, TRUE, 125);   /* a ping in between */
  append_frame (bytes, 0x00, TRUE, 500);
  append_frame (bytes, 0x80, TRUE, 124);   /* final: 1,024 in all */
  append_frame (bytes, 0x81, TRUE, 1024);  /* a new message counts from 0 */

  for (gsize step = 1; step <= 9; step++)
    {
      tc_ws_frame_meter_init (&meter, 1024);
      g_assert_cmpuint (feed_in_steps (&meter, bytes, step), ==, bytes->len);
      g_assert_false (meter.too_big);
      g_assert_cmpuint (meter.message_bytes, ==, 1024);
    }
}

/* The frame that goes over is not taken, from its first header byte on,
 * whichever piece that byte is in. */
static void
test_stops_before_the_frame (void)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  gsize good;

  append_frame (bytes, 0x01, TRUE, 600);
  append_frame (bytes, 0x00, TRUE, 400);
  good = bytes->len;
  append_frame (bytes, 0x80, TRUE, 25);    /* 1,025: one byte too many */

  for (gsize step = 1; step <= 40; step++)
    {
      TcWsFrameMeter meter;
      gsize taken;

      tc_ws_frame_meter_init (&meter, 1024);
      taken = feed_in_steps (&meter, bytes, step);
      g_assert_true (meter.too_big);
      /* What was taken ends at the frame's start, or inside its header
       * when the header began in an earlier piece. */
      g_assert_cmpuint (taken, >=, good);
      g_assert_cmpuint (taken, <, good + 6);   /* a masked 25-byte frame's header is 6 bytes */
      g_assert_cmpuint (tc_ws_frame_meter_feed (&meter, (const guint8 *) "x", 1), ==, 0);
    }

  /* A single frame over the limit, with a 64-bit length. */
  {
    TcWsFrameMeter meter;
    g_autoptr(GByteArray) huge = g_byte_array_new ();
    const guint8 header[] = { 0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                              1, 2, 3, 4 };

    g_byte_array_append (huge, (const guint8 *) "\x81\x82\x01\x02\x03\x04" "ab", 8);
    g_byte_array_append (huge, header, sizeof header);
    tc_ws_frame_meter_init (&meter, 65536);
    g_assert_cmpuint (tc_ws_frame_meter_feed (&meter, huge->data, huge->len), ==, 8);
    g_assert_true (meter.too_big);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ws-frame-meter/sizes", test_sizes);
  g_test_add_func ("/ws-frame-meter/counts-data-frames", test_counts_data_frames);
  g_test_add_func ("/ws-frame-meter/fragments-at-limit", test_fragments_at_limit);
  g_test_add_func ("/ws-frame-meter/stops-before-the-frame", test_stops_before_the_frame);

  return g_test_run ();
}
