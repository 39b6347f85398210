/* tc-member-row.c: one team member in a list (team sidebar, New Chat)
 *
 * Avatar with presence, name, and a dim second line. Screen readers hear
 * one sentence ("Kwame Mensah, online, Your sponsor"); the row also has an
 * accessible "activate" action, which GTK 4.8 list rows lack.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "tc-member-row.h"
#include "tc-presence-avatar.h"

struct _TcMemberRow
{
  GtkListBoxRow  parent_instance;

  char          *member_id;
  char          *name;
  gboolean       online;
};

G_DEFINE_FINAL_TYPE (TcMemberRow, tc_member_row, GTK_TYPE_LIST_BOX_ROW)

static void
row_activate_activated (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  /* The same path as a click or Enter: GtkListBox::row-activated. */
  gtk_widget_activate (widget);
}

static void
tc_member_row_finalize (GObject *object)
{
  TcMemberRow *self = TC_MEMBER_ROW (object);

  g_free (self->member_id);
  g_free (self->name);

  G_OBJECT_CLASS (tc_member_row_parent_class)->finalize (object);
}

static void
tc_member_row_class_init (TcMemberRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = tc_member_row_finalize;
  gtk_widget_class_install_action (widget_class, "row.activate", NULL, row_activate_activated);
}

static void
tc_member_row_init (TcMemberRow *self)
{
}

GtkWidget *
tc_member_row_new (const TcAssociate *member,
                   const char        *subtitle)
{
  TcMemberRow *self = g_object_new (TC_TYPE_MEMBER_ROW, NULL);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  const char *name = member->name != NULL ? member->name : member->id;
  GtkWidget *name_label = gtk_label_new (name);
  g_autofree char *accessible = NULL;
  const char *presence;

  g_return_val_if_fail (member != NULL && member->id != NULL, NULL);

  self->member_id = g_strdup (member->id);
  self->name = g_strdup (name);
  self->online = member->online;

  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_box_append (GTK_BOX (box), tc_presence_avatar_new (32, name, member->online));

  gtk_label_set_xalign (GTK_LABEL (name_label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name_label), PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (text), name_label);
  if (subtitle != NULL)
    {
      GtkWidget *detail = gtk_label_new (subtitle);

      gtk_label_set_xalign (GTK_LABEL (detail), 0);
      gtk_label_set_ellipsize (GTK_LABEL (detail), PANGO_ELLIPSIZE_END);
      gtk_widget_add_css_class (detail, "dim-label");
      gtk_widget_add_css_class (detail, "caption");
      gtk_box_append (GTK_BOX (text), detail);
    }
  gtk_widget_set_valign (text, GTK_ALIGN_CENTER);
  gtk_widget_set_hexpand (text, TRUE);
  gtk_box_append (GTK_BOX (box), text);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (self), box);

  presence = member->online ? _("online") : _("offline");
  if (subtitle != NULL)
    /* TRANSLATORS: a team member in a list: name, "online"/"offline", relation */
    accessible = g_strdup_printf (C_("member row", "%s, %s, %s"), name, presence, subtitle);
  else
    accessible = g_strdup_printf (C_("conversation row", "%s, %s"), name, presence);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                  -1);
  return GTK_WIDGET (self);
}

const char *
tc_member_row_get_member_id (TcMemberRow *self)
{
  g_return_val_if_fail (TC_IS_MEMBER_ROW (self), NULL);

  return self->member_id;
}

const char *
tc_member_row_get_name (TcMemberRow *self)
{
  g_return_val_if_fail (TC_IS_MEMBER_ROW (self), NULL);

  return self->name;
}

gboolean
tc_member_row_get_online (TcMemberRow *self)
{
  g_return_val_if_fail (TC_IS_MEMBER_ROW (self), FALSE);

  return self->online;
}
