/* tc-associate.h: an associate (team member) as the protocol carries it */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define TC_TYPE_ASSOCIATE (tc_associate_get_type ())

/* Offline channels an associate may prefer. */
#define TC_CHANNEL_EMAIL "email"
#define TC_CHANNEL_SMS   "sms"

typedef struct {
  char     *id;
  char     *name;
  char     *email;
  char     *phone;
  char     *sponsor_id;          /* NULL at the top of the sponsor tree */
  char     *enroller_id;         /* NULL at the top of the enroller tree */
  char     *marketing_site_url;
  gboolean  online;
  /* Carried only where the API says so: */
  char     *offline_channel;     /* GET /me "preferences"; NULL elsewhere */
  char     *sponsor_name;        /* dashboard "sponsor":{"id","name"} */
  char     *enroller_name;       /* dashboard "enroller":{"id","name"} */
} TcAssociate;

GType        tc_associate_get_type   (void) G_GNUC_CONST;
TcAssociate *tc_associate_new        (void);
TcAssociate *tc_associate_copy       (const TcAssociate *self);
void         tc_associate_free       (TcAssociate *self);
gboolean     tc_associate_equal      (const TcAssociate *a,
                                      const TcAssociate *b);

/* The plain associate object of API.md. */
JsonNode    *tc_associate_to_json    (const TcAssociate *self);
/* GET /api/v1/me: associate + "preferences":{"offline_channel"}. */
JsonNode    *tc_associate_to_me_json (const TcAssociate *self);
/* GET /api/v1/team/{id}: associate + "sponsor"/"enroller" {id,name}|null. */
JsonNode    *tc_associate_to_dashboard_json (const TcAssociate *self);
/* Accepts any of the three forms above; unknown members are ignored. */
TcAssociate *tc_associate_from_json  (JsonNode  *node,
                                      GError   **error);

gboolean     tc_channel_is_valid     (const char *channel);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcAssociate, tc_associate_free)

G_END_DECLS
