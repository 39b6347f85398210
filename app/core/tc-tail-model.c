/* tc-tail-model.c: the newest items of a list model, more on request */
#include "config.h"

#include "tc-tail-model.h"

struct _TcTailModel
{
  GObject     parent_instance;

  GListModel *model;
  guint       n_first;
  guint       n_model;   /* the model's items, as its signals told */
  guint       start;     /* the model's position of our first item */
};

static void tc_tail_model_list_model_init (GListModelInterface *iface);

G_DEFINE_TYPE_WITH_CODE (TcTailModel, tc_tail_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      tc_tail_model_list_model_init))

static GType
tc_tail_model_get_item_type (GListModel *list)
{
  return g_list_model_get_item_type (TC_TAIL_MODEL (list)->model);
}

static guint
tc_tail_model_get_n_items (GListModel *list)
{
  TcTailModel *self = TC_TAIL_MODEL (list);

  return self->n_model - self->start;
}

static gpointer
tc_tail_model_get_item (GListModel *list,
                        guint       position)
{
  TcTailModel *self = TC_TAIL_MODEL (list);

  if (position >= self->n_model - self->start)
    return NULL;
  return g_list_model_get_item (self->model, self->start + position);
}

static void
tc_tail_model_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = tc_tail_model_get_item_type;
  iface->get_n_items = tc_tail_model_get_n_items;
  iface->get_item = tc_tail_model_get_item;
}

static guint
first_start (TcTailModel *self)
{
  return self->n_model > self->n_first ? self->n_model - self->n_first : 0;
}

static void
on_items_changed_cb (GListModel  *model,
                     guint        position,
                     guint        removed,
                     guint        added,
                     TcTailModel *self)
{
  guint n_old = self->n_model;

  self->n_model = n_old - removed + added;

  if (n_old == 0)
    {
      /* Loaded (again): the newest items. */
      self->start = first_start (self);
      if (self->n_model > self->start)
        g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, self->n_model - self->start);
    }
  else if (self->start > 0 && position + removed <= self->start)
    {
      /* Among the hidden items (an insertion right at the start is one
       * of them): nothing we show changes. */
      self->start = self->start - removed + added;
    }
  else if (position >= self->start)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), position - self->start, removed, added);
    }
  else
    {
      /* Over the start: what replaces the shown part is shown. */
      guint removed_shown = position + removed - self->start;

      self->start = position;
      g_list_model_items_changed (G_LIST_MODEL (self), 0, removed_shown, added);
    }
}

static void
tc_tail_model_dispose (GObject *object)
{
  TcTailModel *self = TC_TAIL_MODEL (object);

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->model);
  G_OBJECT_CLASS (tc_tail_model_parent_class)->dispose (object);
}

static void
tc_tail_model_class_init (TcTailModelClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = tc_tail_model_dispose;
}

static void
tc_tail_model_init (TcTailModel *self)
{
}

TcTailModel *
tc_tail_model_new (GListModel *model,
                   guint       n_first)
{
  TcTailModel *self;

  g_return_val_if_fail (G_IS_LIST_MODEL (model), NULL);

  self = g_object_new (TC_TYPE_TAIL_MODEL, NULL);
  self->model = g_object_ref (model);
  self->n_first = n_first;
  self->n_model = g_list_model_get_n_items (model);
  self->start = first_start (self);
  g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed_cb), self);
  return self;
}

GListModel *
tc_tail_model_get_model (TcTailModel *self)
{
  g_return_val_if_fail (TC_IS_TAIL_MODEL (self), NULL);
  return self->model;
}

guint
tc_tail_model_get_start (TcTailModel *self)
{
  g_return_val_if_fail (TC_IS_TAIL_MODEL (self), 0);
  return self->start;
}

guint
tc_tail_model_show_more (TcTailModel *self,
                         guint        n)
{
  guint more;

  g_return_val_if_fail (TC_IS_TAIL_MODEL (self), 0);

  more = MIN (n, self->start);
  if (more > 0)
    {
      self->start -= more;
      g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, more);
    }
  return more;
}

guint
tc_tail_model_show_position (TcTailModel *self,
                             guint        position)
{
  g_return_val_if_fail (TC_IS_TAIL_MODEL (self), G_MAXUINT);

  if (position >= self->n_model)
    return G_MAXUINT;
  if (position < self->start)
    tc_tail_model_show_more (self, self->start - position);
  return position - self->start;
}
