/* tc-application.h: the Team Chat application */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TC_TYPE_APPLICATION (tc_application_get_type ())
G_DECLARE_FINAL_TYPE (TcApplication, tc_application, TC, APPLICATION, AdwApplication)

TcApplication *tc_application_new            (void);
GSettings     *tc_application_get_settings   (TcApplication *self);
/* The server from --server, or NULL when none was given. */
const char    *tc_application_get_server_override (TcApplication *self);

G_END_DECLS
