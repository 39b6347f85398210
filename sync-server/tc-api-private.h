/* tc-api-private.h: one API request on its way through the server
 *
 * The main loop parses the route and pauses the message; a worker thread
 * authenticates and runs the handler (store calls, JSON building); the main
 * loop sends the answer. Handlers never touch SoupServerMessage.
 */
#pragma once

#include <libsoup/soup.h>

#include "tc-config.h"
#include "tc-delivery.h"
#include "tc-hub.h"
#include "tc-media-library.h"
#include "tc-rate-limiter.h"
#include "tc-store.h"

G_BEGIN_DECLS

typedef struct _TcApiRequest TcApiRequest;
typedef void (*TcApiHandler) (TcApiRequest *request);
typedef void (*TcApiDone)    (gpointer      data);
/* A handler that runs on the main loop and never blocks: it calls @done
 * (maybe before it returns) once the answer is in @request. */
typedef void (*TcApiAsyncHandler) (TcApiRequest *request,
                                   TcApiDone     done,
                                   gpointer      data);

/* What handlers may use; owned by the server. Rate limiters are guarded by
 * limiter_mutex since handlers run on worker threads. */
typedef struct {
  TcStore       *store;
  TcHub         *hub;
  TcConfig      *config;
  TcDelivery    *delivery;      /* NULL until set: hooks answer 404 */
  GMutex         limiter_mutex;
  TcRateLimiter *login_by_name;
  TcRateLimiter *login_by_address;
  TcRateLimiter *messages;
  TcMediaLibrary *media;         /* NULL: no --media-dir */
} TcApiContext;

struct _TcApiRequest
{
  TcApiContext  *ctx;
  const char    *method;
  char          *path_arg;       /* the {id} or {peer} of the route, decoded */
  GHashTable    *query;          /* may be NULL */
  GBytes        *body;
  SoupMessageHeaders *request_headers;
  char          *remote_address;
  SoupMessageHeaders *headers;   /* the request's; read only */
  char          *url;            /* the request URL as this server saw it */
  gboolean       has_token;
  guint8         token_hash[TC_TOKEN_HASH_LEN];
  char          *associate_id;   /* set once authenticated */

  /* the answer */
  guint          status;
  JsonNode      *response;       /* NULL: no body */
  char          *json_text;      /* or the JSON body as text, written without a tree */
  char          *response_type;  /* with response_text: a body that is not JSON */
  char          *response_text;
  GError        *error;          /* wins over status/response */
  guint          retry_after;    /* seconds, for 429 */
  gboolean       revoke_token;   /* close this token's WebSockets */

  /* Answers that are not JSON (media content, thumbnails) */
  SoupMessageHeaders *response_headers;  /* added to any answer; NULL: none */
  char          *content_type;   /* with raw_body or body_fd */
  GBytes        *raw_body;       /* a small body, whole */
  int            body_fd;        /* >= 0: stream body_length bytes from body_offset */
  goffset        body_offset;
  goffset        body_length;
};

/* Sets the answer to @status with @node (taken) as the body. */
void tc_api_reply       (TcApiRequest *request,
                         guint         status,
                         JsonNode     *node);
/* The same with the body as JSON text (taken). */
void tc_api_reply_json_text (TcApiRequest *request,
                             guint         status,
                             char         *text);
/* Adds a header to the answer (replacing one of the same name). */
void tc_api_set_header  (TcApiRequest *request,
                         const char   *name,
                         const char   *value);
/* Parses the body as JSON (400 on anything malformed). */
JsonNode *tc_api_parse_body (TcApiRequest  *request,
                             GError       **error);

void tc_api_session_create (TcApiRequest *request);
void tc_api_session_delete (TcApiRequest *request);
void tc_api_me             (TcApiRequest *request);
void tc_api_me_preferences (TcApiRequest *request);
void tc_api_team           (TcApiRequest *request);
void tc_api_team_member    (TcApiRequest *request);
void tc_api_messages_send  (TcApiRequest *request);
/* The same on the main loop, for an already authenticated request: JSON
 * checks there, then tc_store_send_messages_async(), so no thread waits
 * for the commit. */
void tc_api_messages_send_async (TcApiRequest *request,
                                 TcApiDone     done,
                                 gpointer      data);
void tc_api_conversation   (TcApiRequest *request);
void tc_api_read           (TcApiRequest *request);
void tc_api_read_all       (TcApiRequest *request);
void tc_api_sync           (TcApiRequest *request);
void tc_api_health         (TcApiRequest *request);
void tc_api_healthz        (TcApiRequest *request);
void tc_api_media_categories (TcApiRequest *request);
void tc_api_media_folder     (TcApiRequest *request);
void tc_api_media_search     (TcApiRequest *request);
void tc_api_media_content    (TcApiRequest *request);
void tc_api_media_thumbnail  (TcApiRequest *request);

/* tc-hooks.c: POST /hooks/email and POST /hooks/sms */
void tc_api_hook_email     (TcApiRequest *request);
void tc_api_hook_sms       (TcApiRequest *request);

G_END_DECLS
