/* tc-conversation-view.c: one conversation — its messages and a composer
 *
 * Reads only the replica. It shows the newest page of the conversation and
 * reads it again whenever the replica says this conversation changed,
 * updating the rows it already has in place; older pages come on request.
 * Sending stores the message in the replica's outbox (shown at once as
 * pending) and the sync engine does the rest; opening the conversation
 * moves the read marker, which the sync engine tells the server.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "tc-conversation-view.h"
#include "tc-message-row.h"

/* Messages per page: one query is a few milliseconds even on a slow disk,
 * and a page fills a tall window. */
#define PAGE_SIZE 50

/* Show how many characters are left once fewer than this remain. */
#define COUNTER_THRESHOLD 300

/* Messages of one sender closer than this in time read as one block. */
#define CONTINUATION_USEC (5 * G_TIME_SPAN_MINUTE)

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
  GtkButton         *load_earlier_button;
  GtkListBox        *message_list;
  GtkTextView       *text_view;
  GtkLabel          *placeholder_label;
  GtkLabel          *counter_label;

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
  GPtrArray         *messages;         /* of TcReplicaMessage, oldest first, as shown */
  GHashTable        *rows;             /* local id → TcMessageRow in message_list */
  GHashTable        *drafts;           /* peer id → text not sent yet */
  gulong             changed_id;
  gulong             active_id;

  /* loading: one query at a time, so that pages never overlap */
  guint              request_limit;
  gboolean           loading;
  gboolean           reload_pending;
  gboolean           earlier_pending;
  gboolean           has_more;

  /* read marker */
  gboolean           mark_on_load;     /* just opened: mark read even without focus */
  gint64             marked_up_to;

  /* scrolling */
  gboolean           stick_to_bottom;
  double             keep_from_bottom; /* < 0: none */
  gboolean           scrolling;        /* we move the adjustment ourselves */
  guint              scroll_tick_id;

  gboolean           folded;
  gboolean           preedit;          /* an input method is composing */
};

G_DEFINE_FINAL_TYPE (TcConversationView, tc_conversation_view, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_PEER_ID,
  PROP_PEER_NAME,
  PROP_FOLDED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void load_messages (TcConversationView *self);
static void load_earlier  (TcConversationView *self);

/* --- helpers -------------------------------------------------------------------- */

static GDateTime *
local_time (const TcReplicaMessage *message)
{
  return g_date_time_new_from_unix_local (message->message->sent_at / G_USEC_PER_SEC);
}

static gboolean
same_day (GDateTime *a,
          GDateTime *b)
{
  return a != NULL && b != NULL &&
         g_date_time_get_year (a) == g_date_time_get_year (b) &&
         g_date_time_get_day_of_year (a) == g_date_time_get_day_of_year (b);
}

static char *
format_day (GDateTime *day)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) yesterday = g_date_time_add_days (now, -1);

  if (same_day (day, now))
    return g_strdup (_("Today"));
  if (same_day (day, yesterday))
    return g_strdup (_("Yesterday"));
  if (g_date_time_get_year (day) == g_date_time_get_year (now))
    /* TRANSLATORS: a day of this year above its messages, see g_date_time_format() */
    return g_date_time_format (day, _("%A, %B %-d"));
  /* TRANSLATORS: a day of another year above its messages, see g_date_time_format() */
  return g_date_time_format (day, _("%B %-d, %Y"));
}

static gboolean
is_outgoing (TcConversationView     *self,
             const TcReplicaMessage *message)
{
  return tc_replica_message_is_outgoing (message, self->my_id);
}

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

/* --- scrolling ------------------------------------------------------------------ */

static void
scroll_to (TcConversationView *self,
           double              value)
{
  self->scrolling = TRUE;
  gtk_adjustment_set_value (self->vadjustment, value);
  self->scrolling = FALSE;
}

static void
scroll_to_bottom (TcConversationView *self)
{
  self->stick_to_bottom = TRUE;
  self->keep_from_bottom = -1;
  scroll_to (self, gtk_adjustment_get_upper (self->vadjustment) -
                   gtk_adjustment_get_page_size (self->vadjustment));
}

static gboolean
scroll_tick_cb (GtkWidget     *widget,
                GdkFrameClock *frame_clock,
                gpointer       user_data)
{
  TcConversationView *self = TC_CONVERSATION_VIEW (widget);
  double upper = gtk_adjustment_get_upper (self->vadjustment);

  self->scroll_tick_id = 0;
  if (self->keep_from_bottom >= 0)
    scroll_to (self, upper - self->keep_from_bottom);
  else if (self->stick_to_bottom)
    scroll_to (self, upper - gtk_adjustment_get_page_size (self->vadjustment));
  return G_SOURCE_REMOVE;
}

static void
on_adjustment_bounds_cb (TcConversationView *self)
{
  /* Rows take their height over several layouts (wrapped text), so follow
   * every change: at the bottom we stay at the bottom; after loading older
   * messages above, what was on screen stays where it was. The bounds
   * change while the viewport is being allocated, when a new value would
   * not move it: set it at the start of the next frame. */
  if ((self->keep_from_bottom >= 0 || self->stick_to_bottom) && self->scroll_tick_id == 0)
    self->scroll_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), scroll_tick_cb, NULL,
                                                         NULL);
}

static void
on_adjustment_value_cb (TcConversationView *self)
{
  double value, bottom;

  if (self->scrolling)
    return;
  /* The person scrolled. */
  value = gtk_adjustment_get_value (self->vadjustment);
  bottom = gtk_adjustment_get_upper (self->vadjustment) -
           gtk_adjustment_get_page_size (self->vadjustment);
  self->keep_from_bottom = -1;
  self->stick_to_bottom = value >= bottom - 24;
}

/* --- rows ----------------------------------------------------------------------- */

static void
update_header_cb (GtkListBoxRow *row,
                  GtkListBoxRow *before,
                  gpointer       user_data)
{
  const TcReplicaMessage *message = tc_message_row_get_message (TC_MESSAGE_ROW (row));
  g_autoptr(GDateTime) day = message ? local_time (message) : NULL;
  g_autofree char *text = NULL;
  GtkWidget *header;

  if (before != NULL && day != NULL)
    {
      const TcReplicaMessage *previous = tc_message_row_get_message (TC_MESSAGE_ROW (before));
      g_autoptr(GDateTime) previous_day = previous ? local_time (previous) : NULL;

      if (same_day (day, previous_day))
        {
          gtk_list_box_row_set_header (row, NULL);
          return;
        }
    }
  if (day == NULL)
    {
      gtk_list_box_row_set_header (row, NULL);
      return;
    }

  text = format_day (day);
  header = gtk_list_box_row_get_header (row);
  if (GTK_IS_LABEL (header) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (header)), text) == 0)
    return;
  header = gtk_label_new (text);
  gtk_widget_add_css_class (header, "day-separator");
  gtk_widget_add_css_class (header, "caption-heading");
  gtk_widget_add_css_class (header, "dim-label");
  gtk_list_box_row_set_header (row, header);
}

/* Whether @message follows @previous closely enough to join its block. */
static gboolean
continues (TcConversationView     *self,
           const TcReplicaMessage *previous,
           gboolean                previous_has_status,
           const TcReplicaMessage *message)
{
  g_autoptr(GDateTime) a = NULL;
  g_autoptr(GDateTime) b = NULL;

  if (previous == NULL || previous_has_status)
    return FALSE;
  if (is_outgoing (self, previous) != is_outgoing (self, message))
    return FALSE;
  if (message->message->sent_at - previous->message->sent_at > CONTINUATION_USEC)
    return FALSE;
  a = local_time (previous);
  b = local_time (message);
  return same_day (a, b);
}

static void
update_load_earlier (TcConversationView *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->load_earlier_button), self->has_more);
  /* Clicks while a query runs queue up: one page each. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "conversation.load-earlier", self->has_more);
}

/* Shows @messages (oldest first), reusing the rows of messages already on
 * screen so that selections, focus and the scroll position survive. */
static void
show_messages (TcConversationView *self,
               GPtrArray          *messages)
{
  g_autoptr(GHashTable) wanted = g_hash_table_new (g_int64_hash, g_int64_equal);
  GHashTableIter iter;
  gpointer key, value;
  int receipt = -1;

  for (guint i = 0; i < messages->len; i++)
    {
      TcReplicaMessage *message = g_ptr_array_index (messages, i);

      g_hash_table_add (wanted, &message->local_id);
      /* The peer's read marker shows under the last message it covers. */
      if (is_outgoing (self, message) && message->state == TC_MESSAGE_STATE_SENT &&
          message->message->read)
        receipt = (int) i;
    }

  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (wanted, key))
      {
        gtk_list_box_remove (self->message_list, GTK_WIDGET (value));
        g_hash_table_iter_remove (&iter);
      }

  for (guint i = 0; i < messages->len; i++)
    {
      TcReplicaMessage *message = g_ptr_array_index (messages, i);
      TcReplicaMessage *previous = i > 0 ? g_ptr_array_index (messages, i - 1) : NULL;
      gboolean outgoing = is_outgoing (self, message);
      gboolean previous_has_status;
      TcMessageRow *row = g_hash_table_lookup (self->rows, &message->local_id);

      if (row == NULL)
        {
          row = TC_MESSAGE_ROW (tc_message_row_new ());
          g_hash_table_insert (self->rows, g_memdup2 (&message->local_id, sizeof (gint64)), row);
          gtk_list_box_insert (self->message_list, GTK_WIDGET (row), (int) i);
        }
      else if (gtk_list_box_get_row_at_index (self->message_list, (int) i) != GTK_LIST_BOX_ROW (row))
        {
          /* A pending message got its place from the server. */
          g_object_ref (row);
          gtk_list_box_remove (self->message_list, GTK_WIDGET (row));
          gtk_list_box_insert (self->message_list, GTK_WIDGET (row), (int) i);
          g_object_unref (row);
        }

      tc_message_row_set_message (row, message, outgoing, outgoing ? self->my_name : self->peer_name);
      tc_message_row_set_show_receipt (row, (int) i == receipt);
      previous_has_status = previous != NULL &&
                            (previous->state != TC_MESSAGE_STATE_SENT || (int) i - 1 == receipt ||
                             previous->message->delivered_via != NULL);
      tc_message_row_set_continued (row, continues (self, previous, previous_has_status, message));
    }

  g_ptr_array_ref (messages);   /* it may be self->messages itself */
  g_clear_pointer (&self->messages, g_ptr_array_unref);
  self->messages = messages;
  gtk_list_box_invalidate_headers (self->message_list);
  update_load_earlier (self);
}

static void
clear_messages (TcConversationView *self)
{
  GHashTableIter iter;
  gpointer row;

  /* Only the rows: the list's placeholder stays. */
  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, NULL, &row))
    gtk_list_box_remove (self->message_list, GTK_WIDGET (row));
  g_hash_table_remove_all (self->rows);
  g_ptr_array_set_size (self->messages, 0);
  self->has_more = FALSE;
  update_load_earlier (self);
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

/* Marks what is shown read when a person can see it: just opened, or on
 * screen in the focused window. */
static void
maybe_mark_read (TcConversationView *self)
{
  gint64 newest = 0;

  if (self->replica == NULL || self->peer_id == NULL)
    return;
  for (guint i = self->messages->len; i > 0; i--)
    {
      TcReplicaMessage *message = g_ptr_array_index (self->messages, i - 1);

      /* Ordered by server id: the last one received is the newest. */
      if (!is_outgoing (self, message) && message->message->id > 0)
        {
          newest = message->message->id;
          break;
        }
    }
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

/* --- loading -------------------------------------------------------------------- */

/* A read for the conversation shown. The replica reports a job that ran
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

static void
load_next (TcConversationView *self)
{
  if (self->reload_pending)
    {
      self->reload_pending = FALSE;
      load_messages (self);
    }
  else if (self->earlier_pending)
    {
      self->earlier_pending = FALSE;
      load_earlier (self);
    }
}

static void
newest_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  TcConversationView *self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) shown = NULL;
  guint keep;

  rows = tc_replica_list_messages_finish (TC_REPLICA (source), result, &error);
  if (g_cancellable_is_cancelled (request->cancellable))
    return;   /* the view changed conversation or went away */

  self = request->self;
  self->loading = FALSE;
  if (rows == NULL)
    {
      g_warning ("Could not list messages: %s", error->message);
      load_next (self);
      return;
    }

  /* Rows are newest first. Keep everything from the oldest message shown
   * so far, so new messages never push shown ones out. */
  if (self->messages->len == 0)
    {
      keep = MIN (rows->len, PAGE_SIZE);
      self->has_more = rows->len > PAGE_SIZE;
    }
  else
    {
      TcReplicaMessage *oldest = g_ptr_array_index (self->messages, 0);
      int anchor = -1;

      for (guint i = 0; i < rows->len; i++)
        if (((TcReplicaMessage *) g_ptr_array_index (rows, i))->local_id == oldest->local_id)
          {
            anchor = (int) i;
            break;
          }
      if (anchor >= 0)
        {
          keep = (guint) anchor + 1;
          if (keep < rows->len)
            self->has_more = TRUE;
          else if (rows->len < self->request_limit)
            self->has_more = FALSE;
        }
      else
        {
          /* The oldest one shown is gone (deleted, purged, reset). */
          keep = MIN (rows->len, self->request_limit - 1);
          self->has_more = rows->len >= self->request_limit;
        }
    }

  shown = g_ptr_array_new_full (keep, (GDestroyNotify) tc_replica_message_free);
  for (guint i = keep; i > 0; i--)
    g_ptr_array_add (shown, tc_replica_message_copy (g_ptr_array_index (rows, i - 1)));
  show_messages (self, shown);

  maybe_mark_read (self);
  self->mark_on_load = FALSE;
  load_next (self);
}

/* Reads the newest messages again, as many as are shown and some more. */
static void
load_messages (TcConversationView *self)
{
  if (self->replica == NULL || self->peer_id == NULL)
    return;
  if (self->loading)
    {
      self->reload_pending = TRUE;
      return;
    }

  self->loading = TRUE;
  self->request_limit = self->messages->len == 0 ? PAGE_SIZE + 1
                                                 : self->messages->len + PAGE_SIZE + 1;
  tc_replica_list_messages_async (self->replica, self->peer_id, 0, self->request_limit,
                                  self->cancellable, newest_cb, request_new (self));
}

static void
earlier_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  TcConversationView *self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) shown = NULL;
  guint keep;

  rows = tc_replica_list_messages_finish (TC_REPLICA (source), result, &error);
  if (g_cancellable_is_cancelled (request->cancellable))
    return;

  self = request->self;
  self->loading = FALSE;
  if (rows == NULL)
    {
      /* TRANSLATORS: %s is a technical error message */
      show_error (self, _("Could not load earlier messages: %s"), error->message);
      update_load_earlier (self);
      load_next (self);
      return;
    }

  keep = MIN (rows->len, PAGE_SIZE);
  self->has_more = rows->len > PAGE_SIZE;
  shown = g_ptr_array_new_full (keep + self->messages->len, (GDestroyNotify) tc_replica_message_free);
  for (guint i = keep; i > 0; i--)
    g_ptr_array_add (shown, tc_replica_message_copy (g_ptr_array_index (rows, i - 1)));
  for (guint i = 0; i < self->messages->len; i++)
    g_ptr_array_add (shown, tc_replica_message_copy (g_ptr_array_index (self->messages, i)));

  /* Older messages go above: keep what is on screen in place. */
  self->stick_to_bottom = FALSE;
  self->keep_from_bottom = gtk_adjustment_get_upper (self->vadjustment) -
                           gtk_adjustment_get_value (self->vadjustment);
  show_messages (self, shown);
  load_next (self);
}

static void
load_earlier (TcConversationView *self)
{
  TcReplicaMessage *oldest;

  if (self->replica == NULL || self->peer_id == NULL || self->messages->len == 0)
    return;
  if (self->loading)
    {
      self->earlier_pending = TRUE;
      return;
    }

  self->loading = TRUE;
  oldest = g_ptr_array_index (self->messages, 0);
  tc_replica_list_messages_async (self->replica, self->peer_id, oldest->local_id, PAGE_SIZE + 1,
                                  self->cancellable, earlier_cb, request_new (self));
}

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
  adw_avatar_set_text (self->avatar, self->peer_name);
  gtk_widget_set_visible (self->presence_dot, peer != NULL && peer->online);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PEER_NAME]);

  /* The rows name the sender for screen readers. */
  if (self->messages->len > 0)
    show_messages (self, self->messages);
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
  if (change & (TC_REPLICA_CHANGE_MESSAGES | TC_REPLICA_CHANGE_READ | TC_REPLICA_CHANGE_RESET))
    load_messages (self);
}

/* --- composer ------------------------------------------------------------------- */

static char *
get_composer_text (TcConversationView *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static gboolean
is_blank (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (!g_unichar_isspace (g_utf8_get_char (p)))
      return FALSE;
  return TRUE;
}

static void
update_composer (TcConversationView *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  int n_chars = gtk_text_buffer_get_char_count (buffer);
  int remaining = TC_MESSAGE_MAX_BODY_CHARS - n_chars;
  g_autofree char *text = get_composer_text (self);
  gboolean can_send;

  gtk_widget_set_visible (GTK_WIDGET (self->placeholder_label), n_chars == 0);

  /* The limit of API.md, in characters as the server counts them; only
   * shown when it gets close. */
  gtk_widget_set_visible (GTK_WIDGET (self->counter_label), remaining < COUNTER_THRESHOLD);
  if (remaining < COUNTER_THRESHOLD)
    {
      g_autofree char *count = g_strdup_printf ("%d", remaining);
      g_autofree char *sentence = NULL;

      if (remaining >= 0)
        sentence = g_strdup_printf (ngettext ("%d character left", "%d characters left", remaining),
                                    remaining);
      else
        sentence = g_strdup_printf (ngettext ("%d character too many", "%d characters too many",
                                              -remaining),
                                    -remaining);
      gtk_label_set_text (self->counter_label, count);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->counter_label), sentence);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->counter_label),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, sentence, -1);
      if (remaining < 0)
        {
          gtk_widget_add_css_class (GTK_WIDGET (self->counter_label), "error");
          gtk_widget_remove_css_class (GTK_WIDGET (self->counter_label), "dim-label");
        }
      else
        {
          gtk_widget_remove_css_class (GTK_WIDGET (self->counter_label), "error");
          gtk_widget_add_css_class (GTK_WIDGET (self->counter_label), "dim-label");
        }
    }

  can_send = self->replica != NULL && self->peer_id != NULL && remaining >= 0 && !is_blank (text);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "conversation.send", can_send);
}

typedef struct {
  TcConversationView *self;
  char               *body;
} SendData;

static void
send_data_free (SendData *data)
{
  g_object_unref (data->self);
  g_free (data->body);
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
  GtkTextBuffer *buffer;

  client_ids = tc_replica_enqueue_message_finish (TC_REPLICA (source), result, &error);
  if (client_ids != NULL)
    return;   /* the replica's "changed" shows it */

  /* TRANSLATORS: %s is a technical error message */
  show_error (data->self, _("Could not keep the message to send it: %s"), error->message);
  /* Give the text back rather than lose it. */
  buffer = gtk_text_view_get_buffer (data->self->text_view);
  if (gtk_text_buffer_get_char_count (buffer) == 0)
    gtk_text_buffer_set_text (buffer, data->body, -1);
}

static gboolean
send_message (TcConversationView *self)
{
  g_autofree char *text = get_composer_text (self);
  const char *recipients[2] = { NULL, NULL };
  SendData *data;

  if (self->replica == NULL || self->peer_id == NULL || is_blank (text) ||
      g_utf8_strlen (text, -1) > TC_MESSAGE_MAX_BODY_CHARS)
    {
      gtk_widget_error_bell (GTK_WIDGET (self->text_view));
      return FALSE;
    }

  recipients[0] = self->peer_id;
  data = g_new0 (SendData, 1);
  data->self = g_object_ref (self);
  data->body = g_strdup (g_strstrip (text));
  /* Not cancellable: once Send is pressed the message must be kept, even
   * if the view goes away right after. */
  tc_replica_enqueue_message_async (self->replica, recipients, data->body, NULL, NULL,
                                    enqueue_cb, data);

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), "", 0);
  scroll_to_bottom (self);
  return TRUE;
}

static gboolean
on_key_pressed_cb (TcConversationView    *self,
                   guint                  keyval,
                   guint                  keycode,
                   GdkModifierType        state,
                   GtkEventControllerKey *controller)
{
  if (keyval != GDK_KEY_Return && keyval != GDK_KEY_KP_Enter && keyval != GDK_KEY_ISO_Enter)
    return GDK_EVENT_PROPAGATE;
  /* While an input method composes, Enter is for it. */
  if (self->preedit)
    return GDK_EVENT_PROPAGATE;

  state &= gtk_accelerator_get_default_mod_mask ();
  /* Shift+Enter: a new line. Enter or Ctrl+Enter: send. */
  if (state != 0 && state != GDK_CONTROL_MASK)
    return GDK_EVENT_PROPAGATE;
  send_message (self);
  return GDK_EVENT_STOP;
}

static void
on_preedit_changed_cb (TcConversationView *self,
                       const char         *preedit)
{
  self->preedit = preedit != NULL && *preedit != '\0';
}

static void
save_draft (TcConversationView *self)
{
  g_autofree char *text = NULL;

  if (self->peer_id == NULL)
    return;
  text = get_composer_text (self);
  if (*text != '\0')
    g_hash_table_insert (self->drafts, g_strdup (self->peer_id), g_steal_pointer (&text));
  else
    g_hash_table_remove (self->drafts, self->peer_id);
}

/* --- actions -------------------------------------------------------------------- */

static void
send_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  send_message (TC_CONVERSATION_VIEW (widget));
}

static void
load_earlier_activated (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  load_earlier (TC_CONVERSATION_VIEW (widget));
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
  self->loading = FALSE;
  self->reload_pending = FALSE;
  self->earlier_pending = FALSE;
  clear_messages (self);

  g_clear_pointer (&self->peer_id, g_free);
  g_clear_pointer (&self->peer_name, g_free);
  gtk_label_set_text (self->name_label, "");
  gtk_label_set_text (self->presence_label, "");
  adw_avatar_set_text (self->avatar, NULL);
  gtk_widget_set_visible (self->presence_dot, FALSE);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), "", 0);
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

  if (account != NULL && tc_account_is_logged_in (account))
    {
      const TcAssociate *me = tc_account_get_associate (account);

      self->replica = g_object_ref (tc_account_get_replica (account));
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
  const char *draft;

  g_return_if_fail (TC_IS_CONVERSATION_VIEW (self));

  if (g_strcmp0 (peer_id, self->peer_id) == 0)
    {
      /* Opened again: what is shown was seen. */
      self->mark_on_load = TRUE;
      if (self->peer_id != NULL && !self->loading)
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
      self->keep_from_bottom = -1;
      draft = g_hash_table_lookup (self->drafts, peer_id);
      if (draft != NULL)
        gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), draft, -1);
      load_peer (self);
      load_messages (self);
    }
  update_composer (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PEER_ID]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PEER_NAME]);
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
  return gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
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
  if (self->scroll_tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->scroll_tick_id);
      self->scroll_tick_id = 0;
    }
  if (self->rows != NULL)
    g_hash_table_remove_all (self->rows);
  gtk_widget_dispose_template (GTK_WIDGET (self), TC_TYPE_CONVERSATION_VIEW);

  G_OBJECT_CLASS (tc_conversation_view_parent_class)->dispose (object);
}

static void
tc_conversation_view_finalize (GObject *object)
{
  TcConversationView *self = TC_CONVERSATION_VIEW (object);

  g_clear_pointer (&self->messages, g_ptr_array_unref);
  g_clear_pointer (&self->rows, g_hash_table_unref);
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

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/teamchat/TeamChat/tc-conversation-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TcConversationView, header_bar);
  gtk_widget_class_bind_template_child (widget_class, TcConversationView, back_button);
  gtk_widget_class_bind_template_child (widget_class, TcConversationView, avatar);
  gtk_widget_class_bind_template_child (widget_class, TcConversationView, presence_dot);
  gtk_widget_class_bind_template_child (widget_class, TcConversationView, name_label);
  gtk_widget_class_bind_template_child (widget_class, TcConversationView, presence_label);
  gtk_widget_class_bind_template_child (widget_class, TcConversationView, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, TcConversationView, load_earlier_button);
  gtk_widget_class_bind_template_child (widget_class, TcConversationView, message_list);
  gtk_widget_class_bind_template_child (widget_class, TcConversationView, text_view);
  gtk_widget_class_bind_template_child (widget_class, TcConversationView, placeholder_label);
  gtk_widget_class_bind_template_child (widget_class, TcConversationView, counter_label);
  gtk_widget_class_bind_template_callback (widget_class, on_preedit_changed_cb);

  gtk_widget_class_install_action (widget_class, "conversation.send", NULL, send_activated);
  gtk_widget_class_install_action (widget_class, "conversation.load-earlier", NULL,
                                   load_earlier_activated);
  gtk_widget_class_install_action (widget_class, "conversation.retry", "s", retry_activated);
  gtk_widget_class_install_action (widget_class, "conversation.delete", "s", delete_activated);
}

static void
tc_conversation_view_init (TcConversationView *self)
{
  GtkEventController *keys;
  GtkWidget *placeholder;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_replica_message_free);
  self->rows = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->drafts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->cancellable = g_cancellable_new ();
  self->stick_to_bottom = TRUE;
  self->keep_from_bottom = -1;

  gtk_list_box_set_header_func (self->message_list, update_header_cb, NULL, NULL);
  placeholder = gtk_label_new (_("No messages yet. Say hello!"));
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 48);
  gtk_widget_set_margin_bottom (placeholder, 48);
  gtk_list_box_set_placeholder (self->message_list, placeholder);

  self->vadjustment = gtk_scrolled_window_get_vadjustment (self->scrolled_window);
  g_signal_connect_object (self->vadjustment, "notify::upper",
                           G_CALLBACK (on_adjustment_bounds_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->vadjustment, "notify::page-size",
                           G_CALLBACK (on_adjustment_bounds_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->vadjustment, "value-changed",
                           G_CALLBACK (on_adjustment_value_cb), self, G_CONNECT_SWAPPED);

  /* Before the text view sees it: Enter sends, Shift+Enter is a new line. */
  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect_object (keys, "key-pressed", G_CALLBACK (on_key_pressed_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->text_view), keys);
  g_signal_connect_object (gtk_text_view_get_buffer (self->text_view), "changed",
                           G_CALLBACK (update_composer), self, G_CONNECT_SWAPPED);

  update_composer (self);
  update_load_earlier (self);
}

GtkWidget *
tc_conversation_view_new (void)
{
  return g_object_new (TC_TYPE_CONVERSATION_VIEW, NULL);
}
