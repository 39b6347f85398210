/* tc-client-frame.h: decoding one WebSocket text frame from a client
 *
 * A pure function of the frame's bytes, kept apart from the hub so that it
 * can be tested and fuzzed without a connection, a store or a main loop. */
#pragma once

#include <json-glib/json-glib.h>

#include "tc-message.h"

G_BEGIN_DECLS

typedef enum {
  TC_CLIENT_FRAME_PING,
  TC_CLIENT_FRAME_SEND,
  TC_CLIENT_FRAME_READ,
} TcClientFrameType;

typedef struct {
  TcClientFrameType  type;
  JsonNode          *ref;     /* echoed in the answer; never NULL (JSON null when absent),
                                 the client_id for a send without one */
  TcSendRequest     *send;    /* TC_CLIENT_FRAME_SEND */
  char              *peer;    /* TC_CLIENT_FRAME_READ */
  gint64             up_to;   /* TC_CLIENT_FRAME_READ */
} TcClientFrame;

/* Decodes @len bytes of frame text. On error, *out_ref (when not NULL)
 * gets the frame's "ref" if it was read before the problem was found, or
 * NULL: the error answer echoes it. */
TcClientFrame *tc_client_frame_decode (const char  *data,
                                       gsize        len,
                                       JsonNode   **out_ref,
                                       GError     **error);
void           tc_client_frame_free   (TcClientFrame *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcClientFrame, tc_client_frame_free)

G_END_DECLS
