/* tc-login-page.h: server, login and password, and a Log In button */
#pragma once

#include <adwaita.h>

#include "tc-account.h"

G_BEGIN_DECLS

#define TC_TYPE_LOGIN_PAGE (tc_login_page_get_type ())
G_DECLARE_FINAL_TYPE (TcLoginPage, tc_login_page, TC, LOGIN_PAGE, AdwBin)

/* Logs @account in with what the person typed; "logged-in" follows on
 * success, an error under the form otherwise. */
void tc_login_page_set_account (TcLoginPage *self,
                                TcAccount   *account);
void tc_login_page_set_server  (TcLoginPage *self,
                                const char  *server_url);
void tc_login_page_set_login   (TcLoginPage *self,
                                const char  *login);
void tc_login_page_reset       (TcLoginPage *self);

G_END_DECLS
