/* tc-smtp-client.c: one email out through libcurl's SMTP */
#include "config.h"

#include <string.h>
#include <curl/curl.h>

#include "tc-error.h"
#include "tc-smtp-client.h"

#define CONNECT_TIMEOUT_SECONDS 20L
#define TOTAL_TIMEOUT_SECONDS   120L

typedef struct {
  const guint8 *data;
  gsize         len;
  gsize         offset;
} Upload;

static size_t
read_cb (char   *buffer,
         size_t  size,
         size_t  nitems,
         void   *user_data)
{
  Upload *upload = user_data;
  gsize n = MIN (size * nitems, upload->len - upload->offset);

  memcpy (buffer, upload->data + upload->offset, n);
  upload->offset += n;
  return n;
}

gboolean
tc_smtp_send (const TcSmtpSettings  *settings,
              const char            *envelope_from,
              const char            *recipient,
              GBytes                *message,
              GError               **error)
{
  CURL *curl;
  struct curl_slist *recipients = NULL;
  g_autofree char *from_arg = NULL;
  g_autofree char *to_arg = NULL;
  char errbuf[CURL_ERROR_SIZE] = "";
  Upload upload = { 0, };
  long response = 0;
  CURLcode rc;

  g_return_val_if_fail (settings != NULL && settings->url != NULL, FALSE);

  curl = curl_easy_init ();
  if (curl == NULL)
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_UNAVAILABLE, "libcurl could not start");
      return FALSE;
    }
  upload.data = g_bytes_get_data (message, &upload.len);
  from_arg = g_strdup_printf ("<%s>", envelope_from);
  to_arg = g_strdup_printf ("<%s>", recipient);
  recipients = curl_slist_append (NULL, to_arg);

  curl_easy_setopt (curl, CURLOPT_URL, settings->url);
  curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt (curl, CURLOPT_USE_SSL, (long) CURLUSESSL_TRY);
  curl_easy_setopt (curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt (curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (settings->ca_file != NULL)
    curl_easy_setopt (curl, CURLOPT_CAINFO, settings->ca_file);
  if (settings->username != NULL && *settings->username != '\0')
    {
      curl_easy_setopt (curl, CURLOPT_USERNAME, settings->username);
      curl_easy_setopt (curl, CURLOPT_PASSWORD, settings->password ? settings->password : "");
    }
  curl_easy_setopt (curl, CURLOPT_MAIL_FROM, from_arg);
  curl_easy_setopt (curl, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt (curl, CURLOPT_READFUNCTION, read_cb);
  curl_easy_setopt (curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt (curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt (curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t) upload.len);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_SECONDS);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, TOTAL_TIMEOUT_SECONDS);
  curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, errbuf);

  rc = curl_easy_perform (curl);
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &response);
  curl_slist_free_all (recipients);
  curl_easy_cleanup (curl);

  if (rc == CURLE_OK)
    return TRUE;

  {
    const char *detail = *errbuf != '\0' ? errbuf : curl_easy_strerror (rc);
    /* A 5xx answer is final for this message (no such mailbox, refused
     * content), but not a refused login, which an administrator fixes. */
    gboolean permanent = response >= 500 && response < 600 && rc != CURLE_LOGIN_DENIED &&
                         response != 530 && response != 535;
    TcErrorCode code = permanent ? TC_ERROR_INVALID : TC_ERROR_UNAVAILABLE;

    /* The last reply may be the greeting (220) when TLS failed after it. */
    if (response >= 400)
      g_set_error (error, TC_ERROR, code, "email not accepted: %s (SMTP %ld)", detail, response);
    else
      g_set_error (error, TC_ERROR, code, "email not sent: %s", detail);
  }
  return FALSE;
}
