/* tc-associates-csv.h: parse and validate the associates CSV of
 * `teamchat-server import-associates` (see docs and API.md). */
#pragma once

#include <glib.h>

#include "tc-import-row.h"

G_BEGIN_DECLS

/* The columns of the header row, in the documented order. Any order is
 * accepted in a file, but every one must be present exactly once. */
#define TC_ASSOCIATES_CSV_HEADER \
  "id,login,password,name,email,phone,sponsor_id,enroller_id,marketing_site_url,offline_channel"

/* At most this many problems are listed in an error message. */
#define TC_ASSOCIATES_CSV_MAX_PROBLEMS 50

GPtrArray *tc_associates_csv_parse (const char  *data,
                                    gsize        len,
                                    GError     **error);

G_END_DECLS
