/* tc-error.h: the error domain shared by server and app
 *
 * Each code maps to one HTTP status and one wire code ("error" member of
 * an error body, see docs/api.md), so both sides agree on them.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TC_ERROR (tc_error_quark ())

typedef enum {
  TC_ERROR_INVALID,          /* 400 invalid_request */
  TC_ERROR_UNAUTHORIZED,     /* 401 unauthorized */
  TC_ERROR_FORBIDDEN,        /* 403 forbidden */
  TC_ERROR_NOT_FOUND,        /* 404 not_found */
  TC_ERROR_METHOD,           /* 405 method_not_allowed */
  TC_ERROR_TOO_LARGE,        /* 413 too_large */
  TC_ERROR_RATE_LIMITED,     /* 429 rate_limited */
  TC_ERROR_INTERNAL,         /* 500 internal */
  TC_ERROR_UNAVAILABLE,      /* 503 unavailable */
} TcErrorCode;

GQuark       tc_error_quark          (void);
guint        tc_error_http_status    (TcErrorCode code);
const char  *tc_error_wire_code      (TcErrorCode code);
TcErrorCode  tc_error_code_from_wire (const char *wire);
TcErrorCode  tc_error_code_from_http (guint status);

G_END_DECLS
