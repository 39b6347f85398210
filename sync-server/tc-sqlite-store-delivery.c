/* tc-sqlite-store-delivery.c: offline delivery jobs, reply tokens and
 * server secrets of TcSqliteStore
 *
 * A delivery job is one row of "deliveries", inserted in the transaction
 * that stores its message. Its state is the job's only truth:
 *
 *   pending ──claim──▶ sending ──finish──▶ sent | failed
 *      ▲                  │
 *      └──── retry ───────┘   (and at start: every "sending" left by a
 *                              process that died before it knew)
 *
 * A claim counts the try and commits before anything is sent, so no two
 * workers (and no restart) ever send the same try; only a crash between the
 * provider's acceptance and the "sent" commit makes one job go out twice.
 */
#include "config.h"

#include <sodium.h>

#include "tc-error.h"
#include "tc-sms-form.h"
#include "tc-sqlite-store-private.h"

#define prepare    tc_sqlite_store_prepare
#define bind_text  tc_sqlite_store_bind_text
#define step_done  tc_sqlite_store_step_done

#define MAX_SECRET_BYTES 1024

static char *
column_dup (sqlite3_stmt *stmt,
            int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

typedef struct { TcSqliteStore *store; sqlite3 *db; } Reader;

static void
reader_done (Reader *reader)
{
  if (reader->db != NULL)
    tc_sqlite_store_reader_release (reader->store, reader->db);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Reader, reader_done)

/* Declare the reader before any statement, so it is cleaned up after them. */
static gboolean
reader_open (Reader  *reader,
             GError **error)
{
  reader->db = tc_sqlite_store_reader_acquire (reader->store, error);
  return reader->db != NULL;
}

/* --- queueing, in the send transaction ------------------------------------------ */

gboolean
tc_sqlite_store_queue_delivery (TcSqliteStore    *self,
                                sqlite3          *db,
                                const TcMessage  *message,
                                gint64            now,
                                GError          **error)
{
  g_autoptr(TcSqliteStmt) channel_stmt = NULL;
  g_autoptr(TcSqliteStmt) insert = NULL;
  g_autofree char *channel = NULL;

  channel_stmt = prepare (db, "SELECT offline_channel FROM associates WHERE id = ?1", error);
  if (channel_stmt == NULL)
    return FALSE;
  bind_text (channel_stmt, 1, message->to);
  if (sqlite3_step (channel_stmt) != SQLITE_ROW)
    return TRUE;   /* checked by the caller already */
  channel = column_dup (channel_stmt, 0);

  if (!tc_sqlite_store_wants_delivery (self, message->to, channel))
    return TRUE;

  insert = prepare (db,
                    "INSERT INTO deliveries (message_id, channel, state, tries, next_at, "
                    "                        created_at, updated_at) "
                    "VALUES (?1, ?2, 'pending', 0, ?3, ?3, ?3)",
                    error);
  if (insert == NULL)
    return FALSE;
  sqlite3_bind_int64 (insert, 1, message->id);
  bind_text (insert, 2, channel);
  sqlite3_bind_int64 (insert, 3, now);
  if (!step_done (db, insert, error))
    return FALSE;
  tc_sqlite_store_note_queued (self);
  return TRUE;
}

/* --- claiming ------------------------------------------------------------------------ */

typedef struct {
  gint64     now;
  guint      limit;
  GPtrArray *jobs;   /* TcDeliveryJob */
} ClaimJob;

static gint64
new_reply_token (sqlite3     *db,
                 const char  *associate_id,
                 const char  *peer_id,
                 gint64       now,
                 GError     **error)
{
  g_autoptr(TcSqliteStmt) stmt = NULL;

  stmt = prepare (db,
                  "INSERT INTO reply_tokens (associate_id, peer_id, created_at) VALUES (?1, ?2, ?3)",
                  error);
  if (stmt == NULL)
    return -1;
  bind_text (stmt, 1, associate_id);
  bind_text (stmt, 2, peer_id);
  sqlite3_bind_int64 (stmt, 3, now);
  if (!step_done (db, stmt, error))
    return -1;
  return sqlite3_last_insert_rowid (db);
}

static gboolean
claim_job (TcSqliteStore *self,
           sqlite3       *db,
           gpointer       data,
           GPtrArray     *events,
           GError       **error)
{
  ClaimJob *job = data;
  g_autoptr(TcSqliteStmt) due = NULL;
  g_autoptr(TcSqliteStmt) skip = NULL;
  g_autoptr(TcSqliteStmt) claim = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  int rc;

  due = prepare (db,
                 "SELECT message_id FROM deliveries WHERE state = 'pending' AND next_at <= ?1 "
                 "ORDER BY next_at, message_id LIMIT ?2",
                 error);
  skip = prepare (db,
                  "UPDATE deliveries SET state = 'skipped', updated_at = ?2 WHERE message_id = ?1",
                  error);
  claim = prepare (db,
                   "UPDATE deliveries SET state = 'sending', tries = tries + 1, updated_at = ?2, "
                   "  reply_token_id = COALESCE (reply_token_id, ?3) "
                   "WHERE message_id = ?1 RETURNING channel, tries, reply_token_id",
                   error);
  if (due == NULL || skip == NULL || claim == NULL)
    return FALSE;
  sqlite3_bind_int64 (due, 1, job->now);
  sqlite3_bind_int (due, 2, (int) job->limit);
  while ((rc = sqlite3_step (due)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (due, 0);
      g_array_append_val (ids, id);
    }
  if (rc != SQLITE_DONE)
    {
      tc_sqlite_set_error (db, "due deliveries", error);
      return FALSE;
    }

  for (guint i = 0; i < ids->len; i++)
    {
      gint64 id = g_array_index (ids, gint64, i);
      g_autoptr(TcDeliveryJob) claimed = g_new0 (TcDeliveryJob, 1);
      g_autoptr(TcAssociate) sender = NULL;
      g_autoptr(TcAssociate) recipient = NULL;
      g_autofree char *channel = NULL;
      gint64 token_id = 0, existing_token = 0;

      claimed->message = tc_sqlite_store_load_message (db, id, error);
      if (claimed->message == NULL)
        return FALSE;

      if (claimed->message->read)
        {
          /* Read in the app before it could go out: nothing to deliver. */
          sqlite3_reset (skip);
          sqlite3_bind_int64 (skip, 1, id);
          sqlite3_bind_int64 (skip, 2, job->now);
          if (!step_done (db, skip, error))
            return FALSE;
          continue;
        }

      sender = tc_sqlite_store_load_associate (db, claimed->message->from, error);
      recipient = sender ? tc_sqlite_store_load_associate (db, claimed->message->to, error) : NULL;
      if (recipient == NULL)
        return FALSE;

      {
        g_autoptr(TcSqliteStmt) peek = prepare (db,
                                                "SELECT channel, reply_token_id FROM deliveries "
                                                "WHERE message_id = ?1", error);
        if (peek == NULL)
          return FALSE;
        sqlite3_bind_int64 (peek, 1, id);
        if (sqlite3_step (peek) != SQLITE_ROW)
          continue;
        channel = column_dup (peek, 0);
        existing_token = sqlite3_column_int64 (peek, 1);
      }
      /* An email job gets its reply token once; every try reuses it, so
       * the Message-ID and Reply-To of a resent email stay the same. */
      if (g_strcmp0 (channel, "email") == 0 && existing_token == 0)
        {
          token_id = new_reply_token (db, recipient->id, sender->id, job->now, error);
          if (token_id < 0)
            return FALSE;
        }

      sqlite3_reset (claim);
      sqlite3_bind_int64 (claim, 1, id);
      sqlite3_bind_int64 (claim, 2, job->now);
      if (token_id > 0)
        sqlite3_bind_int64 (claim, 3, token_id);
      else
        sqlite3_bind_null (claim, 3);
      if (sqlite3_step (claim) != SQLITE_ROW)
        {
          tc_sqlite_set_error (db, "claim delivery", error);
          return FALSE;
        }
      claimed->channel = column_dup (claim, 0);
      claimed->tries = (guint) sqlite3_column_int (claim, 1);
      claimed->reply_token_id = sqlite3_column_int64 (claim, 2);
      while (sqlite3_step (claim) == SQLITE_ROW)
        ;
      claimed->sender_name = g_strdup (sender->name);
      claimed->recipient_name = g_strdup (recipient->name);
      claimed->recipient_email = g_strdup (recipient->email);
      claimed->recipient_phone = g_strdup (recipient->phone);
      g_ptr_array_add (job->jobs, g_steal_pointer (&claimed));
    }
  return TRUE;
}

static GPtrArray *
tc_sqlite_store_claim_deliveries (TcStore     *store,
                                  gint64       now_usec,
                                  guint        limit,
                                  GError     **error)
{
  ClaimJob job = { now_usec, limit, NULL };

  job.jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_delivery_job_free);
  if (limit == 0)
    return job.jobs;
  if (!tc_sqlite_store_run_write (TC_SQLITE_STORE (store), claim_job, &job, error))
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
finish_job (TcSqliteStore *self,
            sqlite3       *db,
            gpointer       data,
            GPtrArray     *events,
            GError       **error)
{
  FinishJob *job = data;
  g_autoptr(TcSqliteStmt) update = NULL;
  g_autoptr(TcSqliteStmt) message_update = NULL;
  g_autoptr(TcMessage) message = NULL;
  gint64 now = g_get_real_time ();
  static const char * const states[] = { "sent", "pending", "failed" };

  update = prepare (db,
                    "UPDATE deliveries SET state = ?2, last_error = ?3, updated_at = ?4, "
                    "  next_at = COALESCE (?5, next_at) "
                    "WHERE message_id = ?1 AND state = 'sending'",
                    error);
  if (update == NULL)
    return FALSE;
  sqlite3_bind_int64 (update, 1, job->message_id);
  bind_text (update, 2, states[job->outcome]);
  bind_text (update, 3, job->outcome == TC_DELIVERY_SENT ? NULL : job->reason);
  sqlite3_bind_int64 (update, 4, now);
  if (job->outcome == TC_DELIVERY_RETRY)
    sqlite3_bind_int64 (update, 5, job->retry_at);
  else
    sqlite3_bind_null (update, 5);
  if (!step_done (db, update, error))
    return FALSE;
  if (sqlite3_changes (db) == 0)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_NOT_FOUND, "no delivery of message %" G_GINT64_FORMAT
                   " is being sent", job->message_id);
      return FALSE;
    }
  if (job->outcome == TC_DELIVERY_RETRY)
    return TRUE;

  if (job->outcome == TC_DELIVERY_SENT)
    message_update = prepare (db,
                              "UPDATE messages SET delivery_error = NULL, delivered_via = "
                              "  (SELECT channel FROM deliveries WHERE message_id = ?1) "
                              "WHERE id = ?1",
                              error);
  else
    message_update = prepare (db, "UPDATE messages SET delivery_error = ?2 WHERE id = ?1", error);
  if (message_update == NULL)
    return FALSE;
  sqlite3_bind_int64 (message_update, 1, job->message_id);
  if (job->outcome == TC_DELIVERY_FAILED)
    bind_text (message_update, 2, job->reason != NULL ? job->reason : "delivery failed");
  if (!step_done (db, message_update, error))
    return FALSE;

  /* The sender (and the recipient's other devices) see the new state. */
  message = tc_sqlite_store_load_message (db, job->message_id, error);
  if (message == NULL)
    return FALSE;
  return tc_sqlite_store_append_message_events (db, message, now, events, error);
}

static gboolean
tc_sqlite_store_finish_delivery (TcStore            *store,
                                 gint64              message_id,
                                 TcDeliveryOutcome   outcome,
                                 const char         *reason,
                                 gint64              retry_at_usec,
                                 GError            **error)
{
  FinishJob job = { message_id, outcome, reason, retry_at_usec };

  g_return_val_if_fail (outcome <= TC_DELIVERY_FAILED, FALSE);
  return tc_sqlite_store_run_write (TC_SQLITE_STORE (store), finish_job, &job, error);
}

typedef struct {
  guint n;
} RequeueJob;

static gboolean
requeue_job (TcSqliteStore *self,
             sqlite3       *db,
             gpointer       data,
             GPtrArray     *events,
             GError       **error)
{
  RequeueJob *job = data;
  g_autoptr(TcSqliteStmt) stmt = NULL;

  stmt = prepare (db,
                  "UPDATE deliveries SET state = 'pending', next_at = ?1, updated_at = ?1 "
                  "WHERE state = 'sending'",
                  error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, g_get_real_time ());
  if (!step_done (db, stmt, error))
    return FALSE;
  job->n = (guint) sqlite3_changes (db);
  return TRUE;
}

static guint
tc_sqlite_store_requeue_deliveries (TcStore  *store,
                                    GError  **error)
{
  RequeueJob job = { 0 };

  if (!tc_sqlite_store_run_write (TC_SQLITE_STORE (store), requeue_job, &job, error))
    return 0;
  return job.n;
}

static gint64
tc_sqlite_store_next_delivery_at (TcStore  *store,
                                  GError  **error)
{
  g_auto(Reader) reader = { TC_SQLITE_STORE (store), NULL };
  g_autoptr(TcSqliteStmt) stmt = NULL;
  int rc;

  if (!reader_open (&reader, error))
    return -1;

  stmt = prepare (reader.db, "SELECT MIN (next_at) FROM deliveries WHERE state = 'pending'", error);
  if (stmt == NULL)
    return -1;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      tc_sqlite_set_error (reader.db, "next delivery", error);
      return -1;
    }
  return sqlite3_column_type (stmt, 0) == SQLITE_NULL ? 0 : sqlite3_column_int64 (stmt, 0);
}

/* --- secrets -------------------------------------------------------------------------------- */

typedef struct {
  const char *name;
  gsize       size;
  GBytes     *value;
} SecretJob;

static gboolean
secret_job (TcSqliteStore *self,
            sqlite3       *db,
            gpointer       data,
            GPtrArray     *events,
            GError       **error)
{
  SecretJob *job = data;
  g_autoptr(TcSqliteStmt) insert = NULL;
  g_autoptr(TcSqliteStmt) select = NULL;
  g_autofree guint8 *fresh = g_malloc (job->size);

  randombytes_buf (fresh, job->size);
  insert = prepare (db, "INSERT OR IGNORE INTO secrets (name, value) VALUES (?1, ?2)", error);
  select = prepare (db, "SELECT value FROM secrets WHERE name = ?1", error);
  if (insert == NULL || select == NULL)
    return FALSE;
  bind_text (insert, 1, job->name);
  sqlite3_bind_blob (insert, 2, fresh, (int) job->size, SQLITE_TRANSIENT);
  sodium_memzero (fresh, job->size);
  if (!step_done (db, insert, error))
    return FALSE;
  bind_text (select, 1, job->name);
  if (sqlite3_step (select) != SQLITE_ROW)
    {
      tc_sqlite_set_error (db, "secret", error);
      return FALSE;
    }
  if ((gsize) sqlite3_column_bytes (select, 0) != job->size)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INTERNAL, "the stored secret “%s” has the wrong size",
                   job->name);
      return FALSE;
    }
  job->value = g_bytes_new (sqlite3_column_blob (select, 0), job->size);
  return TRUE;
}

static GBytes *
tc_sqlite_store_get_secret (TcStore     *store,
                            const char  *name,
                            gsize        size,
                            GError     **error)
{
  SecretJob job = { name, size, NULL };

  g_return_val_if_fail (size > 0 && size <= MAX_SECRET_BYTES, NULL);
  if (!tc_sqlite_store_run_write (TC_SQLITE_STORE (store), secret_job, &job, error))
    return NULL;
  return job.value;
}

/* --- reply tokens and SMS threads --------------------------------------------------------- */

static TcReplyTokenRow *
tc_sqlite_store_get_reply_token (TcStore     *store,
                                 gint64       id,
                                 GError     **error)
{
  g_auto(Reader) reader = { TC_SQLITE_STORE (store), NULL };
  g_autoptr(TcSqliteStmt) stmt = NULL;
  TcReplyTokenRow *row;
  int rc;

  if (!reader_open (&reader, error))
    return NULL;

  stmt = prepare (reader.db,
                  "SELECT id, associate_id, peer_id, created_at, revoked_at IS NOT NULL "
                  "FROM reply_tokens WHERE id = ?1",
                  error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_NOT_FOUND, "no such reply token");
      return NULL;
    }
  if (rc != SQLITE_ROW)
    {
      tc_sqlite_set_error (reader.db, "reply token", error);
      return NULL;
    }
  row = g_new0 (TcReplyTokenRow, 1);
  row->id = sqlite3_column_int64 (stmt, 0);
  row->associate_id = column_dup (stmt, 1);
  row->peer_id = column_dup (stmt, 2);
  row->created_at = sqlite3_column_int64 (stmt, 3);
  row->revoked = sqlite3_column_int (stmt, 4) != 0;
  return row;
}

typedef struct {
  const char *associate_id;
  guint       n;
} RevokeJob;

static gboolean
revoke_job (TcSqliteStore *self,
            sqlite3       *db,
            gpointer       data,
            GPtrArray     *events,
            GError       **error)
{
  RevokeJob *job = data;
  g_autoptr(TcSqliteStmt) stmt = NULL;

  stmt = prepare (db,
                  "UPDATE reply_tokens SET revoked_at = ?2 "
                  "WHERE associate_id = ?1 AND revoked_at IS NULL",
                  error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, job->associate_id);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
  if (!step_done (db, stmt, error))
    return FALSE;
  job->n = (guint) sqlite3_changes (db);
  return TRUE;
}

static guint
tc_sqlite_store_revoke_reply_tokens (TcStore     *store,
                                     const char  *associate_id,
                                     GError     **error)
{
  RevokeJob job = { associate_id, 0 };

  if (!tc_sqlite_store_run_write (TC_SQLITE_STORE (store), revoke_job, &job, error))
    return 0;
  return job.n;
}

static char *
tc_sqlite_store_last_sms_peer (TcStore     *store,
                               const char  *associate_id,
                               GError     **error)
{
  g_auto(Reader) reader = { TC_SQLITE_STORE (store), NULL };
  g_autoptr(TcSqliteStmt) stmt = NULL;
  int rc;

  if (!reader_open (&reader, error))
    return NULL;

  stmt = prepare (reader.db,
                  "SELECT m.sender_id FROM messages m JOIN deliveries d ON d.message_id = m.id "
                  "WHERE m.recipient_id = ?1 AND d.channel = 'sms' AND d.state = 'sent' "
                  "ORDER BY d.updated_at DESC, m.id DESC LIMIT 1",
                  error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, associate_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return column_dup (stmt, 0);
  if (rc != SQLITE_DONE)
    tc_sqlite_set_error (reader.db, "last text", error);
  return NULL;
}

static char *
tc_sqlite_store_find_by_phone (TcStore     *store,
                               const char  *e164,
                               GError     **error)
{
  g_auto(Reader) reader = { TC_SQLITE_STORE (store), NULL };
  g_autoptr(TcSqliteStmt) stmt = NULL;
  int rc;

  if (!reader_open (&reader, error))
    return NULL;

  if (e164 == NULL || *e164 == '\0')
    return NULL;
  /* Phones are stored as imported ("+1 555 555 0001"), so they are compared
   * normalised; one scan of the associates per inbound text. */
  stmt = prepare (reader.db,
                  "SELECT id, phone FROM associates WHERE phone IS NOT NULL ORDER BY id", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autofree char *phone = tc_phone_normalize ((const char *) sqlite3_column_text (stmt, 1));

      if (phone != NULL && g_str_equal (phone, e164))
        return column_dup (stmt, 0);
    }
  if (rc != SQLITE_DONE)
    tc_sqlite_set_error (reader.db, "phone", error);
  return NULL;
}

/* --- retention ------------------------------------------------------------------------------ */

typedef struct {
  gint64 cutoff;
} PurgeJob;

static gboolean
purge_job (TcSqliteStore *self,
           sqlite3       *db,
           gpointer       data,
           GPtrArray     *events,
           GError       **error)
{
  PurgeJob *job = data;
  g_autoptr(TcSqliteStmt) deliveries = NULL;
  g_autoptr(TcSqliteStmt) tokens = NULL;

  /* Deliveries go with their messages (ON DELETE CASCADE); these are the
   * records a message outlived, and tokens whose email is that old. */
  deliveries = prepare (db, "DELETE FROM deliveries WHERE created_at < ?1", error);
  tokens = prepare (db, "DELETE FROM reply_tokens WHERE created_at < ?1", error);
  if (deliveries == NULL || tokens == NULL)
    return FALSE;
  sqlite3_bind_int64 (deliveries, 1, job->cutoff);
  sqlite3_bind_int64 (tokens, 1, job->cutoff);
  return step_done (db, deliveries, error) && step_done (db, tokens, error);
}

gboolean
tc_sqlite_store_purge_delivery (TcSqliteStore  *self,
                                gint64          cutoff_usec,
                                GError        **error)
{
  PurgeJob job = { cutoff_usec };

  return tc_sqlite_store_run_write (self, purge_job, &job, error);
}

void
tc_sqlite_store_delivery_iface_init (TcStoreInterface *iface)
{
  iface->claim_deliveries = tc_sqlite_store_claim_deliveries;
  iface->finish_delivery = tc_sqlite_store_finish_delivery;
  iface->requeue_deliveries = tc_sqlite_store_requeue_deliveries;
  iface->next_delivery_at = tc_sqlite_store_next_delivery_at;
  iface->get_secret = tc_sqlite_store_get_secret;
  iface->get_reply_token = tc_sqlite_store_get_reply_token;
  iface->revoke_reply_tokens = tc_sqlite_store_revoke_reply_tokens;
  iface->last_sms_peer = tc_sqlite_store_last_sms_peer;
  iface->find_by_phone = tc_sqlite_store_find_by_phone;
}
