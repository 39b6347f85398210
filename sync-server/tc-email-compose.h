/* tc-email-compose.h: the email that delivers a chat message (GMime)
 *
 * Pure: everything comes in as parameters, the message comes out as bytes
 * with CRLF line ends, ready for SMTP.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const char  *from;             /* [email] from, "Team Chat <chat@example.com>" */
  const char  *to_name;
  const char  *to_address;
  const char  *sender_name;      /* who wrote the chat message */
  const char  *body;             /* the chat message */
  const char * const *attachment_titles;  /* NULL-terminated, may be NULL */
  const char  *reply_to;         /* reply+TOKEN@domain, or NULL: replies are not read */
  const char  *message_id;       /* without the angle brackets */
  gint64       date_usec;
} TcEmailParams;

/* Calls g_mime_init() the first time; call once from the main thread
 * before any thread composes or parses mail. */
void     tc_email_init              (void);
/* TC_ERROR_INVALID when an address does not parse. */
GBytes  *tc_email_compose           (const TcEmailParams  *params,
                                     GError              **error);
/* The bare address of "Name <addr>" (or of "addr"), for the SMTP envelope;
 * NULL when @from has none. */
char    *tc_email_address_of        (const char           *from);

G_END_DECLS
