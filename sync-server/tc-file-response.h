/* tc-file-response.h: stream part of a file as an HTTP answer
 *
 * The file is read in chunks on worker threads (tc-worker.h) and each
 * chunk handed to libsoup when the one before it is written, so a large
 * download neither sits in memory nor holds up the main loop.
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Takes @fd and sends @length bytes of it from @offset as the body of
 * @msg, whose status and headers are set; Content-Length is set here.
 * Call on the main loop, then unpause @msg. If the file ends early the
 * connection is closed (the client sees a short body, never wrong bytes). */
void tc_file_response_start (SoupServerMessage *msg,
                             int                fd,
                             goffset            offset,
                             goffset            length);

G_END_DECLS
