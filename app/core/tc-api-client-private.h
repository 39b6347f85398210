/* tc-api-client-private.h: what the parts of TcApiClient share
 *
 * tc-api-client.c makes requests and turns failures into errors a person
 * can act on; tc-api-client-download.c streams resource content to files
 * with the same session, token and errors.
 */
#pragma once

#include "tc-api-client.h"

G_BEGIN_DECLS

SoupSession *tc_api_client_get_soup_session (TcApiClient  *self);
/* A request to @path with the bearer token; TC_ERROR_UNAUTHORIZED when
 * logged out, TC_ERROR_INVALID when the base URL is no server address. */
SoupMessage *tc_api_client_new_message      (TcApiClient  *self,
                                             const char   *method,
                                             const char   *path,
                                             GError      **error);
/* The server could not be reached or read: the error in words for people. */
GError      *tc_api_client_transport_error  (SoupMessage  *msg,
                                             GError       *error);
/* An answer with an error status (@node: its JSON body, or NULL). */
GError      *tc_api_client_status_error     (SoupMessage  *msg,
                                             JsonNode     *node);

G_END_DECLS
