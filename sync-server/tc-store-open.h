/* tc-store-open.h: opens the store that a --db argument names
 *
 * An SQLite file path gives a TcSqliteStore; a PostgreSQL connection
 * string (postgresql://… or postgres://…) gives a TcPgStore.
 */
#pragma once

#include "tc-store.h"

G_BEGIN_DECLS

#define TC_STORE_DEFAULT_POOL_SIZE                10
#define TC_STORE_DEFAULT_HEARTBEAT_SECONDS        5
#define TC_STORE_DEFAULT_PRESENCE_TIMEOUT_SECONDS 15

/* What only a PostgreSQL database uses; zeros give the defaults. */
typedef struct {
  guint    pool_size;                 /* connections of the pool */
  gboolean live;                      /* a serving process: heartbeats, presence, fan-out */
  guint    heartbeat_seconds;         /* how often a live process says it is alive */
  guint    presence_timeout_seconds;  /* silence after which it counts as dead */
} TcStoreOptions;

/* Opens (creating the schema if needed) and migrates the database @db.
 * TC_ERROR_INVALID without @db; TC_ERROR_UNAVAILABLE when it cannot be
 * used. */
TcStore  *tc_store_open          (const char            *db,
                                  const TcStoreOptions  *options,
                                  GError               **error);
/* Finishes what is queued and closes the database; later calls fail with
 * TC_ERROR_UNAVAILABLE. Also done when the last reference goes. */
void      tc_store_close         (TcStore               *store);
/* Whether @db names a PostgreSQL database. */
gboolean  tc_store_is_postgresql (const char            *db);
/* @db as logs may show it: a PostgreSQL password is left out. */
char     *tc_store_describe      (const char            *db);

G_END_DECLS
