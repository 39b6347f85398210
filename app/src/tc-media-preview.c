/* tc-media-preview.c: a resource's thumbnail, or its type's icon
 *
 * Decorative for assistive technologies: whoever shows it names the
 * resource. A thumbnail asked for a resource no longer shown (a recycled
 * grid cell) is dropped: each request has its own cancellable.
 */
#include "config.h"

#include "tc-media-describe.h"
#include "tc-media-preview.h"

struct _TcMediaPreview
{
  AdwBin        parent_instance;

  GtkStack     *stack;
  GtkImage     *icon;
  GtkPicture   *picture;
  int           size;
  GCancellable *cancellable;   /* the thumbnail asked for */
};

G_DEFINE_FINAL_TYPE (TcMediaPreview, tc_media_preview, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_SIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_size (TcMediaPreview *self,
          int             size)
{
  self->size = MAX (size, 16);
  gtk_widget_set_size_request (GTK_WIDGET (self), self->size, self->size);
  /* Icons at half the square (at least 16) read as icons, not pictures. */
  gtk_image_set_pixel_size (self->icon, self->size >= 32 ? self->size / 2 : self->size);
}

static void
forget_request (TcMediaPreview *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
}

void
tc_media_preview_set_folder (TcMediaPreview *self)
{
  g_return_if_fail (TC_IS_MEDIA_PREVIEW (self));

  forget_request (self);
  gtk_image_set_from_icon_name (self->icon, "folder-symbolic");
  gtk_stack_set_visible_child (self->stack, GTK_WIDGET (self->icon));
  gtk_picture_set_paintable (self->picture, NULL);
}

static void
thumbnail_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GCancellable) cancellable = user_data;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  TcMediaPreview *self;

  png = tc_media_cache_thumbnail_finish (TC_MEDIA_CACHE (source), result, &error);
  if (g_cancellable_is_cancelled (cancellable))
    return;
  self = g_object_get_data (G_OBJECT (cancellable), "preview");
  if (png == NULL)
    {
      /* Offline or not an image the server reads: the icon stays. */
      g_debug ("No thumbnail: %s", error->message);
      return;
    }
  texture = gdk_texture_new_from_bytes (png, &error);
  if (texture == NULL)
    {
      g_debug ("Cannot read a thumbnail: %s", error->message);
      return;
    }
  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (texture));
  gtk_stack_set_visible_child (self->stack, GTK_WIDGET (self->picture));
}

void
tc_media_preview_set_resource (TcMediaPreview   *self,
                               TcMediaCache     *cache,
                               const TcResource *resource)
{
  g_autoptr(GIcon) icon = NULL;

  g_return_if_fail (TC_IS_MEDIA_PREVIEW (self));
  g_return_if_fail (resource != NULL);

  forget_request (self);
  icon = tc_media_icon_for_type (resource->mime_type);
  gtk_image_set_from_gicon (self->icon, icon);
  gtk_stack_set_visible_child (self->stack, GTK_WIDGET (self->icon));
  gtk_picture_set_paintable (self->picture, NULL);

  if (cache == NULL || !tc_media_cache_has_thumbnail (resource))
    return;
  self->cancellable = g_cancellable_new ();
  /* The cancellable is cancelled before self goes: a borrowed pointer. */
  g_object_set_data (G_OBJECT (self->cancellable), "preview", self);
  tc_media_cache_thumbnail_async (cache, resource, (guint) self->size * 2, self->cancellable,
                                  thumbnail_cb, g_object_ref (self->cancellable));
}

static void
tc_media_preview_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_SIZE:
      g_value_set_int (value, TC_MEDIA_PREVIEW (object)->size);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tc_media_preview_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_SIZE:
      set_size (TC_MEDIA_PREVIEW (object), g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tc_media_preview_dispose (GObject *object)
{
  TcMediaPreview *self = TC_MEDIA_PREVIEW (object);

  forget_request (self);

  G_OBJECT_CLASS (tc_media_preview_parent_class)->dispose (object);
}

static void
tc_media_preview_class_init (TcMediaPreviewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tc_media_preview_dispose;
  object_class->get_property = tc_media_preview_get_property;
  object_class->set_property = tc_media_preview_set_property;

  /* The side of the square it fills, in pixels. */
  properties[PROP_SIZE] =
    g_param_spec_int ("size", NULL, NULL, 16, 1024, 48,
                      G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  gtk_widget_class_set_css_name (widget_class, "mediapreview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_PRESENTATION);
}

static void
tc_media_preview_init (TcMediaPreview *self)
{
  self->stack = GTK_STACK (gtk_stack_new ());
  self->icon = GTK_IMAGE (gtk_image_new ());
  self->picture = GTK_PICTURE (gtk_picture_new ());
  gtk_picture_set_can_shrink (self->picture, TRUE);
  gtk_picture_set_content_fit (self->picture, GTK_CONTENT_FIT_CONTAIN);
  gtk_widget_add_css_class (GTK_WIDGET (self->icon), "dim-label");
  gtk_stack_add_child (self->stack, GTK_WIDGET (self->icon));
  gtk_stack_add_child (self->stack, GTK_WIDGET (self->picture));
  adw_bin_set_child (ADW_BIN (self), GTK_WIDGET (self->stack));
}

/**
 * tc_media_preview_new:
 * @size: the side of the square, in pixels
 *
 * Returns: (transfer floating): a preview showing nothing yet
 */
GtkWidget *
tc_media_preview_new (int size)
{
  return g_object_new (TC_TYPE_MEDIA_PREVIEW, "size", size, NULL);
}
