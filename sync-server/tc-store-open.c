/* tc-store-open.c: opens the store that a --db argument names */
#include "config.h"

#include "tc-error.h"
#include "tc-pg.h"
#include "tc-pg-store.h"
#include "tc-sqlite-store.h"
#include "tc-store-open.h"

gboolean
tc_store_is_postgresql (const char *db)
{
  return tc_pg_is_conninfo (db);
}

char *
tc_store_describe (const char *db)
{
  if (tc_store_is_postgresql (db))
    return tc_pg_describe (db);
  return g_strdup (db);
}

TcStore *
tc_store_open (const char            *db,
               const TcStoreOptions  *options,
               GError               **error)
{
  TcStoreOptions defaults = { 0, };

  if (db == NULL || *db == '\0')
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "--db PATH is required");
      return NULL;
    }
  if (tc_store_is_postgresql (db))
    return TC_STORE (tc_pg_store_new (db, options != NULL ? options : &defaults, error));
  return TC_STORE (tc_sqlite_store_new (db, error));
}

void
tc_store_close (TcStore *store)
{
  if (TC_IS_PG_STORE (store))
    tc_pg_store_close (TC_PG_STORE (store));
  else if (TC_IS_SQLITE_STORE (store))
    tc_sqlite_store_close (TC_SQLITE_STORE (store));
}
