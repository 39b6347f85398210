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

TcAssociate *
tc_pg_associate_from_row (PGresult *res,
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
                                         "SELECT " TC_PG_ASSOCIATE_COLUMNS " FROM associates a WHERE a.id = $1",
                                         "s", id);

  if (res == NULL)
    return NULL;
  if (PQntuples (res) == 0)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_NOT_FOUND, "no such associate");
      return NULL;
    }
  return tc_pg_associate_from_row (res, 0);
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
                     "SELECT " TC_PG_ASSOCIATE_COLUMNS " FROM associates a WHERE a.id = ANY ($1::text[])",
                     "s", array);
  if (res == NULL)
    return NULL;
  for (int row = 0; row < PQntuples (res); row++)
    {
      TcAssociate *associate = tc_pg_associate_from_row (res, row);
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

/* Reads the rows of @res (TC_PG_MESSAGE_COLUMNS) into @out, at most @limit (0:
 * all; *out_more tells whether there was another), with their attachments
 * in one more query. */
gboolean
tc_pg_collect_messages (TcPgConn   *conn,
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
                     "SELECT " TC_PG_MESSAGE_COLUMNS " FROM messages m WHERE m.id = ANY ($1::bigint[])",
                     "s", array);
  if (res == NULL)
    return NULL;
  if (!tc_pg_collect_messages (conn, res, 0, messages, NULL, error))
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

void
tc_pg_store_note_head (TcPgStore  *self,
                       const char *associate_id,
                       gint64      head)
{
  if (self->live != NULL)
    tc_pg_live_note_head (self->live, associate_id, head);
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

  tc_pg_live_stop (self->live);   /* freed with the store */
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
  g_clear_pointer (&self->live, tc_pg_live_free);
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
  iface->purge = tc_pg_store_purge;
  iface->set_delivery_policy = tc_pg_store_set_delivery_policy;
  iface->check_health = tc_pg_store_check_health;
  iface->set_connected = tc_pg_store_set_connected;
  iface->is_connected_elsewhere = tc_pg_store_is_connected_elsewhere;
  iface->set_presence_sink = tc_pg_store_set_presence_sink;
  tc_pg_store_team_iface_init (iface);
  tc_pg_store_messages_iface_init (iface);
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
