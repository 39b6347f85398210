/* search-bench.c: message search in a replica of 100,000 messages
 *
 * Fills a fresh replica through the sync path (pages of 1,000 message
 * events, so the FTS5 triggers do their work as they would in a first
 * sync), times a full index rebuild (what schema step 3 does for an
 * existing replica), then types queries keystroke by keystroke and times
 * each search as the UI sees it: from the call to the callback on the
 * main context. Prints figures; asserts nothing.
 *
 * Usage: search-bench [MESSAGES] [LIMIT]
 */
#include "config.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <glib/gstdio.h>

#include "tc-replica-search.h"
#include "tc-uuid.h"

#define ME "A1001"
#define N_PEERS 60
#define PAGE 1000

/* Everyday chat words of a direct-selling team, English, Spanish and
 * French, drawn with a Zipf distribution; plus made-up words (names,
 * products, typos) for a long tail, and order numbers. */
static const char *const common_words[] = {
  "the", "to", "you", "I", "and", "a", "is", "for", "it", "in", "of", "on", "we", "my", "can",
  "thanks", "please", "hi", "hello", "ok", "great", "today", "tomorrow", "meeting", "call",
  "order", "kit", "team", "new", "customer", "will", "do", "have", "send", "sent", "just",
  "when", "what", "how", "there", "this", "that", "with", "at", "be", "are", "your", "me",
  "catalog", "price", "shipping", "delivery", "payment", "invoice", "bonus", "rank", "volume",
  "commission", "autoship", "sample", "samples", "product", "products", "webinar", "training",
  "event", "conference", "zoom", "link", "launch", "promo", "discount", "code", "leader",
  "downline", "upline", "sponsor", "enroller", "welcome", "congratulations", "amazing",
  "awesome", "results", "goal", "target", "month", "quarter", "week", "weekend", "monday",
  "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "morning", "evening",
  "coffee", "lunch", "birthday", "party", "skin", "care", "vitamins", "shake", "protein",
  "energy", "tea", "lotion", "cream", "serum", "fragrance", "candle", "cookware", "jewelry",
  "bag", "prospect", "follow", "up", "reminder", "question", "answer", "sure", "yes", "no",
  "maybe", "later", "soon", "asap", "need", "help", "check", "address", "phone", "email",
  "pedido", "gracias", "mañana", "reunión", "envío", "catálogo", "precio", "descuento",
  "cliente", "señora", "José", "María", "café", "también", "después", "llamada", "equipo",
  "équipe", "réunion", "merci", "déjà", "très", "bientôt", "commande", "livraison", "crème",
  "noël", "été", "à", "où", "naïve", "résumé", "über", "straße", "São", "Paulo", "Zoë",
};

static const char *const syllables[] = {
  "ka", "lo", "mi", "ra", "ne", "to", "su", "vi", "da", "ge", "bo", "li", "fa", "mo", "ti",
  "pe", "za", "nu", "ri", "sa", "ke", "do", "lu", "ma", "xe", "yo", "qui", "tra", "pla", "bre",
  "cho", "sti", "vor", "len", "dan", "mar", "tel", "son", "ber", "ran",
};

typedef struct {
  GRand     *rand;
  double    *zipf;        /* cumulative weights of common_words */
  GPtrArray *long_tail;   /* made-up words */
  double    *tail_zipf;
} Words;

static double *
zipf_table (guint n)
{
  double *table = g_new (double, n);
  double sum = 0;

  for (guint i = 0; i < n; i++)
    table[i] = (sum += 1.0 / (i + 1));
  for (guint i = 0; i < n; i++)
    table[i] /= sum;
  return table;
}

static guint
zipf_pick (GRand        *rand,
           const double *table,
           guint         n)
{
  double x = g_rand_double (rand);
  guint lo = 0, hi = n - 1;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;

      if (table[mid] < x)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static void
words_init (Words *words)
{
  words->rand = g_rand_new_with_seed (20261124);
  words->zipf = zipf_table (G_N_ELEMENTS (common_words));
  words->long_tail = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < 20000; i++)
    {
      GString *word = g_string_new (NULL);
      guint n = g_rand_int_range (words->rand, 2, 5);

      for (guint j = 0; j < n; j++)
        g_string_append (word, syllables[g_rand_int_range (words->rand, 0,
                                                           G_N_ELEMENTS (syllables))]);
      g_ptr_array_add (words->long_tail, g_string_free (word, FALSE));
    }
  words->tail_zipf = zipf_table (words->long_tail->len);
}

static void
words_clear (Words *words)
{
  g_rand_free (words->rand);
  g_free (words->zipf);
  g_free (words->tail_zipf);
  g_ptr_array_unref (words->long_tail);
}

static char *
sentence (Words *words)
{
  GString *text = g_string_new (NULL);
  guint n = g_rand_int_range (words->rand, 2, 30);

  for (guint i = 0; i < n; i++)
    {
      double kind = g_rand_double (words->rand);

      if (i > 0)
        g_string_append_c (text, g_rand_int_range (words->rand, 0, 12) == 0 ? ',' : ' ');
      if (i > 0 && text->str[text->len - 1] == ',')
        g_string_append_c (text, ' ');
      if (kind < 0.75)
        g_string_append (text, common_words[zipf_pick (words->rand, words->zipf,
                                                       G_N_ELEMENTS (common_words))]);
      else if (kind < 0.96)
        g_string_append (text, g_ptr_array_index (words->long_tail,
                                                  zipf_pick (words->rand, words->tail_zipf,
                                                             words->long_tail->len)));
      else
        g_string_append_printf (text, "#%u", g_rand_int_range (words->rand, 10000, 99999));
    }
  g_string_append_c (text, g_rand_int_range (words->rand, 0, 3) == 0 ? '?' : '.');
  return g_string_free (text, FALSE);
}

/* --- waiting on the main context ---------------------------------------------------- */

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return g_steal_pointer (slot);
}

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static TcReplica *
open_replica (const char *path)
{
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  TcReplica *replica;

  tc_replica_new_async (path, ME, NULL, store_result_cb, &slot);
  result = wait_result (&slot);
  replica = tc_replica_new_finish (result, &error);
  if (replica == NULL)
    g_error ("cannot open %s: %s", path, error->message);
  return replica;
}

static void
close_replica (TcReplica **replica)
{
  TcReplica *weak = *replica;

  g_object_add_weak_pointer (G_OBJECT (weak), (gpointer *) &weak);
  g_clear_object (replica);
  while (weak != NULL)
    g_main_context_iteration (NULL, TRUE);
}

static void
apply (TcReplica *replica,
       GPtrArray *events)
{
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  tc_replica_apply_events_async (replica, events, NULL, NULL, store_result_cb, &slot);
  result = wait_result (&slot);
  if (!tc_replica_apply_events_finish (replica, result, &error))
    g_error ("cannot apply events: %s", error->message);
}

static char *
peer_id (guint i)
{
  return g_strdup_printf ("A%u", 2001 + i);
}

static void
fill (TcReplica *replica,
      Words     *words,
      guint      n_messages)
{
  static const char *const first[] = { "María", "José", "Zoë", "Émilie", "Bob", "Carol", "Dan",
                                        "Søren", "Ana", "Luc" };
  static const char *const last[] = { "Álvarez", "Birch", "Cedar", "Dubois", "Öztürk", "Smith",
                                       "Nguyễn", "García" };
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_event_free);
  gint64 start = g_get_real_time () - (gint64) n_messages * 60 * G_USEC_PER_SEC;
  gboolean random_ids = g_getenv ("TEAMCHAT_BENCH_RANDOM_IDS") != NULL;

  for (guint i = 0; i < N_PEERS; i++)
    {
      TcEvent *event = tc_event_new (TC_EVENT_MEMBER);

      event->member = tc_associate_new ();
      event->member->id = peer_id (i);
      event->member->name = g_strdup_printf ("%s %s", first[i % G_N_ELEMENTS (first)],
                                             last[i % G_N_ELEMENTS (last)]);
      g_ptr_array_add (events, event);
    }
  apply (replica, events);
  g_ptr_array_set_size (events, 0);

  for (guint i = 1; i <= n_messages; i++)
    {
      TcEvent *event = tc_event_new (TC_EVENT_MESSAGE);
      /* A few busy conversations, many quiet ones. */
      guint peer = MIN (zipf_pick (words->rand, words->zipf, N_PEERS), N_PEERS - 1);
      gboolean incoming = g_rand_boolean (words->rand);
      g_autofree char *other = peer_id (peer);

      event->seq = i;
      event->message = tc_message_new ();
      event->message->id = i;
      /* Time-ordered, as the apps make them (random ones: with
       * TEAMCHAT_BENCH_RANDOM_IDS set). */
      event->message->client_id = random_ids ? g_uuid_string_random () : tc_uuid_new ();
      event->message->from = g_strdup (incoming ? other : ME);
      event->message->to = g_strdup (incoming ? ME : other);
      event->message->body = sentence (words);
      event->message->sent_at = start + (gint64) i * 60 * G_USEC_PER_SEC;
      g_ptr_array_add (events, event);
      if (events->len == PAGE || i == n_messages)
        {
          apply (replica, events);
          g_ptr_array_set_size (events, 0);
        }
    }
}

static double
rebuild_index (const char *path)
{
  sqlite3 *db = NULL;
  gint64 t0;
  char *message = NULL;

  if (sqlite3_open (path, &db) != SQLITE_OK)
    g_error ("cannot open %s", path);
  t0 = g_get_monotonic_time ();
  if (sqlite3_exec (db, "INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')", NULL, NULL,
                    &message) != SQLITE_OK)
    g_error ("rebuild: %s", message);
  t0 = g_get_monotonic_time () - t0;
  sqlite3_close (db);
  return t0 / 1000.0;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static void
print_percentiles (const char *label,
                   GArray     *ms)
{
  double *v;

  if (ms->len == 0)
    return;
  g_array_sort (ms, compare_doubles);
  v = (double *) ms->data;
  g_print ("%-22s n=%-4u p50 %6.2f ms  p90 %6.2f ms  p99 %6.2f ms  max %6.2f ms\n", label, ms->len,
           v[ms->len / 2], v[MIN (ms->len - 1, ms->len * 90 / 100)],
           v[MIN (ms->len - 1, ms->len * 99 / 100)], v[ms->len - 1]);
}

static gint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (gint64) st.st_size : 0;
}

int
main (int    argc,
      char **argv)
{
  /* What people type: common and rare words, accents left out, several
   * words, a name, an order number; each typed a letter at a time. */
  static const char *const typed[] = {
    "order", "meeting tomorrow", "jose", "cafe", "catalogo", "reunion", "commission",
    "webinar link", "thanks", "maria", "creme", "delivery address", "promo code", "autoship",
    "noel", "straße", "sao paulo", "bonus rank", "zoom", "samples", "follow up", "quarter goal",
    "livraison", "descuento", "conference", "kalo", "mira", "trapla", "#4521", "the",
  };
  guint n_messages = argc > 1 ? (guint) atoi (argv[1]) : 100000;
  guint limit = argc > 2 ? (guint) atoi (argv[2]) : 200;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tc-search-bench-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autofree char *wal = NULL;
  g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (double));
  GArray *by_length[4] = { NULL };
  TcReplica *replica;
  Words words;
  gint64 t0;
  double fill_ms, rebuild_ms;
  double worst = 0;
  g_autofree char *worst_query = NULL;
  guint64 total_results = 0;

  if (dir == NULL)
    g_error ("%s", error->message);
  path = g_build_filename (dir, "replica.db", NULL);
  wal = g_strconcat (path, "-wal", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (by_length); i++)
    by_length[i] = g_array_new (FALSE, FALSE, sizeof (double));
  words_init (&words);

  g_print ("SQLite %s; %u messages, %u conversations, limit %u\n", sqlite3_libversion (),
           n_messages, N_PEERS, limit);
  replica = open_replica (path);
  t0 = g_get_monotonic_time ();
  fill (replica, &words, n_messages);
  fill_ms = (g_get_monotonic_time () - t0) / 1000.0;
  close_replica (&replica);
  g_print ("sync of %u messages in pages of %u (index kept by triggers): %.0f ms (%.0f messages/s)\n",
           n_messages, PAGE, fill_ms, n_messages / (fill_ms / 1000.0));

  rebuild_ms = rebuild_index (path);
  g_print ("index rebuild (schema step 3 on an existing replica): %.0f ms\n", rebuild_ms);
  g_print ("database: %.1f MiB (+WAL %.1f MiB)\n", file_size (path) / 1048576.0,
           file_size (wal) / 1048576.0);

  replica = open_replica (path);
  /* One warm-up search: the first reads the index pages from disk. */
  for (guint round = 0; round < 2; round++)
    for (guint q = 0; q < G_N_ELEMENTS (typed); q++)
      {
        glong n_chars = g_utf8_strlen (typed[q], -1);

        for (glong k = 1; k <= n_chars; k++)
          {
            g_autofree char *prefix = g_utf8_substring (typed[q], 0, k);
            GAsyncResult *slot = NULL;
            g_autoptr(GAsyncResult) result = NULL;
            g_autoptr(GPtrArray) rows = NULL;
            double ms;

            if (g_str_has_suffix (prefix, " "))
              continue;   /* the same search as the keystroke before */
            t0 = g_get_monotonic_time ();
            tc_replica_search_messages_async (replica, prefix, limit, NULL, store_result_cb, &slot);
            result = wait_result (&slot);
            rows = tc_replica_search_messages_finish (replica, result, &error);
            if (rows == NULL)
              g_error ("search %s: %s", prefix, error->message);
            ms = (g_get_monotonic_time () - t0) / 1000.0;
            if (round == 0)
              continue;
            g_array_append_val (all, ms);
            g_array_append_val (by_length[MIN (k, 4) - 1], ms);
            total_results += rows->len;
            if (ms > worst)
              {
                worst = ms;
                g_free (worst_query);
                worst_query = g_strdup_printf ("\"%s\" (%u results)", prefix, rows->len);
              }
          }
      }
  g_print ("keystroke searches: %u, %.0f results on average\n", all->len,
           (double) total_results / all->len);
  print_percentiles ("all keystrokes", all);
  print_percentiles ("1 character", by_length[0]);
  print_percentiles ("2 characters", by_length[1]);
  print_percentiles ("3 characters", by_length[2]);
  print_percentiles ("4+ characters", by_length[3]);
  g_print ("slowest: %s %.2f ms\n", worst_query, worst);

  close_replica (&replica);
  words_clear (&words);
  for (guint i = 0; i < G_N_ELEMENTS (by_length); i++)
    g_array_unref (by_length[i]);
  g_unlink (wal);
  {
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);

    g_unlink (shm);
  }
  g_unlink (path);
  g_rmdir (dir);
  return 0;
}
