/* tc-pg-store-team.c: accounts, sessions, associates, the team rule and
 * the associates import of TcPgStore
 *
 * The same rules as tc-sqlite-store.c, in PostgreSQL's SQL. The team rule
 * of one pair is one query (PAIR_SQL): a send checks each recipient, and
 * learns its offline channel, in one round trip.
 */
#include "config.h"

#include <string.h>

#include "tc-error.h"
#include "tc-import-row.h"
#include "tc-password.h"
#include "tc-pg-store-private.h"
#include "tc-store-util.h"

/* --- the team rule ------------------------------------------------------------------ */

/* As in tc-sqlite-store.c: everyone on the team of $1; UNION stops the
 * recursion even if bad data ever formed a cycle. */
#define TEAM_CTE \
  "WITH RECURSIVE " \
  " sp_up (id) AS (SELECT sponsor_id FROM associates WHERE id = $1 " \
  "   UNION SELECT a.sponsor_id FROM associates a JOIN sp_up ON a.id = sp_up.id), " \
  " en_up (id) AS (SELECT enroller_id FROM associates WHERE id = $1 " \
  "   UNION SELECT a.enroller_id FROM associates a JOIN en_up ON a.id = en_up.id), " \
  " sp_down (id) AS (SELECT id FROM associates WHERE sponsor_id = $1 " \
  "   UNION SELECT a.id FROM associates a JOIN sp_down ON a.sponsor_id = sp_down.id), " \
  " en_down (id) AS (SELECT id FROM associates WHERE enroller_id = $1 " \
  "   UNION SELECT a.id FROM associates a JOIN en_down ON a.enroller_id = en_down.id), " \
  " team (id) AS (SELECT id FROM sp_up UNION SELECT id FROM en_up " \
  "   UNION SELECT id FROM sp_down UNION SELECT id FROM en_down) "

#define ANCESTOR_SQL \
  "WITH RECURSIVE " \
  " sp_up (id) AS (SELECT sponsor_id FROM associates WHERE id = $1 " \
  "   UNION SELECT a.sponsor_id FROM associates a JOIN sp_up ON a.id = sp_up.id), " \
  " en_up (id) AS (SELECT enroller_id FROM associates WHERE id = $1 " \
  "   UNION SELECT a.enroller_id FROM associates a JOIN en_up ON a.id = en_up.id) " \
  "SELECT EXISTS (SELECT 1 FROM sp_up WHERE id = $2) OR EXISTS (SELECT 1 FROM en_up WHERE id = $2)"

/* 1 when @ancestor is above @id in either tree, 0 when not, -1 on error. */
static int
is_ancestor (TcPgConn    *conn,
             const char  *id,
             const char  *ancestor,
             GError     **error)
{
  g_autoptr(PGresult) res = tc_pg_query (conn, error, ANCESTOR_SQL, "ss", id, ancestor);

  if (res == NULL)
    return -1;
  return tc_pg_bool (res, 0, 0) ? 1 : 0;
}

/* The team rule for one pair in one round trip: whether @b exists, its
 * offline channel, and whether either is above the other in one of the
 * trees. */
#define PAIR_SQL \
  "WITH RECURSIVE " \
  " sp_a (id) AS (SELECT sponsor_id FROM associates WHERE id = $1 " \
  "   UNION SELECT a.sponsor_id FROM associates a JOIN sp_a ON a.id = sp_a.id), " \
  " en_a (id) AS (SELECT enroller_id FROM associates WHERE id = $1 " \
  "   UNION SELECT a.enroller_id FROM associates a JOIN en_a ON a.id = en_a.id), " \
  " sp_b (id) AS (SELECT sponsor_id FROM associates WHERE id = $2 " \
  "   UNION SELECT a.sponsor_id FROM associates a JOIN sp_b ON a.id = sp_b.id), " \
  " en_b (id) AS (SELECT enroller_id FROM associates WHERE id = $2 " \
  "   UNION SELECT a.enroller_id FROM associates a JOIN en_b ON a.id = en_b.id) " \
  "SELECT b.id IS NOT NULL, b.offline_channel, " \
  "  $1 <> $2 AND (EXISTS (SELECT 1 FROM sp_a WHERE id = $2) OR EXISTS (SELECT 1 FROM en_a WHERE id = $2) " \
  "    OR EXISTS (SELECT 1 FROM sp_b WHERE id = $1) OR EXISTS (SELECT 1 FROM en_b WHERE id = $1)) " \
  "FROM (SELECT 1) AS one LEFT JOIN associates b ON b.id = $2"

/* 1 when @a and @b are on each other's team, 0 when not, -1 on error;
 * *out_exists tells whether @b exists, *out_channel (optional) is its
 * offline channel. */
int
tc_pg_team_pair (TcPgConn    *conn,
           const char  *a,
           const char  *b,
           gboolean    *out_exists,
           char       **out_channel,
           GError     **error)
{
  g_autoptr(PGresult) res = tc_pg_query (conn, error, PAIR_SQL, "ss", a, b);

  if (res == NULL)
    return -1;
  if (out_exists != NULL)
    *out_exists = tc_pg_bool (res, 0, 0);
  if (out_channel != NULL)
    *out_channel = tc_pg_text (res, 0, 1);
  return tc_pg_bool (res, 0, 2) ? 1 : 0;
}

int
tc_pg_team_check (TcPgConn    *conn,
            const char  *a,
            const char  *b,
            GError     **error)
{
  return tc_pg_team_pair (conn, a, b, NULL, NULL, error);
}

static int
associate_exists (TcPgConn    *conn,
                  const char  *id,
                  GError     **error)
{
  g_autoptr(PGresult) res = tc_pg_query (conn, error, "SELECT 1 FROM associates WHERE id = $1",
                                         "s", id);

  if (res == NULL)
    return -1;
  return PQntuples (res) > 0;
}

static GPtrArray *
team_ids (TcPgConn    *conn,
          const char  *associate_id,
          GError     **error)
{
  g_autoptr(PGresult) res = NULL;
  GPtrArray *ids;

  res = tc_pg_query (conn, error,
                     TEAM_CTE "SELECT id FROM team WHERE id IS NOT NULL AND id <> $1",
                     "s", associate_id);
  if (res == NULL)
    return NULL;
  ids = g_ptr_array_new_with_free_func (g_free);
  for (int row = 0; row < PQntuples (res); row++)
    g_ptr_array_add (ids, tc_pg_text (res, row, 0));
  return ids;
}

/* Sorted as SQLite's "name COLLATE NOCASE, id": ASCII case folded, then
 * bytes. */
GPtrArray *
tc_pg_team_members (TcPgConn    *conn,
              const char  *associate_id,
              GError     **error)
{
  g_autoptr(PGresult) res = NULL;
  GPtrArray *members;

  res = tc_pg_query (conn, error,
                     TEAM_CTE "SELECT " TC_PG_ASSOCIATE_COLUMNS " FROM associates a "
                     "WHERE a.id IN (SELECT id FROM team) AND a.id <> $1 "
                     "ORDER BY tc_nocase (a.name) COLLATE \"C\", a.id COLLATE \"C\"",
                     "s", associate_id);
  if (res == NULL)
    return NULL;
  members = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_associate_free);
  for (int row = 0; row < PQntuples (res); row++)
    {
      TcAssociate *member = tc_pg_associate_from_row (res, row);

      /* Preferences are the member's own business. */
      g_clear_pointer (&member->offline_channel, g_free);
      g_ptr_array_add (members, member);
    }
  return members;
}

/* --- accounts ---------------------------------------------------------------------------- */

typedef struct {
  const char   *login;
  const char   *id_in;
  char         *id;
  char         *hash;
  TcAssociate  *associate;
} LoginQuery;

static gboolean
login_read (TcPgTx   *tx,
            gpointer  data,
            GError  **error)
{
  LoginQuery *query = data;
  g_autoptr(PGresult) res = NULL;

  g_clear_pointer (&query->id, g_free);
  g_clear_pointer (&query->hash, g_free);
  res = tc_pg_query (tx->conn, error,
                     "SELECT id, password_hash FROM associates WHERE tc_nocase (login) = tc_nocase ($1)",
                     "s", query->login);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) > 0)
    {
      query->id = tc_pg_text (res, 0, 0);
      query->hash = tc_pg_text (res, 0, 1);
    }
  return TRUE;
}

static gboolean
associate_read (TcPgTx   *tx,
                gpointer  data,
                GError  **error)
{
  LoginQuery *query = data;

  g_clear_pointer (&query->associate, tc_associate_free);
  query->associate = tc_pg_load_associate (tx->conn, query->id_in, error);
  return query->associate != NULL;
}

static TcAssociate *
tc_pg_store_authenticate (TcStore     *store,
                          const char  *login,
                          const char  *password,
                          GError     **error)
{
  TcPgStore *self = TC_PG_STORE (store);
  LoginQuery query = { login, NULL, NULL, NULL, NULL };
  gboolean verified;

  if (!tc_pg_store_read (self, login_read, &query, error))
    return NULL;
  /* Hash verification is slow on purpose: outside any transaction. */
  verified = query.hash != NULL ? tc_password_verify (query.hash, password)
                                : tc_password_verify_dummy (password);
  g_free (query.hash);
  if (!verified)
    {
      g_free (query.id);
      g_set_error (error, TC_ERROR, TC_ERROR_UNAUTHORIZED, "wrong login or password");
      return NULL;
    }
  query.id_in = query.id;
  tc_pg_store_read (self, associate_read, &query, error);
  g_free (query.id);
  return query.associate;
}

typedef struct {
  const char   *associate_id;
  const guint8 *token_hash;
  const char   *device;
  char         *found;
} SessionJob;

static gboolean
create_session_write (TcPgTx   *tx,
                      gpointer  data,
                      GError  **error)
{
  SessionJob *job = data;

  return tc_pg_command (tx->conn, error, NULL,
                        "INSERT INTO sessions (token_hash, associate_id, device, created_at) "
                        "VALUES ($1, $2, $3, $4)",
                        "xssi", job->token_hash, (gsize) TC_TOKEN_HASH_LEN, job->associate_id,
                        job->device, g_get_real_time ());
}

static gboolean
tc_pg_store_create_session (TcStore      *store,
                            const char   *associate_id,
                            const guint8 *token_hash,
                            const char   *device,
                            GError      **error)
{
  SessionJob job = { associate_id, token_hash, device, NULL };

  return tc_pg_store_write (TC_PG_STORE (store), create_session_write, &job, error);
}

static gboolean
lookup_session_read (TcPgTx   *tx,
                     gpointer  data,
                     GError  **error)
{
  SessionJob *job = data;
  g_autoptr(PGresult) res = NULL;

  g_clear_pointer (&job->found, g_free);
  res = tc_pg_query (tx->conn, error, "SELECT associate_id FROM sessions WHERE token_hash = $1",
                     "x", job->token_hash, (gsize) TC_TOKEN_HASH_LEN);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) > 0)
    job->found = tc_pg_text (res, 0, 0);
  return TRUE;
}

static char *
tc_pg_store_lookup_session (TcStore      *store,
                            const guint8 *token_hash,
                            GError      **error)
{
  SessionJob job = { NULL, token_hash, NULL, NULL };

  if (!tc_pg_store_read (TC_PG_STORE (store), lookup_session_read, &job, error))
    return NULL;
  if (job.found == NULL)
    g_set_error (error, TC_ERROR, TC_ERROR_UNAUTHORIZED, "invalid or expired token");
  return job.found;
}

static gboolean
delete_session_write (TcPgTx   *tx,
                      gpointer  data,
                      GError  **error)
{
  SessionJob *job = data;

  return tc_pg_command (tx->conn, error, NULL, "DELETE FROM sessions WHERE token_hash = $1",
                        "x", job->token_hash, (gsize) TC_TOKEN_HASH_LEN);
}

static gboolean
tc_pg_store_delete_session (TcStore      *store,
                            const guint8 *token_hash,
                            GError      **error)
{
  SessionJob job = { NULL, token_hash, NULL, NULL };

  return tc_pg_store_write (TC_PG_STORE (store), delete_session_write, &job, error);
}

typedef struct {
  const char *associate_id;
  guint       n;
} RevokeSessionsJob;

static gboolean
revoke_sessions_write (TcPgTx   *tx,
                       gpointer  data,
                       GError  **error)
{
  RevokeSessionsJob *job = data;
  int exists = associate_exists (tx->conn, job->associate_id, error);

  if (exists < 0)
    return FALSE;
  if (!exists)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_NOT_FOUND, "no associate “%s”", job->associate_id);
      return FALSE;
    }
  return tc_pg_command (tx->conn, error, &job->n, "DELETE FROM sessions WHERE associate_id = $1",
                        "s", job->associate_id);
}

static guint
tc_pg_store_revoke_sessions (TcStore     *store,
                             const char  *associate_id,
                             GError     **error)
{
  RevokeSessionsJob job = { associate_id, 0 };

  if (!tc_pg_store_write (TC_PG_STORE (store), revoke_sessions_write, &job, error))
    return 0;
  return job.n;
}

typedef struct {
  const guint8 *token_hashes;
  guint         n_hashes;
  gboolean     *ended;
} FindEndedJob;

#define FIND_ENDED_CHUNK 1000

static gboolean
find_ended_sessions_read (TcPgTx   *tx,
                          gpointer  data,
                          GError  **error)
{
  FindEndedJob *job = data;

  /* One query per thousand tokens: a server with 10,000 open WebSockets
   * checks them in ten round trips. */
  for (guint start = 0; start < job->n_hashes; start += FIND_ENDED_CHUNK)
    {
      guint n = MIN (FIND_ENDED_CHUNK, job->n_hashes - start);
      g_autoptr(GPtrArray) hex = g_ptr_array_new_full (n, g_free);
      g_autoptr(GHashTable) live = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_autoptr(PGresult) res = NULL;
      g_autofree char *array = NULL;

      for (guint i = 0; i < n; i++)
        g_ptr_array_add (hex, tc_pg_bytea_text (job->token_hashes +
                                                (gsize) (start + i) * TC_TOKEN_HASH_LEN,
                                                TC_TOKEN_HASH_LEN));
      array = tc_pg_text_array ((const char * const *) hex->pdata, n);
      /* Answered in the same "\x…" form, whatever bytea_output says. */
      res = tc_pg_query (tx->conn, error,
                         "SELECT '\\x' || encode (token_hash, 'hex') FROM sessions "
                         "WHERE token_hash = ANY ($1::bytea[])",
                         "s", array);
      if (res == NULL)
        return FALSE;
      for (int r = 0; r < PQntuples (res); r++)
        g_hash_table_add (live, tc_pg_text (res, r, 0));
      for (guint i = 0; i < n; i++)
        job->ended[start + i] = !g_hash_table_contains (live, g_ptr_array_index (hex, i));
    }
  return TRUE;
}

static gboolean
tc_pg_store_find_ended_sessions (TcStore      *store,
                                 const guint8 *token_hashes,
                                 guint         n_hashes,
                                 gboolean     *ended,
                                 GError      **error)
{
  FindEndedJob job = { token_hashes, n_hashes, ended };

  return tc_pg_store_read (TC_PG_STORE (store), find_ended_sessions_read, &job, error);
}

/* --- associates and team ---------------------------------------------------------------- */

typedef struct {
  const char  *a;
  const char  *b;
  const char  *query;
  TcAssociate *associate;
  GPtrArray   *list;
  int          verdict;
} TeamQuery;

static void
team_query_clear (TeamQuery *query)
{
  g_clear_pointer (&query->associate, tc_associate_free);
  g_clear_pointer (&query->list, g_ptr_array_unref);
}

static TcAssociate *
tc_pg_store_get_me (TcStore     *store,
                    const char  *associate_id,
                    GError     **error)
{
  LoginQuery query = { NULL, associate_id, NULL, NULL, NULL };

  tc_pg_store_read (TC_PG_STORE (store), associate_read, &query, error);
  return query.associate;
}

static gboolean
set_channel_write (TcPgTx   *tx,
                   gpointer  data,
                   GError  **error)
{
  TeamQuery *job = data;
  gint64 now = g_get_real_time ();
  guint changed = 0;

  if (!tc_pg_command (tx->conn, error, &changed,
                      "UPDATE associates SET offline_channel = $2, updated_at = $3 WHERE id = $1",
                      "ssi", job->a, job->b, now))
    return FALSE;
  if (changed == 0)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_NOT_FOUND, "no such associate");
      return FALSE;
    }
  tc_pg_tx_append_event (tx, job->a, "preferences", 0, NULL, NULL, 0, NULL, now);
  return TRUE;
}

static gboolean
tc_pg_store_set_offline_channel (TcStore     *store,
                                 const char  *associate_id,
                                 const char  *channel,
                                 GError     **error)
{
  TeamQuery job = { associate_id, channel, NULL, NULL, NULL, 0 };

  if (!tc_channel_is_valid (channel))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                   "“offline_channel” must be “email” or “sms”");
      return FALSE;
    }
  return tc_pg_store_write (TC_PG_STORE (store), set_channel_write, &job, error);
}

static gboolean
is_team_read (TcPgTx   *tx,
              gpointer  data,
              GError  **error)
{
  TeamQuery *query = data;

  query->verdict = tc_pg_team_check (tx->conn, query->a, query->b, error);
  return query->verdict >= 0;
}

static gboolean
tc_pg_store_is_team (TcStore     *store,
                     const char  *a,
                     const char  *b,
                     GError     **error)
{
  TeamQuery query = { a, b, NULL, NULL, NULL, 0 };

  return tc_pg_store_read (TC_PG_STORE (store), is_team_read, &query, error) && query.verdict > 0;
}

static gboolean
list_team_read (TcPgTx   *tx,
                gpointer  data,
                GError  **error)
{
  TeamQuery *query = data;

  team_query_clear (query);
  query->list = query->query != NULL ? tc_pg_team_members (tx->conn, query->a, error)
                                     : team_ids (tx->conn, query->a, error);
  return query->list != NULL;
}

static GPtrArray *
tc_pg_store_list_team (TcStore     *store,
                       const char  *associate_id,
                       const char  *filter,
                       GError     **error)
{
  TeamQuery query = { associate_id, NULL, "", NULL, NULL, 0 };

  if (!tc_pg_store_read (TC_PG_STORE (store), list_team_read, &query, error))
    return NULL;
  if (filter != NULL && *filter != '\0')
    for (guint i = query.list->len; i > 0; i--)
      if (!tc_store_member_matches (g_ptr_array_index (query.list, i - 1), filter))
        g_ptr_array_remove_index (query.list, i - 1);
  return query.list;
}

static GPtrArray *
tc_pg_store_list_team_ids (TcStore     *store,
                           const char  *associate_id,
                           GError     **error)
{
  TeamQuery query = { associate_id, NULL, NULL, NULL, NULL, 0 };

  if (!tc_pg_store_read (TC_PG_STORE (store), list_team_read, &query, error))
    return NULL;
  return query.list;
}

static gboolean
dashboard_read (TcPgTx   *tx,
                gpointer  data,
                GError  **error)
{
  TeamQuery *query = data;
  int r;

  team_query_clear (query);
  r = tc_pg_team_check (tx->conn, query->a, query->b, error);
  if (r < 0)
    return FALSE;
  if (r == 0)
    {
      /* Unknown and off-team look the same, so nobody learns who exists. */
      g_set_error (error, TC_ERROR, TC_ERROR_NOT_FOUND, "no such team member");
      return FALSE;
    }
  query->associate = tc_pg_load_associate (tx->conn, query->b, error);
  if (query->associate == NULL)
    return FALSE;
  g_clear_pointer (&query->associate->offline_channel, g_free);
  if (query->associate->sponsor_id != NULL)
    {
      g_autoptr(TcAssociate) sponsor = tc_pg_load_associate (tx->conn, query->associate->sponsor_id,
                                                             NULL);
      if (sponsor != NULL)
        query->associate->sponsor_name = g_steal_pointer (&sponsor->name);
    }
  if (query->associate->enroller_id != NULL)
    {
      g_autoptr(TcAssociate) enroller = tc_pg_load_associate (tx->conn,
                                                              query->associate->enroller_id, NULL);
      if (enroller != NULL)
        query->associate->enroller_name = g_steal_pointer (&enroller->name);
    }
  return TRUE;
}

static TcAssociate *
tc_pg_store_get_dashboard (TcStore     *store,
                           const char  *caller_id,
                           const char  *member_id,
                           GError     **error)
{
  TeamQuery query = { caller_id, member_id, NULL, NULL, NULL, 0 };

  if (!tc_pg_store_read (TC_PG_STORE (store), dashboard_read, &query, error))
    {
      team_query_clear (&query);
      return NULL;
    }
  return query.associate;
}

/* --- import ---------------------------------------------------------------------------------- */

typedef struct {
  GPtrArray      *rows;      /* TcImportRow */
  GPtrArray      *hashes;    /* char * or NULL, parallel to rows */
  TcImportResult  result;
} ImportJob;

static gboolean
import_write (TcPgTx   *tx,
              gpointer  data,
              GError  **error)
{
  ImportJob *job = data;
  g_autoptr(GString) problems = g_string_new (NULL);
  g_autoptr(GPtrArray) changed = g_ptr_array_new ();   /* TcImportRow, borrowed */
  gint64 now = g_get_real_time ();

  memset (&job->result, 0, sizeof job->result);
  for (guint i = 0; i < job->rows->len; i++)
    {
      TcImportRow *row = g_ptr_array_index (job->rows, i);
      const char *hash = g_ptr_array_index (job->hashes, i);
      g_autoptr(TcAssociate) before = NULL;
      g_autoptr(PGresult) taken = NULL;
      g_autoptr(GError) local_error = NULL;

      before = tc_pg_load_associate (tx->conn, row->associate->id, &local_error);
      if (before == NULL && !g_error_matches (local_error, TC_ERROR, TC_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      taken = tc_pg_query (tx->conn, error,
                           "SELECT id FROM associates WHERE tc_nocase (login) = tc_nocase ($1) "
                           "AND id <> $2",
                           "ss", row->login, row->associate->id);
      if (taken == NULL)
        return FALSE;
      if (PQntuples (taken) > 0)
        {
          tc_store_add_problem (problems, row->line, "login “%s” belongs to another associate",
                                row->login);
          continue;
        }
      if (before == NULL && hash == NULL)
        {
          tc_store_add_problem (problems, row->line, "a new associate needs a password");
          continue;
        }

      if (!tc_pg_command (tx->conn, error, NULL,
                          "INSERT INTO associates (id, login, password_hash, name, email, phone, "
                          "  sponsor_id, enroller_id, marketing_site_url, offline_channel, updated_at) "
                          "VALUES ($1, $2, COALESCE ($3, ''), $4, $5, $6, $7, $8, $9, "
                          "  COALESCE ($10, 'email'), $11) "
                          "ON CONFLICT (id) DO UPDATE SET login = excluded.login, "
                          "  password_hash = COALESCE ($3, associates.password_hash), "
                          "  name = excluded.name, email = excluded.email, phone = excluded.phone, "
                          "  sponsor_id = excluded.sponsor_id, enroller_id = excluded.enroller_id, "
                          "  marketing_site_url = excluded.marketing_site_url, "
                          "  offline_channel = excluded.offline_channel, updated_at = excluded.updated_at",
                          "ssssssssssi", row->associate->id, row->login, hash, row->associate->name,
                          row->associate->email, row->associate->phone, row->associate->sponsor_id,
                          row->associate->enroller_id, row->associate->marketing_site_url,
                          row->associate->offline_channel, now))
        return FALSE;

      if (before == NULL)
        job->result.created++;
      else
        job->result.updated++;
      /* A new password (the Web Office reset it) logs out every device. */
      if (before != NULL && hash != NULL)
        {
          if (!tc_pg_command (tx->conn, error, NULL, "DELETE FROM sessions WHERE associate_id = $1",
                              "s", row->associate->id))
            return FALSE;
          job->result.passwords_changed++;
        }
      if (tc_store_member_changed (before, row->associate))
        g_ptr_array_add (changed, row);
    }

  /* References and cycles can only be judged once every row is in. */
  for (guint i = 0; i < job->rows->len; i++)
    {
      TcImportRow *row = g_ptr_array_index (job->rows, i);
      const char *parents[] = { row->associate->sponsor_id, row->associate->enroller_id };
      const char *roles[] = { "sponsor", "enroller" };
      int cycle;

      for (guint p = 0; p < G_N_ELEMENTS (parents); p++)
        {
          int exists;

          if (parents[p] == NULL)
            continue;
          exists = associate_exists (tx->conn, parents[p], error);
          if (exists < 0)
            return FALSE;
          if (!exists)
            tc_store_add_problem (problems, row->line, "%s “%s” is not a known associate",
                                  roles[p], parents[p]);
        }
      cycle = is_ancestor (tx->conn, row->associate->id, row->associate->id, error);
      if (cycle < 0)
        return FALSE;
      if (cycle > 0)
        tc_store_add_problem (problems, row->line,
                              "associate “%s” would be their own sponsor or enroller (a cycle)",
                              row->associate->id);
    }

  if (problems->len > 0)
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID, problems->str);
      return FALSE;
    }

  /* Tell everyone whose team list shows a changed associate. */
  for (guint i = 0; i < changed->len; i++)
    {
      TcImportRow *row = g_ptr_array_index (changed, i);
      g_autoptr(GPtrArray) ids = team_ids (tx->conn, row->associate->id, error);

      if (ids == NULL)
        return FALSE;
      for (guint j = 0; j < ids->len; j++)
        tc_pg_tx_append_event (tx, g_ptr_array_index (ids, j), "member", 0, NULL, NULL, 0,
                               row->associate->id, now);
    }
  return TRUE;
}

/* Associate id → stored password hash, to tell a changed password from
 * the same one imported again. */
static gboolean
password_hashes_read (TcPgTx   *tx,
                      gpointer  data,
                      GError  **error)
{
  GHashTable *hashes = data;
  g_autoptr(PGresult) res = tc_pg_query (tx->conn, error,
                                         "SELECT id, password_hash FROM associates", "");

  if (res == NULL)
    return FALSE;
  g_hash_table_remove_all (hashes);
  for (int r = 0; r < PQntuples (res); r++)
    g_hash_table_insert (hashes, tc_pg_text (res, r, 0), tc_pg_text (res, r, 1));
  return TRUE;
}

static gboolean
tc_pg_store_import_associates (TcStore        *store,
                               GPtrArray      *rows,
                               TcImportResult *result,
                               GError        **error)
{
  ImportJob job = { rows, NULL, { 0, } };
  g_autoptr(GHashTable) current = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  gboolean ok;

  if (!tc_pg_store_read (TC_PG_STORE (store), password_hashes_read, current, error))
    return FALSE;
  job.hashes = tc_store_hash_passwords (rows, current);
  ok = tc_pg_store_write (TC_PG_STORE (store), import_write, &job, error);
  g_ptr_array_unref (job.hashes);
  if (ok && result != NULL)
    *result = job.result;
  return ok;
}

void
tc_pg_store_team_iface_init (TcStoreInterface *iface)
{
  iface->authenticate = tc_pg_store_authenticate;
  iface->create_session = tc_pg_store_create_session;
  iface->lookup_session = tc_pg_store_lookup_session;
  iface->delete_session = tc_pg_store_delete_session;
  iface->revoke_sessions = tc_pg_store_revoke_sessions;
  iface->find_ended_sessions = tc_pg_store_find_ended_sessions;
  iface->get_me = tc_pg_store_get_me;
  iface->set_offline_channel = tc_pg_store_set_offline_channel;
  iface->is_team = tc_pg_store_is_team;
  iface->list_team = tc_pg_store_list_team;
  iface->list_team_ids = tc_pg_store_list_team_ids;
  iface->get_dashboard = tc_pg_store_get_dashboard;
  iface->import_associates = tc_pg_store_import_associates;
}
