/* tc-sqlite-store.c: TcStore on an SQLite file (WAL, group commit)
 *
 * Threads: one writer thread owns the only read-write connection. Callers
 * (worker threads of the HTTP layer, or the command line tools) queue write
 * jobs and block until the job's transaction is durable. The writer drains
 * whatever is queued, runs each job inside its own SAVEPOINT of one
 * BEGIN IMMEDIATE … COMMIT, so N concurrent sends cost one fsync instead of
 * N (group commit), and a job that fails rolls back alone.
 *
 * Reads run on the caller's thread with a connection taken from a small
 * pool; WAL lets them proceed while the writer commits.
 */
#include "config.h"

#include <string.h>

#include "tc-error.h"
#include "tc-password.h"
#include "tc-sqlite-checkpointer.h"
#include "tc-sqlite-schema.h"
#include "tc-sqlite-store.h"
#include "tc-sqlite-store-private.h"
#include "tc-store-util.h"
#include "tc-import-row.h"
#include "tc-team-tree.h"

#define MAX_BATCH_JOBS 256
/* WAL pages after which the checkpointer thread copies them back: 16 MiB.
 * SQLite's own default, 1,000, made a checkpoint four times as often, and
 * each copied the pages every commit touches again (the ends of the
 * messages' and events' B-trees) and synced the file: 6–10 % of the
 * server's CPU per message under a steady load (bench/ingest.sh). */
#define CHECKPOINT_PAGES 4000
#define PURGE_CHUNK 5000

typedef gboolean (*WriteFunc) (TcSqliteStore *self,
                               sqlite3       *db,
                               gpointer       data,
                               GPtrArray     *events,
                               GError       **error);

typedef struct _WriteJob WriteJob;

struct _WriteJob {
  WriteFunc  func;
  gpointer   data;
  GPtrArray *events;    /* TcStreamEvent appended by func */
  GError    *error;
  gboolean   ok;
  gboolean   done;
  /* func checks everything before it writes, and runs again from the
   * start when asked: it needs no savepoint of its own (see run_jobs()). */
  gboolean   checks_first;
  GMutex     mutex;
  GCond      cond;

  /* An asynchronous job (nobody waits on cond): after the batch is
   * durable, the writer hands it to its task's main context, where
   * complete() returns the task's result; then free(). */
  GTask     *task;
  void     (*complete) (WriteJob *job);
  void     (*free)     (WriteJob *job);
};

struct _TcSqliteStore
{
  GObject           parent_instance;

  char             *path;
  GThread          *writer;
  GAsyncQueue      *write_queue;   /* of WriteJob, or &shutdown_job */
  GAsyncQueue      *readers;       /* idle read connections (sqlite3 *) */
  gint              closed;        /* atomic */

  GMutex            sink_mutex;
  TcStoreEventSink  sink;
  gpointer          sink_data;

  TcStoreOfflineFunc offline_func;  /* guarded by sink_mutex */
  TcStoreQueuedFunc queued_func;
  gpointer          delivery_data;
  gboolean          batch_queued;  /* writer thread: this batch queued deliveries */

  GMutex            team_mutex;
  TcTeamTree       *team_tree;     /* the newest trees loaded, or NULL; guarded by team_mutex */

  sqlite3          *write_db;      /* touched only by the writer thread */
  TcSqliteCheckpointer *checkpointer;
  gint              n_commits;     /* atomic */
  gint              n_jobs;        /* atomic */
};

static WriteJob shutdown_job;

static gboolean send_job (TcSqliteStore *self,
                          sqlite3       *db,
                          gpointer       data,
                          GPtrArray     *events,
                          GError       **error);

static void tc_sqlite_store_iface_init (TcStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TcSqliteStore, tc_sqlite_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (TC_TYPE_STORE, tc_sqlite_store_iface_init))

/* --- SQL helpers --------------------------------------------------------- */

/* tc_sqlite_set_error() (full disk, read-only, locked → UNAVAILABLE; the
 * rest INTERNAL) in the shape the store's "return set_sql_error (…)" wants. */
static gboolean
set_sql_error (sqlite3    *db,
               const char *what,
               GError    **error)
{
  tc_sqlite_set_error (db, what, error);
  return FALSE;
}

/* Statements come from the connection's cache (prepared once, reset when
 * their g_autoptr(TcSqliteStmt) goes out of scope). */
static sqlite3_stmt *
prepare (sqlite3     *db,
         const char  *sql,
         GError     **error)
{
  return tc_sqlite_prepare_cached (db, sql, error);
}

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
}

static char *
column_dup (sqlite3_stmt *stmt,
            int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);
  return g_strdup (text);
}

/* Runs a statement that returns no rows. */
static gboolean
step_done (sqlite3      *db,
           sqlite3_stmt *stmt,
           GError      **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return set_sql_error (db, "step", error);
  return TRUE;
}


static gint64
query_int (sqlite3     *db,
           const char  *sql,
           const char  *arg,
           gint64       fallback,
           GError     **error)
{
  g_autoptr(TcSqliteStmt) stmt = prepare (db, sql, error);
  int rc;

  if (stmt == NULL)
    return -1;
  if (arg != NULL)
    bind_text (stmt, 1, arg);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return sqlite3_column_type (stmt, 0) == SQLITE_NULL ? fallback : sqlite3_column_int64 (stmt, 0);
  if (rc == SQLITE_DONE)
    return fallback;
  set_sql_error (db, "query", error);
  return -1;
}

/* --- reading rows -------------------------------------------------------- */

#define ASSOCIATE_COLUMNS \
  "a.id, a.name, a.email, a.phone, a.sponsor_id, a.enroller_id, a.marketing_site_url, " \
  "a.offline_channel"

static TcAssociate *
associate_from_row (sqlite3_stmt *stmt)
{
  TcAssociate *associate = tc_associate_new ();

  associate->id = column_dup (stmt, 0);
  associate->name = column_dup (stmt, 1);
  associate->email = column_dup (stmt, 2);
  associate->phone = column_dup (stmt, 3);
  associate->sponsor_id = column_dup (stmt, 4);
  associate->enroller_id = column_dup (stmt, 5);
  associate->marketing_site_url = column_dup (stmt, 6);
  associate->offline_channel = column_dup (stmt, 7);
  return associate;
}

static TcAssociate *
load_associate (sqlite3     *db,
                const char  *id,
                GError     **error)
{
  g_autoptr(TcSqliteStmt) stmt = NULL;
  int rc;

  stmt = prepare (db, "SELECT " ASSOCIATE_COLUMNS " FROM associates a WHERE a.id = ?1", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return associate_from_row (stmt);
  if (rc == SQLITE_DONE)
    g_set_error (error, TC_ERROR, TC_ERROR_NOT_FOUND, "no such associate");
  else
    set_sql_error (db, "load associate", error);
  return NULL;
}

#define MESSAGE_COLUMNS \
  "m.id, m.client_id, m.sender_id, m.recipient_id, m.body, m.sent_at, m.delivered_via, " \
  "COALESCE ((SELECT r.up_to FROM read_markers r " \
  "           WHERE r.associate_id = m.recipient_id AND r.peer_id = m.sender_id), 0) >= m.id, " \
  "m.delivery_error"

static gboolean
load_attachments (sqlite3    *db,
                  TcMessage  *message,
                  GError    **error)
{
  g_autoptr(TcSqliteStmt) stmt = NULL;
  int rc;

  stmt = prepare (db,
                  "SELECT " TC_SQLITE_RESOURCE_COLUMNS " "
                  "FROM message_attachments ma JOIN resources r ON r.id = ma.resource_id "
                  "WHERE ma.message_id = ?1 ORDER BY ma.position",
                  error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, message->id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (message->attachments, tc_sqlite_resource_from_row (stmt, 0));
  if (rc != SQLITE_DONE)
    return set_sql_error (db, "load attachments", error);
  return TRUE;
}

#define MESSAGE_N_COLUMNS 9

/* MESSAGE_COLUMNS from column @first on. */
static TcMessage *
message_from_row_at (sqlite3_stmt *stmt,
                     int           first)
{
  TcMessage *message = tc_message_new ();

  message->id = sqlite3_column_int64 (stmt, first + 0);
  message->client_id = column_dup (stmt, first + 1);
  message->from = column_dup (stmt, first + 2);
  message->to = column_dup (stmt, first + 3);
  message->body = column_dup (stmt, first + 4);
  message->sent_at = sqlite3_column_int64 (stmt, first + 5);
  message->delivered_via = column_dup (stmt, first + 6);
  message->read = sqlite3_column_int (stmt, first + 7) != 0;
  message->delivery_error = column_dup (stmt, first + 8);
  return message;
}

static TcMessage *
message_from_row (sqlite3_stmt  *stmt)
{
  return message_from_row_at (stmt, 0);
}

/* Steps @stmt (selecting MESSAGE_COLUMNS) into @out, at most @limit rows
 * (0: all); *out_more tells whether another row was there. */
static gboolean
collect_messages (sqlite3       *db,
                  sqlite3_stmt  *stmt,
                  guint          limit,
                  GPtrArray     *out,
                  gboolean      *out_more,
                  GError       **error)
{
  int rc;

  if (out_more != NULL)
    *out_more = FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (limit > 0 && out->len == limit)
        {
          if (out_more != NULL)
            *out_more = TRUE;
          break;
        }
      g_ptr_array_add (out, message_from_row (stmt));
    }
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return set_sql_error (db, "load messages", error);

  for (guint i = 0; i < out->len; i++)
    if (!load_attachments (db, g_ptr_array_index (out, i), error))
      return FALSE;
  return TRUE;
}

static TcMessage *
load_message (sqlite3     *db,
              gint64       id,
              GError     **error)
{
  g_autoptr(TcSqliteStmt) stmt = NULL;
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_message_free);

  stmt = prepare (db, "SELECT " MESSAGE_COLUMNS " FROM messages m WHERE m.id = ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  if (!collect_messages (db, stmt, 0, messages, NULL, error))
    return NULL;
  if (messages->len == 0)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_NOT_FOUND, "no such message");
      return NULL;
    }
  return g_ptr_array_steal_index (messages, 0);
}

/* --- the team rule -------------------------------------------------------- */

/* Everyone on the team of ?1: ancestors and descendants in the sponsor tree
 * and in the enroller tree. UNION (not UNION ALL) makes the recursion stop
 * even if bad data ever formed a cycle. */
#define TEAM_CTE \
  "WITH RECURSIVE " \
  " sp_up (id) AS (SELECT sponsor_id FROM associates WHERE id = ?1 " \
  "   UNION SELECT a.sponsor_id FROM associates a JOIN sp_up ON a.id = sp_up.id), " \
  " en_up (id) AS (SELECT enroller_id FROM associates WHERE id = ?1 " \
  "   UNION SELECT a.enroller_id FROM associates a JOIN en_up ON a.id = en_up.id), " \
  " sp_down (id) AS (SELECT id FROM associates WHERE sponsor_id = ?1 " \
  "   UNION SELECT a.id FROM associates a JOIN sp_down ON a.sponsor_id = sp_down.id), " \
  " en_down (id) AS (SELECT id FROM associates WHERE enroller_id = ?1 " \
  "   UNION SELECT a.id FROM associates a JOIN en_down ON a.enroller_id = en_down.id), " \
  " team (id) AS (SELECT id FROM sp_up UNION SELECT id FROM en_up " \
  "   UNION SELECT id FROM sp_down UNION SELECT id FROM en_down) "

/* Whether @ancestor is above @id in the sponsor tree or the enroller tree. */
#define ANCESTOR_SQL \
  "WITH RECURSIVE " \
  " sp_up (id) AS (SELECT sponsor_id FROM associates WHERE id = ?1 " \
  "   UNION SELECT a.sponsor_id FROM associates a JOIN sp_up ON a.id = sp_up.id), " \
  " en_up (id) AS (SELECT enroller_id FROM associates WHERE id = ?1 " \
  "   UNION SELECT a.enroller_id FROM associates a JOIN en_up ON a.id = en_up.id) " \
  "SELECT EXISTS (SELECT 1 FROM sp_up WHERE id = ?2) OR EXISTS (SELECT 1 FROM en_up WHERE id = ?2)"

static int
is_ancestor (sqlite3     *db,
             const char  *id,
             const char  *ancestor,
             GError     **error)
{
  g_autoptr(TcSqliteStmt) stmt = prepare (db, ANCESTOR_SQL, error);

  if (stmt == NULL)
    return -1;
  bind_text (stmt, 1, id);
  bind_text (stmt, 2, ancestor);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      set_sql_error (db, "team rule", error);
      return -1;
    }
  return sqlite3_column_int (stmt, 0);
}

/* The sponsor and enroller trees as @db sees them: the shared copy when its
 * version is the one in @db's meta table, else loaded from @db (and shared
 * from then on). Versions never repeat for different trees: a change
 * bumps the version in the same transaction (schema step 4), and a batch
 * whose commit fails drops the shared copy (see run_batch). */
static TcTeamTree *
team_tree_get (TcSqliteStore  *self,
               sqlite3        *db,
               GError        **error)
{
  g_autoptr(TcTeamTree) tree = NULL;
  g_autoptr(TcSqliteStmt) stmt = NULL;
  gint64 version;
  int rc;

  version = query_int (db, "SELECT value FROM meta WHERE key = 'team_version'", NULL, 0, error);
  if (version < 0)
    return NULL;
  g_mutex_lock (&self->team_mutex);
  if (self->team_tree != NULL && tc_team_tree_get_version (self->team_tree) == version)
    tree = tc_team_tree_ref (self->team_tree);
  g_mutex_unlock (&self->team_mutex);
  if (tree != NULL)
    return g_steal_pointer (&tree);

  stmt = prepare (db, "SELECT id, sponsor_id, enroller_id FROM associates", error);
  if (stmt == NULL)
    return NULL;
  tree = tc_team_tree_new (version);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    tc_team_tree_add (tree, (const char *) sqlite3_column_text (stmt, 0),
                      (const char *) sqlite3_column_text (stmt, 1),
                      (const char *) sqlite3_column_text (stmt, 2));
  if (rc != SQLITE_DONE)
    {
      set_sql_error (db, "team", error);
      return NULL;
    }
  g_mutex_lock (&self->team_mutex);
  g_clear_pointer (&self->team_tree, tc_team_tree_unref);
  self->team_tree = tc_team_tree_ref (tree);
  g_mutex_unlock (&self->team_mutex);
  return g_steal_pointer (&tree);
}

static void
team_tree_forget (TcSqliteStore *self)
{
  g_mutex_lock (&self->team_mutex);
  g_clear_pointer (&self->team_tree, tc_team_tree_unref);
  g_mutex_unlock (&self->team_mutex);
}

/* 1 when on each other's team, 0 when not, -1 on error. */
static int
team_check (TcSqliteStore  *self,
            sqlite3        *db,
            const char     *a,
            const char     *b,
            GError        **error)
{
  g_autoptr(TcTeamTree) tree = team_tree_get (self, db, error);

  if (tree == NULL)
    return -1;
  return tc_team_tree_is_team (tree, a, b) ? 1 : 0;
}

static gboolean
associate_exists (sqlite3     *db,
                  const char  *id,
                  gboolean    *out_exists,
                  GError     **error)
{
  gint64 n = query_int (db, "SELECT COUNT(*) FROM associates WHERE id = ?1", id, 0, error);

  if (n < 0)
    return FALSE;
  *out_exists = n > 0;
  return TRUE;
}

static GPtrArray *
team_ids (sqlite3     *db,
          const char  *associate_id,
          GError     **error)
{
  g_autoptr(TcSqliteStmt) stmt = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  int rc;

  stmt = prepare (db, TEAM_CTE "SELECT id FROM team WHERE id IS NOT NULL AND id != ?1", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, associate_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, column_dup (stmt, 0));
  if (rc != SQLITE_DONE)
    {
      set_sql_error (db, "team", error);
      return NULL;
    }
  return g_steal_pointer (&ids);
}

static GPtrArray *
team_members (sqlite3     *db,
              const char  *associate_id,
              GError     **error)
{
  g_autoptr(TcSqliteStmt) stmt = NULL;
  g_autoptr(GPtrArray) members = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_associate_free);
  int rc;

  stmt = prepare (db,
                  TEAM_CTE "SELECT " ASSOCIATE_COLUMNS " FROM associates a "
                  "WHERE a.id IN (SELECT id FROM team) AND a.id != ?1 "
                  "ORDER BY a.name COLLATE NOCASE, a.id",
                  error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, associate_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TcAssociate *member = associate_from_row (stmt);

      /* Preferences are the member's own business. */
      g_clear_pointer (&member->offline_channel, g_free);
      g_ptr_array_add (members, member);
    }
  if (rc != SQLITE_DONE)
    {
      set_sql_error (db, "team", error);
      return NULL;
    }
  return g_steal_pointer (&members);
}

/* --- events ---------------------------------------------------------------- */

static gint64
append_event (sqlite3      *db,
              const char   *associate_id,
              const char   *type,
              gint64        message_id,
              const char   *by_id,
              const char   *peer_id,
              gint64        up_to,
              const char   *member_id,
              gint64        now,
              GError      **error)
{
  g_autoptr(TcSqliteStmt) stmt = NULL;

  stmt = prepare (db,
                  "INSERT INTO events (associate_id, type, message_id, by_id, peer_id, up_to, "
                  "                    member_id, created_at) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                  error);
  if (stmt == NULL)
    return -1;
  bind_text (stmt, 1, associate_id);
  bind_text (stmt, 2, type);
  if (message_id > 0)
    sqlite3_bind_int64 (stmt, 3, message_id);
  bind_text (stmt, 4, by_id);
  bind_text (stmt, 5, peer_id);
  if (up_to > 0)
    sqlite3_bind_int64 (stmt, 6, up_to);
  bind_text (stmt, 7, member_id);
  sqlite3_bind_int64 (stmt, 8, now);
  if (!step_done (db, stmt, error))
    return -1;
  return sqlite3_last_insert_rowid (db);
}

static void
add_stream_event (GPtrArray  *events,
                  const char *associate_id,
                  TcEvent    *event)
{
  tc_stream_events_add (events, associate_id, event);
}

/* The "message" events of sender and recipient, in one statement: the
 * second row's seq is the first's plus one (AUTOINCREMENT counts up within
 * a statement, and this connection is the only writer). */
static gboolean
append_message_events (sqlite3     *db,
                       TcMessage   *message,
                       gint64       now,
                       GPtrArray   *events,
                       GError     **error)
{
  const char *streams[] = { message->from, message->to };
  g_autoptr(TcSqliteStmt) stmt = NULL;
  gint64 last_seq;

  stmt = prepare (db,
                  "INSERT INTO events (associate_id, type, message_id, created_at) "
                  "VALUES (?1, 'message', ?3, ?4), (?2, 'message', ?3, ?4)",
                  error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, streams[0]);
  bind_text (stmt, 2, streams[1]);
  sqlite3_bind_int64 (stmt, 3, message->id);
  sqlite3_bind_int64 (stmt, 4, now);
  if (!step_done (db, stmt, error))
    return FALSE;
  last_seq = sqlite3_last_insert_rowid (db);

  for (guint i = 0; i < G_N_ELEMENTS (streams); i++)
    {
      TcEvent *event = tc_event_new (TC_EVENT_MESSAGE);

      event->seq = last_seq - (gint64) (G_N_ELEMENTS (streams) - 1 - i);
      event->message = tc_message_copy (message);
      add_stream_event (events, streams[i], event);
    }
  return TRUE;
}

static gboolean
append_read_events (sqlite3     *db,
                    const char  *by,
                    const char  *peer,
                    gint64       up_to,
                    gint64       now,
                    GPtrArray   *events,
                    GError     **error)
{
  const char *streams[] = { by, peer };

  for (guint i = 0; i < G_N_ELEMENTS (streams); i++)
    {
      TcEvent *event;
      gint64 seq = append_event (db, streams[i], "read", 0, by, peer, up_to, NULL, now, error);

      if (seq < 0)
        return FALSE;
      event = tc_event_new (TC_EVENT_READ);
      event->seq = seq;
      event->by = g_strdup (by);
      event->peer = g_strdup (peer);
      event->up_to = up_to;
      add_stream_event (events, streams[i], event);
    }
  return TRUE;
}

/* --- the writer thread ----------------------------------------------------- */

static void
job_finish (WriteJob *job)
{
  g_mutex_lock (&job->mutex);
  job->done = TRUE;
  g_cond_signal (&job->cond);
  g_mutex_unlock (&job->mutex);
}

/* Main context of the tasks of @jobs (a GPtrArray of WriteJob, one
 * context): each job's result goes to its task. */
static gboolean
complete_async_jobs_cb (gpointer data)
{
  GPtrArray *jobs = data;

  for (guint i = 0; i < jobs->len; i++)
    {
      WriteJob *job = g_ptr_array_index (jobs, i);

      job->complete (job);
      job->free (job);
    }
  g_ptr_array_set_size (jobs, 0);
  return G_SOURCE_REMOVE;
}

/* Wakes the callers of a finished batch: the threads waiting in run_write()
 * one by one, the asynchronous jobs with one main context wake-up for all
 * those of the same context. */
static void
finish_jobs (GPtrArray *batch)
{
  g_autoptr(GPtrArray) async = NULL;

  for (guint i = 0; i < batch->len; i++)
    {
      WriteJob *job = g_ptr_array_index (batch, i);

      if (job->task == NULL)
        job_finish (job);
      else
        {
          /* The sink has had them; free them here, not on the main loop. */
          g_ptr_array_set_size (job->events, 0);
          if (async == NULL)
            async = g_ptr_array_new ();
          g_ptr_array_add (async, job);
        }
    }

  while (async != NULL && async->len > 0)
    {
      GMainContext *context = g_task_get_context (((WriteJob *) g_ptr_array_index (async, 0))->task);
      GPtrArray *same = g_ptr_array_new ();

      for (guint i = 0; i < async->len;)
        {
          WriteJob *job = g_ptr_array_index (async, i);

          if (g_task_get_context (job->task) == context)
            {
              g_ptr_array_add (same, job);
              g_ptr_array_remove_index (async, i);
            }
          else
            i++;
        }
      g_main_context_invoke_full (context, G_PRIORITY_DEFAULT, complete_async_jobs_cb, same,
                                  (GDestroyNotify) g_ptr_array_unref);
    }
}

/* Runs the jobs of @batch in the open transaction, each in a savepoint
 * so that a failed job leaves nothing behind, except the jobs that check
 * before they write when @savepoints is FALSE: a savepoint per send cost
 * an eighth of the writer's time (two statements, and every page the job
 * touched copied into the statement journal). FALSE when such a job failed
 * after it wrote something: the caller rolls back and runs the batch
 * again, with savepoints. */
static gboolean
run_jobs (TcSqliteStore *self,
          sqlite3       *db,
          GPtrArray     *batch,
          gboolean       savepoints)
{
  for (guint i = 0; i < batch->len; i++)
    {
      WriteJob *job = g_ptr_array_index (batch, i);
      g_autoptr(GError) savepoint_error = NULL;

      if (job->checks_first && !savepoints)
        {
          sqlite3_int64 changes = sqlite3_total_changes64 (db);

          job->ok = job->func (self, db, job->data, job->events, &job->error);
          if (!job->ok)
            {
              g_ptr_array_set_size (job->events, 0);
              if (sqlite3_total_changes64 (db) != changes || sqlite3_get_autocommit (db))
                return FALSE;
            }
          continue;
        }

      if (!tc_sqlite_exec_cached (db, "SAVEPOINT job", &savepoint_error))
        {
          job->ok = FALSE;
          job->error = g_steal_pointer (&savepoint_error);
          continue;
        }
      job->ok = job->func (self, db, job->data, job->events, &job->error);
      if (job->ok)
        tc_sqlite_exec_cached (db, "RELEASE job", NULL);
      else
        {
          g_ptr_array_set_size (job->events, 0);
          tc_sqlite_exec_cached (db, "ROLLBACK TO job", NULL);
          tc_sqlite_exec_cached (db, "RELEASE job", NULL);
        }
    }
  return TRUE;
}

static gboolean
begin_batch (sqlite3    *db,
             GPtrArray  *batch)
{
  g_autoptr(GError) error = NULL;

  if (tc_sqlite_exec_cached (db, "BEGIN IMMEDIATE", &error))
    return TRUE;
  for (guint i = 0; i < batch->len; i++)
    {
      WriteJob *job = g_ptr_array_index (batch, i);
      job->ok = FALSE;
      job->error = g_error_copy (error);
    }
  return FALSE;
}

static void
run_batch (TcSqliteStore *self,
           GPtrArray     *batch)
{
  sqlite3 *db = self->write_db;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) committed = NULL;

  self->batch_queued = FALSE;
  if (!begin_batch (db, batch))
    goto out;

  if (!run_jobs (self, db, batch, FALSE))
    {
      /* A job failed halfway: start over, every job in its savepoint. */
      if (!sqlite3_get_autocommit (db))
        tc_sqlite_exec (db, "ROLLBACK", NULL);
      team_tree_forget (self);
      self->batch_queued = FALSE;
      for (guint i = 0; i < batch->len; i++)
        {
          WriteJob *job = g_ptr_array_index (batch, i);

          job->ok = FALSE;
          g_clear_error (&job->error);
          g_ptr_array_set_size (job->events, 0);
        }
      if (!begin_batch (db, batch))
        goto out;
      run_jobs (self, db, batch, TRUE);
    }

  if (!tc_sqlite_exec_cached (db, "COMMIT", &error))
    {
      tc_sqlite_exec (db, "ROLLBACK", NULL);
      /* A team tree loaded inside this batch may hold what was just rolled
       * back, under a version number that the next change will reuse. */
      team_tree_forget (self);
      for (guint i = 0; i < batch->len; i++)
        {
          WriteJob *job = g_ptr_array_index (batch, i);
          if (job->ok)
            {
              job->ok = FALSE;
              job->error = g_error_copy (error);
            }
          g_ptr_array_set_size (job->events, 0);
        }
      goto out;
    }

  g_atomic_int_inc (&self->n_commits);
  committed = g_ptr_array_new ();
  for (guint i = 0; i < batch->len; i++)
    {
      WriteJob *job = g_ptr_array_index (batch, i);
      for (guint j = 0; j < job->events->len; j++)
        g_ptr_array_add (committed, g_ptr_array_index (job->events, j));
    }

  /* Still on the writer thread, so the sink sees commits in seq order. */
  g_mutex_lock (&self->sink_mutex);
  if (self->sink != NULL && committed->len > 0)
    self->sink (committed, self->sink_data);
  if (self->batch_queued && self->queued_func != NULL)
    self->queued_func (self->delivery_data);
  g_mutex_unlock (&self->sink_mutex);

out:
  g_atomic_int_add (&self->n_jobs, (gint) batch->len);
  finish_jobs (batch);
}

static gpointer
writer_thread (gpointer data)
{
  TcSqliteStore *self = data;
  g_autoptr(GPtrArray) batch = g_ptr_array_new ();
  gboolean stop = FALSE;

  while (!stop)
    {
      WriteJob *job = g_async_queue_pop (self->write_queue);

      if (job == &shutdown_job)
        break;
      g_ptr_array_add (batch, job);
      while (batch->len < MAX_BATCH_JOBS &&
             (job = g_async_queue_try_pop (self->write_queue)) != NULL)
        {
          if (job == &shutdown_job)
            {
              stop = TRUE;
              break;
            }
          g_ptr_array_add (batch, job);
        }
      run_batch (self, batch);
      g_ptr_array_set_size (batch, 0);
    }
  return NULL;
}

/* Runs @func in a write transaction and waits until it is durable. Events
 * the job appended go to the sink; the caller gets nothing back but the
 * outcome (results travel through @data). */
static gboolean
run_write (TcSqliteStore  *self,
           WriteFunc       func,
           gpointer        data,
           GError        **error)
{
  WriteJob job = { 0, };

  if (g_atomic_int_get (&self->closed))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_UNAVAILABLE, "the database is closed");
      return FALSE;
    }
  /* The writer thread must never run its own jobs through here. */
  g_assert (g_thread_self () != self->writer);

  job.func = func;
  job.data = data;
  job.checks_first = func == send_job;
  job.events = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_stream_event_free);
  g_mutex_init (&job.mutex);
  g_cond_init (&job.cond);

  g_async_queue_push (self->write_queue, &job);

  g_mutex_lock (&job.mutex);
  while (!job.done)
    g_cond_wait (&job.cond, &job.mutex);
  g_mutex_unlock (&job.mutex);

  g_mutex_clear (&job.mutex);
  g_cond_clear (&job.cond);
  g_ptr_array_unref (job.events);

  if (!job.ok)
    {
      g_propagate_error (error, job.error);
      return FALSE;
    }
  return TRUE;
}

/* --- read connections -------------------------------------------------------- */

static sqlite3 *
reader_acquire (TcSqliteStore  *self,
                GError        **error)
{
  sqlite3 *db = g_async_queue_try_pop (self->readers);

  if (db == NULL)
    db = tc_sqlite_open (self->path, TRUE, error);
  if (db == NULL)
    return NULL;
  /* A read transaction gives every read call one consistent snapshot. */
  if (!tc_sqlite_exec_cached (db, "BEGIN", error))
    {
      tc_sqlite_close (db);
      return NULL;
    }
  return db;
}

static void
reader_release (TcSqliteStore *self,
                sqlite3       *db)
{
  if (db == NULL)
    return;
  tc_sqlite_exec_cached (db, "COMMIT", NULL);
  g_async_queue_push (self->readers, db);
}

typedef struct { TcSqliteStore *store; sqlite3 *db; } Reader;

static void
reader_done (Reader *reader)
{
  reader_release (reader->store, reader->db);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Reader, reader_done)

/* Declare the reader before anything that holds its statements, so that
 * it is cleaned up last: statements are finalized while the connection is
 * still this thread's, and the snapshot ends only after them. */
#define READER_DECLARE(reader, self) g_auto(Reader) reader = { self, NULL }

static gboolean
reader_open (Reader  *reader,
             GError **error)
{
  reader->db = reader_acquire (reader->store, error);
  return reader->db != NULL;
}

/* --- accounts ------------------------------------------------------------------ */

static TcAssociate *
tc_sqlite_store_authenticate (TcStore     *store,
                              const char  *login,
                              const char  *password,
                              GError     **error)
{
  TcSqliteStore *self = TC_SQLITE_STORE (store);
  g_autofree char *id = NULL;
  g_autofree char *hash = NULL;
  int rc;

  {
    READER_DECLARE (reader, self);
    g_autoptr(TcSqliteStmt) stmt = NULL;

    if (!reader_open (&reader, error))
      return NULL;
    stmt = prepare (reader.db, "SELECT id, password_hash FROM associates WHERE login = ?1", error);
    if (stmt == NULL)
      return NULL;
    bind_text (stmt, 1, login);
    rc = sqlite3_step (stmt);
    if (rc == SQLITE_ROW)
      {
        id = column_dup (stmt, 0);
        hash = column_dup (stmt, 1);
      }
    else if (rc != SQLITE_DONE)
      {
        set_sql_error (reader.db, "login", error);
        return NULL;
      }
  }

  /* Hash verification is slow on purpose: do it outside the snapshot. */
  if (!(hash != NULL ? tc_password_verify (hash, password) : tc_password_verify_dummy (password)))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_UNAUTHORIZED, "wrong login or password");
      return NULL;
    }

  {
    READER_DECLARE (reader, self);
    if (!reader_open (&reader, error))
      return NULL;
    return load_associate (reader.db, id, error);
  }
}

typedef struct {
  const char   *associate_id;
  const guint8 *token_hash;
  const char   *device;
  gint64        now;
} SessionJob;

static gboolean
create_session_job (TcSqliteStore *self,
                    sqlite3       *db,
                    gpointer       data,
                    GPtrArray     *events,
                    GError       **error)
{
  SessionJob *job = data;
  g_autoptr(TcSqliteStmt) stmt = NULL;

  stmt = prepare (db,
                  "INSERT INTO sessions (token_hash, associate_id, device, created_at) "
                  "VALUES (?1, ?2, ?3, ?4)",
                  error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_blob (stmt, 1, job->token_hash, TC_TOKEN_HASH_LEN, SQLITE_TRANSIENT);
  bind_text (stmt, 2, job->associate_id);
  bind_text (stmt, 3, job->device);
  sqlite3_bind_int64 (stmt, 4, job->now);
  return step_done (db, stmt, error);
}

static gboolean
tc_sqlite_store_create_session (TcStore      *store,
                                const char   *associate_id,
                                const guint8 *token_hash,
                                const char   *device,
                                GError      **error)
{
  SessionJob job = { associate_id, token_hash, device, g_get_real_time () };

  return run_write (TC_SQLITE_STORE (store), create_session_job, &job, error);
}

static char *
tc_sqlite_store_lookup_session (TcStore      *store,
                                const guint8 *token_hash,
                                GError      **error)
{
  READER_DECLARE (reader, TC_SQLITE_STORE (store));
  g_autoptr(TcSqliteStmt) stmt = NULL;
  int rc;

  if (!reader_open (&reader, error))
    return NULL;

  stmt = prepare (reader.db, "SELECT associate_id FROM sessions WHERE token_hash = ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_blob (stmt, 1, token_hash, TC_TOKEN_HASH_LEN, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return column_dup (stmt, 0);
  if (rc == SQLITE_DONE)
    g_set_error (error, TC_ERROR, TC_ERROR_UNAUTHORIZED, "invalid or expired token");
  else
    set_sql_error (reader.db, "session", error);
  return NULL;
}

static gboolean
delete_session_job (TcSqliteStore *self,
                    sqlite3       *db,
                    gpointer       data,
                    GPtrArray     *events,
                    GError       **error)
{
  g_autoptr(TcSqliteStmt) stmt = prepare (db, "DELETE FROM sessions WHERE token_hash = ?1", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_blob (stmt, 1, data, TC_TOKEN_HASH_LEN, SQLITE_TRANSIENT);
  return step_done (db, stmt, error);
}

static gboolean
tc_sqlite_store_delete_session (TcStore      *store,
                                const guint8 *token_hash,
                                GError      **error)
{
  return run_write (TC_SQLITE_STORE (store), delete_session_job, (gpointer) token_hash, error);
}

typedef struct {
  const char *associate_id;
  guint       n;
} RevokeSessionsJob;

static gboolean
revoke_associate_sessions (sqlite3     *db,
                           const char  *associate_id,
                           guint       *out_n,
                           GError     **error)
{
  g_autoptr(TcSqliteStmt) stmt = prepare (db, "DELETE FROM sessions WHERE associate_id = ?1", error);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, associate_id);
  if (!step_done (db, stmt, error))
    return FALSE;
  if (out_n != NULL)
    *out_n = (guint) sqlite3_changes (db);
  return TRUE;
}

static gboolean
revoke_sessions_job (TcSqliteStore *self,
                     sqlite3       *db,
                     gpointer       data,
                     GPtrArray     *events,
                     GError       **error)
{
  RevokeSessionsJob *job = data;
  gboolean exists = FALSE;

  if (!associate_exists (db, job->associate_id, &exists, error))
    return FALSE;
  if (!exists)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_NOT_FOUND, "no associate “%s”", job->associate_id);
      return FALSE;
    }
  return revoke_associate_sessions (db, job->associate_id, &job->n, error);
}

static guint
tc_sqlite_store_revoke_sessions (TcStore     *store,
                                 const char  *associate_id,
                                 GError     **error)
{
  RevokeSessionsJob job = { associate_id, 0 };

  if (!run_write (TC_SQLITE_STORE (store), revoke_sessions_job, &job, error))
    return 0;
  return job.n;
}

static gboolean
tc_sqlite_store_find_ended_sessions (TcStore      *store,
                                     const guint8 *token_hashes,
                                     guint         n_hashes,
                                     gboolean     *ended,
                                     GError      **error)
{
  READER_DECLARE (reader, TC_SQLITE_STORE (store));
  g_autoptr(TcSqliteStmt) stmt = NULL;

  if (!reader_open (&reader, error))
    return FALSE;
  stmt = prepare (reader.db, "SELECT 1 FROM sessions WHERE token_hash = ?1", error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < n_hashes; i++)
    {
      int rc;

      sqlite3_reset (stmt);
      sqlite3_bind_blob (stmt, 1, token_hashes + (gsize) i * TC_TOKEN_HASH_LEN, TC_TOKEN_HASH_LEN,
                         SQLITE_STATIC);
      rc = sqlite3_step (stmt);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return set_sql_error (reader.db, "session", error);
      ended[i] = rc == SQLITE_DONE;
    }
  return TRUE;
}

/* --- associates and team ---------------------------------------------------------- */

static TcAssociate *
tc_sqlite_store_get_me (TcStore     *store,
                        const char  *associate_id,
                        GError     **error)
{
  READER_DECLARE (reader, TC_SQLITE_STORE (store));
  if (!reader_open (&reader, error))
    return NULL;
  return load_associate (reader.db, associate_id, error);
}

typedef struct {
  const char *associate_id;
  const char *channel;
} ChannelJob;

static gboolean
set_channel_job (TcSqliteStore *self,
                 sqlite3       *db,
                 gpointer       data,
                 GPtrArray     *events,
                 GError       **error)
{
  ChannelJob *job = data;
  g_autoptr(TcSqliteStmt) stmt = NULL;
  gint64 now = g_get_real_time ();
  TcEvent *event;
  gint64 seq;

  stmt = prepare (db, "UPDATE associates SET offline_channel = ?2, updated_at = ?3 WHERE id = ?1",
                  error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, job->associate_id);
  bind_text (stmt, 2, job->channel);
  sqlite3_bind_int64 (stmt, 3, now);
  if (!step_done (db, stmt, error))
    return FALSE;
  if (sqlite3_changes (db) == 0)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_NOT_FOUND, "no such associate");
      return FALSE;
    }
  seq = append_event (db, job->associate_id, "preferences", 0, NULL, NULL, 0, NULL, now, error);
  if (seq < 0)
    return FALSE;
  event = tc_event_new (TC_EVENT_PREFERENCES);
  event->seq = seq;
  event->offline_channel = g_strdup (job->channel);
  add_stream_event (events, job->associate_id, event);
  return TRUE;
}

static gboolean
tc_sqlite_store_set_offline_channel (TcStore     *store,
                                     const char  *associate_id,
                                     const char  *channel,
                                     GError     **error)
{
  ChannelJob job = { associate_id, channel };

  if (!tc_channel_is_valid (channel))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                   "“offline_channel” must be “email” or “sms”");
      return FALSE;
    }
  return run_write (TC_SQLITE_STORE (store), set_channel_job, &job, error);
}

static gboolean
tc_sqlite_store_is_team (TcStore     *store,
                         const char  *a,
                         const char  *b,
                         GError     **error)
{
  READER_DECLARE (reader, TC_SQLITE_STORE (store));
  int r;
  if (!reader_open (&reader, error))
    return FALSE;

  r = team_check (TC_SQLITE_STORE (store), reader.db, a, b, error);
  return r > 0;
}

static GPtrArray *
tc_sqlite_store_list_team (TcStore     *store,
                           const char  *associate_id,
                           const char  *query,
                           GError     **error)
{
  READER_DECLARE (reader, TC_SQLITE_STORE (store));
  g_autoptr(GPtrArray) members = NULL;
  if (!reader_open (&reader, error))
    return NULL;

  members = team_members (reader.db, associate_id, error);
  if (members == NULL)
    return NULL;
  if (query != NULL && *query != '\0')
    for (guint i = members->len; i > 0; i--)
      if (!tc_store_member_matches (g_ptr_array_index (members, i - 1), query))
        g_ptr_array_remove_index (members, i - 1);
  return g_steal_pointer (&members);
}

static GPtrArray *
tc_sqlite_store_list_team_ids (TcStore     *store,
                               const char  *associate_id,
                               GError     **error)
{
  READER_DECLARE (reader, TC_SQLITE_STORE (store));
  if (!reader_open (&reader, error))
    return NULL;
  return team_ids (reader.db, associate_id, error);
}

static TcAssociate *
tc_sqlite_store_get_dashboard (TcStore     *store,
                               const char  *caller_id,
                               const char  *member_id,
                               GError     **error)
{
  READER_DECLARE (reader, TC_SQLITE_STORE (store));
  g_autoptr(TcAssociate) member = NULL;
  int r;
  if (!reader_open (&reader, error))
    return NULL;

  r = team_check (TC_SQLITE_STORE (store), reader.db, caller_id, member_id, error);
  if (r < 0)
    return NULL;
  if (r == 0)
    {
      /* Unknown and off-team look the same, so nobody learns who exists. */
      g_set_error (error, TC_ERROR, TC_ERROR_NOT_FOUND, "no such team member");
      return NULL;
    }
  member = load_associate (reader.db, member_id, error);
  if (member == NULL)
    return NULL;
  g_clear_pointer (&member->offline_channel, g_free);
  if (member->sponsor_id != NULL)
    {
      g_autoptr(TcAssociate) sponsor = load_associate (reader.db, member->sponsor_id, NULL);
      if (sponsor != NULL)
        member->sponsor_name = g_steal_pointer (&sponsor->name);
    }
  if (member->enroller_id != NULL)
    {
      g_autoptr(TcAssociate) enroller = load_associate (reader.db, member->enroller_id, NULL);
      if (enroller != NULL)
        member->enroller_name = g_steal_pointer (&enroller->name);
    }
  return g_steal_pointer (&member);
}

/* --- import ----------------------------------------------------------------------- */

typedef struct {
  GPtrArray      *rows;      /* TcImportRow */
  GPtrArray      *hashes;    /* char * or NULL, parallel to rows */
  TcImportResult  result;
} ImportJob;

static gboolean
import_job (TcSqliteStore *self,
            sqlite3       *db,
            gpointer       data,
            GPtrArray     *events,
            GError       **error)
{
  ImportJob *job = data;
  g_autoptr(GString) problems = g_string_new (NULL);
  g_autoptr(GPtrArray) changed = g_ptr_array_new ();   /* TcImportRow, borrowed */
  g_autoptr(TcSqliteStmt) upsert = NULL;
  g_autoptr(TcSqliteStmt) login_taken = NULL;
  gint64 now = g_get_real_time ();

  upsert = prepare (db,
                    "INSERT INTO associates (id, login, password_hash, name, email, phone, "
                    "  sponsor_id, enroller_id, marketing_site_url, offline_channel, updated_at) "
                    "VALUES (?1, ?2, COALESCE (?3, ''), ?4, ?5, ?6, ?7, ?8, ?9, COALESCE (?10, 'email'), ?11) "
                    "ON CONFLICT (id) DO UPDATE SET login = excluded.login, "
                    "  password_hash = COALESCE (?3, password_hash), name = excluded.name, "
                    "  email = excluded.email, phone = excluded.phone, "
                    "  sponsor_id = excluded.sponsor_id, enroller_id = excluded.enroller_id, "
                    "  marketing_site_url = excluded.marketing_site_url, "
                    "  offline_channel = excluded.offline_channel, updated_at = excluded.updated_at",
                    error);
  login_taken = prepare (db, "SELECT id FROM associates WHERE login = ?1 AND id != ?2", error);
  if (upsert == NULL || login_taken == NULL)
    return FALSE;

  for (guint i = 0; i < job->rows->len; i++)
    {
      TcImportRow *row = g_ptr_array_index (job->rows, i);
      const char *hash = g_ptr_array_index (job->hashes, i);
      g_autoptr(TcAssociate) before = load_associate (db, row->associate->id, NULL);

      sqlite3_reset (login_taken);
      bind_text (login_taken, 1, row->login);
      bind_text (login_taken, 2, row->associate->id);
      if (sqlite3_step (login_taken) == SQLITE_ROW)
        {
          tc_store_add_problem (problems, row->line, "login “%s” belongs to another associate", row->login);
          continue;
        }
      if (before == NULL && hash == NULL)
        {
          tc_store_add_problem (problems, row->line, "a new associate needs a password");
          continue;
        }

      sqlite3_reset (upsert);
      bind_text (upsert, 1, row->associate->id);
      bind_text (upsert, 2, row->login);
      bind_text (upsert, 3, hash);
      bind_text (upsert, 4, row->associate->name);
      bind_text (upsert, 5, row->associate->email);
      bind_text (upsert, 6, row->associate->phone);
      bind_text (upsert, 7, row->associate->sponsor_id);
      bind_text (upsert, 8, row->associate->enroller_id);
      bind_text (upsert, 9, row->associate->marketing_site_url);
      bind_text (upsert, 10, row->associate->offline_channel);
      sqlite3_bind_int64 (upsert, 11, now);
      if (!step_done (db, upsert, error))
        return FALSE;

      if (before == NULL)
        job->result.created++;
      else
        job->result.updated++;
      /* A new password (the Web Office reset it) logs out every device. */
      if (before != NULL && hash != NULL)
        {
          if (!revoke_associate_sessions (db, row->associate->id, NULL, error))
            return FALSE;
          job->result.passwords_changed++;
        }
      if (tc_store_member_changed (before, row->associate))
        g_ptr_array_add (changed, row);
    }

  /* References and cycles can only be judged once every row is in. */
  for (guint i = 0; i < job->rows->len; i++)
    {
      TcImportRow *row = g_ptr_array_index (job->rows, i);
      const char *parents[] = { row->associate->sponsor_id, row->associate->enroller_id };
      const char *roles[] = { "sponsor", "enroller" };

      for (guint p = 0; p < G_N_ELEMENTS (parents); p++)
        {
          gboolean exists = FALSE;

          if (parents[p] == NULL)
            continue;
          if (!associate_exists (db, parents[p], &exists, error))
            return FALSE;
          if (!exists)
            tc_store_add_problem (problems, row->line, "%s “%s” is not a known associate", roles[p],
                         parents[p]);
        }
      if (is_ancestor (db, row->associate->id, row->associate->id, error) > 0)
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
      g_autoptr(GPtrArray) ids = team_ids (db, row->associate->id, error);

      if (ids == NULL)
        return FALSE;
      for (guint j = 0; j < ids->len; j++)
        {
          const char *stream = g_ptr_array_index (ids, j);
          gint64 seq = append_event (db, stream, "member", 0, NULL, NULL, 0, row->associate->id,
                                     now, error);
          TcEvent *event;

          if (seq < 0)
            return FALSE;
          event = tc_event_new (TC_EVENT_MEMBER);
          event->seq = seq;
          event->member = load_associate (db, row->associate->id, error);
          if (event->member == NULL)
            {
              tc_event_free (event);
              return FALSE;
            }
          g_clear_pointer (&event->member->offline_channel, g_free);
          add_stream_event (events, stream, event);
        }
    }
  return TRUE;
}

/* Associate id → stored password hash, to tell a changed password from
 * the same one imported again. */
static GHashTable *
load_password_hashes (TcSqliteStore  *self,
                      GError        **error)
{
  READER_DECLARE (reader, self);
  g_autoptr(TcSqliteStmt) stmt = NULL;
  g_autoptr(GHashTable) hashes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  int rc;

  if (!reader_open (&reader, error))
    return NULL;
  stmt = prepare (reader.db, "SELECT id, password_hash FROM associates", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_insert (hashes, column_dup (stmt, 0), column_dup (stmt, 1));
  if (rc != SQLITE_DONE)
    {
      set_sql_error (reader.db, "associates", error);
      return NULL;
    }
  return g_steal_pointer (&hashes);
}

static gboolean
tc_sqlite_store_import_associates (TcStore        *store,
                                   GPtrArray      *rows,
                                   TcImportResult *result,
                                   GError        **error)
{
  ImportJob job = { rows, NULL, { 0, } };
  g_autoptr(GHashTable) current = NULL;
  gboolean ok;

  current = load_password_hashes (TC_SQLITE_STORE (store), error);
  if (current == NULL)
    return FALSE;
  job.hashes = tc_store_hash_passwords (rows, current);
  ok = run_write (TC_SQLITE_STORE (store), import_job, &job, error);
  g_ptr_array_unref (job.hashes);
  if (ok && result != NULL)
    *result = job.result;
  return ok;
}

/* --- messages ------------------------------------------------------------------------- */

typedef struct {
  const char          *sender_id;
  const TcSendRequest *request;
  gint64               now;
  GPtrArray           *messages;
  gboolean             created;
} SendJob;

/* The messages of an earlier send of @client_id, in their order, into
 * @out (nothing for a first send). Almost every send is a first one: it is
 * told by one seek in messages_client, without the sorter of the ORDER BY. */
static gboolean
load_sent (sqlite3     *db,
           const char  *sender_id,
           const char  *client_id,
           GPtrArray   *out,
           GError     **error)
{
  g_autoptr(TcSqliteStmt) seen = NULL;
  g_autoptr(TcSqliteStmt) stmt = NULL;
  int rc;

  seen = prepare (db, "SELECT 1 FROM messages WHERE sender_id = ?1 AND client_id = ?2 LIMIT 1",
                  error);
  if (seen == NULL)
    return FALSE;
  bind_text (seen, 1, sender_id);
  bind_text (seen, 2, client_id);
  rc = sqlite3_step (seen);
  if (rc == SQLITE_DONE)
    return TRUE;
  if (rc != SQLITE_ROW)
    return set_sql_error (db, "looking for an earlier send", error);

  stmt = prepare (db,
                  "SELECT " MESSAGE_COLUMNS " FROM messages m "
                  "WHERE m.sender_id = ?1 AND m.client_id = ?2 ORDER BY m.id",
                  error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, sender_id);
  bind_text (stmt, 2, client_id);
  return collect_messages (db, stmt, 0, out, NULL, error);
}

static gboolean
send_job (TcSqliteStore *self,
          sqlite3       *db,
          gpointer       data,
          GPtrArray     *events,
          GError       **error)
{
  SendJob *job = data;
  const TcSendRequest *request = job->request;
  g_autoptr(GPtrArray) resources = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_resource_free);
  g_autoptr(TcSqliteStmt) insert = NULL;
  g_autoptr(TcSqliteStmt) attach = NULL;
  g_autoptr(TcTeamTree) team = NULL;

  /* It may run again after a rollback (WriteJob.checks_first). */
  g_ptr_array_set_size (job->messages, 0);
  job->created = FALSE;

  if (!load_sent (db, job->sender_id, request->client_id, job->messages, error))
    return FALSE;
  if (job->messages->len > 0)
    {
      /* A resend of something already committed: answer the same, add nothing. */
      job->created = FALSE;
      return TRUE;
    }

  team = team_tree_get (self, db, error);
  if (team == NULL)
    return FALSE;
  for (guint i = 0; i < request->to->len; i++)
    {
      const char *to = g_ptr_array_index (request->to, i);

      if (g_strcmp0 (to, job->sender_id) == 0)
        {
          g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "you cannot send a message to yourself");
          return FALSE;
        }
      if (!tc_team_tree_contains (team, to))
        {
          g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "unknown recipient “%s”", to);
          return FALSE;
        }
      if (!tc_team_tree_is_team (team, job->sender_id, to))
        {
          g_set_error (error, TC_ERROR, TC_ERROR_FORBIDDEN, "recipient “%s” is not on your team",
                       to);
          return FALSE;
        }
    }

  for (guint i = 0; i < request->attachments->len; i++)
    {
      const char *id = g_ptr_array_index (request->attachments, i);
      g_autoptr(TcSqliteStmt) stmt = NULL;

      stmt = prepare (db, "SELECT " TC_SQLITE_RESOURCE_COLUMNS " FROM resources r WHERE r.id = ?1",
                      error);
      if (stmt == NULL)
        return FALSE;
      bind_text (stmt, 1, id);
      if (sqlite3_step (stmt) != SQLITE_ROW)
        {
          g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "unknown attachment “%s”", id);
          return FALSE;
        }
      g_ptr_array_add (resources, tc_sqlite_resource_from_row (stmt, 0));
    }

  insert = prepare (db,
                    "INSERT INTO messages (sender_id, recipient_id, client_id, body, sent_at) "
                    "VALUES (?1, ?2, ?3, ?4, ?5)",
                    error);
  attach = prepare (db,
                    "INSERT INTO message_attachments (message_id, position, resource_id) "
                    "VALUES (?1, ?2, ?3)",
                    error);
  if (insert == NULL || attach == NULL)
    return FALSE;

  for (guint i = 0; i < request->to->len; i++)
    {
      TcMessage *message = tc_message_new ();

      message->client_id = g_strdup (request->client_id);
      message->from = g_strdup (job->sender_id);
      message->to = g_strdup (g_ptr_array_index (request->to, i));
      message->body = g_strdup (request->body);
      message->sent_at = job->now;
      g_ptr_array_add (job->messages, message);

      sqlite3_reset (insert);
      bind_text (insert, 1, message->from);
      bind_text (insert, 2, message->to);
      bind_text (insert, 3, message->client_id);
      bind_text (insert, 4, message->body);
      sqlite3_bind_int64 (insert, 5, message->sent_at);
      if (!step_done (db, insert, error))
        return FALSE;
      message->id = sqlite3_last_insert_rowid (db);

      for (guint j = 0; j < resources->len; j++)
        {
          TcResource *resource = g_ptr_array_index (resources, j);

          sqlite3_reset (attach);
          sqlite3_bind_int64 (attach, 1, message->id);
          sqlite3_bind_int (attach, 2, (int) j);
          bind_text (attach, 3, resource->id);
          if (!step_done (db, attach, error))
            return FALSE;
          g_ptr_array_add (message->attachments, tc_resource_copy (resource));
        }

      if (!append_message_events (db, message, job->now, events, error))
        return FALSE;
      if (!tc_sqlite_store_queue_delivery (self, db, message, job->now, error))
        return FALSE;
    }
  job->created = TRUE;
  return TRUE;
}

static GPtrArray *
tc_sqlite_store_send_messages (TcStore             *store,
                               const char          *sender_id,
                               const TcSendRequest *request,
                               gint64               now_usec,
                               gboolean            *out_created,
                               GError             **error)
{
  SendJob job = { sender_id, request, now_usec, NULL, FALSE };

  job.messages = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_message_free);
  if (!run_write (TC_SQLITE_STORE (store), send_job, &job, error))
    {
      g_ptr_array_unref (job.messages);
      return NULL;
    }
  if (out_created != NULL)
    *out_created = job.created;
  return job.messages;
}

/* An asynchronous send: the job and everything it points at. */
typedef struct {
  WriteJob       job;
  SendJob        send;
  char          *sender_id;
  TcSendRequest *request;
} AsyncSend;

static void
async_send_complete (WriteJob *job)
{
  AsyncSend *async = (AsyncSend *) job;

  if (job->ok)
    tc_store_return_sent (job->task, g_steal_pointer (&async->send.messages), async->send.created,
                          NULL);
  else
    tc_store_return_sent (job->task, NULL, FALSE, g_steal_pointer (&job->error));
}

static void
async_send_free (WriteJob *job)
{
  AsyncSend *async = (AsyncSend *) job;

  g_clear_object (&job->task);
  g_clear_pointer (&job->events, g_ptr_array_unref);
  g_clear_error (&job->error);
  g_clear_pointer (&async->send.messages, g_ptr_array_unref);
  g_free (async->sender_id);
  g_clear_pointer (&async->request, tc_send_request_free);
  g_free (async);
}

/* Queued straight to the writer: no thread waits for the commit, and the
 * answers of a whole batch reach the main context in one wake-up. */
static void
tc_sqlite_store_send_messages_async (TcStore             *store,
                                     const char          *sender_id,
                                     TcSendRequest       *request,
                                     gint64               now_usec,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  TcSqliteStore *self = TC_SQLITE_STORE (store);
  AsyncSend *async = g_new0 (AsyncSend, 1);

  async->sender_id = g_strdup (sender_id);
  async->request = request;
  async->send.sender_id = async->sender_id;
  async->send.request = async->request;
  async->send.now = now_usec;
  async->send.messages = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_message_free);
  async->job.func = send_job;
  async->job.data = &async->send;
  async->job.checks_first = TRUE;
  async->job.events = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_stream_event_free);
  async->job.task = g_task_new (store, cancellable, callback, user_data);
  g_task_set_source_tag (async->job.task, tc_store_send_messages_async);
  async->job.complete = async_send_complete;
  async->job.free = async_send_free;

  if (g_atomic_int_get (&self->closed))
    {
      tc_store_return_sent (async->job.task, NULL, FALSE,
                            g_error_new (TC_ERROR, TC_ERROR_UNAVAILABLE, "the database is closed"));
      async_send_free (&async->job);
      return;
    }
  g_async_queue_push (self->write_queue, &async->job);
}

typedef struct {
  GPtrArray *senders;    /* char * */
  GPtrArray *requests;   /* TcSendRequest */
  GArray    *times;      /* gint64 */
} BatchJob;

static gboolean
send_batch_job (TcSqliteStore *self,
                sqlite3       *db,
                gpointer       data,
                GPtrArray     *events,
                GError       **error)
{
  BatchJob *batch = data;

  for (guint i = 0; i < batch->requests->len; i++)
    {
      g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_message_free);
      SendJob job = { g_ptr_array_index (batch->senders, i), g_ptr_array_index (batch->requests, i),
                      g_array_index (batch->times, gint64, i), messages, FALSE };

      if (!send_job (self, db, &job, events, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
tc_sqlite_store_send_batch (TcSqliteStore  *self,
                            GPtrArray      *senders,
                            GPtrArray      *requests,
                            GArray         *times,
                            GError        **error)
{
  BatchJob batch = { senders, requests, times };

  g_return_val_if_fail (TC_IS_SQLITE_STORE (self), FALSE);
  g_return_val_if_fail (senders->len == requests->len && requests->len == times->len, FALSE);

  return run_write (self, send_batch_job, &batch, error);
}

static gboolean
tc_sqlite_store_send_batch_iface (TcStore    *store,
                                  GPtrArray  *senders,
                                  GPtrArray  *requests,
                                  GArray     *times,
                                  GError    **error)
{
  return tc_sqlite_store_send_batch (TC_SQLITE_STORE (store), senders, requests, times, error);
}

static GPtrArray *
tc_sqlite_store_list_messages (TcStore     *store,
                               const char  *associate_id,
                               const char  *peer_id,
                               gint64       before_id,
                               guint        limit,
                               gboolean    *out_more,
                               GError     **error)
{
  READER_DECLARE (reader, TC_SQLITE_STORE (store));
  g_autoptr(TcSqliteStmt) stmt = NULL;
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_message_free);
  int r;
  if (!reader_open (&reader, error))
    return NULL;

  r = team_check (TC_SQLITE_STORE (store), reader.db, associate_id, peer_id, error);
  if (r < 0)
    return NULL;
  if (r == 0)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_FORBIDDEN, "that associate is not on your team");
      return NULL;
    }

  stmt = prepare (reader.db,
                  "SELECT " MESSAGE_COLUMNS " " TC_SQLITE_CONVERSATION_PAGE,
                  error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, associate_id);
  bind_text (stmt, 2, peer_id);
  sqlite3_bind_int64 (stmt, 3, before_id > 0 ? before_id : G_MAXINT64);
  sqlite3_bind_int64 (stmt, 4, (gint64) limit + 1);
  if (!collect_messages (reader.db, stmt, limit, messages, out_more, error))
    return NULL;
  return g_steal_pointer (&messages);
}

typedef struct {
  const char *associate_id;
  const char *peer_id;
  gint64      up_to;
} ReadJob;

/* Moves @associate_id's marker for @peer_id forward to @up_to; no event when
 * it would not move. */
static gboolean
move_marker (sqlite3     *db,
             const char  *associate_id,
             const char  *peer_id,
             gint64       up_to,
             gint64       now,
             GPtrArray   *events,
             GError     **error)
{
  g_autoptr(TcSqliteStmt) stmt = NULL;

  stmt = prepare (db,
                  "INSERT INTO read_markers (associate_id, peer_id, up_to, updated_at) "
                  "VALUES (?1, ?2, ?3, ?4) "
                  "ON CONFLICT (associate_id, peer_id) DO UPDATE "
                  "SET up_to = excluded.up_to, updated_at = excluded.updated_at "
                  "WHERE excluded.up_to > read_markers.up_to",
                  error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, associate_id);
  bind_text (stmt, 2, peer_id);
  sqlite3_bind_int64 (stmt, 3, up_to);
  sqlite3_bind_int64 (stmt, 4, now);
  if (!step_done (db, stmt, error))
    return FALSE;
  if (sqlite3_changes (db) == 0)
    return TRUE;
  return append_read_events (db, associate_id, peer_id, up_to, now, events, error);
}

static gboolean
read_job (TcSqliteStore *self,
          sqlite3       *db,
          gpointer       data,
          GPtrArray     *events,
          GError       **error)
{
  ReadJob *job = data;
  g_autoptr(TcSqliteStmt) stmt = NULL;
  int r;

  r = team_check (self, db, job->associate_id, job->peer_id, error);
  if (r < 0)
    return FALSE;
  if (r == 0)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_FORBIDDEN, "that associate is not on your team");
      return FALSE;
    }
  stmt = prepare (db,
                  "SELECT 1 FROM messages WHERE id = ?3 AND "
                  "((sender_id = ?1 AND recipient_id = ?2) OR (sender_id = ?2 AND recipient_id = ?1))",
                  error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, job->associate_id);
  bind_text (stmt, 2, job->peer_id);
  sqlite3_bind_int64 (stmt, 3, job->up_to);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                   "“up_to” is not a message of this conversation");
      return FALSE;
    }
  return move_marker (db, job->associate_id, job->peer_id, job->up_to, g_get_real_time (), events,
                      error);
}

static gboolean
tc_sqlite_store_mark_read (TcStore     *store,
                           const char  *associate_id,
                           const char  *peer_id,
                           gint64       up_to,
                           GError     **error)
{
  ReadJob job = { associate_id, peer_id, up_to };

  return run_write (TC_SQLITE_STORE (store), read_job, &job, error);
}

static gboolean
read_all_job (TcSqliteStore *self,
              sqlite3       *db,
              gpointer       data,
              GPtrArray     *events,
              GError       **error)
{
  const char *associate_id = data;
  g_autoptr(TcSqliteStmt) stmt = NULL;
  gint64 now = g_get_real_time ();
  int rc;

  /* Every conversation with something newer than the marker. */
  stmt = prepare (db,
                  "SELECT m.sender_id, MAX (m.id) FROM messages m WHERE m.recipient_id = ?1 "
                  "GROUP BY m.sender_id "
                  "HAVING MAX (m.id) > COALESCE ((SELECT r.up_to FROM read_markers r "
                  "  WHERE r.associate_id = ?1 AND r.peer_id = m.sender_id), 0)",
                  error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, associate_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autofree char *peer = column_dup (stmt, 0);

      if (!move_marker (db, associate_id, peer, sqlite3_column_int64 (stmt, 1), now, events,
                        error))
        return FALSE;
    }
  if (rc != SQLITE_DONE)
    return set_sql_error (db, "read all", error);
  return TRUE;
}

static gboolean
tc_sqlite_store_mark_all_read (TcStore     *store,
                               const char  *associate_id,
                               GError     **error)
{
  return run_write (TC_SQLITE_STORE (store), read_all_job, (gpointer) associate_id, error);
}

/* --- sync ---------------------------------------------------------------------------- */

static gint64
head_seq (sqlite3  *db,
          GError  **error)
{
  /* sqlite_sequence never goes back, even when retention empties the table. */
  return query_int (db, "SELECT seq FROM sqlite_sequence WHERE name = 'events'", NULL, 0, error);
}

/* The columns of a sync page: the event, then (for "message" events) its
 * message as MESSAGE_COLUMNS, then whether it has attachments. */
#define SYNC_EVENT_COLUMNS 7
#define SYNC_SQL \
  "SELECT e.seq, e.type, e.message_id, e.by_id, e.peer_id, e.up_to, e.member_id, " \
  MESSAGE_COLUMNS ", " \
  "  EXISTS (SELECT 1 FROM message_attachments ma WHERE ma.message_id = m.id) " \
  "FROM events e LEFT JOIN messages m ON e.type = 'message' AND m.id = e.message_id " \
  "WHERE e.associate_id = ?1 AND e.seq > ?2 ORDER BY e.seq LIMIT ?3"

/* One row of SYNC_SQL as an event; NULL without an error when what it
 * points at is gone (retention). */
static TcEvent *
event_from_row (sqlite3       *db,
                sqlite3_stmt  *stmt,
                const char    *associate_id,
                GError       **error)
{
  const char *type = (const char *) sqlite3_column_text (stmt, 1);
  g_autoptr(TcEvent) event = NULL;
  g_autoptr(GError) local_error = NULL;

  if (g_str_equal (type, "message"))
    {
      /* The message came with the row, in the same snapshot. */
      if (sqlite3_column_type (stmt, SYNC_EVENT_COLUMNS) == SQLITE_NULL)
        return NULL;
      event = tc_event_new (TC_EVENT_MESSAGE);
      event->message = message_from_row_at (stmt, SYNC_EVENT_COLUMNS);
      if (sqlite3_column_int (stmt, SYNC_EVENT_COLUMNS + MESSAGE_N_COLUMNS) != 0 &&
          !load_attachments (db, event->message, error))
        return NULL;
    }
  else if (g_str_equal (type, "read"))
    {
      event = tc_event_new (TC_EVENT_READ);
      event->by = column_dup (stmt, 3);
      event->peer = column_dup (stmt, 4);
      event->up_to = sqlite3_column_int64 (stmt, 5);
    }
  else if (g_str_equal (type, "member"))
    {
      event = tc_event_new (TC_EVENT_MEMBER);
      event->member = load_associate (db, (const char *) sqlite3_column_text (stmt, 6),
                                      &local_error);
      if (event->member == NULL)
        goto missing;
      g_clear_pointer (&event->member->offline_channel, g_free);
    }
  else
    {
      g_autoptr(TcAssociate) me = load_associate (db, associate_id, &local_error);

      if (me == NULL)
        goto missing;
      event = tc_event_new (TC_EVENT_PREFERENCES);
      event->offline_channel = g_steal_pointer (&me->offline_channel);
    }
  event->seq = sqlite3_column_int64 (stmt, 0);
  return g_steal_pointer (&event);

missing:
  /* What the event points at is gone (retention): skip it, fail on others. */
  if (g_error_matches (local_error, TC_ERROR, TC_ERROR_NOT_FOUND))
    return NULL;
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

static GPtrArray *
tc_sqlite_store_sync (TcStore     *store,
                      const char  *associate_id,
                      gint64       since,
                      guint        limit,
                      gint64      *out_cursor,
                      gboolean    *out_more,
                      gboolean    *out_reset,
                      GError     **error)
{
  READER_DECLARE (reader, TC_SQLITE_STORE (store));
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_event_free);
  g_autoptr(TcSqliteStmt) stmt = NULL;
  gint64 head, purged, last_seq = 0;
  guint n_stored = 0;
  int rc;

  if (!reader_open (&reader, error))
    return NULL;

  *out_more = FALSE;
  *out_reset = FALSE;
  head = head_seq (reader.db, error);
  purged = query_int (reader.db, "SELECT value FROM meta WHERE key = 'purged_seq'", NULL, 0, error);
  if (head < 0 || purged < 0)
    return NULL;

  if (since > 0 && (since < purged || since > head))
    {
      /* Events after this cursor were deleted, or the cursor is from a
       * future this database never saw (restored from a backup): either
       * way the client must start over. */
      *out_reset = TRUE;
      *out_cursor = head;
      return g_steal_pointer (&events);
    }

  if (since <= 0)
    {
      g_autoptr(GPtrArray) members = team_members (reader.db, associate_id, error);
      g_autoptr(TcAssociate) me = NULL;
      TcEvent *event;

      if (members == NULL)
        return NULL;
      for (guint i = 0; i < members->len; i++)
        {
          event = tc_event_new (TC_EVENT_MEMBER);
          event->member = tc_associate_copy (g_ptr_array_index (members, i));
          g_ptr_array_add (events, event);
        }
      me = load_associate (reader.db, associate_id, error);
      if (me == NULL)
        return NULL;
      event = tc_event_new (TC_EVENT_PREFERENCES);
      event->offline_channel = g_steal_pointer (&me->offline_channel);
      g_ptr_array_add (events, event);
      since = 0;
    }

  stmt = prepare (reader.db, SYNC_SQL, error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, associate_id);
  sqlite3_bind_int64 (stmt, 2, since);
  sqlite3_bind_int64 (stmt, 3, (gint64) limit + 1);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(GError) local_error = NULL;
      TcEvent *event;

      if (n_stored == limit)
        {
          *out_more = TRUE;
          break;
        }
      n_stored++;
      last_seq = sqlite3_column_int64 (stmt, 0);
      event = event_from_row (reader.db, stmt, associate_id, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (event != NULL)
        g_ptr_array_add (events, event);
    }
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      set_sql_error (reader.db, "sync", error);
      return NULL;
    }

  *out_cursor = *out_more ? last_seq : MAX (head, since);
  return g_steal_pointer (&events);
}

/* One counter for all streams: the newest seq of any stream covers
 * @associate_id's too. */
static gint64
tc_sqlite_store_head_cursor (TcStore     *store,
                             const char  *associate_id,
                             GError     **error)
{
  READER_DECLARE (reader, TC_SQLITE_STORE (store));
  if (!reader_open (&reader, error))
    return -1;
  return head_seq (reader.db, error);
}

/* --- retention ------------------------------------------------------------------------- */

typedef struct {
  gint64 cutoff;
  guint  deleted;      /* rows of the main table this chunk removed */
} PurgeJob;

/* The last key of the oldest rows of a table that are all older than
 * @cutoff, or 0 when the oldest row is not: @sql lists at most @limit
 * rows' keys and times in key order. Keys grow with the time the server
 * stamps at insert, so this reads only what the purge deletes, plus one
 * row, without an index on the time. When the clock went back, a row
 * committed after a younger one waits for it: the purge never deletes a
 * row early, and keeps one late by at most how far the clock went back. */
static gboolean
old_rows_end (sqlite3     *db,
              const char  *sql,
              gint64       cutoff,
              gint64      *out_end,
              GError     **error)
{
  g_autoptr(TcSqliteStmt) stmt = prepare (db, sql, error);
  int rc;

  *out_end = 0;
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, PURGE_CHUNK);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW && sqlite3_column_int64 (stmt, 1) < cutoff)
    *out_end = sqlite3_column_int64 (stmt, 0);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return set_sql_error (db, "purge", error);
  return TRUE;
}

static gboolean
purge_events_job (TcSqliteStore *self,
                  sqlite3       *db,
                  gpointer       data,
                  GPtrArray     *events,
                  GError       **error)
{
  PurgeJob *job = data;
  g_autoptr(TcSqliteStmt) mark = NULL;
  g_autoptr(TcSqliteStmt) stmt = NULL;
  gint64 end;

  job->deleted = 0;
  if (!old_rows_end (db, "SELECT seq, created_at FROM events ORDER BY seq LIMIT ?1", job->cutoff,
                     &end, error))
    return FALSE;
  if (end == 0)
    return TRUE;
  /* Remember how far the streams were cut, so older cursors get "reset". */
  mark = prepare (db, "UPDATE meta SET value = MAX (value, ?1) WHERE key = 'purged_seq'", error);
  stmt = prepare (db, "DELETE FROM events WHERE seq <= ?1", error);
  if (mark == NULL || stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (mark, 1, end);
  sqlite3_bind_int64 (stmt, 1, end);
  if (!step_done (db, mark, error) || !step_done (db, stmt, error))
    return FALSE;
  job->deleted = sqlite3_changes (db);
  return TRUE;
}

/* Messages go after their events (purge_events_job() ran first, and a
 * message's events are stamped when it is). An event added later, when an
 * email or text delivered it, may outlive its message until it is old
 * itself: sync skips events whose message is gone. Attachments and
 * deliveries go with the message (ON DELETE CASCADE). */
static gboolean
purge_messages_job (TcSqliteStore *self,
                    sqlite3       *db,
                    gpointer       data,
                    GPtrArray     *events,
                    GError       **error)
{
  PurgeJob *job = data;
  g_autoptr(TcSqliteStmt) stmt = NULL;
  gint64 end;

  job->deleted = 0;
  if (!old_rows_end (db, "SELECT id, sent_at FROM messages ORDER BY id LIMIT ?1", job->cutoff,
                     &end, error))
    return FALSE;
  if (end == 0)
    return TRUE;
  stmt = prepare (db, "DELETE FROM messages WHERE id <= ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, end);
  if (!step_done (db, stmt, error))
    return FALSE;
  job->deleted = sqlite3_changes (db);
  return TRUE;
}

static gboolean
purge_markers_job (TcSqliteStore *self,
                   sqlite3       *db,
                   gpointer       data,
                   GPtrArray     *events,
                   GError       **error)
{
  PurgeJob *job = data;
  g_autoptr(TcSqliteStmt) stmt = NULL;

  stmt = prepare (db, "DELETE FROM read_markers WHERE updated_at < ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, job->cutoff);
  if (!step_done (db, stmt, error))
    return FALSE;
  job->deleted = sqlite3_changes (db);
  return TRUE;
}

static gboolean
tc_sqlite_store_purge (TcStore     *store,
                       gint64       cutoff_usec,
                       guint       *out_messages,
                       GError     **error)
{
  TcSqliteStore *self = TC_SQLITE_STORE (store);
  PurgeJob job = { cutoff_usec, 0 };
  guint messages = 0;

  /* In chunks, so live traffic never waits behind one huge delete. Events
   * go first: that is what moves purged_seq, so cursors that pointed into
   * the deleted history get "reset". */
  do
    {
      if (!run_write (self, purge_events_job, &job, error))
        return FALSE;
    }
  while (job.deleted == PURGE_CHUNK);
  do
    {
      if (!run_write (self, purge_messages_job, &job, error))
        return FALSE;
      messages += job.deleted;
    }
  while (job.deleted == PURGE_CHUNK);
  if (!run_write (self, purge_markers_job, &job, error))
    return FALSE;
  if (!tc_sqlite_store_purge_delivery (self, cutoff_usec, error))
    return FALSE;

  if (out_messages != NULL)
    *out_messages = messages;
  return TRUE;
}

/* --- life cycle -------------------------------------------------------------------------- */

static void
tc_sqlite_store_set_event_sink (TcStore          *store,
                                TcStoreEventSink  sink,
                                gpointer          user_data)
{
  TcSqliteStore *self = TC_SQLITE_STORE (store);

  g_mutex_lock (&self->sink_mutex);
  self->sink = sink;
  self->sink_data = user_data;
  g_mutex_unlock (&self->sink_mutex);
}

static void
tc_sqlite_store_set_delivery_policy (TcStore            *store,
                                     TcStoreOfflineFunc  offline,
                                     TcStoreQueuedFunc   queued,
                                     gpointer            user_data)
{
  TcSqliteStore *self = TC_SQLITE_STORE (store);

  g_mutex_lock (&self->sink_mutex);
  self->offline_func = offline;
  self->queued_func = queued;
  self->delivery_data = user_data;
  g_mutex_unlock (&self->sink_mutex);
}

void
tc_sqlite_store_close (TcSqliteStore *self)
{
  sqlite3 *db;

  g_return_if_fail (TC_IS_SQLITE_STORE (self));

  if (!g_atomic_int_compare_and_exchange (&self->closed, 0, 1))
    return;
  if (self->writer != NULL)
    {
      g_autoptr(GPtrArray) left = g_ptr_array_new ();
      WriteJob *job;

      g_async_queue_push (self->write_queue, &shutdown_job);
      g_thread_join (g_steal_pointer (&self->writer));
      /* Jobs queued by callers that raced with the close fail. */
      while ((job = g_async_queue_try_pop (self->write_queue)) != NULL)
        if (job != &shutdown_job)
          {
            job->ok = FALSE;
            job->error = g_error_new (TC_ERROR, TC_ERROR_UNAVAILABLE, "the database is closed");
            g_ptr_array_add (left, job);
          }
      finish_jobs (left);
    }
  g_clear_pointer (&self->checkpointer, tc_sqlite_checkpointer_free);
  g_clear_pointer (&self->write_db, tc_sqlite_close);
  while ((db = g_async_queue_try_pop (self->readers)) != NULL)
    tc_sqlite_close (db);
}

static void
tc_sqlite_store_finalize (GObject *object)
{
  TcSqliteStore *self = TC_SQLITE_STORE (object);

  tc_sqlite_store_close (self);
  g_async_queue_unref (self->write_queue);
  g_async_queue_unref (self->readers);
  g_mutex_clear (&self->sink_mutex);
  g_clear_pointer (&self->team_tree, tc_team_tree_unref);
  g_mutex_clear (&self->team_mutex);
  g_free (self->path);

  G_OBJECT_CLASS (tc_sqlite_store_parent_class)->finalize (object);
}

static void
tc_sqlite_store_class_init (TcSqliteStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tc_sqlite_store_finalize;
}

static void
tc_sqlite_store_iface_init (TcStoreInterface *iface)
{
  iface->set_event_sink = tc_sqlite_store_set_event_sink;
  iface->authenticate = tc_sqlite_store_authenticate;
  iface->create_session = tc_sqlite_store_create_session;
  iface->lookup_session = tc_sqlite_store_lookup_session;
  iface->delete_session = tc_sqlite_store_delete_session;
  iface->revoke_sessions = tc_sqlite_store_revoke_sessions;
  iface->find_ended_sessions = tc_sqlite_store_find_ended_sessions;
  iface->get_me = tc_sqlite_store_get_me;
  iface->set_offline_channel = tc_sqlite_store_set_offline_channel;
  iface->is_team = tc_sqlite_store_is_team;
  iface->list_team = tc_sqlite_store_list_team;
  iface->list_team_ids = tc_sqlite_store_list_team_ids;
  iface->get_dashboard = tc_sqlite_store_get_dashboard;
  iface->import_associates = tc_sqlite_store_import_associates;
  iface->send_messages = tc_sqlite_store_send_messages;
  iface->list_messages = tc_sqlite_store_list_messages;
  iface->mark_read = tc_sqlite_store_mark_read;
  iface->mark_all_read = tc_sqlite_store_mark_all_read;
  iface->sync = tc_sqlite_store_sync;
  iface->head_cursor = tc_sqlite_store_head_cursor;
  iface->purge = tc_sqlite_store_purge;
  iface->media_categories = tc_sqlite_store_media_categories;
  iface->media_folder = tc_sqlite_store_media_folder;
  iface->media_search = tc_sqlite_store_media_search;
  iface->media_resource = tc_sqlite_store_media_resource;
  iface->import_media = tc_sqlite_store_import_media;
  iface->set_delivery_policy = tc_sqlite_store_set_delivery_policy;
  iface->send_messages_async = tc_sqlite_store_send_messages_async;
  iface->send_batch = tc_sqlite_store_send_batch_iface;
  tc_sqlite_store_delivery_iface_init (iface);
}

static void
tc_sqlite_store_init (TcSqliteStore *self)
{
  self->write_queue = g_async_queue_new ();
  self->readers = g_async_queue_new ();
  g_mutex_init (&self->sink_mutex);
  g_mutex_init (&self->team_mutex);
}

TcSqliteStore *
tc_sqlite_store_new (const char  *path,
                     GError     **error)
{
  g_autoptr(TcSqliteStore) self = NULL;
  const TcSqliteMigration *migrations;
  guint n_migrations;

  g_return_val_if_fail (path != NULL, NULL);

  if (!tc_crypto_init ())
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INTERNAL, "libsodium could not be initialised");
      return NULL;
    }

  self = g_object_new (TC_TYPE_SQLITE_STORE, NULL);
  self->path = g_strdup (path);
  self->write_db = tc_sqlite_open (path, FALSE, error);
  if (self->write_db == NULL)
    return NULL;
  /* Each job's SAVEPOINT keeps the pages it changes in a statement journal
   * until RELEASE; on a file (the default) that journal spilled into a
   * new temporary file for most batches, with a write per page, more
   * writes than the WAL itself. It is only ever read to roll a job back
   * inside its transaction, never for durability, so memory will do. */
  if (!tc_sqlite_exec (self->write_db, "PRAGMA temp_store=MEMORY", error))
    return NULL;
  migrations = tc_sqlite_schema_migrations (&n_migrations);
  if (!tc_sqlite_migrate (self->write_db, migrations, n_migrations, error))
    return NULL;
  self->checkpointer = tc_sqlite_checkpointer_new (path, self->write_db, CHECKPOINT_PAGES);
  self->writer = g_thread_new ("tc-db-writer", writer_thread, self);
  return g_steal_pointer (&self);
}

guint
tc_sqlite_store_schema_version (void)
{
  guint n;

  tc_sqlite_schema_migrations (&n);
  return n;
}

guint
tc_sqlite_store_get_checkpoints (TcSqliteStore *self)
{
  g_return_val_if_fail (TC_IS_SQLITE_STORE (self), 0);

  return self->checkpointer != NULL ? tc_sqlite_checkpointer_get_count (self->checkpointer) : 0;
}

void
tc_sqlite_store_get_commit_stats (TcSqliteStore *self,
                                  guint64       *out_commits,
                                  guint64       *out_jobs)
{
  g_return_if_fail (TC_IS_SQLITE_STORE (self));

  if (out_commits != NULL)
    *out_commits = (guint) g_atomic_int_get (&self->n_commits);
  if (out_jobs != NULL)
    *out_jobs = (guint) g_atomic_int_get (&self->n_jobs);
}

/* --- for the other parts of the store (tc-sqlite-store-private.h) ------------------------ */

gboolean
tc_sqlite_store_run_write (TcSqliteStore      *self,
                           TcSqliteWriteFunc   func,
                           gpointer            data,
                           GError            **error)
{
  return run_write (self, func, data, error);
}

sqlite3 *
tc_sqlite_store_reader_acquire (TcSqliteStore  *self,
                                GError        **error)
{
  return reader_acquire (self, error);
}

void
tc_sqlite_store_reader_release (TcSqliteStore *self,
                                sqlite3       *db)
{
  reader_release (self, db);
}

sqlite3_stmt *
tc_sqlite_store_prepare (sqlite3     *db,
                         const char  *sql,
                         GError     **error)
{
  return prepare (db, sql, error);
}

void
tc_sqlite_store_bind_text (sqlite3_stmt *stmt,
                           int           index,
                           const char   *text)
{
  bind_text (stmt, index, text);
}

char *
tc_sqlite_store_column_dup (sqlite3_stmt *stmt,
                            int           column)
{
  return column_dup (stmt, column);
}

gboolean
tc_sqlite_store_step_done (sqlite3       *db,
                           sqlite3_stmt  *stmt,
                           GError       **error)
{
  return step_done (db, stmt, error);
}

TcMessage *
tc_sqlite_store_load_message (sqlite3     *db,
                              gint64       id,
                              GError     **error)
{
  return load_message (db, id, error);
}

TcAssociate *
tc_sqlite_store_load_associate (sqlite3     *db,
                                const char  *id,
                                GError     **error)
{
  return load_associate (db, id, error);
}

gboolean
tc_sqlite_store_append_message_events (sqlite3    *db,
                                       TcMessage  *message,
                                       gint64      now,
                                       GPtrArray  *events,
                                       GError    **error)
{
  return append_message_events (db, message, now, events, error);
}

/* Writer thread, inside a send transaction. */
gboolean
tc_sqlite_store_wants_delivery (TcSqliteStore *self,
                                const char    *recipient_id,
                                const char    *channel)
{
  gboolean wanted = FALSE;

  g_mutex_lock (&self->sink_mutex);
  if (self->offline_func != NULL)
    wanted = self->offline_func (recipient_id, channel, self->delivery_data);
  g_mutex_unlock (&self->sink_mutex);
  return wanted;
}

void
tc_sqlite_store_note_queued (TcSqliteStore *self)
{
  self->batch_queued = TRUE;
}
