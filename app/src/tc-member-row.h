/* tc-member-row.h: one team member in a list (team sidebar, New Chat) */
#pragma once

#include <gtk/gtk.h>

#include "tc-associate.h"

G_BEGIN_DECLS

#define TC_TYPE_MEMBER_ROW (tc_member_row_get_type ())
G_DECLARE_FINAL_TYPE (TcMemberRow, tc_member_row, TC, MEMBER_ROW, GtkListBoxRow)

/* @subtitle: the relation ("Your sponsor") or other detail; may be NULL. */
GtkWidget  *tc_member_row_new           (const TcAssociate *member,
                                         const char        *subtitle);
const char *tc_member_row_get_member_id (TcMemberRow       *self);
const char *tc_member_row_get_name      (TcMemberRow       *self);
gboolean    tc_member_row_get_online    (TcMemberRow       *self);

G_END_DECLS
