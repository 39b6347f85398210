/* tc-delivery.c: offline delivery of chat messages by email or text
 *
 * Who is offline: the store asks tc_hub_is_online() on its writer thread,
 * inside the transaction that stores the message. The hub marks an
 * associate online before their WebSocket's hello cursor is read, so a
 * recipient counted online at commit time gets the message live or in
 * their next sync. The race we accept: a connection that is open but dying
 * (a laptop lid shut, until keepalive notices) counts as online, so that
 * message is not sent by email or text; and one that opens just after the
 * check gets the message in the app and by email or text as well.
 *
 * Exactly once: a claim commits "sending" before the provider is called,
 * and the outcome commits after it. A process that dies between the two
 * leaves "sending"; the next start makes it pending again, so that one
 * message may reach the provider twice (at least once, never lost). Emails
 * keep their Message-ID across tries, so mail systems can tell.
 */
#include "config.h"

#include <string.h>
#include <curl/curl.h>

#include "tc-delivery.h"
#include "tc-email-compose.h"
#include "tc-error.h"
#include "tc-reply-token.h"
#include "tc-sms-client.h"
#include "tc-sms-form.h"
#include "tc-smtp-client.h"

#define SENDER_THREADS   4
#define POLL_USEC        (60 * G_USEC_PER_SEC)
#define DB_RETRY_USEC    (5 * G_USEC_PER_SEC)

struct _TcDelivery
{
  GObject      parent_instance;

  TcStore     *store;
  TcConfig    *config;
  TcHub       *hub;
  GBytes      *reply_secret;
  gboolean     email_enabled;
  gboolean     sms_enabled;

  GMutex       mutex;
  GCond        cond;
  gboolean     wake;
  gboolean     stopping;
  guint        in_flight;        /* claimed jobs handed to the pool */
  GThread     *scheduler;
  GThreadPool *senders;
};

G_DEFINE_FINAL_TYPE (TcDelivery, tc_delivery, G_TYPE_OBJECT)

gint64
tc_delivery_backoff_usec (guint tries,
                          guint base_seconds,
                          guint max_seconds)
{
  gint64 delay = base_seconds;

  for (guint i = 1; i < tries && delay < max_seconds; i++)
    delay *= 2;
  return MIN (delay, (gint64) max_seconds) * G_USEC_PER_SEC;
}

/* --- the store's policy (writer thread) ------------------------------------ */

static gboolean
offline_cb (const char *recipient_id,
            const char *channel,
            gpointer    user_data)
{
  TcDelivery *self = user_data;

  if (g_strcmp0 (channel, TC_CHANNEL_EMAIL) == 0 ? !self->email_enabled
      : g_strcmp0 (channel, TC_CHANNEL_SMS) == 0 ? !self->sms_enabled : TRUE)
    return FALSE;
  return !tc_hub_is_online (self->hub, recipient_id);
}

static void
wake (TcDelivery *self)
{
  g_mutex_lock (&self->mutex);
  self->wake = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);
}

static void
queued_cb (gpointer user_data)
{
  wake (user_data);
}

/* --- sending (sender threads) ------------------------------------------------- */

static char *
message_id_domain (TcDelivery *self)
{
  const char *domain = tc_config_get_email_reply_domain (self->config);
  g_autofree char *from = NULL;
  const char *at;

  if (domain != NULL)
    return g_strdup (domain);
  from = tc_email_address_of (tc_config_get_email_from (self->config));
  at = from != NULL ? strrchr (from, '@') : NULL;
  return g_strdup (at != NULL && at[1] != '\0' ? at + 1 : "teamchat.invalid");
}

static gboolean
send_email (TcDelivery     *self,
            TcDeliveryJob  *job,
            GError        **error)
{
  TcConfig *config = self->config;
  const char *reply_domain = tc_config_get_email_reply_domain (config);
  g_autoptr(GPtrArray) titles = g_ptr_array_new ();
  g_autofree char *token = NULL;
  g_autofree char *reply_to = NULL;
  g_autofree char *domain = NULL;
  g_autofree char *message_id = NULL;
  g_autofree char *envelope_from = NULL;
  g_autoptr(GBytes) bytes = NULL;
  TcEmailParams params = { 0, };
  TcSmtpSettings smtp = { 0, };

  if (job->recipient_email == NULL || strchr (job->recipient_email, '@') == NULL)
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID, "no email address on file");
      return FALSE;
    }
  for (guint i = 0; i < job->message->attachments->len; i++)
    {
      TcResource *resource = g_ptr_array_index (job->message->attachments, i);
      g_ptr_array_add (titles, resource->title);
    }
  g_ptr_array_add (titles, NULL);

  if (reply_domain != NULL && job->reply_token_id > 0)
    {
      token = tc_reply_token_make (self->reply_secret, job->reply_token_id, job->message->to,
                                   job->message->from);
      reply_to = g_strdup_printf ("reply+%s@%s", token, reply_domain);
    }
  domain = message_id_domain (self);
  message_id = g_strdup_printf ("teamchat.%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT "@%s",
                                job->message->id, job->reply_token_id, domain);

  params.from = tc_config_get_email_from (config);
  params.to_name = job->recipient_name;
  params.to_address = job->recipient_email;
  params.sender_name = job->sender_name;
  params.body = job->message->body;
  params.attachment_titles = (const char * const *) titles->pdata;
  params.reply_to = reply_to;
  params.message_id = message_id;
  params.date_usec = g_get_real_time ();
  bytes = tc_email_compose (&params, error);
  if (bytes == NULL)
    return FALSE;

  envelope_from = tc_email_address_of (params.from);
  smtp.url = tc_config_get_email_smtp_url (config);
  smtp.username = tc_config_get_email_username (config);
  smtp.password = tc_config_get_email_password (config);
  smtp.ca_file = tc_config_get_email_ca_file (config);
  return tc_smtp_send (&smtp, envelope_from, job->recipient_email, bytes, error);
}

static gboolean
send_sms (TcDelivery     *self,
          TcDeliveryJob  *job,
          GError        **error)
{
  TcConfig *config = self->config;
  g_autofree char *to = tc_phone_normalize (job->recipient_phone);
  g_autofree char *body = NULL;
  g_autofree char *sid = NULL;
  TcSmsSettings sms = { 0, };

  if (to == NULL || to[0] != '+')
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID,
                           "no phone number with a country code on file");
      return FALSE;
    }
  body = tc_sms_compose (job->sender_name, job->message->body, job->message->attachments->len);
  sms.api_url = tc_config_get_sms_api_url (config);
  sms.account_sid = tc_config_get_sms_account_sid (config);
  sms.auth_token = tc_config_get_sms_auth_token (config);
  sms.from = tc_config_get_sms_from (config);
  if (!tc_sms_send (&sms, to, body, &sid, error))
    return FALSE;
  if (sid != NULL)
    g_debug ("Text for message %" G_GINT64_FORMAT " accepted as %s", job->message->id, sid);
  return TRUE;
}

static void
send_one (gpointer data,
          gpointer user_data)
{
  g_autoptr(TcDeliveryJob) job = data;
  TcDelivery *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) store_error = NULL;
  TcDeliveryOutcome outcome;
  gint64 retry_at = 0;
  gboolean sent;
  guint max_tries = tc_config_get_delivery_max_tries (self->config);

  if (g_str_equal (job->channel, TC_CHANNEL_EMAIL))
    sent = send_email (self, job, &error);
  else
    sent = send_sms (self, job, &error);

  if (sent)
    {
      outcome = TC_DELIVERY_SENT;
      g_message ("Delivery of message %" G_GINT64_FORMAT " to %s by %s: sent (try %u)",
                 job->message->id, job->message->to, job->channel, job->tries);
    }
  else if (g_error_matches (error, TC_ERROR, TC_ERROR_UNAVAILABLE) && job->tries < max_tries)
    {
      gint64 delay = tc_delivery_backoff_usec (job->tries,
                                               tc_config_get_delivery_retry_seconds (self->config),
                                               tc_config_get_delivery_max_retry_seconds (self->config));

      /* Up to a tenth more, so jobs that failed together spread out. */
      delay += g_random_int_range (0, (gint32) MIN (delay / 10 + 1, G_MAXINT32));
      retry_at = g_get_real_time () + delay;
      outcome = TC_DELIVERY_RETRY;
      g_message ("Delivery of message %" G_GINT64_FORMAT " to %s by %s: try %u of %u failed, "
                 "next in %" G_GINT64_FORMAT " s: %s", job->message->id, job->message->to,
                 job->channel, job->tries, max_tries, delay / G_USEC_PER_SEC, error->message);
    }
  else
    {
      outcome = TC_DELIVERY_FAILED;
      g_warning ("Delivery of message %" G_GINT64_FORMAT " to %s by %s failed for good "
                 "after %u %s: %s", job->message->id, job->message->to, job->channel,
                 job->tries, job->tries == 1 ? "try" : "tries", error->message);
    }

  if (!tc_store_finish_delivery (self->store, job->message->id, outcome,
                                 error != NULL ? error->message : NULL, retry_at, &store_error))
    g_warning ("Could not record the delivery of message %" G_GINT64_FORMAT
               " (it is tried again at the next start): %s", job->message->id,
               store_error->message);

  g_mutex_lock (&self->mutex);
  self->in_flight--;
  self->wake = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);
}

/* --- the scheduler thread ----------------------------------------------------------- */

static gpointer
scheduler_thread (gpointer data)
{
  TcDelivery *self = data;

  g_mutex_lock (&self->mutex);
  while (!self->stopping)
    {
      guint room = SENDER_THREADS * 2 - self->in_flight;
      gint64 now = g_get_real_time ();
      gint64 next = now + POLL_USEC;
      gint64 deadline;

      self->wake = FALSE;
      g_mutex_unlock (&self->mutex);

      if (room > 0)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(GPtrArray) jobs = tc_store_claim_deliveries (self->store, now, room, &error);
          gint64 due;

          if (jobs == NULL)
            {
              g_warning ("Could not claim delivery jobs: %s", error->message);
              next = now + DB_RETRY_USEC;
            }
          else
            {
              g_mutex_lock (&self->mutex);
              self->in_flight += jobs->len;
              g_mutex_unlock (&self->mutex);
              /* The pool owns the jobs from here. */
              g_ptr_array_set_free_func (jobs, NULL);
              for (guint i = 0; i < jobs->len; i++)
                g_thread_pool_push (self->senders, g_ptr_array_index (jobs, i), NULL);
              due = tc_store_next_delivery_at (self->store, NULL);
              if (due > 0)
                next = MIN (next, due);
            }
        }

      g_mutex_lock (&self->mutex);
      /* Real time decides when a job is due; the wait runs on the
       * monotonic clock, which is what GCond offers. */
      deadline = g_get_monotonic_time () + MAX (0, next - g_get_real_time ());
      if (self->in_flight >= SENDER_THREADS * 2)
        deadline = G_MAXINT64;   /* full: a finished send wakes us */
      while (!self->wake && !self->stopping)
        if (!g_cond_wait_until (&self->cond, &self->mutex, deadline))
          break;
    }
  g_mutex_unlock (&self->mutex);
  return NULL;
}

/* --- life cycle ------------------------------------------------------------------------ */

gboolean
tc_delivery_start (TcDelivery  *self,
                   GError     **error)
{
  guint requeued;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (TC_IS_DELIVERY (self), FALSE);
  g_return_val_if_fail (self->scheduler == NULL, FALSE);

  self->reply_secret = tc_store_get_secret (self->store, TC_REPLY_TOKEN_SECRET_NAME,
                                            TC_REPLY_TOKEN_SECRET_BYTES, error);
  if (self->reply_secret == NULL)
    return FALSE;
  requeued = tc_store_requeue_deliveries (self->store, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (requeued > 0)
    g_message ("Delivery: %u %s interrupted by the last stop will be tried again", requeued,
               requeued == 1 ? "job" : "jobs");

  curl_global_init (CURL_GLOBAL_DEFAULT);
  tc_email_init ();
  self->email_enabled = tc_config_email_enabled (self->config);
  self->sms_enabled = tc_config_sms_enabled (self->config);
  g_message ("Offline delivery by email: %s; by text: %s",
             self->email_enabled ? "on" : "off (no [email] smtp_url and from)",
             self->sms_enabled ? "on" : "off (no complete [sms])");

  /* Jobs still queued when the pool stops are freed (they stay "sending"
   * in the database and are requeued at the next start). */
  self->senders = g_thread_pool_new_full (send_one, self, (GDestroyNotify) tc_delivery_job_free,
                                          SENDER_THREADS, FALSE, NULL);
  tc_store_set_delivery_policy (self->store, offline_cb, queued_cb, self);
  self->scheduler = g_thread_new ("tc-delivery", scheduler_thread, self);
  return TRUE;
}

void
tc_delivery_stop (TcDelivery *self)
{
  g_return_if_fail (TC_IS_DELIVERY (self));

  if (self->scheduler == NULL)
    return;
  tc_store_set_delivery_policy (self->store, NULL, NULL, NULL);
  g_mutex_lock (&self->mutex);
  self->stopping = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);
  g_thread_join (g_steal_pointer (&self->scheduler));
  /* Sends in progress finish; jobs still queued stay "sending" in the
   * database and are requeued at the next start. */
  g_thread_pool_free (g_steal_pointer (&self->senders), TRUE, TRUE);
  curl_global_cleanup ();
}

GBytes *
tc_delivery_get_reply_secret (TcDelivery *self)
{
  g_return_val_if_fail (TC_IS_DELIVERY (self), NULL);
  return self->reply_secret;
}

static void
tc_delivery_finalize (GObject *object)
{
  TcDelivery *self = TC_DELIVERY (object);

  tc_delivery_stop (self);
  g_clear_pointer (&self->reply_secret, g_bytes_unref);
  g_clear_object (&self->store);
  g_clear_object (&self->config);
  g_clear_object (&self->hub);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (tc_delivery_parent_class)->finalize (object);
}

static void
tc_delivery_class_init (TcDeliveryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tc_delivery_finalize;
}

static void
tc_delivery_init (TcDelivery *self)
{
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
}

TcDelivery *
tc_delivery_new (TcStore  *store,
                 TcConfig *config,
                 TcHub    *hub)
{
  TcDelivery *self;

  g_return_val_if_fail (TC_IS_STORE (store), NULL);
  g_return_val_if_fail (TC_IS_CONFIG (config), NULL);
  g_return_val_if_fail (TC_IS_HUB (hub), NULL);

  self = g_object_new (TC_TYPE_DELIVERY, NULL);
  self->store = g_object_ref (store);
  self->config = g_object_ref (config);
  self->hub = g_object_ref (hub);
  return self;
}
