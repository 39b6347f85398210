/* tc-pg-store.h: TcStore on a PostgreSQL database, shared by any number of
 * server processes (libpq, a connection pool, LISTEN/NOTIFY fan-out) */
#pragma once

#include "tc-store.h"
#include "tc-store-open.h"

G_BEGIN_DECLS

#define TC_TYPE_PG_STORE (tc_pg_store_get_type ())
G_DECLARE_FINAL_TYPE (TcPgStore, tc_pg_store, TC, PG_STORE, GObject)

/* Connects to @conninfo and migrates the schema. With @options->live (a
 * serving process) it also registers this process, starts heartbeats and
 * listens for the other processes' events and presence. */
TcPgStore  *tc_pg_store_new            (const char            *conninfo,
                                        const TcStoreOptions  *options,
                                        GError               **error);
/* Leaves the cluster (this process's presence ends at once for the
 * others) and closes every connection; later calls fail with
 * TC_ERROR_UNAVAILABLE. Also done on finalize. */
void        tc_pg_store_close          (TcPgStore             *self);
/* The schema version this build writes. */
guint       tc_pg_store_schema_version (void);
/* This process's id in the instances table (NULL unless live). */
const char *tc_pg_store_get_instance_id (TcPgStore            *self);

G_END_DECLS
