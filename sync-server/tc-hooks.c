/* tc-hooks.c: replies by email and text, back into the chat
 *
 * POST /hooks/email and POST /hooks/sms run on worker threads like the
 * other endpoints. A hook that is not signed right answers 403; a message
 * that is signed right but not for the chat (an automatic reply, a bounce,
 * no new text, an unknown or expired reply address, an unknown number, a
 * peer no longer on the team) is dropped, logged, and answered 200 so the
 * provider does not send it again. A reply is posted through the store's
 * normal send path, with a client_id derived from the provider's message
 * id, so the same email or text delivered twice posts once.
 */
#include "config.h"

#include <string.h>

#include "tc-api-private.h"
#include "tc-error.h"
#include "tc-json.h"
#include "tc-reply-parser.h"
#include "tc-reply-token.h"
#include "tc-signature.h"
#include "tc-sms-form.h"

#define USEC_PER_DAY ((gint64) 24 * 60 * 60 * G_USEC_PER_SEC)

/* A UUID (RFC 9562 version 8) named by @name, so the same name always
 * gives the same client_id. */
static char *
uuid_from_name (const char *name)
{
  guint8 digest[32];
  gsize len = sizeof digest;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);

  g_checksum_update (checksum, (const guchar *) "teamchat-inbound:", -1);
  g_checksum_update (checksum, (const guchar *) name, -1);
  g_checksum_get_digest (checksum, digest, &len);
  digest[6] = (digest[6] & 0x0f) | 0x80;
  digest[8] = (digest[8] & 0x3f) | 0x80;
  return g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                          digest[0], digest[1], digest[2], digest[3], digest[4], digest[5],
                          digest[6], digest[7], digest[8], digest[9], digest[10], digest[11],
                          digest[12], digest[13], digest[14], digest[15]);
}

static void
reply_result (TcApiRequest *request,
              const char   *result,
              const char   *reason,
              GPtrArray    *messages)
{
  JsonObject *answer = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (answer, "result", result);
  if (reason != NULL)
    json_object_set_string_member (answer, "reason", reason);
  if (messages != NULL)
    {
      JsonArray *ids = json_array_new ();

      for (guint i = 0; i < messages->len; i++)
        json_array_add_int_element (ids, ((TcMessage *) g_ptr_array_index (messages, i))->id);
      json_object_set_array_member (answer, "message_ids", ids);
    }
  json_node_take_object (node, answer);
  tc_api_reply (request, SOUP_STATUS_OK, node);
}

/* The body, cut to what one message may hold. */
static char *
limit_body (const char *text)
{
  if (g_utf8_strlen (text, -1) <= TC_MESSAGE_MAX_BODY_CHARS)
    return g_strdup (text);
  {
    const char *end = g_utf8_offset_to_pointer (text, TC_MESSAGE_MAX_BODY_CHARS - 1);
    g_autofree char *cut = g_strndup (text, (gsize) (end - text));

    return g_strconcat (cut, "…", NULL);
  }
}

/* Posts @text from @from to @to. FALSE with request->error only when the
 * store could not be used (the provider should try again); a refusal
 * (team rule) is a drop. */
static gboolean
post_reply (TcApiRequest  *request,
            const char    *channel,
            const char    *from,
            const char    *to,
            const char    *text,
            const char    *name)
{
  g_autoptr(TcSendRequest) send = tc_send_request_new ();
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GError) error = NULL;
  gboolean created = FALSE;

  send->client_id = uuid_from_name (name);
  g_ptr_array_add (send->to, g_strdup (to));
  g_free (send->body);
  send->body = limit_body (text);
  messages = tc_store_send_messages (request->ctx->store, from, send, g_get_real_time (),
                                     &created, &error);
  if (messages == NULL)
    {
      if (g_error_matches (error, TC_ERROR, TC_ERROR_UNAVAILABLE) ||
          g_error_matches (error, TC_ERROR, TC_ERROR_INTERNAL))
        {
          request->error = g_steal_pointer (&error);
          return FALSE;
        }
      g_message ("Inbound %s reply from %s to %s dropped: %s", channel, from, to, error->message);
      reply_result (request, "dropped", error->message, NULL);
      return TRUE;
    }
  if (created)
    g_message ("Inbound %s reply from %s posted to %s as message %" G_GINT64_FORMAT, channel,
               from, to, ((TcMessage *) g_ptr_array_index (messages, 0))->id);
  else
    g_message ("Inbound %s reply from %s to %s was posted before; not again", channel, from, to);
  reply_result (request, created ? "posted" : "duplicate", NULL, messages);
  return TRUE;
}

/* --- POST /hooks/email ------------------------------------------------------------------- */

static void
drop_email (TcApiRequest  *request,
            const TcReply *reply,
            const char    *reason)
{
  g_message ("Inbound email %s%s%s dropped: %s", reply->message_id ? "<" : "",
             reply->message_id ? reply->message_id : "without Message-ID",
             reply->message_id ? ">" : "", reason);
  reply_result (request, "dropped", reason, NULL);
}

/* The reply token's row if @token is one this server made, for a reply
 * now; else NULL with *out_reason. */
static TcReplyTokenRow *
check_token (TcApiRequest  *request,
             const char    *token,
             const char   **out_reason)
{
  TcApiContext *ctx = request->ctx;
  g_autoptr(TcReplyTokenRow) row = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id = 0;
  gint64 oldest = g_get_real_time () - tc_config_get_retention_days (ctx->config) * USEC_PER_DAY;

  if (!tc_reply_token_decode (token, &id))
    {
      *out_reason = "the reply address is not one of ours";
      return NULL;
    }
  row = tc_store_get_reply_token (ctx->store, id, &error);
  /* Unknown and forged look the same from outside. */
  if (row == NULL ||
      !tc_reply_token_matches (tc_delivery_get_reply_secret (ctx->delivery), token, row->id,
                               row->associate_id, row->peer_id))
    {
      if (row == NULL && !g_error_matches (error, TC_ERROR, TC_ERROR_NOT_FOUND))
        {
          request->error = g_steal_pointer (&error);
          *out_reason = NULL;
          return NULL;
        }
      *out_reason = "unknown or forged reply address";
      return NULL;
    }
  if (row->revoked)
    {
      *out_reason = "the reply address was revoked";
      return NULL;
    }
  if (row->created_at < oldest)
    {
      *out_reason = "the reply address has expired";
      return NULL;
    }
  return g_steal_pointer (&row);
}

void
tc_api_hook_email (TcApiRequest *request)
{
  TcApiContext *ctx = request->ctx;
  const char *secret = tc_config_get_email_webhook_secret (ctx->config);
  const char *signature = soup_message_headers_get_one (request->headers, "X-TeamChat-Signature");
  g_autoptr(TcReply) reply = NULL;
  g_autoptr(TcReplyTokenRow) row = NULL;
  g_autofree char *token = NULL;
  g_autofree char *name = NULL;
  const char *reason = NULL;
  gsize len = 0;
  const guint8 *data = request->body ? g_bytes_get_data (request->body, &len) : NULL;

  if (secret == NULL || ctx->delivery == NULL)
    {
      g_set_error_literal (&request->error, TC_ERROR, TC_ERROR_NOT_FOUND,
                           "inbound email is not configured on this server");
      return;
    }
  if (!tc_email_signature_check (secret, data, len, signature))
    {
      g_message ("Inbound email from %s refused: %s X-TeamChat-Signature",
                 request->remote_address ? request->remote_address : "?",
                 signature ? "bad" : "no");
      g_set_error_literal (&request->error, TC_ERROR, TC_ERROR_FORBIDDEN,
                           "missing or bad X-TeamChat-Signature");
      return;
    }

  reply = tc_reply_parse (data, len);
  if (reply->verdict != TC_REPLY_POST)
    {
      drop_email (request, reply, reply->reason);
      return;
    }
  token = tc_reply_find_token (reply, tc_config_get_email_reply_domain (ctx->config));
  if (token == NULL)
    {
      drop_email (request, reply, "no reply+TOKEN@ address among its recipients");
      return;
    }
  row = check_token (request, token, &reason);
  if (row == NULL)
    {
      if (reason != NULL)
        drop_email (request, reply, reason);
      return;
    }

  /* The same Message-ID posts once; without one, the same bytes do. */
  if (reply->message_id != NULL)
    name = g_strconcat ("email:", reply->message_id, NULL);
  else
    {
      g_autofree char *digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, len);
      name = g_strconcat ("email-body:", digest, NULL);
    }
  post_reply (request, "email", row->associate_id, row->peer_id, reply->text, name);
}

/* --- POST /hooks/sms -------------------------------------------------------------------- */

static void
answer_twiml (TcApiRequest *request,
              const char   *text)
{
  g_autofree char *escaped = text ? g_markup_escape_text (text, -1) : NULL;

  request->status = SOUP_STATUS_OK;
  request->response_type = g_strdup ("text/xml");
  if (escaped != NULL)
    request->response_text = g_strdup_printf ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                                              "<Response><Message>%s</Message></Response>",
                                              escaped);
  else
    request->response_text = g_strdup ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                                       "<Response/>");
}

static gboolean
is_keyword (const char         *body,
            const char * const *words)
{
  g_autofree char *word = g_utf8_strup (body, -1);

  g_strstrip (word);
  for (guint i = 0; words[i] != NULL; i++)
    if (g_str_equal (word, words[i]))
      return TRUE;
  return FALSE;
}

/* The last digits of a number, enough for a log line. */
static const char *
number_tail (const char *number)
{
  gsize len = number ? strlen (number) : 0;

  return len > 4 ? number + len - 4 : "?";
}

void
tc_api_hook_sms (TcApiRequest *request)
{
  static const char * const stop_words[] = {
    "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", NULL
  };
  static const char * const help_words[] = { "HELP", "INFO", NULL };
  TcApiContext *ctx = request->ctx;
  const char *public_url = tc_config_get_public_url (ctx->config);
  const char *signature = soup_message_headers_get_one (request->headers, "X-Twilio-Signature");
  g_autoptr(TcSmsForm) form = NULL;
  g_autofree char *url = NULL;
  g_autofree char *from = NULL;
  g_autofree char *associate_id = NULL;
  g_autofree char *peer_id = NULL;
  g_autofree char *name = NULL;
  const char *body, *sid;
  gsize len = 0;
  const char *data = request->body ? g_bytes_get_data (request->body, &len) : NULL;

  if (!tc_config_sms_enabled (ctx->config))
    {
      g_set_error_literal (&request->error, TC_ERROR, TC_ERROR_NOT_FOUND,
                           "inbound text is not configured on this server");
      return;
    }
  form = tc_sms_form_parse (data ? data : "", len, &request->error);
  if (form == NULL)
    return;

  /* Signed with the address the provider posts to: public_url behind a
   * proxy, else the one this server was reached at. */
  if (public_url != NULL)
    {
      g_autofree char *base = g_strdup (public_url);
      gsize n = strlen (base);

      while (n > 0 && base[n - 1] == '/')
        base[--n] = '\0';
      url = g_strconcat (base, "/hooks/sms", NULL);
    }
  else
    url = g_strdup (request->url);
  if (!tc_sms_form_check_signature (form, url, tc_config_get_sms_auth_token (ctx->config),
                                    signature))
    {
      g_message ("Inbound text from %s refused: %s X-Twilio-Signature",
                 request->remote_address ? request->remote_address : "?",
                 signature ? "bad" : "no");
      g_set_error_literal (&request->error, TC_ERROR, TC_ERROR_FORBIDDEN,
                           "missing or bad X-Twilio-Signature");
      return;
    }

  from = tc_phone_normalize (tc_sms_form_get (form, "From"));
  body = tc_sms_form_get (form, "Body");
  sid = tc_sms_form_get (form, "MessageSid");
  if (sid == NULL)
    sid = tc_sms_form_get (form, "SmsSid");
  if (from != NULL)
    associate_id = tc_store_find_by_phone (ctx->store, from, &request->error);
  if (request->error != NULL)
    return;
  if (associate_id == NULL)
    {
      g_message ("Inbound text from an unknown number (…%s) ignored", number_tail (from));
      answer_twiml (request, NULL);
      return;
    }
  if (body == NULL || *body == '\0')
    {
      g_message ("Inbound text from %s ignored: no text", associate_id);
      answer_twiml (request, NULL);
      return;
    }

  if (is_keyword (body, stop_words))
    {
      if (!tc_store_set_offline_channel (ctx->store, associate_id, "email", &request->error))
        return;
      g_message ("Inbound text from %s: STOP, offline messages go by email from now on",
                 associate_id);
      answer_twiml (request, "Team Chat: you will get no more texts. Messages that arrive "
                             "while you are offline come by email now; you can change this in "
                             "Team Chat.");
      return;
    }
  if (is_keyword (body, help_words))
    {
      answer_twiml (request, "Team Chat: reply to a text to answer in the chat. "
                             "Reply STOP to get messages by email instead.");
      return;
    }

  peer_id = tc_store_last_sms_peer (ctx->store, associate_id, &request->error);
  if (request->error != NULL)
    return;
  if (peer_id == NULL)
    {
      g_message ("Inbound text from %s dropped: no conversation reached them by text",
                 associate_id);
      answer_twiml (request, "Team Chat: there is no conversation to answer. Open Team Chat to "
                             "write a message.");
      return;
    }

  /* The same MessageSid posts once (the provider retries); without one,
   * the same signed fields do (a replayed request). */
  if (sid != NULL && *sid != '\0')
    name = g_strconcat ("sms:", sid, NULL);
  else
    {
      g_autofree char *digest = tc_sms_form_digest (form);
      name = g_strconcat ("sms-form:", digest, NULL);
    }
  if (post_reply (request, "text", associate_id, peer_id, body, name))
    {
      /* The provider wants TwiML, not our JSON. */
      g_clear_pointer (&request->response, json_node_unref);
      answer_twiml (request, NULL);
    }
}
