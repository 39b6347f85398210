/* tc-media-browser.h: where a person is in the Documents and Media library
 *
 * The model behind the attachment browser, without widgets: the
 * categories, the folder open (its breadcrumbs, subfolders and resources)
 * or a search, and whether what is shown is being loaded, came from the
 * server, came from the replica because the server cannot be reached
 * ("offline"), or could not be had at all ("failed", with a sentence for
 * people). Every answer from the server is stored in the replica; the
 * stored listing is shown at once while the server is asked.
 */
#pragma once

#include <gio/gio.h>

#include "tc-api-client.h"
#include "tc-media-entry.h"
#include "tc-replica.h"

G_BEGIN_DECLS

#define TC_TYPE_MEDIA_BROWSER (tc_media_browser_get_type ())
G_DECLARE_FINAL_TYPE (TcMediaBrowser, tc_media_browser, TC, MEDIA_BROWSER, GObject)

typedef enum {
  TC_MEDIA_BROWSER_IDLE,      /* nothing asked yet */
  TC_MEDIA_BROWSER_LOADING,   /* nothing to show yet */
  TC_MEDIA_BROWSER_READY,     /* items hold the folder or the search results */
  TC_MEDIA_BROWSER_FAILED,    /* nothing to show: see the error */
} TcMediaBrowserState;

#define TC_TYPE_MEDIA_BROWSER_STATE (tc_media_browser_state_get_type ())
GType tc_media_browser_state_get_type (void) G_GNUC_CONST;

/* Search queries are cut to this many characters (the server's limit). */
#define TC_MEDIA_BROWSER_MAX_QUERY_CHARS 200

/* Either may be NULL: no client is always offline, no replica never
 * keeps anything. */
TcMediaBrowser     *tc_media_browser_new             (TcApiClient    *client,
                                                      TcReplica      *replica);

/* Categories (TcMediaEntry folders), in the server's order. Once they are
 * known and nothing is open yet, the first category opens. */
GListModel         *tc_media_browser_get_categories  (TcMediaBrowser *self);
/* The open folder's breadcrumbs (TcMediaEntry folders), its category
 * first and itself last; empty while searching. */
GListModel         *tc_media_browser_get_path        (TcMediaBrowser *self);
/* Subfolders first, then resources (TcMediaEntry), in the server's order;
 * or the search results. */
GListModel         *tc_media_browser_get_items       (TcMediaBrowser *self);

TcMediaBrowserState tc_media_browser_get_state       (TcMediaBrowser *self);
/* Why nothing can be shown (FAILED), for people; else NULL. */
const char         *tc_media_browser_get_error       (TcMediaBrowser *self);
/* What is shown came from the replica: the server could not be reached. */
gboolean            tc_media_browser_get_offline     (TcMediaBrowser *self);
/* The folder open, or NULL (none yet, or searching). */
const char         *tc_media_browser_get_folder_id   (TcMediaBrowser *self);
/* The search shown, or NULL. */
const char         *tc_media_browser_get_query       (TcMediaBrowser *self);
/* The category the folder open is in, or NULL. */
const char         *tc_media_browser_get_category_id (TcMediaBrowser *self);

/* Asks for the categories (again). */
void                tc_media_browser_load_categories (TcMediaBrowser *self);
void                tc_media_browser_open_folder     (TcMediaBrowser *self,
                                                      const char     *folder_id);
/* Searches titles and descriptions; blank goes back to the folder. */
void                tc_media_browser_search          (TcMediaBrowser *self,
                                                      const char     *text);
/* Asks the server again for the categories and what is shown. */
void                tc_media_browser_reload          (TcMediaBrowser *self);

G_END_DECLS
