/* tc-dashboard-view.h: one team member's Team Dashboard */
#pragma once

#include <adwaita.h>

#include "tc-account.h"

G_BEGIN_DECLS

#define TC_TYPE_DASHBOARD_VIEW (tc_dashboard_view_get_type ())
G_DECLARE_FINAL_TYPE (TcDashboardView, tc_dashboard_view, TC, DASHBOARD_VIEW, AdwBin)

void        tc_dashboard_view_set_account   (TcDashboardView *self,
                                             TcAccount       *account);
/* NULL shows the empty page. */
void        tc_dashboard_view_set_member_id (TcDashboardView *self,
                                             const char      *member_id);
const char *tc_dashboard_view_get_member_id (TcDashboardView *self);
/* The member's name once loaded, for the window title. */
const char *tc_dashboard_view_get_title     (TcDashboardView *self);

/* The mailto: URI that writes to @to (may be NULL) with @subject and @body
 * (may be NULL), each escaped as RFC 6068 wants. */
char       *tc_dashboard_mailto_uri         (const char      *to,
                                             const char      *subject,
                                             const char      *body);

G_END_DECLS
