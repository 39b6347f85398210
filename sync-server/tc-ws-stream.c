/* tc-ws-stream.c: the connection under a server WebSocket, measured
 *
 * Three small classes: the GIOStream, and the pollable input and output
 * streams it hands to libsoup, which pass everything to and from the
 * stream it wraps.
 */
#include "config.h"

#include "tc-ws-frame-meter.h"
#include "tc-ws-stream.h"

/* Reads dropped in one go after a message over the limit, so that a
 * client that never stops sending does not hold the main loop. */
#define MAX_DROPPING_READS 8

struct _TcWsStream
{
  GIOStream       parent_instance;

  GIOStream      *base;
  GInputStream   *input;
  GOutputStream  *output;
  TcWsFrameMeter  incoming;
  TcWsFrameMeter  outgoing;
  gint64          last_read;
  TcWsStreamFunc  too_big_func;
  gpointer        too_big_data;
  guint           too_big_source;
  gboolean        input_ended;
  GSource        *input_source;   /* the last one handed out, to wake it */
};

G_DEFINE_FINAL_TYPE (TcWsStream, tc_ws_stream, G_TYPE_IO_STREAM)

/* --- input ------------------------------------------------------------------ */

#define TC_TYPE_WS_INPUT (tc_ws_input_get_type ())
G_DECLARE_FINAL_TYPE (TcWsInput, tc_ws_input, TC, WS_INPUT, GInputStream)

struct _TcWsInput
{
  GInputStream  parent_instance;
  TcWsStream   *owner;   /* unowned: it owns us */
};

static void tc_ws_input_pollable_iface_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TcWsInput, tc_ws_input, G_TYPE_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      tc_ws_input_pollable_iface_init))

static gboolean
too_big_cb (gpointer data)
{
  TcWsStream *self = data;

  self->too_big_source = 0;
  if (self->too_big_func != NULL)
    self->too_big_func (self, self->too_big_data);
  return G_SOURCE_REMOVE;
}

/* Bytes just read from the network: how many of them libsoup may have. */
static gsize
incoming (TcWsStream *self,
          guint8     *buffer,
          gsize       len)
{
  gboolean was_too_big = self->incoming.too_big;
  gsize pass;

  self->last_read = g_get_monotonic_time ();
  pass = tc_ws_frame_meter_feed (&self->incoming, buffer, len);
  if (self->incoming.too_big && !was_too_big)
    self->too_big_source = g_idle_add_full (G_PRIORITY_DEFAULT, too_big_cb, g_object_ref (self),
                                            g_object_unref);
  return pass;
}

static GPollableInputStream *
base_input (TcWsInput *self)
{
  return G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (self->owner->base));
}

static gssize
tc_ws_input_read_nonblocking (GPollableInputStream  *pollable,
                              void                  *buffer,
                              gsize                  count,
                              GError               **error)
{
  TcWsInput *self = TC_WS_INPUT (pollable);

  if (self->owner->input_ended)
    return 0;
  for (guint i = 0; i < MAX_DROPPING_READS; i++)
    {
      gssize n = g_pollable_input_stream_read_nonblocking (base_input (self), buffer, count, NULL,
                                                           error);
      gsize pass;

      if (n <= 0)
        return n;
      pass = incoming (self->owner, buffer, (gsize) n);
      if (pass > 0)
        return (gssize) pass;
      /* Part of a message over the limit: dropped; read on. */
    }
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "dropping an oversized message");
  return -1;
}

static gssize
tc_ws_input_read (GInputStream  *stream,
                  void          *buffer,
                  gsize          count,
                  GCancellable  *cancellable,
                  GError       **error)
{
  TcWsInput *self = TC_WS_INPUT (stream);
  GInputStream *base = g_io_stream_get_input_stream (self->owner->base);

  if (self->owner->input_ended)
    return 0;
  for (;;)
    {
      gssize n = g_input_stream_read (base, buffer, count, cancellable, error);
      gsize pass;

      if (n <= 0)
        return n;
      pass = incoming (self->owner, buffer, (gsize) n);
      if (pass > 0)
        return (gssize) pass;
    }
}

static gboolean
tc_ws_input_close (GInputStream  *stream,
                   GCancellable  *cancellable,
                   GError       **error)
{
  return TRUE;   /* TcWsStream closes the base */
}

static gboolean
tc_ws_input_can_poll (GPollableInputStream *pollable)
{
  return g_pollable_input_stream_can_poll (base_input (TC_WS_INPUT (pollable)));
}

static gboolean
tc_ws_input_is_readable (GPollableInputStream *pollable)
{
  TcWsInput *self = TC_WS_INPUT (pollable);

  return self->owner->input_ended || g_pollable_input_stream_is_readable (base_input (self));
}

static GSource *
tc_ws_input_create_source (GPollableInputStream *pollable,
                           GCancellable         *cancellable)
{
  TcWsInput *self = TC_WS_INPUT (pollable);
  g_autoptr(GSource) base_source =
    g_pollable_input_stream_create_source (base_input (self), NULL);
  GSource *source = g_pollable_source_new_full (pollable, base_source, cancellable);

  g_clear_pointer (&self->owner->input_source, g_source_unref);
  self->owner->input_source = g_source_ref (source);
  if (self->owner->input_ended)
    g_source_set_ready_time (source, 0);
  return source;
}

static void
tc_ws_input_pollable_iface_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = tc_ws_input_can_poll;
  iface->is_readable = tc_ws_input_is_readable;
  iface->create_source = tc_ws_input_create_source;
  iface->read_nonblocking = tc_ws_input_read_nonblocking;
}

static void
tc_ws_input_class_init (TcWsInputClass *klass)
{
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  stream_class->read_fn = tc_ws_input_read;
  stream_class->close_fn = tc_ws_input_close;
}

static void
tc_ws_input_init (TcWsInput *self)
{
}

/* --- output ----------------------------------------------------------------- */

#define TC_TYPE_WS_OUTPUT (tc_ws_output_get_type ())
G_DECLARE_FINAL_TYPE (TcWsOutput, tc_ws_output, TC, WS_OUTPUT, GOutputStream)

struct _TcWsOutput
{
  GOutputStream  parent_instance;
  TcWsStream    *owner;   /* unowned: it owns us */
};

static void tc_ws_output_pollable_iface_init (GPollableOutputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TcWsOutput, tc_ws_output, G_TYPE_OUTPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_OUTPUT_STREAM,
                                                      tc_ws_output_pollable_iface_init))

static GPollableOutputStream *
base_output (TcWsOutput *self)
{
  return G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (self->owner->base));
}

static gssize
tc_ws_output_write_nonblocking (GPollableOutputStream  *pollable,
                                const void             *buffer,
                                gsize                   count,
                                GError                **error)
{
  TcWsOutput *self = TC_WS_OUTPUT (pollable);
  gssize n = g_pollable_output_stream_write_nonblocking (base_output (self), buffer, count, NULL,
                                                         error);

  if (n > 0)
    tc_ws_frame_meter_feed (&self->owner->outgoing, buffer, (gsize) n);
  return n;
}

static gssize
tc_ws_output_write (GOutputStream  *stream,
                    const void     *buffer,
                    gsize           count,
                    GCancellable   *cancellable,
                    GError        **error)
{
  TcWsOutput *self = TC_WS_OUTPUT (stream);
  gssize n = g_output_stream_write (g_io_stream_get_output_stream (self->owner->base), buffer,
                                    count, cancellable, error);

  if (n > 0)
    tc_ws_frame_meter_feed (&self->owner->outgoing, buffer, (gsize) n);
  return n;
}

static gboolean
tc_ws_output_flush (GOutputStream  *stream,
                    GCancellable   *cancellable,
                    GError        **error)
{
  TcWsOutput *self = TC_WS_OUTPUT (stream);

  return g_output_stream_flush (g_io_stream_get_output_stream (self->owner->base), cancellable,
                                error);
}

static gboolean
tc_ws_output_close (GOutputStream  *stream,
                    GCancellable   *cancellable,
                    GError        **error)
{
  return TRUE;   /* TcWsStream closes the base */
}

static gboolean
tc_ws_output_can_poll (GPollableOutputStream *pollable)
{
  return g_pollable_output_stream_can_poll (base_output (TC_WS_OUTPUT (pollable)));
}

static gboolean
tc_ws_output_is_writable (GPollableOutputStream *pollable)
{
  return g_pollable_output_stream_is_writable (base_output (TC_WS_OUTPUT (pollable)));
}

static GSource *
tc_ws_output_create_source (GPollableOutputStream *pollable,
                            GCancellable          *cancellable)
{
  g_autoptr(GSource) base_source =
    g_pollable_output_stream_create_source (base_output (TC_WS_OUTPUT (pollable)), NULL);

  return g_pollable_source_new_full (pollable, base_source, cancellable);
}

static void
tc_ws_output_pollable_iface_init (GPollableOutputStreamInterface *iface)
{
  iface->can_poll = tc_ws_output_can_poll;
  iface->is_writable = tc_ws_output_is_writable;
  iface->create_source = tc_ws_output_create_source;
  iface->write_nonblocking = tc_ws_output_write_nonblocking;
}

static void
tc_ws_output_class_init (TcWsOutputClass *klass)
{
  GOutputStreamClass *stream_class = G_OUTPUT_STREAM_CLASS (klass);

  stream_class->write_fn = tc_ws_output_write;
  stream_class->flush = tc_ws_output_flush;
  stream_class->close_fn = tc_ws_output_close;
}

static void
tc_ws_output_init (TcWsOutput *self)
{
}

/* --- the stream ------------------------------------------------------------------ */

static GInputStream *
tc_ws_stream_get_input_stream (GIOStream *stream)
{
  return TC_WS_STREAM (stream)->input;
}

static GOutputStream *
tc_ws_stream_get_output_stream (GIOStream *stream)
{
  return TC_WS_STREAM (stream)->output;
}

static gboolean
tc_ws_stream_close (GIOStream     *stream,
                    GCancellable  *cancellable,
                    GError       **error)
{
  return g_io_stream_close (TC_WS_STREAM (stream)->base, cancellable, error);
}

static void
base_closed_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (g_io_stream_close_finish (G_IO_STREAM (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* The default would close in a thread; the base knows how to do it. */
static void
tc_ws_stream_close_async (GIOStream           *stream,
                          int                  io_priority,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task = g_task_new (stream, cancellable, callback, user_data);

  g_task_set_source_tag (task, tc_ws_stream_close_async);
  g_io_stream_close_async (TC_WS_STREAM (stream)->base, io_priority, cancellable, base_closed_cb,
                           task);
}

static gboolean
tc_ws_stream_close_finish (GIOStream     *stream,
                           GAsyncResult  *result,
                           GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
tc_ws_stream_dispose (GObject *object)
{
  TcWsStream *self = TC_WS_STREAM (object);

  g_clear_handle_id (&self->too_big_source, g_source_remove);
  g_clear_pointer (&self->input_source, g_source_unref);
  self->too_big_func = NULL;

  G_OBJECT_CLASS (tc_ws_stream_parent_class)->dispose (object);
}

static void
tc_ws_stream_finalize (GObject *object)
{
  TcWsStream *self = TC_WS_STREAM (object);

  g_clear_object (&self->input);
  g_clear_object (&self->output);
  g_clear_object (&self->base);

  G_OBJECT_CLASS (tc_ws_stream_parent_class)->finalize (object);
}

static void
tc_ws_stream_class_init (TcWsStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GIOStreamClass *stream_class = G_IO_STREAM_CLASS (klass);

  object_class->dispose = tc_ws_stream_dispose;
  object_class->finalize = tc_ws_stream_finalize;
  stream_class->get_input_stream = tc_ws_stream_get_input_stream;
  stream_class->get_output_stream = tc_ws_stream_get_output_stream;
  stream_class->close_fn = tc_ws_stream_close;
  stream_class->close_async = tc_ws_stream_close_async;
  stream_class->close_finish = tc_ws_stream_close_finish;
}

static void
tc_ws_stream_init (TcWsStream *self)
{
  self->last_read = g_get_monotonic_time ();
}

/**
 * tc_ws_stream_new:
 * @base: the stream of an upgraded connection
 * @max_message_bytes: the largest data message a client may send (0: no
 *   limit)
 *
 * Returns: (transfer full): a stream to build the WebSocket on
 */
TcWsStream *
tc_ws_stream_new (GIOStream *base,
                  guint64    max_message_bytes)
{
  TcWsStream *self;
  TcWsInput *input;
  TcWsOutput *output;

  g_return_val_if_fail (G_IS_IO_STREAM (base), NULL);
  g_return_val_if_fail (G_IS_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (base)), NULL);
  g_return_val_if_fail (G_IS_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (base)), NULL);

  self = g_object_new (TC_TYPE_WS_STREAM, NULL);
  self->base = g_object_ref (base);
  tc_ws_frame_meter_init (&self->incoming, max_message_bytes);
  tc_ws_frame_meter_init (&self->outgoing, 0);

  input = g_object_new (TC_TYPE_WS_INPUT, NULL);
  input->owner = self;
  self->input = G_INPUT_STREAM (input);
  output = g_object_new (TC_TYPE_WS_OUTPUT, NULL);
  output->owner = self;
  self->output = G_OUTPUT_STREAM (output);
  return self;
}

/**
 * tc_ws_stream_set_too_big_func:
 * @self: a stream
 * @func: (nullable): called once, from the main context, when the client
 *   sends a message over the limit
 * @user_data: data for @func
 */
void
tc_ws_stream_set_too_big_func (TcWsStream     *self,
                               TcWsStreamFunc  func,
                               gpointer        user_data)
{
  g_return_if_fail (TC_IS_WS_STREAM (self));

  self->too_big_func = func;
  self->too_big_data = user_data;
}

guint64
tc_ws_stream_get_data_bytes_written (TcWsStream *self)
{
  g_return_val_if_fail (TC_IS_WS_STREAM (self), 0);
  return self->outgoing.data_bytes;
}

gint64
tc_ws_stream_get_last_read_time (TcWsStream *self)
{
  g_return_val_if_fail (TC_IS_WS_STREAM (self), 0);
  return self->last_read;
}

gboolean
tc_ws_stream_get_too_big (TcWsStream *self)
{
  g_return_val_if_fail (TC_IS_WS_STREAM (self), FALSE);
  return self->incoming.too_big;
}

/**
 * tc_ws_stream_end_input:
 * @self: a stream
 *
 * From now on the client seems to have closed its side: libsoup reads the
 * end of the stream and closes the connection at once, instead of waiting
 * for a close handshake that a client that does not read, or has gone,
 * would never finish. What the client still sends is not read.
 */
void
tc_ws_stream_end_input (TcWsStream *self)
{
  g_return_if_fail (TC_IS_WS_STREAM (self));

  self->input_ended = TRUE;
  if (self->input_source != NULL && !g_source_is_destroyed (self->input_source))
    g_source_set_ready_time (self->input_source, 0);
}
