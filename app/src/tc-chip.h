/* tc-chip.h: a removable item in a row of chips (a recipient, a file) */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* @leading (an avatar, an icon; may be NULL), @title, and a remove button
 * named and tooltipped "Remove TITLE" that calls @on_remove (a
 * GtkButton::clicked handler) with @user_data; tc_chip_get_id() on that
 * button gives @id back. */
GtkWidget  *tc_chip_new    (GtkWidget  *leading,
                            const char *title,
                            const char *id,
                            GCallback   on_remove,
                            gpointer    user_data);
const char *tc_chip_get_id (GtkButton  *remove_button);

G_END_DECLS
