/* tc-api-handlers.c: the endpoints of API.md's HTTP table
 *
 * Each handler runs on a worker thread with an authenticated request (but
 * for the login), calls the store, and leaves its answer in the request.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tc-api-private.h"
#include "tc-error.h"
#include "tc-json.h"
#include "tc-password.h"

#define HISTORY_DEFAULT_LIMIT 50
#define HISTORY_MAX_LIMIT     200
#define SYNC_DEFAULT_LIMIT    500
#define SYNC_MAX_LIMIT        1000

void
tc_api_reply (TcApiRequest *request,
              guint         status,
              JsonNode     *node)
{
  request->status = status;
  g_clear_pointer (&request->response, json_node_unref);
  request->response = node;
}

void
tc_api_reply_json_text (TcApiRequest *request,
                        guint         status,
                        char         *text)
{
  request->status = status;
  g_clear_pointer (&request->response, json_node_unref);
  g_free (request->json_text);
  request->json_text = text;
}

void
tc_api_set_header (TcApiRequest *request,
                   const char   *name,
                   const char   *value)
{
  if (request->response_headers == NULL)
    request->response_headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  soup_message_headers_replace (request->response_headers, name, value);
}

JsonNode *
tc_api_parse_body (TcApiRequest  *request,
                   GError       **error)
{
  gsize len = 0;
  const char *data = request->body ? g_bytes_get_data (request->body, &len) : NULL;

  if (data == NULL || len == 0)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "the request needs a JSON body");
      return NULL;
    }
  return tc_json_parse (data, (gssize) len, error);
}

static JsonNode *
object_node (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

static JsonArray *
associates_to_json (TcApiRequest *request,
                    GPtrArray    *associates)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < associates->len; i++)
    {
      TcAssociate *associate = g_ptr_array_index (associates, i);

      associate->online = tc_hub_is_online (request->ctx->hub, associate->id);
      json_array_add_element (array, tc_associate_to_json (associate));
    }
  return array;
}

static JsonArray *
messages_to_json (GPtrArray *messages)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < messages->len; i++)
    json_array_add_element (array, tc_message_to_json (g_ptr_array_index (messages, i)));
  return array;
}

/* Parses an optional non-negative integer query parameter. */
static gboolean
query_int (TcApiRequest  *request,
           const char    *name,
           gint64         fallback,
           gint64        *out,
           GError       **error)
{
  const char *text = request->query ? g_hash_table_lookup (request->query, name) : NULL;
  guint64 value;

  *out = fallback;
  if (text == NULL || *text == '\0')
    return TRUE;
  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT64, &value, NULL))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "“%s” must be a non-negative integer",
                   name);
      return FALSE;
    }
  *out = (gint64) value;
  return TRUE;
}

static gboolean
limiter_refuses (TcApiRequest  *request,
                 TcRateLimiter *limiter,
                 const char    *key,
                 gboolean       consume)
{
  gboolean allowed;
  guint retry_after = 0;
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&request->ctx->limiter_mutex);
  if (consume)
    allowed = tc_rate_limiter_check (limiter, key, now, &retry_after);
  else
    allowed = tc_rate_limiter_would_allow (limiter, key, now, &retry_after);
  g_mutex_unlock (&request->ctx->limiter_mutex);

  if (!allowed)
    request->retry_after = MAX (request->retry_after, retry_after);
  return !allowed;
}

/* --- session --------------------------------------------------------------- */

void
tc_api_session_create (TcApiRequest *request)
{
  TcApiContext *ctx = request->ctx;
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(TcAssociate) associate = NULL;
  g_autoptr(GError) auth_error = NULL;
  g_autofree char *login = NULL;
  g_autofree char *password = NULL;
  g_autofree char *device = NULL;
  g_autofree char *token = NULL;
  g_autofree char *address_key = NULL;
  g_autofree char *login_key = NULL;
  guint8 hash[TC_TOKEN_HASH_LEN];
  JsonObject *object;
  JsonObject *answer;

  body = tc_api_parse_body (request, &request->error);
  if (body == NULL)
    return;
  object = tc_json_require_object (body, "request body", &request->error);
  if (object == NULL ||
      !tc_json_get_string (object, "login", TRUE, &login, &request->error) ||
      !tc_json_get_string (object, "password", TRUE, &password, &request->error) ||
      !tc_json_get_string (object, "device", FALSE, &device, &request->error))
    return;

  /* Failed attempts are counted per login and per address; past either
   * limit even the right password waits, so guessing gains nothing. */
  address_key = g_strdup (request->remote_address ? request->remote_address : "unknown");
  /* Logins match without regard to case, so must their failure counts. */
  login_key = g_utf8_casefold (login, -1);
  if (limiter_refuses (request, ctx->login_by_name, login_key, FALSE) ||
      limiter_refuses (request, ctx->login_by_address, address_key, FALSE))
    {
      g_set_error (&request->error, TC_ERROR, TC_ERROR_RATE_LIMITED,
                   "too many failed attempts; try again in %u seconds", request->retry_after);
      return;
    }

  associate = tc_store_authenticate (ctx->store, login, password, &auth_error);
  if (associate == NULL)
    {
      if (g_error_matches (auth_error, TC_ERROR, TC_ERROR_UNAUTHORIZED))
        {
          gint64 now = g_get_monotonic_time ();

          g_mutex_lock (&ctx->limiter_mutex);
          tc_rate_limiter_record (ctx->login_by_name, login_key, now);
          tc_rate_limiter_record (ctx->login_by_address, address_key, now);
          g_mutex_unlock (&ctx->limiter_mutex);
        }
      request->error = g_steal_pointer (&auth_error);
      return;
    }

  token = tc_token_new ();
  tc_token_hash (token, hash);
  if (!tc_store_create_session (ctx->store, associate->id, hash,
                                device != NULL && *device != '\0' ? device : NULL,
                                &request->error))
    return;

  associate->online = tc_hub_is_online (ctx->hub, associate->id);
  answer = json_object_new ();
  json_object_set_string_member (answer, "token", token);
  json_object_set_member (answer, "associate", tc_associate_to_me_json (associate));
  tc_api_reply (request, SOUP_STATUS_OK, object_node (answer));
  g_debug ("Login of %s", associate->id);
}

void
tc_api_session_delete (TcApiRequest *request)
{
  if (!tc_store_delete_session (request->ctx->store, request->token_hash, &request->error))
    return;
  request->revoke_token = TRUE;
  tc_api_reply (request, SOUP_STATUS_NO_CONTENT, NULL);
}

/* --- me ---------------------------------------------------------------------- */

void
tc_api_me (TcApiRequest *request)
{
  g_autoptr(TcAssociate) me = tc_store_get_me (request->ctx->store, request->associate_id,
                                               &request->error);

  if (me == NULL)
    return;
  me->online = tc_hub_is_online (request->ctx->hub, me->id);
  tc_api_reply (request, SOUP_STATUS_OK, tc_associate_to_me_json (me));
}

void
tc_api_me_preferences (TcApiRequest *request)
{
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *channel = NULL;
  JsonObject *object;
  JsonObject *answer;

  body = tc_api_parse_body (request, &request->error);
  if (body == NULL)
    return;
  object = tc_json_require_object (body, "request body", &request->error);
  if (object == NULL ||
      !tc_json_get_string (object, "offline_channel", TRUE, &channel, &request->error))
    return;
  if (!tc_channel_is_valid (channel))
    {
      g_set_error (&request->error, TC_ERROR, TC_ERROR_INVALID,
                   "“offline_channel” must be “email” or “sms”");
      return;
    }
  if (!tc_store_set_offline_channel (request->ctx->store, request->associate_id, channel,
                                     &request->error))
    return;

  answer = json_object_new ();
  json_object_set_string_member (answer, "offline_channel", channel);
  tc_api_reply (request, SOUP_STATUS_OK, object_node (answer));
}

/* --- team ---------------------------------------------------------------------- */

void
tc_api_team (TcApiRequest *request)
{
  const char *q = request->query ? g_hash_table_lookup (request->query, "q") : NULL;
  g_autoptr(GPtrArray) members = NULL;
  JsonObject *answer;

  members = tc_store_list_team (request->ctx->store, request->associate_id, q, &request->error);
  if (members == NULL)
    return;
  answer = json_object_new ();
  json_object_set_array_member (answer, "members", associates_to_json (request, members));
  tc_api_reply (request, SOUP_STATUS_OK, object_node (answer));
}

void
tc_api_team_member (TcApiRequest *request)
{
  g_autoptr(TcAssociate) member = NULL;

  member = tc_store_get_dashboard (request->ctx->store, request->associate_id, request->path_arg,
                                   &request->error);
  if (member == NULL)
    return;
  member->online = tc_hub_is_online (request->ctx->hub, member->id);
  tc_api_reply (request, SOUP_STATUS_OK, tc_associate_to_dashboard_json (member));
}

/* --- messages ---------------------------------------------------------------------- */

/* The checks of a send that need no database: the body, then the rate
 * limit. NULL with request->error set when refused. */
static TcSendRequest *
messages_send_prepare (TcApiRequest *request)
{
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(TcSendRequest) send = NULL;

  body = tc_api_parse_body (request, &request->error);
  if (body == NULL)
    return NULL;
  send = tc_send_request_from_json (body, &request->error);
  if (send == NULL)
    return NULL;
  if (limiter_refuses (request, request->ctx->messages, request->associate_id, TRUE))
    {
      g_set_error (&request->error, TC_ERROR, TC_ERROR_RATE_LIMITED,
                   "too many messages; try again in %u seconds", request->retry_after);
      return NULL;
    }
  return g_steal_pointer (&send);
}

/* {"messages": [...]} written as text: this answers every send, on the
 * main loop, and a tree of a dozen nodes cost more than the text. */
static void
messages_send_answer (TcApiRequest *request,
                      GPtrArray    *messages,
                      gboolean      created)
{
  GString *text = g_string_sized_new (256 * messages->len + 16);

  g_string_append (text, "{\"messages\":[");
  for (guint i = 0; i < messages->len; i++)
    {
      if (i > 0)
        g_string_append_c (text, ',');
      tc_message_append_json (text, g_ptr_array_index (messages, i));
    }
  g_string_append (text, "]}");
  tc_api_reply_json_text (request, created ? SOUP_STATUS_CREATED : SOUP_STATUS_OK,
                          g_string_free (text, FALSE));
}

void
tc_api_messages_send (TcApiRequest *request)
{
  g_autoptr(TcSendRequest) send = messages_send_prepare (request);
  g_autoptr(GPtrArray) messages = NULL;
  gboolean created = FALSE;

  if (send == NULL)
    return;
  messages = tc_store_send_messages (request->ctx->store, request->associate_id, send,
                                     g_get_real_time (), &created, &request->error);
  if (messages == NULL)
    return;
  messages_send_answer (request, messages, created);
}

typedef struct {
  TcApiRequest *request;
  TcApiDone     done;
  gpointer      data;
} PendingSend;

static void
messages_sent_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  PendingSend *pending = user_data;
  g_autoptr(GPtrArray) messages = NULL;
  gboolean created = FALSE;

  messages = tc_store_send_messages_finish (TC_STORE (source), result, &created,
                                            &pending->request->error);
  if (messages != NULL)
    messages_send_answer (pending->request, messages, created);
  pending->done (pending->data);
  g_free (pending);
}

void
tc_api_messages_send_async (TcApiRequest *request,
                            TcApiDone     done,
                            gpointer      data)
{
  TcSendRequest *send = messages_send_prepare (request);
  PendingSend *pending;

  if (send == NULL)
    {
      done (data);
      return;
    }
  pending = g_new0 (PendingSend, 1);
  pending->request = request;
  pending->done = done;
  pending->data = data;
  tc_store_send_messages_async (request->ctx->store, request->associate_id, send,
                                g_get_real_time (), NULL, messages_sent_cb, pending);
}

void
tc_api_conversation (TcApiRequest *request)
{
  g_autoptr(GPtrArray) messages = NULL;
  gint64 before = 0, limit = HISTORY_DEFAULT_LIMIT;
  gboolean more = FALSE;
  JsonObject *answer;

  if (!query_int (request, "before", 0, &before, &request->error) ||
      !query_int (request, "limit", HISTORY_DEFAULT_LIMIT, &limit, &request->error))
    return;
  if (limit == 0)
    {
      g_set_error (&request->error, TC_ERROR, TC_ERROR_INVALID, "“limit” must be at least 1");
      return;
    }
  limit = MIN (limit, HISTORY_MAX_LIMIT);

  messages = tc_store_list_messages (request->ctx->store, request->associate_id,
                                     request->path_arg, before, (guint) limit, &more,
                                     &request->error);
  if (messages == NULL)
    return;
  answer = json_object_new ();
  json_object_set_array_member (answer, "messages", messages_to_json (messages));
  json_object_set_boolean_member (answer, "more", more);
  tc_api_reply (request, SOUP_STATUS_OK, object_node (answer));
}

void
tc_api_read (TcApiRequest *request)
{
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *peer = NULL;
  gint64 up_to = 0;
  JsonObject *object;

  body = tc_api_parse_body (request, &request->error);
  if (body == NULL)
    return;
  object = tc_json_require_object (body, "request body", &request->error);
  if (object == NULL ||
      !tc_json_get_string (object, "peer", TRUE, &peer, &request->error) ||
      !tc_json_get_int (object, "up_to", TRUE, &up_to, &request->error))
    return;
  if (!tc_store_mark_read (request->ctx->store, request->associate_id, peer, up_to,
                           &request->error))
    return;
  tc_api_reply (request, SOUP_STATUS_NO_CONTENT, NULL);
}

void
tc_api_read_all (TcApiRequest *request)
{
  if (!tc_store_mark_all_read (request->ctx->store, request->associate_id, &request->error))
    return;
  tc_api_reply (request, SOUP_STATUS_NO_CONTENT, NULL);
}

/* --- sync ------------------------------------------------------------------------------ */

void
tc_api_sync (TcApiRequest *request)
{
  g_autoptr(GPtrArray) events = NULL;
  const char *since_text = request->query ? g_hash_table_lookup (request->query, "since") : NULL;
  gint64 since = -1, limit = SYNC_DEFAULT_LIMIT, cursor = 0;
  gboolean more = FALSE, reset = FALSE;
  g_autofree char *cursor_text = NULL;
  JsonArray *array;
  JsonObject *answer;

  if (since_text != NULL && *since_text != '\0')
    {
      guint64 value;

      if (!g_ascii_string_to_unsigned (since_text, 10, 0, G_MAXINT64, &value, NULL))
        {
          g_set_error (&request->error, TC_ERROR, TC_ERROR_INVALID, "“since” is not a cursor");
          return;
        }
      since = (gint64) value;
    }
  if (!query_int (request, "limit", SYNC_DEFAULT_LIMIT, &limit, &request->error))
    return;
  if (limit == 0)
    {
      g_set_error (&request->error, TC_ERROR, TC_ERROR_INVALID, "“limit” must be at least 1");
      return;
    }
  limit = MIN (limit, SYNC_MAX_LIMIT);

  events = tc_store_sync (request->ctx->store, request->associate_id, since, (guint) limit,
                          &cursor, &more, &reset, &request->error);
  if (events == NULL)
    return;

  array = json_array_new ();
  for (guint i = 0; i < events->len; i++)
    {
      TcEvent *event = g_ptr_array_index (events, i);

      if (event->type == TC_EVENT_MEMBER && event->member != NULL)
        event->member->online = tc_hub_is_online (request->ctx->hub, event->member->id);
      json_array_add_element (array, tc_event_to_json (event));
    }
  cursor_text = g_strdup_printf ("%" G_GINT64_FORMAT, cursor);
  answer = json_object_new ();
  json_object_set_array_member (answer, "events", array);
  json_object_set_string_member (answer, "cursor", cursor_text);
  json_object_set_boolean_member (answer, "more", more);
  if (more)
    {
      /* Where the pages end, so a client can show how far its first sync
       * got: a cursor of the same kind, never one to sync from. */
      gint64 head = tc_store_head_cursor (request->ctx->store, request->associate_id, NULL);

      if (head >= cursor)
        {
          g_autofree char *head_text = g_strdup_printf ("%" G_GINT64_FORMAT, head);
          json_object_set_string_member (answer, "head", head_text);
        }
    }
  if (reset)
    json_object_set_boolean_member (answer, "reset", TRUE);
  tc_api_reply (request, SOUP_STATUS_OK, object_node (answer));
}

void
tc_api_health (TcApiRequest *request)
{
  JsonObject *answer = json_object_new ();

  json_object_set_string_member (answer, "status", "ok");
  json_object_set_string_member (answer, "version", PACKAGE_VERSION);
  tc_api_reply (request, SOUP_STATUS_OK, object_node (answer));
}

/* GET /healthz: whether this process can serve, that is, reach its
 * database; load balancers take an instance out while it answers 503. */
void
tc_api_healthz (TcApiRequest *request)
{
  JsonObject *answer;

  if (!tc_store_check_health (request->ctx->store, &request->error))
    return;
  answer = json_object_new ();
  json_object_set_string_member (answer, "status", "ok");
  json_object_set_string_member (answer, "version", PACKAGE_VERSION);
  tc_api_reply (request, SOUP_STATUS_OK, object_node (answer));
}
