/* tc-replica-media.h: the Documents and Media library as last seen
 *
 * The attachment browser stores every category tree and folder listing the
 * server gives it, and reads them back when the server cannot be reached:
 * browsing works offline (downloads need the network). Only what was seen
 * is there: a folder never opened has no listing.
 */
#pragma once

#include "tc-media-folder.h"
#include "tc-replica.h"
#include "tc-resource.h"

G_BEGIN_DECLS

/* The most resources a search of the stored library returns. */
#define TC_REPLICA_MEDIA_SEARCH_LIMIT 50

/* Replaces the stored tree with @categories (TcMediaFolder, nested):
 * folders no longer in it go, with their resources. */
void            tc_replica_store_media_categories_async  (TcReplica           *self,
                                                          GPtrArray           *categories,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
gboolean        tc_replica_store_media_categories_finish (TcReplica           *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);
/* The stored tree (TcMediaFolder, nested); TC_ERROR_NOT_FOUND when none
 * was ever stored. */
void            tc_replica_load_media_categories_async   (TcReplica           *self,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
GPtrArray      *tc_replica_load_media_categories_finish  (TcReplica           *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);

/* Stores one folder's listing: its path, subfolders and resources; those
 * it no longer lists go. */
void            tc_replica_store_media_listing_async     (TcReplica            *self,
                                                          const TcMediaListing *listing,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
gboolean        tc_replica_store_media_listing_finish    (TcReplica            *self,
                                                          GAsyncResult         *result,
                                                          GError              **error);
/* The stored listing of @folder_id; TC_ERROR_NOT_FOUND when the folder
 * was never listed. */
void            tc_replica_load_media_listing_async      (TcReplica           *self,
                                                          const char          *folder_id,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
TcMediaListing *tc_replica_load_media_listing_finish     (TcReplica           *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);

/* Stored resources whose title or description has @query, ignoring case
 * and accents, by title; at most %TC_REPLICA_MEDIA_SEARCH_LIMIT. */
void            tc_replica_search_media_async            (TcReplica           *self,
                                                          const char          *query,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
GPtrArray      *tc_replica_search_media_finish           (TcReplica           *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);

G_END_DECLS
