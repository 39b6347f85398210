/* tc-error.c: the error domain shared by server and app */
#include "tc-error.h"

G_DEFINE_QUARK (tc-error-quark, tc_error)

static const struct {
  TcErrorCode code;
  guint status;
  const char *wire;
} error_table[] = {
  { TC_ERROR_INVALID, 400, "invalid_request" },
  { TC_ERROR_UNAUTHORIZED, 401, "unauthorized" },
  { TC_ERROR_FORBIDDEN, 403, "forbidden" },
  { TC_ERROR_NOT_FOUND, 404, "not_found" },
  { TC_ERROR_METHOD, 405, "method_not_allowed" },
  { TC_ERROR_TOO_LARGE, 413, "too_large" },
  { TC_ERROR_RATE_LIMITED, 429, "rate_limited" },
  { TC_ERROR_INTERNAL, 500, "internal" },
  { TC_ERROR_UNAVAILABLE, 503, "unavailable" },
};

guint
tc_error_http_status (TcErrorCode code)
{
  for (gsize i = 0; i < G_N_ELEMENTS (error_table); i++)
    if (error_table[i].code == code)
      return error_table[i].status;
  return 500;
}

const char *
tc_error_wire_code (TcErrorCode code)
{
  for (gsize i = 0; i < G_N_ELEMENTS (error_table); i++)
    if (error_table[i].code == code)
      return error_table[i].wire;
  return "internal";
}

TcErrorCode
tc_error_code_from_wire (const char *wire)
{
  for (gsize i = 0; wire != NULL && i < G_N_ELEMENTS (error_table); i++)
    if (g_str_equal (error_table[i].wire, wire))
      return error_table[i].code;
  return TC_ERROR_INTERNAL;
}

TcErrorCode
tc_error_code_from_http (guint status)
{
  for (gsize i = 0; i < G_N_ELEMENTS (error_table); i++)
    if (error_table[i].status == status)
      return error_table[i].code;
  return status >= 500 ? TC_ERROR_UNAVAILABLE : TC_ERROR_INVALID;
}
