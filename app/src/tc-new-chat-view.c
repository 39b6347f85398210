/* tc-new-chat-view.c: one message to several team members, each their own
 *
 * Search the team (the replica's members: name, email or phone, ignoring
 * case and accents), add recipients as removable chips, type, Send. The
 * replica keeps one message per recipient, each with its own client id, in
 * the outbox; each lands in that member's own conversation. Offline
 * recipients are named above the composer: their copy goes out by text or
 * email.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "tc-chip.h"
#include "tc-composer.h"
#include "tc-member-row.h"
#include "tc-new-chat-view.h"
#include "tc-presence-avatar.h"

/* More than this many matches would not help anyone pick. */
#define MAX_RESULTS 50

struct _TcNewChatView
{
  AdwBin          parent_instance;

  /* template widgets */
  GtkFlowBox     *chips;
  GtkSearchEntry *search_entry;
  GtkListBox     *results;
  TcComposer     *composer;

  TcReplica      *replica;
  GCancellable   *cancellable;     /* the search in flight */
  GPtrArray      *recipients;      /* TcAssociate, in the order chosen */
};

G_DEFINE_FINAL_TYPE (TcNewChatView, tc_new_chat_view, ADW_TYPE_BIN)

enum {
  SENT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void search (TcNewChatView *self);
static void show_recipients (TcNewChatView *self);

static gboolean
is_recipient (TcNewChatView *self,
              const char    *id)
{
  for (guint i = 0; i < self->recipients->len; i++)
    if (g_strcmp0 (((TcAssociate *) g_ptr_array_index (self->recipients, i))->id, id) == 0)
      return TRUE;
  return FALSE;
}

static void
remove_chip_clicked_cb (GtkButton     *button,
                        TcNewChatView *self)
{
  const char *id = tc_chip_get_id (button);

  for (guint i = 0; i < self->recipients->len; i++)
    if (g_strcmp0 (((TcAssociate *) g_ptr_array_index (self->recipients, i))->id, id) == 0)
      {
        g_ptr_array_remove_index (self->recipients, i);
        break;
      }
  /* The button goes with its chip: focus the search, not nowhere. */
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  show_recipients (self);
  search (self);
}

static void
show_recipients (TcNewChatView *self)
{
  g_autoptr(GStrvBuilder) offline = g_strv_builder_new ();
  g_auto(GStrv) names = NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->chips))) != NULL)
    gtk_flow_box_remove (self->chips, child);
  for (guint i = 0; i < self->recipients->len; i++)
    {
      const TcAssociate *member = g_ptr_array_index (self->recipients, i);

      gtk_flow_box_append (self->chips,
                           tc_chip_new (tc_presence_avatar_new (20, member->name, member->online),
                                        member->name, member->id,
                                        G_CALLBACK (remove_chip_clicked_cb), self));
      if (!member->online)
        g_strv_builder_add (offline, member->name);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->chips), self->recipients->len > 0);
  names = g_strv_builder_end (offline);
  tc_composer_set_offline_names (self->composer, (const char * const *) names);
  tc_composer_set_can_send (self->composer, self->recipients->len > 0 && self->replica != NULL);
}

/* --- search ------------------------------------------------------------------- */

static void
members_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GCancellable) cancellable = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) members = NULL;
  TcNewChatView *self;
  GtkWidget *child;
  guint shown = 0;

  members = tc_replica_list_members_finish (TC_REPLICA (source), result, &error);
  if (g_cancellable_is_cancelled (cancellable))
    return;
  self = g_object_get_data (G_OBJECT (cancellable), "view");
  if (members == NULL)
    {
      g_warning ("Could not search the team: %s", error->message);
      return;
    }

  /* Presence may have changed since a chip was made. */
  for (guint i = 0; i < self->recipients->len; i++)
    {
      TcAssociate *recipient = g_ptr_array_index (self->recipients, i);

      for (guint j = 0; j < members->len; j++)
        {
          const TcAssociate *member = g_ptr_array_index (members, j);

          if (g_strcmp0 (member->id, recipient->id) == 0 && member->online != recipient->online)
            {
              recipient->online = member->online;
              g_object_set_data (G_OBJECT (self), "rebuild", GINT_TO_POINTER (1));
            }
        }
    }
  if (g_object_steal_data (G_OBJECT (self), "rebuild") != NULL)
    show_recipients (self);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->results))) != NULL)
    gtk_list_box_remove (self->results, child);
  for (guint i = 0; i < members->len && shown < MAX_RESULTS; i++)
    {
      const TcAssociate *member = g_ptr_array_index (members, i);

      if (is_recipient (self, member->id))
        continue;
      gtk_list_box_append (self->results, tc_member_row_new (member, member->email));
      shown++;
    }
}

static void
search (TcNewChatView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->replica == NULL)
    return;
  self->cancellable = g_cancellable_new ();
  g_object_set_data (G_OBJECT (self->cancellable), "view", self);
  tc_replica_list_members_async (self->replica, text, self->cancellable, members_cb,
                                 g_object_ref (self->cancellable));
}

static void
on_search_changed_cb (TcNewChatView *self)
{
  search (self);
}

static void
add_member (TcNewChatView     *self,
            const TcAssociate *member)
{
  if (is_recipient (self, member->id))
    return;
  g_ptr_array_add (self->recipients, tc_associate_copy (member));
  show_recipients (self);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  search (self);
}

static void
on_result_activated_cb (TcNewChatView *self,
                        GtkListBoxRow *row)
{
  g_autoptr(TcAssociate) member = tc_associate_new ();

  member->id = g_strdup (tc_member_row_get_member_id (TC_MEMBER_ROW (row)));
  member->name = g_strdup (tc_member_row_get_name (TC_MEMBER_ROW (row)));
  member->online = tc_member_row_get_online (TC_MEMBER_ROW (row));
  add_member (self, member);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
on_search_activate_cb (TcNewChatView *self)
{
  GtkListBoxRow *first = gtk_list_box_get_row_at_index (self->results, 0);
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  /* Enter in the search adds the first match; with nothing typed it moves
   * on to the message. */
  if (*text != '\0' && first != NULL)
    on_result_activated_cb (self, first);
  else if (self->recipients->len > 0)
    tc_composer_focus (self->composer);
}

/* --- send --------------------------------------------------------------------- */

typedef struct {
  TcNewChatView *self;
  char          *body;
  GPtrArray     *attachments;   /* of TcResource */
  GStrv          recipients;
} SendData;

static void
send_data_free (SendData *data)
{
  g_object_unref (data->self);
  g_free (data->body);
  g_ptr_array_unref (data->attachments);
  g_strfreev (data->recipients);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SendData, send_data_free)

static void
enqueue_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(SendData) data = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) client_ids = NULL;

  client_ids = tc_replica_enqueue_message_finish (TC_REPLICA (source), result, &error);
  if (client_ids == NULL)
    {
      /* TRANSLATORS: %s is a technical error message */
      g_autofree char *text = g_strdup_printf (_("Could not keep the message to send it: %s"),
                                               error->message);

      gtk_widget_activate_action (GTK_WIDGET (data->self), "win.show-toast", "s", text);
      /* Give the text and files back rather than lose them. */
      if (!tc_composer_has_message (data->self->composer))
        {
          tc_composer_set_text (data->self->composer, data->body);
          tc_composer_set_attachments (data->self->composer, data->attachments);
        }
      return;
    }
  g_signal_emit (data->self, signals[SENT], 0, data->recipients);
}

static gboolean
on_send_cb (TcNewChatView *self,
            const char    *text)
{
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();
  SendData *data;

  if (self->replica == NULL || self->recipients->len == 0)
    return FALSE;
  for (guint i = 0; i < self->recipients->len; i++)
    g_strv_builder_add (ids, ((TcAssociate *) g_ptr_array_index (self->recipients, i))->id);

  data = g_new0 (SendData, 1);
  data->self = g_object_ref (self);
  data->body = g_strdup (text);
  data->recipients = g_strv_builder_end (ids);
  data->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_resource_free);
  for (guint i = 0; i < tc_composer_get_attachments (self->composer)->len; i++)
    g_ptr_array_add (data->attachments,
                     tc_resource_copy (g_ptr_array_index (tc_composer_get_attachments (self->composer),
                                                          i)));
  /* Not cancellable: once Send is pressed the message must be kept. Each
   * recipient's own message carries the same files. */
  tc_replica_enqueue_message_async (self->replica, (const char * const *) data->recipients,
                                    data->body, data->attachments, NULL, enqueue_cb, data);
  tc_composer_clear (self->composer);
  return TRUE;
}

/* --- public ------------------------------------------------------------------- */

static void
on_replica_changed_cb (TcNewChatView   *self,
                       TcReplicaChange  what)
{
  if (what & (TC_REPLICA_CHANGE_MEMBERS | TC_REPLICA_CHANGE_RESET))
    search (self);
}

void
tc_new_chat_view_set_account (TcNewChatView *self,
                              TcAccount     *account)
{
  g_return_if_fail (TC_IS_NEW_CHAT_VIEW (self));

  if (self->replica != NULL)
    g_signal_handlers_disconnect_by_func (self->replica, on_replica_changed_cb, self);
  g_clear_object (&self->replica);
  tc_composer_set_account (self->composer,
                           account != NULL && tc_account_get_replica (account) != NULL ? account
                                                                                      : NULL);
  if (account != NULL && tc_account_get_replica (account) != NULL)
    {
      self->replica = g_object_ref (tc_account_get_replica (account));
      g_signal_connect_object (self->replica, "changed", G_CALLBACK (on_replica_changed_cb), self,
                               G_CONNECT_SWAPPED);
    }
  tc_new_chat_view_reset (self, NULL);
}

void
tc_new_chat_view_reset (TcNewChatView *self,
                        const char    *text)
{
  g_return_if_fail (TC_IS_NEW_CHAT_VIEW (self));

  g_ptr_array_set_size (self->recipients, 0);
  show_recipients (self);
  tc_composer_set_attachments (self->composer, NULL);
  tc_composer_set_text (self->composer, text);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  search (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
member_for_chip_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(TcNewChatView) self = user_data;
  g_autoptr(TcAssociate) member = tc_replica_get_member_finish (TC_REPLICA (source), result, NULL);

  if (member != NULL)
    add_member (self, member);
}

void
tc_new_chat_view_add_recipient (TcNewChatView *self,
                                const char    *member_id)
{
  g_return_if_fail (TC_IS_NEW_CHAT_VIEW (self));

  if (self->replica == NULL || member_id == NULL)
    return;
  tc_replica_get_member_async (self->replica, member_id, NULL, member_for_chip_cb,
                               g_object_ref (self));
}

static void
tc_new_chat_view_dispose (GObject *object)
{
  TcNewChatView *self = TC_NEW_CHAT_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->replica != NULL)
    g_signal_handlers_disconnect_by_func (self->replica, on_replica_changed_cb, self);
  g_clear_object (&self->replica);
  g_clear_pointer (&self->recipients, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), TC_TYPE_NEW_CHAT_VIEW);

  G_OBJECT_CLASS (tc_new_chat_view_parent_class)->dispose (object);
}

static void
tc_new_chat_view_class_init (TcNewChatViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tc_new_chat_view_dispose;

  /* The message is kept for each of these member ids (a GStrv). */
  signals[SENT] =
    g_signal_new ("sent", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRV);

  g_type_ensure (TC_TYPE_COMPOSER);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/teamchat/TeamChat/tc-new-chat-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TcNewChatView, chips);
  gtk_widget_class_bind_template_child (widget_class, TcNewChatView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, TcNewChatView, results);
  gtk_widget_class_bind_template_child (widget_class, TcNewChatView, composer);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_result_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_send_cb);
}

static void
tc_new_chat_view_init (TcNewChatView *self)
{
  self->recipients = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_associate_free);
  gtk_widget_init_template (GTK_WIDGET (self));
  tc_composer_set_can_send (self->composer, FALSE);
}
