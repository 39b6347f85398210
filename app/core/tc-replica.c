/* tc-replica.c: the local SQLite replica of one associate on one server
 *
 * One worker thread owns the connection. Each public call becomes a GTask
 * pushed on a GAsyncQueue; the thread pops them in order, runs the job
 * (writes in one transaction each), returns the task, and then hands its
 * reference back to the main context, so that the last reference of the
 * task, and so perhaps of the replica, is never dropped on the worker.
 */
#define G_LOG_DOMAIN "TeamChatReplica"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#include "tc-error.h"
#include "tc-json.h"
#include "tc-replica-private.h"
#include "tc-sqlite.h"
#include "tc-time.h"
#include "tc-uuid.h"

/* Schema steps; the position in the array is the version minus one. */
static const TcSqliteMigration migrations[] = {
  { /* 1: the first schema */
    "CREATE TABLE meta ("
    "  key   TEXT PRIMARY KEY NOT NULL,"
    "  value TEXT"
    ") WITHOUT ROWID;"
    "CREATE TABLE members ("
    "  id                 TEXT PRIMARY KEY NOT NULL,"
    "  name               TEXT NOT NULL,"
    "  email              TEXT,"
    "  phone              TEXT,"
    "  sponsor_id         TEXT,"
    "  enroller_id        TEXT,"
    "  marketing_site_url TEXT,"
    "  online             INTEGER NOT NULL DEFAULT 0"
    ");"
    /* id is the server's, NULL until the server has the message; sort_key
     * orders a conversation: the server id, or for a message still local
     * one more than the largest id known when it was written. */
    "CREATE TABLE messages ("
    "  local_id      INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  id            INTEGER UNIQUE,"
    "  client_id     TEXT,"
    "  sender        TEXT NOT NULL,"
    "  recipient     TEXT NOT NULL,"
    "  peer          TEXT NOT NULL,"
    "  incoming      INTEGER NOT NULL,"
    "  body          TEXT NOT NULL,"
    "  attachments   TEXT NOT NULL DEFAULT '[]',"
    "  sent_at       INTEGER NOT NULL,"
    "  is_read       INTEGER NOT NULL DEFAULT 0,"
    "  delivered_via TEXT,"
    "  state         TEXT NOT NULL DEFAULT 'sent'"
    "                CHECK (state IN ('pending', 'sent', 'failed')),"
    "  error_text    TEXT,"
    "  sort_key      INTEGER NOT NULL,"
    "  UNIQUE (sender, client_id, recipient)"
    ");"
    "CREATE INDEX messages_by_peer ON messages (peer, sort_key, local_id);"
    "CREATE INDEX messages_unread ON messages (peer) WHERE incoming = 1 AND is_read = 0;"
    "CREATE INDEX messages_by_time ON messages (sent_at) WHERE state = 'sent';"
    /* Messages to send, in the order they were written. */
    "CREATE TABLE outbox ("
    "  position INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  message  INTEGER NOT NULL UNIQUE REFERENCES messages (local_id) ON DELETE CASCADE"
    ");"
    /* Markers of the local associate (reader = me; pending until the
     * server has them) and of peers (read receipts). */
    "CREATE TABLE read_markers ("
    "  reader  TEXT NOT NULL,"
    "  peer    TEXT NOT NULL,"
    "  up_to   INTEGER NOT NULL,"
    "  pending INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (reader, peer)"
    ") WITHOUT ROWID;"
  },
  { /* 2: read receipts find the sender's unread messages without a scan */
    "CREATE INDEX messages_unread_out ON messages (peer) WHERE incoming = 0 AND is_read = 0;"
  },
  { /* 3: names of people a dashboard mentions who are not team members
     * (a member's sponsor or enroller off the team; the local associate) */
    "CREATE TABLE person_names ("
    "  id   TEXT PRIMARY KEY NOT NULL,"
    "  name TEXT NOT NULL"
    ") WITHOUT ROWID;"
  },
  { /* 4: message search (tc-replica-search.c): a full-text index of the
     * bodies, read from messages itself (external content), kept in step
     * by triggers; case and accents folded; prefix indexes for the first
     * keystrokes. */
    "CREATE VIRTUAL TABLE messages_fts USING fts5 ("
    "  body,"
    "  content = 'messages',"
    "  content_rowid = 'local_id',"
    "  tokenize = 'unicode61 remove_diacritics 2',"
    "  prefix = '1 2'"
    ");"
    "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN"
    "  INSERT INTO messages_fts (rowid, body) VALUES (new.local_id, new.body);"
    "END;"
    "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN"
    "  INSERT INTO messages_fts (messages_fts, rowid, body)"
    "    VALUES ('delete', old.local_id, old.body);"
    "END;"
    "CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages"
    "  WHEN old.body IS NOT new.body BEGIN"
    "  INSERT INTO messages_fts (messages_fts, rowid, body)"
    "    VALUES ('delete', old.local_id, old.body);"
    "  INSERT INTO messages_fts (rowid, body) VALUES (new.local_id, new.body);"
    "END;"
    "INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');"
  },
  { /* 5: the read receipt of a conversation (its newest own message read)
     * without a scan, even when the peer has read nothing */
    "CREATE INDEX messages_read_out ON messages (peer, sort_key, local_id) "
    "  WHERE incoming = 0 AND is_read = 1;"
  },
  { /* 6: why offline delivery (email or text) failed for good, as the
     * server says it (the message's delivery_error) */
    "ALTER TABLE messages ADD COLUMN delivery_error TEXT;"
  },
  { /* 7: the Documents and Media library as last seen, so the attachment
     * browser works offline (tc-replica-media.c). position keeps the
     * server's order among siblings; stamp is the time of the store that
     * last saw a row, so one store can drop what it no longer lists;
     * listed_at is when a folder's own listing was stored (NULL: only
     * seen in the tree or a path). */
    "CREATE TABLE media_folders ("
    "  id             TEXT PRIMARY KEY NOT NULL,"
    "  parent_id      TEXT,"
    "  title          TEXT NOT NULL,"
    "  resource_count INTEGER NOT NULL DEFAULT 0,"
    "  position       INTEGER NOT NULL DEFAULT 0,"
    "  stamp          INTEGER NOT NULL,"
    "  listed_at      INTEGER"
    ");"
    "CREATE INDEX media_folders_by_parent ON media_folders (parent_id, position);"
    "CREATE TABLE media_resources ("
    "  id          TEXT PRIMARY KEY NOT NULL,"
    "  folder_id   TEXT NOT NULL,"
    "  position    INTEGER NOT NULL DEFAULT 0,"
    "  title       TEXT NOT NULL,"
    "  mime_type   TEXT NOT NULL,"
    "  size        INTEGER NOT NULL,"
    "  description TEXT,"
    "  sha256      TEXT,"
    "  updated_at  INTEGER NOT NULL DEFAULT 0,"
    "  search_text TEXT NOT NULL,"
    "  stamp       INTEGER NOT NULL"
    ");"
    "CREATE INDEX media_resources_by_folder ON media_resources (folder_id, position);"
  },
  { /* 8: new messages join the search index once per transaction, all
     * together (db_commit() indexes fts_pending), not one by one: FTS5
     * writes its pending terms to disk at every statement of a transaction
     * once it has been written in it, which made a sync page of 1,000
     * messages 1,000 small index segments. A message updated or deleted
     * before its transaction ends is simply dropped from fts_pending. */
    "CREATE TABLE fts_pending (local_id INTEGER PRIMARY KEY);"
    "DROP TRIGGER messages_fts_insert;"
    "DROP TRIGGER messages_fts_delete;"
    "DROP TRIGGER messages_fts_update;"
    "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN"
    "  INSERT INTO fts_pending (local_id) VALUES (new.local_id);"
    "END;"
    "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN"
    "  INSERT INTO messages_fts (messages_fts, rowid, body)"
    "    SELECT 'delete', old.local_id, old.body"
    "    WHERE NOT EXISTS (SELECT 1 FROM fts_pending WHERE local_id = old.local_id);"
    "  DELETE FROM fts_pending WHERE local_id = old.local_id;"
    "END;"
    "CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages"
    "  WHEN old.body IS NOT new.body"
    "   AND NOT EXISTS (SELECT 1 FROM fts_pending WHERE local_id = old.local_id) BEGIN"
    "  INSERT INTO messages_fts (messages_fts, rowid, body)"
    "    VALUES ('delete', old.local_id, old.body);"
    "  INSERT INTO messages_fts (rowid, body) VALUES (new.local_id, new.body);"
    "END;"
  },
  { /* 9: the messages' state CHECK as comparisons: SQLite 3.40 checks an IN
     * list of more than two values with a temporary B-tree built for every
     * row written, here every message a sync stores. Only the table's text
     * in sqlite_schema changes (SQLite's documented way to change a CHECK,
     * the server's migration 6 does the same); RESET reads it again. */
    "PRAGMA writable_schema=ON;"
    "UPDATE sqlite_schema SET sql = replace (sql,"
    "  'CHECK (state IN (''pending'', ''sent'', ''failed''))',"
    "  'CHECK (state = ''pending'' OR state = ''sent'' OR state = ''failed'')')"
    "  WHERE type = 'table' AND name = 'messages';"
    "PRAGMA writable_schema=RESET;"
  },
};

/* The version a replica has once opened: the number of schema steps. */
guint
tc_replica_schema_version (void)
{
  return G_N_ELEMENTS (migrations);
}

#define MEMBER_COLUMNS \
  "id, name, email, phone, sponsor_id, enroller_id, marketing_site_url, online"

/* --- the worker's connection ------------------------------------------------- */

void
cached_stmt_reset (sqlite3_stmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

static void
db_free (Db *db)
{
  if (db == NULL)
    return;
  g_clear_pointer (&db->stmts, g_hash_table_unref);
  g_clear_pointer (&db->db, tc_sqlite_close);
  g_free (db->me);
  g_free (db);
}

sqlite3_stmt *
db_prepare (Db          *db,
            const char  *sql,
            GError     **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (db->stmts, sql);

  if (stmt != NULL)
    return stmt;
  if (sqlite3_prepare_v3 (db->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    {
      tc_sqlite_set_error (db->db, "cannot prepare a query", error);
      return NULL;
    }
  g_hash_table_insert (db->stmts, (gpointer) sql, stmt);
  return stmt;
}

void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

char *
column_dup (sqlite3_stmt *stmt,
            int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

/* Steps a statement that returns no rows. */
gboolean
step_done (Db            *db,
           sqlite3_stmt  *stmt,
           const char    *what,
           GError       **error)
{
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      tc_sqlite_set_error (db->db, what, error);
      return FALSE;
    }
  return TRUE;
}

gboolean
db_begin (Db      *db,
          GError **error)
{
  return tc_sqlite_exec (db->db, "BEGIN IMMEDIATE", error);
}

/* Indexes the messages inserted in this transaction for search, in one
 * statement (schema step 8). */
static gboolean
index_pending (Db      *db,
               GError **error)
{
  g_auto(CachedStmt) index = NULL;
  g_auto(CachedStmt) clear = NULL;

  index = db_prepare (db,
                      "INSERT INTO messages_fts (rowid, body) "
                      "SELECT m.local_id, m.body FROM fts_pending p "
                      "JOIN messages m ON m.local_id = p.local_id "
                      "ORDER BY p.local_id",
                      error);
  if (index == NULL || !step_done (db, index, "cannot index new messages", error))
    return FALSE;
  if (sqlite3_changes (db->db) == 0)
    return TRUE;
  clear = db_prepare (db, "DELETE FROM fts_pending", error);
  return clear != NULL && step_done (db, clear, "cannot index new messages", error);
}

gboolean
db_commit (Db      *db,
           GError **error)
{
  return index_pending (db, error) && tc_sqlite_exec (db->db, "COMMIT", error);
}

void
db_rollback (Db *db)
{
  if (!sqlite3_get_autocommit (db->db))
    sqlite3_exec (db->db, "ROLLBACK", NULL, NULL, NULL);
}

char *
meta_get (Db          *db,
          const char  *key,
          GError     **error)
{
  g_auto(CachedStmt) stmt = db_prepare (db, "SELECT value FROM meta WHERE key = ?1", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, key);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return column_dup (stmt, 0);
  if (rc != SQLITE_DONE)
    tc_sqlite_set_error (db->db, "cannot read the replica", error);
  return NULL;
}

gboolean
meta_set (Db          *db,
          const char  *key,
          const char  *value,
          GError     **error)
{
  g_auto(CachedStmt) stmt = db_prepare (db,
                                        "INSERT INTO meta (key, value) VALUES (?1, ?2) "
                                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                        error);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, key);
  bind_text (stmt, 2, value);
  return step_done (db, stmt, "cannot store replica state", error);
}

/* --- change notification ---------------------------------------------------------- */

typedef struct {
  TcReplicaChange  what;
  GHashTable      *peers;       /* set of conversation peers touched */
  gboolean         all_peers;   /* too many or unknown: NULL to listeners */
} Changes;

static void
changes_init (Changes *changes)
{
  changes->what = TC_REPLICA_CHANGE_NONE;
  changes->peers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  changes->all_peers = FALSE;
}

static void
changes_clear (Changes *changes)
{
  g_clear_pointer (&changes->peers, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Changes, changes_clear)

/* A change that no conversation shows (preferences, the cursor). */
static void
changes_add_global (Changes         *changes,
                    TcReplicaChange  what)
{
  changes->what |= what;
}

static void
changes_add (Changes         *changes,
             TcReplicaChange  what,
             const char      *peer)
{
  changes->what |= what;
  if (peer == NULL)
    changes->all_peers = TRUE;
  else if (!g_hash_table_contains (changes->peers, peer))
    g_hash_table_add (changes->peers, g_strdup (peer));
}

/* --- the object ------------------------------------------------------------------- */

struct _TcReplica
{
  GObject       parent_instance;

  char         *path;
  char         *associate_id;

  GMainContext *context;    /* where results and signals are delivered */
  GThread      *thread;
  GAsyncQueue  *queue;      /* of GTask, ending with the quit sentinel */
  Db           *db;         /* owned by the worker thread */
};

static void tc_replica_async_initable_iface_init (GAsyncInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TcReplica, tc_replica, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_INITABLE,
                                                      tc_replica_async_initable_iface_init))

G_DEFINE_FLAGS_TYPE (TcReplicaChange, tc_replica_change,
                     G_DEFINE_ENUM_VALUE (TC_REPLICA_CHANGE_NONE, "none"),
                     G_DEFINE_ENUM_VALUE (TC_REPLICA_CHANGE_MEMBERS, "members"),
                     G_DEFINE_ENUM_VALUE (TC_REPLICA_CHANGE_MESSAGES, "messages"),
                     G_DEFINE_ENUM_VALUE (TC_REPLICA_CHANGE_READ, "read"),
                     G_DEFINE_ENUM_VALUE (TC_REPLICA_CHANGE_OUTBOX, "outbox"),
                     G_DEFINE_ENUM_VALUE (TC_REPLICA_CHANGE_PREFERENCES, "preferences"),
                     G_DEFINE_ENUM_VALUE (TC_REPLICA_CHANGE_RESET, "reset"),
                     G_DEFINE_ENUM_VALUE (TC_REPLICA_CHANGE_PROFILE, "profile"))

enum {
  PROP_0,
  PROP_PATH,
  PROP_ASSOCIATE_ID,
  N_PROPS
};

enum {
  CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Pushed last on the queue to end the worker thread. */
static int quit_sentinel;
#define QUIT (&quit_sentinel)

typedef struct {
  JobFunc        func;
  gpointer       data;
  GDestroyNotify data_free;
} Job;

static void
job_free (Job *job)
{
  if (job->data_free != NULL && job->data != NULL)
    job->data_free (job->data);
  g_free (job);
}

typedef struct {
  TcReplica       *self;
  TcReplicaChange  what;
  GStrv            peers;
} Emission;

static void
emission_free (Emission *emission)
{
  g_object_unref (emission->self);
  g_strfreev (emission->peers);
  g_free (emission);
}

static gboolean
emit_changed_cb (gpointer user_data)
{
  Emission *emission = user_data;

  g_signal_emit (emission->self, signals[CHANGED], 0, emission->what, emission->peers);
  return G_SOURCE_REMOVE;
}

/* Worker thread, after a commit: tells listeners on the main context. */
static void
notify_changes (TcReplica *self,
                Changes   *changes)
{
  g_autoptr(GSource) source = NULL;
  Emission *emission;

  if (changes->what == TC_REPLICA_CHANGE_NONE)
    return;

  emission = g_new0 (Emission, 1);
  emission->self = g_object_ref (self);
  emission->what = changes->what;
  if (!changes->all_peers)
    {
      GStrvBuilder *builder = g_strv_builder_new ();
      GHashTableIter iter;
      const char *peer;

      g_hash_table_iter_init (&iter, changes->peers);
      while (g_hash_table_iter_next (&iter, (gpointer *) &peer, NULL))
        g_strv_builder_add (builder, peer);
      emission->peers = g_strv_builder_end (builder);
      g_strv_builder_unref (builder);
    }

  /* Not g_main_context_invoke(): it would run the callback right here on
   * the worker when nobody iterates the main context at this moment. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, emit_changed_cb, emission, (GDestroyNotify) emission_free);
  g_source_set_static_name (source, "[teamchat] replica changed");
  g_source_attach (source, self->context);
}

static gboolean
release_task_cb (gpointer user_data)
{
  return G_SOURCE_REMOVE;
}

/* Drops the worker's reference to @task on the main context. */
static void
release_task (TcReplica *self,
              GTask     *task)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, release_task_cb, task, g_object_unref);
  g_source_set_static_name (source, "[teamchat] replica task release");
  g_source_attach (source, self->context);
}

static gpointer
worker_main (gpointer data)
{
  TcReplica *self = data;   /* joined before it goes away */
  gpointer item;

  while ((item = g_async_queue_pop (self->queue)) != QUIT)
    {
      GTask *task = item;
      Job *job = g_task_get_task_data (task);

      if (!g_task_return_error_if_cancelled (task))
        job->func (self, self->db, task, job->data);
      release_task (self, task);
    }
  g_clear_pointer (&self->db, db_free);
  return NULL;
}

void
queue_job (TcReplica           *self,
           JobFunc              func,
           gpointer             data,
           GDestroyNotify       data_free,
           gpointer             source_tag,
           GCancellable        *cancellable,
           GAsyncReadyCallback  callback,
           gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Job *job = g_new0 (Job, 1);

  job->func = func;
  job->data = data;
  job->data_free = data_free;
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  /* A job that ran reports what it did, even if cancelled meanwhile: the
   * caller must learn whether a write was committed. */
  g_task_set_check_cancellable (task, FALSE);
  g_async_queue_push (self->queue, task);
}

/* The worker was asked for something before the database opened. */
gboolean
return_if_closed (Db    *db,
                  GTask *task)
{
  if (db->db != NULL)
    return FALSE;
  g_task_return_new_error (task, TC_ERROR, TC_ERROR_UNAVAILABLE, "the replica is not open");
  return TRUE;
}

/* --- opening -------------------------------------------------------------------- */

static void
open_job (TcReplica *self,
          Db        *db,
          GTask     *task,
          gpointer   data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (self->path);
  g_autofree char *stored_id = NULL;

  if (db->db != NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_task_return_new_error (task, TC_ERROR, TC_ERROR_UNAVAILABLE,
                               "cannot create the folder %s: %s", dir, g_strerror (saved_errno));
      return;
    }
  db->db = tc_sqlite_open (self->path, FALSE, &error);
  /* Statement journals (an upsert, a trigger) in memory: in a temporary
   * file they were 6 writes of a page per message synced, more than the
   * WAL's (the server's writer found the same). */
  if (db->db == NULL ||
      !tc_sqlite_exec (db->db, "PRAGMA temp_store=MEMORY", &error) ||
      !tc_sqlite_migrate (db->db, migrations, G_N_ELEMENTS (migrations), &error))
    goto fail;

  stored_id = meta_get (db, "associate_id", &error);
  if (error != NULL)
    goto fail;
  if (stored_id == NULL)
    {
      if (!meta_set (db, "associate_id", self->associate_id, &error))
        goto fail;
    }
  else if (!g_str_equal (stored_id, self->associate_id))
    {
      g_set_error (&error, TC_ERROR, TC_ERROR_INVALID,
                   "the replica %s belongs to another associate (%s)", self->path, stored_id);
      goto fail;
    }
  g_task_return_boolean (task, TRUE);
  return;

fail:
  g_hash_table_remove_all (db->stmts);
  g_clear_pointer (&db->db, tc_sqlite_close);
  g_task_return_error (task, g_steal_pointer (&error));
}

static void
tc_replica_init_async (GAsyncInitable      *initable,
                       int                  io_priority,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  TcReplica *self = TC_REPLICA (initable);

  queue_job (self, open_job, NULL, NULL, tc_replica_init_async, cancellable, callback,
             user_data);
}

static gboolean
tc_replica_init_finish (GAsyncInitable  *initable,
                        GAsyncResult    *result,
                        GError         **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
tc_replica_async_initable_iface_init (GAsyncInitableIface *iface)
{
  iface->init_async = tc_replica_init_async;
  iface->init_finish = tc_replica_init_finish;
}

/* --- GObject -------------------------------------------------------------------- */

static void
tc_replica_constructed (GObject *object)
{
  TcReplica *self = TC_REPLICA (object);

  G_OBJECT_CLASS (tc_replica_parent_class)->constructed (object);

  g_assert (self->path != NULL);
  g_assert (self->associate_id != NULL);
  self->db->me = g_strdup (self->associate_id);
  self->thread = g_thread_new ("teamchat-replica", worker_main, self);
}

static void
tc_replica_finalize (GObject *object)
{
  TcReplica *self = TC_REPLICA (object);

  if (self->thread != NULL)
    {
      /* Every task holds a reference, so the queue is empty but for this. */
      g_async_queue_push (self->queue, QUIT);
      g_assert (g_thread_self () != self->thread);
      g_thread_join (self->thread);
    }
  g_clear_pointer (&self->db, db_free);
  g_async_queue_unref (self->queue);
  g_main_context_unref (self->context);
  g_free (self->path);
  g_free (self->associate_id);

  G_OBJECT_CLASS (tc_replica_parent_class)->finalize (object);
}

static void
tc_replica_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  TcReplica *self = TC_REPLICA (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_ASSOCIATE_ID:
      g_value_set_string (value, self->associate_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tc_replica_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  TcReplica *self = TC_REPLICA (object);

  switch (prop_id)
    {
    case PROP_PATH:
      self->path = g_value_dup_string (value);
      break;
    case PROP_ASSOCIATE_ID:
      self->associate_id = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tc_replica_class_init (TcReplicaClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = tc_replica_constructed;
  object_class->finalize = tc_replica_finalize;
  object_class->get_property = tc_replica_get_property;
  object_class->set_property = tc_replica_set_property;

  /**
   * TcReplica:path:
   *
   * The database file.
   */
  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS |
                         G_PARAM_EXPLICIT_NOTIFY);

  /**
   * TcReplica:associate-id:
   *
   * The id of the associate whose view of the server this replica holds.
   */
  properties[PROP_ASSOCIATE_ID] =
    g_param_spec_string ("associate-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS |
                         G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TcReplica::changed:
   * @self: the replica
   * @what: a #TcReplicaChange saying what changed
   * @peers: (nullable) (array zero-terminated=1): the conversations that
   *   changed, or %NULL when it may be any
   *
   * Emitted on the main context after a commit that changed something.
   */
  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, TC_TYPE_REPLICA_CHANGE, G_TYPE_STRV);
}

static void
tc_replica_init (TcReplica *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->queue = g_async_queue_new ();
  self->db = g_new0 (Db, 1);
  self->db->stmts = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                           (GDestroyNotify) sqlite3_finalize);
}

/**
 * tc_replica_default_path:
 * @server_url: the server's base URL
 * @associate_id: the local associate
 *
 * Where the replica of @associate_id on @server_url lives by default:
 * `$XDG_DATA_HOME/teamchat/HASH.db`, HASH being the hexadecimal SHA-256 of
 * the URL (without a trailing slash), a newline and the id. Nothing is
 * created.
 *
 * Returns: (transfer full): the path
 */
char *
tc_replica_default_path (const char *server_url,
                         const char *associate_id)
{
  g_autoptr(GChecksum) checksum = NULL;
  g_autofree char *url = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (server_url != NULL, NULL);
  g_return_val_if_fail (associate_id != NULL, NULL);

  url = g_strdup (server_url);
  while (g_str_has_suffix (url, "/"))
    url[strlen (url) - 1] = '\0';

  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (checksum, (const guchar *) url, -1);
  g_checksum_update (checksum, (const guchar *) "\n", 1);
  g_checksum_update (checksum, (const guchar *) associate_id, -1);
  name = g_strconcat (g_checksum_get_string (checksum), ".db", NULL);
  return g_build_filename (g_get_user_data_dir (), "teamchat", name, NULL);
}

/**
 * tc_replica_new_async:
 * @path: the database file; created with its folder when missing
 * @associate_id: the local associate
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the current thread-default main context
 * @user_data: data for @callback
 *
 * Opens the replica, bringing its schema to the current version. A file
 * that belongs to another associate is refused.
 */
void
tc_replica_new_async (const char          *path,
                      const char          *associate_id,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_return_if_fail (path != NULL);
  g_return_if_fail (associate_id != NULL && *associate_id != '\0');

  g_async_initable_new_async (TC_TYPE_REPLICA, G_PRIORITY_DEFAULT, cancellable, callback,
                              user_data, "path", path, "associate-id", associate_id, NULL);
}

/**
 * tc_replica_new_finish:
 * @result: the result given to the callback
 * @error: return location for a %TC_ERROR error
 *
 * Returns: (transfer full): the open replica, or %NULL on error
 */
TcReplica *
tc_replica_new_finish (GAsyncResult  *result,
                       GError       **error)
{
  g_autoptr(GObject) source = g_async_result_get_source_object (result);
  GObject *object;

  object = g_async_initable_new_finish (G_ASYNC_INITABLE (source), result, error);
  return object != NULL ? TC_REPLICA (object) : NULL;
}

/**
 * tc_replica_get_path:
 * @self: a replica
 *
 * Returns: (transfer none): the database file
 */
const char *
tc_replica_get_path (TcReplica *self)
{
  g_return_val_if_fail (TC_IS_REPLICA (self), NULL);

  return self->path;
}

/**
 * tc_replica_get_associate_id:
 * @self: a replica
 *
 * Returns: (transfer none): the local associate's id
 */
const char *
tc_replica_get_associate_id (TcReplica *self)
{
  g_return_val_if_fail (TC_IS_REPLICA (self), NULL);

  return self->associate_id;
}

static void
remove_files_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  const char *path = task_data;
  static const char * const suffixes[] = { "-wal", "-shm", "" };

  /* The main file last: a crash in between leaves a usable database. */
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      if (g_unlink (file) != 0 && errno != ENOENT)
        {
          int saved_errno = errno;

          g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                                   "cannot delete %s: %s", file, g_strerror (saved_errno));
          return;
        }
    }
  g_task_return_boolean (task, TRUE);
}

/**
 * tc_replica_remove_files_async:
 * @path: a replica's database file
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Deletes the replica at @path and its WAL files, as logging out without
 * keeping the history asks. Missing files are not an error.
 */
void
tc_replica_remove_files_async (const char          *path,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (path != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, tc_replica_remove_files_async);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, remove_files_thread);
}

/**
 * tc_replica_remove_files_finish:
 * @result: the result given to the callback
 * @error: return location for a #GIOError
 *
 * Returns: %TRUE when the files are gone
 */
gboolean
tc_replica_remove_files_finish (GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- applying events ---------------------------------------------------------------- */

static char *
attachments_to_json (GPtrArray *attachments)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
  JsonArray *array = json_array_new ();

  for (guint i = 0; attachments != NULL && i < attachments->len; i++)
    json_array_add_element (array, tc_resource_to_json (g_ptr_array_index (attachments, i)));
  json_node_take_array (node, array);
  return tc_json_to_string (node);
}

static GPtrArray *
attachments_from_json (const char *text)
{
  GPtrArray *attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_resource_free);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *array;

  if (text == NULL || *text == '\0')
    return attachments;
  node = tc_json_parse (text, -1, &error);
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_warning ("Stored attachments are not a JSON array: %s",
                 error != NULL ? error->message : text);
      return attachments;
    }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autoptr(GError) resource_error = NULL;
      TcResource *resource = tc_resource_from_json (json_array_get_element (array, i),
                                                    &resource_error);

      if (resource != NULL)
        g_ptr_array_add (attachments, resource);
      else
        g_warning ("Skipping a stored attachment: %s", resource_error->message);
    }
  return attachments;
}

/* Reads MESSAGE_COLUMNS starting at @first. */
TcReplicaMessage *
message_from_row (sqlite3_stmt *stmt,
                  int           first)
{
  TcReplicaMessage *row = tc_replica_message_new ();
  TcMessage *message = row->message;
  const char *state = (const char *) sqlite3_column_text (stmt, first + 10);

  row->local_id = sqlite3_column_int64 (stmt, first + 0);
  message->id = sqlite3_column_int64 (stmt, first + 1);   /* NULL reads as 0 */
  message->client_id = column_dup (stmt, first + 2);
  message->from = column_dup (stmt, first + 3);
  message->to = column_dup (stmt, first + 4);
  message->body = column_dup (stmt, first + 5);
  g_ptr_array_unref (message->attachments);
  message->attachments =
    attachments_from_json ((const char *) sqlite3_column_text (stmt, first + 6));
  message->sent_at = sqlite3_column_int64 (stmt, first + 7);
  message->read = sqlite3_column_int (stmt, first + 8) != 0;
  message->delivered_via = column_dup (stmt, first + 9);
  if (!tc_message_state_from_string (state, &row->state))
    row->state = TC_MESSAGE_STATE_SENT;
  row->error = column_dup (stmt, first + 11);
  message->delivery_error = column_dup (stmt, first + 12);
  return row;
}

/* The conversation a message belongs to, from the local associate's side;
 * NULL for a message between two others (which the server never sends). */
static const char *
message_peer (Db              *db,
              const TcMessage *message,
              gboolean        *out_incoming)
{
  if (g_strcmp0 (message->to, db->me) == 0)
    {
      *out_incoming = TRUE;
      return message->from;
    }
  if (g_strcmp0 (message->from, db->me) == 0)
    {
      *out_incoming = FALSE;
      return message->to;
    }
  return NULL;
}

/* Stores a message as the server has it; also what marks a message of
 * the outbox sent, found by its client id. */
static gboolean
apply_message (Db               *db,
               const TcMessage  *message,
               Changes          *changes,
               GError          **error)
{
  g_autofree char *attachments = NULL;
  gboolean incoming = FALSE;
  const char *peer = message_peer (db, message, &incoming);

  if (peer == NULL)
    {
      g_debug ("Ignoring message %" G_GINT64_FORMAT " between two others", message->id);
      return TRUE;
    }
  if (message->id <= 0)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "a message from the server has no id");
      return FALSE;
    }
  attachments = attachments_to_json (message->attachments);

  if (!incoming && message->client_id != NULL)
    {
      g_auto(CachedStmt) update = NULL;
      g_auto(CachedStmt) dequeue = NULL;

      update = db_prepare (db,
                           "UPDATE messages SET id = ?1, body = ?2, attachments = ?3, "
                           "  sent_at = ?4, is_read = MAX (is_read, ?5), delivered_via = ?6, "
                           "  delivery_error = ?10, state = 'sent', error_text = NULL, sort_key = ?1 "
                           "WHERE sender = ?7 AND client_id = ?8 AND recipient = ?9 "
                           "  AND id IS NULL",
                           error);
      if (update == NULL)
        return FALSE;
      sqlite3_bind_int64 (update, 1, message->id);
      bind_text (update, 2, message->body);
      bind_text (update, 3, attachments);
      sqlite3_bind_int64 (update, 4, message->sent_at);
      sqlite3_bind_int (update, 5, message->read);
      bind_text (update, 6, message->delivered_via);
      bind_text (update, 7, message->from);
      bind_text (update, 8, message->client_id);
      bind_text (update, 9, message->to);
      bind_text (update, 10, message->delivery_error);
      if (!step_done (db, update, "cannot store a message", error))
        return FALSE;

      if (sqlite3_changes (db->db) > 0)
        {
          /* It was ours, waiting: the server has it now. */
          dequeue = db_prepare (db,
                                "DELETE FROM outbox WHERE message = "
                                "  (SELECT local_id FROM messages WHERE id = ?1)",
                                error);
          if (dequeue == NULL)
            return FALSE;
          sqlite3_bind_int64 (dequeue, 1, message->id);
          if (!step_done (db, dequeue, "cannot update the outbox", error))
            return FALSE;
          changes_add (changes, TC_REPLICA_CHANGE_MESSAGES, peer);
          return TRUE;
        }
    }

  {
    g_auto(CachedStmt) upsert = NULL;

    /* A local read marker may be ahead of the server's flag. */
    upsert = db_prepare (db,
                         "INSERT INTO messages (id, client_id, sender, recipient, peer, incoming, "
                         "  body, attachments, sent_at, is_read, delivered_via, delivery_error, "
                         "  state, sort_key) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
                         "  ?10 OR COALESCE ((SELECT up_to FROM read_markers "
                         "                    WHERE reader = ?4 AND peer = ?3), 0) >= ?1, "
                         "  ?11, ?12, 'sent', ?1) "
                         "ON CONFLICT (id) DO UPDATE SET "
                         "  is_read = MAX (is_read, excluded.is_read), "
                         "  delivered_via = excluded.delivered_via, "
                         "  delivery_error = excluded.delivery_error, "
                         "  body = excluded.body, attachments = excluded.attachments "
                         "WHERE is_read < excluded.is_read "
                         "  OR delivered_via IS NOT excluded.delivered_via "
                         "  OR delivery_error IS NOT excluded.delivery_error "
                         "  OR body IS NOT excluded.body "
                         "  OR attachments IS NOT excluded.attachments",
                         error);
    if (upsert == NULL)
      return FALSE;
    sqlite3_bind_int64 (upsert, 1, message->id);
    bind_text (upsert, 2, message->client_id);
    bind_text (upsert, 3, message->from);
    bind_text (upsert, 4, message->to);
    bind_text (upsert, 5, peer);
    sqlite3_bind_int (upsert, 6, incoming);
    bind_text (upsert, 7, message->body);
    bind_text (upsert, 8, attachments);
    sqlite3_bind_int64 (upsert, 9, message->sent_at);
    sqlite3_bind_int (upsert, 10, message->read);
    bind_text (upsert, 11, message->delivered_via);
    bind_text (upsert, 12, message->delivery_error);
    if (!step_done (db, upsert, "cannot store a message", error))
      return FALSE;
    if (sqlite3_changes (db->db) > 0)
      changes_add (changes, TC_REPLICA_CHANGE_MESSAGES, peer);
  }
  return TRUE;
}

/* Moves @reader's marker in the conversation with @peer forward to @up_to
 * and marks what it covers read. A local marker (@pending) stays pending
 * until the server's marker reaches it. */
static gboolean
move_marker (Db          *db,
             const char  *reader,
             const char  *peer,
             gint64       up_to,
             gboolean     pending,
             Changes     *changes,
             GError     **error)
{
  const char *conversation = g_strcmp0 (reader, db->me) == 0 ? peer : reader;
  g_auto(CachedStmt) marker = NULL;
  g_auto(CachedStmt) messages = NULL;
  gboolean moved;

  if (pending)
    marker = db_prepare (db,
                         "INSERT INTO read_markers (reader, peer, up_to, pending) "
                         "VALUES (?1, ?2, ?3, 1) "
                         "ON CONFLICT (reader, peer) DO UPDATE SET up_to = excluded.up_to, "
                         "  pending = 1 "
                         "WHERE excluded.up_to > up_to",
                         error);
  else
    marker = db_prepare (db,
                         "INSERT INTO read_markers (reader, peer, up_to, pending) "
                         "VALUES (?1, ?2, ?3, 0) "
                         "ON CONFLICT (reader, peer) DO UPDATE SET "
                         "  up_to = MAX (up_to, excluded.up_to), "
                         "  pending = pending AND up_to > excluded.up_to "
                         "WHERE excluded.up_to > up_to OR (pending AND excluded.up_to >= up_to)",
                         error);
  if (marker == NULL)
    return FALSE;
  bind_text (marker, 1, reader);
  bind_text (marker, 2, peer);
  sqlite3_bind_int64 (marker, 3, up_to);
  if (!step_done (db, marker, "cannot store a read marker", error))
    return FALSE;
  moved = sqlite3_changes (db->db) > 0;
  if (moved)
    changes_add (changes, TC_REPLICA_CHANGE_READ | (pending ? TC_REPLICA_CHANGE_OUTBOX : 0),
                 conversation);

  /* Spelled out per direction so that a partial index applies. */
  if (g_strcmp0 (reader, db->me) == 0)
    messages = db_prepare (db,
                           "UPDATE messages SET is_read = 1 "
                           "WHERE peer = ?1 AND sender = ?2 AND recipient = ?3 "
                           "  AND id IS NOT NULL AND id <= ?4 AND incoming = 1 AND is_read = 0",
                           error);
  else
    messages = db_prepare (db,
                           "UPDATE messages SET is_read = 1 "
                           "WHERE peer = ?1 AND sender = ?2 AND recipient = ?3 "
                           "  AND id IS NOT NULL AND id <= ?4 AND incoming = 0 AND is_read = 0",
                           error);
  if (messages == NULL)
    return FALSE;
  bind_text (messages, 1, conversation);
  bind_text (messages, 2, peer);
  bind_text (messages, 3, reader);
  sqlite3_bind_int64 (messages, 4, up_to);
  if (!step_done (db, messages, "cannot mark messages read", error))
    return FALSE;
  if (sqlite3_changes (db->db) > 0)
    changes_add (changes, TC_REPLICA_CHANGE_MESSAGES | TC_REPLICA_CHANGE_READ, conversation);
  return TRUE;
}

static gboolean
apply_member (Db                *db,
              const TcAssociate *member,
              Changes           *changes,
              GError           **error)
{
  g_auto(CachedStmt) stmt = NULL;

  stmt = db_prepare (db,
                     "INSERT INTO members (" MEMBER_COLUMNS ") "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
                     "ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
                     "  email = excluded.email, phone = excluded.phone, "
                     "  sponsor_id = excluded.sponsor_id, enroller_id = excluded.enroller_id, "
                     "  marketing_site_url = excluded.marketing_site_url, "
                     "  online = excluded.online "
                     "WHERE name IS NOT excluded.name OR email IS NOT excluded.email "
                     "  OR phone IS NOT excluded.phone OR sponsor_id IS NOT excluded.sponsor_id "
                     "  OR enroller_id IS NOT excluded.enroller_id "
                     "  OR marketing_site_url IS NOT excluded.marketing_site_url "
                     "  OR online IS NOT excluded.online",
                     error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, member->id);
  bind_text (stmt, 2, member->name != NULL ? member->name : member->id);
  bind_text (stmt, 3, member->email);
  bind_text (stmt, 4, member->phone);
  bind_text (stmt, 5, member->sponsor_id);
  bind_text (stmt, 6, member->enroller_id);
  bind_text (stmt, 7, member->marketing_site_url);
  sqlite3_bind_int (stmt, 8, member->online ? 1 : 0);
  if (!step_done (db, stmt, "cannot store a team member", error))
    return FALSE;
  if (sqlite3_changes (db->db) > 0)
    changes_add (changes, TC_REPLICA_CHANGE_MEMBERS, member->id);
  return TRUE;
}

static gboolean
apply_presence (Db          *db,
                const char  *associate_id,
                gboolean     online,
                Changes     *changes,
                GError     **error)
{
  g_auto(CachedStmt) stmt = NULL;

  stmt = db_prepare (db, "UPDATE members SET online = ?2 WHERE id = ?1 AND online != ?2", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, associate_id);
  sqlite3_bind_int (stmt, 2, online ? 1 : 0);
  if (!step_done (db, stmt, "cannot store presence", error))
    return FALSE;
  if (sqlite3_changes (db->db) > 0)
    changes_add (changes, TC_REPLICA_CHANGE_MEMBERS, associate_id);
  return TRUE;
}

static gboolean
apply_event (Db             *db,
             const TcEvent  *event,
             Changes        *changes,
             GError        **error)
{
  switch (event->type)
    {
    case TC_EVENT_MESSAGE:
      return apply_message (db, event->message, changes, error);

    case TC_EVENT_READ:
      if (event->up_to <= 0)
        return TRUE;
      return move_marker (db, event->by, event->peer, event->up_to, FALSE, changes, error);

    case TC_EVENT_PRESENCE:
      return apply_presence (db, event->associate_id, event->online, changes, error);

    case TC_EVENT_MEMBER:
      return apply_member (db, event->member, changes, error);

    case TC_EVENT_PREFERENCES:
      {
        g_autofree char *old = NULL;

        old = meta_get (db, "offline_channel", error);
        if (old == NULL && error != NULL && *error != NULL)
          return FALSE;
        if (g_strcmp0 (old, event->offline_channel) == 0)
          return TRUE;
        changes_add_global (changes, TC_REPLICA_CHANGE_PREFERENCES);
        return meta_set (db, "offline_channel", event->offline_channel, error);
      }

    default:
      break;
    }
  g_assert_not_reached ();
  return FALSE;
}

typedef struct {
  GPtrArray *events;
  char      *cursor;
} ApplyData;

static void
apply_data_free (ApplyData *data)
{
  g_ptr_array_unref (data->events);
  g_free (data->cursor);
  g_free (data);
}

static void
apply_events_job (TcReplica *self,
                  Db        *db,
                  GTask     *task,
                  gpointer   user_data)
{
  ApplyData *data = user_data;
  g_auto(Changes) changes = { 0 };
  g_autoptr(GError) error = NULL;

  if (return_if_closed (db, task))
    return;
  changes_init (&changes);
  if (!db_begin (db, &error))
    goto fail;
  for (guint i = 0; i < data->events->len; i++)
    if (!apply_event (db, g_ptr_array_index (data->events, i), &changes, &error))
      goto fail;
  /* The cursor commits with the events it covers, or not at all. */
  if (data->cursor != NULL && !meta_set (db, "cursor", data->cursor, &error))
    goto fail;
  if (!db_commit (db, &error))
    goto fail;
  notify_changes (self, &changes);
  g_task_return_boolean (task, TRUE);
  return;

fail:
  db_rollback (db);
  g_task_return_error (task, g_steal_pointer (&error));
}

/**
 * tc_replica_apply_events_async:
 * @self: a replica
 * @events: (element-type TcEvent): events in stream order
 * @cursor: (nullable): the cursor that covers them, stored in the same
 *   transaction; %NULL keeps the stored one (presence, or a snapshot)
 * @cancellable: (nullable): a #GCancellable; only checked before starting
 * @callback: called when committed or rolled back
 * @user_data: data for @callback
 *
 * Applies a page of events in one transaction. Applying the same events
 * again changes nothing: messages are keyed by id (a message of the outbox
 * by its client id), markers only move forward, members are replaced.
 */
void
tc_replica_apply_events_async (TcReplica           *self,
                               GPtrArray           *events,
                               const char          *cursor,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  ApplyData *data;

  g_return_if_fail (TC_IS_REPLICA (self));
  g_return_if_fail (events != NULL);

  data = g_new0 (ApplyData, 1);
  data->events = g_ptr_array_new_full (events->len, (GDestroyNotify) tc_event_free);
  for (guint i = 0; i < events->len; i++)
    g_ptr_array_add (data->events, tc_event_copy (g_ptr_array_index (events, i)));
  data->cursor = g_strdup (cursor);
  queue_job (self, apply_events_job, data, (GDestroyNotify) apply_data_free,
             tc_replica_apply_events_async, cancellable, callback, user_data);
}

/**
 * tc_replica_apply_events_finish:
 * @self: a replica
 * @result: the result given to the callback
 * @error: return location for a %TC_ERROR error
 *
 * Returns: %TRUE when the events and the cursor were committed
 */
gboolean
tc_replica_apply_events_finish (TcReplica     *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  CHECK_RESULT (self, result, tc_replica_apply_events_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
get_meta_job (TcReplica *self,
              Db        *db,
              GTask     *task,
              gpointer   data)
{
  g_autoptr(GError) error = NULL;
  char *value;

  if (return_if_closed (db, task))
    return;
  value = meta_get (db, data, &error);
  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, value, g_free);
}

/**
 * tc_replica_get_cursor_async:
 * @self: a replica
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * Reads the sync cursor stored with the last page of events applied.
 */
void
tc_replica_get_cursor_async (TcReplica           *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (TC_IS_REPLICA (self));

  queue_job (self, get_meta_job, (gpointer) "cursor", NULL, tc_replica_get_cursor_async,
             cancellable, callback, user_data);
}

/**
 * tc_replica_get_cursor_finish:
 * @self: a replica
 * @result: the result given to the callback
 * @error: return location for a %TC_ERROR error
 *
 * Returns: (transfer full) (nullable): the cursor, or %NULL (without an
 *   error) when the replica never synced
 */
char *
tc_replica_get_cursor_finish (TcReplica     *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  CHECK_RESULT (self, result, tc_replica_get_cursor_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * tc_replica_get_offline_channel_async:
 * @self: a replica
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * Reads the local associate's offline channel preference, as last synced.
 */
void
tc_replica_get_offline_channel_async (TcReplica           *self,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_return_if_fail (TC_IS_REPLICA (self));

  queue_job (self, get_meta_job, (gpointer) "offline_channel", NULL,
             tc_replica_get_offline_channel_async, cancellable, callback, user_data);
}

/**
 * tc_replica_get_offline_channel_finish:
 * @self: a replica
 * @result: the result given to the callback
 * @error: return location for a %TC_ERROR error
 *
 * Returns: (transfer full) (nullable): "email", "sms", or %NULL (without
 *   an error) before the first sync
 */
char *
tc_replica_get_offline_channel_finish (TcReplica     *self,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  CHECK_RESULT (self, result, tc_replica_get_offline_channel_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- the local associate and dashboards -------------------------------------------- */

static gboolean
person_name_set (Db          *db,
                 const char  *id,
                 const char  *name,
                 gboolean    *changed,
                 GError     **error)
{
  g_auto(CachedStmt) stmt = NULL;

  if (id == NULL || name == NULL)
    return TRUE;
  stmt = db_prepare (db,
                     "INSERT INTO person_names (id, name) VALUES (?1, ?2) "
                     "ON CONFLICT (id) DO UPDATE SET name = excluded.name "
                     "WHERE name IS NOT excluded.name",
                     error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, id);
  bind_text (stmt, 2, name);
  if (!step_done (db, stmt, "cannot store a name", error))
    return FALSE;
  if (sqlite3_changes (db->db) > 0)
    *changed = TRUE;
  return TRUE;
}

static void
set_profile_job (TcReplica *self,
                 Db        *db,
                 GTask     *task,
                 gpointer   data)
{
  const TcAssociate *me = data;
  g_auto(Changes) changes = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = tc_associate_to_me_json (me);
  g_autofree char *json = tc_json_to_string (node);
  g_autofree char *old_json = NULL;
  g_autofree char *old_channel = NULL;
  gboolean names_changed = FALSE;

  if (return_if_closed (db, task))
    return;
  changes_init (&changes);
  if (!db_begin (db, &error))
    goto failed;
  old_json = meta_get (db, "me", &error);
  if (error != NULL)
    goto failed;
  if (g_strcmp0 (old_json, json) != 0)
    {
      if (!meta_set (db, "me", json, &error))
        goto failed;
      changes_add_global (&changes, TC_REPLICA_CHANGE_PROFILE);
    }
  if (!person_name_set (db, me->id, me->name, &names_changed, &error))
    goto failed;
  if (me->offline_channel != NULL)
    {
      old_channel = meta_get (db, "offline_channel", &error);
      if (error != NULL)
        goto failed;
      if (g_strcmp0 (old_channel, me->offline_channel) != 0)
        {
          if (!meta_set (db, "offline_channel", me->offline_channel, &error))
            goto failed;
          changes_add_global (&changes, TC_REPLICA_CHANGE_PREFERENCES);
        }
    }
  if (!db_commit (db, &error))
    goto failed;
  notify_changes (self, &changes);
  g_task_return_boolean (task, TRUE);
  return;

failed:
  db_rollback (db);
  g_task_return_error (task, g_steal_pointer (&error));
}

/**
 * tc_replica_set_profile_async:
 * @self: a replica
 * @me: the local associate as GET /api/v1/me describes them
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Keeps the local associate's own record (name, sponsor, enroller,
 * marketing site, offline channel), for views that show "me".
 */
void
tc_replica_set_profile_async (TcReplica           *self,
                              const TcAssociate   *me,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (TC_IS_REPLICA (self));
  g_return_if_fail (me != NULL && me->id != NULL);

  queue_job (self, set_profile_job, tc_associate_copy (me), (GDestroyNotify) tc_associate_free,
             tc_replica_set_profile_async, cancellable, callback, user_data);
}

gboolean
tc_replica_set_profile_finish (TcReplica     *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  CHECK_RESULT (self, result, tc_replica_set_profile_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
get_profile_job (TcReplica *self,
                 Db        *db,
                 GTask     *task,
                 gpointer   data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_autoptr(JsonNode) node = NULL;
  TcAssociate *me;

  if (return_if_closed (db, task))
    return;
  json = meta_get (db, "me", &error);
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (json == NULL)
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }
  node = tc_json_parse (json, -1, &error);
  me = node != NULL ? tc_associate_from_json (node, &error) : NULL;
  if (me == NULL)
    {
      g_prefix_error (&error, "the stored profile is damaged: ");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, me, (GDestroyNotify) tc_associate_free);
}

/**
 * tc_replica_get_profile_async:
 * @self: a replica
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * Reads the local associate's own record, as last fetched.
 */
void
tc_replica_get_profile_async (TcReplica           *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (TC_IS_REPLICA (self));

  queue_job (self, get_profile_job, NULL, NULL, tc_replica_get_profile_async, cancellable,
             callback, user_data);
}

/**
 * tc_replica_get_profile_finish:
 * @self: a replica
 * @result: the result given to the callback
 * @error: return location for a %TC_ERROR error
 *
 * Returns: (transfer full) (nullable): the local associate, or %NULL
 *   (without an error) before it was first fetched
 */
TcAssociate *
tc_replica_get_profile_finish (TcReplica     *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  CHECK_RESULT (self, result, tc_replica_get_profile_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
set_dashboard_job (TcReplica *self,
                   Db        *db,
                   GTask     *task,
                   gpointer   data)
{
  const TcAssociate *dashboard = data;
  g_auto(Changes) changes = { 0 };
  g_autoptr(GError) error = NULL;
  gboolean changed = FALSE;

  if (return_if_closed (db, task))
    return;
  changes_init (&changes);
  if (!db_begin (db, &error) ||
      !person_name_set (db, dashboard->sponsor_id, dashboard->sponsor_name, &changed, &error) ||
      !person_name_set (db, dashboard->enroller_id, dashboard->enroller_name, &changed, &error) ||
      !db_commit (db, &error))
    {
      db_rollback (db);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (changed)
    changes_add (&changes, TC_REPLICA_CHANGE_MEMBERS, dashboard->id);
  notify_changes (self, &changes);
  g_task_return_boolean (task, TRUE);
}

/**
 * tc_replica_set_dashboard_async:
 * @self: a replica
 * @dashboard: a member's dashboard from GET /api/v1/team/{id}
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Keeps the names of the member's sponsor and enroller, which the replica
 * may not know when they are not on the local associate's team.
 */
void
tc_replica_set_dashboard_async (TcReplica           *self,
                                const TcAssociate   *dashboard,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (TC_IS_REPLICA (self));
  g_return_if_fail (dashboard != NULL && dashboard->id != NULL);

  queue_job (self, set_dashboard_job, tc_associate_copy (dashboard),
             (GDestroyNotify) tc_associate_free, tc_replica_set_dashboard_async, cancellable,
             callback, user_data);
}

gboolean
tc_replica_set_dashboard_finish (TcReplica     *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  CHECK_RESULT (self, result, tc_replica_set_dashboard_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
get_member_job (TcReplica *self,
                Db        *db,
                GTask     *task,
                gpointer   data)
{
  const char *id = data;
  g_autoptr(GError) error = NULL;
  g_auto(CachedStmt) stmt = NULL;
  int rc;

  if (return_if_closed (db, task))
    return;
  /* A sponsor or enroller is named from the team when on it, else from
   * what a dashboard said. */
  stmt = db_prepare (db,
                     "SELECT m.id, m.name, m.email, m.phone, m.sponsor_id, m.enroller_id, "
                     "  m.marketing_site_url, m.online, "
                     "  COALESCE (s.name, sn.name), COALESCE (e.name, en.name) "
                     "FROM members m "
                     "LEFT JOIN members s ON s.id = m.sponsor_id "
                     "LEFT JOIN person_names sn ON sn.id = m.sponsor_id "
                     "LEFT JOIN members e ON e.id = m.enroller_id "
                     "LEFT JOIN person_names en ON en.id = m.enroller_id "
                     "WHERE m.id = ?1",
                     &error);
  if (stmt == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  bind_text (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      g_autoptr(TcAssociate) member = tc_associate_new ();

      member->id = column_dup (stmt, 0);
      member->name = column_dup (stmt, 1);
      member->email = column_dup (stmt, 2);
      member->phone = column_dup (stmt, 3);
      member->sponsor_id = column_dup (stmt, 4);
      member->enroller_id = column_dup (stmt, 5);
      member->marketing_site_url = column_dup (stmt, 6);
      member->online = sqlite3_column_int (stmt, 7) != 0;
      member->sponsor_name = column_dup (stmt, 8);
      member->enroller_name = column_dup (stmt, 9);
      g_task_return_pointer (task, g_steal_pointer (&member), (GDestroyNotify) tc_associate_free);
    }
  else if (rc == SQLITE_DONE)
    g_task_return_new_error (task, TC_ERROR, TC_ERROR_NOT_FOUND, "not a team member");
  else
    {
      tc_sqlite_set_error (db->db, "cannot read a team member", &error);
      g_task_return_error (task, g_steal_pointer (&error));
    }
}

/**
 * tc_replica_get_member_async:
 * @self: a replica
 * @member_id: a team member
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * Reads one team member for their dashboard, with sponsor_name and
 * enroller_name filled in where the replica knows them.
 */
void
tc_replica_get_member_async (TcReplica           *self,
                             const char          *member_id,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (TC_IS_REPLICA (self));
  g_return_if_fail (member_id != NULL);

  queue_job (self, get_member_job, g_strdup (member_id), g_free, tc_replica_get_member_async,
             cancellable, callback, user_data);
}

/**
 * tc_replica_get_member_finish:
 * @self: a replica
 * @result: the result given to the callback
 * @error: return location for a %TC_ERROR error; %TC_ERROR_NOT_FOUND when
 *   not on the team
 *
 * Returns: (transfer full): the member, or %NULL
 */
TcAssociate *
tc_replica_get_member_finish (TcReplica     *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  CHECK_RESULT (self, result, tc_replica_get_member_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
reset_job (TcReplica *self,
           Db        *db,
           GTask     *task,
           gpointer   data)
{
  g_auto(Changes) changes = { 0 };
  g_autoptr(GError) error = NULL;

  if (return_if_closed (db, task))
    return;
  changes_init (&changes);
  /* What the user wrote and the server does not have yet stays: the
   * outbox is sent again after the new full sync. */
  if (!db_begin (db, &error) ||
      !tc_sqlite_exec (db->db,
                       "DELETE FROM members;"
                       "DELETE FROM person_names;"
                       "DELETE FROM messages WHERE state = 'sent';"
                       "DELETE FROM read_markers;"
                       "DELETE FROM meta WHERE key IN ('cursor', 'offline_channel');",
                       &error) ||
      !db_commit (db, &error))
    {
      db_rollback (db);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  changes_add (&changes, TC_REPLICA_CHANGE_RESET | TC_REPLICA_CHANGE_MEMBERS |
               TC_REPLICA_CHANGE_MESSAGES | TC_REPLICA_CHANGE_READ |
               TC_REPLICA_CHANGE_PREFERENCES, NULL);
  notify_changes (self, &changes);
  g_task_return_boolean (task, TRUE);
}

/**
 * tc_replica_reset_async:
 * @self: a replica
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Drops everything that came from the server (members, messages, read
 * markers, preferences and the cursor), so the next sync starts from
 * scratch, as a "reset" answer asks. Messages still pending or failed
 * and the outbox are kept: they exist nowhere else.
 */
void
tc_replica_reset_async (TcReplica           *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_return_if_fail (TC_IS_REPLICA (self));

  queue_job (self, reset_job, NULL, NULL, tc_replica_reset_async, cancellable, callback,
             user_data);
}

/**
 * tc_replica_reset_finish:
 * @self: a replica
 * @result: the result given to the callback
 * @error: return location for a %TC_ERROR error
 *
 * Returns: %TRUE on success
 */
gboolean
tc_replica_reset_finish (TcReplica     *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  CHECK_RESULT (self, result, tc_replica_reset_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
purge_job (TcReplica *self,
           Db        *db,
           GTask     *task,
           gpointer   data)
{
  gint64 *before = data;
  g_auto(Changes) changes = { 0 };
  g_autoptr(GError) error = NULL;
  g_auto(CachedStmt) stmt = NULL;
  guint n;

  if (return_if_closed (db, task))
    return;
  changes_init (&changes);
  stmt = db_prepare (db, "DELETE FROM messages WHERE state = 'sent' AND sent_at < ?1", &error);
  if (stmt == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  sqlite3_bind_int64 (stmt, 1, *before);
  if (!step_done (db, stmt, "cannot purge old messages", &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  n = (guint) sqlite3_changes (db->db);
  if (n > 0)
    changes_add (&changes, TC_REPLICA_CHANGE_MESSAGES | TC_REPLICA_CHANGE_READ, NULL);
  notify_changes (self, &changes);
  g_task_return_int (task, n);
}

/**
 * tc_replica_purge_async:
 * @self: a replica
 * @before: microseconds since the epoch; sent messages older are deleted
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Retention: deletes the messages that the server deletes too.
 */
void
tc_replica_purge_async (TcReplica           *self,
                        gint64               before,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_return_if_fail (TC_IS_REPLICA (self));

  queue_job (self, purge_job, g_memdup2 (&before, sizeof before), g_free,
             tc_replica_purge_async, cancellable, callback, user_data);
}

/**
 * tc_replica_purge_finish:
 * @self: a replica
 * @result: the result given to the callback
 * @out_n_deleted: (out) (optional): how many messages were deleted
 * @error: return location for a %TC_ERROR error
 *
 * Returns: %TRUE on success
 */
gboolean
tc_replica_purge_finish (TcReplica     *self,
                         GAsyncResult  *result,
                         guint         *out_n_deleted,
                         GError       **error)
{
  gssize n;

  CHECK_RESULT (self, result, tc_replica_purge_async, FALSE);

  n = g_task_propagate_int (G_TASK (result), error);
  if (n < 0)
    return FALSE;
  if (out_n_deleted != NULL)
    *out_n_deleted = (guint) n;
  return TRUE;
}

/* --- outbox ---------------------------------------------------------------------- */

typedef struct {
  GStrv      recipients;
  char      *body;
  GPtrArray *attachments;   /* of TcResource */
} EnqueueData;

static void
enqueue_data_free (EnqueueData *data)
{
  g_strfreev (data->recipients);
  g_free (data->body);
  g_ptr_array_unref (data->attachments);
  g_free (data);
}

static void
enqueue_job (TcReplica *self,
             Db        *db,
             GTask     *task,
             gpointer   user_data)
{
  EnqueueData *data = user_data;
  g_auto(Changes) changes = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GStrvBuilder) client_ids = g_strv_builder_new ();
  g_autofree char *attachments = attachments_to_json (data->attachments);
  gint64 now = tc_time_now ();

  if (return_if_closed (db, task))
    return;
  changes_init (&changes);
  if (!db_begin (db, &error))
    goto fail;

  for (guint i = 0; data->recipients[i] != NULL; i++)
    {
      g_autofree char *client_id = tc_uuid_new ();
      g_auto(CachedStmt) insert = NULL;
      g_auto(CachedStmt) queue = NULL;

      insert = db_prepare (db,
                           "INSERT INTO messages (id, client_id, sender, recipient, peer, "
                           "  incoming, body, attachments, sent_at, is_read, state, sort_key) "
                           "VALUES (NULL, ?1, ?2, ?3, ?3, 0, ?4, ?5, ?6, 0, 'pending', "
                           "  (SELECT COALESCE (MAX (sort_key), 0) + 1 FROM messages))",
                           &error);
      if (insert == NULL)
        goto fail;
      bind_text (insert, 1, client_id);
      bind_text (insert, 2, db->me);
      bind_text (insert, 3, data->recipients[i]);
      bind_text (insert, 4, data->body);
      bind_text (insert, 5, attachments);
      sqlite3_bind_int64 (insert, 6, now);
      if (!step_done (db, insert, "cannot store the message", &error))
        goto fail;

      queue = db_prepare (db, "INSERT INTO outbox (message) VALUES (?1)", &error);
      if (queue == NULL)
        goto fail;
      sqlite3_bind_int64 (queue, 1, sqlite3_last_insert_rowid (db->db));
      if (!step_done (db, queue, "cannot queue the message", &error))
        goto fail;

      g_strv_builder_add (client_ids, client_id);
      changes_add (&changes, TC_REPLICA_CHANGE_MESSAGES | TC_REPLICA_CHANGE_OUTBOX,
                   data->recipients[i]);
    }
  if (!db_commit (db, &error))
    goto fail;
  notify_changes (self, &changes);
  g_task_return_pointer (task, g_strv_builder_end (client_ids), (GDestroyNotify) g_strfreev);
  return;

fail:
  db_rollback (db);
  g_task_return_error (task, g_steal_pointer (&error));
}

/**
 * tc_replica_enqueue_message_async:
 * @self: a replica
 * @recipients: (array zero-terminated=1): one or more associate ids
 * @body: the text; may be "" when there are attachments
 * @attachments: (nullable) (element-type TcResource): resources to attach
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when stored
 * @user_data: data for @callback
 *
 * Stores a message written by the local associate: one pending message
 * per recipient, each with its own client id, at the end of the outbox.
 * The sync engine sends them in order when it can.
 */
void
tc_replica_enqueue_message_async (TcReplica           *self,
                                  const char * const  *recipients,
                                  const char          *body,
                                  GPtrArray           *attachments,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  EnqueueData *data;

  g_return_if_fail (TC_IS_REPLICA (self));
  g_return_if_fail (recipients != NULL && recipients[0] != NULL);
  g_return_if_fail (body != NULL);

  data = g_new0 (EnqueueData, 1);
  data->recipients = g_strdupv ((char **) recipients);
  data->body = g_strdup (body);
  data->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_resource_free);
  for (guint i = 0; attachments != NULL && i < attachments->len; i++)
    g_ptr_array_add (data->attachments, tc_resource_copy (g_ptr_array_index (attachments, i)));
  queue_job (self, enqueue_job, data, (GDestroyNotify) enqueue_data_free,
             tc_replica_enqueue_message_async, cancellable, callback, user_data);
}

/**
 * tc_replica_enqueue_message_finish:
 * @self: a replica
 * @result: the result given to the callback
 * @error: return location for a %TC_ERROR error
 *
 * Returns: (transfer full): the client ids, one per recipient in order,
 *   or %NULL on error
 */
GStrv
tc_replica_enqueue_message_finish (TcReplica     *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  CHECK_RESULT (self, result, tc_replica_enqueue_message_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
next_outbox_job (TcReplica *self,
                 Db        *db,
                 GTask     *task,
                 gpointer   data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TcSendRequest) request = NULL;
  g_autoptr(GPtrArray) attachments = NULL;
  g_auto(CachedStmt) stmt = NULL;
  int rc;

  if (return_if_closed (db, task))
    return;
  stmt = db_prepare (db,
                     "SELECT m.client_id, m.recipient, m.body, m.attachments "
                     "FROM outbox o JOIN messages m ON m.local_id = o.message "
                     "ORDER BY o.position LIMIT 1",
                     &error);
  if (stmt == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }
  if (rc != SQLITE_ROW)
    {
      tc_sqlite_set_error (db->db, "cannot read the outbox", &error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  request = tc_send_request_new ();
  request->client_id = column_dup (stmt, 0);
  g_ptr_array_add (request->to, column_dup (stmt, 1));
  g_free (request->body);
  request->body = column_dup (stmt, 2);
  attachments = attachments_from_json ((const char *) sqlite3_column_text (stmt, 3));
  for (guint i = 0; i < attachments->len; i++)
    g_ptr_array_add (request->attachments,
                     g_strdup (((TcResource *) g_ptr_array_index (attachments, i))->id));
  g_task_return_pointer (task, g_steal_pointer (&request), (GDestroyNotify) tc_send_request_free);
}

/**
 * tc_replica_next_outbox_async:
 * @self: a replica
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * Reads the oldest message of the outbox, as the request that sends it.
 */
void
tc_replica_next_outbox_async (TcReplica           *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (TC_IS_REPLICA (self));

  queue_job (self, next_outbox_job, NULL, NULL, tc_replica_next_outbox_async, cancellable,
             callback, user_data);
}

/**
 * tc_replica_next_outbox_finish:
 * @self: a replica
 * @result: the result given to the callback
 * @error: return location for a %TC_ERROR error
 *
 * Returns: (transfer full) (nullable): the request (one recipient, the
 *   message's client id), or %NULL without an error when the outbox is empty
 */
TcSendRequest *
tc_replica_next_outbox_finish (TcReplica     *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  CHECK_RESULT (self, result, tc_replica_next_outbox_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
mark_sent_job (TcReplica *self,
               Db        *db,
               GTask     *task,
               gpointer   data)
{
  g_auto(Changes) changes = { 0 };
  g_autoptr(GError) error = NULL;

  if (return_if_closed (db, task))
    return;
  changes_init (&changes);
  if (!db_begin (db, &error) ||
      !apply_message (db, data, &changes, &error) ||
      !db_commit (db, &error))
    {
      db_rollback (db);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  notify_changes (self, &changes);
  g_task_return_boolean (task, TRUE);
}

/**
 * tc_replica_mark_sent_async:
 * @self: a replica
 * @message: the message as the server acknowledged it
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Marks the pending message with @message's client id and recipient sent,
 * taking the server's id and time, and takes it out of the outbox. Doing
 * it again, or after the message's event was applied, changes nothing.
 */
void
tc_replica_mark_sent_async (TcReplica           *self,
                            const TcMessage     *message,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (TC_IS_REPLICA (self));
  g_return_if_fail (message != NULL);

  queue_job (self, mark_sent_job, tc_message_copy (message), (GDestroyNotify) tc_message_free,
             tc_replica_mark_sent_async, cancellable, callback, user_data);
}

/**
 * tc_replica_mark_sent_finish:
 * @self: a replica
 * @result: the result given to the callback
 * @error: return location for a %TC_ERROR error
 *
 * Returns: %TRUE on success
 */
gboolean
tc_replica_mark_sent_finish (TcReplica     *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  CHECK_RESULT (self, result, tc_replica_mark_sent_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

typedef struct {
  char *client_id;
  char *reason;
} ClientIdData;

static void
client_id_data_free (ClientIdData *data)
{
  g_free (data->client_id);
  g_free (data->reason);
  g_free (data);
}

static ClientIdData *
client_id_data_new (const char *client_id,
                    const char *reason)
{
  ClientIdData *data = g_new0 (ClientIdData, 1);

  data->client_id = g_strdup (client_id);
  data->reason = g_strdup (reason);
  return data;
}

/* Runs @sql (binding ?1 = me, ?2 = client id, ?3 = reason) for each
 * statement in @sqls, in one transaction. */
static void
run_client_id_statements (TcReplica          *self,
                          Db                 *db,
                          GTask              *task,
                          ClientIdData       *data,
                          const char * const *sqls,
                          TcReplicaChange     what)
{
  g_auto(Changes) changes = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *peer = NULL;
  gboolean changed = FALSE;

  if (return_if_closed (db, task))
    return;
  changes_init (&changes);
  if (!db_begin (db, &error))
    goto fail;

  {
    g_auto(CachedStmt) find = db_prepare (db,
                                          "SELECT peer FROM messages "
                                          "WHERE sender = ?1 AND client_id = ?2",
                                          &error);

    if (find == NULL)
      goto fail;
    bind_text (find, 1, db->me);
    bind_text (find, 2, data->client_id);
    if (sqlite3_step (find) == SQLITE_ROW)
      peer = column_dup (find, 0);
  }

  for (guint i = 0; sqls[i] != NULL; i++)
    {
      g_auto(CachedStmt) stmt = db_prepare (db, sqls[i], &error);

      if (stmt == NULL)
        goto fail;
      for (int p = 1; p <= sqlite3_bind_parameter_count (stmt); p++)
        bind_text (stmt, p, p == 1 ? db->me : p == 2 ? data->client_id : data->reason);
      if (!step_done (db, stmt, "cannot update the message", &error))
        goto fail;
      /* The first statement says whether anything applied. */
      if (i == 0)
        changed = sqlite3_changes (db->db) > 0;
      if (i == 0 && !changed)
        break;
    }
  if (!db_commit (db, &error))
    goto fail;
  if (changed && peer != NULL)
    changes_add (&changes, what, peer);
  notify_changes (self, &changes);
  g_task_return_boolean (task, changed);
  return;

fail:
  db_rollback (db);
  g_task_return_error (task, g_steal_pointer (&error));
}

static void
mark_failed_job (TcReplica *self,
                 Db        *db,
                 GTask     *task,
                 gpointer   data)
{
  static const char * const sqls[] = {
    "UPDATE messages SET state = 'failed', error_text = ?3 "
    "WHERE sender = ?1 AND client_id = ?2 AND id IS NULL",
    "DELETE FROM outbox WHERE message IN "
    "  (SELECT local_id FROM messages WHERE sender = ?1 AND client_id = ?2)",
    NULL
  };

  run_client_id_statements (self, db, task, data, sqls, TC_REPLICA_CHANGE_MESSAGES);
}

/**
 * tc_replica_mark_failed_async:
 * @self: a replica
 * @client_id: the client id of a pending message
 * @reason: why the server refused it, for the user
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Marks a pending message failed and takes it out of the outbox; the user
 * may retry or delete it.
 */
void
tc_replica_mark_failed_async (TcReplica           *self,
                              const char          *client_id,
                              const char          *reason,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (TC_IS_REPLICA (self));
  g_return_if_fail (client_id != NULL);
  g_return_if_fail (reason != NULL);

  queue_job (self, mark_failed_job, client_id_data_new (client_id, reason),
             (GDestroyNotify) client_id_data_free, tc_replica_mark_failed_async, cancellable,
             callback, user_data);
}

/**
 * tc_replica_mark_failed_finish:
 * @self: a replica
 * @result: the result given to the callback
 * @error: return location for a %TC_ERROR error
 *
 * Returns: %TRUE when a pending message was marked failed; %FALSE with
 *   @error unset when there was none (already sent, or deleted)
 */
gboolean
tc_replica_mark_failed_finish (TcReplica     *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  CHECK_RESULT (self, result, tc_replica_mark_failed_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
retry_job (TcReplica *self,
           Db        *db,
           GTask     *task,
           gpointer   data)
{
  static const char * const sqls[] = {
    "UPDATE messages SET state = 'pending', error_text = NULL "
    "WHERE sender = ?1 AND client_id = ?2 AND state = 'failed'",
    "INSERT OR IGNORE INTO outbox (message) "
    "  SELECT local_id FROM messages WHERE sender = ?1 AND client_id = ?2",
    NULL
  };

  run_client_id_statements (self, db, task, data, sqls,
                            TC_REPLICA_CHANGE_MESSAGES | TC_REPLICA_CHANGE_OUTBOX);
}

/**
 * tc_replica_retry_message_async:
 * @self: a replica
 * @client_id: the client id of a failed message
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Puts a failed message back at the end of the outbox, with the same
 * client id (nothing of a refused request is stored by the server).
 */
void
tc_replica_retry_message_async (TcReplica           *self,
                                const char          *client_id,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (TC_IS_REPLICA (self));
  g_return_if_fail (client_id != NULL);

  queue_job (self, retry_job, client_id_data_new (client_id, NULL),
             (GDestroyNotify) client_id_data_free, tc_replica_retry_message_async, cancellable,
             callback, user_data);
}

/**
 * tc_replica_retry_message_finish:
 * @self: a replica
 * @result: the result given to the callback
 * @error: return location for a %TC_ERROR error
 *
 * Returns: %TRUE when a failed message was queued again
 */
gboolean
tc_replica_retry_message_finish (TcReplica     *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  CHECK_RESULT (self, result, tc_replica_retry_message_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
delete_job (TcReplica *self,
            Db        *db,
            GTask     *task,
            gpointer   data)
{
  /* The outbox row goes with it (ON DELETE CASCADE). */
  static const char * const sqls[] = {
    "DELETE FROM messages WHERE sender = ?1 AND client_id = ?2 AND state != 'sent'",
    NULL
  };

  run_client_id_statements (self, db, task, data, sqls, TC_REPLICA_CHANGE_MESSAGES);
}

/**
 * tc_replica_delete_message_async:
 * @self: a replica
 * @client_id: the client id of a pending or failed message
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Deletes a message the server does not have. A pending message that was
 * already on its way may still arrive; it then comes back as sent.
 */
void
tc_replica_delete_message_async (TcReplica           *self,
                                 const char          *client_id,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (TC_IS_REPLICA (self));
  g_return_if_fail (client_id != NULL);

  queue_job (self, delete_job, client_id_data_new (client_id, NULL),
             (GDestroyNotify) client_id_data_free, tc_replica_delete_message_async, cancellable,
             callback, user_data);
}

/**
 * tc_replica_delete_message_finish:
 * @self: a replica
 * @result: the result given to the callback
 * @error: return location for a %TC_ERROR error
 *
 * Returns: %TRUE when a message was deleted
 */
gboolean
tc_replica_delete_message_finish (TcReplica     *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  CHECK_RESULT (self, result, tc_replica_delete_message_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- read markers ------------------------------------------------------------------- */

typedef struct {
  char   *peer;      /* NULL: every conversation */
  gint64  up_to;
} ReadData;

static void
read_data_free (ReadData *data)
{
  g_free (data->peer);
  g_free (data);
}

static ReadData *
read_data_new (const char *peer,
               gint64      up_to)
{
  ReadData *data = g_new0 (ReadData, 1);

  data->peer = g_strdup (peer);
  data->up_to = up_to;
  return data;
}

static void
mark_read_job (TcReplica *self,
               Db        *db,
               GTask     *task,
               gpointer   user_data)
{
  ReadData *data = user_data;
  g_auto(Changes) changes = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) markers =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tc_read_marker_free);

  if (return_if_closed (db, task))
    return;
  changes_init (&changes);
  if (!db_begin (db, &error))
    goto fail;

  if (data->peer != NULL && data->up_to > 0)
    g_ptr_array_add (markers, tc_read_marker_new (data->peer, data->up_to));
  else
    {
      /* Up to the last message received in each conversation asked for. */
      g_auto(CachedStmt) stmt = db_prepare (db,
                                            "SELECT peer, MAX (id) FROM messages "
                                            "WHERE incoming = 1 AND id IS NOT NULL "
                                            "  AND (?1 IS NULL OR peer = ?1) "
                                            "GROUP BY peer",
                                            &error);
      int rc;

      if (stmt == NULL)
        goto fail;
      bind_text (stmt, 1, data->peer);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        g_ptr_array_add (markers, tc_read_marker_new ((const char *) sqlite3_column_text (stmt, 0),
                                                      sqlite3_column_int64 (stmt, 1)));
      if (rc != SQLITE_DONE)
        {
          tc_sqlite_set_error (db->db, "cannot read conversations", &error);
          goto fail;
        }
    }

  for (guint i = 0; i < markers->len; i++)
    {
      TcReadMarker *marker = g_ptr_array_index (markers, i);

      if (!move_marker (db, db->me, marker->peer_id, marker->up_to, TRUE, &changes, &error))
        goto fail;
    }
  if (!db_commit (db, &error))
    goto fail;
  notify_changes (self, &changes);
  g_task_return_boolean (task, (changes.what & TC_REPLICA_CHANGE_READ) != 0);
  return;

fail:
  db_rollback (db);
  g_task_return_error (task, g_steal_pointer (&error));
}

/* Presence snapshots: who of the team is online (NULL: nobody, we are
 * offline and cannot know). */
static void
set_online_job (TcReplica *self,
                Db        *db,
                GTask     *task,
                gpointer   user_data)
{
  GStrv online = user_data;
  g_auto(Changes) changes = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) now_online = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

  if (return_if_closed (db, task))
    return;
  changes_init (&changes);
  for (guint i = 0; online != NULL && online[i] != NULL; i++)
    g_hash_table_add (now_online, online[i]);
  if (!db_begin (db, &error))
    goto fail;

  {
    g_auto(CachedStmt) stmt = db_prepare (db, "SELECT id FROM members", &error);
    int rc;

    if (stmt == NULL)
      goto fail;
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
      g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
    if (rc != SQLITE_DONE)
      {
        tc_sqlite_set_error (db->db, "cannot read members", &error);
        goto fail;
      }
  }
  for (guint i = 0; i < ids->len; i++)
    {
      const char *id = g_ptr_array_index (ids, i);

      if (!apply_presence (db, id, g_hash_table_contains (now_online, id), &changes, &error))
        goto fail;
    }
  if (!db_commit (db, &error))
    goto fail;
  notify_changes (self, &changes);
  g_task_return_boolean (task, TRUE);
  return;

fail:
  db_rollback (db);
  g_task_return_error (task, g_steal_pointer (&error));
}

/**
 * tc_replica_set_online_async:
 * @self: a replica
 * @online: (nullable): ids of the team members online now; %NULL when
 *   nobody can be known to be (the app is offline)
 * @cancellable: (nullable): a #GCancellable
 * @callback: (nullable): called when done
 * @user_data: data for @callback
 *
 * Replaces every member's presence with this snapshot (the WebSocket
 * hello's "online"); presence events then keep it current.
 */
void
tc_replica_set_online_async (TcReplica           *self,
                             const char * const  *online,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (TC_IS_REPLICA (self));

  queue_job (self, set_online_job, g_strdupv ((GStrv) online), (GDestroyNotify) g_strfreev,
             tc_replica_set_online_async, cancellable, callback, user_data);
}

gboolean
tc_replica_set_online_finish (TcReplica     *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  CHECK_RESULT (self, result, tc_replica_set_online_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * tc_replica_mark_read_async:
 * @self: a replica
 * @peer_id: the other side of the conversation
 * @up_to: the last message read (a server id), or 0 for the last message
 *   received in the conversation
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Moves the local associate's read marker forward (never back), marking
 * the messages it covers read at once. The marker stays pending until the
 * sync engine has told the server.
 */
void
tc_replica_mark_read_async (TcReplica           *self,
                            const char          *peer_id,
                            gint64               up_to,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (TC_IS_REPLICA (self));
  g_return_if_fail (peer_id != NULL);

  queue_job (self, mark_read_job, read_data_new (peer_id, up_to),
             (GDestroyNotify) read_data_free, tc_replica_mark_read_async, cancellable, callback,
             user_data);
}

/**
 * tc_replica_mark_read_finish:
 * @self: a replica
 * @result: the result given to the callback
 * @error: return location for a %TC_ERROR error
 *
 * Returns: %TRUE when the marker moved; %FALSE with @error unset when it
 *   already covered that message
 */
gboolean
tc_replica_mark_read_finish (TcReplica     *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  CHECK_RESULT (self, result, tc_replica_mark_read_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * tc_replica_mark_all_read_async:
 * @self: a replica
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Marks every conversation read up to its last message received, as
 * "Mark all as read" asks; like tc_replica_mark_read_async() for each.
 */
void
tc_replica_mark_all_read_async (TcReplica           *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (TC_IS_REPLICA (self));

  queue_job (self, mark_read_job, read_data_new (NULL, 0), (GDestroyNotify) read_data_free,
             tc_replica_mark_all_read_async, cancellable, callback, user_data);
}

/**
 * tc_replica_mark_all_read_finish:
 * @self: a replica
 * @result: the result given to the callback
 * @error: return location for a %TC_ERROR error
 *
 * Returns: %TRUE when any marker moved
 */
gboolean
tc_replica_mark_all_read_finish (TcReplica     *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  CHECK_RESULT (self, result, tc_replica_mark_all_read_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
next_reads_job (TcReplica *self,
                Db        *db,
                GTask     *task,
                gpointer   data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) markers =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tc_read_marker_free);
  g_auto(CachedStmt) stmt = NULL;
  int rc;

  if (return_if_closed (db, task))
    return;
  stmt = db_prepare (db,
                     "SELECT peer, up_to FROM read_markers WHERE reader = ?1 AND pending = 1 "
                     "ORDER BY peer",
                     &error);
  if (stmt == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  bind_text (stmt, 1, db->me);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (markers, tc_read_marker_new ((const char *) sqlite3_column_text (stmt, 0),
                                                  sqlite3_column_int64 (stmt, 1)));
  if (rc != SQLITE_DONE)
    {
      tc_sqlite_set_error (db->db, "cannot read the read markers", &error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&markers), (GDestroyNotify) g_ptr_array_unref);
}

/**
 * tc_replica_next_reads_async:
 * @self: a replica
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * Lists the local read markers the server does not have yet.
 */
void
tc_replica_next_reads_async (TcReplica           *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (TC_IS_REPLICA (self));

  queue_job (self, next_reads_job, NULL, NULL, tc_replica_next_reads_async, cancellable,
             callback, user_data);
}

/**
 * tc_replica_next_reads_finish:
 * @self: a replica
 * @result: the result given to the callback
 * @error: return location for a %TC_ERROR error
 *
 * Returns: (transfer full) (element-type TcReadMarker): the pending
 *   markers (maybe none), or %NULL on error
 */
GPtrArray *
tc_replica_next_reads_finish (TcReplica     *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  CHECK_RESULT (self, result, tc_replica_next_reads_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
read_sent_job (TcReplica *self,
               Db        *db,
               GTask     *task,
               gpointer   user_data)
{
  ReadData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(CachedStmt) stmt = NULL;

  if (return_if_closed (db, task))
    return;
  /* A marker that moved on meanwhile stays pending. */
  stmt = db_prepare (db,
                     "UPDATE read_markers SET pending = 0 "
                     "WHERE reader = ?1 AND peer = ?2 AND up_to <= ?3",
                     &error);
  if (stmt == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  bind_text (stmt, 1, db->me);
  bind_text (stmt, 2, data->peer);
  sqlite3_bind_int64 (stmt, 3, data->up_to);
  if (!step_done (db, stmt, "cannot update a read marker", &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * tc_replica_read_sent_async:
 * @self: a replica
 * @peer_id: the conversation
 * @up_to: the marker the server acknowledged
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Records that the server has the local marker of @peer_id up to @up_to.
 */
void
tc_replica_read_sent_async (TcReplica           *self,
                            const char          *peer_id,
                            gint64               up_to,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (TC_IS_REPLICA (self));
  g_return_if_fail (peer_id != NULL);

  queue_job (self, read_sent_job, read_data_new (peer_id, up_to),
             (GDestroyNotify) read_data_free, tc_replica_read_sent_async, cancellable, callback,
             user_data);
}

/**
 * tc_replica_read_sent_finish:
 * @self: a replica
 * @result: the result given to the callback
 * @error: return location for a %TC_ERROR error
 *
 * Returns: %TRUE on success
 */
gboolean
tc_replica_read_sent_finish (TcReplica     *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  CHECK_RESULT (self, result, tc_replica_read_sent_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- queries ------------------------------------------------------------------------ */

static void
list_conversations_job (TcReplica *self,
                        Db        *db,
                        GTask     *task,
                        gpointer   data)
{
  TcConversationFilter filter = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tc_conversation_free);
  g_auto(CachedStmt) stmt = NULL;
  int rc;

  if (return_if_closed (db, task))
    return;
  /* The indexes on (peer, sort_key, local_id) and on unread messages keep
   * this to a few lookups per conversation, however long they are. The
   * peers are found by hopping along that index from one peer to the next
   * (SELECT DISTINCT read every entry of it: 10 ms for 50,000 messages). */
  stmt = db_prepare (db,
                     "WITH RECURSIVE peers (peer) AS ("
                     "  SELECT MIN (peer) FROM messages "
                     "  UNION ALL "
                     "  SELECT (SELECT n.peer FROM messages n WHERE n.peer > peers.peer "
                     "          ORDER BY n.peer LIMIT 1) "
                     "  FROM peers WHERE peers.peer IS NOT NULL) "
                     "SELECT p.peer, mem.name, mem.id IS NOT NULL, COALESCE (mem.online, 0), "
                     "  (SELECT COUNT (*) FROM messages u "
                     "   WHERE u.peer = p.peer AND u.incoming = 1 AND u.is_read = 0) AS unread, "
                     "  " MESSAGE_COLUMNS " "
                     "FROM peers p "
                     "JOIN messages m ON m.local_id = "
                     "  (SELECT x.local_id FROM messages x WHERE x.peer = p.peer "
                     "   ORDER BY x.sort_key DESC, x.local_id DESC LIMIT 1) "
                     "LEFT JOIN members mem ON mem.id = p.peer "
                     "WHERE p.peer IS NOT NULL AND (?1 = 0 OR unread > 0) "
                     "ORDER BY m.sort_key DESC, m.local_id DESC",
                     &error);
  if (stmt == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  sqlite3_bind_int (stmt, 1, filter == TC_CONVERSATIONS_UNREAD);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TcConversation *row = tc_conversation_new ();

      row->peer_id = column_dup (stmt, 0);
      row->peer_name = sqlite3_column_type (stmt, 1) != SQLITE_NULL ? column_dup (stmt, 1)
                                                                     : g_strdup (row->peer_id);
      row->is_member = sqlite3_column_int (stmt, 2) != 0;
      row->online = sqlite3_column_int (stmt, 3) != 0;
      row->unread = (guint) sqlite3_column_int64 (stmt, 4);
      row->last_message = message_from_row (stmt, 5);
      g_ptr_array_add (rows, row);
    }
  if (rc != SQLITE_DONE)
    {
      tc_sqlite_set_error (db->db, "cannot list conversations", &error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&rows), (GDestroyNotify) g_ptr_array_unref);
}

/**
 * tc_replica_list_conversations_async:
 * @self: a replica
 * @filter: every conversation (Recent) or only those with unread messages
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * Lists conversations, the one with the newest message first.
 */
void
tc_replica_list_conversations_async (TcReplica            *self,
                                     TcConversationFilter  filter,
                                     GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data)
{
  g_return_if_fail (TC_IS_REPLICA (self));

  queue_job (self, list_conversations_job, GINT_TO_POINTER (filter), NULL,
             tc_replica_list_conversations_async, cancellable, callback, user_data);
}

/**
 * tc_replica_list_conversations_finish:
 * @self: a replica
 * @result: the result given to the callback
 * @error: return location for a %TC_ERROR error
 *
 * Returns: (transfer full) (element-type TcConversation): the
 *   conversations, or %NULL on error
 */
GPtrArray *
tc_replica_list_conversations_finish (TcReplica     *self,
                                      GAsyncResult  *result,
                                      GError       **error)
{
  CHECK_RESULT (self, result, tc_replica_list_conversations_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct {
  char   *peer;
  gint64  before;
  guint   limit;
} ListData;

static void
list_data_free (ListData *data)
{
  g_free (data->peer);
  g_free (data);
}

static void
list_messages_job (TcReplica *self,
                   Db        *db,
                   GTask     *task,
                   gpointer   user_data)
{
  ListData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tc_replica_message_free);
  g_auto(CachedStmt) stmt = NULL;
  gint64 before_key = G_MAXINT64, before_local = G_MAXINT64;
  int rc;

  if (return_if_closed (db, task))
    return;

  if (data->before > 0)
    {
      g_auto(CachedStmt) anchor = db_prepare (db,
                                              "SELECT sort_key, local_id FROM messages "
                                              "WHERE local_id = ?1",
                                              &error);

      if (anchor == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      sqlite3_bind_int64 (anchor, 1, data->before);
      if (sqlite3_step (anchor) != SQLITE_ROW)
        {
          /* Purged or deleted meanwhile: nothing is older that we know of. */
          g_task_return_pointer (task, g_steal_pointer (&rows), (GDestroyNotify) g_ptr_array_unref);
          return;
        }
      before_key = sqlite3_column_int64 (anchor, 0);
      before_local = sqlite3_column_int64 (anchor, 1);
    }

  stmt = db_prepare (db,
                     "SELECT " MESSAGE_COLUMNS " FROM messages m "
                     "WHERE m.peer = ?1 AND (m.sort_key, m.local_id) < (?2, ?3) "
                     "ORDER BY m.sort_key DESC, m.local_id DESC LIMIT ?4",
                     &error);
  if (stmt == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  bind_text (stmt, 1, data->peer);
  sqlite3_bind_int64 (stmt, 2, before_key);
  sqlite3_bind_int64 (stmt, 3, before_local);
  sqlite3_bind_int64 (stmt, 4, data->limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rows, message_from_row (stmt, 0));
  if (rc != SQLITE_DONE)
    {
      tc_sqlite_set_error (db->db, "cannot list messages", &error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&rows), (GDestroyNotify) g_ptr_array_unref);
}

/**
 * tc_replica_list_messages_async:
 * @self: a replica
 * @peer_id: the other side of the conversation
 * @before: the local id of a message: list only older ones; 0 to start
 *   from the newest
 * @limit: at most this many messages
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * Lists a page of a conversation, newest first: messages the server has
 * in the order of their server ids, then those still pending or failed.
 */
void
tc_replica_list_messages_async (TcReplica           *self,
                                const char          *peer_id,
                                gint64               before,
                                guint                limit,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  ListData *data;

  g_return_if_fail (TC_IS_REPLICA (self));
  g_return_if_fail (peer_id != NULL);
  g_return_if_fail (limit > 0);

  data = g_new0 (ListData, 1);
  data->peer = g_strdup (peer_id);
  data->before = before;
  data->limit = limit;
  queue_job (self, list_messages_job, data, (GDestroyNotify) list_data_free,
             tc_replica_list_messages_async, cancellable, callback, user_data);
}

/**
 * tc_replica_list_messages_finish:
 * @self: a replica
 * @result: the result given to the callback
 * @error: return location for a %TC_ERROR error
 *
 * Returns: (transfer full) (element-type TcReplicaMessage): up to limit
 *   messages, newest first; fewer means the start of the conversation
 */
GPtrArray *
tc_replica_list_messages_finish (TcReplica     *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  CHECK_RESULT (self, result, tc_replica_list_messages_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Returns a count through g_task_return_int(). */
static void
count_job (Db          *db,
           GTask       *task,
           const char  *sql,
           const char  *peer)
{
  g_autoptr(GError) error = NULL;
  g_auto(CachedStmt) stmt = NULL;

  if (return_if_closed (db, task))
    return;
  stmt = db_prepare (db, sql, &error);
  if (stmt == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (peer != NULL)
    bind_text (stmt, 1, peer);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      tc_sqlite_set_error (db->db, "cannot count messages", &error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_int (task, (gssize) sqlite3_column_int64 (stmt, 0));
}

static void
count_messages_job (TcReplica *self,
                    Db        *db,
                    GTask     *task,
                    gpointer   data)
{
  count_job (db, task, "SELECT COUNT (*) FROM messages WHERE peer = ?1", data);
}

/**
 * tc_replica_count_messages_async:
 * @self: a replica
 * @peer_id: the other side of the conversation
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * Counts the messages of a conversation (for a list model's size).
 */
void
tc_replica_count_messages_async (TcReplica           *self,
                                 const char          *peer_id,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (TC_IS_REPLICA (self));
  g_return_if_fail (peer_id != NULL);

  queue_job (self, count_messages_job, g_strdup (peer_id), g_free,
             tc_replica_count_messages_async, cancellable, callback, user_data);
}

/**
 * tc_replica_count_messages_finish:
 * @self: a replica
 * @result: the result given to the callback
 * @out_count: (out): the number of messages
 * @error: return location for a %TC_ERROR error
 *
 * Returns: %TRUE on success
 */
gboolean
tc_replica_count_messages_finish (TcReplica     *self,
                                  GAsyncResult  *result,
                                  guint         *out_count,
                                  GError       **error)
{
  gssize n;

  CHECK_RESULT (self, result, tc_replica_count_messages_async, FALSE);

  n = g_task_propagate_int (G_TASK (result), error);
  if (n < 0)
    return FALSE;
  *out_count = (guint) n;
  return TRUE;
}

static void
unread_count_job (TcReplica *self,
                  Db        *db,
                  GTask     *task,
                  gpointer   data)
{
  count_job (db, task, "SELECT COUNT (*) FROM messages WHERE incoming = 1 AND is_read = 0", NULL);
}

/**
 * tc_replica_get_unread_count_async:
 * @self: a replica
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * Counts the unread messages of every conversation (the badge).
 */
void
tc_replica_get_unread_count_async (TcReplica           *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (TC_IS_REPLICA (self));

  queue_job (self, unread_count_job, NULL, NULL, tc_replica_get_unread_count_async, cancellable,
             callback, user_data);
}

/**
 * tc_replica_get_unread_count_finish:
 * @self: a replica
 * @result: the result given to the callback
 * @out_count: (out): the number of unread messages
 * @error: return location for a %TC_ERROR error
 *
 * Returns: %TRUE on success
 */
gboolean
tc_replica_get_unread_count_finish (TcReplica     *self,
                                    GAsyncResult  *result,
                                    guint         *out_count,
                                    GError       **error)
{
  gssize n;

  CHECK_RESULT (self, result, tc_replica_get_unread_count_async, FALSE);

  n = g_task_propagate_int (G_TASK (result), error);
  if (n < 0)
    return FALSE;
  *out_count = (guint) n;
  return TRUE;
}

/* Case- and accent-insensitive form for matching and sorting names:
 * casefolded, compatibility-decomposed, without combining marks. Letters
 * without an ASCII form (Cyrillic, Greek, CJK) stay what they are. */
char *
search_key (const char *text)
{
  g_autofree char *folded = g_utf8_casefold (text != NULL ? text : "", -1);
  g_autofree char *decomposed = g_utf8_normalize (folded, -1, G_NORMALIZE_ALL);
  GString *key = g_string_sized_new (strlen (decomposed));

  for (const char *p = decomposed; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_type (c) != G_UNICODE_NON_SPACING_MARK)
        g_string_append_unichar (key, c);
    }
  return g_string_free (key, FALSE);
}

static int
compare_by_key (gconstpointer a,
                gconstpointer b,
                gpointer      user_data)
{
  GHashTable *keys = user_data;
  const TcAssociate *x = *(TcAssociate * const *) a;
  const TcAssociate *y = *(TcAssociate * const *) b;
  int order = g_strcmp0 (g_hash_table_lookup (keys, x), g_hash_table_lookup (keys, y));

  return order != 0 ? order : g_strcmp0 (x->id, y->id);
}

/* By name, "Émilie" among the e's. */
static void
sort_by_name (GPtrArray *members)
{
  g_autoptr(GHashTable) keys = g_hash_table_new_full (NULL, NULL, NULL, g_free);

  for (guint i = 0; i < members->len; i++)
    {
      TcAssociate *member = g_ptr_array_index (members, i);

      g_hash_table_insert (keys, member, search_key (member->name));
    }
  g_ptr_array_sort_with_data (members, compare_by_key, keys);
}

static char *
digits_of (const char *text)
{
  GString *digits = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    if (g_ascii_isdigit (*p))
      g_string_append_c (digits, *p);
  return g_string_free (digits, FALSE);
}

/* The digits of a query that looks like a phone number ("5550100",
 * "+1 (555) 010-0100"), so that it matches however the number is stored;
 * NULL for any other query. */
static char *
phone_key (const char *query)
{
  if (query[strspn (query, "0123456789 +-().")] != '\0' || strpbrk (query, "0123456789") == NULL)
    return NULL;
  return digits_of (query);
}

static gboolean
member_matches (const TcAssociate *member,
                const char        *key,
                const char        *phone_digits)
{
  const char *fields[] = { member->name, member->id, member->email, member->phone };

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      g_autofree char *field = search_key (fields[i]);

      if (strstr (field, key) != NULL)
        return TRUE;
    }
  if (phone_digits != NULL && member->phone != NULL)
    {
      g_autofree char *digits = digits_of (member->phone);

      if (strstr (digits, phone_digits) != NULL)
        return TRUE;
    }
  return FALSE;
}

static void
list_members_job (TcReplica *self,
                  Db        *db,
                  GTask     *task,
                  gpointer   data)
{
  const char *query = data;
  g_autofree char *key = NULL;
  g_autofree char *phone_digits = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) members =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tc_associate_free);
  g_auto(CachedStmt) stmt = NULL;
  int rc;

  if (return_if_closed (db, task))
    return;
  if (query != NULL && *query != '\0')
    {
      key = search_key (query);
      phone_digits = phone_key (query);
    }
  stmt = db_prepare (db,
                     "SELECT " MEMBER_COLUMNS " FROM members",
                     &error);
  if (stmt == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(TcAssociate) member = tc_associate_new ();

      member->id = column_dup (stmt, 0);
      member->name = column_dup (stmt, 1);
      member->email = column_dup (stmt, 2);
      member->phone = column_dup (stmt, 3);
      member->sponsor_id = column_dup (stmt, 4);
      member->enroller_id = column_dup (stmt, 5);
      member->marketing_site_url = column_dup (stmt, 6);
      member->online = sqlite3_column_int (stmt, 7) != 0;
      if (key == NULL || member_matches (member, key, phone_digits))
        g_ptr_array_add (members, g_steal_pointer (&member));
    }
  if (rc != SQLITE_DONE)
    {
      tc_sqlite_set_error (db->db, "cannot list team members", &error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  sort_by_name (members);
  g_task_return_pointer (task, g_steal_pointer (&members), (GDestroyNotify) g_ptr_array_unref);
}

/**
 * tc_replica_list_members_async:
 * @self: a replica
 * @query: (nullable): text to look for in names, ids, emails and phone
 *   numbers (ignoring case and accents; a number matches whatever spaces,
 *   dashes or brackets either side writes); %NULL or "" for everyone
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * Lists the team members the local associate may chat with, by name.
 */
void
tc_replica_list_members_async (TcReplica           *self,
                               const char          *query,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (TC_IS_REPLICA (self));

  queue_job (self, list_members_job, g_strdup (query), g_free, tc_replica_list_members_async,
             cancellable, callback, user_data);
}

/**
 * tc_replica_list_members_finish:
 * @self: a replica
 * @result: the result given to the callback
 * @error: return location for a %TC_ERROR error
 *
 * Returns: (transfer full) (element-type TcAssociate): the members, or
 *   %NULL on error
 */
GPtrArray *
tc_replica_list_members_finish (TcReplica     *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  CHECK_RESULT (self, result, tc_replica_list_members_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
