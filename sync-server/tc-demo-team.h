/* tc-demo-team.h: the demo team and chat messages of `teamchat-server seed-demo` */
#pragma once

#include <glib.h>

#include "tc-import-row.h"

G_BEGIN_DECLS

/* Every demo associate signs in with this password. */
#define TC_DEMO_PASSWORD     "teamchat-demo"
/* The top of both trees: sees the whole team. */
#define TC_DEMO_TOP_LOGIN    "maria"
#define TC_DEMO_TOP_ID       "A1001"
/* A member in the middle of the tree: sees only their upline and downline
 * (and, through the enroller tree, one member of another branch). */
#define TC_DEMO_MEMBER_LOGIN "kwame"
#define TC_DEMO_MEMBER_ID    "A1006"

GPtrArray          *tc_demo_team_rows      (void);
const char *const  *tc_demo_message_bodies (guint *n_out);

G_END_DECLS
