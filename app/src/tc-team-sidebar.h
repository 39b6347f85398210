/* tc-team-sidebar.h: the associate's team members, searchable */
#pragma once

#include <adwaita.h>

#include "tc-account.h"

G_BEGIN_DECLS

#define TC_TYPE_TEAM_SIDEBAR (tc_team_sidebar_get_type ())
G_DECLARE_FINAL_TYPE (TcTeamSidebar, tc_team_sidebar, TC, TEAM_SIDEBAR, AdwBin)

void        tc_team_sidebar_set_account     (TcTeamSidebar *self,
                                             TcAccount     *account);
/* Selects @member_id's row (without emitting member-activated). */
void        tc_team_sidebar_select_member   (TcTeamSidebar *self,
                                             const char    *member_id);
const char *tc_team_sidebar_get_selected_id (TcTeamSidebar *self);
void        tc_team_sidebar_focus_search    (TcTeamSidebar *self);

G_END_DECLS
