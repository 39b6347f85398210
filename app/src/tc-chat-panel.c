/* tc-chat-panel.c: the Team Chat side panel — Recent and Unread
 *
 * Reads only the replica: it asks for the conversation list again whenever
 * the replica says messages, read markers or members changed.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "tc-chat-panel.h"
#include "tc-locale-format.h"
#include "tc-throttle.h"

struct _TcChatPanel
{
  AdwBin          parent_instance;

  /* template widgets */
  AdwHeaderBar    *header_bar;
  GtkToggleButton *recent_button;
  GtkToggleButton *unread_button;
  GtkLabel        *sync_label;
  GtkProgressBar  *sync_progress;
  GtkStack        *list_stack;
  GtkListBox      *list_box;
  AdwStatusPage   *empty_page;

  /* owned */
  TcAccount       *account;
  TcReplica       *replica;        /* the account's, held while shown */
  TcSyncEngine    *engine;
  GCancellable    *cancellable;    /* of the list being read, NULL when none is */
  TcThrottle      *throttle;       /* folds the replica's changes into few reads */
  char            *active_peer;    /* the conversation last opened */
  gulong           changed_id;
  gulong           state_id;
  gulong           progress_id;
  guint            tick_source;    /* keeps "5 min" true */
  gboolean         folded;
};

G_DEFINE_FINAL_TYPE (TcChatPanel, tc_chat_panel, ADW_TYPE_BIN)

enum {
  CONVERSATION_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

enum {
  PROP_0,
  PROP_FOLDED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];


static void
row_activate_activated (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       user_data)
{
  /* The same path as a click or Enter: GtkListBox::row-activated. */
  gtk_widget_activate (GTK_WIDGET (user_data));
}

/* The widgets of a row that change with its conversation; the row keeps
 * them (unowned: they are its children) so an update changes only texts
 * and visibility instead of building the row again. */
typedef struct {
  char      *peer_id;
  guint      position;      /* in the latest list, for the sort function */
  char      *shown;         /* what the row shows, to skip an update that changes nothing */
  GtkWidget *avatar;
  GtkWidget *dot;
  GtkWidget *name;
  GtkWidget *time_label;
  GtkWidget *preview;
  GtkWidget *badge;
} RowParts;

static void
row_parts_free (RowParts *parts)
{
  g_free (parts->peer_id);
  g_free (parts->shown);
  g_free (parts);
}

static RowParts *
row_parts (GtkWidget *row)
{
  return g_object_get_data (G_OBJECT (row), "tc-row-parts");
}

static GtkWidget *
conversation_row_new (const char *peer_id)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *overlay = gtk_overlay_new ();
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  RowParts *parts = g_new0 (RowParts, 1);
  g_autoptr(GSimpleActionGroup) actions = g_simple_action_group_new ();
  g_autoptr(GSimpleAction) activate = g_simple_action_new ("activate", NULL);

  parts->peer_id = g_strdup (peer_id);
  g_object_set_data_full (G_OBJECT (row), "tc-row-parts", parts, (GDestroyNotify) row_parts_free);
  g_object_set_data_full (G_OBJECT (row), "peer-id", g_strdup (peer_id), g_free);
  /* GTK 4.8 gives list rows no accessible action; this one lets assistive
   * technologies (and the UI tests) open a conversation. */
  g_signal_connect_object (activate, "activate", G_CALLBACK (row_activate_activated), row, 0);
  g_action_map_add_action (G_ACTION_MAP (actions), G_ACTION (activate));
  gtk_widget_insert_action_group (row, "row", G_ACTION_GROUP (actions));
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);

  parts->avatar = adw_avatar_new (40, NULL, TRUE);
  gtk_overlay_set_child (GTK_OVERLAY (overlay), parts->avatar);
  parts->dot = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_widget_add_css_class (parts->dot, "presence-dot");
  gtk_widget_set_halign (parts->dot, GTK_ALIGN_END);
  gtk_widget_set_valign (parts->dot, GTK_ALIGN_END);
  gtk_overlay_add_overlay (GTK_OVERLAY (overlay), parts->dot);
  gtk_box_append (GTK_BOX (box), overlay);

  parts->name = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (parts->name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (parts->name), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (parts->name, TRUE);
  gtk_widget_add_css_class (parts->name, "heading");
  gtk_box_append (GTK_BOX (top), parts->name);
  parts->time_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (parts->time_label, "dim-label");
  gtk_widget_add_css_class (parts->time_label, "caption");
  gtk_box_append (GTK_BOX (top), parts->time_label);
  gtk_box_append (GTK_BOX (text), top);

  parts->preview = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (parts->preview), 0);
  gtk_label_set_ellipsize (GTK_LABEL (parts->preview), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (parts->preview, "dim-label");
  gtk_box_append (GTK_BOX (text), parts->preview);
  gtk_widget_set_hexpand (text, TRUE);
  gtk_widget_set_valign (text, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), text);

  parts->badge = gtk_label_new (NULL);
  gtk_widget_add_css_class (parts->badge, "unread-badge");
  gtk_widget_set_valign (parts->badge, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), parts->badge);

  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  return row;
}

/* Shows @conversation in @row; what did not change stays as it is (a
 * label given its own text again does nothing). */
static void
conversation_row_update (GtkWidget            *row,
                         const TcConversation *conversation)
{
  RowParts *parts = row_parts (row);
  const TcReplicaMessage *last = conversation->last_message;
  g_autofree char *accessible = NULL;
  g_autofree char *when = NULL;
  g_autofree char *flat = NULL;
  char *shown;

  if (last != NULL)
    {
      when = tc_format_relative_time (last->message->sent_at);
      flat = g_strdup (last->message->body ? last->message->body : "");
      g_strdelimit (flat, "\n\r\t", ' ');
    }
  /* Most rows of a new list show what they showed: the accessible label
   * alone would be set again, and announced, for nothing. */
  shown = g_strdup_printf ("%s\x1f%d\x1f%u\x1f%s\x1f%s", conversation->peer_name,
                           conversation->online, conversation->unread, when ? when : "",
                           flat ? flat : "");
  if (g_strcmp0 (shown, parts->shown) == 0)
    {
      g_free (shown);
      return;
    }
  g_free (parts->shown);
  parts->shown = shown;

  adw_avatar_set_text (ADW_AVATAR (parts->avatar), conversation->peer_name);
  gtk_widget_set_visible (parts->dot, conversation->online);
  gtk_label_set_text (GTK_LABEL (parts->name), conversation->peer_name);
  if (last != NULL)
    {
      gtk_label_set_text (GTK_LABEL (parts->time_label), when);
      gtk_label_set_text (GTK_LABEL (parts->preview), flat);
    }
  else
    gtk_label_set_text (GTK_LABEL (parts->preview), "");
  gtk_widget_set_visible (parts->time_label, last != NULL);
  if (conversation->unread > 0)
    {
      g_autofree char *count = tc_format_count (conversation->unread);

      gtk_label_set_text (GTK_LABEL (parts->badge), count);
    }
  gtk_widget_set_visible (parts->badge, conversation->unread > 0);

  /* One sentence for screen readers: who, presence, how many unread. */
  if (conversation->unread > 0)
    accessible = g_strdup_printf (ngettext ("%s, %s, %'u unread message",
                                            "%s, %s, %'u unread messages", conversation->unread),
                                  conversation->peer_name,
                                  conversation->online ? _("online") : _("offline"),
                                  conversation->unread);
  else
    accessible = g_strdup_printf (C_("conversation row", "%s, %s"), conversation->peer_name,
                                  conversation->online ? _("online") : _("offline"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                  -1);
}

static int
compare_rows (GtkListBoxRow *a,
              GtkListBoxRow *b,
              gpointer       user_data)
{
  guint x = row_parts (GTK_WIDGET (a))->position, y = row_parts (GTK_WIDGET (b))->position;

  return x < y ? -1 : x > y;
}

static void
conversations_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(TcChatPanel) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) conversations = NULL;
  GCancellable *cancellable = g_task_get_cancellable (G_TASK (result));
  g_autoptr(GHashTable) rows = NULL;
  gboolean active_listed = FALSE;
  gboolean moved = FALSE;     /* the order changed: sort the rows again */
  GHashTableIter iter;
  GtkWidget *child;

  conversations = tc_replica_list_conversations_finish (TC_REPLICA (source), result, &error);
  /* The replica answers jobs that had already run even when they were
   * cancelled since: a newer list is on its way, or the panel is gone. */
  if (g_cancellable_is_cancelled (cancellable))
    return;
  if (cancellable == self->cancellable)
    g_clear_object (&self->cancellable);
  /* Changes during the read: one more read covers them all. */
  tc_throttle_done (self->throttle);
  if (conversations == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not list conversations: %s", error->message);
      return;
    }

  /* The rows stay and change in place (a sync changes the list many
   * times a second): only conversations new to the list get a row. */
  rows = g_hash_table_new (g_str_hash, g_str_equal);
  for (child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_BOX_ROW (child))
      g_hash_table_insert (rows, row_parts (child)->peer_id, child);
  for (guint i = 0; i < conversations->len; i++)
    {
      const TcConversation *conversation = g_ptr_array_index (conversations, i);
      GtkWidget *row = g_hash_table_lookup (rows, conversation->peer_id);

      if (row != NULL)
        g_hash_table_remove (rows, conversation->peer_id);
      else
        {
          row = conversation_row_new (conversation->peer_id);
          gtk_list_box_append (self->list_box, row);
          moved = TRUE;
        }
      if (row_parts (row)->position != i)
        moved = TRUE;
      row_parts (row)->position = i;
      conversation_row_update (row, conversation);
      /* The open conversation stays highlighted across updates. */
      if (g_strcmp0 (conversation->peer_id, self->active_peer) == 0)
        {
          gtk_list_box_select_row (self->list_box, GTK_LIST_BOX_ROW (row));
          active_listed = TRUE;
        }
    }
  if (!active_listed)
    gtk_list_box_unselect_all (self->list_box);
  /* What is left is no longer listed. */
  g_hash_table_iter_init (&iter, rows);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &child))
    gtk_list_box_remove (self->list_box, child);
  if (moved)
    gtk_list_box_invalidate_sort (self->list_box);

  if (conversations->len > 0)
    gtk_stack_set_visible_child_name (self->list_stack, "list");
  else
    {
      gboolean unread = gtk_toggle_button_get_active (self->unread_button);

      adw_status_page_set_title (self->empty_page,
                                 unread ? _("All Caught Up") : _("No Conversations Yet"));
      adw_status_page_set_description (self->empty_page,
                                       unread ? _("You have read every message.")
                                              : _("Messages you send and receive show up here."));
      gtk_stack_set_visible_child_name (self->list_stack, "empty");
    }
}

/* Called by the throttle; tc_throttle_done() when the answer is shown. */
static void
refresh (gpointer user_data)
{
  TcChatPanel *self = user_data;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->replica == NULL)
    {
      tc_throttle_done (self->throttle);
      return;
    }
  self->cancellable = g_cancellable_new ();
  tc_replica_list_conversations_async (self->replica,
                                       gtk_toggle_button_get_active (self->unread_button)
                                         ? TC_CONVERSATIONS_UNREAD : TC_CONVERSATIONS_RECENT,
                                       self->cancellable, conversations_cb, g_object_ref (self));
}

static void
on_replica_changed_cb (TcChatPanel     *self,
                       TcReplicaChange  change)
{
  if (!(change & (TC_REPLICA_CHANGE_MESSAGES | TC_REPLICA_CHANGE_READ | TC_REPLICA_CHANGE_MEMBERS |
                  TC_REPLICA_CHANGE_RESET)))
    return;
  /* A read on its way is not thrown away for a newer one: a sync changes
   * the replica faster than the list is read. */
  tc_throttle_request (self->throttle);
}

static void
update_sync_status (TcChatPanel *self)
{
  TcSyncEngine *engine = self->engine;
  const char *text = NULL;
  gboolean first_sync = FALSE;

  if (engine == NULL)
    return;
  /* While the engine catches up (a first sync changes the replica many
   * times a second), the list is read at most once per
   * TC_THROTTLE_CATCH_UP_MS: each read is a query on the replica's
   * worker, which applies the sync meanwhile, and an update of every row
   * (and so a layout of the list). */
  tc_throttle_set_interval (self->throttle,
                            tc_sync_engine_get_state (engine) == TC_SYNC_STATE_SYNCING
                              ? TC_THROTTLE_CATCH_UP_MS : 0);
  switch (tc_sync_engine_get_state (engine))
    {
    case TC_SYNC_STATE_OFFLINE:
      text = _("Offline — messages you write are sent when the connection returns");
      break;
    case TC_SYNC_STATE_CONNECTING:
      text = _("Connecting…");
      break;
    case TC_SYNC_STATE_SYNCING:
      text = _("Updating…");
      first_sync = tc_sync_engine_get_first_sync (engine);
      break;
    case TC_SYNC_STATE_ONLINE:
    default:
      break;
    }
  gtk_label_set_text (self->sync_label, text ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->sync_label), text != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->sync_progress), first_sync);
  if (first_sync)
    {
      double progress = tc_sync_engine_get_progress (engine);

      /* Before the server said how far it goes, just show that it moves. */
      if (progress < 0)
        gtk_progress_bar_pulse (self->sync_progress);
      else
        gtk_progress_bar_set_fraction (self->sync_progress, progress);
    }
}

static void
on_filter_toggled_cb (TcChatPanel     *self,
                      GtkToggleButton *button)
{
  if (gtk_toggle_button_get_active (button))
    tc_throttle_run_now (self->throttle);
}

static void
on_row_activated_cb (TcChatPanel   *self,
                     GtkListBoxRow *row)
{
  const char *peer_id = g_object_get_data (G_OBJECT (row), "peer-id");

  g_return_if_fail (peer_id != NULL);

  g_free (self->active_peer);
  self->active_peer = g_strdup (peer_id);
  gtk_list_box_select_row (self->list_box, row);
  g_signal_emit (self, signals[CONVERSATION_ACTIVATED], 0, peer_id);
}

static gboolean
on_tick_cb (gpointer user_data)
{
  tc_throttle_request (TC_CHAT_PANEL (user_data)->throttle);
  return G_SOURCE_CONTINUE;
}

static void
disconnect_account (TcChatPanel *self)
{
  g_clear_handle_id (&self->tick_source, g_source_remove);
  if (self->replica != NULL)
    g_clear_signal_handler (&self->changed_id, self->replica);
  if (self->engine != NULL)
    {
      g_clear_signal_handler (&self->state_id, self->engine);
      g_clear_signal_handler (&self->progress_id, self->engine);
    }
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->throttle != NULL)
    tc_throttle_reset (self->throttle);
  g_clear_object (&self->replica);
  g_clear_object (&self->engine);
  g_clear_object (&self->account);
  g_clear_pointer (&self->active_peer, g_free);
}

void
tc_chat_panel_set_account (TcChatPanel *self,
                           TcAccount   *account)
{
  GtkWidget *child;

  g_return_if_fail (TC_IS_CHAT_PANEL (self));

  disconnect_account (self);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box))) != NULL)
    gtk_list_box_remove (self->list_box, child);
  if (account == NULL || !tc_account_is_logged_in (account))
    return;

  self->account = g_object_ref (account);
  self->replica = g_object_ref (tc_account_get_replica (account));
  self->engine = g_object_ref (tc_account_get_sync_engine (account));
  self->changed_id = g_signal_connect_object (self->replica, "changed",
                                              G_CALLBACK (on_replica_changed_cb), self,
                                              G_CONNECT_SWAPPED);
  self->state_id = g_signal_connect_object (self->engine, "notify::state",
                                            G_CALLBACK (update_sync_status), self,
                                            G_CONNECT_SWAPPED);
  self->progress_id = g_signal_connect_object (self->engine, "notify::progress",
                                               G_CALLBACK (update_sync_status), self,
                                               G_CONNECT_SWAPPED);
  update_sync_status (self);
  tc_throttle_run_now (self->throttle);
  self->tick_source = g_timeout_add_seconds (60, on_tick_cb, self);
}

void
tc_chat_panel_set_folded (TcChatPanel *self,
                          gboolean     folded)
{
  g_return_if_fail (TC_IS_CHAT_PANEL (self));

  folded = !!folded;
  if (self->folded == folded)
    return;
  self->folded = folded;
  /* Side by side, the conversation's header bar has them. */
  adw_header_bar_set_show_end_title_buttons (self->header_bar, folded);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLDED]);
}

static void
tc_chat_panel_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  TcChatPanel *self = TC_CHAT_PANEL (object);

  switch (prop_id)
    {
    case PROP_FOLDED:
      g_value_set_boolean (value, self->folded);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tc_chat_panel_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  TcChatPanel *self = TC_CHAT_PANEL (object);

  switch (prop_id)
    {
    case PROP_FOLDED:
      tc_chat_panel_set_folded (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
all_read_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* The panel refreshes from the replica's "changed" signal. */
  if (!tc_replica_mark_all_read_finish (TC_REPLICA (source), result, &error))
    g_warning ("Could not mark every conversation read: %s", error->message);
}

static void
on_mark_all_response_cb (AdwMessageDialog *dialog,
                         const char       *response,
                         TcChatPanel      *self)
{
  if (g_strcmp0 (response, "mark") == 0 && self->replica != NULL)
    tc_replica_mark_all_read_async (self->replica, NULL, all_read_cb, NULL);
}

static void
mark_all_read_activated (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  TcChatPanel *self = TC_CHAT_PANEL (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  AdwMessageDialog *dialog;

  if (self->replica == NULL)
    return;
  /* It cannot be undone, so ask first. */
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                       _("Mark All Conversations as Read?"),
                                                       _("Every conversation is marked as read, here and on your other devices.")));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "mark", _("_Mark All as Read"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "mark", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "mark");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_mark_all_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
tc_chat_panel_dispose (GObject *object)
{
  TcChatPanel *self = TC_CHAT_PANEL (object);

  disconnect_account (self);
  g_clear_object (&self->throttle);
  gtk_widget_dispose_template (GTK_WIDGET (self), TC_TYPE_CHAT_PANEL);

  G_OBJECT_CLASS (tc_chat_panel_parent_class)->dispose (object);
}

static void
tc_chat_panel_class_init (TcChatPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tc_chat_panel_dispose;
  object_class->get_property = tc_chat_panel_get_property;
  object_class->set_property = tc_chat_panel_set_property;

  properties[PROP_FOLDED] =
    g_param_spec_boolean ("folded", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TcChatPanel::conversation-activated:
   * @peer_id: the other side of the conversation
   *
   * A person chose a conversation (click, Enter or an assistive
   * technology's action).
   */
  signals[CONVERSATION_ACTIVATED] =
    g_signal_new ("conversation-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/teamchat/TeamChat/tc-chat-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, TcChatPanel, header_bar);
  gtk_widget_class_bind_template_child (widget_class, TcChatPanel, recent_button);
  gtk_widget_class_bind_template_child (widget_class, TcChatPanel, unread_button);
  gtk_widget_class_bind_template_child (widget_class, TcChatPanel, sync_label);
  gtk_widget_class_bind_template_child (widget_class, TcChatPanel, sync_progress);
  gtk_widget_class_bind_template_child (widget_class, TcChatPanel, list_stack);
  gtk_widget_class_bind_template_child (widget_class, TcChatPanel, list_box);
  gtk_widget_class_bind_template_child (widget_class, TcChatPanel, empty_page);
  gtk_widget_class_bind_template_callback (widget_class, on_filter_toggled_cb);

  gtk_widget_class_install_action (widget_class, "panel.mark-all-read", NULL,
                                   mark_all_read_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated_cb);
}

static void
tc_chat_panel_init (TcChatPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->throttle = tc_throttle_new (refresh, self);
  gtk_list_box_set_sort_func (self->list_box, compare_rows, NULL, NULL);
}
