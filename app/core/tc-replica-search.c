/* tc-replica-search.c: full-text search of the messages in the replica
 *
 * The index is messages_fts (schema step 3 in tc-replica.c): FTS5 over
 * messages.body with the unicode61 tokenizer folding case and removing
 * diacritics, prefix indexes for one and two characters, and triggers that
 * follow every insert, body update and delete (so purge and reset too).
 *
 * A search is one statement on the replica's worker. The subquery walks
 * the match backwards by rowid (local_id) and stops after LIMIT rows; the
 * outer query reads the match again from the smallest of those rowids on,
 * computing snippet() for those rows only, and sorts them by time. Both
 * are range scans FTS5 does natively, so a one-letter prefix matching
 * most of 100,000 messages costs about what a rare word does; sorting
 * every match by sent_at to pick the newest was ten times slower (see
 * docs/PERFORMANCE.md).
 *
 * local_id is the order messages reached the replica, which is the
 * server's id order (the sync reads events in order, and ids follow
 * time), so the last LIMIT stored are the newest. The one exception:
 * after a reset, messages still in the outbox keep their older rows, so
 * among more than LIMIT matches they may be left out although recent.
 */
#define G_LOG_DOMAIN "TeamChatReplica"

#include "config.h"

#include "tc-error.h"
#include "tc-replica-private.h"
#include "tc-replica-search.h"
#include "tc-sqlite.h"

#define MAX_WORDS 32
#define MAX_WORD_CHARS 64
#define SNIPPET_TOKENS 12

#define MARK_START '\x01'
#define MARK_END '\x02'

G_DEFINE_BOXED_TYPE (TcSearchResult, tc_search_result, tc_search_result_copy,
                     tc_search_result_free)

TcSearchResult *
tc_search_result_new (void)
{
  return g_new0 (TcSearchResult, 1);
}

TcSearchResult *
tc_search_result_copy (const TcSearchResult *self)
{
  TcSearchResult *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_memdup2 (self, sizeof *self);
  copy->peer_id = g_strdup (self->peer_id);
  copy->peer_name = g_strdup (self->peer_name);
  copy->snippet_markup = g_strdup (self->snippet_markup);
  return copy;
}

void
tc_search_result_free (TcSearchResult *self)
{
  if (self == NULL)
    return;
  g_free (self->peer_id);
  g_free (self->peer_name);
  g_free (self->snippet_markup);
  g_free (self);
}

/* --- what a person types → FTS5 ----------------------------------------------------- */

static gboolean
has_alnum (const char *word)
{
  for (const char *p = word; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_isalnum (g_utf8_get_char (p)))
      return TRUE;
  return FALSE;
}

/* Appends @word as an FTS5 string: in double quotes, quotes doubled. */
static void
append_quoted (GString    *query,
               const char *word)
{
  g_string_append_c (query, '"');
  for (const char *p = word; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (query, '"');
      g_string_append_c (query, *p);
    }
  g_string_append_c (query, '"');
}

/**
 * tc_search_fts_query:
 * @text: (nullable): what the person typed
 *
 * Makes an FTS5 query that finds the messages containing every word of
 * @text, the last token of each word as a prefix: `"jos"* "caf"*`. Inside
 * the quotes FTS5 syntax means nothing (`NEAR(`, `-`, `*`, `:`, `AND`),
 * quotes are doubled, and the tokenizer splits a word like "e-mail" into
 * the phrase "e mail". Words without a letter or digit (punctuation,
 * emoji, which the index does not hold) are dropped.
 *
 * Returns: (transfer full) (nullable): the query, or %NULL when there is
 *   nothing to look for
 */
char *
tc_search_fts_query (const char *text)
{
  g_autofree char *valid = NULL;
  g_autoptr(GString) query = NULL;
  const char *p;
  guint n_words = 0;

  if (text == NULL)
    return NULL;
  valid = g_utf8_make_valid (text, -1);
  query = g_string_new (NULL);
  p = valid;
  while (*p != '\0' && n_words < MAX_WORDS)
    {
      const char *start;
      g_autofree char *word = NULL;
      glong length = 0;

      while (*p != '\0' && g_unichar_isspace (g_utf8_get_char (p)))
        p = g_utf8_next_char (p);
      start = p;
      while (*p != '\0' && !g_unichar_isspace (g_utf8_get_char (p)))
        {
          p = g_utf8_next_char (p);
          length++;
        }
      if (p == start)
        break;
      /* A prefix of a very long word finds what the word would. */
      word = g_utf8_substring (start, 0, MIN (length, MAX_WORD_CHARS));
      if (!has_alnum (word))
        continue;
      if (query->len > 0)
        g_string_append_c (query, ' ');
      append_quoted (query, word);
      g_string_append_c (query, '*');
      n_words++;
    }
  if (query->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&query), FALSE);
}

static void
append_escaped (GString    *markup,
                const char *text,
                gsize       length)
{
  g_autofree char *plain = g_strndup (text, length);
  g_autofree char *escaped = NULL;

  /* One line, and nothing GMarkup could refuse. */
  for (char *c = plain; *c != '\0'; c++)
    if ((guchar) *c < 0x20 || *c == '\x7f')
      *c = ' ';
  escaped = g_markup_escape_text (plain, -1);
  g_string_append (markup, escaped);
}

/**
 * tc_search_snippet_to_markup:
 * @snippet: (nullable): snippet() output with the matches between \x01
 *   and \x02
 *
 * Returns: (transfer full): Pango markup with the matches in <b>, always
 *   balanced, every other character escaped
 */
char *
tc_search_snippet_to_markup (const char *snippet)
{
  g_autofree char *valid = g_utf8_make_valid (snippet != NULL ? snippet : "", -1);
  GString *markup = g_string_new (NULL);
  gboolean bold = FALSE;
  const char *segment = valid;

  for (const char *p = valid;; p++)
    {
      if (*p != '\0' && *p != MARK_START && *p != MARK_END)
        continue;
      append_escaped (markup, segment, (gsize) (p - segment));
      if (*p == '\0')
        break;
      /* A body may hold the marker bytes itself: never unbalanced. */
      if (*p == MARK_START && !bold)
        {
          g_string_append (markup, "<b>");
          bold = TRUE;
        }
      else if (*p == MARK_END && bold)
        {
          g_string_append (markup, "</b>");
          bold = FALSE;
        }
      segment = p + 1;
    }
  if (bold)
    g_string_append (markup, "</b>");
  return g_string_free (markup, FALSE);
}

/* --- the search ------------------------------------------------------------------------ */

typedef struct {
  char  *match;   /* NULL: nothing to look for */
  guint  limit;
} SearchData;

static void
search_data_free (SearchData *data)
{
  g_free (data->match);
  g_free (data);
}

/* @rows come newest first; groups them by conversation, the conversation
 * with the newest match first, keeping the order inside each. */
static GPtrArray *
group_by_conversation (GPtrArray *rows)
{
  g_autoptr(GHashTable) groups = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) order = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  GPtrArray *grouped = g_ptr_array_new_full (rows->len, (GDestroyNotify) tc_search_result_free);

  for (guint i = 0; i < rows->len; i++)
    {
      TcSearchResult *row = g_ptr_array_index (rows, i);
      GPtrArray *group = g_hash_table_lookup (groups, row->peer_id);

      if (group == NULL)
        {
          group = g_ptr_array_new ();
          g_ptr_array_add (order, group);
          g_hash_table_insert (groups, row->peer_id, group);
        }
      g_ptr_array_add (group, row);
    }
  for (guint i = 0; i < order->len; i++)
    {
      GPtrArray *group = g_ptr_array_index (order, i);

      for (guint j = 0; j < group->len; j++)
        g_ptr_array_add (grouped, g_ptr_array_index (group, j));
    }
  /* The rows moved to @grouped. */
  g_ptr_array_set_free_func (rows, NULL);
  return grouped;
}

static void
search_job (TcReplica *self,
            Db        *db,
            GTask     *task,
            gpointer   user_data)
{
  SearchData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tc_search_result_free);
  g_auto(CachedStmt) stmt = NULL;
  int rc;

  if (return_if_closed (db, task))
    return;
  if (data->match == NULL)
    {
      g_task_return_pointer (task, g_steal_pointer (&rows), (GDestroyNotify) g_ptr_array_unref);
      return;
    }
  stmt = db_prepare (db,
                     "SELECT m.local_id, m.id, m.peer, mem.name, m.incoming, m.sent_at, "
                     "  snippet (messages_fts, 0, char (1), char (2), '…', "
                     G_STRINGIFY (SNIPPET_TOKENS) ") "
                     "FROM messages_fts "
                     "JOIN messages m ON m.local_id = messages_fts.rowid "
                     "LEFT JOIN members mem ON mem.id = m.peer "
                     "WHERE messages_fts MATCH ?1 "
                     "  AND messages_fts.rowid >= "
                     "    (SELECT MIN (rowid) FROM "
                     "      (SELECT f.rowid FROM messages_fts f "
                     "       WHERE f.messages_fts MATCH ?1 "
                     "       ORDER BY f.rowid DESC LIMIT ?2)) "
                     "ORDER BY m.sent_at DESC, m.local_id DESC",
                     &error);
  if (stmt == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  bind_text (stmt, 1, data->match);
  sqlite3_bind_int (stmt, 2, (int) data->limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TcSearchResult *row = tc_search_result_new ();

      row->local_id = sqlite3_column_int64 (stmt, 0);
      row->id = sqlite3_column_int64 (stmt, 1);   /* NULL reads as 0 */
      row->peer_id = column_dup (stmt, 2);
      row->peer_name = sqlite3_column_type (stmt, 3) != SQLITE_NULL ? column_dup (stmt, 3)
                                                                     : g_strdup (row->peer_id);
      row->incoming = sqlite3_column_int (stmt, 4) != 0;
      row->sent_at = sqlite3_column_int64 (stmt, 5);
      row->snippet_markup =
        tc_search_snippet_to_markup ((const char *) sqlite3_column_text (stmt, 6));
      g_ptr_array_add (rows, row);
    }
  if (rc != SQLITE_DONE)
    {
      tc_sqlite_set_error (db->db, "cannot search messages", &error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, group_by_conversation (rows), (GDestroyNotify) g_ptr_array_unref);
}

/**
 * tc_replica_search_messages_async:
 * @self: a replica
 * @query: what the person typed (see tc_search_fts_query())
 * @limit: how many messages at most, the last ones stored (the newest);
 *   clamped to 1–%TC_SEARCH_MAX_RESULTS
 * @cancellable: (nullable): a #GCancellable; a search cancelled before
 *   the worker reaches it does not run (as-you-type: cancel the previous)
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * Searches every message of the replica (sent, pending and failed), ignoring
 * case and accents. A query with nothing to look for finds nothing.
 */
void
tc_replica_search_messages_async (TcReplica           *self,
                                  const char          *query,
                                  guint                limit,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  SearchData *data;

  g_return_if_fail (TC_IS_REPLICA (self));

  data = g_new0 (SearchData, 1);
  data->match = tc_search_fts_query (query);
  data->limit = CLAMP (limit, 1, TC_SEARCH_MAX_RESULTS);
  queue_job (self, search_job, data, (GDestroyNotify) search_data_free,
             tc_replica_search_messages_async, cancellable, callback, user_data);
}

/**
 * tc_replica_search_messages_finish:
 * @self: a replica
 * @result: the result given to the callback
 * @error: return location for a %TC_ERROR error
 *
 * Returns: (transfer full) (element-type TcSearchResult): the matches,
 *   grouped by conversation — the conversation with the newest match first
 *   — and newest first inside each; %NULL on error
 */
GPtrArray *
tc_replica_search_messages_finish (TcReplica     *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  CHECK_RESULT (self, result, tc_replica_search_messages_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
