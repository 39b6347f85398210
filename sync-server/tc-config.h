/* tc-config.h: the settings of `teamchat-server serve`
 *
 * A TcConfig starts with the defaults; then, in this order (each one wins
 * over the ones before): tc_config_load_file() for --config FILE,
 * tc_config_load_environment() for the secrets in the environment, the
 * setters for the command-line options; last, tc_config_validate().
 *
 * The file is a GKeyFile (INI) with these groups and keys, all optional;
 * unknown groups and keys are errors:
 *
 *   [server]    port (0..65535, 8080), bind (IP address or "localhost",
 *               127.0.0.1), public_url (http:// or https://), db, media_dir,
 *               tls_cert, tls_key, session_check_seconds (1..3600, 30)
 *   [retention] days (1..3650, 90)
 *   [email]     smtp_url (smtp:// or smtps://), username, password, from,
 *               reply_domain (host name), webhook_secret
 *   [sms]       api_url (https:// or http://), account_sid, auth_token, from
 *   [delivery]  max_tries (1..100, 8), retry_seconds (1..604800, 30),
 *               max_retry_seconds (1..604800, 3600): offline delivery retries
 *   [limits]    messages_per_minute (120), login_failures_per_login (10),
 *               login_failures_per_address (100): each 0 = unlimited;
 *               login_window_seconds (1..31536000, 300)
 *   [websocket] allowed_origins (origins besides public_url's that a
 *               browser page may open WebSockets from; none),
 *               max_connections_per_associate (10; 0 = unlimited),
 *               frames_per_minute (600 per connection; 0 = unlimited),
 *               ping_interval_seconds (1..86400, 30),
 *               idle_timeout_seconds (2..86400, 75; longer than the ping
 *               interval), max_queued_bytes (4096 or more, 1 MiB)
 *   [database]  pool_size (1..1000, 10), heartbeat_seconds (1..3600, 5),
 *               presence_timeout_seconds (2..7200, 15; at least twice the
 *               heartbeat): PostgreSQL only
 *
 * Values are trimmed. As in the example of the API contract, a "#" after a
 * space or tab starts a comment that runs to the end of the line, so a
 * value cannot contain " #" (put such a secret in the environment). An
 * empty value leaves a setting unset, except "from", which must not be
 * empty. Secret values (passwords, tokens, URLs that may carry a password)
 * never appear in error messages or logs.
 *
 * Getters of unset strings return NULL. Not thread-safe for writing; once
 * set up it may be read from any thread.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define TC_CONFIG_DEFAULT_PORT                       8080
#define TC_CONFIG_DEFAULT_BIND                       "127.0.0.1"
#define TC_CONFIG_DEFAULT_RETENTION_DAYS             90
#define TC_CONFIG_DEFAULT_MESSAGES_PER_MINUTE        120
#define TC_CONFIG_DEFAULT_LOGIN_FAILURES_PER_LOGIN   10
#define TC_CONFIG_DEFAULT_LOGIN_FAILURES_PER_ADDRESS 100
#define TC_CONFIG_DEFAULT_LOGIN_WINDOW_SECONDS       300
#define TC_CONFIG_DEFAULT_DELIVERY_MAX_TRIES         8
#define TC_CONFIG_DEFAULT_DELIVERY_RETRY_SECONDS     30
#define TC_CONFIG_DEFAULT_DELIVERY_MAX_RETRY_SECONDS 3600
#define TC_CONFIG_MAX_DELIVERY_TRIES                 100
#define TC_CONFIG_MAX_RETRY_SECONDS                  604800

#define TC_CONFIG_DEFAULT_WS_MAX_CONNECTIONS_PER_ASSOCIATE 10
#define TC_CONFIG_DEFAULT_WS_FRAMES_PER_MINUTE       600
#define TC_CONFIG_DEFAULT_WS_PING_INTERVAL_SECONDS   30
#define TC_CONFIG_DEFAULT_WS_IDLE_TIMEOUT_SECONDS    75
#define TC_CONFIG_DEFAULT_WS_MAX_QUEUED_BYTES        (1024 * 1024)
#define TC_CONFIG_DEFAULT_SESSION_CHECK_SECONDS      30
#define TC_CONFIG_MAX_SESSION_CHECK_SECONDS          3600
#define TC_CONFIG_MAX_WS_SECONDS                     86400
#define TC_CONFIG_MIN_WS_QUEUED_BYTES                4096
#define TC_CONFIG_DEFAULT_POOL_SIZE                  10
#define TC_CONFIG_DEFAULT_HEARTBEAT_SECONDS          5
#define TC_CONFIG_DEFAULT_PRESENCE_TIMEOUT_SECONDS   15
#define TC_CONFIG_MAX_POOL_SIZE                      1000
#define TC_CONFIG_MAX_HEARTBEAT_SECONDS              3600

#define TC_CONFIG_MAX_RETENTION_DAYS                 3650
#define TC_CONFIG_MAX_LOGIN_WINDOW_SECONDS           31536000

#define TC_TYPE_CONFIG (tc_config_get_type ())
G_DECLARE_FINAL_TYPE (TcConfig, tc_config, TC, CONFIG, GObject)

TcConfig   *tc_config_new                         (void);
gboolean    tc_config_load_file                   (TcConfig    *self,
                                                   const char  *path,
                                                   GError     **error);
void        tc_config_load_environment            (TcConfig    *self);
gboolean    tc_config_validate                    (TcConfig    *self,
                                                   GError     **error);
gboolean    tc_config_email_enabled               (TcConfig    *self);
gboolean    tc_config_sms_enabled                 (TcConfig    *self);

/* [server] */
guint       tc_config_get_port                    (TcConfig    *self);
void        tc_config_set_port                    (TcConfig    *self,
                                                   guint        port);
const char *tc_config_get_bind                    (TcConfig    *self);
void        tc_config_set_bind                    (TcConfig    *self,
                                                   const char  *bind);
const char *tc_config_get_public_url              (TcConfig    *self);
void        tc_config_set_public_url              (TcConfig    *self,
                                                   const char  *public_url);
const char *tc_config_get_db                      (TcConfig    *self);
void        tc_config_set_db                      (TcConfig    *self,
                                                   const char  *db);
const char *tc_config_get_media_dir               (TcConfig    *self);
void        tc_config_set_media_dir               (TcConfig    *self,
                                                   const char  *media_dir);
const char *tc_config_get_tls_cert                (TcConfig    *self);
void        tc_config_set_tls_cert                (TcConfig    *self,
                                                   const char  *tls_cert);
const char *tc_config_get_tls_key                 (TcConfig    *self);
void        tc_config_set_tls_key                 (TcConfig    *self,
                                                   const char  *tls_key);

/* [retention] */
guint       tc_config_get_retention_days          (TcConfig    *self);
void        tc_config_set_retention_days          (TcConfig    *self,
                                                   guint        days);

/* [email] */
const char *tc_config_get_email_smtp_url          (TcConfig    *self);
void        tc_config_set_email_smtp_url          (TcConfig    *self,
                                                   const char  *smtp_url);
const char *tc_config_get_email_username          (TcConfig    *self);
void        tc_config_set_email_username          (TcConfig    *self,
                                                   const char  *username);
const char *tc_config_get_email_password          (TcConfig    *self);
const char *tc_config_get_email_ca_file           (TcConfig    *self);
void        tc_config_set_email_password          (TcConfig    *self,
                                                   const char  *password);
const char *tc_config_get_email_from              (TcConfig    *self);
void        tc_config_set_email_from              (TcConfig    *self,
                                                   const char  *from);
const char *tc_config_get_email_reply_domain      (TcConfig    *self);
void        tc_config_set_email_reply_domain      (TcConfig    *self,
                                                   const char  *reply_domain);
const char *tc_config_get_email_webhook_secret    (TcConfig    *self);
void        tc_config_set_email_webhook_secret    (TcConfig    *self,
                                                   const char  *webhook_secret);

/* [sms] */
const char *tc_config_get_sms_api_url             (TcConfig    *self);
void        tc_config_set_sms_api_url             (TcConfig    *self,
                                                   const char  *api_url);
const char *tc_config_get_sms_account_sid         (TcConfig    *self);
void        tc_config_set_sms_account_sid         (TcConfig    *self,
                                                   const char  *account_sid);
const char *tc_config_get_sms_auth_token          (TcConfig    *self);
void        tc_config_set_sms_auth_token          (TcConfig    *self,
                                                   const char  *auth_token);
const char *tc_config_get_sms_from                (TcConfig    *self);
void        tc_config_set_sms_from                (TcConfig    *self,
                                                   const char  *from);

/* [delivery] */
guint       tc_config_get_delivery_max_tries      (TcConfig    *self);
guint       tc_config_get_delivery_retry_seconds  (TcConfig    *self);
guint       tc_config_get_delivery_max_retry_seconds (TcConfig *self);

/* [limits] */
guint       tc_config_get_messages_per_minute     (TcConfig    *self);
void        tc_config_set_messages_per_minute     (TcConfig    *self,
                                                   guint        messages_per_minute);
guint       tc_config_get_login_failures_per_login   (TcConfig *self);
void        tc_config_set_login_failures_per_login   (TcConfig *self,
                                                      guint     failures);
guint       tc_config_get_login_failures_per_address (TcConfig *self);
void        tc_config_set_login_failures_per_address (TcConfig *self,
                                                      guint     failures);
guint       tc_config_get_login_window_seconds    (TcConfig    *self);
void        tc_config_set_login_window_seconds    (TcConfig    *self,
                                                   guint        seconds);

/* [websocket] */
gboolean    tc_config_origin_is_allowed           (TcConfig    *self,
                                                   const char  *origin);
guint       tc_config_get_ws_max_connections_per_associate (TcConfig *self);
guint       tc_config_get_ws_frames_per_minute    (TcConfig    *self);
guint       tc_config_get_ws_ping_interval_seconds (TcConfig   *self);
guint       tc_config_get_session_check_seconds    (TcConfig   *self);
guint       tc_config_get_ws_idle_timeout_seconds (TcConfig    *self);
guint       tc_config_get_ws_max_queued_bytes     (TcConfig    *self);
/* [database] (PostgreSQL only) */
guint       tc_config_get_database_pool_size      (TcConfig    *self);
guint       tc_config_get_database_heartbeat_seconds (TcConfig *self);
guint       tc_config_get_database_presence_timeout_seconds (TcConfig *self);

G_END_DECLS
