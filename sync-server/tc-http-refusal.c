/* tc-http-refusal.c: answering a request whose body will not be read
 *
 * libsoup 3.2 goes on reading a request's body after an early handler has
 * set an error status, whatever the body's size, and keeps it in memory; a
 * Content-Length it cannot parse ("-1", an overflow) even means "until the
 * connection ends". So a request refused for its framing or size takes the
 * connection away from libsoup instead: the answer is written by hand, the
 * connection is closed, and the body is never stored. Closing a socket with
 * unread data makes the kernel send a reset, which can destroy the answer
 * in flight; so the sending side is shut first, and what the client still
 * sends is read and dropped, up to DRAIN_MAX_BYTES or DRAIN_SECONDS
 * ("lingering close", RFC 9112 §9.6).
 */
#include "config.h"

#include <string.h>

#include "tc-error.h"
#include "tc-http-refusal.h"
#include "tc-json.h"

#define DRAIN_MAX_BYTES  (256 * 1024)
#define DRAIN_SECONDS    5

typedef struct {
  GIOStream    *stream;
  GSocket      *socket;         /* under the stream, which may be a wrapper */
  GCancellable *cancellable;
  guint         timeout_id;
  gsize         drained;
  char         *answer;
  gsize         answer_len;
  char          buffer[16 * 1024];
} Refusal;

static void
refusal_finish (Refusal *refusal)
{
  g_clear_handle_id (&refusal->timeout_id, g_source_remove);
  /* Closing is quick on a socket; its result does not matter. */
  g_io_stream_close (refusal->stream, NULL, NULL);
  g_object_unref (refusal->stream);
  g_clear_object (&refusal->socket);
  g_object_unref (refusal->cancellable);
  g_free (refusal->answer);
  g_free (refusal);
}

static gboolean
drain_timeout_cb (gpointer user_data)
{
  Refusal *refusal = user_data;

  refusal->timeout_id = 0;
  g_cancellable_cancel (refusal->cancellable);
  return G_SOURCE_REMOVE;
}

static void
drained_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Refusal *refusal = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n <= 0 || (refusal->drained += (gsize) n) >= DRAIN_MAX_BYTES)
    {
      refusal_finish (refusal);
      return;
    }
  g_input_stream_read_async (G_INPUT_STREAM (source), refusal->buffer, sizeof refusal->buffer,
                             G_PRIORITY_DEFAULT, refusal->cancellable, drained_cb, refusal);
}

static void
written_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Refusal *refusal = user_data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL))
    {
      refusal_finish (refusal);
      return;
    }
  /* The client sees the end of the answer at once. */
  if (refusal->socket != NULL)
    g_socket_shutdown (refusal->socket, FALSE, TRUE, NULL);
  refusal->timeout_id = g_timeout_add_seconds (DRAIN_SECONDS, drain_timeout_cb, refusal);
  g_input_stream_read_async (g_io_stream_get_input_stream (refusal->stream), refusal->buffer,
                             sizeof refusal->buffer, G_PRIORITY_DEFAULT, refusal->cancellable,
                             drained_cb, refusal);
}

/**
 * tc_http_refuse:
 * @msg: a request in its early handler (headers read, body not)
 * @error: why it is refused; a %TC_ERROR gives the status
 */
void
tc_http_refuse (SoupServerMessage *msg,
                const GError      *error)
{
  g_autoptr(JsonNode) node = tc_json_error_new (error);
  g_autofree char *body = tc_json_to_string (node);
  guint status = error->domain == TC_ERROR ? tc_error_http_status (error->code) : 500;
  g_autoptr(GSocket) socket = NULL;
  Refusal *refusal;
  GIOStream *stream;

  /* Taken first: stealing may free @msg. */
  if (soup_server_message_get_socket (msg) != NULL)
    socket = g_object_ref (soup_server_message_get_socket (msg));
  stream = soup_server_message_steal_connection (msg);
  if (stream == NULL)
    return;

  refusal = g_new0 (Refusal, 1);
  refusal->stream = stream;
  refusal->socket = g_steal_pointer (&socket);
  refusal->cancellable = g_cancellable_new ();
  refusal->answer = g_strdup_printf ("HTTP/1.1 %u %s\r\n"
                                     "Content-Type: application/json\r\n"
                                     "Content-Length: %zu\r\n"
                                     "Cache-Control: no-store\r\n"
                                     "Connection: close\r\n"
                                     "\r\n%s",
                                     status, soup_status_get_phrase (status), strlen (body), body);
  refusal->answer_len = strlen (refusal->answer);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (stream), refusal->answer,
                                   refusal->answer_len, G_PRIORITY_DEFAULT, refusal->cancellable,
                                   written_cb, refusal);
}
