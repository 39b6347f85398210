/* tc-window.c: the main window — login page, then the team and Team Chat
 *
 * With a kept session the window opens on an empty start page (its header
 * bar; a spinner if resuming takes more than a second) and goes straight
 * to the main view; the login page is shown only when there is no session
 * to resume or resuming fails. The login page and the main page are built
 * the first time they are shown (the main page from tc-window-main.ui).
 *
 * Main area: the team sidebar and a member's Team Dashboard. On the right,
 * the Team Chat panel (a flap, shown or hidden with the chat bubble in the
 * header or Ctrl+Shift+T): the conversation list, a conversation, or New
 * Chat, one at a time.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "tc-account.h"
#include "tc-bench-probe.h"
#include "tc-chat-panel.h"
#include "tc-conversation-view.h"
#include "tc-dashboard-view.h"
#include "tc-desktop-notifications.h"
#include "tc-error.h"
#include "tc-login-page.h"
#include "tc-new-chat-view.h"
#include "tc-notifier.h"
#include "tc-preferences-window.h"
#include "tc-search-view.h"
#include "tc-secret-token-store.h"
#include "tc-team-sidebar.h"
#include "tc-throttle.h"
#include "tc-window.h"

struct _TcWindow
{
  AdwApplicationWindow  parent_instance;

  /* template widgets */
  AdwToastOverlay      *toast_overlay;
  AdwToast             *feedback_toast;   /* weak: the last win.show-toast one */
  GtkStack             *stack;
  GtkWidget            *start_page;
  GtkWidget            *start_progress;
  GtkSpinner           *start_spinner;

  /* the login page, built when first shown (NULL until then) */
  TcLoginPage          *login_page;

  /* the main page, built when first shown (chat_flap and the rest NULL
   * until then) */
  AdwFlap              *chat_flap;
  AdwLeaflet           *team_leaflet;
  TcTeamSidebar        *team_sidebar;
  AdwHeaderBar         *main_header;
  AdwWindowTitle       *dashboard_title;
  GtkToggleButton      *chat_toggle;
  GtkLabel             *unread_badge;
  TcDashboardView      *dashboard_view;
  TcChatPanel          *chat_panel;
  AdwLeaflet           *leaflet;
  GtkStack             *content_stack;

  /* the content stack's pages, built when first shown (NULL until then) */
  TcConversationView   *conversation_view;
  TcNewChatView        *new_chat_view;
  TcSearchView         *search_view;

  /* owned */
  char                 *server_override; /* --server, or NULL */
  guint                 start_progress_id;
  guint                 prebuild_id;     /* the conversation view, built ahead */
  TcAccount            *account;
  GSettings            *settings;
  TcNotifier           *notifier;        /* while logged in */
  TcDesktopNotifications *desktop_notifications;
  TcSyncEngine         *engine;          /* the account's, watched for a revoked session */
  gulong                engine_error_id;
  gulong                engine_state_id;
  TcReplica            *replica;         /* the account's, watched for the unread count */
  GCancellable         *unread_cancellable;
  TcThrottle           *unread_throttle;  /* folds the replica's changes into few counts */
  gboolean              told_session_only;
};

G_DEFINE_FINAL_TYPE (TcWindow, tc_window, ADW_TYPE_APPLICATION_WINDOW)

static void show_login (TcWindow *self);
static void on_logged_in_cb (TcWindow   *self,
                             const char *server_url,
                             const char *login);
static void on_conversation_activated_cb (TcWindow   *self,
                                          const char *peer_id);
static void on_member_activated_cb (TcWindow   *self,
                                    const char *member_id);
static void on_dashboard_title_cb (TcWindow *self);
static void on_chat_requested_cb (TcWindow   *self,
                                  const char *member_id);
static void on_share_requested_cb (TcWindow   *self,
                                   const char *member_id,
                                   const char *text);
static void on_flap_changed_cb (TcWindow *self);
static void update_visible_peer (TcWindow *self);
static void on_peer_name_cb (TcWindow *self);
static void on_new_chat_sent_cb (TcWindow           *self,
                                 const char * const *recipients);
static void on_search_result_cb (TcWindow   *self,
                                 const char *peer_id,
                                 gint64      local_id);
static void set_menu_action_enabled (TcWindow   *self,
                                     const char *name,
                                     gboolean    enabled);

/* The account the views show: the window's while the main view is up
 * (it watches its replica then), else none. */
static TcAccount *
shown_account (TcWindow *self)
{
  return self->replica != NULL ? self->account : NULL;
}

/* The pages of the Team Chat panel's content stack (a conversation, the
 * search, New Chat) are built the first time they are shown: at start no
 * one has opened them, and building them cost the first frame 10–20 ms.
 * The conversation view, the one opened most, is also built ahead once
 * the main view is idle (prebuild_conversation_view_cb). */
static TcConversationView *
ensure_conversation_view (TcWindow *self)
{
  if (self->conversation_view != NULL)
    return self->conversation_view;
  self->conversation_view = TC_CONVERSATION_VIEW (tc_conversation_view_new ());
  tc_conversation_view_set_folded (self->conversation_view, TRUE);
  tc_conversation_view_set_account (self->conversation_view, shown_account (self));
  g_signal_connect_object (self->conversation_view, "notify::peer-name",
                           G_CALLBACK (on_peer_name_cb), self, G_CONNECT_SWAPPED);
  /* Whatever changes the conversation on screen may quiet or allow
   * notifications. */
  g_signal_connect_object (self->conversation_view, "notify::peer-id",
                           G_CALLBACK (update_visible_peer), self, G_CONNECT_SWAPPED);
  gtk_stack_add_named (self->content_stack, GTK_WIDGET (self->conversation_view),
                       "conversation");
  return self->conversation_view;
}

/* Built when the main view has nothing else to do, so that the first
 * conversation opened does not build it in the frame of the click
 * (3.5–6 ms of it, most of it the template). */
static gboolean
prebuild_conversation_view_cb (gpointer user_data)
{
  TcWindow *self = user_data;

  self->prebuild_id = 0;
  if (shown_account (self) != NULL)
    ensure_conversation_view (self);
  return G_SOURCE_REMOVE;
}

static TcNewChatView *
ensure_new_chat_view (TcWindow *self)
{
  if (self->new_chat_view != NULL)
    return self->new_chat_view;
  self->new_chat_view = g_object_new (TC_TYPE_NEW_CHAT_VIEW, NULL);
  tc_new_chat_view_set_account (self->new_chat_view, shown_account (self));
  g_signal_connect_object (self->new_chat_view, "sent", G_CALLBACK (on_new_chat_sent_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_stack_add_named (self->content_stack, GTK_WIDGET (self->new_chat_view), "new-chat");
  return self->new_chat_view;
}

/* The search page: a header with a way back, and the search. */
static TcSearchView *
ensure_search_view (TcWindow *self)
{
  GtkWidget *page, *header, *back;

  if (self->search_view != NULL)
    return self->search_view;
  header = adw_header_bar_new ();
  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  g_object_bind_property (self->chat_flap, "reveal-flap", header, "show-end-title-buttons",
                          G_BINDING_SYNC_CREATE);
  back = gtk_button_new_from_icon_name ("go-previous-symbolic");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (back), "win.navigate-back");
  gtk_widget_set_tooltip_text (back, _("Back"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (back), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Back"),
                                  -1);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), back);
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header),
                                   adw_window_title_new (_("Search Messages"), NULL));

  self->search_view = TC_SEARCH_VIEW (tc_search_view_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->search_view), TRUE);
  tc_search_view_set_replica (self->search_view, self->replica);
  g_signal_connect_object (self->search_view, "message-activated",
                           G_CALLBACK (on_search_result_cb), self, G_CONNECT_SWAPPED);

  page = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_box_append (GTK_BOX (page), header);
  gtk_box_append (GTK_BOX (page), GTK_WIDGET (self->search_view));
  gtk_stack_add_named (self->content_stack, page, "search");
  return self->search_view;
}

/* Tells the notifier which conversation a person is looking at, if any. */
static void
update_visible_peer (TcWindow *self)
{
  gboolean showing;

  if (self->notifier == NULL || self->chat_flap == NULL)
    return;
  showing = self->conversation_view != NULL &&
            adw_flap_get_reveal_flap (self->chat_flap) &&
            g_strcmp0 (gtk_stack_get_visible_child_name (self->content_stack),
                       "conversation") == 0 &&
            adw_leaflet_get_visible_child (self->leaflet) == GTK_WIDGET (self->content_stack);
  tc_notifier_set_visible_peer (self->notifier,
                                showing ? tc_conversation_view_get_peer_id (self->conversation_view)
                                        : NULL,
                                gtk_window_is_active (GTK_WINDOW (self)));
}

static void
relogged_out_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(TcWindow) self = user_data;

  tc_account_logout_finish (TC_ACCOUNT (source), result, NULL);
  show_login (self);
}

static void
on_engine_error_cb (TcWindow *self)
{
  const GError *error = self->engine ? tc_sync_engine_get_error (self->engine) : NULL;

  /* The token was revoked (logged out elsewhere, or the account changed):
   * back to the login page, keeping the history for when they return. */
  if (g_error_matches (error, TC_ERROR, TC_ERROR_UNAUTHORIZED))
    {
      adw_toast_overlay_add_toast (self->toast_overlay,
                                   adw_toast_new (_("Your session has ended. Log in again to keep chatting.")));
      tc_account_logout_async (self->account, TRUE, NULL, relogged_out_cb, g_object_ref (self));
    }
}

static void
on_session_only_cb (TcWindow *self)
{
  if (!tc_account_is_session_only (self->account) || self->told_session_only)
    return;
  /* Said once: without a keyring the app still works, just forgets. */
  self->told_session_only = TRUE;
  adw_toast_overlay_add_toast (self->toast_overlay,
                               adw_toast_new (_("No keyring is available: you will need to log in again next time.")));
}

static void
unread_count_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(TcWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *count = NULL;
  g_autofree char *label = NULL;
  GCancellable *cancellable = g_task_get_cancellable (G_TASK (result));
  guint unread = 0;
  gboolean counted;

  counted = tc_replica_get_unread_count_finish (TC_REPLICA (source), result, &unread, &error);
  /* Logged out, or the window is gone, since it was asked. */
  if (g_cancellable_is_cancelled (cancellable))
    return;
  tc_throttle_done (self->unread_throttle);
  if (!counted)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not count unread messages: %s", error->message);
      return;
    }
  count = unread > 99 ? g_strdup ("99+") : g_strdup_printf ("%u", unread);
  gtk_label_set_text (self->unread_badge, count);
  gtk_widget_set_visible (GTK_WIDGET (self->unread_badge), unread > 0);
  /* The badge is drawing only: the toggle says it. */
  if (unread > 0)
    /* TRANSLATORS: the accessible name of the Team Chat button in the header */
    label = g_strdup_printf (ngettext ("Team Chat, %'u unread message",
                                       "Team Chat, %'u unread messages", unread), unread);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->chat_toggle),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  label != NULL ? label : _("Team Chat"), -1);
}

/* Called by the throttle: one count at a time. */
static void
update_unread_badge (gpointer user_data)
{
  TcWindow *self = user_data;

  if (self->replica == NULL)
    {
      tc_throttle_done (self->unread_throttle);
      return;
    }
  tc_replica_get_unread_count_async (self->replica, self->unread_cancellable, unread_count_cb,
                                     g_object_ref (self));
}

static void
on_replica_changed_cb (TcWindow        *self,
                       TcReplicaChange  what)
{
  if (what & (TC_REPLICA_CHANGE_MESSAGES | TC_REPLICA_CHANGE_READ | TC_REPLICA_CHANGE_RESET))
    tc_throttle_request (self->unread_throttle);
}

/* While the engine catches up, the badge is counted at most once per
 * TC_THROTTLE_CATCH_UP_MS (each count is a query on the replica's
 * worker, which applies the sync meanwhile). */
static void
on_engine_state_cb (TcWindow *self)
{
  tc_throttle_set_interval (self->unread_throttle,
                            tc_sync_engine_get_state (self->engine) == TC_SYNC_STATE_SYNCING
                              ? TC_THROTTLE_CATCH_UP_MS : 0);
}

static void
stop_watching_account (TcWindow *self)
{
  if (self->engine != NULL)
    {
      g_clear_signal_handler (&self->engine_error_id, self->engine);
      g_clear_signal_handler (&self->engine_state_id, self->engine);
    }
  g_clear_object (&self->engine);
  g_cancellable_cancel (self->unread_cancellable);
  g_clear_object (&self->unread_cancellable);
  if (self->unread_throttle != NULL)
    tc_throttle_reset (self->unread_throttle);
  if (self->replica != NULL)
    g_signal_handlers_disconnect_by_func (self->replica, on_replica_changed_cb, self);
  g_clear_object (&self->replica);
  if (self->unread_badge != NULL)
    gtk_widget_set_visible (GTK_WIDGET (self->unread_badge), FALSE);
  g_clear_object (&self->desktop_notifications);
  g_clear_object (&self->notifier);
}

/* The main page: the team sidebar, the dashboard and the Team Chat panel
 * (tc-window-main.ui), built when the main view is first shown. A person
 * with a kept session sees it at once after the start page; one without
 * sees the login page first, and building the main page behind it cost the
 * first frame about 15 ms. */
static void
ensure_main_page (TcWindow *self)
{
  g_autoptr(GtkBuilderScope) scope = NULL;
  g_autoptr(GtkBuilder) builder = NULL;
  g_autoptr(GError) error = NULL;

  if (self->chat_flap != NULL)
    return;
  g_type_ensure (TC_TYPE_CHAT_PANEL);
  g_type_ensure (TC_TYPE_DASHBOARD_VIEW);
  g_type_ensure (TC_TYPE_TEAM_SIDEBAR);
  scope = gtk_builder_cscope_new ();
  gtk_builder_cscope_add_callback (scope, on_conversation_activated_cb);
  gtk_builder_cscope_add_callback (scope, on_member_activated_cb);
  gtk_builder_cscope_add_callback (scope, on_dashboard_title_cb);
  gtk_builder_cscope_add_callback (scope, on_chat_requested_cb);
  gtk_builder_cscope_add_callback (scope, on_share_requested_cb);
  gtk_builder_cscope_add_callback (scope, on_flap_changed_cb);
  builder = gtk_builder_new ();
  gtk_builder_set_scope (builder, scope);
  /* The handlers get the window (swapped="yes"), as from a template. */
  gtk_builder_set_current_object (builder, G_OBJECT (self));
  if (!gtk_builder_add_from_resource (builder, "/io/github/teamchat/TeamChat/tc-window-main.ui",
                                      &error))
    g_error ("Could not build the main page: %s", error->message);

#define MAIN_PAGE_OBJECT(name, type) self->name = type (gtk_builder_get_object (builder, #name))
  MAIN_PAGE_OBJECT (team_leaflet, ADW_LEAFLET);
  MAIN_PAGE_OBJECT (team_sidebar, TC_TEAM_SIDEBAR);
  MAIN_PAGE_OBJECT (main_header, ADW_HEADER_BAR);
  MAIN_PAGE_OBJECT (dashboard_title, ADW_WINDOW_TITLE);
  MAIN_PAGE_OBJECT (chat_toggle, GTK_TOGGLE_BUTTON);
  MAIN_PAGE_OBJECT (unread_badge, GTK_LABEL);
  MAIN_PAGE_OBJECT (dashboard_view, TC_DASHBOARD_VIEW);
  MAIN_PAGE_OBJECT (chat_panel, TC_CHAT_PANEL);
  MAIN_PAGE_OBJECT (leaflet, ADW_LEAFLET);
  MAIN_PAGE_OBJECT (content_stack, GTK_STACK);
  /* Last: its handlers look at the others once it is set. */
  MAIN_PAGE_OBJECT (chat_flap, ADW_FLAP);
#undef MAIN_PAGE_OBJECT

  /* Whatever changes what is on screen may quiet or allow notifications. */
  g_signal_connect_object (self->content_stack, "notify::visible-child",
                           G_CALLBACK (update_visible_peer), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->leaflet, "notify::visible-child",
                           G_CALLBACK (update_visible_peer), self, G_CONNECT_SWAPPED);
  on_flap_changed_cb (self);
  gtk_stack_add_named (self->stack, GTK_WIDGET (self->chat_flap), "main");
}

/* The login page, built when first shown: with a kept session it may
 * never be. */
static TcLoginPage *
ensure_login_page (TcWindow *self)
{
  g_autofree char *saved_server = NULL;
  g_autofree char *login = NULL;

  if (self->login_page != NULL)
    return self->login_page;
  self->login_page = g_object_new (TC_TYPE_LOGIN_PAGE, NULL);
  tc_login_page_set_account (self->login_page, self->account);
  /* --server wins over what was used last, and is remembered on login. */
  saved_server = g_settings_get_string (self->settings, "server-url");
  login = g_settings_get_string (self->settings, "last-login");
  tc_login_page_set_server (self->login_page,
                            self->server_override ? self->server_override : saved_server);
  tc_login_page_set_login (self->login_page, login);
  g_signal_connect_object (self->login_page, "logged-in", G_CALLBACK (on_logged_in_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_stack_add_named (self->stack, GTK_WIDGET (self->login_page), "login");
  return self->login_page;
}

static void
stop_start_progress (TcWindow *self)
{
  g_clear_handle_id (&self->start_progress_id, g_source_remove);
  gtk_spinner_stop (self->start_spinner);
  gtk_widget_set_visible (self->start_progress, FALSE);
}

/* Shows one of the stack's pages (the start page, the login page or the
 * main page) and hides the others outright: a page the stack merely does
 * not show stays in the accessibility tree, where screen readers and
 * tests find it. */
static void
show_page (TcWindow  *self,
           GtkWidget *page)
{
  GtkWidget *child;

  gtk_widget_set_visible (page, TRUE);
  gtk_stack_set_visible_child (self->stack, page);
  for (child = gtk_widget_get_first_child (GTK_WIDGET (self->stack));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (child != page)
      gtk_widget_set_visible (child, FALSE);
  if (page != self->start_page)
    stop_start_progress (self);
}

static void
show_start_progress (TcWindow *self)
{
  gtk_widget_set_visible (self->start_progress, TRUE);
  gtk_spinner_start (self->start_spinner);
}

static gboolean
start_progress_due_cb (gpointer user_data)
{
  TcWindow *self = user_data;

  self->start_progress_id = 0;
  show_start_progress (self);
  return G_SOURCE_REMOVE;
}

/* While a kept session is being resumed: the window's header bar and an
 * empty page, as a bare window's first frame; if the keyring takes longer
 * (it may ask to be unlocked), a spinner says what is going on. */
#define START_PROGRESS_DELAY_MS 1000

static void
show_start (TcWindow *self)
{
  show_page (self, self->start_page);
  g_clear_handle_id (&self->start_progress_id, g_source_remove);
  self->start_progress_id = g_timeout_add (START_PROGRESS_DELAY_MS, start_progress_due_cb, self);
}

static gboolean
sync_state_to_catching_up (GBinding     *binding,
                           const GValue *from,
                           GValue       *to,
                           gpointer      data)
{
  g_value_set_boolean (to, g_value_get_enum (from) != TC_SYNC_STATE_ONLINE);
  return TRUE;
}

static void
show_main (TcWindow *self)
{
  ensure_main_page (self);
  stop_watching_account (self);
  self->engine = g_object_ref (tc_account_get_sync_engine (self->account));
  self->engine_error_id = g_signal_connect_object (self->engine, "notify::error",
                                                   G_CALLBACK (on_engine_error_cb), self,
                                                   G_CONNECT_SWAPPED);
  self->notifier = tc_notifier_new (tc_account_get_replica (self->account), self->settings);
  /* A first sync brings the whole history: no notification for any of it. */
  g_object_bind_property_full (self->engine, "state", self->notifier, "catching-up",
                               G_BINDING_SYNC_CREATE, sync_state_to_catching_up, NULL, NULL, NULL);
  self->desktop_notifications =
    tc_desktop_notifications_new (G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self))),
                                  self->notifier);
  on_session_only_cb (self);
  self->replica = g_object_ref (tc_account_get_replica (self->account));
  g_signal_connect_object (self->replica, "changed", G_CALLBACK (on_replica_changed_cb), self,
                           G_CONNECT_SWAPPED);
  self->unread_cancellable = g_cancellable_new ();
  self->engine_state_id = g_signal_connect_object (self->engine, "notify::state",
                                                   G_CALLBACK (on_engine_state_cb), self,
                                                   G_CONNECT_SWAPPED);
  on_engine_state_cb (self);
  tc_throttle_run_now (self->unread_throttle);

  tc_team_sidebar_set_account (self->team_sidebar, self->account);
  tc_dashboard_view_set_account (self->dashboard_view, self->account);
  tc_chat_panel_set_account (self->chat_panel, self->account);
  if (self->conversation_view != NULL)
    tc_conversation_view_set_account (self->conversation_view, self->account);
  else if (self->prebuild_id == 0)
    self->prebuild_id = g_idle_add_full (G_PRIORITY_LOW, prebuild_conversation_view_cb, self, NULL);
  if (self->new_chat_view != NULL)
    tc_new_chat_view_set_account (self->new_chat_view, self->account);
  if (self->search_view != NULL)
    tc_search_view_set_replica (self->search_view, self->replica);
  adw_leaflet_set_visible_child (self->leaflet, GTK_WIDGET (self->chat_panel));
  adw_leaflet_set_visible_child (self->team_leaflet, GTK_WIDGET (self->team_sidebar));
  show_page (self, GTK_WIDGET (self->chat_flap));
  set_menu_action_enabled (self, "logout", TRUE);
  set_menu_action_enabled (self, "new-chat", TRUE);
  set_menu_action_enabled (self, "search", TRUE);
  set_menu_action_enabled (self, "toggle-chat", TRUE);
  tc_bench_probe_main_shown (GTK_WINDOW (self), self->engine);
}

static void
show_login (TcWindow *self)
{
  TcLoginPage *login_page = ensure_login_page (self);

  stop_watching_account (self);
  if (self->chat_flap != NULL)
    {
      tc_team_sidebar_set_account (self->team_sidebar, NULL);
      tc_dashboard_view_set_account (self->dashboard_view, NULL);
      tc_chat_panel_set_account (self->chat_panel, NULL);
    }
  if (self->conversation_view != NULL)
    tc_conversation_view_set_account (self->conversation_view, NULL);
  if (self->new_chat_view != NULL)
    tc_new_chat_view_set_account (self->new_chat_view, NULL);
  if (self->search_view != NULL)
    tc_search_view_set_replica (self->search_view, NULL);
  tc_login_page_reset (login_page);
  show_page (self, GTK_WIDGET (login_page));
  set_menu_action_enabled (self, "logout", FALSE);
  set_menu_action_enabled (self, "new-chat", FALSE);
  set_menu_action_enabled (self, "search", FALSE);
  set_menu_action_enabled (self, "toggle-chat", FALSE);
  gtk_widget_grab_focus (GTK_WIDGET (login_page));
}

static void
on_logged_in_cb (TcWindow   *self,
                 const char *server_url,
                 const char *login)
{
  /* Remember where and as whom, never the password. */
  g_settings_set_string (self->settings, "server-url", server_url);
  g_settings_set_string (self->settings, "last-login", login);
  show_main (self);
}

static void
on_conversation_activated_cb (TcWindow   *self,
                              const char *peer_id)
{
  TcConversationView *view = ensure_conversation_view (self);

  tc_bench_probe_mark ("conversation-view");
  tc_conversation_view_set_peer_id (view, peer_id);
  tc_bench_probe_mark ("conversation-peer");
  gtk_stack_set_visible_child_name (self->content_stack, "conversation");
  adw_flap_set_reveal_flap (self->chat_flap, TRUE);
  /* In the panel the conversation takes the place of the list. */
  adw_leaflet_set_visible_child (self->leaflet, GTK_WIDGET (self->content_stack));
  gtk_widget_grab_focus (GTK_WIDGET (view));
  tc_bench_probe_mark ("conversation-shown");
}

static void
show_new_chat (TcWindow   *self,
               const char *text,
               const char *member_id)
{
  TcNewChatView *view;

  if (!tc_account_is_logged_in (self->account))
    return;
  view = ensure_new_chat_view (self);
  gtk_stack_set_visible_child_name (self->content_stack, "new-chat");
  adw_flap_set_reveal_flap (self->chat_flap, TRUE);
  adw_leaflet_set_visible_child (self->leaflet, GTK_WIDGET (self->content_stack));
  tc_new_chat_view_reset (view, text);
  if (member_id != NULL)
    tc_new_chat_view_add_recipient (view, member_id);
}

static void
on_new_chat_sent_cb (TcWindow            *self,
                     const char * const  *recipients)
{
  guint n = g_strv_length ((char **) recipients);
  g_autofree char *text = NULL;

  /* One recipient: that conversation. Several: each has its own, listed
   * in Recent. */
  if (n == 1)
    {
      on_conversation_activated_cb (self, recipients[0]);
      return;
    }
  adw_leaflet_set_visible_child (self->leaflet, GTK_WIDGET (self->chat_panel));
  text = g_strdup_printf (ngettext ("Sent to %u team member, each in their own conversation",
                                    "Sent to %u team members, each in their own conversation", n),
                          n);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

static void
on_member_activated_cb (TcWindow   *self,
                        const char *member_id)
{
  tc_dashboard_view_set_member_id (self->dashboard_view, member_id);
  adw_leaflet_navigate (self->team_leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
on_dashboard_title_cb (TcWindow *self)
{
  const char *title = tc_dashboard_view_get_title (self->dashboard_view);

  adw_window_title_set_title (self->dashboard_title, title ? title : _("Team Dashboard"));
}

static void
on_chat_requested_cb (TcWindow   *self,
                      const char *member_id)
{
  on_conversation_activated_cb (self, member_id);
}

static void
on_share_requested_cb (TcWindow   *self,
                       const char *member_id,
                       const char *text)
{
  show_new_chat (self, text, member_id);
}

static void
on_flap_changed_cb (TcWindow *self)
{
  gboolean revealed;

  if (self->chat_flap == NULL)
    return;  /* the main page is being built */
  revealed = adw_flap_get_reveal_flap (self->chat_flap);
  /* The window buttons belong on the far right: on the panel while it is
   * there beside the dashboard, on the dashboard otherwise. */
  adw_header_bar_set_show_end_title_buttons (self->main_header,
                                             !revealed || adw_flap_get_folded (self->chat_flap));
  update_visible_peer (self);
}

void
tc_window_open_conversation (TcWindow   *self,
                             const char *peer_id)
{
  g_return_if_fail (TC_IS_WINDOW (self));

  if (!tc_account_is_logged_in (self->account) || self->chat_flap == NULL)
    return;
  on_conversation_activated_cb (self, peer_id);
}

static void
on_peer_name_cb (TcWindow *self)
{
  const char *name = self->conversation_view != NULL
                     ? tc_conversation_view_get_peer_name (self->conversation_view) : NULL;
  g_autofree char *title = NULL;

  /* Window lists and screen readers say whom the conversation is with. */
  if (name != NULL)
    /* TRANSLATORS: the window title; %s is the name of the person chatted with */
    title = g_strdup_printf (_("%s – Team Chat"), name);
  gtk_window_set_title (GTK_WINDOW (self), title ? title : _("Team Chat"));
}

static void
navigate_back_activated (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  TcWindow *self = TC_WINDOW (widget);

  if (self->chat_flap == NULL)
    return;
  /* Back in the Team Chat panel: to the list. */
  if (adw_flap_get_reveal_flap (self->chat_flap) &&
      adw_leaflet_get_visible_child (self->leaflet) != GTK_WIDGET (self->chat_panel))
    adw_leaflet_set_visible_child (self->leaflet, GTK_WIDGET (self->chat_panel));
  else
    adw_leaflet_navigate (self->team_leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
team_back_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  TcWindow *self = TC_WINDOW (widget);

  if (self->team_leaflet != NULL)
    adw_leaflet_navigate (self->team_leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
toggle_chat_activated (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  TcWindow *self = TC_WINDOW (widget);
  gboolean reveal;

  if (self->chat_flap == NULL)
    return;
  reveal = !adw_flap_get_reveal_flap (self->chat_flap);
  adw_flap_set_reveal_flap (self->chat_flap, reveal);
  if (reveal)
    gtk_widget_grab_focus (adw_leaflet_get_visible_child (self->leaflet));
}

static void
new_chat_activated (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  show_new_chat (TC_WINDOW (widget), NULL, NULL);
}

static void
search_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  TcWindow *self = TC_WINDOW (widget);

  TcSearchView *view;

  if (!tc_account_is_logged_in (self->account))
    return;
  view = ensure_search_view (self);
  gtk_stack_set_visible_child_name (self->content_stack, "search");
  adw_flap_set_reveal_flap (self->chat_flap, TRUE);
  adw_leaflet_set_visible_child (self->leaflet, GTK_WIDGET (self->content_stack));
  tc_search_view_focus_entry (view);
}

static void
on_search_result_cb (TcWindow   *self,
                     const char *peer_id,
                     gint64      local_id)
{
  on_conversation_activated_cb (self, peer_id);
  tc_conversation_view_show_message (ensure_conversation_view (self), local_id);
}

static void
preferences_activated (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  TcWindow *self = TC_WINDOW (widget);
  GtkWindow *preferences = tc_preferences_window_new (GTK_WINDOW (self), self->settings,
                                                      self->account);

  gtk_window_present (preferences);
}

static void
show_toast_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  TcWindow *self = TC_WINDOW (widget);
  AdwToast *toast = adw_toast_new (g_variant_get_string (parameter, NULL));

  /* The answer to what the person just did ("Email address copied"): shown
   * at once, in place of the previous such answer, with a standing notice
   * (no keyring, …) put back in the queue rather than making it wait. */
  if (self->feedback_toast != NULL)
    adw_toast_dismiss (self->feedback_toast);
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  g_set_weak_pointer (&self->feedback_toast, toast);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* The keyboard shortcuts window, built the first time it is asked for
 * (GtkApplication would build it with every window, at start). */
static void
show_help_overlay_activated (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *parameter)
{
  GtkApplicationWindow *window = GTK_APPLICATION_WINDOW (widget);
  GtkShortcutsWindow *overlay = gtk_application_window_get_help_overlay (window);

  if (overlay == NULL)
    {
      g_autoptr(GtkBuilder) builder =
        gtk_builder_new_from_resource ("/io/github/teamchat/TeamChat/tc-shortcuts-window.ui");

      overlay = GTK_SHORTCUTS_WINDOW (gtk_builder_get_object (builder, "help_overlay"));
      gtk_application_window_set_help_overlay (window, overlay);
    }
  gtk_window_present (GTK_WINDOW (overlay));
}

static void
logout_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(TcWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!tc_account_logout_finish (TC_ACCOUNT (source), result, &error))
    {
      /* TRANSLATORS: %s is a technical error message */
      g_autofree char *text = g_strdup_printf (_("Logged out, but the local history could not be deleted: %s"),
                                               error->message);
      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
    }
  show_login (self);
}

static void
logout_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  TcWindow *self = TC_WINDOW (widget);

  tc_account_logout_async (self->account,
                           g_settings_get_boolean (self->settings, "keep-history-on-logout"),
                           NULL, logout_cb, g_object_ref (self));
}

static void
save_window_state (TcWindow *self)
{
  int width, height;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
}

static gboolean
tc_window_close_request (GtkWindow *window)
{
  save_window_state (TC_WINDOW (window));
  return GTK_WINDOW_CLASS (tc_window_parent_class)->close_request (window);
}

static void
tc_window_dispose (GObject *object)
{
  TcWindow *self = TC_WINDOW (object);

  stop_watching_account (self);
  g_clear_weak_pointer (&self->feedback_toast);
  g_clear_object (&self->unread_throttle);
  g_clear_handle_id (&self->start_progress_id, g_source_remove);
  g_clear_handle_id (&self->prebuild_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), TC_TYPE_WINDOW);
  /* The pages built on first use go with the stack. */
  self->login_page = NULL;
  self->chat_flap = NULL;
  self->team_leaflet = NULL;
  self->team_sidebar = NULL;
  self->main_header = NULL;
  self->dashboard_title = NULL;
  self->chat_toggle = NULL;
  self->unread_badge = NULL;
  self->dashboard_view = NULL;
  self->chat_panel = NULL;
  self->leaflet = NULL;
  self->content_stack = NULL;
  self->conversation_view = NULL;
  self->new_chat_view = NULL;
  self->search_view = NULL;
  g_clear_pointer (&self->server_override, g_free);
  g_clear_object (&self->account);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (tc_window_parent_class)->dispose (object);
}

/* The window's actions live in its own action map ("win."), not among
 * widget class actions: a menu would not find those and hide their items. */
static void
menu_action_cb (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GtkWidgetActionActivateFunc func = g_object_get_data (G_OBJECT (action), "func");

  func (GTK_WIDGET (user_data), g_action_get_name (G_ACTION (action)), parameter);
}

static void
add_menu_action (TcWindow                    *self,
                 const char                  *name,
                 const char                  *parameter_type,
                 GtkWidgetActionActivateFunc  func)
{
  g_autoptr(GSimpleAction) action =
    g_simple_action_new (name, parameter_type ? G_VARIANT_TYPE (parameter_type) : NULL);

  g_object_set_data (G_OBJECT (action), "func", func);
  g_signal_connect_object (action, "activate", G_CALLBACK (menu_action_cb), self, 0);
  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (action));
}

static void
set_menu_action_enabled (TcWindow   *self,
                         const char *name,
                         gboolean    enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);

  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

static void
tc_window_class_init (TcWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = tc_window_dispose;
  window_class->close_request = tc_window_close_request;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/teamchat/TeamChat/tc-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TcWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, TcWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, TcWindow, start_page);
  gtk_widget_class_bind_template_child (widget_class, TcWindow, start_progress);
  gtk_widget_class_bind_template_child (widget_class, TcWindow, start_spinner);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_t,
                                       GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.toggle-chat", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK,
                                       "win.new-chat", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma, GDK_CONTROL_MASK,
                                       "win.preferences", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                       "win.search", NULL);
}

static void
tc_window_init (TcWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  tc_bench_probe_mark ("window-template");
  self->unread_throttle = tc_throttle_new (update_unread_badge, self);
  add_menu_action (self, "logout", NULL, logout_activated);
  add_menu_action (self, "search", NULL, search_activated);
  add_menu_action (self, "preferences", NULL, preferences_activated);
  add_menu_action (self, "navigate-back", NULL, navigate_back_activated);
  add_menu_action (self, "team-back", NULL, team_back_activated);
  add_menu_action (self, "toggle-chat", NULL, toggle_chat_activated);
  add_menu_action (self, "new-chat", NULL, new_chat_activated);
  add_menu_action (self, "show-toast", "s", show_toast_activated);
  add_menu_action (self, "show-help-overlay", NULL, show_help_overlay_activated);
  {
    g_autoptr(TcTokenStore) token_store = tc_secret_token_store_new ();
    self->account = tc_account_new (token_store);
  }
  /* Until the main view is shown. */
  set_menu_action_enabled (self, "logout", FALSE);
  set_menu_action_enabled (self, "new-chat", FALSE);
  set_menu_action_enabled (self, "search", FALSE);
  set_menu_action_enabled (self, "toggle-chat", FALSE);

  g_signal_connect_object (self->account, "notify::session-only",
                           G_CALLBACK (on_session_only_cb), self, G_CONNECT_SWAPPED);
  /* The focus may quiet or allow notifications. */
  g_signal_connect (self, "notify::is-active", G_CALLBACK (update_visible_peer), NULL);
}

static void
resumed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(TcWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  tc_bench_probe_mark ("resumed");
  /* With a kept session the app opens on the conversations, even offline. */
  if (tc_account_resume_finish (TC_ACCOUNT (source), result, &error))
    {
      show_main (self);
      return;
    }
  if (error != NULL)
    g_debug ("Could not resume the session: %s", error->message);
  show_login (self);
}

TcWindow *
tc_window_new (TcApplication *application)
{
  TcWindow *self = g_object_new (TC_TYPE_WINDOW, "application", application, NULL);
  g_autofree char *saved_server = NULL;
  const char *server;

  self->server_override = g_strdup (tc_application_get_server_override (application));
  self->settings = g_object_ref (tc_application_get_settings (application));
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  /* A server to resume a kept session on (--server wins over the one
   * used last): the start page until the keyring answers, never the login
   * form in between. None: the login page. */
  saved_server = g_settings_get_string (self->settings, "server-url");
  server = self->server_override ? self->server_override : saved_server;
  if (server[0] == '\0')
    {
      show_login (self);
      return self;
    }
  show_start (self);
  tc_account_resume_async (self->account, server, NULL, resumed_cb, g_object_ref (self));
  return self;
}
