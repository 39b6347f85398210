/* tc-config.c: the settings of `teamchat-server serve` */
#include "config.h"

#include <string.h>
#include <gio/gio.h>

#include "tc-config.h"
#include "tc-error.h"

typedef struct
{
  /* [server] */
  guint  port;
  char  *bind;
  char  *public_url;
  char  *db;
  char  *media_dir;
  char  *tls_cert;
  char  *tls_key;
  /* [retention] */
  guint  retention_days;
  /* [email] */
  char  *email_smtp_url;
  char  *email_username;
  char  *email_password;
  char  *email_ca_file;
  char  *email_from;
  char  *email_reply_domain;
  char  *email_webhook_secret;
  /* [sms] */
  char  *sms_api_url;
  char  *sms_account_sid;
  char  *sms_auth_token;
  char  *sms_from;
  /* [delivery] */
  guint  delivery_max_tries;
  guint  delivery_retry_seconds;
  guint  delivery_max_retry_seconds;
  /* [limits] */
  guint  messages_per_minute;
  guint  login_failures_per_login;
  guint  login_failures_per_address;
  guint  login_window_seconds;
  /* [websocket] */
  char  *ws_allowed_origins;       /* normalized, separated by "," */
  guint  ws_max_connections_per_associate;
  guint  ws_frames_per_minute;
  guint  ws_ping_interval_seconds;
  guint  ws_idle_timeout_seconds;
  guint  ws_max_queued_bytes;
  guint  session_check_seconds;    /* [server] */
  /* [database] */
  guint  database_pool_size;
  guint  database_heartbeat_seconds;
  guint  database_presence_timeout_seconds;
} Settings;

struct _TcConfig
{
  GObject  parent_instance;

  Settings s;
};

G_DEFINE_FINAL_TYPE (TcConfig, tc_config, G_TYPE_OBJECT)

/* --- the keys of the file ------------------------------------------------- */

typedef enum
{
  KEY_UINT,       /* guint in min..max */
  KEY_STRING,     /* free text, may be shown in messages */
  KEY_SECRET,     /* free text, never shown */
  KEY_FROM,       /* free text, must not be empty */
  KEY_BIND,       /* IP address or "localhost" */
  KEY_PUBLIC_URL, /* http(s)://host[/path], no query or fragment */
  KEY_SMTP_URL,   /* smtp(s)://..., never shown (may carry a password) */
  KEY_API_URL,    /* http(s)://..., never shown (may carry a password) */
  KEY_HOSTNAME,   /* a DNS host name */
  KEY_ORIGINS,    /* web origins (scheme://host[:port]), separated by commas or blanks */
} KeyType;

typedef struct
{
  const char *group;
  const char *key;
  KeyType     type;
  gsize       offset;
  guint       min;
  guint       max;
} KeyInfo;

#define STR_KEY(g, k, t, field) { g, k, t, G_STRUCT_OFFSET (Settings, field), 0, 0 }
#define UINT_KEY(g, k, field, lo, hi) { g, k, KEY_UINT, G_STRUCT_OFFSET (Settings, field), lo, hi }

static const KeyInfo keys[] = {
  UINT_KEY ("server", "port", port, 0, 65535),
  STR_KEY ("server", "bind", KEY_BIND, bind),
  STR_KEY ("server", "public_url", KEY_PUBLIC_URL, public_url),
  STR_KEY ("server", "db", KEY_SECRET, db),   /* a PostgreSQL URI may hold a password */
  STR_KEY ("server", "media_dir", KEY_STRING, media_dir),
  STR_KEY ("server", "tls_cert", KEY_STRING, tls_cert),
  STR_KEY ("server", "tls_key", KEY_STRING, tls_key),
  UINT_KEY ("server", "session_check_seconds", session_check_seconds, 1,
            TC_CONFIG_MAX_SESSION_CHECK_SECONDS),

  UINT_KEY ("retention", "days", retention_days, 1, TC_CONFIG_MAX_RETENTION_DAYS),

  STR_KEY ("email", "smtp_url", KEY_SMTP_URL, email_smtp_url),
  STR_KEY ("email", "username", KEY_STRING, email_username),
  STR_KEY ("email", "password", KEY_SECRET, email_password),
  STR_KEY ("email", "ca_file", KEY_STRING, email_ca_file),
  STR_KEY ("email", "from", KEY_FROM, email_from),
  STR_KEY ("email", "reply_domain", KEY_HOSTNAME, email_reply_domain),
  STR_KEY ("email", "webhook_secret", KEY_SECRET, email_webhook_secret),

  STR_KEY ("sms", "api_url", KEY_API_URL, sms_api_url),
  STR_KEY ("sms", "account_sid", KEY_STRING, sms_account_sid),
  STR_KEY ("sms", "auth_token", KEY_SECRET, sms_auth_token),
  STR_KEY ("sms", "from", KEY_FROM, sms_from),

  UINT_KEY ("delivery", "max_tries", delivery_max_tries, 1, TC_CONFIG_MAX_DELIVERY_TRIES),
  UINT_KEY ("delivery", "retry_seconds", delivery_retry_seconds, 1, TC_CONFIG_MAX_RETRY_SECONDS),
  UINT_KEY ("delivery", "max_retry_seconds", delivery_max_retry_seconds, 1,
            TC_CONFIG_MAX_RETRY_SECONDS),

  UINT_KEY ("limits", "messages_per_minute", messages_per_minute, 0, G_MAXINT),
  UINT_KEY ("limits", "login_failures_per_login", login_failures_per_login, 0, G_MAXINT),
  UINT_KEY ("limits", "login_failures_per_address", login_failures_per_address, 0, G_MAXINT),
  UINT_KEY ("limits", "login_window_seconds", login_window_seconds, 1,
            TC_CONFIG_MAX_LOGIN_WINDOW_SECONDS),

  STR_KEY ("websocket", "allowed_origins", KEY_ORIGINS, ws_allowed_origins),
  UINT_KEY ("websocket", "max_connections_per_associate", ws_max_connections_per_associate, 0,
            G_MAXINT),
  UINT_KEY ("websocket", "frames_per_minute", ws_frames_per_minute, 0, G_MAXINT),
  UINT_KEY ("websocket", "ping_interval_seconds", ws_ping_interval_seconds, 1,
            TC_CONFIG_MAX_WS_SECONDS),
  UINT_KEY ("websocket", "idle_timeout_seconds", ws_idle_timeout_seconds, 2,
            TC_CONFIG_MAX_WS_SECONDS),
  UINT_KEY ("websocket", "max_queued_bytes", ws_max_queued_bytes, TC_CONFIG_MIN_WS_QUEUED_BYTES,
            G_MAXINT),
  UINT_KEY ("database", "pool_size", database_pool_size, 1, TC_CONFIG_MAX_POOL_SIZE),
  UINT_KEY ("database", "heartbeat_seconds", database_heartbeat_seconds, 1,
            TC_CONFIG_MAX_HEARTBEAT_SECONDS),
  UINT_KEY ("database", "presence_timeout_seconds", database_presence_timeout_seconds, 2,
            2 * TC_CONFIG_MAX_HEARTBEAT_SECONDS),
};

#undef STR_KEY
#undef UINT_KEY

static const char * const groups[] = { "server", "retention", "email", "sms", "delivery", "limits",
                                       "websocket", "database" };

static gboolean
is_known_group (const char *group)
{
  for (guint i = 0; i < G_N_ELEMENTS (groups); i++)
    {
      if (strcmp (groups[i], group) == 0)
        return TRUE;
    }
  return FALSE;
}

static const KeyInfo *
find_key (const char *group,
          const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      if (strcmp (keys[i].group, group) == 0 && strcmp (keys[i].key, key) == 0)
        return &keys[i];
    }
  return NULL;
}

/* --- settings ------------------------------------------------------------- */

static void
settings_init_defaults (Settings *s)
{
  memset (s, 0, sizeof *s);
  s->port = TC_CONFIG_DEFAULT_PORT;
  s->bind = g_strdup (TC_CONFIG_DEFAULT_BIND);
  s->retention_days = TC_CONFIG_DEFAULT_RETENTION_DAYS;
  s->delivery_max_tries = TC_CONFIG_DEFAULT_DELIVERY_MAX_TRIES;
  s->delivery_retry_seconds = TC_CONFIG_DEFAULT_DELIVERY_RETRY_SECONDS;
  s->delivery_max_retry_seconds = TC_CONFIG_DEFAULT_DELIVERY_MAX_RETRY_SECONDS;
  s->messages_per_minute = TC_CONFIG_DEFAULT_MESSAGES_PER_MINUTE;
  s->login_failures_per_login = TC_CONFIG_DEFAULT_LOGIN_FAILURES_PER_LOGIN;
  s->login_failures_per_address = TC_CONFIG_DEFAULT_LOGIN_FAILURES_PER_ADDRESS;
  s->login_window_seconds = TC_CONFIG_DEFAULT_LOGIN_WINDOW_SECONDS;
  s->ws_max_connections_per_associate = TC_CONFIG_DEFAULT_WS_MAX_CONNECTIONS_PER_ASSOCIATE;
  s->ws_frames_per_minute = TC_CONFIG_DEFAULT_WS_FRAMES_PER_MINUTE;
  s->ws_ping_interval_seconds = TC_CONFIG_DEFAULT_WS_PING_INTERVAL_SECONDS;
  s->ws_idle_timeout_seconds = TC_CONFIG_DEFAULT_WS_IDLE_TIMEOUT_SECONDS;
  s->ws_max_queued_bytes = TC_CONFIG_DEFAULT_WS_MAX_QUEUED_BYTES;
  s->session_check_seconds = TC_CONFIG_DEFAULT_SESSION_CHECK_SECONDS;
  s->database_pool_size = TC_CONFIG_DEFAULT_POOL_SIZE;
  s->database_heartbeat_seconds = TC_CONFIG_DEFAULT_HEARTBEAT_SECONDS;
  s->database_presence_timeout_seconds = TC_CONFIG_DEFAULT_PRESENCE_TIMEOUT_SECONDS;
}

static char **
settings_string (Settings *s,
                 gsize     offset)
{
  return G_STRUCT_MEMBER_P (s, offset);
}

static guint *
settings_uint (Settings *s,
               gsize     offset)
{
  return G_STRUCT_MEMBER_P (s, offset);
}

/* Every string member of Settings is a key of the file, so the key table
 * lists them all. */
static void
settings_copy (Settings       *dest,
               const Settings *src)
{
  *dest = *src;
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      if (keys[i].type != KEY_UINT)
        {
          char **field = settings_string (dest, keys[i].offset);
          *field = g_strdup (*field);
        }
    }
}

static void
settings_clear (Settings *s)
{
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      if (keys[i].type != KEY_UINT)
        g_clear_pointer (settings_string (s, keys[i].offset), g_free);
    }
}

/* --- GObject -------------------------------------------------------------- */

static void
tc_config_finalize (GObject *object)
{
  TcConfig *self = TC_CONFIG (object);

  settings_clear (&self->s);

  G_OBJECT_CLASS (tc_config_parent_class)->finalize (object);
}

static void
tc_config_class_init (TcConfigClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tc_config_finalize;
}

static void
tc_config_init (TcConfig *self)
{
  settings_init_defaults (&self->s);
}

/**
 * tc_config_new:
 *
 * Returns: (transfer full): a configuration holding the defaults
 */
TcConfig *
tc_config_new (void)
{
  return g_object_new (TC_TYPE_CONFIG, NULL);
}

/* --- checks on values ----------------------------------------------------- */

static gboolean
has_control_chars (const char *value)
{
  for (const char *p = value; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || *p == 0x7f)
        return TRUE;
    }
  return FALSE;
}

/* A host name in ASCII (IDN converted), lower case, or NULL. */
static char *
normalize_hostname (const char *value)
{
  g_autofree char *ascii = g_hostname_to_ascii (value);
  g_auto(GStrv) labels = NULL;
  gsize len;

  if (ascii == NULL || g_hostname_is_ip_address (ascii))
    return NULL;
  len = strlen (ascii);
  if (len > 0 && ascii[len - 1] == '.')
    ascii[--len] = '\0';
  if (len == 0 || len > 253)
    return NULL;

  labels = g_strsplit (ascii, ".", -1);
  for (guint i = 0; labels[i] != NULL; i++)
    {
      const char *label = labels[i];
      gsize label_len = strlen (label);

      if (label_len == 0 || label_len > 63 || label[0] == '-' || label[label_len - 1] == '-')
        return NULL;
      for (const char *p = label; *p != '\0'; p++)
        {
          if (!g_ascii_isalnum (*p) && *p != '-')
            return NULL;
        }
    }

  return g_ascii_strdown (ascii, -1);
}

/* TRUE when @value is an absolute URL with one of @schemes (NULL-terminated)
 * and a host. */
static gboolean
is_url_with_scheme (const char         *value,
                    const char * const *schemes,
                    GUri              **out_uri)
{
  g_autoptr(GUri) uri = g_uri_parse (value, G_URI_FLAGS_NONE, NULL);
  const char *host;
  gboolean scheme_ok = FALSE;

  if (uri == NULL)
    return FALSE;
  for (guint i = 0; schemes[i] != NULL; i++)
    scheme_ok = scheme_ok || g_ascii_strcasecmp (g_uri_get_scheme (uri), schemes[i]) == 0;
  host = g_uri_get_host (uri);
  if (!scheme_ok || host == NULL || *host == '\0')
    return FALSE;

  if (out_uri != NULL)
    *out_uri = g_steal_pointer (&uri);
  return TRUE;
}

static const char * const http_schemes[] = { "https", "http", NULL };
static const char * const smtp_schemes[] = { "smtp", "smtps", NULL };

/* @value without trailing slashes (the hook paths are appended to it). */
static char *
normalize_public_url (const char *value)
{
  gsize len = strlen (value);

  while (len > 0 && value[len - 1] == '/')
    len--;
  return g_strndup (value, len);
}

static gboolean
is_public_url (const char *value)
{
  g_autoptr(GUri) uri = NULL;

  if (!is_url_with_scheme (value, http_schemes, &uri))
    return FALSE;
  return g_uri_get_query (uri) == NULL && g_uri_get_fragment (uri) == NULL &&
         g_uri_get_userinfo (uri) == NULL;
}

static gboolean
is_bind_address (const char *value)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (value);

  return address != NULL || strcmp (value, "localhost") == 0;
}

/* "https://Chat.Example.com:443" → "https://chat.example.com": scheme and
 * host in lower case, the default port dropped; NULL when @value is not an
 * http(s) origin (a path, a query or a user name are not allowed). */
static char *
normalize_origin (const char *value)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *scheme = NULL;
  g_autofree char *host = NULL;
  const char *path;
  int port;

  if (!is_url_with_scheme (value, http_schemes, &uri))
    return NULL;
  path = g_uri_get_path (uri);
  if ((path != NULL && *path != '\0' && strcmp (path, "/") != 0) ||
      g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL ||
      g_uri_get_userinfo (uri) != NULL)
    return NULL;
  scheme = g_ascii_strdown (g_uri_get_scheme (uri), -1);
  host = g_ascii_strdown (g_uri_get_host (uri), -1);
  port = g_uri_get_port (uri);
  if (port == (g_str_equal (scheme, "https") ? 443 : 80))
    port = -1;
  if (strchr (host, ':') != NULL)   /* an IPv6 address */
    return port > 0 ? g_strdup_printf ("%s://[%s]:%d", scheme, host, port)
                    : g_strdup_printf ("%s://[%s]", scheme, host);
  return port > 0 ? g_strdup_printf ("%s://%s:%d", scheme, host, port)
                  : g_strdup_printf ("%s://%s", scheme, host);
}

/* A list of origins, separated by commas or blanks, normalized and joined
 * by ","; NULL (with *out_bad set to the first bad one) on error. */
static char *
normalize_origin_list (const char  *value,
                       char       **out_bad)
{
  g_auto(GStrv) items = g_strsplit_set (value, ", \t", -1);
  g_autoptr(GPtrArray) origins = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; items[i] != NULL; i++)
    {
      char *origin;

      if (*items[i] == '\0')
        continue;
      origin = normalize_origin (items[i]);
      if (origin == NULL)
        {
          *out_bad = g_strdup (items[i]);
          return NULL;
        }
      g_ptr_array_add (origins, origin);
    }
  g_ptr_array_add (origins, NULL);
  return g_strjoinv (",", (char **) origins->pdata);
}

/* --- loading the file ----------------------------------------------------- */

/* Printable form of a value for one-line messages. */
static char *
displayable (const char *value)
{
  char *copy = g_utf8_make_valid (value, -1);

  for (char *p = copy; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || *p == 0x7f)
        *p = ' ';
    }
  return copy;
}

/* Parses one trimmed @value of @info into @s. */
static gboolean
parse_value (Settings       *s,
             const KeyInfo  *info,
             const char     *value,
             const char     *where,
             GError        **error)
{
  char **field = NULL;
  g_autofree char *shown = displayable (value);
  g_autofree char *normalized = NULL;

  if (info->type == KEY_UINT)
    {
      guint64 number;

      if (!g_ascii_string_to_unsigned (value, 10, info->min, info->max, &number, NULL))
        {
          if (info->max == G_MAXINT)
            g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                         "%s: [%s] %s “%s” must be a whole number, %u or more",
                         where, info->group, info->key, shown, info->min);
          else
            g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                         "%s: [%s] %s “%s” must be a whole number from %u to %u",
                         where, info->group, info->key, shown, info->min, info->max);
          return FALSE;
        }
      *settings_uint (s, info->offset) = (guint) number;
      return TRUE;
    }

  field = settings_string (s, info->offset);

  if (has_control_chars (value))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                   "%s: [%s] %s must not contain control characters",
                   where, info->group, info->key);
      return FALSE;
    }

  if (*value == '\0')
    {
      if (info->type == KEY_FROM)
        {
          g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                       "%s: [%s] %s must not be empty", where, info->group, info->key);
          return FALSE;
        }
      g_clear_pointer (field, g_free);
      return TRUE;
    }

  switch (info->type)
    {
    case KEY_STRING:
    case KEY_SECRET:
    case KEY_FROM:
      break;

    case KEY_BIND:
      if (!is_bind_address (value))
        {
          g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                       "%s: [%s] %s “%s” is not an IP address or “localhost”",
                       where, info->group, info->key, shown);
          return FALSE;
        }
      break;

    case KEY_PUBLIC_URL:
      if (!is_public_url (value))
        {
          g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                       "%s: [%s] %s “%s” is not an http:// or https:// URL "
                       "(without query, fragment or user name)",
                       where, info->group, info->key, shown);
          return FALSE;
        }
      normalized = normalize_public_url (value);
      break;

    case KEY_SMTP_URL:
      if (!is_url_with_scheme (value, smtp_schemes, NULL))
        {
          g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                       "%s: [%s] %s is not an smtp:// or smtps:// URL with a host",
                       where, info->group, info->key);
          return FALSE;
        }
      break;

    case KEY_API_URL:
      if (!is_url_with_scheme (value, http_schemes, NULL))
        {
          g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                       "%s: [%s] %s is not an https:// or http:// URL with a host",
                       where, info->group, info->key);
          return FALSE;
        }
      break;

    case KEY_HOSTNAME:
      normalized = normalize_hostname (value);
      if (normalized == NULL)
        {
          g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                       "%s: [%s] %s “%s” is not a host name",
                       where, info->group, info->key, shown);
          return FALSE;
        }
      break;

    case KEY_ORIGINS:
      {
        g_autofree char *bad = NULL;

        normalized = normalize_origin_list (value, &bad);
        if (normalized == NULL)
          {
            g_autofree char *shown_bad = displayable (bad);
            g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                         "%s: [%s] %s: “%s” is not an origin such as https://chat.example.com "
                         "(scheme, host and port only)",
                         where, info->group, info->key, shown_bad);
            return FALSE;
          }
      }
      break;

    case KEY_UINT:
    default:
      g_assert_not_reached ();
    }

  g_free (*field);
  *field = normalized != NULL ? g_steal_pointer (&normalized) : g_strdup (value);
  return TRUE;
}

/* Cuts the comments that follow a group header or a value after a space or
 * a tab (the API contract's example has them; GKeyFile does not know them)
 * and refuses localized keys ("key[de]"), which GKeyFile would hide from
 * the unknown-key check. */
static char *
strip_inline_comments (const char  *contents,
                       const char  *where,
                       GError     **error)
{
  g_auto(GStrv) lines = g_strsplit (contents, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      char *start = line;
      char *p;

      while (*start == ' ' || *start == '\t')
        start++;
      if (*start == '#' || *start == '\0')
        continue;

      if (*start != '[')
        {
          char *equals = strchr (start, '=');

          if (equals != NULL)
            {
              g_autofree char *key = g_strstrip (g_strndup (start, equals - start));

              if (strchr (key, '[') != NULL)
                {
                  g_autofree char *shown = displayable (key);
                  g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                               "%s: line %u: unknown key “%s” (localized keys are not used)",
                               where, i + 1, shown);
                  return NULL;
                }
              start = equals + 1;
            }
        }

      for (p = start; *p != '\0'; p++)
        {
          if (*p == '#' && p > line && (p[-1] == ' ' || p[-1] == '\t'))
            {
              *p = '\0';
              break;
            }
        }
    }

  return g_strjoinv ("\n", lines);
}

/**
 * tc_config_load_file:
 * @self: a configuration
 * @path: the configuration file (GKeyFile syntax, see tc-config.h)
 * @error: return location for a #TC_ERROR_INVALID error
 *
 * Reads @path over the current settings. On error nothing changes and the
 * message (one line, for administrators) names the file and the group and
 * key at fault; it never shows a secret.
 *
 * Returns: %TRUE on success
 */
gboolean
tc_config_load_file (TcConfig    *self,
                     const char  *path,
                     GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GKeyFile) key_file = NULL;
  g_autofree char *where = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *stripped = NULL;
  g_auto(GStrv) file_groups = NULL;
  gsize length;
  Settings s;

  g_return_val_if_fail (TC_IS_CONFIG (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  where = g_filename_display_name (path);

  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                   "cannot read the configuration file: %s", local_error->message);
      return FALSE;
    }
  if (!g_utf8_validate (contents, length, NULL))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "%s: not UTF-8 text", where);
      return FALSE;
    }

  stripped = strip_inline_comments (contents, where, error);
  if (stripped == NULL)
    return FALSE;

  key_file = g_key_file_new ();
  if (!g_key_file_load_from_data (key_file, stripped, -1, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "%s: %s", where, local_error->message);
      return FALSE;
    }

  /* First the names, so a misspelt key is reported as such. */
  file_groups = g_key_file_get_groups (key_file, NULL);
  for (guint g = 0; file_groups[g] != NULL; g++)
    {
      g_auto(GStrv) file_keys = NULL;

      if (!is_known_group (file_groups[g]))
        {
          g_autofree char *shown = displayable (file_groups[g]);
          g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                       "%s: unknown group [%s]", where, shown);
          return FALSE;
        }

      file_keys = g_key_file_get_keys (key_file, file_groups[g], NULL, NULL);
      for (guint k = 0; file_keys != NULL && file_keys[k] != NULL; k++)
        {
          if (find_key (file_groups[g], file_keys[k]) == NULL)
            {
              g_autofree char *shown = displayable (file_keys[k]);
              g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                           "%s: unknown key “%s” in group [%s]", where, shown, file_groups[g]);
              return FALSE;
            }
        }
    }

  settings_copy (&s, &self->s);

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autofree char *value = NULL;

      if (!g_key_file_has_key (key_file, keys[i].group, keys[i].key, NULL))
        continue;

      /* GKeyFile may set an error (a bad escape sequence) and still
       * return a value. Its message shows the raw value, maybe a secret. */
      value = g_key_file_get_string (key_file, keys[i].group, keys[i].key, &local_error);
      if (value == NULL || local_error != NULL)
        {
          g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                       "%s: [%s] %s is not a valid value", where, keys[i].group, keys[i].key);
          settings_clear (&s);
          return FALSE;
        }

      if (!parse_value (&s, &keys[i], g_strstrip (value), where, error))
        {
          settings_clear (&s);
          return FALSE;
        }
    }

  settings_clear (&self->s);
  self->s = s;

  g_debug ("Configuration read from %s", where);
  return TRUE;
}

/**
 * tc_config_load_environment:
 * @self: a configuration
 *
 * Takes the secrets from the environment, over those of the file:
 * TEAMCHAT_SMS_AUTH_TOKEN ([sms] auth_token), TEAMCHAT_EMAIL_SECRET
 * ([email] webhook_secret) and TEAMCHAT_SMTP_PASSWORD ([email] password).
 * Unset or empty variables change nothing.
 */
void
tc_config_load_environment (TcConfig *self)
{
  static const struct {
    const char *variable;
    gsize       offset;
  } secrets[] = {
    { "TEAMCHAT_SMS_AUTH_TOKEN", G_STRUCT_OFFSET (Settings, sms_auth_token) },
    { "TEAMCHAT_EMAIL_SECRET", G_STRUCT_OFFSET (Settings, email_webhook_secret) },
    { "TEAMCHAT_SMTP_PASSWORD", G_STRUCT_OFFSET (Settings, email_password) },
  };

  g_return_if_fail (TC_IS_CONFIG (self));

  for (guint i = 0; i < G_N_ELEMENTS (secrets); i++)
    {
      const char *value = g_getenv (secrets[i].variable);
      char **field = settings_string (&self->s, secrets[i].offset);

      if (value == NULL || *value == '\0')
        continue;
      g_free (*field);
      *field = g_strdup (value);
      g_debug ("Secret taken from %s", secrets[i].variable);
    }
}

/* --- checks across settings ----------------------------------------------- */

/**
 * tc_config_validate:
 * @self: a configuration
 * @error: return location for a #TC_ERROR_INVALID error
 *
 * Checks the rules between settings, once everything is set: a TLS
 * certificate goes with its key; a reply domain needs the webhook secret;
 * email needs both smtp_url and from; SMS, once any of its settings is
 * given, needs all of api_url, account_sid, auth_token and from.
 *
 * Returns: %TRUE when the settings can be used
 */
gboolean
tc_config_validate (TcConfig  *self,
                    GError   **error)
{
  const Settings *s;

  g_return_val_if_fail (TC_IS_CONFIG (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  s = &self->s;

  if (s->bind == NULL || !is_bind_address (s->bind))
    {
      g_autofree char *shown = displayable (s->bind ? s->bind : "");
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                   "bind address “%s” is not an IP address or “localhost”", shown);
      return FALSE;
    }

  if ((s->tls_cert == NULL) != (s->tls_key == NULL))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                   "TLS needs both a certificate and its key (--tls-cert and --tls-key, "
                   "or [server] tls_cert and tls_key); only the %s is given",
                   s->tls_cert != NULL ? "certificate" : "key");
      return FALSE;
    }

  if (s->ws_idle_timeout_seconds <= s->ws_ping_interval_seconds)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                   "[websocket] idle_timeout_seconds (%u) must be longer than "
                   "ping_interval_seconds (%u), or every client would be dropped",
                   s->ws_idle_timeout_seconds, s->ws_ping_interval_seconds);
      return FALSE;
    }

  /* One late heartbeat must not make a process count as dead. */
  if (s->database_presence_timeout_seconds < 2 * s->database_heartbeat_seconds)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                   "[database] presence_timeout_seconds (%u) must be at least twice "
                   "heartbeat_seconds (%u)",
                   s->database_presence_timeout_seconds, s->database_heartbeat_seconds);
      return FALSE;
    }

  if (s->email_reply_domain != NULL && s->email_webhook_secret == NULL)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                   "[email] reply_domain needs webhook_secret (or TEAMCHAT_EMAIL_SECRET) "
                   "to check inbound replies");
      return FALSE;
    }

  if ((s->email_smtp_url == NULL) != (s->email_from == NULL))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                   "[email] %s is set but %s is not; email needs both",
                   s->email_smtp_url != NULL ? "smtp_url" : "from",
                   s->email_smtp_url != NULL ? "from" : "smtp_url");
      return FALSE;
    }

  /* auth_token alone (from the environment, say) does not turn SMS on. */
  if (s->sms_api_url != NULL || s->sms_account_sid != NULL || s->sms_from != NULL)
    {
      g_autoptr(GPtrArray) missing = g_ptr_array_new ();

      if (s->sms_api_url == NULL)
        g_ptr_array_add (missing, (gpointer) "api_url");
      if (s->sms_account_sid == NULL)
        g_ptr_array_add (missing, (gpointer) "account_sid");
      if (s->sms_auth_token == NULL)
        g_ptr_array_add (missing, (gpointer) "auth_token (or TEAMCHAT_SMS_AUTH_TOKEN)");
      if (s->sms_from == NULL)
        g_ptr_array_add (missing, (gpointer) "from");

      if (missing->len > 0)
        {
          g_autofree char *list = NULL;

          g_ptr_array_add (missing, NULL);
          list = g_strjoinv (", ", (char **) missing->pdata);
          g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                       "[sms] is incomplete; missing: %s", list);
          return FALSE;
        }
    }

  return TRUE;
}

/**
 * tc_config_email_enabled:
 * @self: a configuration
 *
 * Returns: %TRUE when offline delivery by email is configured (smtp_url
 *   and from are set)
 */
gboolean
tc_config_email_enabled (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), FALSE);

  return self->s.email_smtp_url != NULL && self->s.email_from != NULL;
}

/**
 * tc_config_sms_enabled:
 * @self: a configuration
 *
 * Returns: %TRUE when offline delivery by text is configured (api_url,
 *   account_sid, auth_token and from are set)
 */
gboolean
tc_config_sms_enabled (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), FALSE);

  return self->s.sms_api_url != NULL && self->s.sms_account_sid != NULL &&
         self->s.sms_auth_token != NULL && self->s.sms_from != NULL;
}

/* --- accessors ------------------------------------------------------------ */

/* Setters store strings as given (NULL or "" = unset); the command line
 * checks its own options, and tc_config_validate() checks the result. */
static void
set_string (char       **field,
            const char  *value)
{
  if (value != NULL && *value == '\0')
    value = NULL;
  if (*field != value)
    {
      g_free (*field);
      *field = g_strdup (value);
    }
}

/**
 * tc_config_get_port:
 * @self: a configuration
 *
 * Returns: the TCP port to listen on; 0 = pick a free one
 */
guint
tc_config_get_port (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), 0);
  return self->s.port;
}

/**
 * tc_config_set_port:
 * @self: a configuration
 * @port: 0..65535; 0 = pick a free one
 *
 * Sets the TCP port to listen on.
 */
void
tc_config_set_port (TcConfig *self,
                    guint     port)
{
  g_return_if_fail (TC_IS_CONFIG (self));
  g_return_if_fail (port <= 65535);
  self->s.port = port;
}

/**
 * tc_config_get_bind:
 * @self: a configuration
 *
 * Returns: the address to listen on (an IP address or "localhost")
 */
const char *
tc_config_get_bind (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), NULL);
  return self->s.bind;
}

/**
 * tc_config_set_bind:
 * @self: a configuration
 * @bind: an IP address or "localhost"
 *
 * Sets the address to listen on; tc_config_validate() checks it.
 */
void
tc_config_set_bind (TcConfig   *self,
                    const char *bind)
{
  g_return_if_fail (TC_IS_CONFIG (self));
  g_return_if_fail (bind != NULL && *bind != '\0');
  set_string (&self->s.bind, bind);
}

/**
 * tc_config_get_public_url:
 * @self: a configuration
 *
 * Returns: (nullable): the address the world uses, without a trailing
 *   slash, or %NULL when not configured
 */
const char *
tc_config_get_public_url (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), NULL);
  return self->s.public_url;
}

/**
 * tc_config_set_public_url:
 * @self: a configuration
 * @public_url: (nullable): an http:// or https:// URL; trailing slashes
 *   are dropped
 *
 * Sets the address the world uses (webhook signatures are checked
 * against it).
 */
void
tc_config_set_public_url (TcConfig   *self,
                          const char *public_url)
{
  g_autofree char *normalized = NULL;

  g_return_if_fail (TC_IS_CONFIG (self));

  if (public_url != NULL)
    normalized = normalize_public_url (public_url);
  set_string (&self->s.public_url, normalized);
}

/**
 * tc_config_get_db:
 * @self: a configuration
 *
 * Returns: (nullable): the database path or URI
 */
const char *
tc_config_get_db (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), NULL);
  return self->s.db;
}

/**
 * tc_config_set_db:
 * @self: a configuration
 * @db: (nullable): the database path or URI
 *
 * Sets the database.
 */
void
tc_config_set_db (TcConfig   *self,
                  const char *db)
{
  g_return_if_fail (TC_IS_CONFIG (self));
  set_string (&self->s.db, db);
}

/**
 * tc_config_get_media_dir:
 * @self: a configuration
 *
 * Returns: (nullable): the media library directory
 */
const char *
tc_config_get_media_dir (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), NULL);
  return self->s.media_dir;
}

/**
 * tc_config_set_media_dir:
 * @self: a configuration
 * @media_dir: (nullable): the media library directory
 *
 * Sets the media library directory.
 */
void
tc_config_set_media_dir (TcConfig   *self,
                         const char *media_dir)
{
  g_return_if_fail (TC_IS_CONFIG (self));
  set_string (&self->s.media_dir, media_dir);
}

/**
 * tc_config_get_tls_cert:
 * @self: a configuration
 *
 * Returns: (nullable): the TLS certificate file (PEM); %NULL = plain HTTP
 */
const char *
tc_config_get_tls_cert (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), NULL);
  return self->s.tls_cert;
}

/**
 * tc_config_set_tls_cert:
 * @self: a configuration
 * @tls_cert: (nullable): the TLS certificate file (PEM)
 *
 * Sets the TLS certificate; it needs tc_config_set_tls_key() too.
 */
void
tc_config_set_tls_cert (TcConfig   *self,
                        const char *tls_cert)
{
  g_return_if_fail (TC_IS_CONFIG (self));
  set_string (&self->s.tls_cert, tls_cert);
}

/**
 * tc_config_get_tls_key:
 * @self: a configuration
 *
 * Returns: (nullable): the TLS private key file (PEM)
 */
const char *
tc_config_get_tls_key (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), NULL);
  return self->s.tls_key;
}

/**
 * tc_config_set_tls_key:
 * @self: a configuration
 * @tls_key: (nullable): the TLS private key file (PEM)
 *
 * Sets the TLS private key; it needs tc_config_set_tls_cert() too.
 */
void
tc_config_set_tls_key (TcConfig   *self,
                       const char *tls_key)
{
  g_return_if_fail (TC_IS_CONFIG (self));
  set_string (&self->s.tls_key, tls_key);
}

/**
 * tc_config_get_retention_days:
 * @self: a configuration
 *
 * Returns: how many days messages are kept (1..3650)
 */
guint
tc_config_get_retention_days (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), TC_CONFIG_DEFAULT_RETENTION_DAYS);
  return self->s.retention_days;
}

/**
 * tc_config_set_retention_days:
 * @self: a configuration
 * @days: 1..3650
 *
 * Sets how many days messages are kept.
 */
void
tc_config_set_retention_days (TcConfig *self,
                              guint     days)
{
  g_return_if_fail (TC_IS_CONFIG (self));
  g_return_if_fail (days >= 1 && days <= TC_CONFIG_MAX_RETENTION_DAYS);
  self->s.retention_days = days;
}

/**
 * tc_config_get_email_smtp_url:
 * @self: a configuration
 *
 * Returns: (nullable): the SMTP server (smtp:// or smtps://); may carry a
 *   password, so never log it
 */
const char *
tc_config_get_email_smtp_url (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), NULL);
  return self->s.email_smtp_url;
}

/**
 * tc_config_set_email_smtp_url:
 * @self: a configuration
 * @smtp_url: (nullable): the SMTP server (smtp:// or smtps://)
 *
 * Sets the SMTP server for offline delivery by email.
 */
void
tc_config_set_email_smtp_url (TcConfig   *self,
                              const char *smtp_url)
{
  g_return_if_fail (TC_IS_CONFIG (self));
  set_string (&self->s.email_smtp_url, smtp_url);
}

/**
 * tc_config_get_email_username:
 * @self: a configuration
 *
 * Returns: (nullable): the SMTP user name
 */
const char *
tc_config_get_email_username (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), NULL);
  return self->s.email_username;
}

/**
 * tc_config_set_email_username:
 * @self: a configuration
 * @username: (nullable): the SMTP user name
 *
 * Sets the SMTP user name.
 */
void
tc_config_set_email_username (TcConfig   *self,
                              const char *username)
{
  g_return_if_fail (TC_IS_CONFIG (self));
  set_string (&self->s.email_username, username);
}

/**
 * tc_config_get_email_password:
 * @self: a configuration
 *
 * Returns: (nullable): the SMTP password (a secret: never log it)
 */
const char *
tc_config_get_email_password (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), NULL);
  return self->s.email_password;
}

/**
 * tc_config_get_email_ca_file:
 * @self: a configuration
 *
 * Returns: (nullable): a PEM file of the certificate authorities trusted
 *   for the SMTP server's certificate instead of the system's, or %NULL
 */
const char *
tc_config_get_email_ca_file (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), NULL);
  return self->s.email_ca_file;
}

/**
 * tc_config_set_email_password:
 * @self: a configuration
 * @password: (nullable): the SMTP password
 *
 * Sets the SMTP password.
 */
void
tc_config_set_email_password (TcConfig   *self,
                              const char *password)
{
  g_return_if_fail (TC_IS_CONFIG (self));
  set_string (&self->s.email_password, password);
}

/**
 * tc_config_get_email_from:
 * @self: a configuration
 *
 * Returns: (nullable): the From header of outgoing email, such as
 *   "Team Chat <chat@example.com>"
 */
const char *
tc_config_get_email_from (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), NULL);
  return self->s.email_from;
}

/**
 * tc_config_set_email_from:
 * @self: a configuration
 * @from: (nullable): the From header of outgoing email
 *
 * Sets the sender of outgoing email.
 */
void
tc_config_set_email_from (TcConfig   *self,
                          const char *from)
{
  g_return_if_fail (TC_IS_CONFIG (self));
  set_string (&self->s.email_from, from);
}

/**
 * tc_config_get_email_reply_domain:
 * @self: a configuration
 *
 * Returns: (nullable): the domain of the reply+TOKEN@ addresses, in ASCII
 *   lower case when read from the file
 */
const char *
tc_config_get_email_reply_domain (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), NULL);
  return self->s.email_reply_domain;
}

/**
 * tc_config_set_email_reply_domain:
 * @self: a configuration
 * @reply_domain: (nullable): a host name
 *
 * Sets the domain of the reply+TOKEN@ addresses.
 */
void
tc_config_set_email_reply_domain (TcConfig   *self,
                                  const char *reply_domain)
{
  g_return_if_fail (TC_IS_CONFIG (self));
  set_string (&self->s.email_reply_domain, reply_domain);
}

/**
 * tc_config_get_email_webhook_secret:
 * @self: a configuration
 *
 * Returns: (nullable): the HMAC key of POST /hooks/email and of reply
 *   tokens (a secret: never log it)
 */
const char *
tc_config_get_email_webhook_secret (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), NULL);
  return self->s.email_webhook_secret;
}

/**
 * tc_config_set_email_webhook_secret:
 * @self: a configuration
 * @webhook_secret: (nullable): the HMAC key
 *
 * Sets the secret of the inbound email webhook.
 */
void
tc_config_set_email_webhook_secret (TcConfig   *self,
                                    const char *webhook_secret)
{
  g_return_if_fail (TC_IS_CONFIG (self));
  set_string (&self->s.email_webhook_secret, webhook_secret);
}

/**
 * tc_config_get_sms_api_url:
 * @self: a configuration
 *
 * Returns: (nullable): the Twilio-compatible Messages API URL
 */
const char *
tc_config_get_sms_api_url (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), NULL);
  return self->s.sms_api_url;
}

/**
 * tc_config_set_sms_api_url:
 * @self: a configuration
 * @api_url: (nullable): an https:// or http:// URL
 *
 * Sets the Messages API URL.
 */
void
tc_config_set_sms_api_url (TcConfig   *self,
                           const char *api_url)
{
  g_return_if_fail (TC_IS_CONFIG (self));
  set_string (&self->s.sms_api_url, api_url);
}

/**
 * tc_config_get_sms_account_sid:
 * @self: a configuration
 *
 * Returns: (nullable): the account id (HTTP Basic user name)
 */
const char *
tc_config_get_sms_account_sid (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), NULL);
  return self->s.sms_account_sid;
}

/**
 * tc_config_set_sms_account_sid:
 * @self: a configuration
 * @account_sid: (nullable): the account id
 *
 * Sets the SMS account id.
 */
void
tc_config_set_sms_account_sid (TcConfig   *self,
                               const char *account_sid)
{
  g_return_if_fail (TC_IS_CONFIG (self));
  set_string (&self->s.sms_account_sid, account_sid);
}

/**
 * tc_config_get_sms_auth_token:
 * @self: a configuration
 *
 * Returns: (nullable): the auth token (HTTP Basic password and signature
 *   key of POST /hooks/sms; a secret: never log it)
 */
const char *
tc_config_get_sms_auth_token (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), NULL);
  return self->s.sms_auth_token;
}

/**
 * tc_config_set_sms_auth_token:
 * @self: a configuration
 * @auth_token: (nullable): the auth token
 *
 * Sets the SMS auth token.
 */
void
tc_config_set_sms_auth_token (TcConfig   *self,
                              const char *auth_token)
{
  g_return_if_fail (TC_IS_CONFIG (self));
  set_string (&self->s.sms_auth_token, auth_token);
}

/**
 * tc_config_get_sms_from:
 * @self: a configuration
 *
 * Returns: (nullable): the sender number of outgoing texts
 */
const char *
tc_config_get_sms_from (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), NULL);
  return self->s.sms_from;
}

/**
 * tc_config_set_sms_from:
 * @self: a configuration
 * @from: (nullable): the sender number
 *
 * Sets the sender number of outgoing texts.
 */
void
tc_config_set_sms_from (TcConfig   *self,
                        const char *from)
{
  g_return_if_fail (TC_IS_CONFIG (self));
  set_string (&self->s.sms_from, from);
}

/**
 * tc_config_get_messages_per_minute:
 * @self: a configuration
 *
 * Returns: how many messages an associate may send per minute; 0 = unlimited
 */
guint
tc_config_get_messages_per_minute (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), 0);
  return self->s.messages_per_minute;
}

/**
 * tc_config_set_messages_per_minute:
 * @self: a configuration
 * @messages_per_minute: the limit; 0 = unlimited
 *
 * Sets how many messages an associate may send per minute.
 */
void
tc_config_set_messages_per_minute (TcConfig *self,
                                   guint     messages_per_minute)
{
  g_return_if_fail (TC_IS_CONFIG (self));
  self->s.messages_per_minute = messages_per_minute;
}

/**
 * tc_config_get_login_failures_per_login:
 * @self: a configuration
 *
 * Returns: how many failed logins one login name may have per window;
 *   0 = unlimited
 */
guint
tc_config_get_login_failures_per_login (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), 0);
  return self->s.login_failures_per_login;
}

/**
 * tc_config_set_login_failures_per_login:
 * @self: a configuration
 * @failures: the limit; 0 = unlimited
 *
 * Sets how many failed logins one login name may have per window.
 */
void
tc_config_set_login_failures_per_login (TcConfig *self,
                                        guint     failures)
{
  g_return_if_fail (TC_IS_CONFIG (self));
  self->s.login_failures_per_login = failures;
}

/**
 * tc_config_get_login_failures_per_address:
 * @self: a configuration
 *
 * Returns: how many failed logins one client address may have per window;
 *   0 = unlimited
 */
guint
tc_config_get_login_failures_per_address (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), 0);
  return self->s.login_failures_per_address;
}

/**
 * tc_config_set_login_failures_per_address:
 * @self: a configuration
 * @failures: the limit; 0 = unlimited
 *
 * Sets how many failed logins one client address may have per window.
 */
void
tc_config_set_login_failures_per_address (TcConfig *self,
                                          guint     failures)
{
  g_return_if_fail (TC_IS_CONFIG (self));
  self->s.login_failures_per_address = failures;
}

/**
 * tc_config_get_login_window_seconds:
 * @self: a configuration
 *
 * Returns: the window of the failed-login limits, in seconds (≥ 1)
 */
guint
tc_config_get_login_window_seconds (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), TC_CONFIG_DEFAULT_LOGIN_WINDOW_SECONDS);
  return self->s.login_window_seconds;
}

/**
 * tc_config_set_login_window_seconds:
 * @self: a configuration
 * @seconds: 1..31536000
 *
 * Sets the window of the failed-login limits.
 */
void
tc_config_set_login_window_seconds (TcConfig *self,
                                    guint     seconds)
{
  g_return_if_fail (TC_IS_CONFIG (self));
  g_return_if_fail (seconds >= 1 && seconds <= TC_CONFIG_MAX_LOGIN_WINDOW_SECONDS);
  self->s.login_window_seconds = seconds;
}

/**
 * tc_config_get_delivery_max_tries:
 * @self: a configuration
 *
 * Returns: how many times one offline delivery is tried before it fails
 *   for good (≥ 1)
 */
guint
tc_config_get_delivery_max_tries (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), TC_CONFIG_DEFAULT_DELIVERY_MAX_TRIES);
  return self->s.delivery_max_tries;
}

/**
 * tc_config_get_delivery_retry_seconds:
 * @self: a configuration
 *
 * Returns: the wait before the second try, in seconds; each later wait
 *   doubles, up to tc_config_get_delivery_max_retry_seconds()
 */
guint
tc_config_get_delivery_retry_seconds (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), TC_CONFIG_DEFAULT_DELIVERY_RETRY_SECONDS);
  return self->s.delivery_retry_seconds;
}

/**
 * tc_config_get_delivery_max_retry_seconds:
 * @self: a configuration
 *
 * Returns: the longest wait between two tries, in seconds
 */
guint
tc_config_get_delivery_max_retry_seconds (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), TC_CONFIG_DEFAULT_DELIVERY_MAX_RETRY_SECONDS);
  return self->s.delivery_max_retry_seconds;
}

/* --- [websocket] ---------------------------------------------------------- */

/**
 * tc_config_origin_is_allowed:
 * @self: a configuration
 * @origin: the Origin header of a request
 *
 * Browsers send the origin of the page that opens a WebSocket; the desktop
 * app sends none. An origin is allowed when it is the origin of
 * [server] public_url or one of [websocket] allowed_origins, compared
 * without case and default ports.
 *
 * Returns: %TRUE when a WebSocket with this Origin may be opened
 */
gboolean
tc_config_origin_is_allowed (TcConfig   *self,
                             const char *origin)
{
  g_autofree char *normalized = NULL;
  g_autofree char *own = NULL;

  g_return_val_if_fail (TC_IS_CONFIG (self), FALSE);
  g_return_val_if_fail (origin != NULL, FALSE);

  normalized = normalize_origin (origin);
  if (normalized == NULL)
    return FALSE;
  if (self->s.public_url != NULL)
    {
      g_autoptr(GUri) uri = g_uri_parse (self->s.public_url, G_URI_FLAGS_NONE, NULL);

      if (uri != NULL)
        {
          g_autofree char *base = g_uri_join (G_URI_FLAGS_NONE, g_uri_get_scheme (uri), NULL,
                                              g_uri_get_host (uri), g_uri_get_port (uri), "",
                                              NULL, NULL);
          own = normalize_origin (base);
        }
    }
  if (own != NULL && g_str_equal (own, normalized))
    return TRUE;
  if (self->s.ws_allowed_origins != NULL)
    {
      g_auto(GStrv) allowed = g_strsplit (self->s.ws_allowed_origins, ",", -1);

      return g_strv_contains ((const char * const *) allowed, normalized);
    }
  return FALSE;
}

/**
 * tc_config_get_ws_max_connections_per_associate:
 * @self: a configuration
 *
 * Returns: how many WebSockets one associate may have open at once;
 *   0 = unlimited
 */
guint
tc_config_get_ws_max_connections_per_associate (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), TC_CONFIG_DEFAULT_WS_MAX_CONNECTIONS_PER_ASSOCIATE);
  return self->s.ws_max_connections_per_associate;
}

/**
 * tc_config_get_ws_frames_per_minute:
 * @self: a configuration
 *
 * Returns: how many frames one WebSocket may send per minute (beyond
 *   that each is answered with rate_limited); 0 = unlimited
 */
guint
tc_config_get_ws_frames_per_minute (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), TC_CONFIG_DEFAULT_WS_FRAMES_PER_MINUTE);
  return self->s.ws_frames_per_minute;
}

/**
 * tc_config_get_ws_ping_interval_seconds:
 * @self: a configuration
 *
 * Returns: how often the server pings each WebSocket, in seconds
 */
guint
tc_config_get_ws_ping_interval_seconds (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), TC_CONFIG_DEFAULT_WS_PING_INTERVAL_SECONDS);
  return self->s.ws_ping_interval_seconds;
}

/**
 * tc_config_get_session_check_seconds:
 * @self: a configuration
 *
 * Returns: how often the sessions in use (open WebSockets, remembered
 *   tokens) are checked against the database, so that one ended by another
 *   process or server stops working within this many seconds
 */
guint
tc_config_get_session_check_seconds (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), TC_CONFIG_DEFAULT_SESSION_CHECK_SECONDS);
  return self->s.session_check_seconds;
}

/**
 * tc_config_get_ws_idle_timeout_seconds:
 * @self: a configuration
 *
 * Returns: after how many seconds without a byte from the client (not even
 *   the answer to a ping) a WebSocket is closed
 */
guint
tc_config_get_ws_idle_timeout_seconds (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), TC_CONFIG_DEFAULT_WS_IDLE_TIMEOUT_SECONDS);
  return self->s.ws_idle_timeout_seconds;
}

/**
 * tc_config_get_ws_max_queued_bytes:
 * @self: a configuration
 *
 * Returns: how many bytes may wait to be sent to one WebSocket client
 *   before it is closed as too slow
 */
guint
tc_config_get_ws_max_queued_bytes (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), TC_CONFIG_DEFAULT_WS_MAX_QUEUED_BYTES);
  return self->s.ws_max_queued_bytes;
}

/* --- [database] ----------------------------------------------------------- */

/**
 * tc_config_get_database_pool_size:
 * @self: a configuration
 *
 * Returns: how many connections a PostgreSQL database gets from this
 *   process (besides the one that listens for live events)
 */
guint
tc_config_get_database_pool_size (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), TC_CONFIG_DEFAULT_POOL_SIZE);
  return self->s.database_pool_size;
}

/**
 * tc_config_get_database_heartbeat_seconds:
 * @self: a configuration
 *
 * Returns: how often a serving process on PostgreSQL says it is alive
 */
guint
tc_config_get_database_heartbeat_seconds (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), TC_CONFIG_DEFAULT_HEARTBEAT_SECONDS);
  return self->s.database_heartbeat_seconds;
}

/**
 * tc_config_get_database_presence_timeout_seconds:
 * @self: a configuration
 *
 * Returns: after how long without a heartbeat a process counts as dead
 *   (its connections no longer count as online, its delivery claims are
 *   taken over)
 */
guint
tc_config_get_database_presence_timeout_seconds (TcConfig *self)
{
  g_return_val_if_fail (TC_IS_CONFIG (self), TC_CONFIG_DEFAULT_PRESENCE_TIMEOUT_SECONDS);
  return self->s.database_presence_timeout_seconds;
}
