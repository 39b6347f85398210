/* tc-attachment-browser.c: the Attach dialog — the Documents and Media
 * library to pick resources from
 *
 * Mimics the Web Office's Documents and Media page: categories on the
 * side, the folder open with its breadcrumbs, its subfolders and files as
 * a grid (thumbnails or type icons), and a search. Select files (Ctrl+click
 * for several), then Attach; activating a file (double click, Enter)
 * attaches the selection with it. Escape or Cancel closes it. Everything
 * shown comes from a TcMediaBrowser: this file only shows it.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "tc-attachment-browser.h"
#include "tc-media-browser.h"
#include "tc-media-tile.h"
#include "tc-message.h"

struct _TcAttachmentBrowser
{
  AdwWindow          parent_instance;

  /* template widgets */
  AdwWindowTitle    *window_title;
  GtkButton         *attach_button;
  GtkListBox        *category_list;
  GtkSearchEntry    *search_entry;
  GtkBox            *breadcrumbs;
  GtkLabel          *offline_note;
  GtkStack          *stack;
  GtkGridView       *grid;
  GtkSpinner        *spinner;
  AdwStatusPage     *empty_page;
  AdwStatusPage     *error_page;
  GtkLabel          *selection_label;

  /* owned */
  TcMediaBrowser    *browser;
  TcMediaCache      *cache;       /* nullable */
  GtkMultiSelection *selection;   /* over the browser's items */
  guint              max_files;
};

G_DEFINE_FINAL_TYPE (TcAttachmentBrowser, tc_attachment_browser, ADW_TYPE_WINDOW)

enum {
  ATTACH,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* --- what is selected --------------------------------------------------------------- */

/* The resources selected, in grid order. */
static GPtrArray *
selected_resources (TcAttachmentBrowser *self)
{
  g_autoptr(GtkBitset) selected =
    gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  GPtrArray *resources = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_resource_free);
  GtkBitsetIter iter;
  guint position;

  for (gboolean more = gtk_bitset_iter_init_first (&iter, selected, &position); more;
       more = gtk_bitset_iter_next (&iter, &position))
    {
      g_autoptr(TcMediaEntry) entry =
        g_list_model_get_item (G_LIST_MODEL (self->selection), position);

      if (entry != NULL && !tc_media_entry_is_folder (entry))
        g_ptr_array_add (resources, tc_resource_copy (tc_media_entry_get_resource (entry)));
    }
  return resources;
}

static void
update_selection (TcAttachmentBrowser *self)
{
  g_autoptr(GPtrArray) resources = selected_resources (self);
  guint n = resources->len;
  g_autofree char *text = NULL;

  if (self->max_files == 0)
    text = g_strdup_printf (ngettext ("A message can carry at most %d file.",
                                      "A message can carry at most %d files.",
                                      TC_MESSAGE_MAX_ATTACHMENTS),
                            TC_MESSAGE_MAX_ATTACHMENTS);
  else if (n == 0)
    text = g_strdup (_("Select files, then Attach. Ctrl+click selects several."));
  else if (n > self->max_files)
    text = g_strdup_printf (ngettext ("%u selected, but this message can take only %u more file: unselect some.",
                                      "%u selected, but this message can take only %u more files: unselect some.",
                                      self->max_files),
                            n, self->max_files);
  else
    text = g_strdup_printf (ngettext ("%u file selected", "%u files selected", n), n);
  gtk_label_set_text (self->selection_label, text);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "browser.attach",
                                 n > 0 && n <= self->max_files);
}

static void
attach_selected (TcAttachmentBrowser *self)
{
  g_autoptr(GPtrArray) resources = selected_resources (self);

  if (resources->len == 0 || resources->len > self->max_files)
    {
      gtk_widget_error_bell (GTK_WIDGET (self));
      return;
    }
  g_signal_emit (self, signals[ATTACH], 0, resources);
  gtk_window_close (GTK_WINDOW (self));
}

static void
attach_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  attach_selected (TC_ATTACHMENT_BROWSER (widget));
}

static void
reload_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  tc_media_browser_reload (TC_ATTACHMENT_BROWSER (widget)->browser);
}

/* --- the grid ----------------------------------------------------------------------- */

static void
setup_tile_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  gtk_list_item_set_child (list_item, tc_media_tile_new ());
}

static void
bind_tile_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  TcAttachmentBrowser *self = user_data;
  TcMediaEntry *entry = gtk_list_item_get_item (list_item);

  /* Folders open; only files are picked. */
  gtk_list_item_set_selectable (list_item, entry != NULL && !tc_media_entry_is_folder (entry));
  tc_media_tile_bind (TC_MEDIA_TILE (gtk_list_item_get_child (list_item)), list_item, self->cache);
}

static void
unbind_tile_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                gpointer                  user_data)
{
  tc_media_tile_bind (TC_MEDIA_TILE (gtk_list_item_get_child (list_item)), NULL, NULL);
}

static void
on_grid_activate_cb (TcAttachmentBrowser *self,
                     guint                position)
{
  g_autoptr(TcMediaEntry) entry = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

  if (entry == NULL)
    return;
  if (tc_media_entry_is_folder (entry))
    {
      tc_media_browser_open_folder (self->browser, tc_media_entry_get_id (entry));
      return;
    }
  /* A double click selects first; Enter on a focused file may not. */
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), position, FALSE);
  attach_selected (self);
}

/* --- the place shown ---------------------------------------------------------------- */

static void
update_page (TcAttachmentBrowser *self)
{
  TcMediaBrowserState state = tc_media_browser_get_state (self->browser);
  const char *query = tc_media_browser_get_query (self->browser);
  guint n = g_list_model_get_n_items (tc_media_browser_get_items (self->browser));
  const char *page;

  switch (state)
    {
    case TC_MEDIA_BROWSER_FAILED:
      adw_status_page_set_description (self->error_page, tc_media_browser_get_error (self->browser));
      page = "error";
      break;
    case TC_MEDIA_BROWSER_READY:
      page = n > 0 ? "grid" : "empty";
      if (query != NULL)
        {
          adw_status_page_set_title (self->empty_page, _("No Matches"));
          adw_status_page_set_description (self->empty_page,
                                           _("No file’s title or description has these words."));
        }
      else
        {
          adw_status_page_set_title (self->empty_page, _("Empty Folder"));
          adw_status_page_set_description (self->empty_page, NULL);
        }
      break;
    case TC_MEDIA_BROWSER_IDLE:
    case TC_MEDIA_BROWSER_LOADING:
    default:
      page = n > 0 ? "grid" : "loading";
      break;
    }
  gtk_stack_set_visible_child_name (self->stack, page);
  /* "Select files…" means nothing over an error or an empty folder. */
  gtk_widget_set_visible (GTK_WIDGET (self->selection_label), g_str_equal (page, "grid"));
  gtk_spinner_set_spinning (self->spinner, g_str_equal (page, "loading"));

  gtk_widget_set_visible (GTK_WIDGET (self->offline_note),
                          tc_media_browser_get_offline (self->browser) &&
                          state == TC_MEDIA_BROWSER_READY);
  gtk_label_set_text (self->offline_note,
                      query != NULL
                        ? _("The server cannot be reached: only folders opened before on this computer are searched.")
                        : _("The server cannot be reached: this is the library as it was when last opened on this computer."));
}

static void
on_crumb_clicked_cb (GtkButton           *button,
                     TcAttachmentBrowser *self)
{
  tc_media_browser_open_folder (self->browser, g_object_get_data (G_OBJECT (button), "folder-id"));
}

static void
update_breadcrumbs (TcAttachmentBrowser *self)
{
  GListModel *path = tc_media_browser_get_path (self->browser);
  guint n = g_list_model_get_n_items (path);
  const char *query = tc_media_browser_get_query (self->browser);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->breadcrumbs))) != NULL)
    gtk_box_remove (self->breadcrumbs, child);

  if (query != NULL)
    {
      g_autofree char *text = NULL;
      GtkWidget *label;

      /* TRANSLATORS: where the attachment browser is while searching; %s is what was typed */
      text = g_strdup_printf (_("Search results for “%s”"), query);
      label = gtk_label_new (text);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_widget_set_margin_start (label, 4);
      gtk_widget_add_css_class (label, "heading");
      gtk_box_append (self->breadcrumbs, label);
      adw_window_title_set_subtitle (self->window_title, text);
      return;
    }

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TcMediaEntry) entry = g_list_model_get_item (path, i);
      GtkWidget *crumb;

      if (i > 0)
        {
          GtkWidget *separator = gtk_image_new_from_icon_name ("go-next-symbolic");

          gtk_widget_add_css_class (separator, "dim-label");
          gtk_accessible_update_property (GTK_ACCESSIBLE (separator),
                                          GTK_ACCESSIBLE_PROPERTY_LABEL, "", -1);
          gtk_box_append (self->breadcrumbs, separator);
        }
      if (i + 1 < n)
        {
          crumb = gtk_button_new_with_label (tc_media_entry_get_title (entry));
          gtk_widget_add_css_class (crumb, "flat");
          g_object_set_data_full (G_OBJECT (crumb), "folder-id",
                                  g_strdup (tc_media_entry_get_id (entry)), g_free);
          g_signal_connect (crumb, "clicked", G_CALLBACK (on_crumb_clicked_cb), self);
        }
      else
        {
          /* Where one is: not a link. */
          crumb = gtk_label_new (tc_media_entry_get_title (entry));
          gtk_label_set_ellipsize (GTK_LABEL (crumb), PANGO_ELLIPSIZE_END);
          gtk_widget_set_margin_start (crumb, 8);
          gtk_widget_add_css_class (crumb, "heading");
          adw_window_title_set_subtitle (self->window_title, tc_media_entry_get_title (entry));
        }
      gtk_box_append (self->breadcrumbs, crumb);
    }
  if (n == 0)
    adw_window_title_set_subtitle (self->window_title, NULL);
}

static void
update_category (TcAttachmentBrowser *self)
{
  const char *category = tc_media_browser_get_category_id (self->browser);
  GtkListBoxRow *row;

  for (int i = 0; (row = gtk_list_box_get_row_at_index (self->category_list, i)) != NULL; i++)
    if (g_strcmp0 (g_object_get_data (G_OBJECT (row), "folder-id"), category) == 0)
      {
        gtk_list_box_select_row (self->category_list, row);
        return;
      }
  gtk_list_box_unselect_all (self->category_list);
}

static void
on_path_changed_cb (TcAttachmentBrowser *self)
{
  update_breadcrumbs (self);
  update_category (self);
}

static void
row_activate_activated (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       user_data)
{
  /* The same path as a click or Enter: GtkListBox::row-activated. */
  gtk_widget_activate (GTK_WIDGET (user_data));
}

static GtkWidget *
category_row_new (gpointer item,
                  gpointer user_data)
{
  TcMediaEntry *entry = item;
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);
  GtkWidget *label = gtk_label_new (tc_media_entry_get_title (entry));
  g_autoptr(GSimpleActionGroup) actions = g_simple_action_group_new ();
  g_autoptr(GSimpleAction) activate = g_simple_action_new ("activate", NULL);

  g_object_set_data_full (G_OBJECT (row), "folder-id", g_strdup (tc_media_entry_get_id (entry)),
                          g_free);
  /* GTK 4.8 gives list rows no accessible action. */
  g_signal_connect_object (activate, "activate", G_CALLBACK (row_activate_activated), row, 0);
  g_action_map_add_action (G_ACTION_MAP (actions), G_ACTION (activate));
  gtk_widget_insert_action_group (row, "row", G_ACTION_GROUP (actions));

  gtk_box_append (GTK_BOX (box), gtk_image_new_from_icon_name ("folder-symbolic"));
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_box_append (GTK_BOX (box), label);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  tc_media_entry_get_title (entry), -1);
  return row;
}

static void
on_category_activated_cb (TcAttachmentBrowser *self,
                          GtkListBoxRow       *row)
{
  const char *id = g_object_get_data (G_OBJECT (row), "folder-id");

  /* Choosing a category ends a search. */
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  tc_media_browser_open_folder (self->browser, id);
}

static void
on_search_changed_cb (TcAttachmentBrowser *self)
{
  tc_media_browser_search (self->browser,
                           gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
}

/* --- GObject ------------------------------------------------------------------------ */

/**
 * tc_attachment_browser_new:
 * @parent: the window it is over
 * @account: a logged-in account
 * @max_files: how many more files the message may carry
 *
 * Returns: (transfer full): the dialog, not shown yet
 */
TcAttachmentBrowser *
tc_attachment_browser_new (GtkWindow *parent,
                           TcAccount *account,
                           guint      max_files)
{
  TcAttachmentBrowser *self;
  TcMediaCache *cache;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (TC_IS_ACCOUNT (account), NULL);

  self = g_object_new (TC_TYPE_ATTACHMENT_BROWSER,
                       "transient-for", parent,
                       "application", parent != NULL ? gtk_window_get_application (parent) : NULL,
                       NULL);
  self->max_files = max_files;
  cache = tc_account_get_media_cache (account);
  self->cache = cache != NULL ? g_object_ref (cache) : NULL;
  self->browser = tc_media_browser_new (tc_account_get_api_client (account),
                                        tc_account_get_replica (account));

  gtk_list_box_bind_model (self->category_list, tc_media_browser_get_categories (self->browser),
                           category_row_new, NULL, NULL);
  self->selection = gtk_multi_selection_new (g_object_ref (tc_media_browser_get_items (self->browser)));
  gtk_grid_view_set_model (self->grid, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect_object (self->selection, "selection-changed", G_CALLBACK (update_selection),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->selection, "items-changed", G_CALLBACK (update_selection), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (tc_media_browser_get_items (self->browser), "items-changed",
                           G_CALLBACK (update_page), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (tc_media_browser_get_path (self->browser), "items-changed",
                           G_CALLBACK (on_path_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (tc_media_browser_get_categories (self->browser), "items-changed",
                           G_CALLBACK (update_category), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->browser, "notify::state", G_CALLBACK (update_page), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->browser, "notify::offline", G_CALLBACK (update_page), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->browser, "notify::query", G_CALLBACK (on_path_changed_cb), self,
                           G_CONNECT_SWAPPED);

  update_selection (self);
  update_page (self);
  tc_media_browser_load_categories (self->browser);
  return self;
}

static void
tc_attachment_browser_dispose (GObject *object)
{
  TcAttachmentBrowser *self = TC_ATTACHMENT_BROWSER (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), TC_TYPE_ATTACHMENT_BROWSER);
  g_clear_object (&self->selection);
  g_clear_object (&self->browser);
  g_clear_object (&self->cache);

  G_OBJECT_CLASS (tc_attachment_browser_parent_class)->dispose (object);
}

static void
tc_attachment_browser_class_init (TcAttachmentBrowserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tc_attachment_browser_dispose;

  /**
   * TcAttachmentBrowser::attach:
   * @resources: (element-type TcResource): what was picked, in grid order
   */
  signals[ATTACH] =
    g_signal_new ("attach", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_PTR_ARRAY);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/teamchat/TeamChat/tc-attachment-browser.ui");
  gtk_widget_class_bind_template_child (widget_class, TcAttachmentBrowser, window_title);
  gtk_widget_class_bind_template_child (widget_class, TcAttachmentBrowser, attach_button);
  gtk_widget_class_bind_template_child (widget_class, TcAttachmentBrowser, category_list);
  gtk_widget_class_bind_template_child (widget_class, TcAttachmentBrowser, search_entry);
  gtk_widget_class_bind_template_child (widget_class, TcAttachmentBrowser, breadcrumbs);
  gtk_widget_class_bind_template_child (widget_class, TcAttachmentBrowser, offline_note);
  gtk_widget_class_bind_template_child (widget_class, TcAttachmentBrowser, stack);
  gtk_widget_class_bind_template_child (widget_class, TcAttachmentBrowser, grid);
  gtk_widget_class_bind_template_child (widget_class, TcAttachmentBrowser, spinner);
  gtk_widget_class_bind_template_child (widget_class, TcAttachmentBrowser, empty_page);
  gtk_widget_class_bind_template_child (widget_class, TcAttachmentBrowser, error_page);
  gtk_widget_class_bind_template_child (widget_class, TcAttachmentBrowser, selection_label);
  gtk_widget_class_bind_template_callback (widget_class, on_category_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_grid_activate_cb);

  gtk_widget_class_install_action (widget_class, "browser.attach", NULL, attach_activated);
  gtk_widget_class_install_action (widget_class, "browser.reload", NULL, reload_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
tc_attachment_browser_init (TcAttachmentBrowser *self)
{
  GtkListItemFactory *factory;

  gtk_widget_init_template (GTK_WIDGET (self));

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_tile_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_tile_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_tile_cb), self);
  gtk_grid_view_set_factory (self->grid, factory);
  g_object_unref (factory);
}
