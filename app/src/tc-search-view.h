/* tc-search-view.h: search every message of the replica */
#pragma once

#include <adwaita.h>

#include "tc-replica.h"

G_BEGIN_DECLS

#define TC_TYPE_SEARCH_VIEW (tc_search_view_get_type ())
G_DECLARE_FINAL_TYPE (TcSearchView, tc_search_view, TC, SEARCH_VIEW, AdwBin)

GtkWidget  *tc_search_view_new          (void);
/* Searches @replica's messages (NULL: none, the results are cleared). */
void        tc_search_view_set_replica  (TcSearchView *self,
                                         TcReplica    *replica);
TcReplica  *tc_search_view_get_replica  (TcSearchView *self);
/* Puts the focus in the search entry, its text selected (Ctrl+F). */
void        tc_search_view_focus_entry  (TcSearchView *self);
/* What is searched, as if typed. */
void        tc_search_view_set_query    (TcSearchView *self,
                                         const char   *query);
const char *tc_search_view_get_query    (TcSearchView *self);

G_END_DECLS
