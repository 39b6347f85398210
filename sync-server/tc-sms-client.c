/* tc-sms-client.c: one text out through a Twilio-compatible Messages API */
#include "config.h"

#include <string.h>
#include <curl/curl.h>
#include <json-glib/json-glib.h>

#include "tc-error.h"
#include "tc-sms-client.h"

#define CONNECT_TIMEOUT_SECONDS 20L
#define TOTAL_TIMEOUT_SECONDS   60L
#define MAX_NAME_CHARS          40
#define WORD_BACKOFF_CHARS      20
#define MAX_RESPONSE_BYTES      (64 * 1024)

/* The first @n characters of @text (which has more). */
static char *
utf8_prefix (const char *text,
             glong       n)
{
  const char *end = g_utf8_offset_to_pointer (text, n);

  return g_strndup (text, (gsize) (end - text));
}

char *
tc_sms_compose (const char *sender_name,
                const char *body,
                guint       n_attachments)
{
  static const char hint[] = "\n(Reply to answer in Team Chat)";
  g_autofree char *name = NULL;
  g_autofree char *attachments = NULL;
  g_autofree char *text = NULL;
  glong room;

  g_return_val_if_fail (sender_name != NULL, NULL);

  name = g_utf8_strlen (sender_name, -1) > MAX_NAME_CHARS
           ? utf8_prefix (sender_name, MAX_NAME_CHARS) : g_strdup (sender_name);
  if (n_attachments > 0)
    attachments = g_strdup_printf (" [+%u attachment%s]", n_attachments,
                                   n_attachments == 1 ? "" : "s");
  else
    attachments = g_strdup ("");
  text = g_strdup (body != NULL ? body : "");
  g_strstrip (text);

  room = TC_SMS_MAX_CHARS - g_utf8_strlen (name, -1) - 2 - g_utf8_strlen (attachments, -1) -
         g_utf8_strlen (hint, -1);
  if (g_utf8_strlen (text, -1) > room)
    {
      /* Room for the ellipsis; then back to the last space if one is near. */
      g_autofree char *cut = utf8_prefix (text, room - 1);
      char *space = strrchr (cut, ' ');

      if (space != NULL && g_utf8_strlen (space, -1) <= WORD_BACKOFF_CHARS)
        *space = '\0';
      g_strchomp (cut);
      g_free (text);
      text = g_strconcat (cut, "…", NULL);
    }
  return g_strconcat (name, ": ", text, attachments, hint, NULL);
}

static size_t
write_cb (char   *data,
          size_t  size,
          size_t  nmemb,
          void   *user_data)
{
  GString *response = user_data;
  size_t n = size * nmemb;

  if (response->len + n > MAX_RESPONSE_BYTES)
    return 0;
  g_string_append_len (response, data, (gssize) n);
  return n;
}

static char *
form_field (CURL       *curl,
            const char *name,
            const char *value)
{
  char *escaped = curl_easy_escape (curl, value, 0);
  char *field = g_strconcat (name, "=", escaped, NULL);

  curl_free (escaped);
  return field;
}

/* "message" (and "sid") of the provider's JSON answer, if any. */
static char *
response_member (GString    *response,
                 const char *member)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonObject *object;

  if (response->len == 0 ||
      !json_parser_load_from_data (parser, response->str, (gssize) response->len, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  object = json_node_get_object (root);
  if (!json_object_has_member (object, member) ||
      json_node_get_value_type (json_object_get_member (object, member)) != G_TYPE_STRING)
    return NULL;
  return g_strdup (json_object_get_string_member (object, member));
}

gboolean
tc_sms_send (const TcSmsSettings  *settings,
             const char           *to,
             const char           *body,
             char                **out_sid,
             GError              **error)
{
  CURL *curl;
  g_autoptr(GString) response = g_string_new (NULL);
  g_autofree char *to_field = NULL;
  g_autofree char *from_field = NULL;
  g_autofree char *body_field = NULL;
  g_autofree char *form = NULL;
  char errbuf[CURL_ERROR_SIZE] = "";
  long status = 0;
  CURLcode rc;

  g_return_val_if_fail (settings != NULL && settings->api_url != NULL, FALSE);

  curl = curl_easy_init ();
  if (curl == NULL)
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_UNAVAILABLE, "libcurl could not start");
      return FALSE;
    }
  to_field = form_field (curl, "To", to);
  from_field = form_field (curl, "From", settings->from);
  body_field = form_field (curl, "Body", body);
  form = g_strjoin ("&", to_field, from_field, body_field, NULL);

  curl_easy_setopt (curl, CURLOPT_URL, settings->api_url);
  curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (curl, CURLOPT_HTTPAUTH, (long) CURLAUTH_BASIC);
  curl_easy_setopt (curl, CURLOPT_USERNAME, settings->account_sid);
  curl_easy_setopt (curl, CURLOPT_PASSWORD, settings->auth_token);
  curl_easy_setopt (curl, CURLOPT_POSTFIELDS, form);
  curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE, (long) strlen (form));
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, response);
  curl_easy_setopt (curl, CURLOPT_USERAGENT, "teamchat-server/" PACKAGE_VERSION);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_SECONDS);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, TOTAL_TIMEOUT_SECONDS);
  curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, errbuf);

  rc = curl_easy_perform (curl);
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup (curl);

  if (rc != CURLE_OK)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_UNAVAILABLE, "text not sent: %s",
                   *errbuf != '\0' ? errbuf : curl_easy_strerror (rc));
      return FALSE;
    }
  if (status >= 200 && status < 300)
    {
      if (out_sid != NULL)
        *out_sid = response_member (response, "sid");
      return TRUE;
    }

  {
    g_autofree char *detail = response_member (response, "message");
    gboolean later = status == 429 || status >= 500 || status == 401 || status == 403;

    g_set_error (error, TC_ERROR, later ? TC_ERROR_UNAVAILABLE : TC_ERROR_INVALID,
                 "text not accepted: %s (HTTP %ld)", detail != NULL ? detail : "no reason given",
                 status);
  }
  return FALSE;
}
