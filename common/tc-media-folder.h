/* tc-media-folder.h: a category or folder of the Documents and Media library */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define TC_TYPE_MEDIA_FOLDER (tc_media_folder_get_type ())

/* The deepest folder tree a client accepts (the server imports no deeper). */
#define TC_MEDIA_MAX_DEPTH 16

/* A category is a folder without a parent. */
typedef struct {
  char      *id;
  char      *title;
  char      *parent_id;      /* NULL for a category */
  gint64     resource_count; /* resources directly inside */
  GPtrArray *folders;        /* of TcMediaFolder, never NULL; may be empty
                              * when the answer does not nest */
} TcMediaFolder;

GType          tc_media_folder_get_type  (void) G_GNUC_CONST;
TcMediaFolder *tc_media_folder_new       (void);
TcMediaFolder *tc_media_folder_copy      (const TcMediaFolder *self);
void           tc_media_folder_free      (TcMediaFolder *self);
/* {"id","title","parent_id","resource_count","folders":[…]} */
JsonNode      *tc_media_folder_to_json   (const TcMediaFolder *self);
TcMediaFolder *tc_media_folder_from_json (JsonNode  *node,
                                          GError   **error);

/* One answer of GET /api/v1/media/folders/{id}. */
typedef struct {
  TcMediaFolder *folder;      /* the folder itself, its subfolders in ->folders */
  GPtrArray     *path;        /* of TcMediaFolder (no subfolders): its category
                               * first, the folder itself last (breadcrumbs) */
  GPtrArray     *resources;   /* of TcResource, by title */
} TcMediaListing;

TcMediaListing *tc_media_listing_new       (void);
void            tc_media_listing_free      (TcMediaListing *self);
/* {"folder","path":[…],"folders":[…],"resources":[…]} */
JsonNode       *tc_media_listing_to_json   (const TcMediaListing *self);
TcMediaListing *tc_media_listing_from_json (JsonNode  *node,
                                            GError   **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcMediaFolder, tc_media_folder_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcMediaListing, tc_media_listing_free)

G_END_DECLS
