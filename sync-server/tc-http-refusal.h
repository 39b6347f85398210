/* tc-http-refusal.h: answering a request whose body will not be read */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Takes the connection of @msg from libsoup, writes the JSON error answer
 * for @error with "Connection: close", reads and drops what the client
 * still sends (at most a little, for a little while, so that the answer is
 * not lost to a TCP reset), then closes. For the early handler only. */
void tc_http_refuse (SoupServerMessage *msg,
                     const GError      *error);

G_END_DECLS
