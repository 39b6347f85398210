/* tc-test-raw-ws.c: a WebSocket client on a plain socket */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "tc-test-raw-ws.h"

#define GUARD_SECONDS 20

struct _TcRawWs
{
  int      fd;
  GString *buffer;   /* read, not taken yet */
  gboolean eof;
};

static void
write_all (int         fd,
           const void *data,
           gsize       len,
           gboolean   *ok)
{
  const guint8 *p = data;

  while (len > 0 && *ok)
    {
      ssize_t n = send (fd, p, len, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          *ok = FALSE;
          return;
        }
      p += n;
      len -= (gsize) n;
    }
}

/* More bytes into the buffer; FALSE at the end of the connection. */
static gboolean
fill (TcRawWs *self)
{
  char chunk[16384];
  ssize_t n;

  if (self->eof)
    return FALSE;
  do
    n = recv (self->fd, chunk, sizeof chunk, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
    g_error ("raw WebSocket: nothing from the server within %d s", GUARD_SECONDS);
  if (n <= 0)
    {
      self->eof = TRUE;
      return FALSE;
    }
  g_string_append_len (self->buffer, chunk, n);
  return TRUE;
}

static gboolean
need (TcRawWs *self,
      gsize    len)
{
  while (self->buffer->len < len)
    if (!fill (self))
      return FALSE;
  return TRUE;
}

TcRawWs *
tc_raw_ws_connect (TcTestServer  *server,
                   const char    *token,
                   const char    *origin,
                   const char    *extensions,
                   int            rcvbuf,
                   guint         *out_status,
                   char         **out_head)
{
  g_autoptr(GUri) uri = g_uri_parse (tc_test_server_get_base_url (server), G_URI_FLAGS_NONE, NULL);
  g_autoptr(GString) request = g_string_new (NULL);
  struct sockaddr_in address = { 0 };
  struct timeval guard = { GUARD_SECONDS, 0 };
  TcRawWs *self = g_new0 (TcRawWs, 1);
  const char *end;
  gboolean ok = TRUE;
  guint status;

  self->buffer = g_string_new (NULL);
  self->fd = socket (AF_INET, SOCK_STREAM, 0);
  g_assert_cmpint (self->fd, >=, 0);
  if (rcvbuf > 0)
    g_assert_cmpint (setsockopt (self->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf), ==, 0);
  g_assert_cmpint (setsockopt (self->fd, SOL_SOCKET, SO_RCVTIMEO, &guard, sizeof guard), ==, 0);
  address.sin_family = AF_INET;
  address.sin_port = htons ((guint16) g_uri_get_port (uri));
  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (connect (self->fd, (struct sockaddr *) &address, sizeof address), ==, 0);

  g_string_append_printf (request, "GET /api/v1/ws HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                          "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                          "Sec-WebSocket-Version: 13\r\n", g_uri_get_port (uri));
  if (token != NULL)
    g_string_append_printf (request, "Authorization: Bearer %s\r\n", token);
  if (origin != NULL)
    g_string_append_printf (request, "Origin: %s\r\n", origin);
  if (extensions != NULL)
    g_string_append_printf (request, "Sec-WebSocket-Extensions: %s\r\n", extensions);
  g_string_append (request, "\r\n");
  write_all (self->fd, request->str, request->len, &ok);
  g_assert_true (ok);

  while ((end = strstr (self->buffer->str, "\r\n\r\n")) == NULL)
    if (!fill (self))
      g_error ("raw WebSocket: the connection ended before the answer's head");
  g_assert_true (g_str_has_prefix (self->buffer->str, "HTTP/1.1 "));
  status = (guint) g_ascii_strtoull (self->buffer->str + strlen ("HTTP/1.1 "), NULL, 10);
  if (out_status != NULL)
    *out_status = status;
  if (out_head != NULL)
    *out_head = g_strndup (self->buffer->str, end - self->buffer->str);
  g_string_erase (self->buffer, 0, end + 4 - self->buffer->str);
  if (status != 101)
    {
      tc_raw_ws_free (self);
      return NULL;
    }
  return self;
}

void
tc_raw_ws_free (TcRawWs *self)
{
  if (self == NULL)
    return;
  close (self->fd);
  g_string_free (self->buffer, TRUE);
  g_free (self);
}

gboolean
tc_raw_ws_send_frame (TcRawWs    *self,
                      guint8      first_byte,
                      const void *payload,
                      gsize       len)
{
  guint8 header[14];
  gsize header_len = 2;
  const guint8 mask[4] = { 0x12, 0x34, 0x56, 0x78 };
  g_autofree guint8 *masked = g_malloc (len + 1);
  gboolean ok = TRUE;

  header[0] = first_byte;
  if (len < 126)
    header[1] = 0x80 | (guint8) len;
  else if (len <= G_MAXUINT16)
    {
      header[1] = 0x80 | 126;
      header[2] = (guint8) (len >> 8);
      header[3] = (guint8) len;
      header_len = 4;
    }
  else
    {
      header[1] = 0x80 | 127;
      for (guint i = 0; i < 8; i++)
        header[2 + i] = (guint8) ((guint64) len >> (56 - 8 * i));
      header_len = 10;
    }
  memcpy (header + header_len, mask, 4);
  header_len += 4;
  for (gsize i = 0; i < len; i++)
    masked[i] = ((const guint8 *) payload)[i] ^ mask[i % 4];
  write_all (self->fd, header, header_len, &ok);
  write_all (self->fd, masked, len, &ok);
  return ok;
}

gboolean
tc_raw_ws_send_text (TcRawWs    *self,
                     const char *text)
{
  return tc_raw_ws_send_frame (self, TC_RAW_WS_FIN | TC_RAW_WS_TEXT, text, strlen (text));
}

int
tc_raw_ws_read_frame (TcRawWs  *self,
                      GBytes  **out_payload)
{
  const guint8 *p;
  guint64 len;
  gsize header_len = 2;
  int opcode;

  if (!need (self, 2))
    return -1;
  p = (const guint8 *) self->buffer->str;
  g_assert_cmpint (p[1] & 0x80, ==, 0);   /* servers do not mask */
  len = p[1] & 0x7f;
  if (len == 126)
    header_len = 4;
  else if (len == 127)
    header_len = 10;
  if (!need (self, header_len))
    return -1;
  p = (const guint8 *) self->buffer->str;
  if (len == 126)
    len = ((guint64) p[2] << 8) | p[3];
  else if (len == 127)
    {
      len = 0;
      for (guint i = 0; i < 8; i++)
        len = (len << 8) | p[2 + i];
    }
  if (!need (self, header_len + len))
    return -1;
  p = (const guint8 *) self->buffer->str;
  opcode = p[0] & 0x0f;
  if (out_payload != NULL)
    *out_payload = g_bytes_new (p + header_len, len);
  if (opcode == TC_RAW_WS_PING)
    {
      g_autofree guint8 *copy = g_memdup2 (p + header_len, len);

      g_string_erase (self->buffer, 0, header_len + len);
      tc_raw_ws_send_frame (self, TC_RAW_WS_FIN | TC_RAW_WS_PONG, copy, len);
      return opcode;
    }
  g_string_erase (self->buffer, 0, header_len + len);
  return opcode;
}

JsonNode *
tc_raw_ws_read_json (TcRawWs *self)
{
  for (;;)
    {
      g_autoptr(GBytes) payload = NULL;
      g_autoptr(JsonParser) parser = json_parser_new ();
      int opcode = tc_raw_ws_read_frame (self, &payload);
      gsize len;
      const char *data;

      if (opcode < 0 || opcode == TC_RAW_WS_CLOSE)
        return NULL;
      if (opcode != TC_RAW_WS_TEXT)
        continue;
      data = g_bytes_get_data (payload, &len);
      g_assert_true (json_parser_load_from_data (parser, data, (gssize) len, NULL));
      return json_node_copy (json_parser_get_root (parser));
    }
}

gushort
tc_raw_ws_wait_close (TcRawWs *self)
{
  for (;;)
    {
      g_autoptr(GBytes) payload = NULL;
      int opcode = tc_raw_ws_read_frame (self, &payload);

      if (opcode < 0)
        return 0;
      if (opcode == TC_RAW_WS_CLOSE)
        {
          gsize len;
          const guint8 *p = g_bytes_get_data (payload, &len);

          return len >= 2 ? (gushort) ((p[0] << 8) | p[1]) : 1005;
        }
    }
}

int
tc_raw_ws_get_fd (TcRawWs *self)
{
  return self->fd;
}
