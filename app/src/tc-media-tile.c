/* tc-media-tile.c: one folder or resource in the attachment browser's grid
 *
 * A preview above the title and a detail line (the size, or "Folder";
 * the type is in the icon, and read out with the size). GTK 4.8 gives grid cells no accessible actions, so the tile
 * has its own: "tile.toggle" selects or unselects it as Ctrl+click does,
 * "tile.open" activates it as a double click does (a folder opens, a
 * resource is attached) — for assistive technologies and the UI tests.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "tc-media-describe.h"
#include "tc-media-preview.h"
#include "tc-media-tile.h"

#define PREVIEW_SIZE 72

struct _TcMediaTile
{
  AdwBin          parent_instance;

  TcMediaPreview *preview;
  GtkLabel       *title_label;
  GtkLabel       *detail_label;

  GtkListItem    *list_item;   /* borrowed while bound */
};

G_DEFINE_FINAL_TYPE (TcMediaTile, tc_media_tile, ADW_TYPE_BIN)

void
tc_media_tile_bind (TcMediaTile  *self,
                    GtkListItem  *list_item,
                    TcMediaCache *cache)
{
  TcMediaEntry *entry;
  g_autofree char *detail = NULL;
  g_autofree char *size = NULL;
  g_autofree char *accessible = NULL;

  g_return_if_fail (TC_IS_MEDIA_TILE (self));

  self->list_item = list_item;
  entry = list_item != NULL ? gtk_list_item_get_item (list_item) : NULL;
  if (entry == NULL)
    {
      gtk_label_set_text (self->title_label, "");
      gtk_label_set_text (self->detail_label, "");
      return;
    }
  if (tc_media_entry_is_folder (entry))
    {
      tc_media_preview_set_folder (self->preview);
      detail = g_strdup (_("Folder"));
    }
  else
    {
      const TcResource *resource = tc_media_entry_get_resource (entry);

      tc_media_preview_set_resource (self->preview, cache, resource);
      detail = tc_media_describe_detail (resource);
      /* The icon shows the type; the tile is narrow. */
      size = g_format_size ((guint64) MAX (resource->size, 0));
    }
  gtk_label_set_text (self->title_label, tc_media_entry_get_title (entry));
  gtk_label_set_text (self->detail_label, size != NULL ? size : detail);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), tc_media_entry_get_title (entry));
  /* TRANSLATORS: how a screen reader reads a file or folder of the
   * library: its title, then its type and size (or "Folder") */
  accessible = g_strdup_printf (_("%1$s, %2$s"), tc_media_entry_get_title (entry), detail);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
}

static void
toggle_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  TcMediaTile *self = TC_MEDIA_TILE (widget);
  guint position;

  if (self->list_item == NULL || !gtk_list_item_get_selectable (self->list_item))
    return;
  position = gtk_list_item_get_position (self->list_item);
  if (gtk_list_item_get_selected (self->list_item))
    {
      GtkSelectionModel *model = NULL;
      GtkWidget *view = gtk_widget_get_ancestor (widget, GTK_TYPE_GRID_VIEW);

      if (view != NULL)
        model = gtk_grid_view_get_model (GTK_GRID_VIEW (view));
      if (model != NULL)
        gtk_selection_model_unselect_item (model, position);
    }
  else
    /* As Ctrl+click: the others stay selected. */
    gtk_widget_activate_action (widget, "list.select-item", "(ubb)", position, TRUE, FALSE);
}

static void
open_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  TcMediaTile *self = TC_MEDIA_TILE (widget);

  if (self->list_item == NULL)
    return;
  gtk_widget_activate_action (widget, "list.activate-item", "u",
                              gtk_list_item_get_position (self->list_item));
}

static void
tc_media_tile_class_init (TcMediaTileClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_css_name (widget_class, "mediatile");
  gtk_widget_class_install_action (widget_class, "tile.toggle", NULL, toggle_activated);
  gtk_widget_class_install_action (widget_class, "tile.open", NULL, open_activated);
}

static void
tc_media_tile_init (TcMediaTile *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);

  self->preview = TC_MEDIA_PREVIEW (tc_media_preview_new (PREVIEW_SIZE));
  gtk_widget_set_halign (GTK_WIDGET (self->preview), GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (GTK_WIDGET (self->preview), "media-tile-preview");

  self->title_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->title_label, TRUE);
  gtk_label_set_wrap_mode (self->title_label, PANGO_WRAP_WORD_CHAR);
  gtk_label_set_lines (self->title_label, 2);
  gtk_label_set_ellipsize (self->title_label, PANGO_ELLIPSIZE_END);
  gtk_label_set_justify (self->title_label, GTK_JUSTIFY_CENTER);
  gtk_label_set_width_chars (self->title_label, 14);
  gtk_label_set_max_width_chars (self->title_label, 14);

  self->detail_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_ellipsize (self->detail_label, PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (self->detail_label, 14);
  gtk_widget_add_css_class (GTK_WIDGET (self->detail_label), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (self->detail_label), "dim-label");

  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->preview));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->title_label));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->detail_label));
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  adw_bin_set_child (ADW_BIN (self), box);
}

GtkWidget *
tc_media_tile_new (void)
{
  return g_object_new (TC_TYPE_MEDIA_TILE, NULL);
}
