/* tc-login-page.c: server, login and password, and a Log In button */
#include "config.h"

#include <glib/gi18n.h>

#include "tc-login-page.h"

struct _TcLoginPage
{
  AdwBin        parent_instance;

  /* template widgets */
  AdwEntryRow  *server_row;
  AdwEntryRow  *login_row;
  AdwEntryRow  *password_row;
  GtkLabel     *error_label;
  GtkButton    *login_button;
  GtkSpinner   *spinner;

  /* owned */
  TcAccount    *account;
  GCancellable *cancellable;
  char         *server_url;
};

G_DEFINE_FINAL_TYPE (TcLoginPage, tc_login_page, ADW_TYPE_BIN)

enum {
  LOGGED_IN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
set_busy (TcLoginPage *self,
          gboolean     busy)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  /* The focus leaves the fields before they turn insensitive: an
   * insensitive field never hears that it lost it (GTK warns "did not
   * receive a focus-out event", and its cursor goes on blinking). A
   * failed login gives it back to the password. */
  if (busy && focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self)))
    gtk_root_set_focus (root, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->login_button), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->server_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->login_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->password_row), !busy);
}

static void
show_error (TcLoginPage *self,
            const char  *text)
{
  gtk_label_set_label (self->error_label, text);
  /* The label's role is "alert", so screen readers speak it when shown. */
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), text != NULL);
}

static void
login_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(TcLoginPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!tc_account_login_finish (TC_ACCOUNT (source), result, &error))
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_busy (self, FALSE);
      text = tc_account_describe_error (error, self->server_url);
      show_error (self, text);
      gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
      return;
    }

  set_busy (self, FALSE);
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  g_signal_emit (self, signals[LOGGED_IN], 0, self->server_url,
                 gtk_editable_get_text (GTK_EDITABLE (self->login_row)));
}

static void
on_login_clicked_cb (TcLoginPage *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (self->account != NULL);

  g_free (self->server_url);
  self->server_url = tc_account_normalize_server (gtk_editable_get_text (GTK_EDITABLE (self->server_row)),
                                                  &error);
  if (self->server_url == NULL)
    {
      show_error (self, error->message);
      gtk_widget_grab_focus (GTK_WIDGET (self->server_row));
      return;
    }

  show_error (self, NULL);
  set_busy (self, TRUE);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  tc_account_login_async (self->account, self->server_url,
                          gtk_editable_get_text (GTK_EDITABLE (self->login_row)),
                          gtk_editable_get_text (GTK_EDITABLE (self->password_row)),
                          self->cancellable, login_cb, g_object_ref (self));
}

static void
on_entry_activated_cb (TcLoginPage *self)
{
  /* Enter in any field moves on to the next empty one, then logs in. */
  if (*gtk_editable_get_text (GTK_EDITABLE (self->server_row)) == '\0')
    gtk_widget_grab_focus (GTK_WIDGET (self->server_row));
  else if (*gtk_editable_get_text (GTK_EDITABLE (self->login_row)) == '\0')
    gtk_widget_grab_focus (GTK_WIDGET (self->login_row));
  else if (*gtk_editable_get_text (GTK_EDITABLE (self->password_row)) == '\0')
    gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
  else
    on_login_clicked_cb (self);
}

void
tc_login_page_set_account (TcLoginPage *self,
                           TcAccount   *account)
{
  g_return_if_fail (TC_IS_LOGIN_PAGE (self));
  g_set_object (&self->account, account);
}

void
tc_login_page_set_server (TcLoginPage *self,
                          const char  *server_url)
{
  g_return_if_fail (TC_IS_LOGIN_PAGE (self));
  gtk_editable_set_text (GTK_EDITABLE (self->server_row), server_url ? server_url : "");
}

void
tc_login_page_set_login (TcLoginPage *self,
                         const char  *login)
{
  g_return_if_fail (TC_IS_LOGIN_PAGE (self));
  gtk_editable_set_text (GTK_EDITABLE (self->login_row), login ? login : "");
}

void
tc_login_page_reset (TcLoginPage *self)
{
  g_return_if_fail (TC_IS_LOGIN_PAGE (self));

  g_cancellable_cancel (self->cancellable);
  set_busy (self, FALSE);
  show_error (self, NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
}

static gboolean
tc_login_page_grab_focus (GtkWidget *widget)
{
  TcLoginPage *self = TC_LOGIN_PAGE (widget);

  if (*gtk_editable_get_text (GTK_EDITABLE (self->login_row)) == '\0')
    return gtk_widget_grab_focus (GTK_WIDGET (self->login_row));
  return gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
}

static void
tc_login_page_dispose (GObject *object)
{
  TcLoginPage *self = TC_LOGIN_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->account);
  g_clear_pointer (&self->server_url, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), TC_TYPE_LOGIN_PAGE);

  G_OBJECT_CLASS (tc_login_page_parent_class)->dispose (object);
}

static void
tc_login_page_class_init (TcLoginPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tc_login_page_dispose;
  widget_class->grab_focus = tc_login_page_grab_focus;

  /**
   * TcLoginPage::logged-in:
   * @server_url: the normalised server address
   * @login: the login used
   *
   * The account is logged in and syncing.
   */
  signals[LOGGED_IN] = g_signal_new ("logged-in", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING,
                                     G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/teamchat/TeamChat/tc-login-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TcLoginPage, server_row);
  gtk_widget_class_bind_template_child (widget_class, TcLoginPage, login_row);
  gtk_widget_class_bind_template_child (widget_class, TcLoginPage, password_row);
  gtk_widget_class_bind_template_child (widget_class, TcLoginPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, TcLoginPage, login_button);
  gtk_widget_class_bind_template_child (widget_class, TcLoginPage, spinner);
  gtk_widget_class_bind_template_callback (widget_class, on_login_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_activated_cb);
}

static void
tc_login_page_init (TcLoginPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
