/* tc-conversation-view.c: one conversation — its messages and a composer
 *
 * Reads only the replica. The history is a GtkListView over a
 * TcMessageModel: the model knows every message's place and reads the
 * messages the list shows, window by window, and follows the replica's
 * changes with precise "items-changed", so the list keeps its position
 * and focus; at the bottom it stays at the bottom. Between the two, a
 * TcTailModel gives the list only the newest messages at first and older
 * ones as the top comes near (GTK 4.8's list makes a row for up to 200
 * items, whatever the window shows). Sending stores the
 * message in the replica's outbox (shown at once as pending) and the sync
 * engine does the rest; opening the conversation moves the read marker,
 * which the sync engine tells the server.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "tc-composer.h"
#include "tc-conversation-view.h"
#include "tc-error.h"
#include "tc-message-model.h"
#include "tc-message-row.h"
#include "tc-replica-history.h"
#include "tc-tail-model.h"

/* Show how many characters are left once fewer than this remain. */

/* Closer than this to the end is at the bottom. */
#define BOTTOM_SLACK 24

/* Scrolling this soon after a person's wheel, drag or key is theirs. */
#define USER_SCROLL_USEC (500 * G_TIME_SPAN_MILLISECOND)

/* How long a message jumped to stays highlighted. */
#define HIGHLIGHT_MSEC 2000

/* Messages the list has when a conversation opens (more than a tall
 * window shows of one-line messages), and how many more it takes each
 * time the top comes within a page: each one a row to make and measure
 * in that frame, about a millisecond each. */
#define FIRST_ROWS 40
#define MORE_ROWS 25

struct _TcConversationView
{
  AdwBin             parent_instance;

  /* template widgets (not the toast overlay: AdwBin disposes its child) */
  AdwHeaderBar      *header_bar;
  GtkButton         *back_button;
  AdwAvatar         *avatar;
  GtkWidget         *presence_dot;
  GtkLabel          *name_label;
  GtkLabel          *presence_label;
  GtkScrolledWindow *scrolled_window;
  GtkListView       *message_list;
  GtkWidget         *empty_label;
  GtkWidget         *jump_button;
  TcComposer        *composer;

  /* borrowed */
  GtkAdjustment     *vadjustment;
  GtkWindow         *window;           /* our root while mapped */

  /* owned */
  TcReplica         *replica;          /* the account's */
  char              *my_id;
  char              *my_name;
  char              *peer_id;
  char              *peer_name;
  GCancellable      *cancellable;      /* reads for the conversation shown */
  GtkNoSelection    *selection;        /* over tail, for message_list */
  TcMessageModel    *model;            /* the conversation shown, or NULL */
  TcTailModel       *tail;             /* the part of model the list has; NULL with it */
  guint              more_tick_id;     /* older messages join at the next frame */
  guint              model_tick_id;    /* the model is made at the next frame */
  GHashTable        *drafts;           /* peer id → Draft: not sent yet */
  TcMediaCache      *media_cache;      /* the account's, for attachment cards */
  gulong             changed_id;
  gulong             active_id;

  /* read marker */
  gboolean           mark_on_load;     /* just opened: mark read even without focus */
  gint64             marked_up_to;

  /* scrolling */
  gboolean           stick_to_bottom;
  gboolean           scrolling;        /* we move the adjustment ourselves */
  guint              scroll_tick_id;
  gint64             user_scroll_at;   /* monotonic time of a person's last scroll */

  /* a message to show (tc_conversation_view_show_message()) */
  gint64             reveal_local_id;  /* once the model has it; 0: none */
  TcMessageItem     *highlighted;
  guint              highlight_id;

  gboolean           folded;
};

G_DEFINE_FINAL_TYPE (TcConversationView, tc_conversation_view, ADW_TYPE_BIN)

/* What was written in a conversation left before sending. */
typedef struct {
  char      *text;
  GPtrArray *attachments;   /* of TcResource */
} Draft;

static void
draft_free (Draft *draft)
{
  g_free (draft->text);
  g_ptr_array_unref (draft->attachments);
  g_free (draft);
}

static GPtrArray *
resources_copy (GPtrArray *resources)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_resource_free);

  for (guint i = 0; resources != NULL && i < resources->len; i++)
    g_ptr_array_add (copy, tc_resource_copy (g_ptr_array_index (resources, i)));
  return copy;
}

enum {
  PROP_0,
  PROP_PEER_ID,
  PROP_PEER_NAME,
  PROP_FOLDED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* --- helpers -------------------------------------------------------------------- */

static gboolean
is_on_screen (TcConversationView *self)
{
  return gtk_widget_get_mapped (GTK_WIDGET (self)) && self->window != NULL &&
         gtk_window_is_active (self->window);
}

static void show_error (TcConversationView *self,
                        const char         *format,
                        ...) G_GNUC_PRINTF (2, 3);

static void
show_error (TcConversationView *self,
            const char         *format,
            ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (adw_bin_get_child (ADW_BIN (self))),
                               adw_toast_new (text));
}

static guint
n_messages (TcConversationView *self)
{
  return self->tail != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->tail)) : 0;
}

/* --- scrolling ------------------------------------------------------------------ */

static void
scroll_to (TcConversationView *self,
           double              value)
{
  self->scrolling = TRUE;
  gtk_adjustment_set_value (self->vadjustment, value);
  self->scrolling = FALSE;
}

static gboolean
scroll_tick_cb (GtkWidget     *widget,
                GdkFrameClock *frame_clock,
                gpointer       user_data)
{
  TcConversationView *self = TC_CONVERSATION_VIEW (widget);

  self->scroll_tick_id = 0;
  if (self->stick_to_bottom)
    scroll_to (self, gtk_adjustment_get_upper (self->vadjustment) -
                     gtk_adjustment_get_page_size (self->vadjustment));
  return G_SOURCE_REMOVE;
}

/* At the bottom, stays there: at the start of the next frame, since the
 * bounds change while the list is being allocated, when a new value would
 * not move it. */
static void
queue_stick (TcConversationView *self)
{
  if (self->stick_to_bottom && self->scroll_tick_id == 0)
    self->scroll_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), scroll_tick_cb, NULL,
                                                         NULL);
}

static void
scroll_to_bottom (TcConversationView *self)
{
  guint n = n_messages (self);

  self->stick_to_bottom = TRUE;
  gtk_widget_set_visible (self->jump_button, FALSE);
  if (n > 0)
    gtk_widget_activate_action (GTK_WIDGET (self->message_list), "list.scroll-to-item", "u",
                                n - 1);
  scroll_to (self, gtk_adjustment_get_upper (self->vadjustment) -
                   gtk_adjustment_get_page_size (self->vadjustment));
  queue_stick (self);
}

/* --- older messages ------------------------------------------------------------- */

/* Within a page of the top, with older messages not in the list yet. At
 * the bottom, only while the messages do not fill the page (the list is
 * at the top for a moment, before it goes to the bottom). */
static gboolean
wants_more (TcConversationView *self)
{
  double page = gtk_adjustment_get_page_size (self->vadjustment);

  return self->tail != NULL && tc_tail_model_get_start (self->tail) > 0 &&
         gtk_adjustment_get_value (self->vadjustment) < page &&
         !(self->stick_to_bottom && gtk_adjustment_get_upper (self->vadjustment) > page);
}

static gboolean
more_tick_cb (GtkWidget     *widget,
              GdkFrameClock *frame_clock,
              gpointer       user_data)
{
  TcConversationView *self = TC_CONVERSATION_VIEW (widget);
  gboolean at_top = gtk_adjustment_get_value (self->vadjustment) <= 0;
  guint more;

  self->more_tick_id = 0;
  if (!wants_more (self))
    return G_SOURCE_REMOVE;
  more = tc_tail_model_show_more (self->tail, MORE_ROWS);
  /* The list keeps what is on screen where it is, except at the very top:
   * there it would show the older messages, which would be at the top in
   * turn, and so on through the whole conversation. */
  if (at_top)
    gtk_widget_activate_action (GTK_WIDGET (self->message_list), "list.scroll-to-item", "u", more);
  return G_SOURCE_REMOVE;
}

/* Older messages join at the start of the next frame (the bounds change
 * while the list is allocated), and not while messages are being read:
 * until they are, the rows do not have their heights. */
static void
queue_more (TcConversationView *self)
{
  if (self->more_tick_id != 0 || !wants_more (self) ||
      tc_message_model_get_n_pending (self->model) > 0)
    return;
  self->more_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), more_tick_cb, NULL, NULL);
}

static void
on_adjustment_bounds_cb (TcConversationView *self)
{
  /* Rows take their height as their messages are read and wrapped. */
  queue_stick (self);
  /* Too few to fill the page, at first or once read. */
  queue_more (self);
}

static void
on_adjustment_value_cb (TcConversationView *self)
{
  double value, bottom;

  queue_more (self);
  if (self->scrolling)
    return;
  value = gtk_adjustment_get_value (self->vadjustment);
  bottom = gtk_adjustment_get_upper (self->vadjustment) -
           gtk_adjustment_get_page_size (self->vadjustment);
  if (value >= bottom - BOTTOM_SLACK)
    {
      self->stick_to_bottom = TRUE;
      gtk_widget_set_visible (self->jump_button, FALSE);
    }
  /* The list moves the value itself to keep what is on screen in place
   * when rows above change height: only a person scrolling up unsticks. */
  else if (g_get_monotonic_time () - self->user_scroll_at < USER_SCROLL_USEC)
    self->stick_to_bottom = FALSE;
}

static void
note_user_scroll (TcConversationView *self)
{
  self->user_scroll_at = g_get_monotonic_time ();
}

static gboolean
on_scroll_cb (TcConversationView *self)
{
  note_user_scroll (self);
  return GDK_EVENT_PROPAGATE;
}

/* Before the focused message takes the key (its selectable text would
 * keep Page Up and Ctrl+Home for itself): the history moves a page, or to
 * its very first or last message. */
static gboolean
on_list_key_cb (TcConversationView *self,
                guint               keyval,
                guint               keycode,
                GdkModifierType     state)
{
  GdkModifierType mods = state & gtk_accelerator_get_default_mod_mask ();
  double page = gtk_adjustment_get_page_size (self->vadjustment);
  double value = gtk_adjustment_get_value (self->vadjustment);

  note_user_scroll (self);
  if (mods == 0 && (keyval == GDK_KEY_Page_Up || keyval == GDK_KEY_KP_Page_Up))
    gtk_adjustment_set_value (self->vadjustment, value - 0.9 * page);
  else if (mods == 0 && (keyval == GDK_KEY_Page_Down || keyval == GDK_KEY_KP_Page_Down))
    gtk_adjustment_set_value (self->vadjustment, value + 0.9 * page);
  else if (mods == GDK_CONTROL_MASK && (keyval == GDK_KEY_Home || keyval == GDK_KEY_KP_Home))
    {
      guint first = self->tail != NULL ? tc_tail_model_show_position (self->tail, 0) : G_MAXUINT;

      self->stick_to_bottom = FALSE;
      if (first != G_MAXUINT)
        gtk_widget_activate_action (GTK_WIDGET (self->message_list), "list.scroll-to-item", "u",
                                    first);
    }
  else if (mods == GDK_CONTROL_MASK && (keyval == GDK_KEY_End || keyval == GDK_KEY_KP_End))
    scroll_to_bottom (self);
  else
    return GDK_EVENT_PROPAGATE;
  return GDK_EVENT_STOP;
}

/* --- the list --------------------------------------------------------------------- */

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  gtk_list_item_set_activatable (list_item, FALSE);
  gtk_list_item_set_selectable (list_item, FALSE);
  gtk_list_item_set_child (list_item, tc_message_row_new ());
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             gpointer                  user_data)
{
  TcConversationView *self = user_data;
  TcMessageRow *row = TC_MESSAGE_ROW (gtk_list_item_get_child (list_item));

  /* Before the item: its cards download through the account's cache. */
  tc_message_row_set_media_cache (row, self->media_cache);
  tc_message_row_set_item (row, gtk_list_item_get_item (list_item));
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  tc_message_row_set_item (TC_MESSAGE_ROW (gtk_list_item_get_child (list_item)), NULL);
}

static void
update_empty (TcConversationView *self)
{
  gtk_widget_set_visible (self->empty_label, self->model != NULL &&
                                             tc_message_model_get_loaded (self->model) &&
                                             n_messages (self) == 0);
}

static void
clear_highlight (TcConversationView *self)
{
  g_clear_handle_id (&self->highlight_id, g_source_remove);
  if (self->highlighted != NULL)
    tc_message_item_set_flags (self->highlighted, TC_MESSAGE_ITEM_HIGHLIGHTED, 0);
  g_clear_object (&self->highlighted);
}

static gboolean
highlight_done_cb (gpointer user_data)
{
  TcConversationView *self = user_data;

  self->highlight_id = 0;
  clear_highlight (self);
  return G_SOURCE_REMOVE;
}

/* Scrolls to the message asked for, once the model has it. */
static void
reveal_pending (TcConversationView *self)
{
  guint position;

  if (self->reveal_local_id == 0 || self->model == NULL ||
      !tc_message_model_get_loaded (self->model))
    return;
  if (!tc_message_model_find (self->model, self->reveal_local_id, &position))
    return;   /* not in the keys yet: the next change brings it */

  self->reveal_local_id = 0;
  self->stick_to_bottom = FALSE;
  clear_highlight (self);
  self->highlighted = g_list_model_get_item (G_LIST_MODEL (self->model), position);
  gtk_widget_activate_action (GTK_WIDGET (self->message_list), "list.scroll-to-item", "u",
                              tc_tail_model_show_position (self->tail, position));
  tc_message_item_set_flags (self->highlighted, TC_MESSAGE_ITEM_HIGHLIGHTED,
                             TC_MESSAGE_ITEM_HIGHLIGHTED);
  self->highlight_id = g_timeout_add (HIGHLIGHT_MSEC, highlight_done_cb, self);
}

/* --- read marker ---------------------------------------------------------------- */

static void
mark_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!tc_replica_mark_read_finish (TC_REPLICA (source), result, &error) && error != NULL)
    g_warning ("Could not mark the conversation read: %s", error->message);
}

/* Marks the conversation read when a person can see it: just opened, or
 * on screen in the focused window. */
static void
maybe_mark_read (TcConversationView *self)
{
  gint64 newest;

  if (self->replica == NULL || self->peer_id == NULL || self->model == NULL ||
      !tc_message_model_get_loaded (self->model))
    return;
  newest = tc_message_model_get_newest_incoming (self->model);
  if (newest <= self->marked_up_to || (!self->mark_on_load && !is_on_screen (self)))
    return;

  self->marked_up_to = newest;
  /* Not cancelled with the view: what was seen stays seen. */
  tc_replica_mark_read_async (self->replica, self->peer_id, newest, NULL, mark_read_cb, NULL);
}

static void
on_window_active_cb (TcConversationView *self)
{
  maybe_mark_read (self);
}

/* --- the model ------------------------------------------------------------------- */

static void
on_model_loaded_cb (TcConversationView *self)
{
  /* A conversation opens at its newest message. */
  update_empty (self);
  scroll_to_bottom (self);
  maybe_mark_read (self);
  self->mark_on_load = FALSE;
  reveal_pending (self);
}

/* From the selection model, so after the list took the change in. */
static void
on_items_changed_cb (TcConversationView *self,
                     guint               position,
                     guint               removed,
                     guint               added)
{
  if (self->model == NULL || !tc_message_model_get_loaded (self->model))
    return;   /* the first load: see on_model_loaded_cb() */
  update_empty (self);
  if (added > 0 && position + added == n_messages (self))
    {
      /* New at the end: followed at the bottom, offered elsewhere. */
      if (self->stick_to_bottom)
        queue_stick (self);
      else
        gtk_widget_set_visible (self->jump_button, TRUE);
    }
  /* After a reset, what comes back was seen if it is on screen. */
  maybe_mark_read (self);
  self->mark_on_load = FALSE;
  reveal_pending (self);
}

static void
clear_tick (TcConversationView *self,
            guint              *tick_id)
{
  if (*tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), *tick_id);
      *tick_id = 0;
    }
}

static void
set_model (TcConversationView *self,
           TcMessageModel     *model)
{
  clear_tick (self, &self->model_tick_id);
  clear_tick (self, &self->more_tick_id);
  clear_highlight (self);
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_set_object (&self->model, model);
  g_clear_object (&self->tail);
  if (model != NULL)
    {
      g_signal_connect_object (model, "notify::loaded", G_CALLBACK (on_model_loaded_cb), self,
                               G_CONNECT_SWAPPED);
      tc_message_model_set_peer_name (model, self->peer_name);
      self->tail = tc_tail_model_new (G_LIST_MODEL (model), FIRST_ROWS);
    }
  gtk_no_selection_set_model (self->selection, G_LIST_MODEL (self->tail));
  gtk_widget_set_visible (self->jump_button, FALSE);
  update_empty (self);
}

/* The messages are read from the start of the frame after the click, so
 * that this frame shows the conversation's page at once, without rows: in
 * the frame that first has a long conversation's messages, GTK 4.8's list
 * builds and measures 200 rows (80–220 ms), and when the replica answered
 * before the next frame, the click's own frame waited for all of them. A
 * view that is not on screen reads them when it is shown. */
static gboolean
make_model_tick_cb (GtkWidget     *widget,
                    GdkFrameClock *frame_clock,
                    gpointer       user_data)
{
  TcConversationView *self = TC_CONVERSATION_VIEW (widget);
  g_autoptr(TcMessageModel) model = NULL;

  self->model_tick_id = 0;
  if (self->replica != NULL && self->peer_id != NULL)
    {
      model = tc_message_model_new (self->replica, self->peer_id);
      set_model (self, model);
    }
  return G_SOURCE_REMOVE;
}

/* Reads for the conversation shown. The replica reports a job that ran
 * even if it was cancelled meanwhile, so the callback asks the request's
 * own cancellable whether the answer is still wanted: not once the view
 * moved to another conversation or went away. */
typedef struct {
  TcConversationView *self;
  GCancellable       *cancellable;
} Request;

static Request *
request_new (TcConversationView *self)
{
  Request *request = g_new0 (Request, 1);

  request->self = g_object_ref (self);
  request->cancellable = g_object_ref (self->cancellable);
  return request;
}

static void
request_free (Request *request)
{
  g_object_unref (request->self);
  g_object_unref (request->cancellable);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, request_free)

/* --- the peer ------------------------------------------------------------------- */

static void
members_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  TcConversationView *self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) members = NULL;
  const TcAssociate *peer = NULL;
  const char *presence;

  members = tc_replica_list_members_finish (TC_REPLICA (source), result, &error);
  if (g_cancellable_is_cancelled (request->cancellable))
    return;

  self = request->self;
  if (members == NULL)
    {
      g_warning ("Could not list team members: %s", error->message);
      return;
    }
  for (guint i = 0; i < members->len && peer == NULL; i++)
    {
      const TcAssociate *member = g_ptr_array_index (members, i);

      if (g_strcmp0 (member->id, self->peer_id) == 0)
        peer = member;
    }

  /* Someone who left the team keeps their history, under their id. */
  g_free (self->peer_name);
  self->peer_name = g_strdup (peer != NULL && peer->name != NULL ? peer->name : self->peer_id);
  if (peer == NULL)
    presence = _("Not on your team any more");
  else if (peer->online)
    presence = _("Online");
  else
    presence = _("Offline");

  gtk_label_set_text (self->name_label, self->peer_name);
  gtk_label_set_text (self->presence_label, presence);
  /* Someone offline gets what is written here by text or email. */
  {
    const char *names[2] = { self->peer_name, NULL };

    tc_composer_set_offline_names (self->composer,
                                   peer != NULL && !peer->online ? names : NULL);
  }
  adw_avatar_set_text (self->avatar, self->peer_name);
  gtk_widget_set_visible (self->presence_dot, peer != NULL && peer->online);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PEER_NAME]);

  /* The rows name the sender for screen readers. */
  if (self->model != NULL)
    tc_message_model_set_peer_name (self->model, self->peer_name);
}

static void
load_peer (TcConversationView *self)
{
  if (self->replica == NULL || self->peer_id == NULL)
    return;
  tc_replica_list_members_async (self->replica, NULL, self->cancellable, members_cb,
                                 request_new (self));
}

static void
on_replica_changed_cb (TcConversationView  *self,
                       TcReplicaChange      change,
                       const char * const  *peers,
                       TcReplica           *replica)
{
  if (self->peer_id == NULL)
    return;
  if (peers != NULL && !g_strv_contains (peers, self->peer_id))
    return;

  if (change & TC_REPLICA_CHANGE_RESET)
    {
      /* Everything is synced again; the marker too. */
      self->marked_up_to = 0;
      self->mark_on_load = is_on_screen (self);
    }
  if (change & (TC_REPLICA_CHANGE_MEMBERS | TC_REPLICA_CHANGE_RESET))
    load_peer (self);
  /* Messages: the model follows them. */
}

/* --- composer ------------------------------------------------------------------- */

static void
update_composer (TcConversationView *self)
{
  tc_composer_set_can_send (self->composer, self->replica != NULL && self->peer_id != NULL);
}

typedef struct {
  TcConversationView *self;
  char               *body;
  GPtrArray          *attachments;   /* of TcResource */
} SendData;

static void
send_data_free (SendData *data)
{
  g_object_unref (data->self);
  g_free (data->body);
  g_ptr_array_unref (data->attachments);
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
  if (client_ids != NULL)
    return;   /* the replica's "changed" shows it */

  /* TRANSLATORS: %s is a technical error message */
  show_error (data->self, _("Could not keep the message to send it: %s"), error->message);
  /* Give the text and files back rather than lose them. */
  if (!tc_composer_has_message (data->self->composer))
    {
      tc_composer_set_text (data->self->composer, data->body);
      tc_composer_set_attachments (data->self->composer, data->attachments);
    }
}

static gboolean
on_send_cb (TcConversationView *self,
            const char         *text)
{
  const char *recipients[2] = { NULL, NULL };
  SendData *data;

  if (self->replica == NULL || self->peer_id == NULL)
    return FALSE;

  recipients[0] = self->peer_id;
  data = g_new0 (SendData, 1);
  data->self = g_object_ref (self);
  data->body = g_strdup (text);
  data->attachments = resources_copy (tc_composer_get_attachments (self->composer));
  /* Not cancellable: once Send is pressed the message must be kept, even
   * if the view goes away right after. */
  tc_replica_enqueue_message_async (self->replica, recipients, data->body, data->attachments,
                                    NULL, enqueue_cb, data);

  tc_composer_clear (self->composer);
  scroll_to_bottom (self);
  return TRUE;
}

static void
save_draft (TcConversationView *self)
{
  g_autofree char *text = NULL;
  GPtrArray *attachments;
  Draft *draft;

  if (self->peer_id == NULL)
    return;
  text = tc_composer_get_text (self->composer);
  attachments = tc_composer_get_attachments (self->composer);
  if (*text == '\0' && attachments->len == 0)
    {
      g_hash_table_remove (self->drafts, self->peer_id);
      return;
    }
  draft = g_new0 (Draft, 1);
  draft->text = g_steal_pointer (&text);
  draft->attachments = resources_copy (attachments);
  g_hash_table_insert (self->drafts, g_strdup (self->peer_id), draft);
}

/* --- actions -------------------------------------------------------------------- */

static void
scroll_to_bottom_activated (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *parameter)
{
  scroll_to_bottom (TC_CONVERSATION_VIEW (widget));
}

static void
retry_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(TcConversationView) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!tc_replica_retry_message_finish (TC_REPLICA (source), result, &error) && error != NULL)
    /* TRANSLATORS: %s is a technical error message */
    show_error (self, _("Could not send the message again: %s"), error->message);
}

static void
retry_activated (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  TcConversationView *self = TC_CONVERSATION_VIEW (widget);

  if (self->replica == NULL)
    return;
  tc_replica_retry_message_async (self->replica, g_variant_get_string (parameter, NULL), NULL,
                                  retry_cb, g_object_ref (self));
}

static void
delete_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(TcConversationView) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!tc_replica_delete_message_finish (TC_REPLICA (source), result, &error) && error != NULL)
    /* TRANSLATORS: %s is a technical error message */
    show_error (self, _("Could not delete the message: %s"), error->message);
}

static void
delete_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  TcConversationView *self = TC_CONVERSATION_VIEW (widget);

  if (self->replica == NULL)
    return;
  tc_replica_delete_message_async (self->replica, g_variant_get_string (parameter, NULL), NULL,
                                   delete_cb, g_object_ref (self));
}

/* --- public API ----------------------------------------------------------------- */

static void
close_conversation (TcConversationView *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->reveal_local_id = 0;
  set_model (self, NULL);

  g_clear_pointer (&self->peer_id, g_free);
  g_clear_pointer (&self->peer_name, g_free);
  gtk_label_set_text (self->name_label, "");
  gtk_label_set_text (self->presence_label, "");
  tc_composer_set_offline_names (self->composer, NULL);
  adw_avatar_set_text (self->avatar, NULL);
  gtk_widget_set_visible (self->presence_dot, FALSE);
  tc_composer_clear (self->composer);
}

/**
 * tc_conversation_view_set_account:
 * @self: a conversation view
 * @account: (nullable): a logged-in account
 *
 * Reads and writes @account's replica from now on; closes the conversation
 * shown and forgets the drafts of the previous account.
 */
void
tc_conversation_view_set_account (TcConversationView *self,
                                  TcAccount          *account)
{
  gboolean had_peer;

  g_return_if_fail (TC_IS_CONVERSATION_VIEW (self));
  g_return_if_fail (account == NULL || TC_IS_ACCOUNT (account));

  had_peer = self->peer_id != NULL;
  close_conversation (self);
  g_hash_table_remove_all (self->drafts);
  if (self->replica != NULL)
    g_clear_signal_handler (&self->changed_id, self->replica);
  g_clear_object (&self->replica);
  g_clear_pointer (&self->my_id, g_free);
  g_clear_pointer (&self->my_name, g_free);
  g_clear_object (&self->media_cache);
  tc_composer_set_account (self->composer,
                           account != NULL && tc_account_is_logged_in (account) ? account : NULL);

  if (account != NULL && tc_account_is_logged_in (account))
    {
      const TcAssociate *me = tc_account_get_associate (account);

      self->replica = g_object_ref (tc_account_get_replica (account));
      if (tc_account_get_media_cache (account) != NULL)
        self->media_cache = g_object_ref (tc_account_get_media_cache (account));
      self->my_id = g_strdup (me->id);
      self->my_name = g_strdup (me->name);
      self->changed_id = g_signal_connect_object (self->replica, "changed",
                                                  G_CALLBACK (on_replica_changed_cb), self,
                                                  G_CONNECT_SWAPPED);
    }
  update_composer (self);
  if (had_peer)
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PEER_ID]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PEER_NAME]);
    }
}

/**
 * tc_conversation_view_set_peer_id:
 * @self: a conversation view
 * @peer_id: (nullable): the other side of the conversation
 *
 * Opens the conversation with @peer_id at its newest message and marks it
 * read; a draft left in it earlier comes back into the composer.
 */
void
tc_conversation_view_set_peer_id (TcConversationView *self,
                                  const char         *peer_id)
{
  const Draft *draft;

  g_return_if_fail (TC_IS_CONVERSATION_VIEW (self));

  if (g_strcmp0 (peer_id, self->peer_id) == 0)
    {
      /* Opened again: what is shown was seen. */
      self->mark_on_load = TRUE;
      if (self->model != NULL && tc_message_model_get_loaded (self->model))
        {
          maybe_mark_read (self);
          self->mark_on_load = FALSE;
        }
      return;
    }

  save_draft (self);
  close_conversation (self);
  if (peer_id != NULL)
    {
      self->peer_id = g_strdup (peer_id);
      self->marked_up_to = 0;
      self->mark_on_load = TRUE;
      self->stick_to_bottom = TRUE;
      draft = g_hash_table_lookup (self->drafts, peer_id);
      if (draft != NULL)
        {
          tc_composer_set_text (self->composer, draft->text);
          tc_composer_set_attachments (self->composer, draft->attachments);
        }
      load_peer (self);
      if (self->replica != NULL)
        self->model_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self),
                                                            make_model_tick_cb, NULL, NULL);
    }
  update_composer (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PEER_ID]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PEER_NAME]);
}

typedef struct {
  TcConversationView *self;
  TcReplica          *replica;
  gint64              local_id;
} Reveal;

static void
reveal_free (Reveal *reveal)
{
  g_object_unref (reveal->self);
  g_object_unref (reveal->replica);
  g_free (reveal);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Reveal, reveal_free)

static void
position_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(Reveal) reveal = user_data;
  TcConversationView *self = reveal->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *peer_id = NULL;

  if (!tc_replica_get_message_position_finish (TC_REPLICA (source), result, &peer_id, NULL,
                                               &error))
    {
      if (self->replica != reveal->replica)
        return;
      if (g_error_matches (error, TC_ERROR, TC_ERROR_NOT_FOUND))
        show_error (self, "%s", _("That message is not here any more"));
      else
        g_warning ("Could not find message %" G_GINT64_FORMAT ": %s", reveal->local_id,
                   error->message);
      return;
    }
  if (self->replica != reveal->replica)
    return;   /* logged out meanwhile */
  if (g_strcmp0 (peer_id, self->peer_id) != 0)
    tc_conversation_view_set_peer_id (self, peer_id);
  self->reveal_local_id = reveal->local_id;
  reveal_pending (self);
}

/**
 * tc_conversation_view_show_message:
 * @self: a conversation view
 * @local_id: the local id of a message of the replica
 *
 * Opens the message's conversation if another one is shown, scrolls to
 * the message (reading the messages around it) and highlights it for a
 * moment. A message that is not in the replica any more is reported in a
 * toast.
 */
void
tc_conversation_view_show_message (TcConversationView *self,
                                   gint64              local_id)
{
  Reveal *reveal;

  g_return_if_fail (TC_IS_CONVERSATION_VIEW (self));

  if (self->replica == NULL)
    return;
  reveal = g_new0 (Reveal, 1);
  reveal->self = g_object_ref (self);
  reveal->replica = g_object_ref (self->replica);
  reveal->local_id = local_id;
  tc_replica_get_message_position_async (self->replica, local_id, NULL, position_cb, reveal);
}

const char *
tc_conversation_view_get_peer_id (TcConversationView *self)
{
  g_return_val_if_fail (TC_IS_CONVERSATION_VIEW (self), NULL);
  return self->peer_id;
}

const char *
tc_conversation_view_get_peer_name (TcConversationView *self)
{
  g_return_val_if_fail (TC_IS_CONVERSATION_VIEW (self), NULL);
  return self->peer_name;
}

void
tc_conversation_view_set_folded (TcConversationView *self,
                                 gboolean            folded)
{
  g_return_if_fail (TC_IS_CONVERSATION_VIEW (self));

  folded = !!folded;
  if (self->folded == folded)
    return;
  self->folded = folded;
  /* Alone in the window: the way back to the list, and the window
   * buttons that the list's header bar shows otherwise. */
  gtk_widget_set_visible (GTK_WIDGET (self->back_button), folded);
  adw_header_bar_set_show_start_title_buttons (self->header_bar, folded);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLDED]);
}

gboolean
tc_conversation_view_get_folded (TcConversationView *self)
{
  g_return_val_if_fail (TC_IS_CONVERSATION_VIEW (self), FALSE);
  return self->folded;
}

/* --- GObject -------------------------------------------------------------------- */

static gboolean
tc_conversation_view_grab_focus (GtkWidget *widget)
{
  TcConversationView *self = TC_CONVERSATION_VIEW (widget);

  /* Opening a conversation is for writing in it. */
  tc_composer_focus (self->composer);
  return TRUE;
}

static void
tc_conversation_view_map (GtkWidget *widget)
{
  TcConversationView *self = TC_CONVERSATION_VIEW (widget);
  GtkRoot *root;

  GTK_WIDGET_CLASS (tc_conversation_view_parent_class)->map (widget);

  root = gtk_widget_get_root (widget);
  if (GTK_IS_WINDOW (root))
    {
      self->window = GTK_WINDOW (root);
      self->active_id = g_signal_connect_object (self->window, "notify::is-active",
                                                 G_CALLBACK (on_window_active_cb), self,
                                                 G_CONNECT_SWAPPED);
    }
  if (self->replica != NULL && self->peer_id != NULL)
    maybe_mark_read (self);
}

static void
tc_conversation_view_unmap (GtkWidget *widget)
{
  TcConversationView *self = TC_CONVERSATION_VIEW (widget);

  if (self->window != NULL)
    g_clear_signal_handler (&self->active_id, self->window);
  self->window = NULL;

  GTK_WIDGET_CLASS (tc_conversation_view_parent_class)->unmap (widget);
}

static void
tc_conversation_view_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  TcConversationView *self = TC_CONVERSATION_VIEW (object);

  switch (prop_id)
    {
    case PROP_PEER_ID:
      g_value_set_string (value, self->peer_id);
      break;
    case PROP_PEER_NAME:
      g_value_set_string (value, self->peer_name);
      break;
    case PROP_FOLDED:
      g_value_set_boolean (value, self->folded);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tc_conversation_view_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  TcConversationView *self = TC_CONVERSATION_VIEW (object);

  switch (prop_id)
    {
    case PROP_PEER_ID:
      tc_conversation_view_set_peer_id (self, g_value_get_string (value));
      break;
    case PROP_FOLDED:
      tc_conversation_view_set_folded (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tc_conversation_view_dispose (GObject *object)
{
  TcConversationView *self = TC_CONVERSATION_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->replica != NULL)
    g_clear_signal_handler (&self->changed_id, self->replica);
  g_clear_object (&self->replica);
  g_clear_object (&self->media_cache);
  clear_tick (self, &self->scroll_tick_id);
  clear_tick (self, &self->model_tick_id);
  clear_tick (self, &self->more_tick_id);
  clear_highlight (self);
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->model);
  g_clear_object (&self->tail);
  gtk_widget_dispose_template (GTK_WIDGET (self), TC_TYPE_CONVERSATION_VIEW);

  G_OBJECT_CLASS (tc_conversation_view_parent_class)->dispose (object);
}

static void
tc_conversation_view_finalize (GObject *object)
{
  TcConversationView *self = TC_CONVERSATION_VIEW (object);

  g_clear_object (&self->selection);
  g_clear_pointer (&self->drafts, g_hash_table_unref);
  g_free (self->my_id);
  g_free (self->my_name);
  g_free (self->peer_id);
  g_free (self->peer_name);

  G_OBJECT_CLASS (tc_conversation_view_parent_class)->finalize (object);
}

static void
tc_conversation_view_class_init (TcConversationViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tc_conversation_view_dispose;
  object_class->finalize = tc_conversation_view_finalize;
  object_class->get_property = tc_conversation_view_get_property;
  object_class->set_property = tc_conversation_view_set_property;
  widget_class->grab_focus = tc_conversation_view_grab_focus;
  widget_class->map = tc_conversation_view_map;
  widget_class->unmap = tc_conversation_view_unmap;

  properties[PROP_PEER_ID] =
    g_param_spec_string ("peer-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_PEER_NAME] =
    g_param_spec_string ("peer-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_FOLDED] =
    g_param_spec_boolean ("folded", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (TC_TYPE_COMPOSER);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/teamchat/TeamChat/tc-conversation-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TcConversationView, header_bar);
  gtk_widget_class_bind_template_child (widget_class, TcConversationView, back_button);
  gtk_widget_class_bind_template_child (widget_class, TcConversationView, avatar);
  gtk_widget_class_bind_template_child (widget_class, TcConversationView, presence_dot);
  gtk_widget_class_bind_template_child (widget_class, TcConversationView, name_label);
  gtk_widget_class_bind_template_child (widget_class, TcConversationView, presence_label);
  gtk_widget_class_bind_template_child (widget_class, TcConversationView, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, TcConversationView, message_list);
  gtk_widget_class_bind_template_child (widget_class, TcConversationView, empty_label);
  gtk_widget_class_bind_template_child (widget_class, TcConversationView, jump_button);
  gtk_widget_class_bind_template_child (widget_class, TcConversationView, composer);
  gtk_widget_class_bind_template_callback (widget_class, on_send_cb);

  gtk_widget_class_install_action (widget_class, "conversation.scroll-to-bottom", NULL,
                                   scroll_to_bottom_activated);
  gtk_widget_class_install_action (widget_class, "conversation.retry", "s", retry_activated);
  gtk_widget_class_install_action (widget_class, "conversation.delete", "s", delete_activated);
}

static void
tc_conversation_view_init (TcConversationView *self)
{
  GtkEventController *controller;
  GtkGesture *press;
  GtkListItemFactory *factory;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->drafts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) draft_free);
  self->cancellable = g_cancellable_new ();
  self->stick_to_bottom = TRUE;

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row_cb), NULL);
  gtk_list_view_set_factory (self->message_list, factory);
  g_object_unref (factory);
  self->selection = gtk_no_selection_new (NULL);
  gtk_list_view_set_model (self->message_list, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect_object (self->selection, "items-changed", G_CALLBACK (on_items_changed_cb),
                           self, G_CONNECT_SWAPPED);

  self->vadjustment = gtk_scrolled_window_get_vadjustment (self->scrolled_window);
  g_signal_connect_object (self->vadjustment, "notify::upper",
                           G_CALLBACK (on_adjustment_bounds_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->vadjustment, "notify::page-size",
                           G_CALLBACK (on_adjustment_bounds_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->vadjustment, "value-changed",
                           G_CALLBACK (on_adjustment_value_cb), self, G_CONNECT_SWAPPED);

  /* What a person does to scroll: the wheel or touchpad, the scrollbar,
   * the keyboard in the list. */
  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL |
                                                GTK_EVENT_CONTROLLER_SCROLL_KINETIC);
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect_object (controller, "scroll", G_CALLBACK (on_scroll_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (controller, "scroll-begin", G_CALLBACK (note_user_scroll), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (controller, "decelerate", G_CALLBACK (note_user_scroll), self,
                           G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->scrolled_window), controller);
  press = gtk_gesture_click_new ();
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (press), GTK_PHASE_CAPTURE);
  g_signal_connect_object (press, "pressed", G_CALLBACK (note_user_scroll), self,
                           G_CONNECT_SWAPPED);
  gtk_widget_add_controller (gtk_scrolled_window_get_vscrollbar (self->scrolled_window),
                            GTK_EVENT_CONTROLLER (press));
  controller = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect_object (controller, "key-pressed", G_CALLBACK (on_list_key_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->message_list), controller);


  update_composer (self);
}

GtkWidget *
tc_conversation_view_new (void)
{
  return g_object_new (TC_TYPE_CONVERSATION_VIEW, NULL);
}
