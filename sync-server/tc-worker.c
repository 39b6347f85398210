/* tc-worker.c: run blocking work off the main loop */
#include "config.h"

#include "tc-worker.h"

typedef struct {
  TcWorkFunc    work;
  TcWorkFunc    done;
  gpointer      data;
  GMainContext *context;
} WorkItem;

static GThreadPool *pool;
static guint max_threads = 32;
static GMutex pool_mutex;

static gboolean
work_done_cb (gpointer user_data)
{
  WorkItem *item = user_data;

  if (item->done != NULL)
    item->done (item->data);
  g_main_context_unref (item->context);
  g_free (item);
  return G_SOURCE_REMOVE;
}

static void
run_work (gpointer data,
          gpointer user_data)
{
  WorkItem *item = data;

  if (item->work != NULL)
    item->work (item->data);
  g_main_context_invoke (item->context, work_done_cb, item);
}

void
tc_worker_set_max_threads (guint n)
{
  g_return_if_fail (n > 0);

  g_mutex_lock (&pool_mutex);
  max_threads = n;
  if (pool != NULL)
    g_thread_pool_set_max_threads (pool, (gint) n, NULL);
  g_mutex_unlock (&pool_mutex);
}

void
tc_worker_run (TcWorkFunc work,
               TcWorkFunc done,
               gpointer   data)
{
  WorkItem *item = g_new0 (WorkItem, 1);

  item->work = work;
  item->done = done;
  item->data = data;
  item->context = g_main_context_ref_thread_default ();

  g_mutex_lock (&pool_mutex);
  if (pool == NULL)
    pool = g_thread_pool_new (run_work, NULL, (gint) max_threads, FALSE, NULL);
  g_mutex_unlock (&pool_mutex);
  g_thread_pool_push (pool, item, NULL);
}
