/* tc-attachment-browser.h: the Attach dialog — the Documents and Media
 * library to pick resources from */
#pragma once

#include <adwaita.h>

#include "tc-account.h"

G_BEGIN_DECLS

#define TC_TYPE_ATTACHMENT_BROWSER (tc_attachment_browser_get_type ())
G_DECLARE_FINAL_TYPE (TcAttachmentBrowser, tc_attachment_browser, TC, ATTACHMENT_BROWSER,
                      AdwWindow)

/* A modal window over @parent browsing @account's library; at most
 * @max_files may be picked. Emits "attach" with a GPtrArray of TcResource,
 * then closes. */
TcAttachmentBrowser *tc_attachment_browser_new (GtkWindow *parent,
                                                TcAccount *account,
                                                guint      max_files);

G_END_DECLS
