/* tc-throttle.c: folds a burst of "read it again" into a few reads */
#include "config.h"

#include "tc-throttle.h"

struct _TcThrottle
{
  GObject         parent_instance;

  TcThrottleFunc  func;
  gpointer        user_data;
  GMainContext   *context;      /* where the pause's timeout runs */
  gint64          interval_us;
  gint64          last_start;   /* monotonic µs; 0 before the first read */
  gboolean        running;      /* a read is on its way */
  gboolean        pending;      /* one more read is due */
  GSource        *pause;        /* ends the pause before a due read */
};

G_DEFINE_FINAL_TYPE (TcThrottle, tc_throttle, G_TYPE_OBJECT)

static void
clear_pause (TcThrottle *self)
{
  if (self->pause != NULL)
    {
      g_source_destroy (self->pause);
      g_clear_pointer (&self->pause, g_source_unref);
    }
}

static void
run (TcThrottle *self)
{
  clear_pause (self);
  self->pending = FALSE;
  self->running = TRUE;
  self->last_start = g_get_monotonic_time ();
  self->func (self->user_data);
}

static gboolean
pause_ended_cb (gpointer user_data)
{
  TcThrottle *self = user_data;

  g_clear_pointer (&self->pause, g_source_unref);
  if (self->pending && !self->running)
    run (self);
  return G_SOURCE_REMOVE;
}

/* A read is due and none is on its way: now, or when the pause ends. */
static void
schedule (TcThrottle *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 wait_us;

  if (self->interval_us == 0 || self->last_start == 0 || now >= self->last_start + self->interval_us)
    {
      run (self);
      return;
    }
  if (self->pause != NULL)
    return;
  wait_us = self->last_start + self->interval_us - now;
  self->pause = g_timeout_source_new ((guint) ((wait_us + 999) / 1000));
  g_source_set_callback (self->pause, pause_ended_cb, self, NULL);
  g_source_set_static_name (self->pause, "[teamchat] throttle pause");
  g_source_attach (self->pause, self->context);
}

void
tc_throttle_request (TcThrottle *self)
{
  g_return_if_fail (TC_IS_THROTTLE (self));

  self->pending = TRUE;
  if (!self->running)
    schedule (self);
}

void
tc_throttle_run_now (TcThrottle *self)
{
  g_return_if_fail (TC_IS_THROTTLE (self));

  run (self);
}

void
tc_throttle_done (TcThrottle *self)
{
  g_return_if_fail (TC_IS_THROTTLE (self));

  self->running = FALSE;
  if (self->pending)
    schedule (self);
}

void
tc_throttle_reset (TcThrottle *self)
{
  g_return_if_fail (TC_IS_THROTTLE (self));

  clear_pause (self);
  self->running = FALSE;
  self->pending = FALSE;
}

gboolean
tc_throttle_is_busy (TcThrottle *self)
{
  g_return_val_if_fail (TC_IS_THROTTLE (self), FALSE);

  return self->running || self->pending;
}

void
tc_throttle_set_interval (TcThrottle *self,
                          guint       interval_ms)
{
  g_return_if_fail (TC_IS_THROTTLE (self));

  /* Views set it at each progress of the sync: the pause stays as it is. */
  if (self->interval_us == (gint64) interval_ms * 1000)
    return;
  self->interval_us = (gint64) interval_ms * 1000;
  /* A read waiting for the old pause waits for the new one instead. */
  if (self->pause != NULL)
    {
      clear_pause (self);
      schedule (self);
    }
}

guint
tc_throttle_get_interval (TcThrottle *self)
{
  g_return_val_if_fail (TC_IS_THROTTLE (self), 0);

  return (guint) (self->interval_us / 1000);
}

static void
tc_throttle_finalize (GObject *object)
{
  TcThrottle *self = TC_THROTTLE (object);

  clear_pause (self);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (tc_throttle_parent_class)->finalize (object);
}

static void
tc_throttle_class_init (TcThrottleClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tc_throttle_finalize;
}

static void
tc_throttle_init (TcThrottle *self)
{
  self->context = g_main_context_ref_thread_default ();
}

TcThrottle *
tc_throttle_new (TcThrottleFunc func,
                 gpointer       user_data)
{
  TcThrottle *self;

  g_return_val_if_fail (func != NULL, NULL);

  self = g_object_new (TC_TYPE_THROTTLE, NULL);
  self->func = func;
  self->user_data = user_data;
  return self;
}
