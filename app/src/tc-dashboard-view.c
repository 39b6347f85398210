/* tc-dashboard-view.c: one team member's Team Dashboard
 *
 * Header (avatar with presence, name, relation, Chat / Email), Contact
 * Info, Sponsor and Enroller (each with a Chat link when on the team), and
 * Marketing Sites: the local associate's own site to copy or send, and the
 * member's site. Everything is read from the replica; when a sponsor or
 * enroller is off the team the replica may not know their name, and the
 * member's dashboard is fetched once to fill it in.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "tc-dashboard-view.h"
#include "tc-error.h"
#include "tc-presence-avatar.h"
#include "tc-team-relation.h"

struct _TcDashboardView
{
  AdwBin            parent_instance;

  /* template widgets */
  GtkStack         *stack;
  TcPresenceAvatar *avatar;
  GtkLabel         *name_label;
  GtkLabel         *detail_label;
  GtkMenuButton    *contact_button;
  AdwActionRow     *phone_row;
  GtkWidget        *copy_phone_button;
  AdwActionRow     *email_row;
  GtkLinkButton    *email_link;
  GtkLabel         *email_label;
  AdwActionRow     *sponsor_row;
  GtkWidget        *sponsor_chat_button;
  AdwActionRow     *enroller_row;
  GtkWidget        *enroller_chat_button;
  AdwActionRow     *my_site_row;
  AdwActionRow     *member_site_row;
  GtkLinkButton    *member_site_link;

  TcAccount        *account;
  TcReplica        *replica;
  GCancellable     *cancellable;
  char             *member_id;
  TcAssociate      *member;     /* as last loaded, with sponsor/enroller names */
  TcAssociate      *me;
  gboolean          sponsor_on_team;
  gboolean          enroller_on_team;
  gboolean          fetched;    /* the network was asked for missing names once */
};

G_DEFINE_FINAL_TYPE (TcDashboardView, tc_dashboard_view, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_MEMBER_ID,
  PROP_TITLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  CHAT_REQUESTED,
  SHARE_REQUESTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void load (TcDashboardView *self);

char *
tc_dashboard_mailto_uri (const char *to,
                         const char *subject,
                         const char *body)
{
  GString *uri = g_string_new ("mailto:");
  char sep = '?';

  /* '@' may stay; everything else that is not unreserved is escaped. */
  if (to != NULL)
    g_string_append_uri_escaped (uri, to, "@", FALSE);
  if (subject != NULL)
    {
      g_string_append_printf (uri, "%csubject=", sep);
      g_string_append_uri_escaped (uri, subject, NULL, FALSE);
      sep = '&';
    }
  if (body != NULL)
    {
      g_string_append_printf (uri, "%cbody=", sep);
      g_string_append_uri_escaped (uri, body, NULL, FALSE);
    }
  return g_string_free (uri, FALSE);
}

static void
toast (TcDashboardView *self,
       const char      *text)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "win.show-toast", "s", text);
}

static void
uri_shown_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TcDashboardView) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!gtk_show_uri_full_finish (GTK_WINDOW (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_debug ("Could not open a URI: %s", error->message);
      toast (self, _("No email app is set up on this computer. Copy the address instead."));
    }
}

static void
show_uri (TcDashboardView *self,
          const char      *uri)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  gtk_show_uri_full (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, uri, GDK_CURRENT_TIME,
                     NULL, uri_shown_cb, g_object_ref (self));
}

static void
copy_text (TcDashboardView *self,
           const char      *text,
           const char      *done)
{
  if (text == NULL)
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);
  toast (self, done);
}

static char *
person_text (const char *id,
             const char *name,
             const TcAssociate *me,
             gboolean    on_team)
{
  if (id == NULL)
    /* TRANSLATORS: no sponsor or enroller: the member is at the top of the tree */
    return g_strdup (_("None"));
  if (me != NULL && g_strcmp0 (id, me->id) == 0)
    return g_strdup (_("You"));
  if (name == NULL)
    return g_strdup (_("Not on your team"));
  if (!on_team)
    /* TRANSLATORS: %s is a person's name */
    return g_strdup_printf (_("%s (not on your team)"), name);
  return g_strdup (name);
}

static void
show_member (TcDashboardView *self)
{
  const TcAssociate *member = self->member;
  const char *presence = member->online ? _("Online") : _("Offline");
  g_autofree char *detail = NULL;
  g_autofree char *sponsor = NULL;
  g_autofree char *enroller = NULL;
  const char *my_site = self->me ? self->me->marketing_site_url : NULL;

  tc_presence_avatar_set_name (self->avatar, member->name);
  tc_presence_avatar_set_online (self->avatar, member->online);
  gtk_label_set_text (self->name_label, member->name);

  if (self->me != NULL)
    {
      g_autofree char *relation = g_object_steal_data (G_OBJECT (self), "relation");

      /* TRANSLATORS: "Your sponsor · Online" under a member's name */
      detail = g_strdup_printf (C_("dashboard detail", "%s · %s"), relation, presence);
    }
  gtk_label_set_text (self->detail_label, detail != NULL ? detail : presence);
  {
    /* TRANSLATORS: the accessible name of the Chat/Email menu button; %s is a name */
    g_autofree char *label = g_strdup_printf (_("Chat with or email %s"), member->name);

    gtk_accessible_update_property (GTK_ACCESSIBLE (self->contact_button),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  }

  adw_action_row_set_subtitle (self->phone_row, member->phone ? member->phone : _("Not given"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "dashboard.copy-phone", member->phone != NULL);
  if (member->email != NULL)
    {
      g_autofree char *uri = tc_dashboard_mailto_uri (member->email, NULL, NULL);

      gtk_label_set_text (self->email_label, member->email);
      gtk_link_button_set_uri (self->email_link, uri);
      gtk_widget_set_visible (GTK_WIDGET (self->email_link), TRUE);
      adw_action_row_set_subtitle (self->email_row, "");
    }
  else
    {
      gtk_widget_set_visible (GTK_WIDGET (self->email_link), FALSE);
      adw_action_row_set_subtitle (self->email_row, _("Not given"));
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "dashboard.copy-email", member->email != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "dashboard.email", member->email != NULL);

  sponsor = person_text (member->sponsor_id, member->sponsor_name, self->me, self->sponsor_on_team);
  enroller = person_text (member->enroller_id, member->enroller_name, self->me,
                          self->enroller_on_team);
  adw_action_row_set_subtitle (self->sponsor_row, sponsor);
  adw_action_row_set_subtitle (self->enroller_row, enroller);
  gtk_widget_set_visible (self->sponsor_chat_button, self->sponsor_on_team);
  gtk_widget_set_visible (self->enroller_chat_button, self->enroller_on_team);
  if (self->sponsor_on_team)
    {
      /* TRANSLATORS: accessible name of a button; %s is the sponsor's name */
      g_autofree char *label = g_strdup_printf (_("Chat with %s"), member->sponsor_name);

      gtk_accessible_update_property (GTK_ACCESSIBLE (self->sponsor_chat_button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
    }
  if (self->enroller_on_team)
    {
      /* TRANSLATORS: accessible name of a button; %s is the enroller's name */
      g_autofree char *label = g_strdup_printf (_("Chat with %s"), member->enroller_name);

      gtk_accessible_update_property (GTK_ACCESSIBLE (self->enroller_chat_button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
    }

  adw_action_row_set_subtitle (self->my_site_row, my_site ? my_site : _("You have no marketing site yet"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "dashboard.copy-site", my_site != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "dashboard.send-site-chat", my_site != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "dashboard.send-site-email", my_site != NULL);
  if (member->marketing_site_url != NULL)
    {
      /* TRANSLATORS: %s is a team member's name */
      g_autofree char *title = g_strdup_printf (_("%s’s Site"), member->name);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->member_site_row), title);
      adw_action_row_set_subtitle (self->member_site_row, member->marketing_site_url);
      gtk_link_button_set_uri (self->member_site_link, member->marketing_site_url);
      gtk_widget_set_visible (GTK_WIDGET (self->member_site_row), TRUE);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->member_site_row), FALSE);

  gtk_stack_set_visible_child_name (self->stack, "member");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

/* --- loading -------------------------------------------------------------- */

typedef struct {
  TcDashboardView *self;
  GCancellable    *cancellable;
  TcAssociate     *me;
  GPtrArray       *team;
} Load;

static void
load_free (Load *load)
{
  g_clear_object (&load->cancellable);
  g_clear_pointer (&load->me, tc_associate_free);
  g_clear_pointer (&load->team, g_ptr_array_unref);
  g_free (load);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Load, load_free)

static void
dashboard_stored_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!tc_replica_set_dashboard_finish (TC_REPLICA (source), result, &error))
    g_debug ("Could not keep a dashboard: %s", error->message);
}

static void
dashboard_fetched_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GCancellable) cancellable = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TcAssociate) dashboard = NULL;
  TcReplica *replica;

  dashboard = tc_api_client_dashboard_finish (TC_API_CLIENT (source), result, &error);
  if (g_cancellable_is_cancelled (cancellable))
    return;
  if (dashboard == NULL)
    {
      g_debug ("Could not fetch a dashboard: %s", error->message);
      return;
    }
  /* Into the replica; its change signal brings the names on screen. */
  replica = g_object_get_data (G_OBJECT (cancellable), "replica");
  tc_replica_set_dashboard_async (replica, dashboard, NULL, dashboard_stored_cb, NULL);
}

static void
maybe_fetch_names (TcDashboardView *self)
{
  const TcAssociate *member = self->member;
  gboolean missing = (member->sponsor_id != NULL && member->sponsor_name == NULL &&
                      (self->me == NULL || g_strcmp0 (member->sponsor_id, self->me->id) != 0)) ||
                     (member->enroller_id != NULL && member->enroller_name == NULL &&
                      (self->me == NULL || g_strcmp0 (member->enroller_id, self->me->id) != 0));
  TcSyncEngine *engine = tc_account_get_sync_engine (self->account);

  if (!missing || self->fetched || engine == NULL ||
      tc_sync_engine_get_state (engine) != TC_SYNC_STATE_ONLINE)
    return;
  self->fetched = TRUE;
  g_object_set_data_full (G_OBJECT (self->cancellable), "replica", g_object_ref (self->replica),
                          g_object_unref);
  tc_api_client_dashboard_async (tc_account_get_api_client (self->account), member->id,
                                 self->cancellable,
                                 dashboard_fetched_cb, g_object_ref (self->cancellable));
}

static void
member_loaded_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Load) load = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TcAssociate) member = NULL;
  TcDashboardView *self = load->self;
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_str_hash, g_str_equal);

  member = tc_replica_get_member_finish (TC_REPLICA (source), result, &error);
  if (g_cancellable_is_cancelled (load->cancellable))
    return;
  if (member == NULL)
    {
      /* No longer on the team (or never was): nothing to show. */
      if (!g_error_matches (error, TC_ERROR, TC_ERROR_NOT_FOUND))
        g_warning ("Could not read a team member: %s", error->message);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }

  for (guint i = 0; i < load->team->len; i++)
    {
      TcAssociate *m = g_ptr_array_index (load->team, i);

      g_hash_table_insert (by_id, m->id, m);
    }
  self->sponsor_on_team = member->sponsor_id != NULL &&
                          g_hash_table_contains (by_id, member->sponsor_id);
  self->enroller_on_team = member->enroller_id != NULL &&
                           g_hash_table_contains (by_id, member->enroller_id);
  if (load->me != NULL)
    g_object_set_data_full (G_OBJECT (self), "relation",
                            tc_team_relation_describe (tc_team_relation_compute (load->me, by_id,
                                                                                 member)),
                            g_free);
  g_clear_pointer (&self->member, tc_associate_free);
  self->member = g_steal_pointer (&member);
  g_clear_pointer (&self->me, tc_associate_free);
  self->me = g_steal_pointer (&load->me);
  show_member (self);
  maybe_fetch_names (self);
}

static void
team_loaded_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Load) load = user_data;
  g_autoptr(GError) error = NULL;

  load->team = tc_replica_list_members_finish (TC_REPLICA (source), result, &error);
  if (g_cancellable_is_cancelled (load->cancellable))
    return;
  if (load->team == NULL)
    {
      g_warning ("Could not list team members: %s", error->message);
      return;
    }
  {
    /* Read before the load moves on (argument order is unspecified). */
    const char *member_id = load->self->member_id;
    GCancellable *cancellable = load->cancellable;

    tc_replica_get_member_async (TC_REPLICA (source), member_id, cancellable, member_loaded_cb,
                                 g_steal_pointer (&load));
  }
}

static void
profile_loaded_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(Load) load = user_data;
  g_autoptr(GError) error = NULL;

  load->me = tc_replica_get_profile_finish (TC_REPLICA (source), result, &error);
  if (g_cancellable_is_cancelled (load->cancellable))
    return;
  if (error != NULL)
    g_warning ("Could not read the profile: %s", error->message);
  {
    GCancellable *cancellable = load->cancellable;

    tc_replica_list_members_async (TC_REPLICA (source), NULL, cancellable, team_loaded_cb,
                                   g_steal_pointer (&load));
  }
}

static void
load (TcDashboardView *self)
{
  Load *data;

  if (self->replica == NULL || self->member_id == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  data = g_new0 (Load, 1);
  data->self = self;
  data->cancellable = g_object_ref (self->cancellable);
  tc_replica_get_profile_async (self->replica, self->cancellable, profile_loaded_cb, data);
}

static void
on_replica_changed_cb (TcDashboardView *self,
                       TcReplicaChange  what)
{
  if (what & (TC_REPLICA_CHANGE_MEMBERS | TC_REPLICA_CHANGE_PROFILE | TC_REPLICA_CHANGE_RESET))
    load (self);
}

/* --- actions ---------------------------------------------------------------- */

static void
chat_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  TcDashboardView *self = TC_DASHBOARD_VIEW (widget);

  if (self->member != NULL)
    g_signal_emit (self, signals[CHAT_REQUESTED], 0, self->member->id);
}

static void
chat_sponsor_activated (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  TcDashboardView *self = TC_DASHBOARD_VIEW (widget);

  if (self->member != NULL && self->sponsor_on_team)
    g_signal_emit (self, signals[CHAT_REQUESTED], 0, self->member->sponsor_id);
}

static void
chat_enroller_activated (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  TcDashboardView *self = TC_DASHBOARD_VIEW (widget);

  if (self->member != NULL && self->enroller_on_team)
    g_signal_emit (self, signals[CHAT_REQUESTED], 0, self->member->enroller_id);
}

static void
email_activated (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  TcDashboardView *self = TC_DASHBOARD_VIEW (widget);
  g_autofree char *uri = NULL;

  if (self->member == NULL || self->member->email == NULL)
    return;
  uri = tc_dashboard_mailto_uri (self->member->email, NULL, NULL);
  show_uri (self, uri);
}

static void
copy_phone_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  TcDashboardView *self = TC_DASHBOARD_VIEW (widget);

  if (self->member != NULL)
    copy_text (self, self->member->phone, _("Phone number copied"));
}

static void
copy_email_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  TcDashboardView *self = TC_DASHBOARD_VIEW (widget);

  if (self->member != NULL)
    copy_text (self, self->member->email, _("Email address copied"));
}

static void
copy_site_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  TcDashboardView *self = TC_DASHBOARD_VIEW (widget);

  if (self->me != NULL)
    copy_text (self, self->me->marketing_site_url, _("Site address copied"));
}

static void
send_site_chat_activated (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  TcDashboardView *self = TC_DASHBOARD_VIEW (widget);
  g_autofree char *text = NULL;

  if (self->me == NULL || self->me->marketing_site_url == NULL)
    return;
  /* TRANSLATORS: a chat message that shares the sender's site; %s is its address */
  text = g_strdup_printf (_("Have a look at my site: %s"), self->me->marketing_site_url);
  g_signal_emit (self, signals[SHARE_REQUESTED], 0,
                 self->member != NULL ? self->member->id : NULL, text);
}

static void
send_site_email_activated (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  TcDashboardView *self = TC_DASHBOARD_VIEW (widget);
  g_autofree char *body = NULL;
  g_autofree char *uri = NULL;

  if (self->me == NULL || self->me->marketing_site_url == NULL)
    return;
  /* TRANSLATORS: the body of an email to a prospect or customer; %s is the
   * sender's site address */
  body = g_strdup_printf (_("Hello,\n\nI thought you might like to see what I offer: %s\n\nBest regards,\n%s"),
                          self->me->marketing_site_url, self->me->name ? self->me->name : "");
  uri = tc_dashboard_mailto_uri (NULL, _("Take a look at my site"), body);
  show_uri (self, uri);
}

/* --- public ----------------------------------------------------------------- */

void
tc_dashboard_view_set_account (TcDashboardView *self,
                               TcAccount       *account)
{
  g_return_if_fail (TC_IS_DASHBOARD_VIEW (self));

  g_cancellable_cancel (self->cancellable);
  if (self->replica != NULL)
    g_signal_handlers_disconnect_by_func (self->replica, on_replica_changed_cb, self);
  g_clear_object (&self->replica);
  g_set_object (&self->account, account);
  if (account != NULL && tc_account_get_replica (account) != NULL)
    {
      self->replica = g_object_ref (tc_account_get_replica (account));
      g_signal_connect_object (self->replica, "changed", G_CALLBACK (on_replica_changed_cb), self,
                               G_CONNECT_SWAPPED);
    }
  tc_dashboard_view_set_member_id (self, NULL);
}

void
tc_dashboard_view_set_member_id (TcDashboardView *self,
                                 const char      *member_id)
{
  g_return_if_fail (TC_IS_DASHBOARD_VIEW (self));

  if (g_strcmp0 (self->member_id, member_id) != 0)
    {
      g_free (self->member_id);
      self->member_id = g_strdup (member_id);
      g_clear_pointer (&self->member, tc_associate_free);
      self->fetched = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MEMBER_ID]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
    }
  load (self);
}

const char *
tc_dashboard_view_get_member_id (TcDashboardView *self)
{
  g_return_val_if_fail (TC_IS_DASHBOARD_VIEW (self), NULL);

  return self->member_id;
}

const char *
tc_dashboard_view_get_title (TcDashboardView *self)
{
  g_return_val_if_fail (TC_IS_DASHBOARD_VIEW (self), NULL);

  return self->member != NULL ? self->member->name : NULL;
}

static void
tc_dashboard_view_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  TcDashboardView *self = TC_DASHBOARD_VIEW (object);

  switch (prop_id)
    {
    case PROP_MEMBER_ID:
      g_value_set_string (value, self->member_id);
      break;
    case PROP_TITLE:
      g_value_set_string (value, tc_dashboard_view_get_title (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tc_dashboard_view_dispose (GObject *object)
{
  TcDashboardView *self = TC_DASHBOARD_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->replica != NULL)
    g_signal_handlers_disconnect_by_func (self->replica, on_replica_changed_cb, self);
  g_clear_object (&self->replica);
  g_clear_object (&self->account);
  g_clear_pointer (&self->member_id, g_free);
  g_clear_pointer (&self->member, tc_associate_free);
  g_clear_pointer (&self->me, tc_associate_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), TC_TYPE_DASHBOARD_VIEW);

  G_OBJECT_CLASS (tc_dashboard_view_parent_class)->dispose (object);
}

static void
tc_dashboard_view_class_init (TcDashboardViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = tc_dashboard_view_get_property;
  object_class->dispose = tc_dashboard_view_dispose;

  properties[PROP_MEMBER_ID] =
    g_param_spec_string ("member-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Open the conversation with this member id in the Team Chat panel. */
  signals[CHAT_REQUESTED] =
    g_signal_new ("chat-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* Start a New Chat with this text, suggesting the member id (or none). */
  signals[SHARE_REQUESTED] =
    g_signal_new ("share-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  g_type_ensure (TC_TYPE_PRESENCE_AVATAR);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/teamchat/TeamChat/tc-dashboard-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TcDashboardView, stack);
  gtk_widget_class_bind_template_child (widget_class, TcDashboardView, avatar);
  gtk_widget_class_bind_template_child (widget_class, TcDashboardView, name_label);
  gtk_widget_class_bind_template_child (widget_class, TcDashboardView, detail_label);
  gtk_widget_class_bind_template_child (widget_class, TcDashboardView, contact_button);
  gtk_widget_class_bind_template_child (widget_class, TcDashboardView, phone_row);
  gtk_widget_class_bind_template_child (widget_class, TcDashboardView, copy_phone_button);
  gtk_widget_class_bind_template_child (widget_class, TcDashboardView, email_row);
  gtk_widget_class_bind_template_child (widget_class, TcDashboardView, email_link);
  gtk_widget_class_bind_template_child (widget_class, TcDashboardView, email_label);
  gtk_widget_class_bind_template_child (widget_class, TcDashboardView, sponsor_row);
  gtk_widget_class_bind_template_child (widget_class, TcDashboardView, sponsor_chat_button);
  gtk_widget_class_bind_template_child (widget_class, TcDashboardView, enroller_row);
  gtk_widget_class_bind_template_child (widget_class, TcDashboardView, enroller_chat_button);
  gtk_widget_class_bind_template_child (widget_class, TcDashboardView, my_site_row);
  gtk_widget_class_bind_template_child (widget_class, TcDashboardView, member_site_row);
  gtk_widget_class_bind_template_child (widget_class, TcDashboardView, member_site_link);

  gtk_widget_class_install_action (widget_class, "dashboard.chat", NULL, chat_activated);
  gtk_widget_class_install_action (widget_class, "dashboard.email", NULL, email_activated);
  gtk_widget_class_install_action (widget_class, "dashboard.chat-sponsor", NULL,
                                   chat_sponsor_activated);
  gtk_widget_class_install_action (widget_class, "dashboard.chat-enroller", NULL,
                                   chat_enroller_activated);
  gtk_widget_class_install_action (widget_class, "dashboard.copy-phone", NULL,
                                   copy_phone_activated);
  gtk_widget_class_install_action (widget_class, "dashboard.copy-email", NULL,
                                   copy_email_activated);
  gtk_widget_class_install_action (widget_class, "dashboard.copy-site", NULL, copy_site_activated);
  gtk_widget_class_install_action (widget_class, "dashboard.send-site-chat", NULL,
                                   send_site_chat_activated);
  gtk_widget_class_install_action (widget_class, "dashboard.send-site-email", NULL,
                                   send_site_email_activated);
}

static void
tc_dashboard_view_init (TcDashboardView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
