/* tc-team-sidebar.c: the associate's team members, searchable
 *
 * Reads the replica only: members with presence and their relation to the
 * local associate. The associate's own sponsor and enroller come first,
 * under "My Sponsor / Enroller"; everyone else follows by name. Emits
 * member-activated when a person picks one.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "tc-member-row.h"
#include "tc-team-relation.h"
#include "tc-team-sidebar.h"

struct _TcTeamSidebar
{
  AdwBin          parent_instance;

  /* template widgets */
  GtkSearchEntry *search_entry;
  GtkStack       *list_stack;
  GtkListBox     *list_box;

  TcAccount      *account;
  TcReplica      *replica;
  GCancellable   *cancellable;   /* the load in flight */
  char           *selected_id;
  gboolean        folded;
  gboolean        reload_again;  /* a change came while loading */
  gboolean        loading;
};

G_DEFINE_FINAL_TYPE (TcTeamSidebar, tc_team_sidebar, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_FOLDED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  MEMBER_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void reload (TcTeamSidebar *self);

typedef struct {
  TcTeamSidebar *self;       /* weak: checked through the cancellable */
  GCancellable  *cancellable;
  char          *query;
  TcAssociate   *me;
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_clear_object (&data->cancellable);
  g_free (data->query);
  g_clear_pointer (&data->me, tc_associate_free);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LoadData, load_data_free)

static gboolean
is_mine (TcRelationKind kind)
{
  return kind == TC_RELATION_SPONSOR || kind == TC_RELATION_ENROLLER ||
         kind == TC_RELATION_SPONSOR_AND_ENROLLER;
}

static void
update_header_cb (GtkListBoxRow *row,
                  GtkListBoxRow *before,
                  gpointer       user_data)
{
  gboolean mine = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "mine"));
  gboolean before_mine = before != NULL &&
                         GPOINTER_TO_INT (g_object_get_data (G_OBJECT (before), "mine"));
  const char *title = NULL;

  if (before == NULL)
    title = mine ? _("My Sponsor / Enroller") : _("Team");
  else if (before_mine && !mine)
    title = _("Team");

  if (title == NULL)
    {
      gtk_list_box_row_set_header (row, NULL);
      return;
    }
  if (gtk_list_box_row_get_header (row) == NULL ||
      g_strcmp0 (gtk_label_get_text (GTK_LABEL (gtk_list_box_row_get_header (row))), title) != 0)
    {
      GtkWidget *label = gtk_label_new (title);

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_add_css_class (label, "heading");
      gtk_widget_add_css_class (label, "dim-label");
      gtk_widget_set_margin_start (label, 12);
      gtk_widget_set_margin_top (label, 12);
      gtk_widget_set_margin_bottom (label, 6);
      gtk_list_box_row_set_header (row, label);
    }
}

static int
compare_rows (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  const TcAssociate *ma = *(TcAssociate * const *) a;
  const TcAssociate *mb = *(TcAssociate * const *) b;
  GHashTable *relations = user_data;
  const TcRelation *ra = g_hash_table_lookup (relations, ma->id);
  const TcRelation *rb = g_hash_table_lookup (relations, mb->id);
  gboolean mine_a = is_mine (ra->kind), mine_b = is_mine (rb->kind);

  if (mine_a != mine_b)
    return mine_a ? -1 : 1;
  return g_utf8_collate (ma->name ? ma->name : ma->id, mb->name ? mb->name : mb->id);
}

static void
show_members (TcTeamSidebar *self,
              GPtrArray     *members,
              GPtrArray     *everyone,
              TcAssociate   *me,
              gboolean       searching)
{
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) relations = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  gboolean had_focus = gtk_widget_has_focus (GTK_WIDGET (self->list_box)) ||
                       gtk_widget_get_focus_child (GTK_WIDGET (self->list_box)) != NULL;
  GtkWidget *child;
  GtkWidget *selected = NULL;

  for (guint i = 0; i < everyone->len; i++)
    {
      TcAssociate *member = g_ptr_array_index (everyone, i);

      g_hash_table_insert (by_id, member->id, member);
    }
  for (guint i = 0; i < members->len; i++)
    {
      TcAssociate *member = g_ptr_array_index (members, i);
      TcRelation *relation = g_new0 (TcRelation, 1);

      if (me != NULL)
        *relation = tc_team_relation_compute (me, by_id, member);
      g_hash_table_insert (relations, member->id, relation);
    }
  g_ptr_array_sort_with_data (members, compare_rows, relations);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box))) != NULL)
    gtk_list_box_remove (self->list_box, child);
  for (guint i = 0; i < members->len; i++)
    {
      TcAssociate *member = g_ptr_array_index (members, i);
      TcRelation *relation = g_hash_table_lookup (relations, member->id);
      g_autofree char *subtitle = me != NULL ? tc_team_relation_describe (*relation) : NULL;
      GtkWidget *row = tc_member_row_new (member, subtitle);

      g_object_set_data (G_OBJECT (row), "mine", GINT_TO_POINTER (is_mine (relation->kind)));
      gtk_list_box_append (self->list_box, row);
      if (g_strcmp0 (member->id, self->selected_id) == 0)
        selected = row;
    }
  gtk_list_box_invalidate_headers (self->list_box);

  if (selected != NULL)
    {
      gtk_list_box_select_row (self->list_box, GTK_LIST_BOX_ROW (selected));
      /* Rebuilding must not throw the keyboard user out of the list. */
      if (had_focus)
        gtk_widget_grab_focus (selected);
    }
  if (members->len > 0)
    gtk_stack_set_visible_child_name (self->list_stack, "list");
  else
    gtk_stack_set_visible_child_name (self->list_stack, searching ? "no-results" : "empty");
}

static void
everyone_loaded_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data);

static void
finish_loading (TcTeamSidebar *self)
{
  self->loading = FALSE;
  if (self->reload_again)
    {
      self->reload_again = FALSE;
      reload (self);
    }
}

static void
members_loaded_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(LoadData) data = user_data;
  g_autoptr(GError) error = NULL;
  GPtrArray *members = tc_replica_list_members_finish (TC_REPLICA (source), result, &error);

  if (g_cancellable_is_cancelled (data->cancellable))
    {
      g_clear_pointer (&members, g_ptr_array_unref);
      return;
    }
  if (members == NULL)
    {
      g_warning ("Could not list team members: %s", error->message);
      finish_loading (data->self);
      return;
    }
  g_object_set_data_full (G_OBJECT (data->cancellable), "members", members,
                          (GDestroyNotify) g_ptr_array_unref);
  /* Relations need the whole team, not only the matches. */
  if (data->query != NULL)
    {
      GCancellable *cancellable = data->cancellable;

      tc_replica_list_members_async (TC_REPLICA (source), NULL, cancellable, everyone_loaded_cb,
                                     g_steal_pointer (&data));
    }
  else
    everyone_loaded_cb (source, NULL, g_steal_pointer (&data));
}

static void
everyone_loaded_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(LoadData) data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) everyone = NULL;
  GPtrArray *members = g_object_get_data (G_OBJECT (data->cancellable), "members");

  if (result != NULL)
    everyone = tc_replica_list_members_finish (TC_REPLICA (source), result, &error);
  else
    everyone = g_ptr_array_ref (members);
  if (g_cancellable_is_cancelled (data->cancellable))
    return;
  if (everyone == NULL)
    {
      g_warning ("Could not list team members: %s", error->message);
      finish_loading (data->self);
      return;
    }
  show_members (data->self, members, everyone, data->me, data->query != NULL);
  finish_loading (data->self);
}

static void
profile_loaded_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(LoadData) data = user_data;
  g_autoptr(GError) error = NULL;

  data->me = tc_replica_get_profile_finish (TC_REPLICA (source), result, &error);
  if (g_cancellable_is_cancelled (data->cancellable))
    return;
  if (error != NULL)
    g_warning ("Could not read the profile: %s", error->message);
  {
    /* Read before the data moves on (argument order is unspecified). */
    const char *query = data->query;
    GCancellable *cancellable = data->cancellable;

    tc_replica_list_members_async (TC_REPLICA (source), query, cancellable, members_loaded_cb,
                                   g_steal_pointer (&data));
  }
}

static void
reload (TcTeamSidebar *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  LoadData *data;

  if (self->replica == NULL)
    return;
  /* One load at a time; a change meanwhile means one more afterwards. A new
   * search text replaces the load in flight. */
  if (self->loading)
    {
      self->reload_again = TRUE;
      return;
    }
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->loading = TRUE;

  data = g_new0 (LoadData, 1);
  data->self = self;
  data->cancellable = g_object_ref (self->cancellable);
  data->query = *text != '\0' ? g_strdup (text) : NULL;
  tc_replica_get_profile_async (self->replica, self->cancellable, profile_loaded_cb, data);
}

static void
on_replica_changed_cb (TcTeamSidebar   *self,
                       TcReplicaChange  what)
{
  if (what & (TC_REPLICA_CHANGE_MEMBERS | TC_REPLICA_CHANGE_PROFILE | TC_REPLICA_CHANGE_RESET))
    reload (self);
}

static void
on_search_changed_cb (TcTeamSidebar *self)
{
  /* The newest text wins over whatever is loading. */
  g_cancellable_cancel (self->cancellable);
  self->loading = FALSE;
  self->reload_again = FALSE;
  reload (self);
}

static void
on_stop_search_cb (TcTeamSidebar *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
}

static void
on_row_activated_cb (TcTeamSidebar *self,
                     GtkListBoxRow *row)
{
  const char *id = tc_member_row_get_member_id (TC_MEMBER_ROW (row));

  g_free (self->selected_id);
  self->selected_id = g_strdup (id);
  g_signal_emit (self, signals[MEMBER_ACTIVATED], 0, id);
}

void
tc_team_sidebar_set_account (TcTeamSidebar *self,
                             TcAccount     *account)
{
  GtkWidget *child;

  g_return_if_fail (TC_IS_TEAM_SIDEBAR (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->loading = FALSE;
  self->reload_again = FALSE;
  if (self->replica != NULL)
    g_signal_handlers_disconnect_by_func (self->replica, on_replica_changed_cb, self);
  g_clear_object (&self->replica);
  g_set_object (&self->account, account);
  g_clear_pointer (&self->selected_id, g_free);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box))) != NULL)
    gtk_list_box_remove (self->list_box, child);

  if (account == NULL || tc_account_get_replica (account) == NULL)
    return;
  self->replica = g_object_ref (tc_account_get_replica (account));
  g_signal_connect_object (self->replica, "changed", G_CALLBACK (on_replica_changed_cb), self,
                           G_CONNECT_SWAPPED);
  reload (self);
}

void
tc_team_sidebar_select_member (TcTeamSidebar *self,
                               const char    *member_id)
{
  GtkWidget *child;

  g_return_if_fail (TC_IS_TEAM_SIDEBAR (self));

  g_free (self->selected_id);
  self->selected_id = g_strdup (member_id);
  gtk_list_box_unselect_all (self->list_box);
  for (child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (TC_IS_MEMBER_ROW (child) &&
        g_strcmp0 (tc_member_row_get_member_id (TC_MEMBER_ROW (child)), member_id) == 0)
      gtk_list_box_select_row (self->list_box, GTK_LIST_BOX_ROW (child));
}

const char *
tc_team_sidebar_get_selected_id (TcTeamSidebar *self)
{
  g_return_val_if_fail (TC_IS_TEAM_SIDEBAR (self), NULL);

  return self->selected_id;
}

void
tc_team_sidebar_focus_search (TcTeamSidebar *self)
{
  g_return_if_fail (TC_IS_TEAM_SIDEBAR (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
tc_team_sidebar_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  TcTeamSidebar *self = TC_TEAM_SIDEBAR (object);

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
tc_team_sidebar_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  TcTeamSidebar *self = TC_TEAM_SIDEBAR (object);

  switch (prop_id)
    {
    case PROP_FOLDED:
      if (self->folded != g_value_get_boolean (value))
        {
          self->folded = g_value_get_boolean (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tc_team_sidebar_dispose (GObject *object)
{
  TcTeamSidebar *self = TC_TEAM_SIDEBAR (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->replica != NULL)
    g_signal_handlers_disconnect_by_func (self->replica, on_replica_changed_cb, self);
  g_clear_object (&self->replica);
  g_clear_object (&self->account);
  g_clear_pointer (&self->selected_id, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), TC_TYPE_TEAM_SIDEBAR);

  G_OBJECT_CLASS (tc_team_sidebar_parent_class)->dispose (object);
}

static void
tc_team_sidebar_class_init (TcTeamSidebarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = tc_team_sidebar_get_property;
  object_class->set_property = tc_team_sidebar_set_property;
  object_class->dispose = tc_team_sidebar_dispose;

  /* Folded, the sidebar is the whole window and shows the window buttons. */
  properties[PROP_FOLDED] =
    g_param_spec_boolean ("folded", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[MEMBER_ACTIVATED] =
    g_signal_new ("member-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/teamchat/TeamChat/tc-team-sidebar.ui");
  gtk_widget_class_bind_template_child (widget_class, TcTeamSidebar, search_entry);
  gtk_widget_class_bind_template_child (widget_class, TcTeamSidebar, list_stack);
  gtk_widget_class_bind_template_child (widget_class, TcTeamSidebar, list_box);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_stop_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated_cb);
}

static void
tc_team_sidebar_init (TcTeamSidebar *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_list_box_set_header_func (self->list_box, update_header_cb, NULL, NULL);
}
