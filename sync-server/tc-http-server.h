/* tc-http-server.h: the JSON HTTP API and the WebSocket endpoint */
#pragma once

#include <libsoup/soup.h>

#include "tc-config.h"
#include "tc-delivery.h"
#include "tc-hub.h"
#include "tc-media-library.h"
#include "tc-store.h"

G_BEGIN_DECLS

#define TC_TYPE_HTTP_SERVER (tc_http_server_get_type ())
G_DECLARE_FINAL_TYPE (TcHttpServer, tc_http_server, TC, HTTP_SERVER, GObject)

TcHttpServer *tc_http_server_new     (TcStore       *store,
                                      TcConfig      *config);
/* Starts listening on the configured address and port (TLS when the config
 * has a certificate); fills *out_url with e.g. "http://127.0.0.1:8080". */
gboolean      tc_http_server_listen  (TcHttpServer  *self,
                                      char         **out_url,
                                      GError       **error);
void          tc_http_server_stop    (TcHttpServer  *self);
/* Serves the content of the Documents and Media library from @library
 * (without one, content and thumbnails answer 503). */
void          tc_http_server_set_media_library (TcHttpServer   *self,
                                                TcMediaLibrary *library);
TcHub        *tc_http_server_get_hub (TcHttpServer  *self);
/* Enables the /hooks/ endpoints, which need the reply-token secret. */
void          tc_http_server_set_delivery (TcHttpServer *self,
                                           TcDelivery   *delivery);

G_END_DECLS
