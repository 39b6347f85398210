/* tc-api-client.c: the HTTP API of a Team Chat server, asynchronously */
#define G_LOG_DOMAIN "TeamChatApi"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "tc-api-client-private.h"
#include "tc-error.h"
#include "tc-json.h"

/* No answer within this many seconds is a failure (the engine retries). */
#define HTTP_TIMEOUT_SECONDS 30
#define USER_AGENT           "TeamChat/" PACKAGE_VERSION " "

struct _TcApiClient
{
  GObject      parent_instance;

  char        *base_url;     /* without a trailing slash */
  char        *token;
  SoupSession *session;      /* HTTP requests, with a timeout */
  SoupSession *ws_session;   /* WebSockets: long-lived, no I/O timeout */
};

G_DEFINE_FINAL_TYPE (TcApiClient, tc_api_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_BASE_URL,
  PROP_TOKEN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/**
 * tc_sync_page_free:
 * @page: (nullable): a page of sync events
 */
void
tc_sync_page_free (TcSyncPage *page)
{
  if (page == NULL)
    return;
  g_clear_pointer (&page->events, g_ptr_array_unref);
  g_free (page->cursor);
  g_free (page->head);
  g_free (page);
}

/* --- errors ------------------------------------------------------------------ */

/* Why the server's certificate was refused, for the user (translated). */
static const char *
describe_certificate_errors (GTlsCertificateFlags flags)
{
  if (flags & G_TLS_CERTIFICATE_UNKNOWN_CA)
    return _("it is not signed by an authority this computer trusts");
  if (flags & G_TLS_CERTIFICATE_BAD_IDENTITY)
    return _("it belongs to another address");
  if (flags & G_TLS_CERTIFICATE_EXPIRED)
    return _("it has expired");
  if (flags & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    return _("it is not valid yet (check this computer’s clock)");
  if (flags & G_TLS_CERTIFICATE_REVOKED)
    return _("it was revoked");
  if (flags & G_TLS_CERTIFICATE_INSECURE)
    return _("it uses insecure cryptography");
  if (flags != 0)
    return _("it is not valid");
  return NULL;
}

/* A failure to talk to the server at all, in words for the user. */
static GError *
transport_error (SoupMessage *msg,
                 GError      *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);

  if (error->domain == G_TLS_ERROR)
    {
      const char *reason = msg != NULL
        ? describe_certificate_errors (soup_message_get_tls_peer_certificate_errors (msg))
        : NULL;

      /* The user sees these: they must say what is wrong in words. */
      if (reason != NULL)
        /* TRANSLATORS: %s says why, such as "it has expired" */
        return g_error_new (G_TLS_ERROR, error->code, _("The server’s certificate is not trusted: %s"),
                            reason);
      if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_NOT_TLS))
        return g_error_new_literal (G_TLS_ERROR, error->code,
                                    _("The server does not speak TLS (try an http:// address)"));
      /* TRANSLATORS: %s is the TLS library's explanation */
      return g_error_new (G_TLS_ERROR, error->code, _("Cannot connect securely to the server: %s"),
                          error->message);
    }

  if (error->domain == SOUP_SESSION_ERROR)
    return g_error_new (TC_ERROR, TC_ERROR_UNAVAILABLE,
                        "cannot reach the server: its answer could not be read (%s)",
                        error->message);

  return g_error_new (TC_ERROR, TC_ERROR_UNAVAILABLE, "cannot reach the server: %s",
                      error->message);
}

static guint
retry_after_seconds (SoupMessage *msg)
{
  const char *value = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                    "Retry-After");
  guint64 seconds = 0;

  /* Only the delta-seconds form; an HTTP date is not worth parsing here. */
  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT, &seconds, NULL))
    return 0;
  return (guint) seconds;
}

/* An answer with an error status, as a %TC_ERROR. */
static GError *
status_error (SoupMessage *msg,
              JsonNode    *node,
              gboolean     login)
{
  guint status = soup_message_get_status (msg);
  GError *error = NULL;

  if (status == SOUP_STATUS_UNAUTHORIZED)
    return g_error_new_literal (TC_ERROR, TC_ERROR_UNAUTHORIZED,
                                login ? "wrong login or password"
                                      : "your session has ended; log in again");

  if (status == 429 /* Too Many Requests */)
    {
      guint seconds = retry_after_seconds (msg);
      const char *what = login ? "too many attempts" : "too many requests";

      if (seconds > 0)
        return g_error_new (TC_ERROR, TC_ERROR_RATE_LIMITED, "%s, try again in %u s", what,
                            seconds);
      return g_error_new (TC_ERROR, TC_ERROR_RATE_LIMITED, "%s, try again later", what);
    }

  if (tc_json_error_parse (node, status, &error))
    return error;

  /* Not one of ours: a proxy, a load balancer or another program. */
  return g_error_new (TC_ERROR, tc_error_code_from_http (status),
                      "the server answered “%u %s”", status,
                      soup_message_get_reason_phrase (msg) != NULL
                        ? soup_message_get_reason_phrase (msg)
                        : soup_status_get_phrase (status));
}

/* --- requests ---------------------------------------------------------------- */

/* Turns a successful answer's body (NULL when empty) into the result. */
typedef gpointer (*ParseFunc) (TcApiClient  *self,
                               JsonNode     *node,
                               GError      **error);

typedef enum {
  REQUEST_AUTH     = 1 << 0,   /* send the bearer token */
  REQUEST_LOGIN    = 1 << 1,   /* 401 and 429 mean login failures */
  REQUEST_IN_THREAD = 1 << 2,  /* big answers: parse on a worker thread (parse must not
                                * touch the client) */
} RequestFlags;

typedef struct {
  SoupMessage    *msg;
  RequestFlags    flags;
  ParseFunc       parse;    /* NULL: the result is a boolean */
  GDestroyNotify  result_free;
  GBytes         *body;     /* a successful answer, for REQUEST_IN_THREAD */
} Request;

static void
request_free (Request *request)
{
  g_clear_object (&request->msg);
  g_clear_pointer (&request->body, g_bytes_unref);
  g_free (request);
}

/* Turns a successful answer's body into the task's result. */
static void
return_answer (GTask       *task,
               TcApiClient *self,
               Request     *request,
               GBytes      *body)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  gsize len = 0;
  const char *data = g_bytes_get_data (body, &len);
  gpointer value;

  if (request->parse == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (len > 0)
    {
      node = tc_json_parse (data, (gssize) len, &error);
      if (node == NULL)
        {
          g_task_return_new_error (task, TC_ERROR, TC_ERROR_INTERNAL,
                                   "the server sent an answer this app cannot read: %s",
                                   error->message);
          return;
        }
    }
  value = request->parse (self, node, &error);
  if (value == NULL)
    {
      g_prefix_error (&error, "the server sent an answer this app cannot read: ");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, value, request->result_free);
}

static void
parse_in_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  Request *request = task_data;

  return_answer (task, source_object, request, request->body);
}

static void
on_response_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TcApiClient *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonNode) node = NULL;
  gsize len = 0;
  const char *data;
  guint status;

  body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (body == NULL)
    {
      g_task_return_error (task, transport_error (request->msg, error));
      return;
    }

  status = soup_message_get_status (request->msg);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      data = g_bytes_get_data (body, &len);
      if (len > 0)
        node = tc_json_parse (data, (gssize) len, NULL);
      g_task_return_error (task, status_error (request->msg, node,
                                               (request->flags & REQUEST_LOGIN) != 0));
      return;
    }

  /* A sync page of 1,000 events takes tens of milliseconds to read: not
   * on the main loop, where it would freeze the window. */
  if ((request->flags & REQUEST_IN_THREAD) && request->parse != NULL)
    {
      request->body = g_steal_pointer (&body);
      g_task_run_in_thread (task, parse_in_thread);
      return;
    }
  return_answer (task, self, request, body);
}

static SoupMessage *
new_message (TcApiClient  *self,
             const char   *method,
             const char   *path,
             GError      **error)
{
  g_autofree char *url = g_strconcat (self->base_url, path, NULL);
  SoupMessage *msg = NULL;
  g_autoptr(GUri) uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  const char *scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;

  if (scheme != NULL &&
      (g_ascii_strcasecmp (scheme, "http") == 0 || g_ascii_strcasecmp (scheme, "https") == 0 ||
       g_ascii_strcasecmp (scheme, "ws") == 0 || g_ascii_strcasecmp (scheme, "wss") == 0) &&
      g_uri_get_host (uri) != NULL && *g_uri_get_host (uri) != '\0')
    msg = soup_message_new_from_uri (method, uri);
  if (msg == NULL)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                   "“%s” is not a server address; it should look like https://chat.example.com",
                   self->base_url);
      return NULL;
    }
  if (self->token != NULL)
    {
      g_autofree char *value = g_strconcat ("Bearer ", self->token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                    value);
    }
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept",
                                "application/json");
  return msg;
}

static void
api_request (TcApiClient         *self,
             const char          *method,
             const char          *path,
             JsonNode            *body,
             RequestFlags         flags,
             ParseFunc            parse,
             GDestroyNotify       result_free,
             gpointer             source_tag,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  Request *request;

  g_task_set_source_tag (task, source_tag);
  if ((flags & REQUEST_AUTH) && self->token == NULL)
    {
      g_task_return_new_error (task, TC_ERROR, TC_ERROR_UNAUTHORIZED, "not logged in");
      return;
    }

  request = g_new0 (Request, 1);
  request->flags = flags;
  request->parse = parse;
  request->result_free = result_free;
  g_task_set_task_data (task, request, (GDestroyNotify) request_free);

  request->msg = new_message (self, method, path, &error);
  if (request->msg == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!(flags & REQUEST_AUTH))
    soup_message_headers_remove (soup_message_get_request_headers (request->msg),
                                 "Authorization");
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = tc_json_to_bytes (body);

      soup_message_set_request_body_from_bytes (request->msg, "application/json", bytes);
    }

  g_debug ("%s %s", method, path);
  soup_session_send_and_read_async (self->session, request->msg, G_PRIORITY_DEFAULT,
                                    cancellable, on_response_cb, g_steal_pointer (&task));
}

#define CHECK_RESULT(self, result, tag, val) \
  G_STMT_START { \
    g_return_val_if_fail (TC_IS_API_CLIENT (self), val); \
    g_return_val_if_fail (g_task_is_valid (result, self), val); \
    g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == (tag), val); \
  } G_STMT_END

static JsonNode *
object_node (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

static JsonArray *
require_array (JsonObject  *object,
               const char  *member,
               GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "“%s” must be an array", member);
      return NULL;
    }
  return json_node_get_array (node);
}

static GPtrArray *
parse_messages (JsonObject  *object,
                GError     **error)
{
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_message_free);
  JsonArray *array = require_array (object, "messages", error);

  if (array == NULL)
    return NULL;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      TcMessage *message = tc_message_from_json (json_array_get_element (array, i), error);

      if (message == NULL)
        return NULL;
      g_ptr_array_add (messages, message);
    }
  return g_steal_pointer (&messages);
}

/* --- GObject --------------------------------------------------------------------- */

static void
tc_api_client_constructed (GObject *object)
{
  TcApiClient *self = TC_API_CLIENT (object);

  G_OBJECT_CLASS (tc_api_client_parent_class)->constructed (object);

  if (self->base_url == NULL)
    self->base_url = g_strdup ("");
  while (g_str_has_suffix (self->base_url, "/"))
    self->base_url[strlen (self->base_url) - 1] = '\0';
}

static void
tc_api_client_finalize (GObject *object)
{
  TcApiClient *self = TC_API_CLIENT (object);

  g_clear_object (&self->session);
  g_clear_object (&self->ws_session);
  g_free (self->base_url);
  g_free (self->token);

  G_OBJECT_CLASS (tc_api_client_parent_class)->finalize (object);
}

static void
tc_api_client_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  TcApiClient *self = TC_API_CLIENT (object);

  switch (prop_id)
    {
    case PROP_BASE_URL:
      g_value_set_string (value, self->base_url);
      break;
    case PROP_TOKEN:
      g_value_set_string (value, self->token);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tc_api_client_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  TcApiClient *self = TC_API_CLIENT (object);

  switch (prop_id)
    {
    case PROP_BASE_URL:
      self->base_url = g_value_dup_string (value);
      break;
    case PROP_TOKEN:
      tc_api_client_set_token (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tc_api_client_class_init (TcApiClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = tc_api_client_constructed;
  object_class->finalize = tc_api_client_finalize;
  object_class->get_property = tc_api_client_get_property;
  object_class->set_property = tc_api_client_set_property;

  /**
   * TcApiClient:base-url:
   *
   * The server's address, such as "https://chat.example.com".
   */
  properties[PROP_BASE_URL] =
    g_param_spec_string ("base-url", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS |
                         G_PARAM_EXPLICIT_NOTIFY);

  /**
   * TcApiClient:token:
   *
   * The bearer token of the session, or %NULL when logged out.
   */
  properties[PROP_TOKEN] =
    g_param_spec_string ("token", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tc_api_client_init (TcApiClient *self)
{
  /* A trailing space in the user agent makes libsoup append its own. */
  self->session = soup_session_new_with_options ("timeout", HTTP_TIMEOUT_SECONDS,
                                                 "user-agent", USER_AGENT,
                                                 NULL);
  self->ws_session = soup_session_new_with_options ("timeout", 0,
                                                    "user-agent", USER_AGENT,
                                                    NULL);
}

/**
 * tc_api_client_new:
 * @base_url: the server's address, such as "https://chat.example.com"
 *
 * Returns: (transfer full): a client without a session token
 */
TcApiClient *
tc_api_client_new (const char *base_url)
{
  g_return_val_if_fail (base_url != NULL, NULL);

  return g_object_new (TC_TYPE_API_CLIENT, "base-url", base_url, NULL);
}

/**
 * tc_api_client_get_base_url:
 * @self: a client
 *
 * Returns: (transfer none): the server's address, without a trailing slash
 */
const char *
tc_api_client_get_base_url (TcApiClient *self)
{
  g_return_val_if_fail (TC_IS_API_CLIENT (self), NULL);

  return self->base_url;
}

/**
 * tc_api_client_get_token:
 * @self: a client
 *
 * Returns: (transfer none) (nullable): the session token
 */
const char *
tc_api_client_get_token (TcApiClient *self)
{
  g_return_val_if_fail (TC_IS_API_CLIENT (self), NULL);

  return self->token;
}

/**
 * tc_api_client_set_token:
 * @self: a client
 * @token: (nullable): a session token, as kept from an earlier login
 *
 * Sets the token sent with every request but the login.
 */
void
tc_api_client_set_token (TcApiClient *self,
                         const char  *token)
{
  g_return_if_fail (TC_IS_API_CLIENT (self));

  if (g_strcmp0 (self->token, token) == 0)
    return;
  g_free (self->token);
  self->token = g_strdup (token);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOKEN]);
}

/**
 * tc_api_client_get_websocket_url:
 * @self: a client
 *
 * Returns: (transfer full): the address of the live event stream
 */
char *
tc_api_client_get_websocket_url (TcApiClient *self)
{
  g_return_val_if_fail (TC_IS_API_CLIENT (self), NULL);

  if (g_ascii_strncasecmp (self->base_url, "https://", strlen ("https://")) == 0)
    return g_strconcat ("wss://", self->base_url + strlen ("https://"), "/api/v1/ws", NULL);
  if (g_ascii_strncasecmp (self->base_url, "http://", strlen ("http://")) == 0)
    return g_strconcat ("ws://", self->base_url + strlen ("http://"), "/api/v1/ws", NULL);
  return g_strconcat (self->base_url, "/api/v1/ws", NULL);
}

/* --- session --------------------------------------------------------------------- */

typedef struct {
  TcAssociate *associate;
  char        *token;
} Login;

static void
login_free (Login *login)
{
  tc_associate_free (login->associate);
  g_free (login->token);
  g_free (login);
}

static gpointer
parse_login (TcApiClient  *self,
             JsonNode     *node,
             GError      **error)
{
  Login *login = g_new0 (Login, 1);
  JsonObject *object = tc_json_require_object (node, "answer", error);

  if (object == NULL ||
      !tc_json_get_string (object, "token", TRUE, &login->token, error) ||
      (login->associate = tc_associate_from_json (json_object_get_member (object, "associate"),
                                                  error)) == NULL)
    {
      login_free (login);
      return NULL;
    }
  tc_api_client_set_token (self, login->token);
  return login;
}

/**
 * tc_api_client_login_async:
 * @self: a client
 * @login: the associate's login
 * @password: the password
 * @device: (nullable): a name for this device, shown in the account's sessions
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * Opens a session (POST /api/v1/session). On success the client keeps the
 * token for its next requests. "wrong login or password" and "too many
 * attempts, try again in N s" are the errors a person meets most.
 */
void
tc_api_client_login_async (TcApiClient         *self,
                           const char          *login,
                           const char          *password,
                           const char          *device,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(JsonNode) body = NULL;
  JsonObject *object;

  g_return_if_fail (TC_IS_API_CLIENT (self));
  g_return_if_fail (login != NULL);
  g_return_if_fail (password != NULL);

  object = json_object_new ();
  json_object_set_string_member (object, "login", login);
  json_object_set_string_member (object, "password", password);
  if (device != NULL)
    json_object_set_string_member (object, "device", device);
  body = object_node (object);
  api_request (self, "POST", "/api/v1/session", body, REQUEST_LOGIN, parse_login,
               (GDestroyNotify) login_free, tc_api_client_login_async, cancellable, callback,
               user_data);
}

/**
 * tc_api_client_login_finish:
 * @self: a client
 * @result: the result given to the callback
 * @out_token: (out) (optional) (transfer full): the session token, to keep
 * @error: return location for an error
 *
 * Returns: (transfer full): the associate who logged in (with preferences),
 *   or %NULL on error
 */
TcAssociate *
tc_api_client_login_finish (TcApiClient   *self,
                            GAsyncResult  *result,
                            char         **out_token,
                            GError       **error)
{
  Login *login;
  TcAssociate *associate;

  CHECK_RESULT (self, result, tc_api_client_login_async, NULL);

  login = g_task_propagate_pointer (G_TASK (result), error);
  if (login == NULL)
    return NULL;
  if (out_token != NULL)
    *out_token = g_steal_pointer (&login->token);
  associate = g_steal_pointer (&login->associate);
  login_free (login);
  return associate;
}

static void
on_logout_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  TcApiClient *self = TC_API_CLIENT (source);

  /* A token the server no longer knows is as good as revoked. */
  if (!g_task_propagate_boolean (G_TASK (result), &error) &&
      !g_error_matches (error, TC_ERROR, TC_ERROR_UNAUTHORIZED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  tc_api_client_set_token (self, NULL);
  g_task_return_boolean (task, TRUE);
}

/**
 * tc_api_client_logout_async:
 * @self: a client
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Revokes the session token (DELETE /api/v1/session) and forgets it.
 */
void
tc_api_client_logout_async (TcApiClient         *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (TC_IS_API_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tc_api_client_logout_async);
  api_request (self, "DELETE", "/api/v1/session", NULL, REQUEST_AUTH, NULL, NULL,
               on_logout_cb, cancellable, on_logout_cb, task);
}

/**
 * tc_api_client_logout_finish:
 * @self: a client
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: %TRUE when the token is revoked
 */
gboolean
tc_api_client_logout_finish (TcApiClient   *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  CHECK_RESULT (self, result, tc_api_client_logout_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- sync ------------------------------------------------------------------------------ */

/* Events of a type this version does not know are skipped, not fatal: a
 * newer server may add some. */
static gboolean
is_known_event (JsonNode *node)
{
  JsonObject *object = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  JsonNode *type = object != NULL ? json_object_get_member (object, "type") : NULL;

  if (type == NULL || !JSON_NODE_HOLDS_VALUE (type) ||
      json_node_get_value_type (type) != G_TYPE_STRING)
    return TRUE;   /* let the codec name the problem */
  return tc_event_type_from_string (json_node_get_string (type), NULL);
}

static gpointer
parse_sync (TcApiClient  *self,
            JsonNode     *node,
            GError      **error)
{
  g_autoptr(TcSyncPage) page = g_new0 (TcSyncPage, 1);
  JsonObject *object = tc_json_require_object (node, "answer", error);
  JsonArray *events;

  if (object == NULL ||
      (events = require_array (object, "events", error)) == NULL ||
      !tc_json_get_string (object, "cursor", TRUE, &page->cursor, error) ||
      !tc_json_get_bool (object, "more", TRUE, &page->more, error) ||
      !tc_json_get_bool (object, "reset", FALSE, &page->reset, error) ||
      !tc_json_get_string (object, "head", FALSE, &page->head, error))
    return NULL;

  page->events = g_ptr_array_new_full (json_array_get_length (events),
                                       (GDestroyNotify) tc_event_free);
  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonNode *element = json_array_get_element (events, i);
      TcEvent *event;

      if (!is_known_event (element))
        continue;
      event = tc_event_from_json (element, error);
      if (event == NULL)
        return NULL;
      g_ptr_array_add (page->events, event);
    }
  return g_steal_pointer (&page);
}

/**
 * tc_api_client_sync_async:
 * @self: a client
 * @since: (nullable): the cursor of the last page applied; %NULL for the
 *   whole state
 * @limit: the largest page wanted, or 0 for the server's default
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the page
 * @user_data: data for @callback
 *
 * Fetches one page of the event stream (GET /api/v1/sync).
 */
void
tc_api_client_sync_async (TcApiClient         *self,
                          const char          *since,
                          guint                limit,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GString) path = g_string_new ("/api/v1/sync");
  char separator = '?';

  g_return_if_fail (TC_IS_API_CLIENT (self));

  if (since != NULL && *since != '\0')
    {
      g_autofree char *escaped = g_uri_escape_string (since, NULL, FALSE);

      g_string_append_printf (path, "%csince=%s", separator, escaped);
      separator = '&';
    }
  if (limit > 0)
    g_string_append_printf (path, "%climit=%u", separator, limit);
  api_request (self, "GET", path->str, NULL, REQUEST_AUTH | REQUEST_IN_THREAD, parse_sync,
               (GDestroyNotify) tc_sync_page_free, tc_api_client_sync_async, cancellable,
               callback, user_data);
}

/**
 * tc_api_client_sync_finish:
 * @self: a client
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the page, or %NULL on error
 */
TcSyncPage *
tc_api_client_sync_finish (TcApiClient   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  CHECK_RESULT (self, result, tc_api_client_sync_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- messages ---------------------------------------------------------------------- */

static gpointer
parse_sent (TcApiClient  *self,
            JsonNode     *node,
            GError      **error)
{
  JsonObject *object = tc_json_require_object (node, "answer", error);

  return object != NULL ? parse_messages (object, error) : NULL;
}

/**
 * tc_api_client_send_async:
 * @self: a client
 * @request: the message, with its client id
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * Sends a message (POST /api/v1/messages). Sending the same client id
 * again answers with the messages first created and creates nothing.
 */
void
tc_api_client_send_async (TcApiClient         *self,
                          const TcSendRequest *request,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(JsonNode) body = NULL;

  g_return_if_fail (TC_IS_API_CLIENT (self));
  g_return_if_fail (request != NULL);

  body = tc_send_request_to_json (request);
  api_request (self, "POST", "/api/v1/messages", body, REQUEST_AUTH, parse_sent,
               (GDestroyNotify) g_ptr_array_unref, tc_api_client_send_async, cancellable,
               callback, user_data);
}

/**
 * tc_api_client_send_finish:
 * @self: a client
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full) (element-type TcMessage): one message per
 *   recipient, or %NULL on error
 */
GPtrArray *
tc_api_client_send_finish (TcApiClient   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  CHECK_RESULT (self, result, tc_api_client_send_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct {
  GPtrArray *messages;
  gboolean   more;
} History;

static void
history_free (History *history)
{
  g_clear_pointer (&history->messages, g_ptr_array_unref);
  g_free (history);
}

static gpointer
parse_history (TcApiClient  *self,
               JsonNode     *node,
               GError      **error)
{
  History *history = g_new0 (History, 1);
  JsonObject *object = tc_json_require_object (node, "answer", error);

  if (object == NULL ||
      (history->messages = parse_messages (object, error)) == NULL ||
      !tc_json_get_bool (object, "more", TRUE, &history->more, error))
    {
      history_free (history);
      return NULL;
    }
  return history;
}

/**
 * tc_api_client_history_async:
 * @self: a client
 * @peer_id: the other side of the conversation
 * @before: list only messages with a smaller id; 0 for the newest
 * @limit: the largest page wanted, or 0 for the server's default
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * Fetches a page of one conversation from the server
 * (GET /api/v1/conversations/{peer}/messages), newest first.
 */
void
tc_api_client_history_async (TcApiClient         *self,
                             const char          *peer_id,
                             gint64               before,
                             guint                limit,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autofree char *escaped = NULL;
  g_autoptr(GString) path = g_string_new ("/api/v1/conversations/");
  char separator = '?';

  g_return_if_fail (TC_IS_API_CLIENT (self));
  g_return_if_fail (peer_id != NULL);

  escaped = g_uri_escape_string (peer_id, NULL, FALSE);
  g_string_append_printf (path, "%s/messages", escaped);
  if (before > 0)
    {
      g_string_append_printf (path, "%cbefore=%" G_GINT64_FORMAT, separator, before);
      separator = '&';
    }
  if (limit > 0)
    g_string_append_printf (path, "%climit=%u", separator, limit);
  api_request (self, "GET", path->str, NULL, REQUEST_AUTH, parse_history,
               (GDestroyNotify) history_free, tc_api_client_history_async, cancellable,
               callback, user_data);
}

/**
 * tc_api_client_history_finish:
 * @self: a client
 * @result: the result given to the callback
 * @out_more: (out) (optional): whether older messages remain
 * @error: return location for an error
 *
 * Returns: (transfer full) (element-type TcMessage): the messages, newest
 *   first, or %NULL on error
 */
GPtrArray *
tc_api_client_history_finish (TcApiClient   *self,
                              GAsyncResult  *result,
                              gboolean      *out_more,
                              GError       **error)
{
  History *history;
  GPtrArray *messages;

  CHECK_RESULT (self, result, tc_api_client_history_async, NULL);

  history = g_task_propagate_pointer (G_TASK (result), error);
  if (history == NULL)
    return NULL;
  if (out_more != NULL)
    *out_more = history->more;
  messages = g_steal_pointer (&history->messages);
  history_free (history);
  return messages;
}

/* --- read markers -------------------------------------------------------------------- */

/**
 * tc_api_client_read_async:
 * @self: a client
 * @peer_id: the other side of the conversation
 * @up_to: the id of the last message read
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Moves the caller's read marker of a conversation (POST /api/v1/read).
 */
void
tc_api_client_read_async (TcApiClient         *self,
                          const char          *peer_id,
                          gint64               up_to,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(JsonNode) body = NULL;
  JsonObject *object;

  g_return_if_fail (TC_IS_API_CLIENT (self));
  g_return_if_fail (peer_id != NULL);

  object = json_object_new ();
  json_object_set_string_member (object, "peer", peer_id);
  json_object_set_int_member (object, "up_to", up_to);
  body = object_node (object);
  api_request (self, "POST", "/api/v1/read", body, REQUEST_AUTH, NULL, NULL,
               tc_api_client_read_async, cancellable, callback, user_data);
}

/**
 * tc_api_client_read_finish:
 * @self: a client
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: %TRUE on success
 */
gboolean
tc_api_client_read_finish (TcApiClient   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  CHECK_RESULT (self, result, tc_api_client_read_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * tc_api_client_read_all_async:
 * @self: a client
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Marks every conversation of the caller read (POST /api/v1/read-all).
 */
void
tc_api_client_read_all_async (TcApiClient         *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (TC_IS_API_CLIENT (self));

  api_request (self, "POST", "/api/v1/read-all", NULL, REQUEST_AUTH, NULL, NULL,
               tc_api_client_read_all_async, cancellable, callback, user_data);
}

/**
 * tc_api_client_read_all_finish:
 * @self: a client
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: %TRUE on success
 */
gboolean
tc_api_client_read_all_finish (TcApiClient   *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  CHECK_RESULT (self, result, tc_api_client_read_all_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- team ------------------------------------------------------------------------------ */

static gpointer
parse_team (TcApiClient  *self,
            JsonNode     *node,
            GError      **error)
{
  g_autoptr(GPtrArray) members =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tc_associate_free);
  JsonObject *object = tc_json_require_object (node, "answer", error);
  JsonArray *array;

  if (object == NULL || (array = require_array (object, "members", error)) == NULL)
    return NULL;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      TcAssociate *member = tc_associate_from_json (json_array_get_element (array, i), error);

      if (member == NULL)
        return NULL;
      g_ptr_array_add (members, member);
    }
  return g_steal_pointer (&members);
}

/**
 * tc_api_client_team_async:
 * @self: a client
 * @query: (nullable): text to search for, or %NULL for the whole team
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * Lists everyone the caller may chat with (GET /api/v1/team), with their
 * presence as the server knows it now.
 */
void
tc_api_client_team_async (TcApiClient         *self,
                          const char          *query,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (TC_IS_API_CLIENT (self));

  if (query != NULL && *query != '\0')
    {
      g_autofree char *escaped = g_uri_escape_string (query, NULL, FALSE);

      path = g_strconcat ("/api/v1/team?q=", escaped, NULL);
    }
  else
    path = g_strdup ("/api/v1/team");
  api_request (self, "GET", path, NULL, REQUEST_AUTH, parse_team,
               (GDestroyNotify) g_ptr_array_unref, tc_api_client_team_async, cancellable,
               callback, user_data);
}

/**
 * tc_api_client_team_finish:
 * @self: a client
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full) (element-type TcAssociate): the members, or
 *   %NULL on error
 */
GPtrArray *
tc_api_client_team_finish (TcApiClient   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  CHECK_RESULT (self, result, tc_api_client_team_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- the caller and one member ------------------------------------------------------------ */

static gpointer
parse_associate (TcApiClient  *self,
                 JsonNode     *node,
                 GError      **error)
{
  return tc_associate_from_json (node, error);
}

/**
 * tc_api_client_me_async:
 * @self: a client
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * Reads the caller's own record and preferences (GET /api/v1/me).
 */
void
tc_api_client_me_async (TcApiClient         *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_return_if_fail (TC_IS_API_CLIENT (self));

  api_request (self, "GET", "/api/v1/me", NULL, REQUEST_AUTH, parse_associate,
               (GDestroyNotify) tc_associate_free, tc_api_client_me_async, cancellable,
               callback, user_data);
}

/**
 * tc_api_client_me_finish:
 * @self: a client
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the caller, with offline_channel set, or %NULL
 */
TcAssociate *
tc_api_client_me_finish (TcApiClient   *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  CHECK_RESULT (self, result, tc_api_client_me_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * tc_api_client_dashboard_async:
 * @self: a client
 * @member_id: a team member
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * Reads one member's dashboard (GET /api/v1/team/{id}): the member with
 * the names of their sponsor and enroller, even when those are not on the
 * caller's team.
 */
void
tc_api_client_dashboard_async (TcApiClient         *self,
                               const char          *member_id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (TC_IS_API_CLIENT (self));
  g_return_if_fail (member_id != NULL);

  escaped = g_uri_escape_string (member_id, NULL, FALSE);
  path = g_strconcat ("/api/v1/team/", escaped, NULL);
  api_request (self, "GET", path, NULL, REQUEST_AUTH, parse_associate,
               (GDestroyNotify) tc_associate_free, tc_api_client_dashboard_async, cancellable,
               callback, user_data);
}

/**
 * tc_api_client_dashboard_finish:
 * @self: a client
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the member with sponsor_name and enroller_name
 *   set where they have one, or %NULL
 */
TcAssociate *
tc_api_client_dashboard_finish (TcApiClient   *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  CHECK_RESULT (self, result, tc_api_client_dashboard_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static gpointer
parse_preferences (TcApiClient  *self,
                   JsonNode     *node,
                   GError      **error)
{
  JsonObject *object = tc_json_require_object (node, "answer", error);
  char *channel = NULL;

  if (object == NULL ||
      !tc_json_get_string (object, "offline_channel", TRUE, &channel, error))
    return NULL;
  if (!tc_channel_is_valid (channel))
    {
      g_free (channel);
      g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID,
                           "“offline_channel” must be “email” or “sms”");
      return NULL;
    }
  return channel;
}

/**
 * tc_api_client_set_offline_channel_async:
 * @self: a client
 * @channel: "email" or "sms"
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Chooses how messages reach the caller while offline
 * (PATCH /api/v1/me/preferences).
 */
void
tc_api_client_set_offline_channel_async (TcApiClient         *self,
                                         const char          *channel,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_autoptr(JsonNode) body = NULL;
  JsonObject *object;

  g_return_if_fail (TC_IS_API_CLIENT (self));
  g_return_if_fail (channel != NULL);

  object = json_object_new ();
  json_object_set_string_member (object, "offline_channel", channel);
  body = object_node (object);
  api_request (self, "PATCH", "/api/v1/me/preferences", body, REQUEST_AUTH, parse_preferences,
               g_free, tc_api_client_set_offline_channel_async, cancellable, callback, user_data);
}

/**
 * tc_api_client_set_offline_channel_finish:
 * @self: a client
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the channel the server now has, or %NULL
 */
char *
tc_api_client_set_offline_channel_finish (TcApiClient   *self,
                                          GAsyncResult  *result,
                                          GError       **error)
{
  CHECK_RESULT (self, result, tc_api_client_set_offline_channel_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- the Documents and Media library ----------------------------------------------------- */

typedef gpointer (*FromJsonFunc) (JsonNode *node, GError **error);

/* The array @member of an answer, each element read by @from_json. */
static GPtrArray *
parse_array (JsonNode        *node,
             const char      *member,
             FromJsonFunc     from_json,
             GDestroyNotify   free_func,
             GError         **error)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (free_func);
  JsonObject *object = tc_json_require_object (node, "answer", error);
  JsonArray *array = object != NULL ? require_array (object, member, error) : NULL;

  if (array == NULL)
    return NULL;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      gpointer item = from_json (json_array_get_element (array, i), error);

      if (item == NULL)
        return NULL;
      g_ptr_array_add (items, item);
    }
  return g_steal_pointer (&items);
}

static gpointer
parse_categories (TcApiClient  *self,
                  JsonNode     *node,
                  GError      **error)
{
  return parse_array (node, "categories", (FromJsonFunc) tc_media_folder_from_json,
                      (GDestroyNotify) tc_media_folder_free, error);
}

/**
 * tc_api_client_media_categories_async:
 * @self: a logged-in client
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * GET /api/v1/media/categories.
 */
void
tc_api_client_media_categories_async (TcApiClient         *self,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_return_if_fail (TC_IS_API_CLIENT (self));

  api_request (self, "GET", "/api/v1/media/categories", NULL, REQUEST_AUTH, parse_categories,
               (GDestroyNotify) g_ptr_array_unref, tc_api_client_media_categories_async,
               cancellable, callback, user_data);
}

/**
 * tc_api_client_media_categories_finish:
 * @self: a client
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: (transfer container) (element-type TcMediaFolder): the
 *   categories, their folders nested, or %NULL on error
 */
GPtrArray *
tc_api_client_media_categories_finish (TcApiClient   *self,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  CHECK_RESULT (self, result, tc_api_client_media_categories_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static gpointer
parse_listing (TcApiClient  *self,
               JsonNode     *node,
               GError      **error)
{
  return tc_media_listing_from_json (node, error);
}

/**
 * tc_api_client_media_folder_async:
 * @self: a logged-in client
 * @folder_id: a folder or category id
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * GET /api/v1/media/folders/{id}: its subfolders, resources and path.
 */
void
tc_api_client_media_folder_async (TcApiClient         *self,
                                  const char          *folder_id,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (TC_IS_API_CLIENT (self));
  g_return_if_fail (folder_id != NULL);

  escaped = g_uri_escape_string (folder_id, NULL, FALSE);
  path = g_strconcat ("/api/v1/media/folders/", escaped, NULL);
  api_request (self, "GET", path, NULL, REQUEST_AUTH, parse_listing,
               (GDestroyNotify) tc_media_listing_free, tc_api_client_media_folder_async,
               cancellable, callback, user_data);
}

/**
 * tc_api_client_media_folder_finish:
 * @self: a client
 * @result: the result given to the callback
 * @error: return location for an error (TC_ERROR_NOT_FOUND for a folder
 *   that is gone)
 *
 * Returns: (transfer full): the listing, or %NULL on error
 */
TcMediaListing *
tc_api_client_media_folder_finish (TcApiClient   *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  CHECK_RESULT (self, result, tc_api_client_media_folder_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static gpointer
parse_resources (TcApiClient  *self,
                 JsonNode     *node,
                 GError      **error)
{
  return parse_array (node, "resources", (FromJsonFunc) tc_resource_from_json,
                      (GDestroyNotify) tc_resource_free, error);
}

/**
 * tc_api_client_media_search_async:
 * @self: a logged-in client
 * @query: the text to look for (not empty)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * GET /api/v1/media/search?q=…: titles and descriptions, ignoring case and
 * accents.
 */
void
tc_api_client_media_search_async (TcApiClient         *self,
                                  const char          *query,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (TC_IS_API_CLIENT (self));
  g_return_if_fail (query != NULL);

  escaped = g_uri_escape_string (query, NULL, FALSE);
  path = g_strconcat ("/api/v1/media/search?q=", escaped, NULL);
  api_request (self, "GET", path, NULL, REQUEST_AUTH, parse_resources,
               (GDestroyNotify) g_ptr_array_unref, tc_api_client_media_search_async,
               cancellable, callback, user_data);
}

/**
 * tc_api_client_media_search_finish:
 * @self: a client
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: (transfer container) (element-type TcResource): what matched,
 *   by title, or %NULL on error
 */
GPtrArray *
tc_api_client_media_search_finish (TcApiClient   *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  CHECK_RESULT (self, result, tc_api_client_media_search_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * tc_api_client_set_tls_database:
 * @self: a client
 * @database: (nullable): the certificate authorities to trust, or %NULL
 *   for the system's
 *
 * For a server whose certificate comes from a private authority (and for
 * tests): HTTP requests and the WebSocket trust @database instead of the
 * system's authorities.
 */
void
tc_api_client_set_tls_database (TcApiClient  *self,
                                GTlsDatabase *database)
{
  g_return_if_fail (TC_IS_API_CLIENT (self));
  g_return_if_fail (database == NULL || G_IS_TLS_DATABASE (database));

  if (database == NULL)
    database = g_tls_backend_get_default_database (g_tls_backend_get_default ());
  else
    g_object_ref (database);
  soup_session_set_tls_database (self->session, database);
  soup_session_set_tls_database (self->ws_session, database);
  g_clear_object (&database);
}

/**
 * tc_api_client_set_timeout:
 * @self: a client
 * @seconds: how long an HTTP request may wait for the server's answer
 *   (default 30; 0 = forever)
 *
 * A request whose connection went silent (a dead route, a stuck proxy)
 * fails with TC_ERROR_UNAVAILABLE after this long. The WebSocket is not
 * concerned: the sync engine checks it with pings.
 */
void
tc_api_client_set_timeout (TcApiClient *self,
                           guint        seconds)
{
  g_return_if_fail (TC_IS_API_CLIENT (self));

  soup_session_set_timeout (self->session, seconds);
}

/* --- for tc-api-client-download.c (tc-api-client-private.h) ----------------------------- */

SoupSession *
tc_api_client_get_soup_session (TcApiClient *self)
{
  return self->session;
}

SoupMessage *
tc_api_client_new_message (TcApiClient  *self,
                           const char   *method,
                           const char   *path,
                           GError      **error)
{
  if (self->token == NULL)
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_UNAUTHORIZED, "not logged in");
      return NULL;
    }
  return new_message (self, method, path, error);
}

GError *
tc_api_client_transport_error (SoupMessage *msg,
                               GError      *error)
{
  return transport_error (msg, error);
}

GError *
tc_api_client_status_error (SoupMessage *msg,
                            JsonNode    *node)
{
  return status_error (msg, node, FALSE);
}

/* --- WebSocket -------------------------------------------------------------------------- */

static void
on_websocket_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SoupMessage *msg = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *connection;
  guint status;

  connection = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (connection != NULL)
    {
      g_task_return_pointer (task, connection, g_object_unref);
      return;
    }

  /* A refused handshake is an HTTP answer like any other. */
  status = soup_message_get_status (msg);
  if (error->domain == SOUP_WEBSOCKET_ERROR && status >= 400)
    g_task_return_error (task, status_error (msg, NULL, FALSE));
  else if (error->domain == SOUP_WEBSOCKET_ERROR)
    g_task_return_new_error (task, TC_ERROR, TC_ERROR_UNAVAILABLE,
                             "cannot reach the server: the live connection was refused (%s)",
                             error->message);
  else
    g_task_return_error (task, transport_error (msg, error));
}

/**
 * tc_api_client_websocket_connect_async:
 * @self: a client
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the connection
 * @user_data: data for @callback
 *
 * Opens the live event stream (GET /api/v1/ws with the bearer token).
 */
void
tc_api_client_websocket_connect_async (TcApiClient         *self,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autoptr(GUri) uri = NULL;
  SoupMessage *msg = NULL;

  g_return_if_fail (TC_IS_API_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tc_api_client_websocket_connect_async);
  if (self->token == NULL)
    {
      g_task_return_new_error (task, TC_ERROR, TC_ERROR_UNAUTHORIZED, "not logged in");
      return;
    }

  url = tc_api_client_get_websocket_url (self);
  uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  if (uri != NULL && g_uri_get_host (uri) != NULL && *g_uri_get_host (uri) != '\0')
    msg = soup_message_new_from_uri (SOUP_METHOD_GET, uri);
  if (msg == NULL)
    {
      g_task_return_new_error (task, TC_ERROR, TC_ERROR_INVALID,
                               "“%s” is not a server address; it should look like "
                               "https://chat.example.com",
                               self->base_url);
      return;
    }
  {
    g_autofree char *value = g_strconcat ("Bearer ", self->token, NULL);

    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", value);
  }
  g_task_set_task_data (task, msg, g_object_unref);

  soup_session_websocket_connect_async (self->ws_session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        cancellable, on_websocket_cb, g_steal_pointer (&task));
}

/**
 * tc_api_client_websocket_connect_finish:
 * @self: a client
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the open connection, or %NULL on error
 */
SoupWebsocketConnection *
tc_api_client_websocket_connect_finish (TcApiClient   *self,
                                        GAsyncResult  *result,
                                        GError       **error)
{
  CHECK_RESULT (self, result, tc_api_client_websocket_connect_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
