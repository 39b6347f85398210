/* tc-file-response.c: stream part of a file as an HTTP answer */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "tc-file-response.h"
#include "tc-worker.h"

#define CHUNK_SIZE (256 * 1024)

typedef struct {
  gint               ref_count;
  SoupServerMessage *msg;
  int                fd;
  goffset            offset;      /* of the next read */
  goffset            remaining;   /* bytes not read yet */
  gboolean           reading;
  gboolean           finished;    /* libsoup is done with msg */
  gulong             wrote_chunk_id;
  gulong             finished_id;
  /* the last read, from the worker to the main loop */
  GBytes            *chunk;
  int                read_errno;
} FileResponse;

static FileResponse *
file_response_ref (FileResponse *self)
{
  g_atomic_int_inc (&self->ref_count);
  return self;
}

static void
file_response_unref (FileResponse *self)
{
  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_clear_pointer (&self->chunk, g_bytes_unref);
  if (self->fd >= 0)
    close (self->fd);
  g_object_unref (self->msg);
  g_free (self);
}

/* Worker thread. */
static void
read_work (gpointer data)
{
  FileResponse *self = data;
  gsize want = (gsize) MIN (self->remaining, CHUNK_SIZE);
  guint8 *buffer = g_malloc (want);
  gsize got = 0;

  while (got < want)
    {
      gssize n = pread (self->fd, buffer + got, want - got, self->offset + (goffset) got);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          self->read_errno = n < 0 ? errno : 0;
          break;
        }
      got += (gsize) n;
    }
  if (got < want)
    {
      g_free (buffer);
      return;
    }
  self->chunk = g_bytes_new_take (buffer, want);
}

static void
abort_connection (FileResponse *self)
{
  GSocket *socket = soup_server_message_get_socket (self->msg);

  if (socket != NULL)
    g_socket_close (socket, NULL);
}

/* Main loop. */
static void
read_done (gpointer data)
{
  FileResponse *self = data;
  g_autoptr(GBytes) chunk = g_steal_pointer (&self->chunk);

  self->reading = FALSE;
  if (!self->finished)
    {
      SoupMessageBody *body = soup_server_message_get_response_body (self->msg);

      if (chunk == NULL)
        {
          g_warning ("A media file ended early or could not be read: %s",
                     self->read_errno != 0 ? g_strerror (self->read_errno) : "end of file");
          abort_connection (self);
        }
      else
        {
          self->offset += (goffset) g_bytes_get_size (chunk);
          self->remaining -= (goffset) g_bytes_get_size (chunk);
          soup_message_body_append_bytes (body, chunk);
          if (self->remaining == 0)
            soup_message_body_complete (body);
          soup_server_message_unpause (self->msg);
        }
    }
  file_response_unref (self);
}

static void
read_next (FileResponse *self)
{
  if (self->reading || self->finished || self->remaining == 0)
    return;
  self->reading = TRUE;
  tc_worker_run (read_work, read_done, file_response_ref (self));
}

static void
on_wrote_chunk_cb (SoupServerMessage *msg,
                   FileResponse      *self)
{
  read_next (self);
}

static void
on_finished_cb (SoupServerMessage *msg,
                FileResponse      *self)
{
  if (self->finished)
    return;
  self->finished = TRUE;
  g_clear_signal_handler (&self->wrote_chunk_id, msg);
  g_clear_signal_handler (&self->finished_id, msg);
  file_response_unref (self);
}

void
tc_file_response_start (SoupServerMessage *msg,
                        int                fd,
                        goffset            offset,
                        goffset            length)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  FileResponse *self;

  g_return_if_fail (SOUP_IS_SERVER_MESSAGE (msg));
  g_return_if_fail (fd >= 0 && offset >= 0 && length >= 0);

  soup_message_headers_set_content_length (headers, length);
  /* Chunks are dropped once written: memory stays at about one chunk. */
  soup_message_body_set_accumulate (body, FALSE);
  if (length == 0)
    {
      close (fd);
      soup_message_body_complete (body);
      return;
    }

  self = g_new0 (FileResponse, 1);
  self->ref_count = 1;   /* held until libsoup is finished with msg */
  self->msg = g_object_ref (msg);
  self->fd = fd;
  self->offset = offset;
  self->remaining = length;
  self->wrote_chunk_id = g_signal_connect (msg, "wrote-chunk", G_CALLBACK (on_wrote_chunk_cb), self);
  self->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (on_finished_cb), self);
  read_next (self);
}
