/* tc-event.h: one event of an associate's ordered event stream */
#pragma once

#include <json-glib/json-glib.h>

#include "tc-associate.h"
#include "tc-message.h"

G_BEGIN_DECLS

#define TC_TYPE_EVENT (tc_event_get_type ())

/* Why the server closes an associate's WebSocket with 1008 (policy
 * violation) when the session behind it is over: a logout through that
 * server, or a session ended elsewhere (revoke-sessions, a new password
 * imported, a logout through another server), found by its session check.
 * A client then asks for a new login rather than connecting again. */
#define TC_WS_CLOSE_LOGGED_OUT    "logged out"
#define TC_WS_CLOSE_SESSION_ENDED "session ended"

typedef enum {
  TC_EVENT_MESSAGE,
  TC_EVENT_READ,
  TC_EVENT_PRESENCE,
  TC_EVENT_MEMBER,
  TC_EVENT_PREFERENCES,
} TcEventType;

typedef struct {
  gint64       seq;
  TcEventType  type;
  /* TC_EVENT_MESSAGE */
  TcMessage   *message;
  /* TC_EVENT_READ */
  char        *by;
  char        *peer;
  gint64       up_to;
  /* TC_EVENT_PRESENCE: associate_id + online */
  char        *associate_id;
  gboolean     online;
  /* TC_EVENT_MEMBER */
  TcAssociate *member;
  /* TC_EVENT_PREFERENCES */
  char        *offline_channel;
} TcEvent;

GType        tc_event_get_type       (void) G_GNUC_CONST;
TcEvent     *tc_event_new            (TcEventType type);
TcEvent     *tc_event_copy           (const TcEvent *self);
void         tc_event_free           (TcEvent *self);
gboolean     tc_event_equal          (const TcEvent *a,
                                      const TcEvent *b);
const char  *tc_event_type_to_string (TcEventType type);
gboolean     tc_event_type_from_string (const char  *str,
                                        TcEventType *out_type);
JsonNode    *tc_event_to_json        (const TcEvent *self);
TcEvent     *tc_event_from_json      (JsonNode  *node,
                                      GError   **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcEvent, tc_event_free)

G_END_DECLS
