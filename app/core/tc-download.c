/* tc-download.c: one attachment's content coming to this computer
 *
 * A fetch first looks on a worker thread whether the file is already
 * there (complete: the size the resource says; it was verified when it
 * was put there) and makes its folder; only then does the transfer start,
 * through tc_api_client_download_async() (resumable, SHA-256 checked).
 * Every fetch waiting when it ends gets the same outcome.
 */
#define G_LOG_DOMAIN "TeamChatMedia"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "tc-download.h"
#include "tc-error.h"
#include "tc-media-cache.h"

struct _TcDownload
{
  GObject          parent_instance;

  TcApiClient     *client;     /* nullable: never connected */
  TcResource      *resource;
  char            *path;

  TcDownloadState  state;
  goffset          received;
  goffset          total;
  GError          *error;
  GCancellable    *transfer;   /* while running */
  GPtrArray       *waiters;    /* of GTask */
};

G_DEFINE_FINAL_TYPE (TcDownload, tc_download, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (TcDownloadState, tc_download_state,
                    G_DEFINE_ENUM_VALUE (TC_DOWNLOAD_IDLE, "idle"),
                    G_DEFINE_ENUM_VALUE (TC_DOWNLOAD_RUNNING, "running"),
                    G_DEFINE_ENUM_VALUE (TC_DOWNLOAD_DONE, "done"),
                    G_DEFINE_ENUM_VALUE (TC_DOWNLOAD_FAILED, "failed"))

enum {
  PROP_0,
  PROP_STATE,
  PROP_FRACTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* --- the end ------------------------------------------------------------------------ */

static void
finish (TcDownload *self,
        GError     *error)
{
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->waiters);

  self->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  g_clear_object (&self->transfer);
  g_clear_error (&self->error);
  if (error == NULL)
    {
      self->state = TC_DOWNLOAD_DONE;
      self->received = self->total = MAX (self->total, 0);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    self->state = TC_DOWNLOAD_IDLE;
  else
    {
      self->state = TC_DOWNLOAD_FAILED;
      self->error = g_error_copy (error);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);

  for (guint i = 0; i < waiters->len; i++)
    {
      GTask *waiter = g_ptr_array_index (waiters, i);

      if (error == NULL)
        g_task_return_pointer (waiter, g_strdup (self->path), g_free);
      else
        g_task_return_error (waiter, g_error_copy (error));
    }
  g_clear_error (&error);
}

static void
on_progress (goffset  received,
             goffset  total,
             gpointer user_data)
{
  TcDownload *self = user_data;

  self->received = received;
  self->total = total > 0 ? total : self->resource->size;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
}

static void
downloaded_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TcDownload) self = user_data;
  GError *error = NULL;

  if (!tc_api_client_download_finish (TC_API_CLIENT (source), result, &error))
    g_debug ("Download of %s ended: %s", self->resource->id, error->message);
  finish (self, error);
}

/* --- the start ---------------------------------------------------------------------- */

/* Worker thread: TRUE when the file is there already; makes its folder. */
static void
prepare_thread (GTask        *task,
                gpointer      source,
                gpointer      data,
                GCancellable *cancellable)
{
  TcDownload *self = source;
  g_autofree char *dir = g_path_get_dirname (self->path);
  GStatBuf st;

  if (g_stat (self->path, &st) == 0 && S_ISREG (st.st_mode) &&
      (self->resource->size <= 0 || st.st_size == self->resource->size))
    {
      tc_media_cache_touch (self->path);
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               "cannot make the folder %s: %s", dir, g_strerror (saved));
      return;
    }
  g_task_return_boolean (task, FALSE);
}

static void
prepared_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  TcDownload *self = TC_DOWNLOAD (source);
  GError *error = NULL;
  gboolean present = g_task_propagate_boolean (G_TASK (result), &error);

  if (error != NULL || present)
    {
      finish (self, error);
      return;
    }
  if (self->client == NULL)
    {
      finish (self, g_error_new_literal (TC_ERROR, TC_ERROR_UNAVAILABLE, "not connected"));
      return;
    }
  /* The progress callback needs self until the transfer ends. */
  tc_api_client_download_async (self->client, self->resource, self->path, on_progress, self,
                                self->transfer, downloaded_cb, g_object_ref (self));
}

static void
start (TcDownload *self)
{
  g_autoptr(GTask) prepare = NULL;

  g_clear_error (&self->error);
  self->state = TC_DOWNLOAD_RUNNING;
  self->received = 0;
  self->total = self->resource->size;
  self->transfer = g_cancellable_new ();
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);

  prepare = g_task_new (self, self->transfer, prepared_cb, NULL);
  g_task_set_source_tag (prepare, start);
  g_task_run_in_thread (prepare, prepare_thread);
}

/* --- public ------------------------------------------------------------------------- */

/**
 * tc_download_new:
 * @client: (nullable): the account's client
 * @resource: the resource whose content it is
 * @path: where the file goes
 *
 * Returns: (transfer full): an idle download
 */
TcDownload *
tc_download_new (TcApiClient      *client,
                 const TcResource *resource,
                 const char       *path)
{
  TcDownload *self;

  g_return_val_if_fail (client == NULL || TC_IS_API_CLIENT (client), NULL);
  g_return_val_if_fail (resource != NULL && resource->id != NULL, NULL);
  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (TC_TYPE_DOWNLOAD, NULL);
  self->client = client != NULL ? g_object_ref (client) : NULL;
  self->resource = tc_resource_copy (resource);
  self->path = g_strdup (path);
  self->total = resource->size;
  return self;
}

const TcResource *
tc_download_get_resource (TcDownload *self)
{
  g_return_val_if_fail (TC_IS_DOWNLOAD (self), NULL);
  return self->resource;
}

const char *
tc_download_get_path (TcDownload *self)
{
  g_return_val_if_fail (TC_IS_DOWNLOAD (self), NULL);
  return self->path;
}

TcDownloadState
tc_download_get_state (TcDownload *self)
{
  g_return_val_if_fail (TC_IS_DOWNLOAD (self), TC_DOWNLOAD_IDLE);
  return self->state;
}

double
tc_download_get_fraction (TcDownload *self)
{
  g_return_val_if_fail (TC_IS_DOWNLOAD (self), 0.0);

  if (self->state == TC_DOWNLOAD_DONE)
    return 1.0;
  if (self->total <= 0)
    return 0.0;
  return CLAMP ((double) self->received / (double) self->total, 0.0, 1.0);
}

const GError *
tc_download_get_error (TcDownload *self)
{
  g_return_val_if_fail (TC_IS_DOWNLOAD (self), NULL);
  return self->error;
}

/**
 * tc_download_fetch_async:
 * @self: a download
 * @cancellable: (nullable): ends this wait (with %G_IO_ERROR_CANCELLED)
 *   when the transfer ends, without stopping it
 * @callback: called when the file is there or cannot be had
 * @user_data: data for @callback
 *
 * Makes sure the content is at tc_download_get_path(): looks for it, and
 * downloads it when it is not there (going on from what an earlier
 * attempt kept).
 */
void
tc_download_fetch_async (TcDownload          *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (TC_IS_DOWNLOAD (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tc_download_fetch_async);
  g_ptr_array_add (self->waiters, task);
  if (self->state != TC_DOWNLOAD_RUNNING)
    start (self);
}

char *
tc_download_fetch_finish (TcDownload    *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (TC_IS_DOWNLOAD (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tc_download_fetch_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tc_download_cancel (TcDownload *self)
{
  g_return_if_fail (TC_IS_DOWNLOAD (self));

  if (self->transfer != NULL)
    g_cancellable_cancel (self->transfer);
}

/* --- GObject ------------------------------------------------------------------------ */

static void
tc_download_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  TcDownload *self = TC_DOWNLOAD (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_FRACTION:
      g_value_set_double (value, tc_download_get_fraction (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tc_download_finalize (GObject *object)
{
  TcDownload *self = TC_DOWNLOAD (object);

  /* Running transfers and waiting tasks hold references: none is left. */
  g_assert (self->waiters->len == 0);
  g_clear_pointer (&self->waiters, g_ptr_array_unref);
  g_clear_object (&self->transfer);
  g_clear_object (&self->client);
  g_clear_pointer (&self->resource, tc_resource_free);
  g_clear_error (&self->error);
  g_free (self->path);

  G_OBJECT_CLASS (tc_download_parent_class)->finalize (object);
}

static void
tc_download_class_init (TcDownloadClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tc_download_finalize;
  object_class->get_property = tc_download_get_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, TC_TYPE_DOWNLOAD_STATE, TC_DOWNLOAD_IDLE,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_FRACTION] =
    g_param_spec_double ("fraction", NULL, NULL, 0.0, 1.0, 0.0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tc_download_init (TcDownload *self)
{
  self->waiters = g_ptr_array_new_with_free_func (g_object_unref);
}
