/* tc-import-row.h: one associate to create or update, from the associates
 * CSV (import-associates) or the demo team (seed-demo). */
#pragma once

#include "tc-associate.h"

G_BEGIN_DECLS

typedef struct {
  TcAssociate *associate;   /* id, name, email, phone, sponsor_id, enroller_id,
                               marketing_site_url, offline_channel ("email"/"sms") */
  char        *login;
  char        *password;    /* plain text; "" keeps an existing associate's password */
  guint        line;        /* 1-based line in the source file, 0 when none */
} TcImportRow;

TcImportRow *tc_import_row_new  (void);
void         tc_import_row_free (TcImportRow *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcImportRow, tc_import_row_free)

G_END_DECLS
