/* tc-preferences-window.h: Settings > Communication */
#pragma once

#include <adwaita.h>

#include "tc-account.h"

G_BEGIN_DECLS

#define TC_TYPE_PREFERENCES_WINDOW (tc_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (TcPreferencesWindow, tc_preferences_window, TC, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

/* @account may be NULL (logged out): then only the local settings show. */
GtkWindow *tc_preferences_window_new (GtkWindow *parent,
                                      GSettings *settings,
                                      TcAccount *account);

G_END_DECLS
