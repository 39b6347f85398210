/* tc-pg-schema.h: the PostgreSQL database schema, one step per version */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The SQL of each step; the array's length is the current version. */
const char * const *tc_pg_schema_steps (guint *n_steps);

G_END_DECLS
