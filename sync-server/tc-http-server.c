/* tc-http-server.c: the JSON HTTP API and the WebSocket endpoint
 *
 * Requests are routed on the main loop, then paused while a worker thread
 * authenticates them and runs their handler; the main loop only parses,
 * routes and writes answers, so one slow request never holds up another.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "tc-api-private.h"
#include "tc-error.h"
#include "tc-event.h"
#include "tc-file-response.h"
#include "tc-http-refusal.h"
#include "tc-http-server.h"
#include "tc-json.h"
#include "tc-password.h"
#include "tc-session-cache.h"
#include "tc-worker.h"

#define API_PREFIX          "/api/v1/"
#define HOOKS_PREFIX        "/hooks/"
/* A reply by email may carry a photo or two. */
#define HOOK_MAX_BYTES      (10 * 1024 * 1024)
#define WS_PATH             "/api/v1/ws"
/* The kernel's send buffer of each WebSocket (it doubles the value):
 * without it, Linux grows it up to net.ipv4.tcp_wmem's maximum (4 MiB),
 * all held for a client that does not read, beyond [websocket]
 * max_queued_bytes. Events are small; this is plenty. */
#define WS_SEND_BUFFER      (64 * 1024)
#define WORKER_THREADS      32
/* Connections the kernel holds until they are accepted (capped by
 * net.core.somaxconn). */
#define LISTEN_BACKLOG      1024
/* Authenticated tokens are remembered this long; logout on this server
 * forgets them at once, a session ended elsewhere at the next check
 * ([server] session_check_seconds). */
#define SESSION_CACHE_USEC  (60 * G_USEC_PER_SEC)

typedef struct {
  const char   *method;
  const char   *pattern;    /* segments after /api/v1/, "*" captures one */
  gboolean      needs_auth;
  TcApiHandler  handler;
  /* Optional: runs on the main loop instead, when the token is in the
   * session cache (so no worker thread is needed to authenticate). */
  TcApiAsyncHandler async_handler;
} Route;

static const Route routes[] = {
  { "POST",   "session",                  FALSE, tc_api_session_create },
  { "DELETE", "session",                  TRUE,  tc_api_session_delete },
  { "GET",    "me",                       TRUE,  tc_api_me },
  { "PATCH",  "me/preferences",           TRUE,  tc_api_me_preferences },
  { "GET",    "team",                     TRUE,  tc_api_team },
  { "GET",    "team/*",                   TRUE,  tc_api_team_member },
  { "POST",   "messages",                 TRUE,  tc_api_messages_send, tc_api_messages_send_async },
  { "GET",    "conversations/*/messages", TRUE,  tc_api_conversation },
  { "POST",   "read",                     TRUE,  tc_api_read },
  { "POST",   "read-all",                 TRUE,  tc_api_read_all },
  { "GET",    "sync",                     TRUE,  tc_api_sync },
  { "GET",    "health",                   FALSE, tc_api_health },
  { "GET",    "media/categories",           TRUE,  tc_api_media_categories },
  { "GET",    "media/folders/*",            TRUE,  tc_api_media_folder },
  { "GET",    "media/search",               TRUE,  tc_api_media_search },
  { "GET",    "media/resources/*/content",  TRUE,  tc_api_media_content },
  { "GET",    "media/resources/*/thumbnail", TRUE, tc_api_media_thumbnail },
};

/* Outside /api/v1/: for load balancers. */
static const Route root_routes[] = {
  { "GET",    "healthz",                  FALSE, tc_api_healthz },
};

/* Under /hooks/: signed by the provider, not by a session. */
static const Route hook_routes[] = {
  { "POST",   "email",                    FALSE, tc_api_hook_email },
  { "POST",   "sms",                      FALSE, tc_api_hook_sms },
};

struct _TcHttpServer
{
  GObject         parent_instance;

  SoupServer     *soup;
  TcApiContext    ctx;
  guint           expire_source;
  guint           session_check_source;
  gboolean        checking_sessions;
  TcSessionCache *session_cache;
};

G_DEFINE_FINAL_TYPE (TcHttpServer, tc_http_server, G_TYPE_OBJECT)

typedef struct {
  TcHttpServer      *server;
  SoupServerMessage *msg;
  const Route       *route;
  TcApiRequest       request;
  gint64             started;
  gboolean           disconnected;
  gulong             disconnected_id;
  char              *json_text;       /* the answer, made on the worker */
} Pending;

/* --- sessions --------------------------------------------------------------------- */

/* Blocking: the store may be asked. */
static char *
authenticate (TcHttpServer  *self,
              const guint8  *hash,
              GError       **error)
{
  char *id = tc_session_cache_lookup (self->session_cache, hash);

  if (id != NULL)
    return id;
  id = tc_store_lookup_session (self->ctx.store, hash, error);
  if (id != NULL)
    tc_session_cache_insert (self->session_cache, hash, id);
  return id;
}

/* A check of the sessions in use: the tokens remembered and those of open
 * WebSockets, against the store, which another process (revoke-sessions,
 * import-associates) or server (a cluster) may have changed. */
typedef struct {
  TcHttpServer *server;
  GByteArray   *hashes;   /* TC_TOKEN_HASH_LEN bytes each */
  gboolean     *ended;
  gboolean      ok;
} SessionCheck;

static void
session_check_work (gpointer data)
{
  SessionCheck *check = data;
  guint n = check->hashes->len / TC_TOKEN_HASH_LEN;
  g_autoptr(GError) error = NULL;

  check->ended = g_new0 (gboolean, n);
  check->ok = tc_store_find_ended_sessions (check->server->ctx.store, check->hashes->data, n,
                                            check->ended, &error);
  if (!check->ok)
    g_warning ("Could not check the sessions in use: %s", error->message);
}

static void
session_check_done (gpointer data)
{
  SessionCheck *check = data;
  TcHttpServer *self = check->server;
  guint n = check->hashes->len / TC_TOKEN_HASH_LEN;

  for (guint i = 0; check->ok && i < n; i++)
    if (check->ended[i])
      {
        const guint8 *hash = check->hashes->data + (gsize) i * TC_TOKEN_HASH_LEN;
        guint closed;

        tc_session_cache_remove (self->session_cache, hash);
        closed = tc_hub_close_token (self->ctx.hub, hash, TC_WS_CLOSE_SESSION_ENDED);
        if (closed > 0)
          g_message ("Closed %u WebSocket%s of a session that ended", closed, closed == 1 ? "" : "s");
      }
  self->checking_sessions = FALSE;
  g_byte_array_unref (check->hashes);
  g_free (check->ended);
  g_object_unref (check->server);
  g_free (check);
}

static int
compare_token_hashes (gconstpointer a,
                      gconstpointer b)
{
  return memcmp (a, b, TC_TOKEN_HASH_LEN);
}

/* Sorts @hashes (TC_TOKEN_HASH_LEN bytes each) and drops repeats: a token
 * in use over HTTP and a WebSocket, or on several WebSockets, is asked for
 * once. */
static void
unique_token_hashes (GByteArray *hashes)
{
  guint n = hashes->len / TC_TOKEN_HASH_LEN;
  guint kept = 0;

  qsort (hashes->data, n, TC_TOKEN_HASH_LEN, compare_token_hashes);
  for (guint i = 0; i < n; i++)
    {
      guint8 *hash = hashes->data + (gsize) i * TC_TOKEN_HASH_LEN;

      if (kept > 0 && memcmp (hash, hashes->data + (gsize) (kept - 1) * TC_TOKEN_HASH_LEN,
                              TC_TOKEN_HASH_LEN) == 0)
        continue;
      if (kept != i)
        memcpy (hashes->data + (gsize) kept * TC_TOKEN_HASH_LEN, hash, TC_TOKEN_HASH_LEN);
      kept++;
    }
  g_byte_array_set_size (hashes, kept * TC_TOKEN_HASH_LEN);
}

static gboolean
session_check_cb (gpointer user_data)
{
  TcHttpServer *self = user_data;
  SessionCheck *check;

  if (self->checking_sessions)
    return G_SOURCE_CONTINUE;   /* a slow database: the next tick tries again */
  check = g_new0 (SessionCheck, 1);
  check->hashes = g_byte_array_new ();
  tc_session_cache_append_hashes (self->session_cache, check->hashes);
  tc_hub_append_token_hashes (self->ctx.hub, check->hashes);
  unique_token_hashes (check->hashes);
  if (check->hashes->len == 0)
    {
      g_byte_array_unref (check->hashes);
      g_free (check);
      return G_SOURCE_CONTINUE;
    }
  check->server = g_object_ref (self);
  self->checking_sessions = TRUE;
  tc_worker_run (session_check_work, session_check_done, check);
  return G_SOURCE_CONTINUE;
}

/* "Authorization: Bearer TOKEN" → hash; FALSE when there is none. */
static gboolean
bearer_token_hash (SoupServerMessage *msg,
                   guint8            *out_hash)
{
  const char *header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "Authorization");
  g_autofree char *token = NULL;

  if (header == NULL || g_ascii_strncasecmp (header, "Bearer ", 7) != 0)
    return FALSE;
  token = g_strstrip (g_strdup (header + 7));
  if (*token == '\0')
    return FALSE;
  tc_token_hash (token, out_hash);
  return TRUE;
}

/* --- answers ---------------------------------------------------------------------- */

/* @text: (transfer full) (nullable): the JSON body */
static void
set_json_text_response (SoupServerMessage *msg,
                        guint              status,
                        char              *text)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  /* libsoup 3.2 has no reason phrase for 429. */
  soup_server_message_set_status (msg, status, status == 429 ? "Too Many Requests" : NULL);
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  if (text != NULL)
    soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text,
                                      strlen (text));
}

static void
set_json_response (SoupServerMessage *msg,
                   guint              status,
                   JsonNode          *node)
{
  set_json_text_response (msg, status, node != NULL ? tc_json_to_string (node) : NULL);
}

static void
set_error_response (SoupServerMessage *msg,
                    const GError      *error,
                    guint              retry_after)
{
  g_autoptr(JsonNode) node = NULL;
  guint status = error->domain == TC_ERROR ? tc_error_http_status (error->code) : 500;

  if (status >= 500)
    g_warning ("Request failed: %s", error->message);
  if (error->domain != TC_ERROR || error->code == TC_ERROR_INTERNAL)
    {
      /* Internal details are for the log, not for clients. */
      g_autoptr(GError) generic = g_error_new (TC_ERROR, TC_ERROR_INTERNAL,
                                               "internal server error");
      node = tc_json_error_new (generic);
    }
  else
    node = tc_json_error_new (error);
  if (status == 429 && retry_after > 0)
    {
      g_autofree char *value = g_strdup_printf ("%u", retry_after);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After",
                                    value);
    }
  if (status == SOUP_STATUS_UNAUTHORIZED)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                  "WWW-Authenticate", "Bearer");
  set_json_response (msg, status, node);
}

static void
fail (SoupServerMessage *msg,
      TcErrorCode        code,
      const char        *message)
{
  g_autoptr(GError) error = g_error_new_literal (TC_ERROR, code, message);

  set_error_response (msg, error, 0);
}

/* Media content and thumbnails: a file streamed from disk, or bytes. */
static void
set_raw_response (SoupServerMessage *msg,
                  TcApiRequest      *request)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_server_message_set_status (msg, request->status, NULL);
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  if (request->status == SOUP_STATUS_NOT_MODIFIED)
    return;
  if (request->body_fd >= 0)
    {
      soup_message_headers_replace (headers, "Content-Type", request->content_type);
      tc_file_response_start (msg, request->body_fd, request->body_offset, request->body_length);
      request->body_fd = -1;
    }
  else
    {
      g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
      GBytes *body = request->raw_body != NULL ? request->raw_body : empty;

      soup_server_message_set_response (msg, request->content_type, SOUP_MEMORY_COPY,
                                        g_bytes_get_data (body, NULL), g_bytes_get_size (body));
    }
}

static void
copy_header_cb (const char *name,
                const char *value,
                gpointer    user_data)
{
  soup_message_headers_replace (user_data, name, value);
}

/* --- request life cycle -------------------------------------------------------------- */

static void
pending_free (Pending *pending)
{
  TcApiRequest *request = &pending->request;

  g_clear_pointer (&request->path_arg, g_free);
  g_clear_pointer (&request->query, g_hash_table_unref);
  g_clear_pointer (&request->body, g_bytes_unref);
  g_clear_pointer (&request->request_headers, soup_message_headers_unref);
  g_clear_pointer (&request->response_headers, soup_message_headers_unref);
  g_clear_pointer (&request->content_type, g_free);
  g_clear_pointer (&request->raw_body, g_bytes_unref);
  if (request->body_fd >= 0)
    close (request->body_fd);
  g_clear_pointer (&request->remote_address, g_free);
  g_clear_pointer (&request->headers, soup_message_headers_unref);
  g_clear_pointer (&request->url, g_free);
  g_clear_pointer (&request->response_type, g_free);
  g_clear_pointer (&request->response_text, g_free);
  g_clear_pointer (&request->associate_id, g_free);
  g_clear_pointer (&request->response, json_node_unref);
  g_clear_pointer (&request->json_text, g_free);
  g_clear_error (&request->error);
  g_free (pending->json_text);
  g_clear_signal_handler (&pending->disconnected_id, pending->msg);
  g_object_unref (pending->msg);
  g_object_unref (pending->server);
  g_free (pending);
}

static void
request_work (gpointer data)
{
  Pending *pending = data;
  TcApiRequest *request = &pending->request;

  if (pending->route->needs_auth)
    {
      request->associate_id = authenticate (pending->server, request->token_hash, &request->error);
      if (request->associate_id == NULL)
        return;
    }
  pending->route->handler (request);

  /* Turn the answer into text here, and free its tree here: for a sync
   * page that is most of the work, and the main loop has other clients. */
  if (request->error == NULL && request->response != NULL)
    {
      pending->json_text = tc_json_to_string (request->response);
      g_clear_pointer (&request->response, json_node_unref);
    }
}

static void
request_done (gpointer data)
{
  Pending *pending = data;
  TcApiRequest *request = &pending->request;
  guint status;

  if (request->revoke_token)
    {
      tc_session_cache_remove (pending->server->session_cache, request->token_hash);
      tc_hub_close_token (pending->server->ctx.hub, request->token_hash,
                          TC_WS_CLOSE_LOGGED_OUT);
    }

  if (!pending->disconnected)
    {
      if (request->error != NULL)
        set_error_response (pending->msg, request->error, request->retry_after);
      else if (request->content_type != NULL)
        set_raw_response (pending->msg, request);
      else if (request->response_text != NULL)
        {
          soup_server_message_set_status (pending->msg, request->status, NULL);
          soup_server_message_set_response (pending->msg, request->response_type,
                                            SOUP_MEMORY_COPY, request->response_text,
                                            strlen (request->response_text));
        }
      else if (request->json_text != NULL)
        set_json_text_response (pending->msg, request->status, g_steal_pointer (&request->json_text));
      else if (pending->json_text != NULL)
        set_json_text_response (pending->msg, request->status, g_steal_pointer (&pending->json_text));
      else
        set_json_response (pending->msg, request->status, request->response);
      if (request->response_headers != NULL)
        soup_message_headers_foreach (request->response_headers, copy_header_cb,
                                      soup_server_message_get_response_headers (pending->msg));
      soup_server_message_unpause (pending->msg);
    }

  /* Paths and statuses only: never bodies, tokens or query strings. Not
   * even formatted unless debug output is on: this runs for every request. */
  if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    {
      status = soup_server_message_get_status (pending->msg);
      g_debug ("%s %s → %u (%.1f ms)", pending->request.method,
               g_uri_get_path (soup_server_message_get_uri (pending->msg)), status,
               (g_get_monotonic_time () - pending->started) / 1000.0);
    }
  pending_free (pending);
}

static void
on_disconnected_cb (SoupServerMessage *msg,
                    Pending           *pending)
{
  pending->disconnected = TRUE;
}

static const char *
segment_end (const char *segment)
{
  while (*segment != '\0' && *segment != '/')
    segment++;
  return segment;
}

/* Matches @rest ("team/A1001") against the route's pattern segment by
 * segment; *out_arg gets the decoded "*" segment. */
static gboolean
route_matches (const Route  *route,
               const char   *rest,
               char        **out_arg)
{
  const char *want = route->pattern;
  const char *have = rest;
  g_autofree char *arg = NULL;

  for (;;)
    {
      const char *want_end = segment_end (want);
      const char *have_end = segment_end (have);
      gsize want_len = (gsize) (want_end - want);
      gsize have_len = (gsize) (have_end - have);

      if (want_len == 1 && *want == '*')
        {
          g_autofree char *segment = g_strndup (have, have_len);

          g_clear_pointer (&arg, g_free);
          arg = g_uri_unescape_string (segment, "/");
          if (arg == NULL || *arg == '\0' || !g_utf8_validate (arg, -1, NULL))
            return FALSE;
        }
      else if (want_len != have_len || memcmp (want, have, want_len) != 0)
        return FALSE;

      if (*want_end == '\0' || *have_end == '\0')
        {
          /* Both end here, or the segment counts differ. */
          if (*want_end != *have_end)
            return FALSE;
          break;
        }
      want = want_end + 1;
      have = have_end + 1;
    }
  *out_arg = g_steal_pointer (&arg);
  return TRUE;
}

/* "GET, POST" for the Allow header of a 405. */
static char *
allowed_methods (const Route *table,
                 guint        n_routes,
                 const char  *rest)
{
  g_autoptr(GString) allow = g_string_new (NULL);

  for (guint i = 0; i < n_routes; i++)
    {
      g_autofree char *arg = NULL;

      if (route_matches (&table[i], rest, &arg))
        g_string_append_printf (allow, "%s%s", allow->len ? ", " : "", table[i].method);
    }
  return g_string_free (g_steal_pointer (&allow), FALSE);
}

/* Percent-decoding can make any bytes; handlers and the store take text. */
static gboolean
query_is_utf8 (GHashTable *query)
{
  GHashTableIter iter;
  const char *key;
  const char *value;

  g_hash_table_iter_init (&iter, query);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &value))
    if (!g_utf8_validate (key, -1, NULL) || (value != NULL && !g_utf8_validate (value, -1, NULL)))
      return FALSE;
  return TRUE;
}

static void
api_handler (SoupServer        *soup,
             SoupServerMessage *msg,
             const char        *path,
             GHashTable        *query,
             gpointer           user_data)
{
  TcHttpServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  const Route *route = NULL;
  const Route *table = routes;
  guint n_routes = G_N_ELEMENTS (routes);
  const char *rest;
  gboolean path_known = FALSE;
  g_autofree char *arg = NULL;
  SoupMessageBody *body;
  Pending *pending;
  goffset max_bytes = TC_REQUEST_MAX_BYTES;

  if (g_str_has_prefix (path, API_PREFIX))
    rest = path + strlen (API_PREFIX);
  else if (g_str_has_prefix (path, HOOKS_PREFIX))
    {
      rest = path + strlen (HOOKS_PREFIX);
      table = hook_routes;
      n_routes = G_N_ELEMENTS (hook_routes);
      max_bytes = g_str_equal (rest, "email") ? HOOK_MAX_BYTES : TC_REQUEST_MAX_BYTES;
    }
  else if (g_str_equal (path, "/healthz"))
    {
      rest = path + 1;
      table = root_routes;
      n_routes = G_N_ELEMENTS (root_routes);
    }
  else
    {
      fail (msg, TC_ERROR_NOT_FOUND, "no such endpoint");
      return;
    }
  for (guint i = 0; i < n_routes; i++)
    {
      g_autofree char *candidate = NULL;

      if (!route_matches (&table[i], rest, &candidate))
        continue;
      path_known = TRUE;
      if (g_str_equal (table[i].method, method))
        {
          route = &table[i];
          g_free (arg);
          arg = g_steal_pointer (&candidate);
          break;
        }
    }
  if (route == NULL)
    {
      if (path_known)
        {
          g_autofree char *allow = allowed_methods (table, n_routes, rest);

          soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow",
                                        allow);
          fail (msg, TC_ERROR_METHOD, "method not allowed on this endpoint");
        }
      else
        fail (msg, TC_ERROR_NOT_FOUND, "no such endpoint");
      return;
    }

  if (query != NULL && !query_is_utf8 (query))
    {
      fail (msg, TC_ERROR_INVALID, "the query string is not valid UTF-8");
      return;
    }

  body = soup_server_message_get_request_body (msg);
  if (body->length > max_bytes)
    {
      fail (msg, TC_ERROR_TOO_LARGE, max_bytes == TC_REQUEST_MAX_BYTES
                                       ? "the request is larger than 64 KiB"
                                       : "the request is larger than 10 MiB");
      return;
    }

  pending = g_new0 (Pending, 1);
  pending->server = g_object_ref (self);
  pending->msg = g_object_ref (msg);
  pending->route = route;
  pending->started = g_get_monotonic_time ();
  pending->request.ctx = &self->ctx;
  pending->request.method = route->method;
  pending->request.path_arg = g_steal_pointer (&arg);
  pending->request.query = query ? g_hash_table_ref (query) : NULL;
  pending->request.body = soup_message_body_flatten (body);
  pending->request.request_headers =
    soup_message_headers_ref (soup_server_message_get_request_headers (msg));
  pending->request.body_fd = -1;
  pending->request.remote_address = g_strdup (soup_server_message_get_remote_host (msg));
  pending->request.headers = soup_message_headers_ref (soup_server_message_get_request_headers (msg));
  if (table == hook_routes)
    pending->request.url = g_uri_to_string (soup_server_message_get_uri (msg));
  pending->request.has_token = bearer_token_hash (msg, pending->request.token_hash);

  if (route->needs_auth && !pending->request.has_token)
    {
      fail (msg, TC_ERROR_UNAUTHORIZED, "this endpoint needs “Authorization: Bearer TOKEN”");
      pending_free (pending);
      return;
    }

  pending->disconnected_id = g_signal_connect (msg, "disconnected",
                                               G_CALLBACK (on_disconnected_cb), pending);
  soup_server_message_pause (msg);

  /* A known token needs no store read: such a request may be handled
   * without a worker thread when its route can. */
  if (route->async_handler != NULL && pending->request.has_token)
    pending->request.associate_id = tc_session_cache_lookup (self->session_cache,
                                                             pending->request.token_hash);
  if (pending->request.associate_id != NULL)
    route->async_handler (&pending->request, request_done, pending);
  else
    tc_worker_run (request_work, request_done, pending);
}

/* Refuses what must not be read at all, before the body arrives: bodies
 * over the limit, and bodies whose end is unknown or disputed (RFC 9112
 * §6.1, request smuggling). Only one plain decimal Content-Length up to the
 * limit is let through; tc_http_refuse() closes the connection. */
static void
early_handler (SoupServer        *soup,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *length_text = soup_message_headers_get_list (headers, "Content-Length");
  guint64 max_bytes = g_str_has_prefix (path, HOOKS_PREFIX "email") ? HOOK_MAX_BYTES
                                                                   : TC_REQUEST_MAX_BYTES;
  g_autoptr(GError) error = NULL;
  guint64 length = 0;

  if (soup_message_headers_get_list (headers, "Transfer-Encoding") != NULL)
    error = g_error_new (TC_ERROR, TC_ERROR_TOO_LARGE, "requests need a Content-Length");
  else if (length_text != NULL &&
           !g_ascii_string_to_unsigned (length_text, 10, 0, G_MAXINT64, &length, NULL))
    error = g_error_new (TC_ERROR, TC_ERROR_INVALID,
                         "the Content-Length header is not one decimal number");
  else if (length > max_bytes)
    error = g_error_new (TC_ERROR, TC_ERROR_TOO_LARGE,
                         max_bytes == TC_REQUEST_MAX_BYTES
                           ? "the request is larger than 64 KiB"
                           : "the request is larger than 10 MiB");
  if (error != NULL)
    tc_http_refuse (msg, error);
}

/* --- WebSocket ------------------------------------------------------------------------ */

/* After the 101 answer is written: the connection becomes a WebSocket on a
 * TcWsStream, which limits what the client sends and measures what waits
 * for it. */
static void
ws_upgraded_cb (SoupServerMessage *msg,
                gpointer           user_data)
{
  TcHttpServer *self = user_data;
  const char *associate_id = g_object_get_data (G_OBJECT (msg), "tc-associate-id");
  const guint8 *hash = g_object_get_data (G_OBJECT (msg), "tc-token-hash");
  const char *origin = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "Origin");
  g_autoptr(GIOStream) base = NULL;
  g_autoptr(TcWsStream) stream = NULL;
  g_autoptr(SoupWebsocketConnection) ws = NULL;

  g_signal_handlers_disconnect_by_func (msg, ws_upgraded_cb, user_data);
  if (soup_server_message_get_socket (msg) != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!g_socket_set_option (soup_server_message_get_socket (msg), SOL_SOCKET, SO_SNDBUF,
                                WS_SEND_BUFFER, &error))
        g_debug ("Could not set a WebSocket's send buffer: %s", error->message);
    }
  base = soup_server_message_steal_connection (msg);
  if (base == NULL)
    return;
  stream = tc_ws_stream_new (base, TC_HUB_MAX_MESSAGE_BYTES);
  ws = soup_websocket_connection_new (G_IO_STREAM (stream), soup_server_message_get_uri (msg),
                                      SOUP_WEBSOCKET_CONNECTION_SERVER, origin, NULL, NULL);
  g_debug ("WebSocket of %s opened", associate_id);
  tc_hub_add_connection (self->ctx.hub, ws, stream, associate_id, hash);
}

/* GET /api/v1/ws: checks the Origin, the token and the per-associate cap,
 * then answers the handshake itself (without permessage-deflate: frames
 * are small, and a compressed frame could inflate a thousandfold past the
 * size limit). */
static void
ws_handler (SoupServer        *soup,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  TcHttpServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *origin = soup_message_headers_get_one (headers, "Origin");
  guint max_connections = tc_config_get_ws_max_connections_per_associate (self->ctx.config);
  guint8 hash[TC_TOKEN_HASH_LEN];
  g_autoptr(GError) error = NULL;
  g_autofree char *associate_id = NULL;

  /* A browser page of another site must not use a visitor's session
   * (cross-site WebSocket hijacking); the desktop app sends no Origin. */
  if (origin != NULL && !tc_config_origin_is_allowed (self->ctx.config, origin))
    {
      g_autofree char *shown = g_strescape (origin, NULL);   /* no control characters in the log */

      g_message ("WebSocket from origin “%.200s” refused", shown);
      fail (msg, TC_ERROR_FORBIDDEN, "WebSockets from this origin are not allowed");
      return;
    }
  if (!bearer_token_hash (msg, hash))
    {
      fail (msg, TC_ERROR_UNAUTHORIZED, "the WebSocket needs “Authorization: Bearer TOKEN”");
      return;
    }
  /* libsoup completes the handshake right after this handler, so it cannot
   * be paused: known tokens come from the cache, others cost one indexed
   * read here. */
  associate_id = authenticate (self, hash, &error);
  if (associate_id == NULL)
    {
      set_error_response (msg, error, 0);
      return;
    }
  if (max_connections > 0 && tc_hub_count_connections (self->ctx.hub, associate_id) >= max_connections)
    {
      g_autoptr(GError) busy = g_error_new (TC_ERROR, TC_ERROR_RATE_LIMITED,
                                            "too many live connections for this associate "
                                            "(at most %u); close one first", max_connections);

      g_message ("WebSocket of %s refused: %u already open", associate_id, max_connections);
      set_error_response (msg, busy, 30);
      return;
    }
  if (!soup_websocket_server_process_handshake (msg, NULL, NULL, NULL, NULL))
    return;   /* libsoup has set the error answer */

  g_object_set_data_full (G_OBJECT (msg), "tc-associate-id", g_steal_pointer (&associate_id),
                          g_free);
  g_object_set_data_full (G_OBJECT (msg), "tc-token-hash", g_memdup2 (hash, sizeof hash), g_free);
  g_signal_connect_object (msg, "wrote-informational", G_CALLBACK (ws_upgraded_cb), self, 0);
}

static gboolean
allow_message_cb (const char *associate_id,
                  guint      *retry_after,
                  gpointer    user_data)
{
  TcHttpServer *self = user_data;
  gboolean allowed;

  g_mutex_lock (&self->ctx.limiter_mutex);
  allowed = tc_rate_limiter_check (self->ctx.messages, associate_id, g_get_monotonic_time (),
                                   retry_after);
  g_mutex_unlock (&self->ctx.limiter_mutex);
  return allowed;
}

static gboolean
expire_cb (gpointer user_data)
{
  TcHttpServer *self = user_data;
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&self->ctx.limiter_mutex);
  tc_rate_limiter_expire (self->ctx.login_by_name, now);
  tc_rate_limiter_expire (self->ctx.login_by_address, now);
  tc_rate_limiter_expire (self->ctx.messages, now);
  g_mutex_unlock (&self->ctx.limiter_mutex);

  tc_session_cache_expire (self->session_cache, now);
  return G_SOURCE_CONTINUE;
}

/* --- life cycle --------------------------------------------------------------------------- */

gboolean
tc_http_server_listen (TcHttpServer  *self,
                       char         **out_url,
                       GError       **error)
{
  TcConfig *config = self->ctx.config;
  const char *bind = tc_config_get_bind (config);
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSocket) listener = NULL;
  SoupServerListenOptions options = 0;
  GSList *uris;
  int port = 0;

  if (tc_config_get_tls_cert (config) != NULL)
    {
      g_autoptr(GTlsCertificate) certificate = NULL;

      certificate = g_tls_certificate_new_from_files (tc_config_get_tls_cert (config),
                                                      tc_config_get_tls_key (config), error);
      if (certificate == NULL)
        return FALSE;
      soup_server_set_tls_certificate (self->soup, certificate);
      options |= SOUP_SERVER_LISTEN_HTTPS;
    }

  address = g_inet_address_new_from_string (g_strcmp0 (bind, "localhost") == 0 ? "127.0.0.1"
                                                                                 : bind);
  if (address == NULL)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "“%s” is not an IP address", bind);
      return FALSE;
    }
  socket_address = g_inet_socket_address_new (address, (guint16) tc_config_get_port (config));
  /* Our own socket for its backlog: soup_server_listen() leaves GSocket's
   * 10, and when thousands of clients reconnect at once (after a restart
   * or a network outage) most of their connection attempts were dropped
   * and retried seconds later. */
  listener = g_socket_new (g_inet_address_get_family (address), G_SOCKET_TYPE_STREAM,
                           G_SOCKET_PROTOCOL_TCP, error);
  if (listener == NULL)
    return FALSE;
  g_socket_set_listen_backlog (listener, LISTEN_BACKLOG);
  if (!g_socket_bind (listener, socket_address, TRUE, error) ||
      !g_socket_listen (listener, error) ||
      !soup_server_listen_socket (self->soup, listener, options, error))
    return FALSE;

  uris = soup_server_get_uris (self->soup);
  if (uris != NULL)
    port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  if (out_url != NULL)
    {
      g_autofree char *host = g_inet_address_to_string (address);
      gboolean v6 = g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6;

      *out_url = g_strdup_printf ("%s://%s%s%s:%d", (options & SOUP_SERVER_LISTEN_HTTPS) ? "https" : "http",
                                  v6 ? "[" : "", host, v6 ? "]" : "", port);
    }
  return TRUE;
}

void
tc_http_server_stop (TcHttpServer *self)
{
  g_return_if_fail (TC_IS_HTTP_SERVER (self));

  tc_hub_shutdown (self->ctx.hub);
  soup_server_disconnect (self->soup);
}

void
tc_http_server_set_media_library (TcHttpServer   *self,
                                  TcMediaLibrary *library)
{
  g_return_if_fail (TC_IS_HTTP_SERVER (self));
  g_return_if_fail (library == NULL || TC_IS_MEDIA_LIBRARY (library));

  g_set_object (&self->ctx.media, library);
}

void
tc_http_server_set_delivery (TcHttpServer *self,
                             TcDelivery   *delivery)
{
  g_return_if_fail (TC_IS_HTTP_SERVER (self));
  g_return_if_fail (TC_IS_DELIVERY (delivery));

  g_set_object (&self->ctx.delivery, delivery);
}

TcHub *
tc_http_server_get_hub (TcHttpServer *self)
{
  g_return_val_if_fail (TC_IS_HTTP_SERVER (self), NULL);
  return self->ctx.hub;
}

static void
tc_http_server_finalize (GObject *object)
{
  TcHttpServer *self = TC_HTTP_SERVER (object);

  g_clear_handle_id (&self->expire_source, g_source_remove);
  g_clear_handle_id (&self->session_check_source, g_source_remove);
  g_clear_object (&self->soup);
  g_clear_object (&self->ctx.hub);
  g_clear_object (&self->ctx.store);
  g_clear_object (&self->ctx.config);
  g_clear_object (&self->ctx.delivery);
  g_clear_object (&self->ctx.login_by_name);
  g_clear_object (&self->ctx.login_by_address);
  g_clear_object (&self->ctx.messages);
  g_clear_object (&self->ctx.media);
  g_mutex_clear (&self->ctx.limiter_mutex);
  g_clear_object (&self->session_cache);

  G_OBJECT_CLASS (tc_http_server_parent_class)->finalize (object);
}

static void
tc_http_server_class_init (TcHttpServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tc_http_server_finalize;
}

static void
tc_http_server_init (TcHttpServer *self)
{
  g_mutex_init (&self->ctx.limiter_mutex);
  self->session_cache = tc_session_cache_new (SESSION_CACHE_USEC);
}

TcHttpServer *
tc_http_server_new (TcStore  *store,
                    TcConfig *config)
{
  TcHttpServer *self;
  guint window;

  g_return_val_if_fail (TC_IS_STORE (store), NULL);
  g_return_val_if_fail (TC_IS_CONFIG (config), NULL);

  self = g_object_new (TC_TYPE_HTTP_SERVER, NULL);
  self->ctx.store = g_object_ref (store);
  self->ctx.config = g_object_ref (config);
  self->ctx.hub = tc_hub_new (store);
  window = tc_config_get_login_window_seconds (config);
  self->ctx.login_by_name = tc_rate_limiter_new (tc_config_get_login_failures_per_login (config),
                                                 window);
  self->ctx.login_by_address = tc_rate_limiter_new (tc_config_get_login_failures_per_address (config),
                                                    window);
  self->ctx.messages = tc_rate_limiter_new (tc_config_get_messages_per_minute (config), 60);
  tc_hub_set_allow_func (self->ctx.hub, allow_message_cb, self);
  {
    TcHubLimits limits = {
      .frames_per_minute = tc_config_get_ws_frames_per_minute (config),
      .ping_interval_seconds = tc_config_get_ws_ping_interval_seconds (config),
      .idle_timeout_seconds = tc_config_get_ws_idle_timeout_seconds (config),
      .max_queued_bytes = tc_config_get_ws_max_queued_bytes (config),
    };

    tc_hub_set_limits (self->ctx.hub, &limits);
  }

  tc_worker_set_max_threads (WORKER_THREADS);
  self->soup = soup_server_new ("server-header", "teamchat-server/" PACKAGE_VERSION " ", NULL);
  soup_server_add_early_handler (self->soup, "/", early_handler, self, NULL);
  soup_server_add_handler (self->soup, "/", api_handler, self, NULL);
  soup_server_add_handler (self->soup, WS_PATH, ws_handler, self, NULL);
  self->expire_source = g_timeout_add_seconds (60, expire_cb, self);
  self->session_check_source = g_timeout_add_seconds (tc_config_get_session_check_seconds (config),
                                                      session_check_cb, self);
  return self;
}
