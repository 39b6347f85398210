/* tc-sqlite-schema.h: the server database schema, one step per version */
#pragma once

#include "tc-sqlite.h"

G_BEGIN_DECLS

const TcSqliteMigration *tc_sqlite_schema_migrations (guint *n_migrations);

G_END_DECLS
