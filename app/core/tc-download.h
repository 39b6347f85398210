/* tc-download.h: one attachment's content coming to this computer
 *
 * Made by TcMediaCache, one per content, and shared by every card that
 * shows it: its state and progress are for widgets to watch, fetching
 * waits for the file (starting the transfer when needed) and several can
 * wait on one transfer.
 */
#pragma once

#include <gio/gio.h>

#include "tc-api-client.h"

G_BEGIN_DECLS

#define TC_TYPE_DOWNLOAD (tc_download_get_type ())
G_DECLARE_FINAL_TYPE (TcDownload, tc_download, TC, DOWNLOAD, GObject)

typedef enum {
  TC_DOWNLOAD_IDLE,      /* not asked for, or cancelled */
  TC_DOWNLOAD_RUNNING,
  TC_DOWNLOAD_DONE,      /* the file is at its path, verified */
  TC_DOWNLOAD_FAILED,    /* see the error */
} TcDownloadState;

#define TC_TYPE_DOWNLOAD_STATE (tc_download_state_get_type ())
GType tc_download_state_get_type (void) G_GNUC_CONST;

/* For TcMediaCache. */
TcDownload       *tc_download_new           (TcApiClient         *client,
                                             const TcResource    *resource,
                                             const char          *path);

const TcResource *tc_download_get_resource  (TcDownload          *self);
/* Where the file is once done. */
const char       *tc_download_get_path      (TcDownload          *self);
TcDownloadState   tc_download_get_state     (TcDownload          *self);
/* 0 … 1 while running (what an earlier attempt kept counts). */
double            tc_download_get_fraction  (TcDownload          *self);
/* Why it failed (FAILED), else NULL. */
const GError     *tc_download_get_error     (TcDownload          *self);

/* Waits until the file is there, starting the transfer if it is not
 * running; @cancellable stops this wait only (see tc_download_cancel()). */
void              tc_download_fetch_async   (TcDownload          *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
/* Returns: (transfer full): the path of the file. */
char             *tc_download_fetch_finish  (TcDownload          *self,
                                             GAsyncResult        *result,
                                             GError             **error);
/* Stops the transfer (what came stays for the next one, which goes on
 * from there); every wait ends with G_IO_ERROR_CANCELLED. */
void              tc_download_cancel        (TcDownload          *self);

G_END_DECLS
