/* test-composer.c: the composer's attachments — chips, the limit of ten,
 * sending files without text (needs a display; skipped without one) */
#include <string.h>

#include "tc-composer.h"
#include "tc-memory-token-store.h"

static TcResource *
resource_new (guint i)
{
  TcResource *resource = tc_resource_new ();

  resource->id = g_strdup_printf ("res_%u", i);
  resource->title = g_strdup_printf ("File %u", i);
  resource->mime_type = g_strdup (i % 2 ? "application/pdf" : "image/png");
  resource->size = 1000 * (i + 1);
  resource->folder_id = g_strdup ("fld_1");
  return resource;
}

static GPtrArray *
resources_new (guint first,
               guint n)
{
  GPtrArray *resources = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_resource_free);

  for (guint i = first; i < first + n; i++)
    g_ptr_array_add (resources, resource_new (i));
  return resources;
}

/* The first descendant of @widget that @match accepts. */
static GtkWidget *
find_widget (GtkWidget *widget,
             gboolean (*match) (GtkWidget *widget, gconstpointer data),
             gconstpointer data)
{
  if (match (widget, data))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, match, data);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
is_button_for (GtkWidget     *widget,
               gconstpointer  action)
{
  return GTK_IS_BUTTON (widget) &&
         g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action) == 0;
}

static gboolean
has_tooltip (GtkWidget     *widget,
             gconstpointer  tooltip)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_widget_get_tooltip_text (widget), tooltip) == 0;
}

static gboolean
is_label_starting (GtkWidget     *widget,
                   gconstpointer  prefix)
{
  return GTK_IS_LABEL (widget) && g_str_has_prefix (gtk_label_get_text (GTK_LABEL (widget)), prefix);
}

static void
iterate (void)
{
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

static gboolean
on_send_cb (TcComposer *composer,
            const char *text,
            char      **sent)
{
  g_free (*sent);
  *sent = g_strdup (text);
  return TRUE;
}

static void
test_attachments (void)
{
  g_autoptr(TcTokenStore) store = tc_memory_token_store_new ();
  g_autoptr(TcAccount) account = tc_account_new (store);
  GtkWidget *window = gtk_window_new ();
  TcComposer *composer = g_object_new (TC_TYPE_COMPOSER, NULL);
  g_autoptr(GPtrArray) two = resources_new (0, 2);
  g_autoptr(GPtrArray) many = resources_new (1, 12);
  g_autofree char *sent = NULL;
  GtkWidget *attach, *send, *limit, *remove;

  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (composer));
  g_signal_connect (composer, "send", G_CALLBACK (on_send_cb), &sent);
  attach = find_widget (GTK_WIDGET (composer), is_button_for, "composer.attach");
  send = find_widget (GTK_WIDGET (composer), is_button_for, "composer.send");
  g_assert_nonnull (attach);
  g_assert_nonnull (send);
  iterate ();

  /* No account: nothing to attach from. */
  g_assert_false (gtk_widget_get_sensitive (attach));
  tc_composer_set_account (composer, account);
  iterate ();
  g_assert_true (gtk_widget_get_sensitive (attach));
  g_assert_false (tc_composer_has_message (composer));

  /* Files alone make a message; the same file is attached once. */
  tc_composer_add_attachments (composer, two);
  tc_composer_add_attachments (composer, two);
  g_assert_cmpuint (tc_composer_get_attachments (composer)->len, ==, 2);
  g_assert_true (tc_composer_has_message (composer));
  iterate ();
  g_assert_true (gtk_widget_get_sensitive (send));
  g_assert_nonnull (find_widget (GTK_WIDGET (composer), has_tooltip, "Remove File 0"));
  g_assert_nonnull (find_widget (GTK_WIDGET (composer), has_tooltip, "Remove File 1"));

  /* Ten at most: the rest is not taken, Attach is off and says why. */
  tc_composer_add_attachments (composer, many);
  g_assert_cmpuint (tc_composer_get_attachments (composer)->len, ==, 10);
  iterate ();
  g_assert_false (gtk_widget_get_sensitive (attach));
  limit = find_widget (GTK_WIDGET (composer), is_label_starting, "A message can carry at most 10");
  g_assert_nonnull (limit);
  g_assert_true (gtk_widget_get_visible (limit));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (attach), ==, gtk_label_get_text (GTK_LABEL (limit)));

  /* A chip's remove button: one fewer, Attach back on. */
  remove = find_widget (GTK_WIDGET (composer), has_tooltip, "Remove File 3");
  g_assert_nonnull (remove);
  g_signal_emit_by_name (remove, "clicked");
  g_assert_cmpuint (tc_composer_get_attachments (composer)->len, ==, 9);
  for (guint i = 0; i < 9; i++)
    g_assert_cmpstr (((TcResource *) g_ptr_array_index (tc_composer_get_attachments (composer),
                                                        i))->id, !=, "res_3");
  g_assert_null (find_widget (GTK_WIDGET (composer), has_tooltip, "Remove File 3"));
  iterate ();
  g_assert_true (gtk_widget_get_sensitive (attach));
  g_assert_false (gtk_widget_get_visible (limit));

  /* Send with files and no text: the text is empty, the files stay for
   * whoever takes the message. */
  gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL);
  g_assert_cmpstr (sent, ==, "");

  /* Too long a text is no message, files or not. */
  {
    g_autofree char *long_text = g_strnfill (TC_MESSAGE_MAX_BODY_CHARS + 1, 'x');

    tc_composer_set_text (composer, long_text);
    g_assert_false (tc_composer_has_message (composer));
  }

  tc_composer_clear (composer);
  g_assert_cmpuint (tc_composer_get_attachments (composer)->len, ==, 0);
  g_assert_false (tc_composer_has_message (composer));
  g_assert_null (find_widget (GTK_WIDGET (composer), has_tooltip, "Remove File 0"));

  /* Logged out: no Attach. */
  tc_composer_set_account (composer, NULL);
  iterate ();
  g_assert_false (gtk_widget_get_sensitive (attach));

  gtk_window_destroy (GTK_WINDOW (window));
  iterate ();
}

static void
skip_without_display (void)
{
  g_test_skip ("no display");
}

int
main (int    argc,
      char **argv)
{
  gboolean have_display;

  g_test_init (&argc, &argv, NULL);
  have_display = gtk_init_check ();
  if (have_display)
    adw_init ();

  if (have_display)
    g_test_add_func ("/composer/attachments", test_attachments);
  else
    g_test_add_func ("/composer/attachments", skip_without_display);

  return g_test_run ();
}
