/* tc-search-view.c: search every message of the replica
 *
 * A search entry and the matches grouped by conversation (a header per
 * conversation with its name and how many matches it has), as you type:
 * the entry waits a moment after the last keystroke, and a new search
 * cancels the one before, so a late answer never replaces a newer one.
 * Reads only the replica, and searches again when its messages change.
 *
 * Keyboard: Down goes from the entry into the results, Up from the first
 * result back to the entry, Enter opens the selected result (from the
 * entry: the first one), Escape clears the search.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "tc-locale-format.h"
#include "tc-replica-search.h"
#include "tc-search-view.h"

/* Enough to scroll through; the newest matches first. */
#define MAX_RESULTS 200

struct _TcSearchView
{
  AdwBin          parent_instance;

  /* template widgets */
  GtkSearchEntry *entry;
  GtkStack       *stack;
  GtkListBox     *list_box;

  /* owned */
  TcReplica      *replica;
  GCancellable   *cancellable;   /* of the search under way */
  GHashTable     *counts;        /* peer id → how many results it has */
  gulong          changed_id;
};

G_DEFINE_FINAL_TYPE (TcSearchView, tc_search_view, ADW_TYPE_BIN)

enum {
  MESSAGE_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* --- rows ----------------------------------------------------------------------- */

static void
row_activate_activated (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       user_data)
{
  /* The same path as a click or Enter: GtkListBox::row-activated. */
  gtk_widget_activate (GTK_WIDGET (user_data));
}

static GtkWidget *
group_header_new (const char *peer_name,
                  guint       count)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *name = gtk_label_new (peer_name);
  g_autofree char *text = tc_format_count (count);
  GtkWidget *count_label = gtk_label_new (text);

  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 3);
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (name, TRUE);
  gtk_widget_add_css_class (name, "heading");
  gtk_box_append (GTK_BOX (box), name);
  gtk_widget_add_css_class (count_label, "dim-label");
  gtk_widget_add_css_class (count_label, "caption");
  gtk_box_append (GTK_BOX (box), count_label);
  {
    /* TRANSLATORS: a conversation's heading in search results read aloud:
     * the name and how many of its messages match */
    g_autofree char *accessible = g_strdup_printf (ngettext ("%s, %'u match", "%s, %'u matches",
                                                             count),
                                                   peer_name, count);

    gtk_accessible_update_property (GTK_ACCESSIBLE (box), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    accessible, -1);
  }
  return box;
}

static GtkWidget *
result_row_new (const TcSearchResult *result)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *who = gtk_label_new (result->incoming ? result->peer_name : _("You"));
  g_autofree char *when = tc_format_relative_time (result->sent_at);
  GtkWidget *time_label = gtk_label_new (when);
  GtkWidget *snippet = gtk_label_new (NULL);
  g_autofree char *plain = NULL;
  g_autofree char *accessible = NULL;
  g_autoptr(GSimpleActionGroup) actions = g_simple_action_group_new ();
  g_autoptr(GSimpleAction) activate = g_simple_action_new ("activate", NULL);

  g_object_set_data_full (G_OBJECT (row), "result", tc_search_result_copy (result),
                          (GDestroyNotify) tc_search_result_free);
  /* GTK 4.8 gives list rows no accessible action; this one lets assistive
   * technologies (and the UI tests) open a result. */
  g_signal_connect_object (activate, "activate", G_CALLBACK (row_activate_activated), row, 0);
  g_action_map_add_action (G_ACTION_MAP (actions), G_ACTION (activate));
  gtk_widget_insert_action_group (row, "row", G_ACTION_GROUP (actions));

  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_label_set_xalign (GTK_LABEL (who), 0);
  gtk_label_set_ellipsize (GTK_LABEL (who), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (who, TRUE);
  gtk_widget_add_css_class (who, "dim-label");
  gtk_widget_add_css_class (who, "caption");
  gtk_box_append (GTK_BOX (top), who);
  gtk_widget_add_css_class (time_label, "dim-label");
  gtk_widget_add_css_class (time_label, "caption");
  gtk_box_append (GTK_BOX (top), time_label);
  gtk_box_append (GTK_BOX (box), top);

  /* The replica escaped everything but the <b> around the match. */
  gtk_label_set_markup (GTK_LABEL (snippet), result->snippet_markup);
  gtk_label_set_xalign (GTK_LABEL (snippet), 0);
  gtk_label_set_wrap (GTK_LABEL (snippet), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (snippet), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_lines (GTK_LABEL (snippet), 2);
  gtk_label_set_ellipsize (GTK_LABEL (snippet), PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (box), snippet);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);

  /* One sentence for screen readers: the header is not read with it. */
  if (!pango_parse_markup (result->snippet_markup, -1, 0, NULL, &plain, NULL, NULL))
    plain = g_strdup ("");
  if (result->incoming)
    /* TRANSLATORS: a search result read aloud: who wrote it, when, the words around the match */
    accessible = g_strdup_printf (_("%s, %s: %s"), result->peer_name, when, plain);
  else
    /* TRANSLATORS: a search result read aloud, a message you wrote: to whom, when, the words */
    accessible = g_strdup_printf (_("You to %s, %s: %s"), result->peer_name, when, plain);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                  -1);
  return row;
}

/* A heading above the first result of each conversation. */
static void
update_header (GtkListBoxRow *row,
               GtkListBoxRow *before,
               gpointer       user_data)
{
  TcSearchView *self = user_data;
  const TcSearchResult *result = g_object_get_data (G_OBJECT (row), "result");
  const TcSearchResult *previous =
    before != NULL ? g_object_get_data (G_OBJECT (before), "result") : NULL;

  if (previous != NULL && g_strcmp0 (previous->peer_id, result->peer_id) == 0)
    gtk_list_box_row_set_header (row, NULL);
  else if (gtk_list_box_row_get_header (row) == NULL)
    gtk_list_box_row_set_header (row, group_header_new (result->peer_name,
                                                        GPOINTER_TO_UINT (g_hash_table_lookup (
                                                          self->counts, result->peer_id))));
}

static void
clear_results (TcSearchView *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box))) != NULL)
    gtk_list_box_remove (self->list_box, child);
  g_hash_table_remove_all (self->counts);
}

/* @results come grouped by conversation (tc_replica_search_messages()). */
static void
show_results (TcSearchView *self,
              GPtrArray    *results)
{
  g_autofree char *selected_peer = NULL;
  gint64 selected_id = 0;
  GtkListBoxRow *selected = gtk_list_box_get_selected_row (self->list_box);
  GtkListBoxRow *reselect = NULL;
  GtkListBoxRow *first_row = NULL;

  /* The same result stays selected when the replica changes. */
  if (selected != NULL)
    {
      const TcSearchResult *result = g_object_get_data (G_OBJECT (selected), "result");

      selected_peer = g_strdup (result->peer_id);
      selected_id = result->local_id;
    }
  clear_results (self);
  for (guint i = 0; i < results->len; i++)
    {
      const TcSearchResult *result = g_ptr_array_index (results, i);
      guint count = GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, result->peer_id));

      g_hash_table_insert (self->counts, g_strdup (result->peer_id), GUINT_TO_POINTER (count + 1));
    }
  for (guint i = 0; i < results->len; i++)
    {
      const TcSearchResult *result = g_ptr_array_index (results, i);
      GtkWidget *row = result_row_new (result);

      gtk_list_box_append (self->list_box, row);
      if (first_row == NULL)
        first_row = GTK_LIST_BOX_ROW (row);
      if (result->local_id == selected_id && g_strcmp0 (result->peer_id, selected_peer) == 0)
        reselect = GTK_LIST_BOX_ROW (row);
    }
  gtk_list_box_select_row (self->list_box, reselect != NULL ? reselect : first_row);
  gtk_stack_set_visible_child_name (self->stack, results->len > 0 ? "results" : "none");
}

/* --- searching ------------------------------------------------------------------- */

static void
search_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(TcSearchView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) results = NULL;
  GCancellable *cancellable = g_task_get_cancellable (G_TASK (result));

  results = tc_replica_search_messages_finish (TC_REPLICA (source), result, &error);
  /* The replica answers searches that had already run even when they were
   * cancelled since: a newer one is on its way, or the view is gone. */
  if (g_cancellable_is_cancelled (cancellable))
    return;
  if (results == NULL)
    {
      g_warning ("Could not search messages: %s", error->message);
      clear_results (self);
      gtk_stack_set_visible_child_name (self->stack, "none");
      return;
    }
  show_results (self, results);
}

static void
cancel_search (TcSearchView *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
}

static gboolean
has_words (const char *text)
{
  g_autofree char *query = tc_search_fts_query (text);

  return query != NULL;
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
run_search (TcSearchView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->entry));

  cancel_search (self);
  if (self->replica == NULL || !has_words (text))
    {
      clear_results (self);
      /* Only punctuation or emoji: nothing to look for, nothing found. */
      gtk_stack_set_visible_child_name (self->stack,
                                        self->replica != NULL && !is_blank (text) ? "none"
                                                                                  : "start");
      return;
    }
  self->cancellable = g_cancellable_new ();
  tc_replica_search_messages_async (self->replica, text, MAX_RESULTS, self->cancellable,
                                    search_cb, g_object_ref (self));
}

static void
on_search_changed_cb (TcSearchView *self)
{
  run_search (self);
}

static void
on_replica_changed_cb (TcSearchView    *self,
                       TcReplicaChange  change)
{
  if (change & (TC_REPLICA_CHANGE_MESSAGES | TC_REPLICA_CHANGE_MEMBERS | TC_REPLICA_CHANGE_RESET))
    run_search (self);
}

/* --- keyboard -------------------------------------------------------------------- */

static GtkListBoxRow *
current_row (TcSearchView *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->list_box);

  return row != NULL ? row : gtk_list_box_get_row_at_index (self->list_box, 0);
}

static void
on_entry_activate_cb (TcSearchView *self)
{
  GtkListBoxRow *row = current_row (self);

  if (row != NULL && g_str_equal (gtk_stack_get_visible_child_name (self->stack), "results"))
    gtk_widget_activate (GTK_WIDGET (row));
}

static void
on_stop_search_cb (TcSearchView *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->entry), "");
}

static gboolean
on_entry_key_pressed_cb (GtkEventControllerKey *controller,
                         guint                  keyval,
                         guint                  keycode,
                         GdkModifierType        state,
                         TcSearchView          *self)
{
  GtkListBoxRow *row;

  if ((keyval != GDK_KEY_Down && keyval != GDK_KEY_KP_Down) ||
      (state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK)) != 0)
    return GDK_EVENT_PROPAGATE;
  row = current_row (self);
  if (row == NULL || !g_str_equal (gtk_stack_get_visible_child_name (self->stack), "results"))
    return GDK_EVENT_PROPAGATE;
  gtk_list_box_select_row (self->list_box, row);
  gtk_widget_grab_focus (GTK_WIDGET (row));
  return GDK_EVENT_STOP;
}

static gboolean
on_list_keynav_failed_cb (TcSearchView     *self,
                          GtkDirectionType  direction)
{
  if (direction != GTK_DIR_UP)
    return FALSE;
  gtk_widget_grab_focus (GTK_WIDGET (self->entry));
  return TRUE;
}

static void
on_row_activated_cb (TcSearchView  *self,
                     GtkListBoxRow *row)
{
  const TcSearchResult *result = g_object_get_data (G_OBJECT (row), "result");

  g_return_if_fail (result != NULL);

  gtk_list_box_select_row (self->list_box, row);
  g_signal_emit (self, signals[MESSAGE_ACTIVATED], 0, result->peer_id, result->local_id);
}

/* --- public ---------------------------------------------------------------------- */

GtkWidget *
tc_search_view_new (void)
{
  return g_object_new (TC_TYPE_SEARCH_VIEW, NULL);
}

static void
disconnect_replica (TcSearchView *self)
{
  cancel_search (self);
  if (self->replica != NULL)
    g_clear_signal_handler (&self->changed_id, self->replica);
  g_clear_object (&self->replica);
}

/**
 * tc_search_view_set_replica:
 * @self: a search view
 * @replica: (nullable): the replica to search
 *
 * Searches @replica from now on, the current text again.
 */
void
tc_search_view_set_replica (TcSearchView *self,
                            TcReplica    *replica)
{
  g_return_if_fail (TC_IS_SEARCH_VIEW (self));
  g_return_if_fail (replica == NULL || TC_IS_REPLICA (replica));

  if (self->replica == replica)
    return;
  disconnect_replica (self);
  if (replica != NULL)
    {
      self->replica = g_object_ref (replica);
      self->changed_id = g_signal_connect_object (replica, "changed",
                                                  G_CALLBACK (on_replica_changed_cb), self,
                                                  G_CONNECT_SWAPPED);
    }
  run_search (self);
}

/**
 * tc_search_view_get_replica:
 * @self: a search view
 *
 * Returns: (transfer none) (nullable): the replica searched
 */
TcReplica *
tc_search_view_get_replica (TcSearchView *self)
{
  g_return_val_if_fail (TC_IS_SEARCH_VIEW (self), NULL);

  return self->replica;
}

void
tc_search_view_focus_entry (TcSearchView *self)
{
  g_return_if_fail (TC_IS_SEARCH_VIEW (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->entry));
  gtk_editable_select_region (GTK_EDITABLE (self->entry), 0, -1);
}

/**
 * tc_search_view_set_query:
 * @self: a search view
 * @query: (nullable): the text to search, as if typed
 *
 * Searches at once, without the pause after typing.
 */
void
tc_search_view_set_query (TcSearchView *self,
                          const char   *query)
{
  g_return_if_fail (TC_IS_SEARCH_VIEW (self));

  /* "search-changed" comes later; this search is the one that counts. */
  gtk_editable_set_text (GTK_EDITABLE (self->entry), query != NULL ? query : "");
  run_search (self);
}

const char *
tc_search_view_get_query (TcSearchView *self)
{
  g_return_val_if_fail (TC_IS_SEARCH_VIEW (self), NULL);

  return gtk_editable_get_text (GTK_EDITABLE (self->entry));
}

/* --- GObject --------------------------------------------------------------------- */

static void
tc_search_view_dispose (GObject *object)
{
  TcSearchView *self = TC_SEARCH_VIEW (object);

  disconnect_replica (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), TC_TYPE_SEARCH_VIEW);
  g_clear_pointer (&self->counts, g_hash_table_unref);

  G_OBJECT_CLASS (tc_search_view_parent_class)->dispose (object);
}

static gboolean
tc_search_view_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (TC_SEARCH_VIEW (widget)->entry));
}

static void
tc_search_view_class_init (TcSearchViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tc_search_view_dispose;
  widget_class->grab_focus = tc_search_view_grab_focus;

  /**
   * TcSearchView::message-activated:
   * @self: the view
   * @peer_id: the conversation
   * @local_id: the message's row in the replica (TcReplicaMessage.local_id)
   *
   * A person chose a result (click, Enter or an assistive technology's
   * action): show that conversation at that message.
   */
  signals[MESSAGE_ACTIVATED] =
    g_signal_new ("message-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_INT64);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/teamchat/TeamChat/tc-search-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TcSearchView, entry);
  gtk_widget_class_bind_template_child (widget_class, TcSearchView, stack);
  gtk_widget_class_bind_template_child (widget_class, TcSearchView, list_box);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_stop_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_list_keynav_failed_cb);

  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_SEARCH);
}

static void
tc_search_view_init (TcSearchView *self)
{
  GtkEventController *keys;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gtk_list_box_set_header_func (self->list_box, update_header, self, NULL);

  /* Before the entry's text sees it: Down leaves the entry for the list. */
  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_entry_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->entry), keys);
  /* Typing while a result has the focus goes on in the entry. */
  gtk_search_entry_set_key_capture_widget (self->entry, GTK_WIDGET (self->list_box));
}
