/* tc-pg-store-delivery.c: offline delivery jobs, reply tokens and server
 * secrets of TcPgStore
 *
 * The states of a job are those of tc-sqlite-store-delivery.c. With several
 * processes, a claim takes due rows with SELECT … FOR UPDATE SKIP LOCKED:
 * two processes claiming at once get different jobs, and a claimed job is
 * "sending" with the claiming process's id (claimed_by) once that commits,
 * so exactly one process sends each try. Jobs left "sending" by a process
 * that died (no heartbeat for the presence timeout) become pending again
 * when a live process reaps it, or when a process starts.
 */
#include "config.h"

#include <sodium.h>

#include "tc-error.h"
#include "tc-sms-form.h"
#include "tc-pg-store-private.h"

#define MAX_SECRET_BYTES 1024

/* --- queueing, in the send transaction ------------------------------------------ */

gboolean
tc_pg_store_queue_delivery (TcPgTx           *tx,
                            const TcMessage  *message,
                            const char       *channel,
                            gint64            now,
                            GError          **error)
{
  if (channel == NULL || !tc_pg_store_wants_delivery (tx->store, message->to, channel))
    return TRUE;
  if (!tc_pg_command (tx->conn, error, NULL,
                      "INSERT INTO deliveries (message_id, channel, state, tries, next_at, "
                      "                        created_at, updated_at) "
                      "VALUES ($1, $2, 'pending', 0, $3, $3, $3)",
                      "isi", message->id, channel, now))
    return FALSE;
  /* After the commit, every process's scheduler wakes up; one of them
   * claims it. */
  tx->queued = TRUE;
  return TRUE;
}

/* --- claiming ------------------------------------------------------------------------ */

typedef struct {
  gint64     now;
  guint      limit;
  GPtrArray *jobs;   /* TcDeliveryJob */
} ClaimJob;

static gboolean
claim_write (TcPgTx   *tx,
             gpointer  data,
             GError  **error)
{
  ClaimJob *job = data;
  g_autoptr(PGresult) due = NULL;

  g_ptr_array_set_size (job->jobs, 0);
  due = tc_pg_query (tx->conn, error,
                     "SELECT message_id, channel, reply_token_id FROM deliveries "
                     "WHERE state = 'pending' AND next_at <= $1 "
                     "ORDER BY next_at, message_id LIMIT $2 FOR UPDATE SKIP LOCKED",
                     "iu", job->now, job->limit);
  if (due == NULL)
    return FALSE;

  for (int row = 0; row < PQntuples (due); row++)
    {
      gint64 id = tc_pg_int (due, row, 0);
      g_autoptr(TcDeliveryJob) claimed = g_new0 (TcDeliveryJob, 1);
      g_autoptr(TcAssociate) sender = NULL;
      g_autoptr(TcAssociate) recipient = NULL;
      g_autoptr(PGresult) res = NULL;
      gint64 token_id = 0;

      claimed->message = tc_pg_load_message (tx->conn, id, error);
      if (claimed->message == NULL)
        return FALSE;

      if (claimed->message->read)
        {
          /* Read in the app before it could go out: nothing to deliver. */
          if (!tc_pg_command (tx->conn, error, NULL,
                              "UPDATE deliveries SET state = 'skipped', updated_at = $2 "
                              "WHERE message_id = $1",
                              "ii", id, job->now))
            return FALSE;
          continue;
        }

      sender = tc_pg_load_associate (tx->conn, claimed->message->from, error);
      recipient = sender ? tc_pg_load_associate (tx->conn, claimed->message->to, error) : NULL;
      if (recipient == NULL)
        return FALSE;

      /* An email job gets its reply token once; every try reuses it, so
       * the Message-ID and Reply-To of a resent email stay the same. */
      if (g_strcmp0 (PQgetvalue (due, row, 1), "email") == 0 && tc_pg_is_null (due, row, 2))
        {
          g_autoptr(PGresult) token = NULL;

          token = tc_pg_query (tx->conn, error,
                               "INSERT INTO reply_tokens (associate_id, peer_id, created_at) "
                               "VALUES ($1, $2, $3) RETURNING id",
                               "ssi", recipient->id, sender->id, job->now);
          if (token == NULL)
            return FALSE;
          token_id = tc_pg_int (token, 0, 0);
        }

      res = tc_pg_query (tx->conn, error,
                         "UPDATE deliveries SET state = 'sending', tries = tries + 1, updated_at = $2, "
                         "  reply_token_id = COALESCE (reply_token_id, $3), claimed_by = $4 "
                         "WHERE message_id = $1 RETURNING channel, tries, reply_token_id",
                         "iins", id, job->now, token_id, tc_pg_store_instance_id (tx->store));
      if (res == NULL)
        return FALSE;
      claimed->channel = tc_pg_text (res, 0, 0);
      claimed->tries = (guint) tc_pg_int (res, 0, 1);
      claimed->reply_token_id = tc_pg_int (res, 0, 2);
      claimed->sender_name = g_strdup (sender->name);
      claimed->recipient_name = g_strdup (recipient->name);
      claimed->recipient_email = g_strdup (recipient->email);
      claimed->recipient_phone = g_strdup (recipient->phone);
      g_ptr_array_add (job->jobs, g_steal_pointer (&claimed));
    }
  return TRUE;
}

static GPtrArray *
tc_pg_store_claim_deliveries (TcStore     *store,
                              gint64       now_usec,
                              guint        limit,
                              GError     **error)
{
  ClaimJob job = { now_usec, limit, NULL };

  job.jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_delivery_job_free);
  if (limit == 0)
    return job.jobs;
  if (!tc_pg_store_write (TC_PG_STORE (store), claim_write, &job, error))
    {
      g_ptr_array_unref (job.jobs);
      return NULL;
    }
  return job.jobs;
}

/* --- outcomes -------------------------------------------------------------------------- */

typedef struct {
  gint64             message_id;
  TcDeliveryOutcome  outcome;
  const char        *reason;
  gint64             retry_at;
} FinishJob;

static gboolean
finish_write (TcPgTx   *tx,
              gpointer  data,
              GError  **error)
{
  FinishJob *job = data;
  g_autoptr(TcMessage) message = NULL;
  gint64 now = g_get_real_time ();
  static const char * const states[] = { "sent", "pending", "failed" };
  guint changed = 0;

  /* Only the claim of this process: a job reaped from a process thought
   * dead may be another's now. */
  if (!tc_pg_command (tx->conn, error, &changed,
                      "UPDATE deliveries SET state = $2, last_error = $3, updated_at = $4, "
                      "  next_at = COALESCE ($5, next_at), claimed_by = NULL "
                      "WHERE message_id = $1 AND state = 'sending' "
                      "  AND claimed_by IS NOT DISTINCT FROM $6",
                      "issins", job->message_id, states[job->outcome],
                      job->outcome == TC_DELIVERY_SENT ? NULL : job->reason, now,
                      job->outcome == TC_DELIVERY_RETRY ? job->retry_at : (gint64) 0,
                      tc_pg_store_instance_id (tx->store)))
    return FALSE;
  if (changed == 0)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_NOT_FOUND, "no delivery of message %" G_GINT64_FORMAT
                   " is being sent", job->message_id);
      return FALSE;
    }
  if (job->outcome == TC_DELIVERY_RETRY)
    return TRUE;

  if (job->outcome == TC_DELIVERY_SENT)
    {
      if (!tc_pg_command (tx->conn, error, NULL,
                          "UPDATE messages SET delivery_error = NULL, delivered_via = "
                          "  (SELECT channel FROM deliveries WHERE message_id = $1) "
                          "WHERE id = $1",
                          "i", job->message_id))
        return FALSE;
    }
  else if (!tc_pg_command (tx->conn, error, NULL,
                           "UPDATE messages SET delivery_error = $2 WHERE id = $1",
                           "is", job->message_id,
                           job->reason != NULL ? job->reason : "delivery failed"))
    return FALSE;

  /* The sender (and the recipient's other devices) see the new state. */
  message = tc_pg_load_message (tx->conn, job->message_id, error);
  if (message == NULL)
    return FALSE;
  tc_pg_tx_append_message_events (tx, message, now);
  return TRUE;
}

static gboolean
tc_pg_store_finish_delivery (TcStore            *store,
                             gint64              message_id,
                             TcDeliveryOutcome   outcome,
                             const char         *reason,
                             gint64              retry_at_usec,
                             GError            **error)
{
  FinishJob job = { message_id, outcome, reason, retry_at_usec };

  g_return_val_if_fail (outcome <= TC_DELIVERY_FAILED, FALSE);
  return tc_pg_store_write (TC_PG_STORE (store), finish_write, &job, error);
}

gboolean
tc_pg_store_requeue_orphans (TcPgConn  *conn,
                             guint      timeout_seconds,
                             guint     *out_requeued,
                             GError   **error)
{
  return tc_pg_command (conn, error, out_requeued,
                        "UPDATE deliveries SET state = 'pending', next_at = $1, updated_at = $1, "
                        "  claimed_by = NULL "
                        "WHERE state = 'sending' AND (claimed_by IS NULL OR NOT EXISTS ("
                        "  SELECT 1 FROM instances i WHERE i.id = deliveries.claimed_by "
                        "  AND i.heartbeat_at > now () - make_interval (secs => $2)))",
                        "iu", g_get_real_time (), timeout_seconds);
}

typedef struct {
  guint n;
} RequeueJob;

static gboolean
requeue_write (TcPgTx   *tx,
               gpointer  data,
               GError  **error)
{
  RequeueJob *job = data;

  return tc_pg_store_requeue_orphans (tx->conn, tc_pg_store_presence_timeout (tx->store), &job->n,
                                      error);
}

static guint
tc_pg_store_requeue_deliveries (TcStore  *store,
                                GError  **error)
{
  RequeueJob job = { 0 };

  if (!tc_pg_store_write (TC_PG_STORE (store), requeue_write, &job, error))
    return 0;
  return job.n;
}

typedef struct {
  gint64 next;
} NextJob;

static gboolean
next_read (TcPgTx   *tx,
           gpointer  data,
           GError  **error)
{
  NextJob *job = data;
  g_autoptr(PGresult) res = tc_pg_query (tx->conn, error,
                                         "SELECT min (next_at) FROM deliveries WHERE state = 'pending'",
                                         "");

  if (res == NULL)
    return FALSE;
  job->next = tc_pg_int (res, 0, 0);
  return TRUE;
}

static gint64
tc_pg_store_next_delivery_at (TcStore  *store,
                              GError  **error)
{
  NextJob job = { 0 };

  if (!tc_pg_store_read (TC_PG_STORE (store), next_read, &job, error))
    return -1;
  return job.next;
}

/* --- secrets -------------------------------------------------------------------------------- */

typedef struct {
  const char *name;
  gsize       size;
  GBytes     *value;
} SecretJob;

static gboolean
secret_write (TcPgTx   *tx,
              gpointer  data,
              GError  **error)
{
  SecretJob *job = data;
  g_autofree guint8 *fresh = g_malloc (job->size);
  g_autoptr(PGresult) res = NULL;
  gboolean inserted;

  g_clear_pointer (&job->value, g_bytes_unref);
  randombytes_buf (fresh, job->size);
  inserted = tc_pg_command (tx->conn, error, NULL,
                            "INSERT INTO secrets (name, value) VALUES ($1, $2) "
                            "ON CONFLICT (name) DO NOTHING",
                            "sx", job->name, fresh, job->size);
  sodium_memzero (fresh, job->size);
  if (!inserted)
    return FALSE;
  res = tc_pg_query (tx->conn, error, "SELECT value FROM secrets WHERE name = $1", "s", job->name);
  if (res == NULL)
    return FALSE;
  job->value = PQntuples (res) > 0 ? tc_pg_bytes (res, 0, 0) : NULL;
  if (job->value == NULL || g_bytes_get_size (job->value) != job->size)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INTERNAL, "the stored secret “%s” has the wrong size",
                   job->name);
      return FALSE;
    }
  return TRUE;
}

static GBytes *
tc_pg_store_get_secret (TcStore     *store,
                        const char  *name,
                        gsize        size,
                        GError     **error)
{
  SecretJob job = { name, size, NULL };

  g_return_val_if_fail (size > 0 && size <= MAX_SECRET_BYTES, NULL);
  if (!tc_pg_store_write (TC_PG_STORE (store), secret_write, &job, error))
    {
      g_clear_pointer (&job.value, g_bytes_unref);
      return NULL;
    }
  return job.value;
}

/* --- reply tokens and SMS threads --------------------------------------------------------- */

typedef struct {
  gint64           id;
  const char      *text;
  TcReplyTokenRow *row;
  char            *found;
  guint            n;
} LookupJob;

static gboolean
reply_token_read (TcPgTx   *tx,
                  gpointer  data,
                  GError  **error)
{
  LookupJob *job = data;
  g_autoptr(PGresult) res = NULL;

  g_clear_pointer (&job->row, tc_reply_token_row_free);
  res = tc_pg_query (tx->conn, error,
                     "SELECT id, associate_id, peer_id, created_at, revoked_at IS NOT NULL "
                     "FROM reply_tokens WHERE id = $1",
                     "i", job->id);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_NOT_FOUND, "no such reply token");
      return FALSE;
    }
  job->row = g_new0 (TcReplyTokenRow, 1);
  job->row->id = tc_pg_int (res, 0, 0);
  job->row->associate_id = tc_pg_text (res, 0, 1);
  job->row->peer_id = tc_pg_text (res, 0, 2);
  job->row->created_at = tc_pg_int (res, 0, 3);
  job->row->revoked = tc_pg_bool (res, 0, 4);
  return TRUE;
}

static TcReplyTokenRow *
tc_pg_store_get_reply_token (TcStore     *store,
                             gint64       id,
                             GError     **error)
{
  LookupJob job = { id, NULL, NULL, NULL, 0 };

  tc_pg_store_read (TC_PG_STORE (store), reply_token_read, &job, error);
  return job.row;
}

static gboolean
revoke_write (TcPgTx   *tx,
              gpointer  data,
              GError  **error)
{
  LookupJob *job = data;

  return tc_pg_command (tx->conn, error, &job->n,
                        "UPDATE reply_tokens SET revoked_at = $2 "
                        "WHERE associate_id = $1 AND revoked_at IS NULL",
                        "si", job->text, g_get_real_time ());
}

static guint
tc_pg_store_revoke_reply_tokens (TcStore     *store,
                                 const char  *associate_id,
                                 GError     **error)
{
  LookupJob job = { 0, associate_id, NULL, NULL, 0 };

  if (!tc_pg_store_write (TC_PG_STORE (store), revoke_write, &job, error))
    return 0;
  return job.n;
}

static gboolean
last_sms_read (TcPgTx   *tx,
               gpointer  data,
               GError  **error)
{
  LookupJob *job = data;
  g_autoptr(PGresult) res = NULL;

  g_clear_pointer (&job->found, g_free);
  res = tc_pg_query (tx->conn, error,
                     "SELECT m.sender_id FROM messages m JOIN deliveries d ON d.message_id = m.id "
                     "WHERE m.recipient_id = $1 AND d.channel = 'sms' AND d.state = 'sent' "
                     "ORDER BY d.updated_at DESC, m.id DESC LIMIT 1",
                     "s", job->text);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) > 0)
    job->found = tc_pg_text (res, 0, 0);
  return TRUE;
}

static char *
tc_pg_store_last_sms_peer (TcStore     *store,
                           const char  *associate_id,
                           GError     **error)
{
  LookupJob job = { 0, associate_id, NULL, NULL, 0 };

  tc_pg_store_read (TC_PG_STORE (store), last_sms_read, &job, error);
  return job.found;
}

static gboolean
find_by_phone_read (TcPgTx   *tx,
                    gpointer  data,
                    GError  **error)
{
  LookupJob *job = data;
  g_autoptr(PGresult) res = NULL;

  g_clear_pointer (&job->found, g_free);
  /* Phones are stored as imported ("+1 555 555 0001"), so they are compared
   * normalised; one scan of the associates per inbound text. */
  res = tc_pg_query (tx->conn, error,
                     "SELECT id, phone FROM associates WHERE phone IS NOT NULL "
                     "ORDER BY id COLLATE \"C\"",
                     "");
  if (res == NULL)
    return FALSE;
  for (int row = 0; row < PQntuples (res); row++)
    {
      g_autofree char *phone = tc_phone_normalize (PQgetvalue (res, row, 1));

      if (phone != NULL && g_str_equal (phone, job->text))
        {
          job->found = tc_pg_text (res, row, 0);
          break;
        }
    }
  return TRUE;
}

static char *
tc_pg_store_find_by_phone (TcStore     *store,
                           const char  *e164,
                           GError     **error)
{
  LookupJob job = { 0, e164, NULL, NULL, 0 };

  if (e164 == NULL || *e164 == '\0')
    return NULL;
  tc_pg_store_read (TC_PG_STORE (store), find_by_phone_read, &job, error);
  return job.found;
}

/* --- retention ------------------------------------------------------------------------------ */

gboolean
tc_pg_store_purge_delivery (TcPgTx  *tx,
                            gint64   cutoff_usec,
                            GError **error)
{
  /* Deliveries go with their messages (ON DELETE CASCADE); these are the
   * records a message outlived, and tokens whose email is that old. */
  return tc_pg_command (tx->conn, error, NULL, "DELETE FROM deliveries WHERE created_at < $1",
                        "i", cutoff_usec) &&
         tc_pg_command (tx->conn, error, NULL, "DELETE FROM reply_tokens WHERE created_at < $1",
                        "i", cutoff_usec);
}

void
tc_pg_store_delivery_iface_init (TcStoreInterface *iface)
{
  iface->claim_deliveries = tc_pg_store_claim_deliveries;
  iface->finish_delivery = tc_pg_store_finish_delivery;
  iface->requeue_deliveries = tc_pg_store_requeue_deliveries;
  iface->next_delivery_at = tc_pg_store_next_delivery_at;
  iface->get_secret = tc_pg_store_get_secret;
  iface->get_reply_token = tc_pg_store_get_reply_token;
  iface->revoke_reply_tokens = tc_pg_store_revoke_reply_tokens;
  iface->last_sms_peer = tc_pg_store_last_sms_peer;
  iface->find_by_phone = tc_pg_store_find_by_phone;
}
