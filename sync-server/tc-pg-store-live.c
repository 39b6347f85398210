/* tc-pg-store-live.c: what several serving processes on one PostgreSQL
 * database share — live events, presence, heartbeats
 *
 * One thread per serving process owns one more connection (outside the
 * pool). It LISTENs on three channels and wakes up for notifications, for
 * presence changes of this process, and for heartbeats:
 *
 * - tc_events: after each commit that appended events, "FIRST LAST
 *   ASSOCIATE" lines (ids only). For the streams this process has
 *   connections of, the thread reads the events after the last seq it gave
 *   the sink, from the database, in seq order, and gives them to the sink.
 *   Per stream, commits happen in seq order (tc-pg-store.c), so whenever
 *   the thread reads, everything up to the stream's newest committed seq is
 *   there: reading "after the last seq given" never skips one, whatever
 *   order notifications arrive in, and a notification only says when to
 *   read. A stream's starting point is the head cursor its first
 *   connection's hello read (tc_pg_live_note_head()); the thread reads
 *   from there at once, so an event committed between that read and the
 *   hello is not left waiting. Notifications of a stream before that are
 *   ignored: the hello cursor covers what they announced.
 * - tc_presence: "ASSOCIATE" lines, sent when a process's presence rows of
 *   that associate change. The thread reads whether another live process
 *   holds a connection of them and tells the presence sink what changed.
 * - tc_deliveries: delivery jobs are due; the delivery scheduler wakes up.
 *
 * Notifications are sent after the commits, in batches, by a second
 * thread with a connection of its own (tc-db-notify), in transactions that
 * do not wait for the disk. A notification lost on the way (a crash right
 * after a commit, a broken connection) delays live delivery until the next
 * heartbeat, when the thread looks for streams whose newest seq is beyond
 * what it gave the sink.
 *
 * Heartbeats: every heartbeat_seconds the thread stamps this process's
 * row of "instances" with the database's clock, and deletes the rows of
 * processes silent for presence_timeout_seconds, with their presence rows
 * (telling everyone) and their unfinished delivery claims (pending
 * again). A process that was thought dead but was only slow finds its row
 * gone and registers again. So a dead process's connections stop counting
 * within presence_timeout_seconds + heartbeat_seconds.
 *
 * When the connection breaks, the thread reconnects (1 s, 2 s, … 10 s
 * apart), registers again and re-reads what it may have missed: presence
 * from scratch, and each connected stream after its last seq.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <glib-unix.h>

#include "tc-error.h"
#include "tc-pg-store-private.h"

#define FETCH_PAGE 1000
#define MAX_RECONNECT_SECONDS 10

typedef struct {
  gint64  delivered;    /* last seq given to the sink; -1: not known yet */
  guint64 generation;   /* tells a stream connected again from the old one */
} Stream;

struct _TcPgLive
{
  TcPgStore  *store;             /* owns this */
  char       *conninfo;
  char       *instance_id;
  guint       heartbeat_seconds;
  guint       timeout_seconds;

  GMutex      mutex;             /* guards the tables below and quit */
  GHashTable *local;             /* associate id → Stream: connected here */
  GHashTable *changes;           /* associate id → GINT_TO_POINTER (connected): rows to write */
  GHashTable *elsewhere;         /* associate ids connected in another live process */
  guint64     generations;
  gboolean    quit;

  GHashTable *catch_up;          /* associate ids whose starting point was just set */

  int         wake_fds[2];
  GThread    *thread;
  TcPgConn   *conn;              /* the thread's, once started */
  gint64      next_heartbeat;    /* monotonic µs */

  /* the notifying thread */
  GMutex      notify_mutex;
  GCond       notify_cond;
  GPtrArray  *notify_lines;      /* "FIRST LAST ASSOCIATE" waiting to be sent */
  gboolean    notify_deliveries;
  gboolean    notify_quit;
  GThread    *notifier;
  TcPgConn   *notify_conn;       /* the notifier's */
};

typedef struct {
  char   *associate_id;
  gint64  from;                  /* seq after which to read */
  guint64 generation;
} Want;

static void
want_free (Want *want)
{
  g_free (want->associate_id);
  g_free (want);
}

static void
wake (TcPgLive *self)
{
  char byte = 1;

  while (write (self->wake_fds[1], &byte, 1) < 0 && errno == EINTR)
    ;
}

static GPtrArray *
keys_of (GHashTable *table)
{
  GPtrArray *keys = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (keys, g_strdup (key));
  return keys;
}

static char *
array_of (GPtrArray *ids)
{
  return tc_pg_text_array ((const char * const *) ids->pdata, ids->len);
}

/* --- presence ------------------------------------------------------------------- */

/* Sets who is connected elsewhere among @ids (all of them when @ids is
 * NULL) from the database, and tells the sink what changed. */
static gboolean
refresh_elsewhere (TcPgLive   *self,
                   GPtrArray  *ids,
                   GError    **error)
{
  g_autoptr(PGresult) res = NULL;
  g_autoptr(GHashTable) online = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) candidates = NULL;
  g_autofree char *array = ids != NULL ? array_of (ids) : NULL;

  if (ids != NULL)
    res = tc_pg_query (self->conn, error,
                       "SELECT DISTINCT p.associate_id FROM presence p "
                       "JOIN instances i ON i.id = p.instance_id "
                       "WHERE p.associate_id = ANY ($2::text[]) AND p.instance_id <> $1 "
                       "AND i.heartbeat_at > now () - make_interval (secs => $3)",
                       "ssu", self->instance_id, array, self->timeout_seconds);
  else
    res = tc_pg_query (self->conn, error,
                       "SELECT DISTINCT p.associate_id FROM presence p "
                       "JOIN instances i ON i.id = p.instance_id "
                       "WHERE p.instance_id <> $1 "
                       "AND i.heartbeat_at > now () - make_interval (secs => $2)",
                       "su", self->instance_id, self->timeout_seconds);
  if (res == NULL)
    return FALSE;
  for (int row = 0; row < PQntuples (res); row++)
    g_hash_table_add (online, tc_pg_text (res, row, 0));

  g_mutex_lock (&self->mutex);
  if (ids != NULL)
    candidates = g_ptr_array_ref (ids);
  else
    {
      /* Everyone who was or is: the union of both sets. */
      GHashTableIter iter;
      gpointer key;

      candidates = keys_of (self->elsewhere);
      g_hash_table_iter_init (&iter, online);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        if (!g_hash_table_contains (self->elsewhere, key))
          g_ptr_array_add (candidates, g_strdup (key));
    }
  for (guint i = 0; i < candidates->len; i++)
    {
      const char *id = g_ptr_array_index (candidates, i);
      gboolean now_online = g_hash_table_contains (online, id);

      if (now_online == g_hash_table_contains (self->elsewhere, id))
        continue;
      if (now_online)
        g_hash_table_add (self->elsewhere, g_strdup (id));
      else
        g_hash_table_remove (self->elsewhere, id);
      g_ptr_array_add (changed, g_strdup (id));
    }
  g_mutex_unlock (&self->mutex);

  for (guint i = 0; i < changed->len; i++)
    tc_pg_store_emit_presence (self->store, g_ptr_array_index (changed, i));
  return TRUE;
}

/* (Re)registers this process: its instance row, and its presence rows as
 * they are now. */
static gboolean
register_instance (TcPgLive  *self,
                   GError   **error)
{
  g_autoptr(GPtrArray) local = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(PGresult) old = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *array = NULL;
  g_autofree char *host = g_strdup (g_get_host_name ());

  g_mutex_lock (&self->mutex);
  local = keys_of (self->local);
  g_hash_table_remove_all (self->changes);
  g_mutex_unlock (&self->mutex);
  array = array_of (local);

  if (!tc_pg_exec (self->conn, "BEGIN; SET LOCAL synchronous_commit TO off", error))
    return FALSE;
  old = tc_pg_query (self->conn, error,
                     "DELETE FROM presence WHERE instance_id = $1 RETURNING associate_id",
                     "s", self->instance_id);
  if (old == NULL ||
      !tc_pg_command (self->conn, error, NULL,
                      "INSERT INTO instances (id, host, pid) VALUES ($1, $2, $3) "
                      "ON CONFLICT (id) DO UPDATE SET heartbeat_at = now ()",
                      "ssi", self->instance_id, host, (gint64) getpid ()) ||
      !tc_pg_command (self->conn, error, NULL,
                      "INSERT INTO presence (instance_id, associate_id) "
                      "SELECT $1, unnest ($2::text[]) ON CONFLICT DO NOTHING",
                      "ss", self->instance_id, array))
    goto failed;

  /* Everyone whose rows may have changed: what was there, what is now. */
  lines = g_ptr_array_new_with_free_func (g_free);
  for (int row = 0; row < PQntuples (old); row++)
    if (g_hash_table_add (seen, PQgetvalue (old, row, 0)))
      g_ptr_array_add (lines, g_strdup (PQgetvalue (old, row, 0)));
  for (guint i = 0; i < local->len; i++)
    if (g_hash_table_add (seen, local->pdata[i]))
      g_ptr_array_add (lines, g_strdup (local->pdata[i]));
  if (!tc_pg_notify_lines (self->conn, TC_PG_CHANNEL_PRESENCE, lines, error) ||
      !tc_pg_exec (self->conn, "COMMIT", error))
    goto failed;
  return TRUE;

failed:
  if (tc_pg_conn_is_ok (self->conn))
    tc_pg_exec (self->conn, "ROLLBACK", NULL);
  return FALSE;
}

/* Writes this process's presence changes since the last time. */
static gboolean
write_changes (TcPgLive  *self,
               GError   **error)
{
  g_autoptr(GHashTable) changes = NULL;
  g_autoptr(GPtrArray) connected = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *connected_array = NULL;
  g_autofree char *gone_array = NULL;
  GHashTableIter iter;
  gpointer key, value;

  g_mutex_lock (&self->mutex);
  if (g_hash_table_size (self->changes) == 0)
    {
      g_mutex_unlock (&self->mutex);
      return TRUE;
    }
  changes = g_steal_pointer (&self->changes);
  self->changes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_mutex_unlock (&self->mutex);

  g_hash_table_iter_init (&iter, changes);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_ptr_array_add (GPOINTER_TO_INT (value) ? connected : gone, g_strdup (key));
      g_ptr_array_add (lines, g_strdup (key));
    }
  connected_array = array_of (connected);
  gone_array = array_of (gone);

  /* Presence rows are soft state (registering again rebuilds them): their
   * commits need not wait for the disk. */
  if (!tc_pg_exec (self->conn, "BEGIN; SET LOCAL synchronous_commit TO off", error) ||
      !tc_pg_command (self->conn, error, NULL,
                      "INSERT INTO presence (instance_id, associate_id) "
                      "SELECT $1, unnest ($2::text[]) ON CONFLICT DO NOTHING",
                      "ss", self->instance_id, connected_array) ||
      !tc_pg_command (self->conn, error, NULL,
                      "DELETE FROM presence WHERE instance_id = $1 AND associate_id = ANY ($2::text[])",
                      "ss", self->instance_id, gone_array) ||
      !tc_pg_notify_lines (self->conn, TC_PG_CHANNEL_PRESENCE, lines, error) ||
      !tc_pg_exec (self->conn, "COMMIT", error))
    {
      if (tc_pg_conn_is_ok (self->conn))
        tc_pg_exec (self->conn, "ROLLBACK", NULL);
      /* Registering again after the reconnection writes them all. */
      return FALSE;
    }
  return TRUE;
}

/* Heartbeat, and the reaping of processes that stopped beating. */
static gboolean
heartbeat (TcPgLive  *self,
           GError   **error)
{
  g_autoptr(PGresult) dead = NULL;
  g_autoptr(PGresult) gone = NULL;
  g_autoptr(GPtrArray) dead_ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *dead_array = NULL;
  guint beat = 0, requeued = 0;

  if (!tc_pg_command (self->conn, error, &beat,
                      "UPDATE instances SET heartbeat_at = now () WHERE id = $1",
                      "s", self->instance_id))
    return FALSE;
  if (beat == 0)
    {
      g_warning ("This server process was taken for dead (no heartbeat for %u s); "
                 "registering again", self->timeout_seconds);
      if (!register_instance (self, error))
        return FALSE;
    }

  if (!tc_pg_exec (self->conn, "BEGIN; SET LOCAL synchronous_commit TO off", error))
    return FALSE;
  dead = tc_pg_query (self->conn, error,
                      "DELETE FROM instances WHERE heartbeat_at < now () - make_interval (secs => $1) "
                      "RETURNING id, host, pid",
                      "u", self->timeout_seconds);
  if (dead == NULL)
    goto failed;
  for (int row = 0; row < PQntuples (dead); row++)
    {
      g_warning ("Server process %s (host %s, pid %s) stopped its heartbeat: "
                 "its connections no longer count as online",
                 PQgetvalue (dead, row, 0), PQgetvalue (dead, row, 1), PQgetvalue (dead, row, 2));
      g_ptr_array_add (dead_ids, tc_pg_text (dead, row, 0));
    }
  dead_array = array_of (dead_ids);
  if (dead_ids->len > 0)
    {
      gone = tc_pg_query (self->conn, error,
                          "DELETE FROM presence WHERE instance_id = ANY ($1::text[]) "
                          "RETURNING associate_id",
                          "s", dead_array);
      if (gone == NULL)
        goto failed;
      for (int row = 0; row < PQntuples (gone); row++)
        g_ptr_array_add (lines, tc_pg_text (gone, row, 0));
    }
  if (!tc_pg_notify_lines (self->conn, TC_PG_CHANNEL_PRESENCE, lines, error) ||
      !tc_pg_store_requeue_orphans (self->conn, self->timeout_seconds, &requeued, error) ||
      (requeued > 0 &&
       !tc_pg_command (self->conn, error, NULL, "SELECT pg_notify ($1, '')", "s",
                       TC_PG_CHANNEL_DELIVERIES)) ||
      !tc_pg_exec (self->conn, "COMMIT", error))
    goto failed;
  if (requeued > 0)
    g_message ("Offline delivery: %u %s left by a stopped server process will be tried again",
               requeued, requeued == 1 ? "job" : "jobs");
  return TRUE;

failed:
  if (tc_pg_conn_is_ok (self->conn))
    tc_pg_exec (self->conn, "ROLLBACK", NULL);
  return FALSE;
}

/* --- events ---------------------------------------------------------------------- */

/* Gives the sink every event after each @wants' point, page by page. */
static gboolean
fetch_events (TcPgLive   *self,
              GPtrArray  *wants,
              GError    **error)
{
  while (wants->len > 0)
    {
      g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GPtrArray) froms = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(PGresult) rows = NULL;
      g_autoptr(GPtrArray) events = NULL;
      g_autofree char *ids_array = NULL;
      g_autofree char *froms_array = NULL;
      gboolean full;

      for (guint i = 0; i < wants->len; i++)
        {
          Want *want = g_ptr_array_index (wants, i);

          g_ptr_array_add (ids, g_strdup (want->associate_id));
          g_ptr_array_add (froms, g_strdup_printf ("%" G_GINT64_FORMAT, want->from));
        }
      ids_array = array_of (ids);
      froms_array = array_of (froms);
      rows = tc_pg_query (self->conn, error,
                          "SELECT " TC_PG_EVENT_COLUMNS " "
                          "FROM unnest ($1::text[], $2::bigint[]) AS w (a, d) "
                          "JOIN events e ON e.associate_id = w.a AND e.seq > w.d "
                          "ORDER BY e.associate_id, e.seq LIMIT $3",
                          "ssu", ids_array, froms_array, (guint) FETCH_PAGE);
      if (rows == NULL)
        return FALSE;
      full = PQntuples (rows) == FETCH_PAGE;
      events = tc_pg_events_from_rows (self->conn, rows, error);
      if (events == NULL)
        return FALSE;
      tc_pg_store_emit_events (self->store, events);

      /* Move each stream's point past what this page had. */
      g_mutex_lock (&self->mutex);
      for (int row = 0; row < PQntuples (rows); row++)
        {
          const char *id = PQgetvalue (rows, row, 0);
          gint64 seq = tc_pg_int (rows, row, 1);

          for (guint i = 0; i < wants->len; i++)
            {
              Want *want = g_ptr_array_index (wants, i);
              Stream *stream;

              if (!g_str_equal (want->associate_id, id))
                continue;
              want->from = MAX (want->from, seq);
              stream = g_hash_table_lookup (self->local, id);
              if (stream != NULL && stream->generation == want->generation)
                stream->delivered = MAX (stream->delivered, seq);
              break;
            }
        }
      g_mutex_unlock (&self->mutex);
      if (!full)
        break;
    }
  return TRUE;
}

/* Notified "FIRST LAST ASSOCIATE" lines (char *): reads what they name. */
static gboolean
handle_event_lines (TcPgLive   *self,
                    GPtrArray  *lines,
                    GError    **error)
{
  g_autoptr(GPtrArray) wants = g_ptr_array_new_with_free_func ((GDestroyNotify) want_free);
  g_autoptr(GHashTable) wanted = g_hash_table_new (g_str_hash, g_str_equal);

  g_mutex_lock (&self->mutex);
  for (guint i = 0; i < lines->len; i++)
    {
      g_auto(GStrv) parts = g_strsplit (g_ptr_array_index (lines, i), " ", 3);
      gint64 last;
      Stream *stream;

      if (g_strv_length (parts) != 3)
        continue;
      last = g_ascii_strtoll (parts[1], NULL, 10);
      stream = g_hash_table_lookup (self->local, parts[2]);
      /* Nobody here listens to that stream, or its hello has not read the
       * starting point yet (and will read from there itself). */
      if (stream == NULL || stream->delivered < 0)
        continue;
      if (last > stream->delivered && !g_hash_table_contains (wanted, parts[2]))
        {
          Want *want = g_new0 (Want, 1);

          want->associate_id = g_strdup (parts[2]);
          want->from = stream->delivered;
          want->generation = stream->generation;
          g_ptr_array_add (wants, want);
          g_hash_table_add (wanted, want->associate_id);
        }
    }
  g_mutex_unlock (&self->mutex);
  return fetch_events (self, wants, error);
}

/* What to read for the connected streams among @ids (all of them when
 * NULL) whose starting point is known. */
static GPtrArray *
wants_of (TcPgLive   *self,
          GHashTable *ids)
{
  GPtrArray *wants = g_ptr_array_new_with_free_func ((GDestroyNotify) want_free);
  GHashTableIter iter;
  gpointer key, value;

  g_mutex_lock (&self->mutex);
  g_hash_table_iter_init (&iter, self->local);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Stream *stream = value;
      Want *want;

      if (stream->delivered < 0 || (ids != NULL && !g_hash_table_contains (ids, key)))
        continue;
      want = g_new0 (Want, 1);
      want->associate_id = g_strdup (key);
      want->from = stream->delivered;
      want->generation = stream->generation;
      g_ptr_array_add (wants, want);
    }
  g_mutex_unlock (&self->mutex);
  return wants;
}

/* After a reconnection: every connected stream may have missed
 * notifications. */
static gboolean
catch_up_streams (TcPgLive  *self,
                  GError   **error)
{
  g_autoptr(GPtrArray) wants = wants_of (self, NULL);

  return fetch_events (self, wants, error);
}

/* Streams whose hello just read their starting point: read from there. */
static gboolean
catch_up_new_streams (TcPgLive  *self,
                      GError   **error)
{
  g_autoptr(GHashTable) ids = NULL;
  g_autoptr(GPtrArray) wants = NULL;

  g_mutex_lock (&self->mutex);
  if (g_hash_table_size (self->catch_up) > 0)
    {
      ids = g_steal_pointer (&self->catch_up);
      self->catch_up = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    }
  g_mutex_unlock (&self->mutex);
  if (ids == NULL)
    return TRUE;
  wants = wants_of (self, ids);
  return fetch_events (self, wants, error);
}

/* With every heartbeat: streams whose newest seq is beyond what the sink
 * got (a notification was lost) are read. */
static gboolean
sweep_streams (TcPgLive  *self,
               GError   **error)
{
  g_autoptr(GPtrArray) wants = wants_of (self, NULL);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) froms = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) behind = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(PGresult) res = NULL;
  g_autofree char *ids_array = NULL;
  g_autofree char *froms_array = NULL;

  if (wants->len == 0)
    return TRUE;
  for (guint i = 0; i < wants->len; i++)
    {
      Want *want = g_ptr_array_index (wants, i);

      g_ptr_array_add (ids, g_strdup (want->associate_id));
      g_ptr_array_add (froms, g_strdup_printf ("%" G_GINT64_FORMAT, want->from));
    }
  ids_array = array_of (ids);
  froms_array = array_of (froms);
  res = tc_pg_query (self->conn, error,
                     "SELECT s.associate_id FROM unnest ($1::text[], $2::bigint[]) AS w (a, d) "
                     "JOIN streams s ON s.associate_id = w.a AND s.last_seq > w.d",
                     "ss", ids_array, froms_array);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return TRUE;
  for (int row = 0; row < PQntuples (res); row++)
    g_hash_table_add (behind, tc_pg_text (res, row, 0));
  g_clear_pointer (&wants, g_ptr_array_unref);
  wants = wants_of (self, behind);
  return fetch_events (self, wants, error);
}

/* --- the thread --------------------------------------------------------------------- */

static gboolean
connect_and_listen (TcPgLive  *self,
                    GError   **error)
{
  g_clear_pointer (&self->conn, tc_pg_conn_free);
  self->conn = tc_pg_conn_open (self->conninfo, error);
  return self->conn != NULL &&
         tc_pg_exec (self->conn,
                     "LISTEN " TC_PG_CHANNEL_EVENTS "; LISTEN " TC_PG_CHANNEL_PRESENCE "; "
                     "LISTEN " TC_PG_CHANNEL_DELIVERIES,
                     error) &&
         register_instance (self, error) &&
         refresh_elsewhere (self, NULL, error);
}

/* Waits for the connection's socket, a wake-up or @timeout_ms. */
static void
wait_for_something (TcPgLive *self,
                    int       timeout_ms)
{
  struct pollfd fds[2] = {
    { self->wake_fds[0], POLLIN, 0 },
    { tc_pg_conn_is_ok (self->conn) ? PQsocket (self->conn->pg) : -1, POLLIN, 0 },
  };
  char buffer[64];

  if (poll (fds, 2, timeout_ms) > 0 && (fds[0].revents & POLLIN))
    while (read (self->wake_fds[0], buffer, sizeof buffer) > 0)
      ;
}

static gboolean
should_quit (TcPgLive *self)
{
  gboolean quit;

  g_mutex_lock (&self->mutex);
  quit = self->quit;
  g_mutex_unlock (&self->mutex);
  return quit;
}

/* Takes the notifications libpq has read (it reads them during any query
 * too) and acts on them. */
static gboolean
handle_notifications (TcPgLive  *self,
                      GError   **error)
{
  for (;;)
    {
      g_autoptr(GPtrArray) event_lines = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GPtrArray) presence_ids = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
      gboolean deliveries = FALSE;
      PGnotify *notify;

      if (!PQconsumeInput (self->conn->pg))
        {
          tc_pg_set_error (self->conn, NULL, "listening", error);
          return FALSE;
        }
      while ((notify = PQnotifies (self->conn->pg)) != NULL)
        {
          g_auto(GStrv) lines = g_strsplit (notify->extra, "\n", -1);

          for (guint i = 0; lines[i] != NULL; i++)
            {
              if (*lines[i] == '\0')
                continue;
              if (g_str_equal (notify->relname, TC_PG_CHANNEL_EVENTS))
                g_ptr_array_add (event_lines, g_strdup (lines[i]));
              else if (g_str_equal (notify->relname, TC_PG_CHANNEL_PRESENCE))
                g_ptr_array_add (presence_ids, g_strdup (lines[i]));
            }
          if (g_str_equal (notify->relname, TC_PG_CHANNEL_DELIVERIES))
            deliveries = TRUE;
          PQfreemem (notify);
        }
      if (event_lines->len == 0 && presence_ids->len == 0 && !deliveries)
        return TRUE;

      if (deliveries)
        tc_pg_store_emit_queued (self->store);
      if (event_lines->len > 0 && !handle_event_lines (self, event_lines, error))
        return FALSE;
      for (guint i = presence_ids->len; i > 0; i--)
        if (!g_hash_table_add (seen, presence_ids->pdata[i - 1]))
          g_ptr_array_remove_index_fast (presence_ids, i - 1);
      if (presence_ids->len > 0 && !refresh_elsewhere (self, presence_ids, error))
        return FALSE;
    }
}

static gpointer
live_thread (gpointer data)
{
  TcPgLive *self = data;
  guint backoff = 0;
  gboolean connected = TRUE;   /* tc_pg_live_start() connected */

  while (!should_quit (self))
    {
      g_autoptr(GError) error = NULL;
      gint64 now = g_get_monotonic_time ();

      if (!connected)
        {
          if (!connect_and_listen (self, &error) || !catch_up_streams (self, &error))
            {
              backoff = MIN (MAX (backoff * 2, 1), MAX_RECONNECT_SECONDS);
              g_warning ("Cannot listen to the database (trying again in %u s): %s", backoff,
                         error->message);
              wait_for_something (self, (int) backoff * 1000);
              continue;
            }
          g_message ("Listening to the database again");
          backoff = 0;
          connected = TRUE;
          self->next_heartbeat = now + (gint64) self->heartbeat_seconds * G_USEC_PER_SEC;
        }

      if (write_changes (self, &error) &&
          catch_up_new_streams (self, &error) &&
          handle_notifications (self, &error) &&
          (now < self->next_heartbeat || (heartbeat (self, &error) && sweep_streams (self, &error))))
        {
          if (now >= self->next_heartbeat)
            self->next_heartbeat = now + (gint64) self->heartbeat_seconds * G_USEC_PER_SEC;
          /* Whatever arrived while this ran is handled before sleeping. */
          if (handle_notifications (self, &error))
            {
              wait_for_something (self, (int) MAX (1, (self->next_heartbeat -
                                                       g_get_monotonic_time ()) / 1000));
              continue;
            }
        }
      if (tc_pg_conn_is_ok (self->conn))
        g_warning ("Listening to the database: %s", error->message);
      else
        {
          g_warning ("Lost the database connection for live events: %s", error->message);
          connected = FALSE;
        }
    }
  return NULL;
}

/* --- the notifying thread ------------------------------------------------------------ */

static gpointer
notifier_thread (gpointer data)
{
  TcPgLive *self = data;

  for (;;)
    {
      g_autoptr(GPtrArray) lines = NULL;
      g_autoptr(GError) error = NULL;
      gboolean deliveries, quit;

      g_mutex_lock (&self->notify_mutex);
      while (!self->notify_quit && self->notify_lines->len == 0 && !self->notify_deliveries)
        g_cond_wait (&self->notify_cond, &self->notify_mutex);
      /* Everything that came meanwhile goes in one transaction. */
      lines = g_steal_pointer (&self->notify_lines);
      self->notify_lines = g_ptr_array_new_with_free_func (g_free);
      deliveries = self->notify_deliveries;
      self->notify_deliveries = FALSE;
      quit = self->notify_quit;
      g_mutex_unlock (&self->notify_mutex);

      if (lines->len > 0 || deliveries)
        {
          if (!tc_pg_conn_is_ok (self->notify_conn))
            {
              g_clear_pointer (&self->notify_conn, tc_pg_conn_free);
              self->notify_conn = tc_pg_conn_open (self->conninfo, &error);
            }
          /* A batch that cannot go is dropped: the heartbeat sweep finds
           * its events, the delivery scheduler's timer its jobs. */
          if (self->notify_conn == NULL ||
              !tc_pg_notify_now (self->notify_conn, lines, deliveries, &error))
            {
              g_warning ("Could not notify the other server processes: %s", error->message);
              if (!quit)
                g_usleep (G_USEC_PER_SEC);
            }
        }
      if (quit)
        break;
    }
  g_clear_pointer (&self->notify_conn, tc_pg_conn_free);
  return NULL;
}

void
tc_pg_live_notify (TcPgLive  *self,
                   GPtrArray *event_lines,
                   gboolean   deliveries)
{
  g_mutex_lock (&self->notify_mutex);
  for (guint i = 0; i < event_lines->len; i++)
    g_ptr_array_add (self->notify_lines, g_strdup (g_ptr_array_index (event_lines, i)));
  self->notify_deliveries |= deliveries;
  g_cond_signal (&self->notify_cond);
  g_mutex_unlock (&self->notify_mutex);
}

/* --- the interface ----------------------------------------------------------------- */

TcPgLive *
tc_pg_live_start (TcPgStore            *store,
                  const char           *conninfo,
                  const TcStoreOptions *options,
                  GError              **error)
{
  TcPgLive *self = g_new0 (TcPgLive, 1);
  GError *pipe_error = NULL;

  self->store = store;
  self->conninfo = g_strdup (conninfo);
  self->instance_id = g_uuid_string_random ();
  self->heartbeat_seconds = options->heartbeat_seconds;
  self->timeout_seconds = options->presence_timeout_seconds;
  g_mutex_init (&self->mutex);
  self->local = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->changes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->elsewhere = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->catch_up = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->wake_fds[0] = self->wake_fds[1] = -1;
  g_mutex_init (&self->notify_mutex);
  g_cond_init (&self->notify_cond);
  self->notify_lines = g_ptr_array_new_with_free_func (g_free);

  if (!g_unix_open_pipe (self->wake_fds, FD_CLOEXEC, &pipe_error) ||
      !g_unix_set_fd_nonblocking (self->wake_fds[0], TRUE, &pipe_error) ||
      !g_unix_set_fd_nonblocking (self->wake_fds[1], TRUE, &pipe_error))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INTERNAL, "cannot make a pipe: %s", pipe_error->message);
      g_error_free (pipe_error);
      tc_pg_live_free (self);
      return NULL;
    }
  /* Registered, listening and aware of the others before serving anyone. */
  if (!connect_and_listen (self, error))
    {
      tc_pg_live_free (self);
      return NULL;
    }
  self->next_heartbeat = g_get_monotonic_time () + (gint64) self->heartbeat_seconds * G_USEC_PER_SEC;
  self->thread = g_thread_new ("tc-db-live", live_thread, self);
  self->notifier = g_thread_new ("tc-db-notify", notifier_thread, self);
  return self;
}

/* Leaves cleanly: the others see this process's connections end now. */
static void
leave (TcPgLive *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) gone = NULL;
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  guint requeued = 0;

  if (!tc_pg_conn_is_ok (self->conn) ||
      !tc_pg_exec (self->conn, "BEGIN; SET LOCAL synchronous_commit TO off", &error))
    return;
  gone = tc_pg_query (self->conn, &error,
                      "DELETE FROM presence WHERE instance_id = $1 RETURNING associate_id",
                      "s", self->instance_id);
  if (gone != NULL)
    for (int row = 0; row < PQntuples (gone); row++)
      g_ptr_array_add (lines, tc_pg_text (gone, row, 0));
  if (gone == NULL ||
      !tc_pg_command (self->conn, &error, NULL, "DELETE FROM instances WHERE id = $1", "s",
                      self->instance_id) ||
      !tc_pg_command (self->conn, &error, &requeued,
                      "UPDATE deliveries SET state = 'pending', claimed_by = NULL "
                      "WHERE state = 'sending' AND claimed_by = $1",
                      "s", self->instance_id) ||
      !tc_pg_notify_lines (self->conn, TC_PG_CHANNEL_PRESENCE, lines, &error) ||
      !tc_pg_exec (self->conn, "COMMIT", &error))
    {
      g_warning ("Could not leave the database's live processes cleanly: %s", error->message);
      tc_pg_exec (self->conn, "ROLLBACK", NULL);
    }
}

void
tc_pg_live_stop (TcPgLive *self)
{
  if (self == NULL)
    return;
  if (self->notifier != NULL)
    {
      /* What was committed is announced before this process leaves. */
      g_mutex_lock (&self->notify_mutex);
      self->notify_quit = TRUE;
      g_cond_signal (&self->notify_cond);
      g_mutex_unlock (&self->notify_mutex);
      g_thread_join (g_steal_pointer (&self->notifier));
    }
  if (self->thread != NULL)
    {
      g_mutex_lock (&self->mutex);
      self->quit = TRUE;
      g_mutex_unlock (&self->mutex);
      wake (self);
      g_thread_join (g_steal_pointer (&self->thread));
    }
  if (self->conn != NULL)
    leave (self);
  g_clear_pointer (&self->conn, tc_pg_conn_free);
}

void
tc_pg_live_free (TcPgLive *self)
{
  if (self == NULL)
    return;
  tc_pg_live_stop (self);
  for (guint i = 0; i < 2; i++)
    if (self->wake_fds[i] >= 0)
      close (self->wake_fds[i]);
  g_hash_table_unref (self->local);
  g_hash_table_unref (self->changes);
  g_hash_table_unref (self->elsewhere);
  g_hash_table_unref (self->catch_up);
  g_mutex_clear (&self->mutex);
  g_ptr_array_unref (self->notify_lines);
  g_mutex_clear (&self->notify_mutex);
  g_cond_clear (&self->notify_cond);
  g_free (self->conninfo);
  g_free (self->instance_id);
  g_free (self);
}

const char *
tc_pg_live_get_instance_id (TcPgLive *self)
{
  return self->instance_id;
}

void
tc_pg_live_set_connected (TcPgLive   *self,
                          const char *associate_id,
                          gboolean    connected)
{
  g_mutex_lock (&self->mutex);
  if (connected && !g_hash_table_contains (self->local, associate_id))
    {
      Stream *stream = g_new0 (Stream, 1);

      stream->delivered = -1;
      stream->generation = ++self->generations;
      g_hash_table_insert (self->local, g_strdup (associate_id), stream);
    }
  else if (!connected)
    g_hash_table_remove (self->local, associate_id);
  g_hash_table_insert (self->changes, g_strdup (associate_id), GINT_TO_POINTER (connected));
  g_mutex_unlock (&self->mutex);
  wake (self);
}

gboolean
tc_pg_live_is_connected_elsewhere (TcPgLive   *self,
                                   const char *associate_id)
{
  gboolean elsewhere;

  g_mutex_lock (&self->mutex);
  elsewhere = g_hash_table_contains (self->elsewhere, associate_id);
  g_mutex_unlock (&self->mutex);
  return elsewhere;
}

void
tc_pg_live_note_head (TcPgLive   *self,
                      const char *associate_id,
                      gint64      head)
{
  Stream *stream;

  g_mutex_lock (&self->mutex);
  stream = g_hash_table_lookup (self->local, associate_id);
  if (stream != NULL && stream->delivered < 0)
    {
      stream->delivered = head;
      g_hash_table_add (self->catch_up, g_strdup (associate_id));
    }
  g_mutex_unlock (&self->mutex);
  if (stream != NULL)
    wake (self);
}
