/* tc-sync-driver.c: the app core alone, as a process a test can kill
 *
 * Usage: tc-sync-driver URL TOKEN ASSOCIATE REPLICA
 *
 * Opens the replica REPLICA of the associate ASSOCIATE, starts a sync engine against the server at URL with the session TOKEN,
 * and runs until the engine is online with an empty outbox; then prints
 * "done" and exits 0. What the app does between start and quit, without
 * its windows: tests/app/test-faults.c kills it with SIGKILL at random
 * points and starts it again on the same replica.
 */
#include <stdio.h>

#include "tc-app-test.h"

static gboolean
outbox_empty (TcReplica *replica)
{
  g_autoptr(TcSendRequest) request = tc_app_test_replica_next_outbox (replica);

  return request == NULL;
}

static gboolean
done (gpointer data)
{
  TcSyncEngine *engine = data;

  return tc_sync_engine_get_state (engine) == TC_SYNC_STATE_ONLINE &&
         outbox_empty (tc_sync_engine_get_replica (engine));
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(TcApiClient) client = NULL;
  g_autoptr(TcReplica) replica = NULL;
  g_autoptr(TcSyncEngine) engine = NULL;
  g_autoptr(GError) error = NULL;

  if (argc != 5)
    {
      fprintf (stderr, "usage: tc-sync-driver URL TOKEN ASSOCIATE REPLICA\n");
      return 2;
    }
  client = tc_api_client_new (argv[1]);
  tc_api_client_set_token (client, argv[2]);
  replica = tc_app_test_replica_open (argv[4], argv[3], &error);
  if (replica == NULL)
    {
      fprintf (stderr, "tc-sync-driver: %s\n", error->message);
      return 1;
    }
  engine = g_object_new (TC_TYPE_SYNC_ENGINE, "api-client", client, "replica", replica,
                         "backoff-base", 20, "backoff-cap", 200, NULL);
  tc_sync_engine_start (engine);

  /* Polls: the outbox changes without a signal the driver could wait on. */
  g_timeout_add (50, tick_cb, NULL);
  while (!done (engine))
    g_main_context_iteration (NULL, TRUE);

  tc_sync_engine_stop (engine);
  printf ("done\n");
  fflush (stdout);
  return 0;
}
