/* session-check.c: the cost of the server's session check
 *
 * Every [server] session_check_seconds the server asks the store which of
 * the sessions it is using (open WebSockets, remembered tokens) have ended
 * (tc_store_find_ended_sessions). This creates N sessions in DB, then times
 * that call over all N tokens, ROUNDS times, and prints the median: what
 * one check costs a worker thread with N clients connected.
 *
 * Usage: bench-session-check DB N [ROUNDS]
 *   DB: an existing database (SQLite file or postgresql:// URI, e.g. made by
 *   seed-demo); N sessions are added to it
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc-demo-team.h"
#include "tc-store-open.h"

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TcStore) store = NULL;
  g_autofree guint8 *hashes = NULL;
  g_autofree gboolean *ended = NULL;
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  guint n, rounds;
  gint64 start;

  if (argc < 3)
    {
      g_printerr ("usage: %s DB N [ROUNDS]\n", argv[0]);
      return 2;
    }
  n = (guint) atoi (argv[2]);
  rounds = argc > 3 ? (guint) atoi (argv[3]) : 5;
  store = tc_store_open (argv[1], NULL, &error);
  if (store == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  hashes = g_malloc ((gsize) n * TC_TOKEN_HASH_LEN);
  ended = g_new0 (gboolean, n);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      guint8 *hash = hashes + (gsize) i * TC_TOKEN_HASH_LEN;

      for (guint b = 0; b < TC_TOKEN_HASH_LEN; b += 4)
        {
          guint32 r = g_random_int ();
          memcpy (hash + b, &r, 4);
        }
      if (!tc_store_create_session (store, TC_DEMO_TOP_ID, hash, "bench", &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
    }
  printf ("created %u sessions in %.1f s\n", n, (g_get_monotonic_time () - start) / 1e6);

  for (guint r = 0; r < rounds; r++)
    {
      double ms;

      start = g_get_monotonic_time ();
      if (!tc_store_find_ended_sessions (store, hashes, n, ended, &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      ms = (g_get_monotonic_time () - start) / 1e3;
      g_array_append_val (times, ms);
      for (guint i = 0; i < n; i++)
        if (ended[i])
          {
            g_printerr ("session %u reported ended\n", i);
            return 1;
          }
    }
  g_array_sort (times, compare_doubles);
  printf ("checked %u tokens: median %.2f ms of %u rounds (%.2f µs a token; fastest %.2f ms)\n",
          n, g_array_index (times, double, rounds / 2), rounds,
          g_array_index (times, double, rounds / 2) * 1e3 / n, g_array_index (times, double, 0));
  tc_store_close (store);
  return 0;
}
