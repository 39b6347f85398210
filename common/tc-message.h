/* tc-message.h: one individual chat message */
#pragma once

#include <json-glib/json-glib.h>

#include "tc-resource.h"

G_BEGIN_DECLS

#define TC_TYPE_MESSAGE (tc_message_get_type ())

/* Limits of API.md, shared so the app refuses what the server would. */
#define TC_MESSAGE_MAX_BODY_CHARS   4000
#define TC_MESSAGE_MAX_ATTACHMENTS  10
#define TC_MESSAGE_MAX_RECIPIENTS   100
#define TC_REQUEST_MAX_BYTES        (64 * 1024)

typedef struct {
  gint64     id;
  char      *client_id;
  char      *from;
  char      *to;
  char      *body;
  GPtrArray *attachments;     /* of TcResource, never NULL */
  gint64     sent_at;         /* microseconds since the Unix epoch, UTC */
  gboolean   read;            /* the recipient has read it */
  char      *delivered_via;   /* NULL, "email" or "sms" */
  char      *delivery_error;  /* extension: why offline delivery failed, or NULL */
} TcMessage;

GType      tc_message_get_type  (void) G_GNUC_CONST;
TcMessage *tc_message_new       (void);
TcMessage *tc_message_copy      (const TcMessage *self);
void       tc_message_free      (TcMessage *self);
gboolean   tc_message_equal     (const TcMessage *a,
                                 const TcMessage *b);
JsonNode  *tc_message_to_json   (const TcMessage *self);
/* The text of tc_message_to_json(), written without a tree. */
void       tc_message_append_json (GString       *out,
                                   const TcMessage *self);
TcMessage *tc_message_from_json (JsonNode  *node,
                                 GError   **error);

/* The body of POST /api/v1/messages and of a WebSocket "send" frame. */
typedef struct {
  char      *client_id;    /* a UUID */
  GPtrArray *to;           /* of char *, at least one, no duplicates */
  char      *body;         /* may be "" when there are attachments */
  GPtrArray *attachments;  /* of char * resource ids */
} TcSendRequest;

TcSendRequest *tc_send_request_new       (void);
void           tc_send_request_free      (TcSendRequest *self);
JsonNode      *tc_send_request_to_json   (const TcSendRequest *self);
/* Validates everything API.md asks for: types, UUID, UTF-8, body length
 * (TC_ERROR_TOO_LARGE), body or attachments present (TC_ERROR_INVALID). */
TcSendRequest *tc_send_request_from_json (JsonNode  *node,
                                          GError   **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcMessage, tc_message_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcSendRequest, tc_send_request_free)

G_END_DECLS
