/* tc-pg-store.c: TcStore on a PostgreSQL database
 *
 * Any number of server processes share the database. Each call takes a
 * connection from a pool (sized by [database] pool_size), runs one
 * transaction and gives the connection back; a call waits while every
 * connection is busy. A deadlock, a serialization failure or a connection
 * lost before COMMIT runs the transaction again (each transaction function
 * sets its results from scratch).
 *
 * Event streams: each associate's stream has its own counter, a row of
 * "streams". A transaction collects the events it appends and, last
 * before COMMIT, takes the next numbers of each stream it touches with one
 * INSERT … ON CONFLICT DO UPDATE … RETURNING over those rows, in a fixed
 * order (associate id, bytewise). The row lock lasts until COMMIT, so a
 * second transaction of the same stream waits, takes the numbers after
 * the first one's, and commits after it: within a stream, seq order is
 * commit order and no number is left out (a transaction that rolls back
 * gives its numbers back with its update). A reader that sees seq N
 * committed therefore sees every seq below N too: cursors never skip an
 * event that a slower transaction committed later. Locks are held only
 * for the tail of a transaction, and streams of different associates
 * never wait for each other.
 *
 * After the commit, a notification pg_notify ('tc_events', "FIRST LAST
 * ASSOCIATE" …) tells every live process (tc-pg-store-live.c), which reads
 * the events from the database for the streams it has connections of. It
 * is sent after COMMIT, not in the transaction: PostgreSQL holds one lock
 * from a notifying transaction's pre-commit to the end of its commit, so
 * notifying inside the data transactions would make their commits (and
 * disk flushes) take turns, across every process.
 */
#include "config.h"

#include <string.h>

#include "tc-error.h"
#include "tc-import-row.h"
#include "tc-password.h"
#include "tc-pg-schema.h"
#include "tc-pg-store-private.h"
#include "tc-store-util.h"

#define PURGE_CHUNK 5000
#define MAX_ATTEMPTS 8

typedef struct {
  char       *associate_id;
  const char *type;          /* static */
  gint64      message_id;
  char       *by_id;
  char       *peer_id;
  gint64      up_to;
  char       *member_id;
  gint64      created_at;
} PendingEvent;

struct _TcPgStore
{
  GObject             parent_instance;

  char               *conninfo;
  TcStoreOptions      options;
  gint                closed;          /* atomic */

  GMutex              pool_mutex;
  GCond               pool_cond;
  GQueue              idle;            /* TcPgConn */
  guint               n_open;

  GMutex              sink_mutex;      /* the callbacks below */
  TcStoreEventSink    sink;
  gpointer            sink_data;
  TcStorePresenceSink presence_sink;
  gpointer            presence_data;
  TcStoreOfflineFunc  offline_func;
  TcStoreQueuedFunc   queued_func;
  gpointer            delivery_data;

  TcPgLive           *live;            /* NULL unless options.live */
  gboolean            opened;          /* tc_pg_store_new() succeeded */
};

static void tc_pg_store_iface_init (TcStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TcPgStore, tc_pg_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (TC_TYPE_STORE, tc_pg_store_iface_init))

/* --- the pool ---------------------------------------------------------------- */

static TcPgConn *
pool_acquire (TcPgStore  *self,
              GError    **error)
{
  TcPgConn *conn = NULL;

  g_mutex_lock (&self->pool_mutex);
  while (!g_atomic_int_get (&self->closed) && self->idle.length == 0 &&
         self->n_open >= self->options.pool_size)
    g_cond_wait (&self->pool_cond, &self->pool_mutex);
  if (g_atomic_int_get (&self->closed))
    {
      g_mutex_unlock (&self->pool_mutex);
      g_set_error (error, TC_ERROR, TC_ERROR_UNAVAILABLE, "the database is closed");
      return NULL;
    }
  if (self->idle.length > 0)
    {
      conn = g_queue_pop_head (&self->idle);
      g_mutex_unlock (&self->pool_mutex);
      return conn;
    }
  self->n_open++;
  g_mutex_unlock (&self->pool_mutex);

  conn = tc_pg_conn_open (self->conninfo, error);
  if (conn == NULL && self->opened && error != NULL && *error != NULL)
    {
      /* Where the database is, and why it refused, are the log's business;
       * clients get a 503 that says only what it is. */
      g_warning ("%s", (*error)->message);
      g_clear_error (error);
      g_set_error (error, TC_ERROR, TC_ERROR_UNAVAILABLE, "the database is unavailable");
    }
  if (conn == NULL)
    {
      g_mutex_lock (&self->pool_mutex);
      self->n_open--;
      g_cond_signal (&self->pool_cond);
      g_mutex_unlock (&self->pool_mutex);
    }
  return conn;
}

/* Gives @conn back, or closes it when it broke. A broken connection
 * usually means the server restarted: the idle ones are broken too, so
 * they are all closed and reopened on demand. */
static void
pool_release (TcPgStore *self,
              TcPgConn  *conn)
{
  GQueue doomed = G_QUEUE_INIT;
  TcPgConn *idle;

  if (conn == NULL)
    return;
  g_mutex_lock (&self->pool_mutex);
  if (tc_pg_conn_is_ok (conn) && PQtransactionStatus (conn->pg) == PQTRANS_IDLE &&
      !g_atomic_int_get (&self->closed))
    g_queue_push_head (&self->idle, conn);
  else
    {
      g_queue_push_tail (&doomed, conn);
      if (!tc_pg_conn_is_ok (conn))
        while ((idle = g_queue_pop_head (&self->idle)) != NULL)
          g_queue_push_tail (&doomed, idle);
      self->n_open -= doomed.length;
    }
  g_cond_broadcast (&self->pool_cond);
  g_mutex_unlock (&self->pool_mutex);
  while ((conn = g_queue_pop_head (&doomed)) != NULL)
    tc_pg_conn_free (conn);
}

/* --- transactions ---------------------------------------------------------------- */

static void
pending_event_free (PendingEvent *event)
{
  g_free (event->associate_id);
  g_free (event->by_id);
  g_free (event->peer_id);
  g_free (event->member_id);
  g_free (event);
}

void
tc_pg_tx_append_event (TcPgTx     *tx,
                       const char *associate_id,
                       const char *type,
                       gint64      message_id,
                       const char *by_id,
                       const char *peer_id,
                       gint64      up_to,
                       const char *member_id,
                       gint64      created_at)
{
  PendingEvent *event = g_new0 (PendingEvent, 1);

  event->associate_id = g_strdup (associate_id);
  event->type = g_intern_string (type);
  event->message_id = message_id;
  event->by_id = g_strdup (by_id);
  event->peer_id = g_strdup (peer_id);
  event->up_to = up_to;
  event->member_id = g_strdup (member_id);
  event->created_at = created_at;
  g_ptr_array_add (tx->events, event);
}

void
tc_pg_tx_append_message_events (TcPgTx          *tx,
                                const TcMessage *message,
                                gint64           created_at)
{
  tc_pg_tx_append_event (tx, message->from, "message", message->id, NULL, NULL, 0, NULL, created_at);
  tc_pg_tx_append_event (tx, message->to, "message", message->id, NULL, NULL, 0, NULL, created_at);
}

gboolean
tc_pg_notify_lines (TcPgConn    *conn,
                    const char  *channel,
                    GPtrArray   *lines,
                    GError     **error)
{
  g_autoptr(GString) payload = g_string_new (NULL);

  for (guint i = 0; i <= lines->len; i++)
    {
      const char *line = i < lines->len ? g_ptr_array_index (lines, i) : NULL;

      if (payload->len > 0 &&
          (line == NULL || payload->len + strlen (line) + 1 > TC_PG_NOTIFY_MAX_BYTES))
        {
          if (!tc_pg_command (conn, error, NULL, "SELECT pg_notify ($1, $2)", "ss", channel,
                              payload->str))
            return FALSE;
          g_string_truncate (payload, 0);
        }
      if (line != NULL)
        {
          if (payload->len > 0)
            g_string_append_c (payload, '\n');
          g_string_append (payload, line);
        }
    }
  return TRUE;
}

static char *
int_or_null (gint64 value)
{
  return value > 0 ? g_strdup_printf ("%" G_GINT64_FORMAT, value) : NULL;
}

/* Numbers the transaction's events and stores them, just before COMMIT
 * (see the top of this file), in one statement: the streams' counters
 * move on by their number of events, in a fixed order, and the events get
 * the numbers in the order they were appended. */
static gboolean
flush_events (TcPgTx  *tx,
              GError **error)
{
  GPtrArray *events = tx->events;
  g_autoptr(GPtrArray) columns = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GPtrArray) arrays = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(PGresult) res = NULL;

  if (events->len == 0)
    return TRUE;

  for (guint c = 0; c < 8; c++)
    g_ptr_array_add (columns, g_ptr_array_new_with_free_func (g_free));
  for (guint i = 0; i < events->len; i++)
    {
      PendingEvent *event = g_ptr_array_index (events, i);
      char *values[8];

      values[0] = g_strdup (event->associate_id);
      values[1] = g_strdup (event->type);
      values[2] = int_or_null (event->message_id);
      values[3] = g_strdup (event->by_id);
      values[4] = g_strdup (event->peer_id);
      values[5] = int_or_null (event->up_to);
      values[6] = g_strdup (event->member_id);
      values[7] = g_strdup_printf ("%" G_GINT64_FORMAT, event->created_at);
      for (guint c = 0; c < 8; c++)
        g_ptr_array_add (g_ptr_array_index (columns, c), values[c]);
    }
  for (guint c = 0; c < 8; c++)
    {
      GPtrArray *column = g_ptr_array_index (columns, c);
      g_ptr_array_add (arrays, tc_pg_text_array ((const char * const *) column->pdata, column->len));
    }

  res = tc_pg_query (tx->conn, error,
                     "WITH input AS ("
                     "  SELECT * FROM unnest ($1::text[], $2::text[], $3::bigint[], $4::text[], "
                     "    $5::text[], $6::bigint[], $7::text[], $8::bigint[]) WITH ORDINALITY "
                     "  AS t (associate_id, type, message_id, by_id, peer_id, up_to, member_id, "
                     "        created_at, i)), "
                     "counts AS (SELECT associate_id, count (*) AS n FROM input GROUP BY associate_id), "
                     "bumped AS ("
                     "  INSERT INTO streams AS s (associate_id, last_seq) "
                     "  SELECT associate_id, n FROM counts ORDER BY associate_id COLLATE \"C\" "
                     "  ON CONFLICT (associate_id) DO UPDATE SET last_seq = s.last_seq + excluded.last_seq "
                     "  RETURNING s.associate_id, s.last_seq), "
                     "stored AS ("
                     "  INSERT INTO events (associate_id, seq, type, message_id, by_id, peer_id, up_to, "
                     "                      member_id, created_at) "
                     "  SELECT input.associate_id, "
                     "    bumped.last_seq - counts.n "
                     "      + row_number () OVER (PARTITION BY input.associate_id ORDER BY input.i), "
                     "    input.type, input.message_id, input.by_id, input.peer_id, input.up_to, "
                     "    input.member_id, input.created_at "
                     "  FROM input JOIN counts USING (associate_id) JOIN bumped USING (associate_id)) "
                     "SELECT bumped.associate_id, bumped.last_seq - counts.n + 1, bumped.last_seq "
                     "FROM bumped JOIN counts USING (associate_id)",
                     "ssssssss", arrays->pdata[0], arrays->pdata[1], arrays->pdata[2],
                     arrays->pdata[3], arrays->pdata[4], arrays->pdata[5], arrays->pdata[6],
                     arrays->pdata[7]);
  if (res == NULL)
    return FALSE;
  /* Notified after COMMIT, to every listening process, this one included. */
  for (int row = 0; row < PQntuples (res); row++)
    g_ptr_array_add (tx->lines, g_strdup_printf ("%s %s %s", PQgetvalue (res, row, 1),
                                                 PQgetvalue (res, row, 2), PQgetvalue (res, row, 0)));
  return TRUE;
}

gboolean
tc_pg_notify_now (TcPgConn    *conn,
                  GPtrArray   *event_lines,
                  gboolean     deliveries,
                  GError     **error)
{
  if (!tc_pg_exec (conn, "BEGIN; SET LOCAL synchronous_commit TO off", error))
    return FALSE;
  if ((event_lines == NULL || tc_pg_notify_lines (conn, TC_PG_CHANNEL_EVENTS, event_lines, error)) &&
      (!deliveries ||
       tc_pg_command (conn, error, NULL, "SELECT pg_notify ($1, '')", "s", TC_PG_CHANNEL_DELIVERIES)) &&
      tc_pg_exec (conn, "COMMIT", error))
    return TRUE;
  if (tc_pg_conn_is_ok (conn))
    tc_pg_exec (conn, "ROLLBACK", NULL);
  return FALSE;
}

/* After a commit: the other processes (and this one's live thread) learn
 * of it. Without a live thread (the command line tools), right away on
 * @conn. A notification that never comes only delays live delivery: the
 * live threads also look for missed events with every heartbeat. */
static void
notify_committed (TcPgStore *self,
                  TcPgConn  *conn,
                  GPtrArray *lines,
                  gboolean   deliveries)
{
  g_autoptr(GError) error = NULL;

  if (lines->len == 0 && !deliveries)
    return;
  if (self->live != NULL)
    tc_pg_live_notify (self->live, lines, deliveries);
  else if (!tc_pg_notify_now (conn, lines, deliveries, &error))
    g_debug ("Could not notify the server processes: %s", error->message);
}

static gboolean
run (TcPgStore   *self,
     TcPgConn    *pinned,
     gboolean     write,
     TcPgTxFunc   func,
     gpointer     data,
     GError     **error)
{
  TcPgTx tx = { self, NULL, NULL, NULL, FALSE, FALSE };
  gboolean ok = FALSE;

  tx.events = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_event_free);
  tx.lines = g_ptr_array_new_with_free_func (g_free);
  for (guint attempt = 1; ; attempt++)
    {
      g_autoptr(GError) local_error = NULL;
      gboolean commit_sent = FALSE;

      tx.conn = pinned != NULL ? pinned : pool_acquire (self, &local_error);
      if (tx.conn == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          break;
        }
      g_ptr_array_set_size (tx.events, 0);
      g_ptr_array_set_size (tx.lines, 0);
      tx.queued = FALSE;
      tx.retry = FALSE;

      ok = tc_pg_exec (tx.conn, write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                       &local_error) &&
           func (&tx, data, &local_error) &&
           !tx.retry &&
           (!write || flush_events (&tx, &local_error)) &&
           (commit_sent = TRUE) &&
           tc_pg_exec (tx.conn, "COMMIT", &local_error);
      if (ok)
        break;

      if (tc_pg_conn_is_ok (tx.conn))
        tc_pg_exec (tx.conn, "ROLLBACK", NULL);
      /* Again: after a conflict, or when the connection broke before COMMIT
       * (nothing was committed then; a broken COMMIT may have been). */
      if (attempt < MAX_ATTEMPTS &&
          (tx.retry || (tc_pg_conn_is_ok (tx.conn) && tc_pg_conn_should_retry (tx.conn)) ||
           (!tc_pg_conn_is_ok (tx.conn) && !commit_sent && pinned == NULL)))
        {
          if (pinned == NULL)
            pool_release (self, g_steal_pointer (&tx.conn));
          g_usleep (g_random_int_range (1, 1000 * attempt));
          continue;
        }
      if (local_error == NULL)
        g_set_error (&local_error, TC_ERROR, TC_ERROR_UNAVAILABLE,
                     "the database kept refusing a transaction because of conflicts");
      g_propagate_error (error, g_steal_pointer (&local_error));
      break;
    }

  if (ok)
    notify_committed (self, tx.conn, tx.lines, tx.queued);
  if (ok && tx.queued)
    tc_pg_store_emit_queued (self);
  if (pinned == NULL)
    pool_release (self, tx.conn);
  g_ptr_array_unref (tx.events);
  g_ptr_array_unref (tx.lines);
  return ok;
}

gboolean
tc_pg_store_write (TcPgStore   *self,
                   TcPgTxFunc   func,
                   gpointer     data,
                   GError     **error)
{
  return run (self, NULL, TRUE, func, data, error);
}

gboolean
tc_pg_store_read (TcPgStore   *self,
                  TcPgTxFunc   func,
                  gpointer     data,
                  GError     **error)
{
  return run (self, NULL, FALSE, func, data, error);
}

/* --- reading rows ------------------------------------------------------------------ */

#define ASSOCIATE_COLUMNS \
  "a.id, a.name, a.email, a.phone, a.sponsor_id, a.enroller_id, a.marketing_site_url, " \
  "a.offline_channel"

static TcAssociate *
associate_from_row (PGresult *res,
                    int       row)
{
  TcAssociate *associate = tc_associate_new ();

  associate->id = tc_pg_text (res, row, 0);
  associate->name = tc_pg_text (res, row, 1);
  associate->email = tc_pg_text (res, row, 2);
  associate->phone = tc_pg_text (res, row, 3);
  associate->sponsor_id = tc_pg_text (res, row, 4);
  associate->enroller_id = tc_pg_text (res, row, 5);
  associate->marketing_site_url = tc_pg_text (res, row, 6);
  associate->offline_channel = tc_pg_text (res, row, 7);
  return associate;
}

TcAssociate *
tc_pg_load_associate (TcPgConn    *conn,
                      const char  *id,
                      GError     **error)
{
  g_autoptr(PGresult) res = tc_pg_query (conn, error,
                                         "SELECT " ASSOCIATE_COLUMNS " FROM associates a WHERE a.id = $1",
                                         "s", id);

  if (res == NULL)
    return NULL;
  if (PQntuples (res) == 0)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_NOT_FOUND, "no such associate");
      return NULL;
    }
  return associate_from_row (res, 0);
}

/* Associates by id (char * → TcAssociate), those of @ids that exist. */
static GHashTable *
load_associates (TcPgConn    *conn,
                 GPtrArray   *ids,
                 GError     **error)
{
  g_autoptr(GHashTable) found = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                       (GDestroyNotify) tc_associate_free);
  g_autofree char *array = tc_pg_text_array ((const char * const *) ids->pdata, ids->len);
  g_autoptr(PGresult) res = NULL;

  if (ids->len == 0)
    return g_steal_pointer (&found);
  res = tc_pg_query (conn, error,
                     "SELECT " ASSOCIATE_COLUMNS " FROM associates a WHERE a.id = ANY ($1::text[])",
                     "s", array);
  if (res == NULL)
    return NULL;
  for (int row = 0; row < PQntuples (res); row++)
    {
      TcAssociate *associate = associate_from_row (res, row);
      g_hash_table_insert (found, associate->id, associate);
    }
  return g_steal_pointer (&found);
}

TcResource *
tc_pg_resource_from_row (PGresult *res,
                         int       row,
                         int       first)
{
  TcResource *resource = tc_resource_new ();

  resource->id = tc_pg_text (res, row, first);
  resource->title = tc_pg_text (res, row, first + 1);
  resource->mime_type = tc_pg_text (res, row, first + 2);
  resource->size = tc_pg_int (res, row, first + 3);
  resource->folder_id = tc_pg_text (res, row, first + 4);
  resource->description = tc_pg_text (res, row, first + 5);
  resource->sha256 = tc_pg_text (res, row, first + 6);
  resource->updated_at = tc_pg_int (res, row, first + 7);
  return resource;
}

#define MESSAGE_COLUMNS \
  "m.id, m.client_id, m.sender_id, m.recipient_id, m.body, m.sent_at, m.delivered_via, " \
  "COALESCE ((SELECT r.up_to FROM read_markers r " \
  "           WHERE r.associate_id = m.recipient_id AND r.peer_id = m.sender_id), 0) >= m.id, " \
  "m.delivery_error"

static TcMessage *
message_from_row (PGresult *res,
                  int       row)
{
  TcMessage *message = tc_message_new ();

  message->id = tc_pg_int (res, row, 0);
  message->client_id = tc_pg_text (res, row, 1);
  message->from = tc_pg_text (res, row, 2);
  message->to = tc_pg_text (res, row, 3);
  message->body = tc_pg_text (res, row, 4);
  message->sent_at = tc_pg_int (res, row, 5);
  message->delivered_via = tc_pg_text (res, row, 6);
  message->read = tc_pg_bool (res, row, 7);
  message->delivery_error = tc_pg_text (res, row, 8);
  return message;
}

/* Reads the rows of @res (MESSAGE_COLUMNS) into @out, at most @limit (0:
 * all; *out_more tells whether there was another), with their attachments
 * in one more query. */
static gboolean
collect_messages (TcPgConn   *conn,
                  PGresult   *res,
                  guint       limit,
                  GPtrArray  *out,
                  gboolean   *out_more,
                  GError    **error)
{
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(PGresult) attachments = NULL;
  g_autofree char *array = NULL;
  guint n = (guint) PQntuples (res);

  if (out_more != NULL)
    *out_more = limit > 0 && n > limit;
  if (limit > 0)
    n = MIN (n, limit);
  for (guint row = 0; row < n; row++)
    {
      TcMessage *message = message_from_row (res, (int) row);

      g_ptr_array_add (out, message);
      g_array_append_val (ids, message->id);
      g_hash_table_insert (by_id, &message->id, message);
    }
  if (ids->len == 0)
    return TRUE;

  array = tc_pg_int_array ((const gint64 *) (gpointer) ids->data, ids->len);
  attachments = tc_pg_query (conn, error,
                             "SELECT ma.message_id, " TC_PG_RESOURCE_COLUMNS " "
                             "FROM message_attachments ma JOIN resources r ON r.id = ma.resource_id "
                             "WHERE ma.message_id = ANY ($1::bigint[]) "
                             "ORDER BY ma.message_id, ma.position",
                             "s", array);
  if (attachments == NULL)
    return FALSE;
  for (int row = 0; row < PQntuples (attachments); row++)
    {
      gint64 id = tc_pg_int (attachments, row, 0);
      TcMessage *message = g_hash_table_lookup (by_id, &id);

      if (message != NULL)
        g_ptr_array_add (message->attachments, tc_pg_resource_from_row (attachments, row, 1));
    }
  return TRUE;
}

/* Messages by id (gint64 * → TcMessage), those of @ids that exist. */
static GHashTable *
load_messages (TcPgConn  *conn,
               GArray    *ids,
               GError   **error)
{
  g_autoptr(GHashTable) found = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                                       (GDestroyNotify) tc_message_free);
  g_autoptr(GPtrArray) messages = g_ptr_array_new ();
  g_autofree char *array = NULL;
  g_autoptr(PGresult) res = NULL;

  if (ids->len == 0)
    return g_steal_pointer (&found);
  array = tc_pg_int_array ((const gint64 *) (gpointer) ids->data, ids->len);
  res = tc_pg_query (conn, error,
                     "SELECT " MESSAGE_COLUMNS " FROM messages m WHERE m.id = ANY ($1::bigint[])",
                     "s", array);
  if (res == NULL)
    return NULL;
  if (!collect_messages (conn, res, 0, messages, NULL, error))
    {
      g_ptr_array_set_free_func (messages, (GDestroyNotify) tc_message_free);
      return NULL;
    }
  for (guint i = 0; i < messages->len; i++)
    {
      TcMessage *message = g_ptr_array_index (messages, i);
      g_hash_table_insert (found, &message->id, message);
    }
  return g_steal_pointer (&found);
}

TcMessage *
tc_pg_load_message (TcPgConn    *conn,
                    gint64       id,
                    GError     **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GHashTable) found = NULL;
  TcMessage *message;

  g_array_append_val (ids, id);
  found = load_messages (conn, ids, error);
  if (found == NULL)
    return NULL;
  if (!g_hash_table_steal_extended (found, &id, NULL, (gpointer *) &message))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_NOT_FOUND, "no such message");
      return NULL;
    }
  return message;
}

GPtrArray *
tc_pg_events_from_rows (TcPgConn  *conn,
                        PGresult  *rows,
                        GError   **error)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_stream_event_free);
  g_autoptr(GArray) message_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) associate_ids = g_ptr_array_new ();   /* borrowed from rows */
  g_autoptr(GHashTable) messages = NULL;
  g_autoptr(GHashTable) associates = NULL;
  int n = PQntuples (rows);

  for (int row = 0; row < n; row++)
    {
      const char *type = PQgetvalue (rows, row, 2);

      if (g_str_equal (type, "message"))
        {
          gint64 id = tc_pg_int (rows, row, 3);
          g_array_append_val (message_ids, id);
        }
      else if (g_str_equal (type, "member"))
        g_ptr_array_add (associate_ids, PQgetvalue (rows, row, 7));
      else if (g_str_equal (type, "preferences"))
        g_ptr_array_add (associate_ids, PQgetvalue (rows, row, 0));
    }
  messages = load_messages (conn, message_ids, error);
  associates = messages != NULL ? load_associates (conn, associate_ids, error) : NULL;
  if (associates == NULL)
    return NULL;

  for (int row = 0; row < n; row++)
    {
      const char *type = PQgetvalue (rows, row, 2);
      g_autoptr(TcEvent) event = NULL;

      if (g_str_equal (type, "message"))
        {
          gint64 id = tc_pg_int (rows, row, 3);
          TcMessage *message = g_hash_table_lookup (messages, &id);

          if (message == NULL)
            continue;   /* gone with retention */
          event = tc_event_new (TC_EVENT_MESSAGE);
          event->message = tc_message_copy (message);
        }
      else if (g_str_equal (type, "read"))
        {
          event = tc_event_new (TC_EVENT_READ);
          event->by = tc_pg_text (rows, row, 4);
          event->peer = tc_pg_text (rows, row, 5);
          event->up_to = tc_pg_int (rows, row, 6);
        }
      else if (g_str_equal (type, "member"))
        {
          TcAssociate *member = g_hash_table_lookup (associates, PQgetvalue (rows, row, 7));

          if (member == NULL)
            continue;
          event = tc_event_new (TC_EVENT_MEMBER);
          event->member = tc_associate_copy (member);
          g_clear_pointer (&event->member->offline_channel, g_free);
        }
      else
        {
          TcAssociate *me = g_hash_table_lookup (associates, PQgetvalue (rows, row, 0));

          if (me == NULL)
            continue;
          event = tc_event_new (TC_EVENT_PREFERENCES);
          event->offline_channel = g_strdup (me->offline_channel);
        }
      event->seq = tc_pg_int (rows, row, 1);
      tc_stream_events_add (events, PQgetvalue (rows, row, 0), g_steal_pointer (&event));
    }
  return g_steal_pointer (&events);
}

/* --- the team rule ------------------------------------------------------------------ */

/* As in tc-sqlite-store.c: everyone on the team of $1; UNION stops the
 * recursion even if bad data ever formed a cycle. */
#define TEAM_CTE \
  "WITH RECURSIVE " \
  " sp_up (id) AS (SELECT sponsor_id FROM associates WHERE id = $1 " \
  "   UNION SELECT a.sponsor_id FROM associates a JOIN sp_up ON a.id = sp_up.id), " \
  " en_up (id) AS (SELECT enroller_id FROM associates WHERE id = $1 " \
  "   UNION SELECT a.enroller_id FROM associates a JOIN en_up ON a.id = en_up.id), " \
  " sp_down (id) AS (SELECT id FROM associates WHERE sponsor_id = $1 " \
  "   UNION SELECT a.id FROM associates a JOIN sp_down ON a.sponsor_id = sp_down.id), " \
  " en_down (id) AS (SELECT id FROM associates WHERE enroller_id = $1 " \
  "   UNION SELECT a.id FROM associates a JOIN en_down ON a.enroller_id = en_down.id), " \
  " team (id) AS (SELECT id FROM sp_up UNION SELECT id FROM en_up " \
  "   UNION SELECT id FROM sp_down UNION SELECT id FROM en_down) "

#define ANCESTOR_SQL \
  "WITH RECURSIVE " \
  " sp_up (id) AS (SELECT sponsor_id FROM associates WHERE id = $1 " \
  "   UNION SELECT a.sponsor_id FROM associates a JOIN sp_up ON a.id = sp_up.id), " \
  " en_up (id) AS (SELECT enroller_id FROM associates WHERE id = $1 " \
  "   UNION SELECT a.enroller_id FROM associates a JOIN en_up ON a.id = en_up.id) " \
  "SELECT EXISTS (SELECT 1 FROM sp_up WHERE id = $2) OR EXISTS (SELECT 1 FROM en_up WHERE id = $2)"

/* 1 when @ancestor is above @id in either tree, 0 when not, -1 on error. */
static int
is_ancestor (TcPgConn    *conn,
             const char  *id,
             const char  *ancestor,
             GError     **error)
{
  g_autoptr(PGresult) res = tc_pg_query (conn, error, ANCESTOR_SQL, "ss", id, ancestor);

  if (res == NULL)
    return -1;
  return tc_pg_bool (res, 0, 0) ? 1 : 0;
}

/* The team rule for one pair in one round trip: whether @b exists, its
 * offline channel, and whether either is above the other in one of the
 * trees. */
#define PAIR_SQL \
  "WITH RECURSIVE " \
  " sp_a (id) AS (SELECT sponsor_id FROM associates WHERE id = $1 " \
  "   UNION SELECT a.sponsor_id FROM associates a JOIN sp_a ON a.id = sp_a.id), " \
  " en_a (id) AS (SELECT enroller_id FROM associates WHERE id = $1 " \
  "   UNION SELECT a.enroller_id FROM associates a JOIN en_a ON a.id = en_a.id), " \
  " sp_b (id) AS (SELECT sponsor_id FROM associates WHERE id = $2 " \
  "   UNION SELECT a.sponsor_id FROM associates a JOIN sp_b ON a.id = sp_b.id), " \
  " en_b (id) AS (SELECT enroller_id FROM associates WHERE id = $2 " \
  "   UNION SELECT a.enroller_id FROM associates a JOIN en_b ON a.id = en_b.id) " \
  "SELECT b.id IS NOT NULL, b.offline_channel, " \
  "  $1 <> $2 AND (EXISTS (SELECT 1 FROM sp_a WHERE id = $2) OR EXISTS (SELECT 1 FROM en_a WHERE id = $2) " \
  "    OR EXISTS (SELECT 1 FROM sp_b WHERE id = $1) OR EXISTS (SELECT 1 FROM en_b WHERE id = $1)) " \
  "FROM (SELECT 1) AS one LEFT JOIN associates b ON b.id = $2"

/* 1 when @a and @b are on each other's team, 0 when not, -1 on error;
 * *out_exists tells whether @b exists, *out_channel (optional) is its
 * offline channel. */
static int
team_pair (TcPgConn    *conn,
           const char  *a,
           const char  *b,
           gboolean    *out_exists,
           char       **out_channel,
           GError     **error)
{
  g_autoptr(PGresult) res = tc_pg_query (conn, error, PAIR_SQL, "ss", a, b);

  if (res == NULL)
    return -1;
  if (out_exists != NULL)
    *out_exists = tc_pg_bool (res, 0, 0);
  if (out_channel != NULL)
    *out_channel = tc_pg_text (res, 0, 1);
  return tc_pg_bool (res, 0, 2) ? 1 : 0;
}

static int
team_check (TcPgConn    *conn,
            const char  *a,
            const char  *b,
            GError     **error)
{
  return team_pair (conn, a, b, NULL, NULL, error);
}

static int
associate_exists (TcPgConn    *conn,
                  const char  *id,
                  GError     **error)
{
  g_autoptr(PGresult) res = tc_pg_query (conn, error, "SELECT 1 FROM associates WHERE id = $1",
                                         "s", id);

  if (res == NULL)
    return -1;
  return PQntuples (res) > 0;
}

static GPtrArray *
team_ids (TcPgConn    *conn,
          const char  *associate_id,
          GError     **error)
{
  g_autoptr(PGresult) res = NULL;
  GPtrArray *ids;

  res = tc_pg_query (conn, error,
                     TEAM_CTE "SELECT id FROM team WHERE id IS NOT NULL AND id <> $1",
                     "s", associate_id);
  if (res == NULL)
    return NULL;
  ids = g_ptr_array_new_with_free_func (g_free);
  for (int row = 0; row < PQntuples (res); row++)
    g_ptr_array_add (ids, tc_pg_text (res, row, 0));
  return ids;
}

/* Sorted as SQLite's "name COLLATE NOCASE, id": ASCII case folded, then
 * bytes. */
static GPtrArray *
team_members (TcPgConn    *conn,
              const char  *associate_id,
              GError     **error)
{
  g_autoptr(PGresult) res = NULL;
  GPtrArray *members;

  res = tc_pg_query (conn, error,
                     TEAM_CTE "SELECT " ASSOCIATE_COLUMNS " FROM associates a "
                     "WHERE a.id IN (SELECT id FROM team) AND a.id <> $1 "
                     "ORDER BY tc_nocase (a.name) COLLATE \"C\", a.id COLLATE \"C\"",
                     "s", associate_id);
  if (res == NULL)
    return NULL;
  members = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_associate_free);
  for (int row = 0; row < PQntuples (res); row++)
    {
      TcAssociate *member = associate_from_row (res, row);

      /* Preferences are the member's own business. */
      g_clear_pointer (&member->offline_channel, g_free);
      g_ptr_array_add (members, member);
    }
  return members;
}

/* --- accounts ---------------------------------------------------------------------------- */

typedef struct {
  const char   *login;
  const char   *id_in;
  char         *id;
  char         *hash;
  TcAssociate  *associate;
} LoginQuery;

static gboolean
login_read (TcPgTx   *tx,
            gpointer  data,
            GError  **error)
{
  LoginQuery *query = data;
  g_autoptr(PGresult) res = NULL;

  g_clear_pointer (&query->id, g_free);
  g_clear_pointer (&query->hash, g_free);
  res = tc_pg_query (tx->conn, error,
                     "SELECT id, password_hash FROM associates WHERE tc_nocase (login) = tc_nocase ($1)",
                     "s", query->login);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) > 0)
    {
      query->id = tc_pg_text (res, 0, 0);
      query->hash = tc_pg_text (res, 0, 1);
    }
  return TRUE;
}

static gboolean
associate_read (TcPgTx   *tx,
                gpointer  data,
                GError  **error)
{
  LoginQuery *query = data;

  g_clear_pointer (&query->associate, tc_associate_free);
  query->associate = tc_pg_load_associate (tx->conn, query->id_in, error);
  return query->associate != NULL;
}

static TcAssociate *
tc_pg_store_authenticate (TcStore     *store,
                          const char  *login,
                          const char  *password,
                          GError     **error)
{
  TcPgStore *self = TC_PG_STORE (store);
  LoginQuery query = { login, NULL, NULL, NULL, NULL };
  gboolean verified;

  if (!tc_pg_store_read (self, login_read, &query, error))
    return NULL;
  /* Hash verification is slow on purpose: outside any transaction. */
  verified = query.hash != NULL ? tc_password_verify (query.hash, password)
                                : tc_password_verify_dummy (password);
  g_free (query.hash);
  if (!verified)
    {
      g_free (query.id);
      g_set_error (error, TC_ERROR, TC_ERROR_UNAUTHORIZED, "wrong login or password");
      return NULL;
    }
  query.id_in = query.id;
  tc_pg_store_read (self, associate_read, &query, error);
  g_free (query.id);
  return query.associate;
}

typedef struct {
  const char   *associate_id;
  const guint8 *token_hash;
  const char   *device;
  char         *found;
} SessionJob;

static gboolean
create_session_write (TcPgTx   *tx,
                      gpointer  data,
                      GError  **error)
{
  SessionJob *job = data;

  return tc_pg_command (tx->conn, error, NULL,
                        "INSERT INTO sessions (token_hash, associate_id, device, created_at) "
                        "VALUES ($1, $2, $3, $4)",
                        "xssi", job->token_hash, (gsize) TC_TOKEN_HASH_LEN, job->associate_id,
                        job->device, g_get_real_time ());
}

static gboolean
tc_pg_store_create_session (TcStore      *store,
                            const char   *associate_id,
                            const guint8 *token_hash,
                            const char   *device,
                            GError      **error)
{
  SessionJob job = { associate_id, token_hash, device, NULL };

  return tc_pg_store_write (TC_PG_STORE (store), create_session_write, &job, error);
}

static gboolean
lookup_session_read (TcPgTx   *tx,
                     gpointer  data,
                     GError  **error)
{
  SessionJob *job = data;
  g_autoptr(PGresult) res = NULL;

  g_clear_pointer (&job->found, g_free);
  res = tc_pg_query (tx->conn, error, "SELECT associate_id FROM sessions WHERE token_hash = $1",
                     "x", job->token_hash, (gsize) TC_TOKEN_HASH_LEN);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) > 0)
    job->found = tc_pg_text (res, 0, 0);
  return TRUE;
}

static char *
tc_pg_store_lookup_session (TcStore      *store,
                            const guint8 *token_hash,
                            GError      **error)
{
  SessionJob job = { NULL, token_hash, NULL, NULL };

  if (!tc_pg_store_read (TC_PG_STORE (store), lookup_session_read, &job, error))
    return NULL;
  if (job.found == NULL)
    g_set_error (error, TC_ERROR, TC_ERROR_UNAUTHORIZED, "invalid or expired token");
  return job.found;
}

static gboolean
delete_session_write (TcPgTx   *tx,
                      gpointer  data,
                      GError  **error)
{
  SessionJob *job = data;

  return tc_pg_command (tx->conn, error, NULL, "DELETE FROM sessions WHERE token_hash = $1",
                        "x", job->token_hash, (gsize) TC_TOKEN_HASH_LEN);
}

static gboolean
tc_pg_store_delete_session (TcStore      *store,
                            const guint8 *token_hash,
                            GError      **error)
{
  SessionJob job = { NULL, token_hash, NULL, NULL };

  return tc_pg_store_write (TC_PG_STORE (store), delete_session_write, &job, error);
}

/* --- associates and team ---------------------------------------------------------------- */

typedef struct {
  const char  *a;
  const char  *b;
  const char  *query;
  TcAssociate *associate;
  GPtrArray   *list;
  int          verdict;
} TeamQuery;

static void
team_query_clear (TeamQuery *query)
{
  g_clear_pointer (&query->associate, tc_associate_free);
  g_clear_pointer (&query->list, g_ptr_array_unref);
}

static TcAssociate *
tc_pg_store_get_me (TcStore     *store,
                    const char  *associate_id,
                    GError     **error)
{
  LoginQuery query = { NULL, associate_id, NULL, NULL, NULL };

  tc_pg_store_read (TC_PG_STORE (store), associate_read, &query, error);
  return query.associate;
}

static gboolean
set_channel_write (TcPgTx   *tx,
                   gpointer  data,
                   GError  **error)
{
  TeamQuery *job = data;
  gint64 now = g_get_real_time ();
  guint changed = 0;

  if (!tc_pg_command (tx->conn, error, &changed,
                      "UPDATE associates SET offline_channel = $2, updated_at = $3 WHERE id = $1",
                      "ssi", job->a, job->b, now))
    return FALSE;
  if (changed == 0)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_NOT_FOUND, "no such associate");
      return FALSE;
    }
  tc_pg_tx_append_event (tx, job->a, "preferences", 0, NULL, NULL, 0, NULL, now);
  return TRUE;
}

static gboolean
tc_pg_store_set_offline_channel (TcStore     *store,
                                 const char  *associate_id,
                                 const char  *channel,
                                 GError     **error)
{
  TeamQuery job = { associate_id, channel, NULL, NULL, NULL, 0 };

  if (!tc_channel_is_valid (channel))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                   "“offline_channel” must be “email” or “sms”");
      return FALSE;
    }
  return tc_pg_store_write (TC_PG_STORE (store), set_channel_write, &job, error);
}

static gboolean
is_team_read (TcPgTx   *tx,
              gpointer  data,
              GError  **error)
{
  TeamQuery *query = data;

  query->verdict = team_check (tx->conn, query->a, query->b, error);
  return query->verdict >= 0;
}

static gboolean
tc_pg_store_is_team (TcStore     *store,
                     const char  *a,
                     const char  *b,
                     GError     **error)
{
  TeamQuery query = { a, b, NULL, NULL, NULL, 0 };

  return tc_pg_store_read (TC_PG_STORE (store), is_team_read, &query, error) && query.verdict > 0;
}

static gboolean
list_team_read (TcPgTx   *tx,
                gpointer  data,
                GError  **error)
{
  TeamQuery *query = data;

  team_query_clear (query);
  query->list = query->query != NULL ? team_members (tx->conn, query->a, error)
                                     : team_ids (tx->conn, query->a, error);
  return query->list != NULL;
}

static GPtrArray *
tc_pg_store_list_team (TcStore     *store,
                       const char  *associate_id,
                       const char  *filter,
                       GError     **error)
{
  TeamQuery query = { associate_id, NULL, "", NULL, NULL, 0 };

  if (!tc_pg_store_read (TC_PG_STORE (store), list_team_read, &query, error))
    return NULL;
  if (filter != NULL && *filter != '\0')
    for (guint i = query.list->len; i > 0; i--)
      if (!tc_store_member_matches (g_ptr_array_index (query.list, i - 1), filter))
        g_ptr_array_remove_index (query.list, i - 1);
  return query.list;
}

static GPtrArray *
tc_pg_store_list_team_ids (TcStore     *store,
                           const char  *associate_id,
                           GError     **error)
{
  TeamQuery query = { associate_id, NULL, NULL, NULL, NULL, 0 };

  if (!tc_pg_store_read (TC_PG_STORE (store), list_team_read, &query, error))
    return NULL;
  return query.list;
}

static gboolean
dashboard_read (TcPgTx   *tx,
                gpointer  data,
                GError  **error)
{
  TeamQuery *query = data;
  int r;

  team_query_clear (query);
  r = team_check (tx->conn, query->a, query->b, error);
  if (r < 0)
    return FALSE;
  if (r == 0)
    {
      /* Unknown and off-team look the same, so nobody learns who exists. */
      g_set_error (error, TC_ERROR, TC_ERROR_NOT_FOUND, "no such team member");
      return FALSE;
    }
  query->associate = tc_pg_load_associate (tx->conn, query->b, error);
  if (query->associate == NULL)
    return FALSE;
  g_clear_pointer (&query->associate->offline_channel, g_free);
  if (query->associate->sponsor_id != NULL)
    {
      g_autoptr(TcAssociate) sponsor = tc_pg_load_associate (tx->conn, query->associate->sponsor_id,
                                                             NULL);
      if (sponsor != NULL)
        query->associate->sponsor_name = g_steal_pointer (&sponsor->name);
    }
  if (query->associate->enroller_id != NULL)
    {
      g_autoptr(TcAssociate) enroller = tc_pg_load_associate (tx->conn,
                                                              query->associate->enroller_id, NULL);
      if (enroller != NULL)
        query->associate->enroller_name = g_steal_pointer (&enroller->name);
    }
  return TRUE;
}

static TcAssociate *
tc_pg_store_get_dashboard (TcStore     *store,
                           const char  *caller_id,
                           const char  *member_id,
                           GError     **error)
{
  TeamQuery query = { caller_id, member_id, NULL, NULL, NULL, 0 };

  if (!tc_pg_store_read (TC_PG_STORE (store), dashboard_read, &query, error))
    {
      team_query_clear (&query);
      return NULL;
    }
  return query.associate;
}

/* --- import ---------------------------------------------------------------------------------- */

typedef struct {
  GPtrArray      *rows;      /* TcImportRow */
  GPtrArray      *hashes;    /* char * or NULL, parallel to rows */
  TcImportResult  result;
} ImportJob;

static gboolean
import_write (TcPgTx   *tx,
              gpointer  data,
              GError  **error)
{
  ImportJob *job = data;
  g_autoptr(GString) problems = g_string_new (NULL);
  g_autoptr(GPtrArray) changed = g_ptr_array_new ();   /* TcImportRow, borrowed */
  gint64 now = g_get_real_time ();

  memset (&job->result, 0, sizeof job->result);
  for (guint i = 0; i < job->rows->len; i++)
    {
      TcImportRow *row = g_ptr_array_index (job->rows, i);
      const char *hash = g_ptr_array_index (job->hashes, i);
      g_autoptr(TcAssociate) before = NULL;
      g_autoptr(PGresult) taken = NULL;
      g_autoptr(GError) local_error = NULL;

      before = tc_pg_load_associate (tx->conn, row->associate->id, &local_error);
      if (before == NULL && !g_error_matches (local_error, TC_ERROR, TC_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      taken = tc_pg_query (tx->conn, error,
                           "SELECT id FROM associates WHERE tc_nocase (login) = tc_nocase ($1) "
                           "AND id <> $2",
                           "ss", row->login, row->associate->id);
      if (taken == NULL)
        return FALSE;
      if (PQntuples (taken) > 0)
        {
          tc_store_add_problem (problems, row->line, "login “%s” belongs to another associate",
                                row->login);
          continue;
        }
      if (before == NULL && hash == NULL)
        {
          tc_store_add_problem (problems, row->line, "a new associate needs a password");
          continue;
        }

      if (!tc_pg_command (tx->conn, error, NULL,
                          "INSERT INTO associates (id, login, password_hash, name, email, phone, "
                          "  sponsor_id, enroller_id, marketing_site_url, offline_channel, updated_at) "
                          "VALUES ($1, $2, COALESCE ($3, ''), $4, $5, $6, $7, $8, $9, "
                          "  COALESCE ($10, 'email'), $11) "
                          "ON CONFLICT (id) DO UPDATE SET login = excluded.login, "
                          "  password_hash = COALESCE ($3, associates.password_hash), "
                          "  name = excluded.name, email = excluded.email, phone = excluded.phone, "
                          "  sponsor_id = excluded.sponsor_id, enroller_id = excluded.enroller_id, "
                          "  marketing_site_url = excluded.marketing_site_url, "
                          "  offline_channel = excluded.offline_channel, updated_at = excluded.updated_at",
                          "ssssssssssi", row->associate->id, row->login, hash, row->associate->name,
                          row->associate->email, row->associate->phone, row->associate->sponsor_id,
                          row->associate->enroller_id, row->associate->marketing_site_url,
                          row->associate->offline_channel, now))
        return FALSE;

      if (before == NULL)
        job->result.created++;
      else
        job->result.updated++;
      if (tc_store_member_changed (before, row->associate))
        g_ptr_array_add (changed, row);
    }

  /* References and cycles can only be judged once every row is in. */
  for (guint i = 0; i < job->rows->len; i++)
    {
      TcImportRow *row = g_ptr_array_index (job->rows, i);
      const char *parents[] = { row->associate->sponsor_id, row->associate->enroller_id };
      const char *roles[] = { "sponsor", "enroller" };
      int cycle;

      for (guint p = 0; p < G_N_ELEMENTS (parents); p++)
        {
          int exists;

          if (parents[p] == NULL)
            continue;
          exists = associate_exists (tx->conn, parents[p], error);
          if (exists < 0)
            return FALSE;
          if (!exists)
            tc_store_add_problem (problems, row->line, "%s “%s” is not a known associate",
                                  roles[p], parents[p]);
        }
      cycle = is_ancestor (tx->conn, row->associate->id, row->associate->id, error);
      if (cycle < 0)
        return FALSE;
      if (cycle > 0)
        tc_store_add_problem (problems, row->line,
                              "associate “%s” would be their own sponsor or enroller (a cycle)",
                              row->associate->id);
    }

  if (problems->len > 0)
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID, problems->str);
      return FALSE;
    }

  /* Tell everyone whose team list shows a changed associate. */
  for (guint i = 0; i < changed->len; i++)
    {
      TcImportRow *row = g_ptr_array_index (changed, i);
      g_autoptr(GPtrArray) ids = team_ids (tx->conn, row->associate->id, error);

      if (ids == NULL)
        return FALSE;
      for (guint j = 0; j < ids->len; j++)
        tc_pg_tx_append_event (tx, g_ptr_array_index (ids, j), "member", 0, NULL, NULL, 0,
                               row->associate->id, now);
    }
  return TRUE;
}

static gboolean
tc_pg_store_import_associates (TcStore        *store,
                               GPtrArray      *rows,
                               TcImportResult *result,
                               GError        **error)
{
  ImportJob job = { rows, NULL, { 0, 0 } };
  gboolean ok;

  job.hashes = tc_store_hash_passwords (rows);
  ok = tc_pg_store_write (TC_PG_STORE (store), import_write, &job, error);
  g_ptr_array_unref (job.hashes);
  if (ok && result != NULL)
    *result = job.result;
  return ok;
}

/* --- messages ------------------------------------------------------------------------------- */

typedef struct {
  const char          *sender_id;
  const TcSendRequest *request;
  gint64               now;
  GPtrArray           *messages;
  gboolean             created;
} SendJob;

static gboolean
load_sent (TcPgConn    *conn,
           const char  *sender_id,
           const char  *client_id,
           GPtrArray   *out,
           GError     **error)
{
  g_autoptr(PGresult) res = tc_pg_query (conn, error,
                                         "SELECT " MESSAGE_COLUMNS " FROM messages m "
                                         "WHERE m.sender_id = $1 AND m.client_id = $2 ORDER BY m.id",
                                         "ss", sender_id, client_id);

  return res != NULL && collect_messages (conn, res, 0, out, NULL, error);
}

static gboolean
send_one (TcPgTx   *tx,
          SendJob  *job,
          GError  **error)
{
  const TcSendRequest *request = job->request;
  g_autoptr(GPtrArray) resources = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_resource_free);
  g_autoptr(GPtrArray) channels = g_ptr_array_new_with_free_func (g_free);   /* of recipients */

  g_ptr_array_set_size (job->messages, 0);
  job->created = FALSE;
  if (!load_sent (tx->conn, job->sender_id, request->client_id, job->messages, error))
    return FALSE;
  if (job->messages->len > 0)
    return TRUE;   /* a resend of something already committed: the same answer */

  g_ptr_array_set_size (channels, 0);
  for (guint i = 0; i < request->to->len; i++)
    {
      const char *to = g_ptr_array_index (request->to, i);
      gboolean exists = FALSE;
      char *channel = NULL;
      int r;

      if (g_strcmp0 (to, job->sender_id) == 0)
        {
          g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "you cannot send a message to yourself");
          return FALSE;
        }
      r = team_pair (tx->conn, job->sender_id, to, &exists, &channel, error);
      if (r < 0)
        return FALSE;
      g_ptr_array_add (channels, channel);
      if (!exists)
        {
          g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "unknown recipient “%s”", to);
          return FALSE;
        }
      if (r == 0)
        {
          g_set_error (error, TC_ERROR, TC_ERROR_FORBIDDEN, "recipient “%s” is not on your team",
                       to);
          return FALSE;
        }
    }

  for (guint i = 0; i < request->attachments->len; i++)
    {
      const char *id = g_ptr_array_index (request->attachments, i);
      g_autoptr(PGresult) res = tc_pg_query (tx->conn, error,
                                             "SELECT " TC_PG_RESOURCE_COLUMNS " FROM resources r "
                                             "WHERE r.id = $1",
                                             "s", id);

      if (res == NULL)
        return FALSE;
      if (PQntuples (res) == 0)
        {
          g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "unknown attachment “%s”", id);
          return FALSE;
        }
      g_ptr_array_add (resources, tc_pg_resource_from_row (res, 0, 0));
    }

  for (guint i = 0; i < request->to->len; i++)
    {
      TcMessage *message = tc_message_new ();
      g_autoptr(PGresult) res = NULL;

      message->client_id = g_strdup (request->client_id);
      message->from = g_strdup (job->sender_id);
      message->to = g_strdup (g_ptr_array_index (request->to, i));
      message->body = g_strdup (request->body);
      message->sent_at = job->now;
      g_ptr_array_add (job->messages, message);

      res = tc_pg_query (tx->conn, error,
                         "INSERT INTO messages (sender_id, recipient_id, client_id, body, sent_at) "
                         "VALUES ($1, $2, $3, $4, $5) "
                         "ON CONFLICT (sender_id, client_id, recipient_id) DO NOTHING RETURNING id",
                         "ssssi", message->from, message->to, message->client_id, message->body,
                         message->sent_at);
      if (res == NULL)
        return FALSE;
      if (PQntuples (res) == 0)
        {
          /* The same send committed meanwhile (a resend racing the first
           * one): run again, and answer with what that one stored. */
          tx->retry = TRUE;
          return TRUE;
        }
      message->id = tc_pg_int (res, 0, 0);

      for (guint j = 0; j < resources->len; j++)
        {
          TcResource *resource = g_ptr_array_index (resources, j);

          if (!tc_pg_command (tx->conn, error, NULL,
                              "INSERT INTO message_attachments (message_id, position, resource_id) "
                              "VALUES ($1, $2, $3)",
                              "ius", message->id, j, resource->id))
            return FALSE;
          g_ptr_array_add (message->attachments, tc_resource_copy (resource));
        }

      tc_pg_tx_append_message_events (tx, message, job->now);
      if (!tc_pg_store_queue_delivery (tx, message, g_ptr_array_index (channels, i), job->now, error))
        return FALSE;
    }
  job->created = TRUE;
  return TRUE;
}

static gboolean
send_write (TcPgTx   *tx,
            gpointer  data,
            GError  **error)
{
  return send_one (tx, data, error);
}

static GPtrArray *
tc_pg_store_send_messages (TcStore             *store,
                           const char          *sender_id,
                           const TcSendRequest *request,
                           gint64               now_usec,
                           gboolean            *out_created,
                           GError             **error)
{
  SendJob job = { sender_id, request, now_usec, NULL, FALSE };

  job.messages = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_message_free);
  if (!tc_pg_store_write (TC_PG_STORE (store), send_write, &job, error))
    {
      g_ptr_array_unref (job.messages);
      return NULL;
    }
  if (out_created != NULL)
    *out_created = job.created;
  return job.messages;
}

typedef struct {
  GPtrArray *senders;    /* char * */
  GPtrArray *requests;   /* TcSendRequest */
  GArray    *times;      /* gint64 */
} BatchJob;

static gboolean
send_batch_write (TcPgTx   *tx,
                  gpointer  data,
                  GError  **error)
{
  BatchJob *batch = data;

  for (guint i = 0; i < batch->requests->len; i++)
    {
      g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_message_free);
      SendJob job = { g_ptr_array_index (batch->senders, i), g_ptr_array_index (batch->requests, i),
                      g_array_index (batch->times, gint64, i), messages, FALSE };

      if (!send_one (tx, &job, error))
        return FALSE;
      if (tx->retry)
        return TRUE;
    }
  return TRUE;
}

static gboolean
tc_pg_store_send_batch (TcStore    *store,
                        GPtrArray  *senders,
                        GPtrArray  *requests,
                        GArray     *times,
                        GError    **error)
{
  BatchJob batch = { senders, requests, times };

  return tc_pg_store_write (TC_PG_STORE (store), send_batch_write, &batch, error);
}

typedef struct {
  const char *associate_id;
  const char *peer_id;
  gint64      number;     /* before_id, up_to */
  guint       limit;
  GPtrArray  *messages;
  gboolean    more;
} ConversationJob;

static gboolean
list_messages_read (TcPgTx   *tx,
                    gpointer  data,
                    GError  **error)
{
  ConversationJob *job = data;
  g_autoptr(PGresult) res = NULL;
  int r;

  g_clear_pointer (&job->messages, g_ptr_array_unref);
  r = team_check (tx->conn, job->associate_id, job->peer_id, error);
  if (r < 0)
    return FALSE;
  if (r == 0)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_FORBIDDEN, "that associate is not on your team");
      return FALSE;
    }
  res = tc_pg_query (tx->conn, error,
                     "SELECT " MESSAGE_COLUMNS " FROM messages m "
                     "WHERE ((m.sender_id = $1 AND m.recipient_id = $2) "
                     "    OR (m.sender_id = $2 AND m.recipient_id = $1)) AND m.id < $3 "
                     "ORDER BY m.id DESC LIMIT $4",
                     "ssii", job->associate_id, job->peer_id,
                     job->number > 0 ? job->number : G_MAXINT64, (gint64) job->limit + 1);
  if (res == NULL)
    return FALSE;
  job->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_message_free);
  return collect_messages (tx->conn, res, job->limit, job->messages, &job->more, error);
}

static GPtrArray *
tc_pg_store_list_messages (TcStore     *store,
                           const char  *associate_id,
                           const char  *peer_id,
                           gint64       before_id,
                           guint        limit,
                           gboolean    *out_more,
                           GError     **error)
{
  ConversationJob job = { associate_id, peer_id, before_id, limit, NULL, FALSE };

  if (!tc_pg_store_read (TC_PG_STORE (store), list_messages_read, &job, error))
    {
      g_clear_pointer (&job.messages, g_ptr_array_unref);
      return NULL;
    }
  if (out_more != NULL)
    *out_more = job.more;
  return job.messages;
}

/* Moves @associate_id's marker for @peer_id forward to @up_to; no event
 * when it would not move. */
static gboolean
move_marker (TcPgTx      *tx,
             const char  *associate_id,
             const char  *peer_id,
             gint64       up_to,
             gint64       now,
             GError     **error)
{
  guint changed = 0;

  if (!tc_pg_command (tx->conn, error, &changed,
                      "INSERT INTO read_markers (associate_id, peer_id, up_to, updated_at) "
                      "VALUES ($1, $2, $3, $4) "
                      "ON CONFLICT (associate_id, peer_id) DO UPDATE "
                      "SET up_to = excluded.up_to, updated_at = excluded.updated_at "
                      "WHERE excluded.up_to > read_markers.up_to RETURNING 1",
                      "ssii", associate_id, peer_id, up_to, now))
    return FALSE;
  if (changed == 0)
    return TRUE;
  tc_pg_tx_append_event (tx, associate_id, "read", 0, associate_id, peer_id, up_to, NULL, now);
  tc_pg_tx_append_event (tx, peer_id, "read", 0, associate_id, peer_id, up_to, NULL, now);
  return TRUE;
}

static gboolean
read_write (TcPgTx   *tx,
            gpointer  data,
            GError  **error)
{
  ConversationJob *job = data;
  g_autoptr(PGresult) res = NULL;
  int r;

  r = team_check (tx->conn, job->associate_id, job->peer_id, error);
  if (r < 0)
    return FALSE;
  if (r == 0)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_FORBIDDEN, "that associate is not on your team");
      return FALSE;
    }
  res = tc_pg_query (tx->conn, error,
                     "SELECT 1 FROM messages WHERE id = $3 AND "
                     "((sender_id = $1 AND recipient_id = $2) OR (sender_id = $2 AND recipient_id = $1))",
                     "ssi", job->associate_id, job->peer_id, job->number);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                   "“up_to” is not a message of this conversation");
      return FALSE;
    }
  return move_marker (tx, job->associate_id, job->peer_id, job->number, g_get_real_time (), error);
}

static gboolean
tc_pg_store_mark_read (TcStore     *store,
                       const char  *associate_id,
                       const char  *peer_id,
                       gint64       up_to,
                       GError     **error)
{
  ConversationJob job = { associate_id, peer_id, up_to, 0, NULL, FALSE };

  return tc_pg_store_write (TC_PG_STORE (store), read_write, &job, error);
}

static gboolean
read_all_write (TcPgTx   *tx,
                gpointer  data,
                GError  **error)
{
  ConversationJob *job = data;
  g_autoptr(PGresult) res = NULL;
  gint64 now = g_get_real_time ();

  /* Every conversation with something newer than the marker. */
  res = tc_pg_query (tx->conn, error,
                     "SELECT m.sender_id, max (m.id) FROM messages m WHERE m.recipient_id = $1 "
                     "GROUP BY m.sender_id "
                     "HAVING max (m.id) > COALESCE ((SELECT r.up_to FROM read_markers r "
                     "  WHERE r.associate_id = $1 AND r.peer_id = m.sender_id), 0) "
                     "ORDER BY m.sender_id COLLATE \"C\"",
                     "s", job->associate_id);
  if (res == NULL)
    return FALSE;
  for (int row = 0; row < PQntuples (res); row++)
    if (!move_marker (tx, job->associate_id, PQgetvalue (res, row, 0), tc_pg_int (res, row, 1),
                      now, error))
      return FALSE;
  return TRUE;
}

static gboolean
tc_pg_store_mark_all_read (TcStore     *store,
                           const char  *associate_id,
                           GError     **error)
{
  ConversationJob job = { associate_id, NULL, 0, 0, NULL, FALSE };

  return tc_pg_store_write (TC_PG_STORE (store), read_all_write, &job, error);
}

/* --- sync ------------------------------------------------------------------------------------ */

typedef struct {
  const char *associate_id;
  gint64      since;
  guint       limit;
  GPtrArray  *events;     /* TcEvent */
  gint64      cursor;
  gboolean    more;
  gboolean    reset;
} SyncJob;

/* The stream's newest seq and the highest seq retention deleted. */
static gboolean
stream_marks (TcPgConn    *conn,
              const char  *associate_id,
              gint64      *out_head,
              gint64      *out_purged,
              GError     **error)
{
  g_autoptr(PGresult) res = NULL;

  if (associate_id == NULL)
    res = tc_pg_query (conn, error, "SELECT COALESCE (max (last_seq), 0), 0 FROM streams", "");
  else
    res = tc_pg_query (conn, error,
                       "SELECT last_seq, purged_seq FROM streams WHERE associate_id = $1",
                       "s", associate_id);
  if (res == NULL)
    return FALSE;
  *out_head = PQntuples (res) > 0 ? tc_pg_int (res, 0, 0) : 0;
  if (out_purged != NULL)
    *out_purged = PQntuples (res) > 0 ? tc_pg_int (res, 0, 1) : 0;
  return TRUE;
}

static gboolean
sync_read (TcPgTx   *tx,
           gpointer  data,
           GError  **error)
{
  SyncJob *job = data;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(GPtrArray) stream_events = NULL;
  gint64 since = job->since, head = 0, purged = 0, last_seq;
  guint n_rows;

  g_ptr_array_set_size (job->events, 0);
  job->more = FALSE;
  job->reset = FALSE;
  if (!stream_marks (tx->conn, job->associate_id, &head, &purged, error))
    return FALSE;

  if (since > 0 && (since < purged || since > head))
    {
      /* Events after this cursor were deleted, or the cursor is from a
       * future this database never saw (restored from a backup): either
       * way the client must start over. */
      job->reset = TRUE;
      job->cursor = head;
      return TRUE;
    }

  if (since <= 0)
    {
      g_autoptr(GPtrArray) members = team_members (tx->conn, job->associate_id, error);
      g_autoptr(TcAssociate) me = NULL;
      TcEvent *event;

      if (members == NULL)
        return FALSE;
      for (guint i = 0; i < members->len; i++)
        {
          event = tc_event_new (TC_EVENT_MEMBER);
          event->member = tc_associate_copy (g_ptr_array_index (members, i));
          g_ptr_array_add (job->events, event);
        }
      me = tc_pg_load_associate (tx->conn, job->associate_id, error);
      if (me == NULL)
        return FALSE;
      event = tc_event_new (TC_EVENT_PREFERENCES);
      event->offline_channel = g_steal_pointer (&me->offline_channel);
      g_ptr_array_add (job->events, event);
      since = 0;
    }

  res = tc_pg_query (tx->conn, error,
                     "SELECT " TC_PG_EVENT_COLUMNS " FROM events e "
                     "WHERE e.associate_id = $1 AND e.seq > $2 ORDER BY e.seq LIMIT $3",
                     "sii", job->associate_id, since, (gint64) job->limit + 1);
  if (res == NULL)
    return FALSE;
  n_rows = (guint) PQntuples (res);
  job->more = n_rows > job->limit;
  stream_events = tc_pg_events_from_rows (tx->conn, res, error);
  if (stream_events == NULL)
    return FALSE;
  last_seq = job->more ? tc_pg_int (res, (int) job->limit - 1, 1) : G_MAXINT64;
  for (guint i = 0; i < stream_events->len; i++)
    {
      TcStreamEvent *stream_event = g_ptr_array_index (stream_events, i);

      if (stream_event->event->seq > last_seq)
        break;   /* the extra row that only said "more" */
      g_ptr_array_add (job->events, g_steal_pointer (&stream_event->event));
    }
  job->cursor = job->more ? last_seq : MAX (head, since);
  return TRUE;
}

static GPtrArray *
tc_pg_store_sync (TcStore     *store,
                  const char  *associate_id,
                  gint64       since,
                  guint        limit,
                  gint64      *out_cursor,
                  gboolean    *out_more,
                  gboolean    *out_reset,
                  GError     **error)
{
  SyncJob job = { associate_id, since, limit, NULL, 0, FALSE, FALSE };

  g_return_val_if_fail (limit > 0, NULL);

  job.events = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_event_free);
  if (!tc_pg_store_read (TC_PG_STORE (store), sync_read, &job, error))
    {
      g_ptr_array_unref (job.events);
      return NULL;
    }
  *out_cursor = job.cursor;
  *out_more = job.more;
  *out_reset = job.reset;
  return job.events;
}

static gboolean
head_read (TcPgTx   *tx,
           gpointer  data,
           GError  **error)
{
  SyncJob *job = data;

  return stream_marks (tx->conn, job->associate_id, &job->cursor, NULL, error);
}

static gint64
tc_pg_store_head_cursor (TcStore     *store,
                         const char  *associate_id,
                         GError     **error)
{
  TcPgStore *self = TC_PG_STORE (store);
  SyncJob job = { associate_id, 0, 0, NULL, 0, FALSE, FALSE };

  if (!tc_pg_store_read (self, head_read, &job, error))
    return -1;
  if (self->live != NULL && associate_id != NULL)
    tc_pg_live_note_head (self->live, associate_id, job.cursor);
  return job.cursor;
}

/* --- retention ------------------------------------------------------------------------------- */

typedef struct {
  gint64 cutoff;
  guint  deleted;
} PurgeJob;

static gboolean
purge_events_write (TcPgTx   *tx,
                    gpointer  data,
                    GError  **error)
{
  PurgeJob *job = data;
  g_autoptr(PGresult) chunk = NULL;
  g_autoptr(GHashTable) marks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) seqs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) mark_ids = g_ptr_array_new ();
  g_autoptr(GPtrArray) mark_seqs = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *ids_array = NULL;
  g_autofree char *seqs_array = NULL;
  g_autofree char *mark_ids_array = NULL;
  g_autofree char *mark_seqs_array = NULL;
  GHashTableIter iter;
  gpointer key, value;

  job->deleted = 0;
  chunk = tc_pg_query (tx->conn, error,
                       "SELECT associate_id, seq FROM events WHERE created_at < $1 LIMIT $2",
                       "iu", job->cutoff, (guint) PURGE_CHUNK);
  if (chunk == NULL)
    return FALSE;
  if (PQntuples (chunk) == 0)
    return TRUE;
  for (int row = 0; row < PQntuples (chunk); row++)
    {
      const char *id = PQgetvalue (chunk, row, 0);
      gint64 seq = tc_pg_int (chunk, row, 1);
      gint64 *mark = g_hash_table_lookup (marks, id);

      g_ptr_array_add (ids, g_strdup (id));
      g_ptr_array_add (seqs, g_strdup (PQgetvalue (chunk, row, 1)));
      if (mark == NULL)
        {
          mark = g_new0 (gint64, 1);
          g_hash_table_insert (marks, g_strdup (id), mark);
        }
      *mark = MAX (*mark, seq);
    }
  g_hash_table_iter_init (&iter, marks);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_ptr_array_add (mark_ids, key);
      g_ptr_array_add (mark_seqs, g_strdup_printf ("%" G_GINT64_FORMAT, *(gint64 *) value));
    }
  ids_array = tc_pg_text_array ((const char * const *) ids->pdata, ids->len);
  seqs_array = tc_pg_text_array ((const char * const *) seqs->pdata, seqs->len);
  mark_ids_array = tc_pg_text_array ((const char * const *) mark_ids->pdata, mark_ids->len);
  mark_seqs_array = tc_pg_text_array ((const char * const *) mark_seqs->pdata, mark_seqs->len);

  /* Remember how far each stream was cut, so older cursors get "reset".
   * Stream rows are locked in the order every writer uses. */
  if (!tc_pg_command (tx->conn, error, NULL,
                      "SELECT 1 FROM streams WHERE associate_id = ANY ($1::text[]) "
                      "ORDER BY associate_id COLLATE \"C\" FOR UPDATE",
                      "s", mark_ids_array) ||
      !tc_pg_command (tx->conn, error, NULL,
                      "UPDATE streams s SET purged_seq = GREATEST (s.purged_seq, t.m) "
                      "FROM unnest ($1::text[], $2::bigint[]) AS t (a, m) WHERE s.associate_id = t.a",
                      "ss", mark_ids_array, mark_seqs_array) ||
      !tc_pg_command (tx->conn, error, &job->deleted,
                      "DELETE FROM events e USING unnest ($1::text[], $2::bigint[]) AS t (a, s) "
                      "WHERE e.associate_id = t.a AND e.seq = t.s",
                      "ss", ids_array, seqs_array))
    return FALSE;
  return TRUE;
}

static gboolean
purge_messages_write (TcPgTx   *tx,
                      gpointer  data,
                      GError  **error)
{
  PurgeJob *job = data;

  job->deleted = 0;
  return tc_pg_command (tx->conn, error, NULL,
                        "CREATE TEMP TABLE IF NOT EXISTS purge_ids (id bigint PRIMARY KEY) "
                        "ON COMMIT DELETE ROWS", "") &&
         tc_pg_command (tx->conn, error, NULL,
                        "INSERT INTO purge_ids SELECT id FROM messages WHERE sent_at < $1 LIMIT $2",
                        "iu", job->cutoff, (guint) PURGE_CHUNK) &&
         tc_pg_command (tx->conn, error, NULL,
                        "DELETE FROM events WHERE message_id IN (SELECT id FROM purge_ids)", "") &&
         tc_pg_command (tx->conn, error, &job->deleted,
                        "DELETE FROM messages WHERE id IN (SELECT id FROM purge_ids)", "");
}

static gboolean
purge_rest_write (TcPgTx   *tx,
                  gpointer  data,
                  GError  **error)
{
  PurgeJob *job = data;

  return tc_pg_command (tx->conn, error, NULL, "DELETE FROM read_markers WHERE updated_at < $1",
                        "i", job->cutoff) &&
         tc_pg_store_purge_delivery (tx, job->cutoff, error);
}

static gboolean
tc_pg_store_purge (TcStore     *store,
                   gint64       cutoff_usec,
                   guint       *out_messages,
                   GError     **error)
{
  TcPgStore *self = TC_PG_STORE (store);
  g_autoptr(PGresult) locked = NULL;
  PurgeJob job = { cutoff_usec, 0 };
  guint messages = 0;
  TcPgConn *conn;
  gboolean ok;

  if (out_messages != NULL)
    *out_messages = 0;
  /* One process purges at a time: the lock is its connection's, so the
   * chunks run on that connection, and a process that dies lets go. */
  conn = pool_acquire (self, error);
  if (conn == NULL)
    return FALSE;
  locked = tc_pg_query (conn, error, "SELECT pg_try_advisory_lock ($1)", "i", TC_PG_LOCK_PURGE);
  if (locked == NULL || !tc_pg_bool (locked, 0, 0))
    {
      if (locked != NULL)
        g_debug ("Retention purge skipped: another process is purging");
      pool_release (self, conn);
      return locked != NULL;
    }

  /* In chunks, events first (they move purged_seq): see tc-sqlite-store.c. */
  do
    ok = run (self, conn, TRUE, purge_events_write, &job, error);
  while (ok && job.deleted == PURGE_CHUNK);
  while (ok)
    {
      ok = run (self, conn, TRUE, purge_messages_write, &job, error);
      messages += job.deleted;
      if (job.deleted < PURGE_CHUNK)
        break;
    }
  ok = ok && run (self, conn, TRUE, purge_rest_write, &job, error);

  if (tc_pg_conn_is_ok (conn))
    tc_pg_command (conn, NULL, NULL, "SELECT pg_advisory_unlock ($1)", "i", TC_PG_LOCK_PURGE);
  pool_release (self, conn);
  if (ok && out_messages != NULL)
    *out_messages = messages;
  return ok;
}

/* --- health --------------------------------------------------------------------------------- */

static gboolean
health_read (TcPgTx   *tx,
             gpointer  data,
             GError  **error)
{
  return tc_pg_command (tx->conn, error, NULL, "SELECT 1", "");
}

static gboolean
tc_pg_store_check_health (TcStore  *store,
                          GError  **error)
{
  return tc_pg_store_read (TC_PG_STORE (store), health_read, NULL, error);
}

/* --- sinks, policy, several processes ---------------------------------------------------------- */

static void
tc_pg_store_set_event_sink (TcStore          *store,
                            TcStoreEventSink  sink,
                            gpointer          user_data)
{
  TcPgStore *self = TC_PG_STORE (store);

  g_mutex_lock (&self->sink_mutex);
  self->sink = sink;
  self->sink_data = user_data;
  g_mutex_unlock (&self->sink_mutex);
}

static void
tc_pg_store_set_presence_sink (TcStore             *store,
                               TcStorePresenceSink  sink,
                               gpointer             user_data)
{
  TcPgStore *self = TC_PG_STORE (store);

  g_mutex_lock (&self->sink_mutex);
  self->presence_sink = sink;
  self->presence_data = user_data;
  g_mutex_unlock (&self->sink_mutex);
}

static void
tc_pg_store_set_delivery_policy (TcStore            *store,
                                 TcStoreOfflineFunc  offline,
                                 TcStoreQueuedFunc   queued,
                                 gpointer            user_data)
{
  TcPgStore *self = TC_PG_STORE (store);

  g_mutex_lock (&self->sink_mutex);
  self->offline_func = offline;
  self->queued_func = queued;
  self->delivery_data = user_data;
  g_mutex_unlock (&self->sink_mutex);
}

gboolean
tc_pg_store_wants_delivery (TcPgStore  *self,
                            const char *recipient_id,
                            const char *channel)
{
  gboolean wanted = FALSE;

  g_mutex_lock (&self->sink_mutex);
  if (self->offline_func != NULL)
    wanted = self->offline_func (recipient_id, channel, self->delivery_data);
  g_mutex_unlock (&self->sink_mutex);
  return wanted;
}

void
tc_pg_store_emit_events (TcPgStore *self,
                         GPtrArray *stream_events)
{
  g_mutex_lock (&self->sink_mutex);
  if (self->sink != NULL && stream_events->len > 0)
    self->sink (stream_events, self->sink_data);
  g_mutex_unlock (&self->sink_mutex);
}

void
tc_pg_store_emit_presence (TcPgStore  *self,
                           const char *associate_id)
{
  g_mutex_lock (&self->sink_mutex);
  if (self->presence_sink != NULL)
    self->presence_sink (associate_id, self->presence_data);
  g_mutex_unlock (&self->sink_mutex);
}

void
tc_pg_store_emit_queued (TcPgStore *self)
{
  g_mutex_lock (&self->sink_mutex);
  if (self->queued_func != NULL)
    self->queued_func (self->delivery_data);
  g_mutex_unlock (&self->sink_mutex);
}

const char *
tc_pg_store_instance_id (TcPgStore *self)
{
  return self->live != NULL ? tc_pg_live_get_instance_id (self->live) : NULL;
}

guint
tc_pg_store_presence_timeout (TcPgStore *self)
{
  return self->options.presence_timeout_seconds;
}

static void
tc_pg_store_set_connected (TcStore    *store,
                           const char *associate_id,
                           gboolean    connected)
{
  TcPgStore *self = TC_PG_STORE (store);

  if (self->live != NULL)
    tc_pg_live_set_connected (self->live, associate_id, connected);
}

static gboolean
tc_pg_store_is_connected_elsewhere (TcStore    *store,
                                    const char *associate_id)
{
  TcPgStore *self = TC_PG_STORE (store);

  return self->live != NULL && tc_pg_live_is_connected_elsewhere (self->live, associate_id);
}

/* --- life cycle ---------------------------------------------------------------------------------- */

void
tc_pg_store_close (TcPgStore *self)
{
  TcPgConn *conn;

  g_return_if_fail (TC_IS_PG_STORE (self));

  g_clear_pointer (&self->live, tc_pg_live_stop);
  g_mutex_lock (&self->pool_mutex);
  g_atomic_int_set (&self->closed, 1);
  g_cond_broadcast (&self->pool_cond);
  /* Calls still running give their connections back to be closed. */
  while ((conn = g_queue_pop_head (&self->idle)) != NULL)
    {
      self->n_open--;
      g_mutex_unlock (&self->pool_mutex);
      tc_pg_conn_free (conn);
      g_mutex_lock (&self->pool_mutex);
    }
  g_mutex_unlock (&self->pool_mutex);
}

static void
tc_pg_store_finalize (GObject *object)
{
  TcPgStore *self = TC_PG_STORE (object);

  tc_pg_store_close (self);
  g_mutex_clear (&self->pool_mutex);
  g_cond_clear (&self->pool_cond);
  g_mutex_clear (&self->sink_mutex);
  g_free (self->conninfo);

  G_OBJECT_CLASS (tc_pg_store_parent_class)->finalize (object);
}

static void
tc_pg_store_class_init (TcPgStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tc_pg_store_finalize;
}

static void
tc_pg_store_iface_init (TcStoreInterface *iface)
{
  iface->set_event_sink = tc_pg_store_set_event_sink;
  iface->authenticate = tc_pg_store_authenticate;
  iface->create_session = tc_pg_store_create_session;
  iface->lookup_session = tc_pg_store_lookup_session;
  iface->delete_session = tc_pg_store_delete_session;
  iface->get_me = tc_pg_store_get_me;
  iface->set_offline_channel = tc_pg_store_set_offline_channel;
  iface->is_team = tc_pg_store_is_team;
  iface->list_team = tc_pg_store_list_team;
  iface->list_team_ids = tc_pg_store_list_team_ids;
  iface->get_dashboard = tc_pg_store_get_dashboard;
  iface->import_associates = tc_pg_store_import_associates;
  iface->send_messages = tc_pg_store_send_messages;
  iface->list_messages = tc_pg_store_list_messages;
  iface->mark_read = tc_pg_store_mark_read;
  iface->mark_all_read = tc_pg_store_mark_all_read;
  iface->sync = tc_pg_store_sync;
  iface->head_cursor = tc_pg_store_head_cursor;
  iface->purge = tc_pg_store_purge;
  iface->set_delivery_policy = tc_pg_store_set_delivery_policy;
  iface->send_batch = tc_pg_store_send_batch;
  iface->check_health = tc_pg_store_check_health;
  iface->set_connected = tc_pg_store_set_connected;
  iface->is_connected_elsewhere = tc_pg_store_is_connected_elsewhere;
  iface->set_presence_sink = tc_pg_store_set_presence_sink;
  tc_pg_store_media_iface_init (iface);
  tc_pg_store_delivery_iface_init (iface);
}

static void
tc_pg_store_init (TcPgStore *self)
{
  g_mutex_init (&self->pool_mutex);
  g_cond_init (&self->pool_cond);
  g_queue_init (&self->idle);
  g_mutex_init (&self->sink_mutex);
}

TcPgStore *
tc_pg_store_new (const char            *conninfo,
                 const TcStoreOptions  *options,
                 GError               **error)
{
  g_autoptr(TcPgStore) self = NULL;
  TcPgConn *conn;
  const char * const *steps;
  guint n_steps;
  gboolean migrated;

  g_return_val_if_fail (conninfo != NULL, NULL);
  g_return_val_if_fail (options != NULL, NULL);

  if (!tc_crypto_init ())
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INTERNAL, "libsodium could not be initialised");
      return NULL;
    }

  self = g_object_new (TC_TYPE_PG_STORE, NULL);
  self->conninfo = g_strdup (conninfo);
  self->options = *options;
  if (self->options.pool_size == 0)
    self->options.pool_size = TC_STORE_DEFAULT_POOL_SIZE;
  if (self->options.heartbeat_seconds == 0)
    self->options.heartbeat_seconds = TC_STORE_DEFAULT_HEARTBEAT_SECONDS;
  if (self->options.presence_timeout_seconds == 0)
    self->options.presence_timeout_seconds = TC_STORE_DEFAULT_PRESENCE_TIMEOUT_SECONDS;

  conn = pool_acquire (self, error);
  if (conn == NULL)
    return NULL;
  steps = tc_pg_schema_steps (&n_steps);
  migrated = tc_pg_migrate (conn, steps, n_steps, error);
  pool_release (self, conn);
  if (!migrated)
    return NULL;

  if (self->options.live)
    {
      self->live = tc_pg_live_start (self, conninfo, &self->options, error);
      if (self->live == NULL)
        return NULL;
    }
  self->opened = TRUE;
  return g_steal_pointer (&self);
}

guint
tc_pg_store_schema_version (void)
{
  guint n;

  tc_pg_schema_steps (&n);
  return n;
}

const char *
tc_pg_store_get_instance_id (TcPgStore *self)
{
  g_return_val_if_fail (TC_IS_PG_STORE (self), NULL);
  return tc_pg_store_instance_id (self);
}
