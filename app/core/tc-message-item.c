/* tc-message-item.c: one row of a TcMessageModel */
#include "config.h"

#include "tc-message-item.h"

struct _TcMessageItem
{
  GObject             parent_instance;

  gint64              local_id;
  TcReplicaMessage   *message;   /* NULL: not read yet */
  TcMessageItemFlags  flags;
  char               *sender_name;
};

G_DEFINE_FINAL_TYPE (TcMessageItem, tc_message_item, G_TYPE_OBJECT)

G_DEFINE_FLAGS_TYPE (TcMessageItemFlags, tc_message_item_flags,
                     G_DEFINE_ENUM_VALUE (TC_MESSAGE_ITEM_OUTGOING, "outgoing"),
                     G_DEFINE_ENUM_VALUE (TC_MESSAGE_ITEM_FIRST_OF_DAY, "first-of-day"),
                     G_DEFINE_ENUM_VALUE (TC_MESSAGE_ITEM_CONTINUED, "continued"),
                     G_DEFINE_ENUM_VALUE (TC_MESSAGE_ITEM_RECEIPT, "receipt"),
                     G_DEFINE_ENUM_VALUE (TC_MESSAGE_ITEM_HIGHLIGHTED, "highlighted"))

enum {
  PROP_0,
  PROP_LOCAL_ID,
  PROP_LOADED,
  N_PROPS
};

enum {
  CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

gboolean
tc_replica_message_equal (const TcReplicaMessage *a,
                          const TcReplicaMessage *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return tc_resources_equal (a->message->attachments, b->message->attachments) &&
         a->local_id == b->local_id &&
         a->state == b->state &&
         g_strcmp0 (a->error, b->error) == 0 &&
         a->message->id == b->message->id &&
         a->message->sent_at == b->message->sent_at &&
         a->message->read == b->message->read &&
         g_strcmp0 (a->message->from, b->message->from) == 0 &&
         g_strcmp0 (a->message->client_id, b->message->client_id) == 0 &&
         g_strcmp0 (a->message->body, b->message->body) == 0 &&
         g_strcmp0 (a->message->delivered_via, b->message->delivered_via) == 0 &&
         g_strcmp0 (a->message->delivery_error, b->message->delivery_error) == 0;
}

TcMessageItem *
tc_message_item_new (gint64 local_id)
{
  return g_object_new (TC_TYPE_MESSAGE_ITEM, "local-id", local_id, NULL);
}

gint64
tc_message_item_get_local_id (TcMessageItem *self)
{
  g_return_val_if_fail (TC_IS_MESSAGE_ITEM (self), 0);
  return self->local_id;
}

const TcReplicaMessage *
tc_message_item_get_message (TcMessageItem *self)
{
  g_return_val_if_fail (TC_IS_MESSAGE_ITEM (self), NULL);
  return self->message;
}

gboolean
tc_message_item_get_loaded (TcMessageItem *self)
{
  g_return_val_if_fail (TC_IS_MESSAGE_ITEM (self), FALSE);
  return self->message != NULL;
}

TcMessageItemFlags
tc_message_item_get_flags (TcMessageItem *self)
{
  g_return_val_if_fail (TC_IS_MESSAGE_ITEM (self), 0);
  return self->flags;
}

gboolean
tc_message_item_has_flags (TcMessageItem      *self,
                           TcMessageItemFlags  flags)
{
  g_return_val_if_fail (TC_IS_MESSAGE_ITEM (self), FALSE);
  return (self->flags & flags) == flags;
}

const char *
tc_message_item_get_sender_name (TcMessageItem *self)
{
  g_return_val_if_fail (TC_IS_MESSAGE_ITEM (self), NULL);
  return self->sender_name;
}

/**
 * tc_message_item_set_message:
 * @self: an item
 * @message: what the replica holds now (copied)
 *
 * Fills a placeholder or updates the message (its state, the read flag).
 */
void
tc_message_item_set_message (TcMessageItem          *self,
                             const TcReplicaMessage *message)
{
  gboolean was_loaded;

  g_return_if_fail (TC_IS_MESSAGE_ITEM (self));
  g_return_if_fail (message != NULL && message->local_id == self->local_id);

  if (tc_replica_message_equal (self->message, message))
    return;
  was_loaded = self->message != NULL;
  g_clear_pointer (&self->message, tc_replica_message_free);
  self->message = tc_replica_message_copy (message);
  if (!was_loaded)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
  g_signal_emit (self, signals[CHANGED], 0);
}

/**
 * tc_message_item_set_flags:
 * @self: an item
 * @mask: the flags to set
 * @flags: their new values
 *
 * Changes the flags in @mask to their values in @flags.
 */
void
tc_message_item_set_flags (TcMessageItem      *self,
                           TcMessageItemFlags  mask,
                           TcMessageItemFlags  flags)
{
  TcMessageItemFlags now;

  g_return_if_fail (TC_IS_MESSAGE_ITEM (self));

  now = (self->flags & ~mask) | (flags & mask);
  if (now == self->flags)
    return;
  self->flags = now;
  g_signal_emit (self, signals[CHANGED], 0);
}

void
tc_message_item_set_sender_name (TcMessageItem *self,
                                 const char    *name)
{
  g_return_if_fail (TC_IS_MESSAGE_ITEM (self));

  if (g_strcmp0 (self->sender_name, name) == 0)
    return;
  g_free (self->sender_name);
  self->sender_name = g_strdup (name);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
tc_message_item_finalize (GObject *object)
{
  TcMessageItem *self = TC_MESSAGE_ITEM (object);

  g_clear_pointer (&self->message, tc_replica_message_free);
  g_free (self->sender_name);

  G_OBJECT_CLASS (tc_message_item_parent_class)->finalize (object);
}

static void
tc_message_item_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  TcMessageItem *self = TC_MESSAGE_ITEM (object);

  switch (prop_id)
    {
    case PROP_LOCAL_ID:
      g_value_set_int64 (value, self->local_id);
      break;
    case PROP_LOADED:
      g_value_set_boolean (value, self->message != NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tc_message_item_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  TcMessageItem *self = TC_MESSAGE_ITEM (object);

  switch (prop_id)
    {
    case PROP_LOCAL_ID:
      self->local_id = g_value_get_int64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tc_message_item_class_init (TcMessageItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tc_message_item_finalize;
  object_class->get_property = tc_message_item_get_property;
  object_class->set_property = tc_message_item_set_property;

  /**
   * TcMessageItem:local-id:
   *
   * The message's stable row id in the replica.
   */
  properties[PROP_LOCAL_ID] =
    g_param_spec_int64 ("local-id", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * TcMessageItem:loaded:
   *
   * Whether the message has been read from the replica.
   */
  properties[PROP_LOADED] =
    g_param_spec_boolean ("loaded", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TcMessageItem::changed:
   * @self: the item
   *
   * The message, its flags or the sender's name changed.
   */
  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
tc_message_item_init (TcMessageItem *self)
{
}
