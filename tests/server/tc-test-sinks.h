/* tc-test-sinks.h: the real outside parts offline delivery talks to
 *
 * An SMTP server (tests/server/smtp-sink.py, Debian's python3-aiosmtpd)
 * and an HTTP receiver standing in for the SMS provider
 * (tests/server/sms-sink.py), each run with Debian's /usr/bin/python3 and
 * writing what it receives, one file per message, into a directory.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _TcTestSink TcTestSink;

#define TC_TEST_SMS_SID   "AC123"
#define TC_TEST_SMS_TOKEN "sms-auth-token-for-tests"

/* A free TCP port on 127.0.0.1 (nothing listens on it yet), outside the
 * range the kernel hands to outgoing connections. */
guint16      tc_test_free_port      (void);
/* Starts the SMTP server on @port, writing into @dir (made if missing);
 * @auth is "user:password" to require AUTH, or NULL. */
TcTestSink  *tc_test_smtp_sink_new  (guint16      port,
                                     const char  *dir,
                                     const char  *auth);
/* How the SMTP server speaks TLS. */
typedef enum {
  TC_TEST_SMTP_STARTTLS,   /* offers STARTTLS and refuses mail before it */
  TC_TEST_SMTP_SMTPS,      /* TLS from the first byte */
} TcTestSmtpTls;

/* The same with TLS, with the PEM certificate @cert and key @key. */
TcTestSink  *tc_test_smtp_sink_new_tls (guint16        port,
                                        const char    *dir,
                                        TcTestSmtpTls  tls,
                                        const char    *cert,
                                        const char    *key);
/* Makes a self-signed certificate for 127.0.0.1 and localhost (openssl)
 * in @dir: @dir/cert.pem and @dir/key.pem. */
void         tc_test_make_certificate  (const char    *dir,
                                        char         **cert,
                                        char         **key);
/* Starts the SMS receiver on @port, writing into @dir; posts to any of
 * the NULL-terminated @rejected numbers get 400. */
TcTestSink  *tc_test_sms_sink_new   (guint16      port,
                                     const char  *dir,
                                     const char * const *rejected);
/* The same, answering the first @n_failures posts with 503 (not recorded). */
TcTestSink  *tc_test_sms_sink_new_failing (guint16    port,
                                     const char  *dir,
                                     const char * const *rejected,
                                     guint        n_failures);
void         tc_test_sink_free      (TcTestSink  *self);
/* Waits (up to a generous safety limit) until @dir holds at least @n
 * received messages; returns all their contents (GBytes), oldest first. */
GPtrArray   *tc_test_sink_wait      (const char  *dir,
                                     guint        n);
/* The contents received so far, oldest first. */
GPtrArray   *tc_test_sink_received  (const char  *dir);
/* Polls @func until it returns TRUE (fails the test after a safety limit). */
void         tc_test_wait_until     (gboolean   (*func) (gpointer data),
                                     gpointer     data,
                                     const char  *what);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcTestSink, tc_test_sink_free)

G_END_DECLS
