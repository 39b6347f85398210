/* tc-sqlite-checkpointer.c: WAL checkpoints on a thread of their own */
#include "config.h"

#include "tc-sqlite.h"
#include "tc-sqlite-checkpointer.h"

/* WAL size, in multiples of the threshold, at which the writer checkpoints
 * itself (see wal_hook_cb). */
#define OVERDUE 4

struct _TcSqliteCheckpointer
{
  char     *path;
  sqlite3  *write_db;
  guint     wal_pages;
  GThread  *thread;
  GMutex    mutex;
  GCond     cond;
  gboolean  wanted;     /* guarded by mutex */
  gboolean  stop;       /* guarded by mutex */
  gint      count;         /* atomic: by the thread */
  gint      inline_count;  /* atomic: by the writer */
};

/* The writer's thread, after each commit: mostly a flag and a signal. */
static int
wal_hook_cb (void       *data,
             sqlite3    *db,
             const char *name,
             int         wal_pages)
{
  TcSqliteCheckpointer *self = data;

  /* SQLite starts the WAL over only when a write transaction begins after
   * a checkpoint that copied every frame. A writer that never pauses keeps
   * the thread's PASSIVE checkpoints one batch behind, and the WAL would
   * grow for as long as the load lasts. Past OVERDUE times the threshold
   * the writer finishes the job itself: the thread has copied most frames
   * already, so only the last few are left, and the next transaction
   * starts the WAL over. */
  if ((guint) wal_pages >= self->wal_pages * OVERDUE)
    {
      int rc = sqlite3_wal_checkpoint_v2 (db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);

      if (rc == SQLITE_OK)
        g_atomic_int_inc (&self->inline_count);
      return SQLITE_OK;
    }
  if ((guint) wal_pages >= self->wal_pages)
    {
      g_mutex_lock (&self->mutex);
      if (!self->wanted)
        {
          self->wanted = TRUE;
          g_cond_signal (&self->cond);
        }
      g_mutex_unlock (&self->mutex);
    }
  return SQLITE_OK;
}

static gpointer
checkpoint_thread (gpointer data)
{
  TcSqliteCheckpointer *self = data;
  g_autoptr(sqlite3) db = NULL;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      int rc;

      g_mutex_lock (&self->mutex);
      while (!self->wanted && !self->stop)
        g_cond_wait (&self->cond, &self->mutex);
      self->wanted = FALSE;
      if (self->stop)
        {
          g_mutex_unlock (&self->mutex);
          break;
        }
      g_mutex_unlock (&self->mutex);

      if (db == NULL && (db = tc_sqlite_open (self->path, FALSE, &error)) == NULL)
        {
          g_warning ("Cannot open the database for checkpoints: %s", error->message);
          continue;
        }
      rc = sqlite3_wal_checkpoint_v2 (db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
      if (rc != SQLITE_OK && rc != SQLITE_BUSY)
        {
          tc_sqlite_set_error (db, "checkpoint", &error);
          g_warning ("%s", error->message);
        }
      else
        g_atomic_int_inc (&self->count);
    }
  return NULL;
}

TcSqliteCheckpointer *
tc_sqlite_checkpointer_new (const char *path,
                            sqlite3    *write_db,
                            guint       wal_pages)
{
  TcSqliteCheckpointer *self;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (write_db != NULL, NULL);
  g_return_val_if_fail (wal_pages > 0, NULL);

  self = g_new0 (TcSqliteCheckpointer, 1);
  self->path = g_strdup (path);
  self->write_db = write_db;
  self->wal_pages = wal_pages;
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->thread = g_thread_new ("tc-db-ckpt", checkpoint_thread, self);
  /* Replaces SQLite's automatic checkpoint (itself a WAL hook). */
  sqlite3_wal_hook (write_db, wal_hook_cb, self);
  return self;
}

void
tc_sqlite_checkpointer_free (TcSqliteCheckpointer *self)
{
  if (self == NULL)
    return;
  sqlite3_wal_autocheckpoint (self->write_db, (int) self->wal_pages);
  g_mutex_lock (&self->mutex);
  self->stop = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);
  g_thread_join (self->thread);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_free (self->path);
  g_free (self);
}

guint
tc_sqlite_checkpointer_get_count (TcSqliteCheckpointer *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return (guint) g_atomic_int_get (&self->count);
}
