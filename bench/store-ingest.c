/* store-ingest.c: the store alone — durable sends per second without HTTP
 *
 * What bench/ingest.sh measures minus the HTTP layer: IN_FLIGHT sends kept
 * queued with tc_store_send_messages_async() (as the HTTP server does),
 * maria → kwame, each one committed with synchronous=FULL before its
 * callback. Prints the rate, the writer's batches and the process CPU per
 * message: the ceiling the HTTP figure can reach.
 *
 * Usage: bench-store-ingest DB SECONDS [IN_FLIGHT] [WARM_UP_SECONDS]
 *   DB: an existing database (e.g. made by seed-demo; copied by the caller)
 *   WARM_UP_SECONDS: sends before the measured ones (default 0), so that the
 *   figure is the store's steady state rather than a cold page cache
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "tc-demo-team.h"
#include "tc-sqlite-store.h"
#include "tc-uuid.h"

typedef struct {
  TcSqliteStore *store;
  GMainLoop     *loop;
  gint64         deadline;
  gint64         measure_from;   /* done counted from here on */
  guint64        warm_up_done;
  gboolean       measuring;
  guint          in_flight;
  guint64        done;
  guint64        failed;
  guint64        counter;
} Bench;

static void send_one (Bench *bench);

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Bench *bench = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = tc_store_send_messages_finish (TC_STORE (source), result, NULL,
                                                                 &error);

  bench->in_flight--;
  if (messages == NULL)
    {
      g_printerr ("send failed: %s\n", error->message);
      bench->failed++;
    }
  else
    bench->done++;
  if (!bench->measuring && g_get_monotonic_time () >= bench->measure_from)
    {
      bench->measuring = TRUE;
      bench->warm_up_done = bench->done;
      g_main_loop_quit (bench->loop);   /* main() takes its readings */
    }
  if (g_get_monotonic_time () < bench->deadline)
    send_one (bench);
  else if (bench->in_flight == 0)
    g_main_loop_quit (bench->loop);
}

static void
send_one (Bench *bench)
{
  TcSendRequest *request = tc_send_request_new ();

  request->client_id = tc_uuid_new ();
  g_ptr_array_add (request->to, g_strdup (TC_DEMO_MEMBER_ID));
  g_free (request->body);
  request->body = g_strdup_printf ("Benchmark message %" G_GUINT64_FORMAT
                                   ": the new catalogue is out!", ++bench->counter);
  bench->in_flight++;
  tc_store_send_messages_async (TC_STORE (bench->store), TC_DEMO_TOP_ID, request,
                                g_get_real_time (), NULL, sent_cb, bench);
}

static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return (double) usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
         (double) usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  Bench bench = { 0, };
  guint64 commits0, jobs0, commits1, jobs1;
  double seconds, cpu0, cpu1;
  gint64 start, end;
  guint in_flight;
  double warm_up;

  if (argc < 3)
    {
      g_printerr ("usage: %s DB SECONDS [IN_FLIGHT]\n", argv[0]);
      return 2;
    }
  seconds = g_ascii_strtod (argv[2], NULL);
  in_flight = argc > 3 ? (guint) atoi (argv[3]) : 32;
  warm_up = argc > 4 ? g_ascii_strtod (argv[4], NULL) : 0;

  bench.store = tc_sqlite_store_new (argv[1], &error);
  if (bench.store == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  loop = g_main_loop_new (NULL, FALSE);
  bench.loop = loop;

  start = g_get_monotonic_time ();
  bench.measure_from = start + (gint64) (warm_up * G_USEC_PER_SEC);
  bench.deadline = bench.measure_from + (gint64) (seconds * G_USEC_PER_SEC);
  for (guint i = 0; i < in_flight; i++)
    send_one (&bench);
  if (warm_up > 0)
    g_main_loop_run (loop);   /* until measure_from */
  else
    {
      bench.measuring = TRUE;
    }
  tc_sqlite_store_get_commit_stats (bench.store, &commits0, &jobs0);
  cpu0 = cpu_seconds ();
  start = g_get_monotonic_time ();
  g_main_loop_run (loop);
  end = g_get_monotonic_time ();
  bench.done -= bench.warm_up_done;
  cpu1 = cpu_seconds ();
  tc_sqlite_store_get_commit_stats (bench.store, &commits1, &jobs1);

  printf ("store ingest: %.0f messages/s (%" G_GUINT64_FORMAT " in %.1f s after %.0f s of warm-up, "
          "%u in flight, %" G_GUINT64_FORMAT " failed), %.1f per commit, CPU %.1f µs/message\n",
          bench.done / ((end - start) / 1e6), bench.done, (end - start) / 1e6, warm_up, in_flight,
          bench.failed, (double) (jobs1 - jobs0) / (double) MAX (commits1 - commits0, 1),
          (cpu1 - cpu0) * 1e6 / (double) MAX (bench.done, 1));
  tc_sqlite_store_close (bench.store);
  g_object_unref (bench.store);
  return bench.failed > 0;
}
