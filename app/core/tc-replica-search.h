/* tc-replica-search.h: full-text search of the messages in the replica
 *
 * A SQLite FTS5 index of every message body (ignoring case and accents),
 * kept in step with the messages by triggers. What a person types is
 * turned into a safe query: each word must appear, as a word or the start
 * of one, in the order of the words inside it ("don't" is the phrase
 * "don t"); FTS5 syntax is never passed through.
 */
#pragma once

#include "tc-replica.h"

G_BEGIN_DECLS

#define TC_TYPE_SEARCH_RESULT (tc_search_result_get_type ())

/* One matching message. */
typedef struct {
  char     *peer_id;        /* the conversation */
  char     *peer_name;      /* the member's name; the id when not a member any more */
  gint64    local_id;       /* the message's row in the replica (TcReplicaMessage.local_id) */
  gint64    id;             /* the server's id; 0 while it waits in the outbox */
  gint64    sent_at;        /* microseconds since the epoch */
  gboolean  incoming;       /* written by the peer */
  char     *snippet_markup; /* Pango markup: a few words around the match, the
                             * matching words in <b>, everything else escaped */
} TcSearchResult;

GType           tc_search_result_get_type (void) G_GNUC_CONST;
TcSearchResult *tc_search_result_new      (void);
TcSearchResult *tc_search_result_copy     (const TcSearchResult *self);
void            tc_search_result_free     (TcSearchResult       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcSearchResult, tc_search_result_free)

/* The most results a search returns, whatever limit is asked. */
#define TC_SEARCH_MAX_RESULTS 1000

/* The FTS5 query for what a person typed: each word (at most 32, each cut
 * to 64 characters) as a quoted prefix phrase, all required; %NULL when
 * @text has no letter or digit to look for. */
char      *tc_search_fts_query                (const char           *text);

/* Turns FTS5 snippet() output, the match between \x01 and \x02, into
 * Pango markup; every other character escaped, control characters made
 * spaces. */
char      *tc_search_snippet_to_markup        (const char           *snippet);

void       tc_replica_search_messages_async   (TcReplica            *self,
                                               const char           *query,
                                               guint                 limit,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
GPtrArray *tc_replica_search_messages_finish  (TcReplica            *self,
                                               GAsyncResult         *result,
                                               GError              **error);

G_END_DECLS
