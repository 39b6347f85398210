/* tc-window.h: the main window — login page, then the Team Chat panel */
#pragma once

#include <adwaita.h>

#include "tc-application.h"

G_BEGIN_DECLS

#define TC_TYPE_WINDOW (tc_window_get_type ())
G_DECLARE_FINAL_TYPE (TcWindow, tc_window, TC, WINDOW, AdwApplicationWindow)

TcWindow *tc_window_new               (TcApplication *application);
/* Shows the conversation with @peer_id (a notification was clicked). */
void      tc_window_open_conversation (TcWindow      *self,
                                       const char    *peer_id);

G_END_DECLS
