/* tc-chip.c: a removable item in a row of chips (a recipient, a file)
 *
 * New Chat's recipients and the composer's attachments look and read the
 * same: a pill with the item's title and a remove button that screen
 * readers name after the item.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "tc-chip.h"

GtkWidget *
tc_chip_new (GtkWidget  *leading,
             const char *title,
             const char *id,
             GCallback   on_remove,
             gpointer    user_data)
{
  GtkWidget *chip = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label = gtk_label_new (title);
  GtkWidget *remove = gtk_button_new_from_icon_name ("window-close-symbolic");
  /* TRANSLATORS: the remove button of a chip (a recipient, an attached
   * file); %s is its name or title */
  g_autofree char *remove_label = g_strdup_printf (_("Remove %s"), title);

  g_return_val_if_fail (title != NULL, NULL);

  gtk_widget_add_css_class (chip, "chip");
  if (leading != NULL)
    gtk_box_append (GTK_BOX (chip), leading);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 28);
  gtk_box_append (GTK_BOX (chip), label);
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_add_css_class (remove, "circular");
  gtk_widget_set_tooltip_text (remove, remove_label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  remove_label, -1);
  g_object_set_data_full (G_OBJECT (remove), "chip-id", g_strdup (id), g_free);
  g_signal_connect (remove, "clicked", on_remove, user_data);
  gtk_box_append (GTK_BOX (chip), remove);
  return chip;
}

const char *
tc_chip_get_id (GtkButton *remove_button)
{
  g_return_val_if_fail (GTK_IS_BUTTON (remove_button), NULL);
  return g_object_get_data (G_OBJECT (remove_button), "chip-id");
}
