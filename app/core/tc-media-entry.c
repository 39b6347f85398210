/* tc-media-entry.c: a folder or a resource of the library, as a list item */
#include "config.h"

#include "tc-media-entry.h"

struct _TcMediaEntry
{
  GObject        parent_instance;

  TcMediaFolder *folder;     /* one of the two */
  TcResource    *resource;
};

G_DEFINE_FINAL_TYPE (TcMediaEntry, tc_media_entry, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_TITLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/**
 * tc_media_entry_new_folder:
 * @folder: a folder or category
 *
 * Returns: (transfer full): an entry holding a copy of @folder without
 *   its subfolders
 */
TcMediaEntry *
tc_media_entry_new_folder (const TcMediaFolder *folder)
{
  TcMediaEntry *self;

  g_return_val_if_fail (folder != NULL, NULL);

  self = g_object_new (TC_TYPE_MEDIA_ENTRY, NULL);
  self->folder = tc_media_folder_new ();
  self->folder->id = g_strdup (folder->id);
  self->folder->title = g_strdup (folder->title);
  self->folder->parent_id = g_strdup (folder->parent_id);
  self->folder->resource_count = folder->resource_count;
  return self;
}

/**
 * tc_media_entry_new_resource:
 * @resource: a resource
 *
 * Returns: (transfer full): an entry holding a copy of @resource
 */
TcMediaEntry *
tc_media_entry_new_resource (const TcResource *resource)
{
  TcMediaEntry *self;

  g_return_val_if_fail (resource != NULL, NULL);

  self = g_object_new (TC_TYPE_MEDIA_ENTRY, NULL);
  self->resource = tc_resource_copy (resource);
  return self;
}

gboolean
tc_media_entry_is_folder (TcMediaEntry *self)
{
  g_return_val_if_fail (TC_IS_MEDIA_ENTRY (self), FALSE);
  return self->folder != NULL;
}

const char *
tc_media_entry_get_id (TcMediaEntry *self)
{
  g_return_val_if_fail (TC_IS_MEDIA_ENTRY (self), NULL);
  return self->folder != NULL ? self->folder->id : self->resource->id;
}

const char *
tc_media_entry_get_title (TcMediaEntry *self)
{
  g_return_val_if_fail (TC_IS_MEDIA_ENTRY (self), NULL);
  return self->folder != NULL ? self->folder->title : self->resource->title;
}

const TcMediaFolder *
tc_media_entry_get_folder (TcMediaEntry *self)
{
  g_return_val_if_fail (TC_IS_MEDIA_ENTRY (self), NULL);
  return self->folder;
}

const TcResource *
tc_media_entry_get_resource (TcMediaEntry *self)
{
  g_return_val_if_fail (TC_IS_MEDIA_ENTRY (self), NULL);
  return self->resource;
}

static void
tc_media_entry_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  TcMediaEntry *self = TC_MEDIA_ENTRY (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, tc_media_entry_get_id (self));
      break;
    case PROP_TITLE:
      g_value_set_string (value, tc_media_entry_get_title (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tc_media_entry_finalize (GObject *object)
{
  TcMediaEntry *self = TC_MEDIA_ENTRY (object);

  g_clear_pointer (&self->folder, tc_media_folder_free);
  g_clear_pointer (&self->resource, tc_resource_free);

  G_OBJECT_CLASS (tc_media_entry_parent_class)->finalize (object);
}

static void
tc_media_entry_class_init (TcMediaEntryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tc_media_entry_finalize;
  object_class->get_property = tc_media_entry_get_property;

  /* Read-only: an entry never changes; lists replace it. */
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tc_media_entry_init (TcMediaEntry *self)
{
}
