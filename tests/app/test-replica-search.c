/* test-replica-search.c: message search (FTS5) and member search in the
 * replica, without a server */
#include <sqlite3.h>
#include <string.h>

#include "tc-app-test.h"
#include "tc-error.h"
#include "tc-replica-search.h"

#define ME "A"

typedef struct {
  char      *dir;
  char      *path;
  TcReplica *replica;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("tc-search-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "replica.db", NULL);
  f->replica = tc_app_test_replica_open (f->path, ME, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  tc_app_test_replica_close (&f->replica);
  tc_app_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

static GPtrArray *
events_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) tc_event_free);
}

/* A message event whose time is @at seconds into the test's epoch, not
 * its id: ids and times need not agree. */
static TcEvent *
message_at (gint64      id,
            gint64      at,
            const char *from,
            const char *to,
            const char *body)
{
  TcEvent *event = tc_app_test_message_event (id, id, from, to, body);

  event->message->sent_at = (1790000000 + at) * G_USEC_PER_SEC;
  return event;
}

static GPtrArray *
search (TcReplica  *replica,
        const char *query,
        guint       limit)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *rows;

  tc_replica_search_messages_async (replica, query, limit, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "search");
  rows = tc_replica_search_messages_finish (replica, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (rows);
  return rows;
}

static TcSearchResult *
result_at (GPtrArray *rows,
           guint      i)
{
  g_assert_cmpuint (i, <, rows->len);
  return g_ptr_array_index (rows, i);
}

/* The server ids found, in order, as "3,1,2". */
static char *
ids_of (GPtrArray *rows)
{
  GString *ids = g_string_new (NULL);

  for (guint i = 0; i < rows->len; i++)
    g_string_append_printf (ids, "%s%" G_GINT64_FORMAT, i > 0 ? "," : "",
                            result_at (rows, i)->id);
  return g_string_free (ids, FALSE);
}

static char *
search_ids (TcReplica  *replica,
            const char *query)
{
  g_autoptr(GPtrArray) rows = search (replica, query, 100);

  return ids_of (rows);
}

#define assert_finds(replica, query, expected) \
  G_STMT_START { \
    g_autofree char *found_ = search_ids ((replica), (query)); \
    g_assert_cmpstr (found_, ==, (expected)); \
  } G_STMT_END

/* Markup that GMarkup (and so Pango) accepts, with only <b> elements. */
static void
check_start (GMarkupParseContext  *context,
             const char           *element,
             const char          **names,
             const char          **values,
             gpointer              user_data,
             GError              **error)
{
  if (!g_str_equal (element, "m") && !g_str_equal (element, "b"))
    g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_UNKNOWN_ELEMENT, "<%s>", element);
}

static void
assert_safe_markup (const char *markup)
{
  static const GMarkupParser parser = { check_start, NULL, NULL, NULL, NULL };
  g_autoptr(GMarkupParseContext) context =
    g_markup_parse_context_new (&parser, G_MARKUP_DEFAULT_FLAGS, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *document = g_strconcat ("<m>", markup, "</m>", NULL);

  g_assert_true (g_utf8_validate (markup, -1, NULL));
  g_assert_true (g_markup_parse_context_parse (context, document, -1, &error) &&
                 g_markup_parse_context_end_parse (context, &error));
  g_assert_no_error (error);
}

/* --- tests ---------------------------------------------------------------------- */

static void
apply_bodies (Fixture *f)
{
  g_autoptr(GPtrArray) events = events_new ();

  g_ptr_array_add (events, tc_app_test_member_event ("B", "Bob Birch", TRUE));
  g_ptr_array_add (events, tc_app_test_member_event ("C", "Carol Cedar", FALSE));
  g_ptr_array_add (events, message_at (1, 1, "B", ME, "José ordered a starter kit"));
  g_ptr_array_add (events, message_at (2, 2, ME, "B", "The CAFÉ meeting is at noon"));
  g_ptr_array_add (events, message_at (3, 3, "C", ME, "cafe con leche for everyone"));
  g_ptr_array_add (events, message_at (4, 4, "C", ME, "Her résumé is naïve <b>&amp;</b> \"quoted\""));
  g_ptr_array_add (events, message_at (5, 5, ME, "C", "Don't forget the e-mail to jose@example.com"));
  g_ptr_array_add (events, message_at (6, 6, "B", ME, "Straße und Übung, ΑΘΗΝΑ, Москва"));
  tc_app_test_replica_apply (f->replica, events, "6");
}

static void
test_match (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GPtrArray) rows = NULL;
  TcSearchResult *row;

  apply_bodies (f);

  /* Case and accents do not matter, either way round. */
  assert_finds (f->replica, "jose", "5,1");
  assert_finds (f->replica, "JOSÉ", "5,1");
  assert_finds (f->replica, "CAFE", "3,2");
  assert_finds (f->replica, "café", "3,2");
  assert_finds (f->replica, "resume naive", "4");
  assert_finds (f->replica, "übung", "6");
  assert_finds (f->replica, "ubung", "6");
  assert_finds (f->replica, "αθηνα", "6");
  assert_finds (f->replica, "МОСКВА", "6");
  /* Words are prefixes, as typed so far; every word must be there. */
  assert_finds (f->replica, "c", "5,3,2");
  assert_finds (f->replica, "ca", "3,2");
  assert_finds (f->replica, "caf mee", "2");
  assert_finds (f->replica, "cafe kit", "");
  assert_finds (f->replica, "  starter\tkit\n", "1");
  /* Not inside words. */
  assert_finds (f->replica, "afe", "");
  /* A word with punctuation is a phrase of its parts. */
  assert_finds (f->replica, "don't", "5");
  assert_finds (f->replica, "e-mail", "5");
  assert_finds (f->replica, "jose@example", "5");
  assert_finds (f->replica, "mail-e", "");
  assert_finds (f->replica, "nobody", "");

  /* What a result holds. */
  rows = search (f->replica, "cafe", 100);
  row = result_at (rows, 0);
  g_assert_cmpint (row->id, ==, 3);
  g_assert_cmpstr (row->peer_id, ==, "C");
  g_assert_cmpstr (row->peer_name, ==, "Carol Cedar");
  g_assert_true (row->incoming);
  g_assert_cmpint (row->sent_at, ==, (G_GINT64_CONSTANT (1790000000) + 3) * G_USEC_PER_SEC);
  g_assert_cmpint (row->local_id, >, 0);
  g_assert_cmpstr (row->snippet_markup, ==, "<b>cafe</b> con leche for everyone");
  row = result_at (rows, 1);
  g_assert_cmpstr (row->peer_id, ==, "B");
  g_assert_false (row->incoming);
  g_assert_cmpstr (row->snippet_markup, ==, "The <b>CAFÉ</b> meeting is at noon");
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* The body's own markup is text, escaped. */
  rows = search (f->replica, "resume", 100);
  row = result_at (rows, 0);
  g_assert_cmpstr (row->snippet_markup, ==,
                   "Her <b>résumé</b> is naïve &lt;b&gt;&amp;amp;&lt;/b&gt; &quot;quoted&quot;");
  assert_safe_markup (row->snippet_markup);
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* A long body is cut around the match. */
  {
    g_autoptr(GPtrArray) events = events_new ();
    g_autoptr(GString) body = g_string_new (NULL);

    for (guint i = 0; i < 200; i++)
      g_string_append_printf (body, "word%u ", i);
    g_string_append (body, "needle");
    for (guint i = 0; i < 200; i++)
      g_string_append_printf (body, " more%u", i);
    g_ptr_array_add (events, message_at (7, 7, "B", ME, body->str));
    tc_app_test_replica_apply (f->replica, events, "7");
    rows = search (f->replica, "needle", 100);
    row = result_at (rows, 0);
    g_assert_cmpuint (strlen (row->snippet_markup), <, 200);
    g_assert_nonnull (strstr (row->snippet_markup, "<b>needle</b>"));
    g_assert_true (g_str_has_prefix (row->snippet_markup, "…"));
    g_assert_true (g_str_has_suffix (row->snippet_markup, "…"));
  }
}

static void
test_grouping (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GPtrArray) events = events_new ();
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *ids = NULL;

  g_ptr_array_add (events, tc_app_test_member_event ("B", "Bob Birch", TRUE));
  g_ptr_array_add (events, tc_app_test_member_event ("C", "Carol Cedar", FALSE));
  /* Times out of id order; X is no member (any more). */
  g_ptr_array_add (events, message_at (1, 10, "B", ME, "order one"));
  g_ptr_array_add (events, message_at (2, 50, "C", ME, "order two"));
  g_ptr_array_add (events, message_at (3, 30, ME, "B", "order three"));
  g_ptr_array_add (events, message_at (4, 20, "C", ME, "order four"));
  g_ptr_array_add (events, message_at (5, 40, "X", ME, "order five"));
  g_ptr_array_add (events, message_at (6, 60, "B", ME, "something else"));
  g_ptr_array_add (events, message_at (7, 5, "X", ME, "order seven"));
  tc_app_test_replica_apply (f->replica, events, "7");

  /* C has the newest match (50), then X (40), then B (30); newest first
   * inside each conversation. */
  rows = search (f->replica, "order", 100);
  ids = ids_of (rows);
  g_assert_cmpstr (ids, ==, "2,4,5,7,3,1");
  g_assert_cmpstr (result_at (rows, 0)->peer_name, ==, "Carol Cedar");
  g_assert_cmpstr (result_at (rows, 2)->peer_id, ==, "X");
  g_assert_cmpstr (result_at (rows, 2)->peer_name, ==, "X");
  g_assert_cmpstr (result_at (rows, 4)->peer_name, ==, "Bob Birch");
  g_clear_pointer (&rows, g_ptr_array_unref);
  g_clear_pointer (&ids, g_free);

  /* A limit keeps the matches stored last (the sync stores them in the
   * server's order), then sorts and groups them by time. */
  rows = search (f->replica, "order", 3);
  ids = ids_of (rows);
  g_assert_cmpstr (ids, ==, "5,7,4");
  g_clear_pointer (&rows, g_ptr_array_unref);
  /* 0 means 1, not everything. */
  rows = search (f->replica, "order", 0);
  g_assert_cmpuint (rows->len, ==, 1);
}

static void
delete_message (TcReplica  *replica,
                const char *client_id)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  tc_replica_delete_message_async (replica, client_id, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "delete");
  g_assert_true (tc_replica_delete_message_finish (replica, result, &error));
  g_assert_no_error (error);
}

/* The index follows every way a message comes, changes and goes. */
static void
test_in_step (Fixture       *f,
              gconstpointer  data)
{
  static const char * const to_b[] = { "B", NULL };
  g_autoptr(GPtrArray) events = events_new ();
  g_auto(GStrv) pending = NULL;
  g_auto(GStrv) doomed = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  TcAppTestAsync async = { 0 };
  guint n = 0;

  g_ptr_array_add (events, tc_app_test_member_event ("B", "Bob Birch", TRUE));
  g_ptr_array_add (events, message_at (1, 1, "B", ME, "old apple"));
  g_ptr_array_add (events, message_at (2, 2, "B", ME, "recent banana"));
  tc_app_test_replica_apply (f->replica, events, "2");
  assert_finds (f->replica, "apple", "1");

  /* The server sends a message again with another body. */
  g_ptr_array_set_size (events, 0);
  g_ptr_array_add (events, message_at (1, 1, "B", ME, "old cherry"));
  tc_app_test_replica_apply (f->replica, events, "3");
  assert_finds (f->replica, "apple", "");
  assert_finds (f->replica, "cherry", "1");

  /* Written here: found while pending (no server id yet)… */
  pending = tc_app_test_replica_enqueue (f->replica, to_b, "pending grape");
  assert_finds (f->replica, "grape", "0");
  /* …and once, with its id, when the server's event arrives. */
  g_ptr_array_set_size (events, 0);
  {
    TcEvent *event = message_at (3, 3, ME, "B", "pending grape");

    g_free (event->message->client_id);
    event->message->client_id = g_strdup (pending[0]);
    g_ptr_array_add (events, event);
  }
  tc_app_test_replica_apply (f->replica, events, "4");
  assert_finds (f->replica, "grape", "3");

  /* A message deleted before it was sent goes. */
  doomed = tc_app_test_replica_enqueue (f->replica, to_b, "doomed melon");
  assert_finds (f->replica, "melon", "0");
  delete_message (f->replica, doomed[0]);
  assert_finds (f->replica, "melon", "");

  /* Retention. */
  tc_replica_purge_async (f->replica, (G_GINT64_CONSTANT (1790000000) + 2) * G_USEC_PER_SEC,
                          NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "purge");
  g_assert_true (tc_replica_purge_finish (f->replica, result, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1);
  g_clear_object (&result);
  assert_finds (f->replica, "cherry", "");
  assert_finds (f->replica, "banana", "2");

  /* Reset drops what came from the server, keeps what is still ours. */
  g_clear_pointer (&pending, g_strfreev);
  pending = tc_app_test_replica_enqueue (f->replica, to_b, "unsent banana");
  tc_replica_reset_async (f->replica, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "reset");
  g_assert_true (tc_replica_reset_finish (f->replica, result, &error));
  g_assert_no_error (error);
  assert_finds (f->replica, "banana", "0");
  assert_finds (f->replica, "grape", "");

  /* The full sync after the reset fills it again; nothing twice. */
  g_ptr_array_set_size (events, 0);
  g_ptr_array_add (events, message_at (2, 2, "B", ME, "recent banana"));
  g_ptr_array_add (events, message_at (3, 3, ME, "B", "pending grape"));
  tc_app_test_replica_apply (f->replica, events, "4");
  assert_finds (f->replica, "banana", "0,2");
  assert_finds (f->replica, "grape", "3");

  /* New messages are indexed when their page commits (schema step 6): one
   * whose body changes, or that goes, in the page that brought it is
   * indexed as it is at the end, or not at all. */
  g_ptr_array_set_size (events, 0);
  g_ptr_array_add (events, message_at (90, 90, "B", ME, "first kiwi"));
  g_ptr_array_add (events, message_at (91, 91, "B", ME, "plain lemon"));
  g_ptr_array_add (events, message_at (90, 90, "B", ME, "second mango"));
  tc_app_test_replica_apply (f->replica, events, "91");
  assert_finds (f->replica, "kiwi", "");
  assert_finds (f->replica, "mango", "90");
  assert_finds (f->replica, "lemon", "91");

  /* The index agrees with the table (FTS5's own check). */
  g_clear_object (&result);   /* it holds the replica */
  tc_app_test_replica_close (&f->replica);
  {
    sqlite3 *db = NULL;
    char *message = NULL;

    g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (db,
                                   "INSERT INTO messages_fts (messages_fts, rank) "
                                   "VALUES ('integrity-check', 1)",
                                   NULL, NULL, &message), ==, SQLITE_OK);
    g_assert_null (message);
    sqlite3_close (db);
  }
  f->replica = tc_app_test_replica_open (f->path, ME, &error);
  g_assert_no_error (error);
}

/* Whatever a person types, the search answers, never with an FTS5 error. */
static void
test_hostile (Fixture       *f,
              gconstpointer  data)
{
  static const char * const nothing[] = {
    "", " ", "\t\n", "\"", "\"\"", "'", "*", "**", "-", "+", "^", ":", "(", ")", "()",
    "\"*", "*\"", "-- ;", "😀", "👍🏽 🎉", "\xff\xfe", "\xc3", "\\",
    "{", "}", "[", "]", "!", "?", "…", "\"\"\"", "\u00a0", "\u200b",
  };
  static const char * const queries[] = {
    "NEAR(", "NEAR(cafe kit, 2)", "\" OR \"", "cafe OR kit", "cafe AND kit", "NOT cafe",
    "cafe NOT kit",
    "body:cafe", "{body}:cafe", "^cafe", "cafe*", "*cafe", "\"cafe", "cafe\"", "\"cafe\" \"",
    "-cafe", "cafe -kit", "+cafe", "(cafe", "cafe)", "c\"a\"f\"e", "rank:1", "rowid:1",
    "messages_fts", "'; DROP TABLE messages; --", "%", "_", "caf%", "\x01" "cafe\x02",
    "café 😀", "e\u0301", "ﬁ", "ＣＡＦＥ",
  };
  g_autoptr(GString) huge = g_string_new (NULL);
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *fts = NULL;

  apply_bodies (f);

  for (guint i = 0; i < G_N_ELEMENTS (nothing); i++)
    {
      g_autofree char *query = tc_search_fts_query (nothing[i]);
      g_autofree char *shown = g_strescape (nothing[i], NULL);

      g_test_message ("query %u: %s", i, shown);
      g_assert_null (query);
      assert_finds (f->replica, nothing[i], "");
    }
  for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
    {
      g_autoptr(GPtrArray) found = NULL;
      g_autofree char *shown = g_strescape (queries[i], NULL);

      g_test_message ("query %u: %s", i, shown);
      found = search (f->replica, queries[i], 100);
      for (guint j = 0; j < found->len; j++)
        assert_safe_markup (result_at (found, j)->snippet_markup);
    }
  /* Operators are words like any other. */
  assert_finds (f->replica, "NEAR(", "");
  assert_finds (f->replica, "cafe OR kit", "");
  assert_finds (f->replica, "-cafe", "3,2");
  assert_finds (f->replica, "\"cafe", "3,2");
  assert_finds (f->replica, "c\"a\"f\"e", "");
  assert_finds (f->replica, "body:cafe", "");
  assert_finds (f->replica, "café 😀", "3,2");
  /* A decomposed accent, and compatibility forms the tokenizer folds. */
  assert_finds (f->replica, "Jose\u0301", "5,1");
  assert_finds (f->replica, NULL, "");

  /* What reaches FTS5. */
  fts = tc_search_fts_query ("  a\"b  NEAR( x* 😀 ");
  g_assert_cmpstr (fts, ==, "\"a\"\"b\"* \"NEAR(\"* \"x*\"*");
  g_clear_pointer (&fts, g_free);

  /* 10 KB of words, and one 10 KB word: bounded, and answered. */
  for (guint i = 0; huge->len < 10240; i++)
    g_string_append_printf (huge, "w%u ", i);
  fts = tc_search_fts_query (huge->str);
  g_assert_cmpuint (strlen (fts), <, 32 * 72);
  g_clear_pointer (&fts, g_free);
  rows = search (f->replica, huge->str, 100);
  g_assert_cmpuint (rows->len, ==, 0);
  g_clear_pointer (&rows, g_ptr_array_unref);
  g_string_truncate (huge, 0);
  g_string_append (huge, "cafe");
  while (huge->len < 10240)
    g_string_append (huge, "é\"*(");
  fts = tc_search_fts_query (huge->str);
  g_assert_cmpuint (g_utf8_strlen (fts, -1), <, 2 * 64 + 4);
  rows = search (f->replica, huge->str, 100);
  g_assert_cmpuint (rows->len, ==, 0);
}

static void
test_markup (void)
{
  static const struct {
    const char *snippet;
    const char *markup;
  } cases[] = {
    { "plain", "plain" },
    { "a \x01" "b\x02 c", "a <b>b</b> c" },
    { "<i>&amp;</i> \x01x\x02", "&lt;i&gt;&amp;amp;&lt;/i&gt; <b>x</b>" },
    { "\x01open", "<b>open</b>" },
    { "close\x02 \x02", "close " },
    { "\x01\x01twice\x02\x02", "<b>twice</b>" },
    { "line\nbreak\ttab\r\x7f\x03", "line break tab   " },
    { "bad \xff utf8", "bad \xef\xbf\xbd utf8" },
    { "…\x01" "café\x02…", "…<b>café</b>…" },
    { "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *markup = tc_search_snippet_to_markup (cases[i].snippet);

      g_assert_cmpstr (markup, ==, cases[i].markup);
      assert_safe_markup (markup);
    }
  {
    g_autofree char *markup = tc_search_snippet_to_markup (NULL);

    g_assert_cmpstr (markup, ==, "");
  }
}

static void
test_result_boxed (void)
{
  g_autoptr(TcSearchResult) row = tc_search_result_new ();
  g_autoptr(TcSearchResult) copy = NULL;

  row->peer_id = g_strdup ("B");
  row->peer_name = g_strdup ("Bob");
  row->local_id = 7;
  row->id = 70;
  row->sent_at = 123;
  row->incoming = TRUE;
  row->snippet_markup = g_strdup ("<b>x</b>");
  copy = g_boxed_copy (TC_TYPE_SEARCH_RESULT, row);
  g_assert_true (copy != row);
  g_assert_cmpstr (copy->peer_id, ==, "B");
  g_assert_cmpstr (copy->peer_name, ==, "Bob");
  g_assert_cmpint (copy->local_id, ==, 7);
  g_assert_cmpint (copy->id, ==, 70);
  g_assert_cmpint (copy->sent_at, ==, 123);
  g_assert_true (copy->incoming);
  g_assert_cmpstr (copy->snippet_markup, ==, "<b>x</b>");
}

/* A replica written before search existed gets its index on opening. */
static void
test_migrate (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  apply_bodies (f);
  tc_app_test_replica_close (&f->replica);
  tc_app_test_replica_rewind (f->path, 3);

  f->replica = tc_app_test_replica_open (f->path, ME, &error);
  g_assert_no_error (error);
  assert_finds (f->replica, "jose", "5,1");
  assert_finds (f->replica, "cafe", "3,2");
}

/* --- member search (New Chat) --------------------------------------------------- */

static TcEvent *
member_event (const char *id,
              const char *name,
              const char *email,
              const char *phone)
{
  TcEvent *event = tc_app_test_member_event (id, name, FALSE);

  event->member->email = g_strdup (email);
  event->member->phone = g_strdup (phone);
  return event;
}

static char *
member_ids (TcReplica  *replica,
            const char *query)
{
  g_autoptr(GPtrArray) members = tc_app_test_replica_members (replica, query);
  GString *ids = g_string_new (NULL);

  for (guint i = 0; i < members->len; i++)
    g_string_append_printf (ids, "%s%s", i > 0 ? "," : "",
                            ((TcAssociate *) g_ptr_array_index (members, i))->id);
  return g_string_free (ids, FALSE);
}

#define assert_members(replica, query, expected) \
  G_STMT_START { \
    g_autofree char *found_ = member_ids ((replica), (query)); \
    g_assert_cmpstr (found_, ==, (expected)); \
  } G_STMT_END

static void
test_members (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GPtrArray) events = events_new ();

  g_ptr_array_add (events, member_event ("A1002", "José Álvarez", "jose.alvarez@example.com",
                                         "+1 555-0102"));
  g_ptr_array_add (events, member_event ("A1003", "Émilie Étoile", "EMILIE@Example.org",
                                         "+33 (555) 01-03"));
  g_ptr_array_add (events, member_event ("A1004", "Zoë O'Brien", NULL, NULL));
  g_ptr_array_add (events, member_event ("A1005", "bob birch", "bob@example.com", "5550105"));
  g_ptr_array_add (events, member_event ("A1006", "Мария Иванова", NULL, NULL));
  tc_app_test_replica_apply (f->replica, events, NULL);

  /* Everyone, by name, whatever the case. */
  assert_members (f->replica, NULL, "A1005,A1003,A1002,A1004,A1006");
  assert_members (f->replica, "", "A1005,A1003,A1002,A1004,A1006");
  /* Names: any part, case and accents ignored either way. */
  assert_members (f->replica, "jose", "A1002");
  assert_members (f->replica, "ÁLVAREZ", "A1002");
  assert_members (f->replica, "emilie etoile", "A1003");
  assert_members (f->replica, "zoe", "A1004");
  assert_members (f->replica, "o'brien", "A1004");
  assert_members (f->replica, "BOB", "A1005");
  assert_members (f->replica, "МАРИЯ", "A1006");
  assert_members (f->replica, "ива", "A1006");
  /* Email. */
  assert_members (f->replica, "example.com", "A1005,A1002");
  assert_members (f->replica, "emilie@example", "A1003");
  /* Phone, however either side writes it. */
  assert_members (f->replica, "555-0102", "A1002");
  assert_members (f->replica, "5550103", "A1003");
  assert_members (f->replica, "555 0105", "A1005");
  assert_members (f->replica, "(555)", "A1005,A1003,A1002");
  assert_members (f->replica, "+1 555", "A1002");
  /* The id. */
  assert_members (f->replica, "a1004", "A1004");
  /* Nothing, and nothing odd. */
  assert_members (f->replica, "nobody", "");
  assert_members (f->replica, "%", "");
  assert_members (f->replica, "\"", "");
  assert_members (f->replica, "😀", "");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/replica-search/markup", test_markup);
  g_test_add_func ("/replica-search/result-boxed", test_result_boxed);
#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/replica-search/match", test_match);
  ADD ("/replica-search/grouping", test_grouping);
  ADD ("/replica-search/in-step", test_in_step);
  ADD ("/replica-search/hostile", test_hostile);
  ADD ("/replica-search/migrate", test_migrate);
  ADD ("/replica-search/members", test_members);
#undef ADD

  return g_test_run ();
}
