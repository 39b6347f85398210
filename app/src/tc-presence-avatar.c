/* tc-presence-avatar.c: a member's avatar with a green dot while online
 *
 * Everywhere a member appears (panel rows, conversation header, team
 * sidebar, dashboard, New Chat results) the same widget: an AdwAvatar with
 * initials, and a dot on its corner while the member is online. Screen
 * readers get an image named after the member whose description says
 * "Online" or "Offline".
 */
#include "config.h"

#include <glib/gi18n.h>

#include "tc-presence-avatar.h"

struct _TcPresenceAvatar
{
  GtkWidget  parent_instance;

  GtkWidget *overlay;
  AdwAvatar *avatar;
  GtkWidget *dot;
  char      *name;
  gboolean   online;
};

G_DEFINE_FINAL_TYPE (TcPresenceAvatar, tc_presence_avatar, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_NAME,
  PROP_ONLINE,
  PROP_SIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update_accessible (TcPresenceAvatar *self)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, self->name ? self->name : "",
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  self->online ? _("Online") : _("Offline"),
                                  -1);
}

void
tc_presence_avatar_set_name (TcPresenceAvatar *self,
                             const char       *name)
{
  g_return_if_fail (TC_IS_PRESENCE_AVATAR (self));

  if (g_strcmp0 (self->name, name) == 0)
    return;
  g_free (self->name);
  self->name = g_strdup (name);
  adw_avatar_set_text (self->avatar, name);
  update_accessible (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

const char *
tc_presence_avatar_get_name (TcPresenceAvatar *self)
{
  g_return_val_if_fail (TC_IS_PRESENCE_AVATAR (self), NULL);

  return self->name;
}

void
tc_presence_avatar_set_online (TcPresenceAvatar *self,
                               gboolean          online)
{
  g_return_if_fail (TC_IS_PRESENCE_AVATAR (self));

  online = !!online;
  if (self->online == online)
    return;
  self->online = online;
  gtk_widget_set_visible (self->dot, online);
  update_accessible (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ONLINE]);
}

gboolean
tc_presence_avatar_get_online (TcPresenceAvatar *self)
{
  g_return_val_if_fail (TC_IS_PRESENCE_AVATAR (self), FALSE);

  return self->online;
}

static void
set_size (TcPresenceAvatar *self,
          int               size)
{
  /* The dot grows a little with the avatar, never past a quarter of it. */
  int dot = CLAMP (size / 4, 8, 16);

  adw_avatar_set_size (self->avatar, size);
  gtk_widget_set_size_request (self->dot, dot, dot);
}

static void
tc_presence_avatar_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  TcPresenceAvatar *self = TC_PRESENCE_AVATAR (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_ONLINE:
      g_value_set_boolean (value, self->online);
      break;
    case PROP_SIZE:
      g_value_set_int (value, adw_avatar_get_size (self->avatar));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tc_presence_avatar_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  TcPresenceAvatar *self = TC_PRESENCE_AVATAR (object);

  switch (prop_id)
    {
    case PROP_NAME:
      tc_presence_avatar_set_name (self, g_value_get_string (value));
      break;
    case PROP_ONLINE:
      tc_presence_avatar_set_online (self, g_value_get_boolean (value));
      break;
    case PROP_SIZE:
      set_size (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tc_presence_avatar_dispose (GObject *object)
{
  TcPresenceAvatar *self = TC_PRESENCE_AVATAR (object);

  g_clear_pointer (&self->overlay, gtk_widget_unparent);
  g_clear_pointer (&self->name, g_free);

  G_OBJECT_CLASS (tc_presence_avatar_parent_class)->dispose (object);
}

static void
tc_presence_avatar_class_init (TcPresenceAvatarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = tc_presence_avatar_get_property;
  object_class->set_property = tc_presence_avatar_set_property;
  object_class->dispose = tc_presence_avatar_dispose;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ONLINE] =
    g_param_spec_boolean ("online", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SIZE] =
    g_param_spec_int ("size", NULL, NULL, 16, 256, 40,
                      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
  gtk_widget_class_set_css_name (widget_class, "presence-avatar");
}

static void
tc_presence_avatar_init (TcPresenceAvatar *self)
{
  self->overlay = gtk_overlay_new ();
  gtk_widget_set_parent (self->overlay, GTK_WIDGET (self));
  gtk_widget_set_halign (self->overlay, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (self->overlay, GTK_ALIGN_CENTER);

  /* The avatar and the dot are drawing only: this widget speaks for both. */
  self->avatar = g_object_new (ADW_TYPE_AVATAR, "show-initials", TRUE,
                               "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION, NULL);
  gtk_overlay_set_child (GTK_OVERLAY (self->overlay), GTK_WIDGET (self->avatar));

  self->dot = g_object_new (GTK_TYPE_BOX, "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION,
                            "halign", GTK_ALIGN_END, "valign", GTK_ALIGN_END,
                            "visible", FALSE, NULL);
  gtk_widget_add_css_class (self->dot, "presence-dot");
  gtk_overlay_add_overlay (GTK_OVERLAY (self->overlay), self->dot);

  set_size (self, 40);
  update_accessible (self);
}

GtkWidget *
tc_presence_avatar_new (int         size,
                        const char *name,
                        gboolean    online)
{
  return g_object_new (TC_TYPE_PRESENCE_AVATAR, "size", size, "name", name, "online", online,
                       NULL);
}
