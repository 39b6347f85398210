/* tc-smtp-client.h: one email out through libcurl's SMTP
 *
 * Blocking; for the delivery threads only. smtp:// upgrades with STARTTLS
 * when the server offers it (and goes on in clear when it does not),
 * smtps:// is TLS from the first byte; either way the server's certificate
 * and host name are verified (against @ca_file when set). Errors: TC_ERROR_UNAVAILABLE when
 * trying again later may help (connection refused, timeouts, 4xx, login
 * refused), TC_ERROR_INVALID when it will not (5xx for this recipient).
 * Messages never show the password.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *url;         /* smtp://host[:port][/helo-domain] or smtps:// */
  const char *username;    /* NULL: no AUTH */
  const char *password;
  const char *ca_file;     /* PEM CAs to trust instead of the system's, or NULL */
} TcSmtpSettings;

gboolean tc_smtp_send (const TcSmtpSettings  *settings,
                       const char            *envelope_from,
                       const char            *recipient,
                       GBytes                *message,
                       GError               **error);

G_END_DECLS
