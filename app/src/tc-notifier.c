/* tc-notifier.c: decides when an incoming message deserves a notification */
#include "config.h"

#include "tc-notifier.h"

#define SNIPPET_CHARS 120

struct _TcNotifier
{
  GObject       parent_instance;

  TcReplica    *replica;
  GSettings    *settings;
  GCancellable *cancellable;
  gboolean      primed;         /* the state at start is known */
  gboolean      refresh_again;  /* a change came in while listing */
  gboolean      listing;
  gboolean      catching_up;    /* the replica is being filled from the server */
  gboolean      quiet_pending;  /* a change came while catching up */
  gboolean      listing_quiet;  /* the listing running covers such a change */
  char         *visible_peer;
  gboolean      focused;
  GHashTable   *announced;      /* peer id → last message id announced (gint64 *) */
  GHashTable   *shown;          /* peer ids with a notification up */
};

G_DEFINE_FINAL_TYPE (TcNotifier, tc_notifier, G_TYPE_OBJECT)

enum {
  SHOW,
  WITHDRAW,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

enum {
  PROP_0,
  PROP_CATCHING_UP,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static char *
snippet (const char *body)
{
  g_autofree char *flat = g_strdup (body ? body : "");
  glong len;

  g_strdelimit (flat, "\n\r\t", ' ');
  g_strstrip (flat);
  len = g_utf8_strlen (flat, -1);
  if (len <= SNIPPET_CHARS)
    return g_steal_pointer (&flat);
  {
    g_autofree char *start = g_utf8_substring (flat, 0, SNIPPET_CHARS - 1);
    return g_strconcat (start, "…", NULL);
  }
}

static gboolean
is_quiet (TcNotifier *self,
          const char *peer_id)
{
  return self->focused && g_strcmp0 (self->visible_peer, peer_id) == 0;
}

static void refresh (TcNotifier *self);

static void
conversations_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(TcNotifier) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) unread = NULL;
  g_autoptr(GHashTable) still_unread = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) withdrawn = g_ptr_array_new_with_free_func (g_free);
  gboolean enabled = g_settings_get_boolean (self->settings, "notifications-enabled");
  GHashTableIter iter;
  const char *peer;

  self->listing = FALSE;
  unread = tc_replica_list_conversations_finish (TC_REPLICA (source), result, &error);
  if (unread == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not check for new messages: %s", error->message);
      return;
    }

  for (guint i = 0; i < unread->len; i++)
    {
      TcConversation *conversation = g_ptr_array_index (unread, i);
      const TcReplicaMessage *last = conversation->last_message;
      gint64 *seen;

      g_hash_table_add (still_unread, conversation->peer_id);
      if (last == NULL || g_strcmp0 (last->message->from, conversation->peer_id) != 0)
        continue;   /* the newest is ours: nothing new from them */

      seen = g_hash_table_lookup (self->announced, conversation->peer_id);
      if (seen != NULL && *seen >= last->local_id)
        continue;
      if (seen == NULL)
        {
          seen = g_new (gint64, 1);
          g_hash_table_insert (self->announced, g_strdup (conversation->peer_id), seen);
        }
      *seen = last->local_id;

      /* What was unread before we started is not news, nor what a
       * catch-up brings (a first sync brings the whole history). */
      if (!self->primed || self->listing_quiet || !enabled ||
          is_quiet (self, conversation->peer_id))
        continue;

      {
        g_autofree char *body = snippet (last->message->body);

        g_hash_table_add (self->shown, g_strdup (conversation->peer_id));
        g_signal_emit (self, signals[SHOW], 0, conversation->peer_id, conversation->peer_name,
                       body, conversation->unread);
      }
    }

  /* Read here or on another device: take the notification back. */
  g_hash_table_iter_init (&iter, self->shown);
  while (g_hash_table_iter_next (&iter, (gpointer *) &peer, NULL))
    if (!g_hash_table_contains (still_unread, peer))
      g_ptr_array_add (withdrawn, g_strdup (peer));
  for (guint i = 0; i < withdrawn->len; i++)
    {
      g_hash_table_remove (self->shown, g_ptr_array_index (withdrawn, i));
      g_signal_emit (self, signals[WITHDRAW], 0, g_ptr_array_index (withdrawn, i));
    }

  self->primed = TRUE;
  if (self->refresh_again)
    {
      self->refresh_again = FALSE;
      refresh (self);
    }
}

static void
refresh (TcNotifier *self)
{
  /* One query at a time, in order: a second change is folded into the next. */
  if (self->listing)
    {
      self->refresh_again = TRUE;
      return;
    }
  self->listing = TRUE;
  self->listing_quiet = self->quiet_pending || self->catching_up;
  self->quiet_pending = FALSE;
  tc_replica_list_conversations_async (self->replica, TC_CONVERSATIONS_UNREAD, self->cancellable,
                                       conversations_cb, g_object_ref (self));
}

static void
on_replica_changed_cb (TcNotifier      *self,
                       TcReplicaChange  change,
                       GStrv            peers)
{
  if (!(change & (TC_REPLICA_CHANGE_MESSAGES | TC_REPLICA_CHANGE_READ | TC_REPLICA_CHANGE_RESET |
                  TC_REPLICA_CHANGE_MEMBERS)))
    return;
  /* Whichever listing sees this change is quiet, even if the catch-up
   * has ended by the time it runs. */
  if (self->catching_up)
    {
      self->quiet_pending = TRUE;
      /* Nothing is announced while catching up, so a listing now could
       * only withdraw a notification shown before it: without one, the
       * listing waits for the end of the catch-up, and one listing then
       * learns (quietly) all it brought. A first sync changes the replica
       * a hundred times; each listing was a query on the replica's
       * worker, which applies the sync meanwhile. */
      if (g_hash_table_size (self->shown) == 0)
        return;
    }
  refresh (self);
}

/**
 * tc_notifier_set_catching_up:
 * @self: a notifier
 * @catching_up: whether the replica is being filled from the server
 *
 * While catching up (the first sync, or after being offline), messages
 * are taken as seen without notifications: the conversations list shows
 * them as unread. What arrives live afterwards is announced.
 */
void
tc_notifier_set_catching_up (TcNotifier *self,
                             gboolean    catching_up)
{
  g_return_if_fail (TC_IS_NOTIFIER (self));

  catching_up = !!catching_up;
  if (self->catching_up == catching_up)
    return;
  self->catching_up = catching_up;
  /* A change no listing has seen yet: one (quiet) listing now. */
  if (!catching_up && self->quiet_pending)
    refresh (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CATCHING_UP]);
}

static void
tc_notifier_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  TcNotifier *self = TC_NOTIFIER (object);

  switch (prop_id)
    {
    case PROP_CATCHING_UP:
      g_value_set_boolean (value, self->catching_up);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tc_notifier_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  TcNotifier *self = TC_NOTIFIER (object);

  switch (prop_id)
    {
    case PROP_CATCHING_UP:
      tc_notifier_set_catching_up (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

void
tc_notifier_set_visible_peer (TcNotifier *self,
                              const char *peer_id,
                              gboolean    focused)
{
  g_return_if_fail (TC_IS_NOTIFIER (self));

  g_free (self->visible_peer);
  self->visible_peer = g_strdup (peer_id);
  self->focused = focused;

  /* Looking at it is as good as reading it, as far as the desktop goes. */
  if (peer_id != NULL && focused && g_hash_table_remove (self->shown, peer_id))
    g_signal_emit (self, signals[WITHDRAW], 0, peer_id);
}

static void
tc_notifier_dispose (GObject *object)
{
  TcNotifier *self = TC_NOTIFIER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->replica);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (tc_notifier_parent_class)->dispose (object);
}

static void
tc_notifier_finalize (GObject *object)
{
  TcNotifier *self = TC_NOTIFIER (object);

  g_free (self->visible_peer);
  g_hash_table_unref (self->announced);
  g_hash_table_unref (self->shown);

  G_OBJECT_CLASS (tc_notifier_parent_class)->finalize (object);
}

static void
tc_notifier_class_init (TcNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tc_notifier_dispose;
  object_class->finalize = tc_notifier_finalize;
  object_class->get_property = tc_notifier_get_property;
  object_class->set_property = tc_notifier_set_property;

  /**
   * TcNotifier:catching-up:
   *
   * See tc_notifier_set_catching_up().
   */
  properties[PROP_CATCHING_UP] =
    g_param_spec_boolean ("catching-up", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TcNotifier::show:
   * @peer_id: whose conversation
   * @peer_name: their name, for the title
   * @snippet: the start of the newest message
   * @unread: how many are unread in that conversation
   *
   * Show (or replace) the notification of this conversation.
   */
  signals[SHOW] = g_signal_new ("show", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                NULL, NULL, G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING,
                                G_TYPE_STRING, G_TYPE_UINT);
  /**
   * TcNotifier::withdraw:
   * @peer_id: whose conversation was read
   */
  signals[WITHDRAW] = g_signal_new ("withdraw", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
tc_notifier_init (TcNotifier *self)
{
  self->cancellable = g_cancellable_new ();
  self->announced = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->shown = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

TcNotifier *
tc_notifier_new (TcReplica *replica,
                 GSettings *settings)
{
  TcNotifier *self;

  g_return_val_if_fail (TC_IS_REPLICA (replica), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (TC_TYPE_NOTIFIER, NULL);
  self->replica = g_object_ref (replica);
  self->settings = g_object_ref (settings);
  g_signal_connect_object (replica, "changed", G_CALLBACK (on_replica_changed_cb), self,
                           G_CONNECT_SWAPPED);
  refresh (self);   /* learn what is unread already */
  return self;
}
