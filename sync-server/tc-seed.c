/* tc-seed.c: the demo team and its chat history (seed-demo) */
#include "config.h"

#include <glib/gstdio.h>

#include "tc-demo-media.h"
#include "tc-demo-team.h"
#include "tc-error.h"
#include "tc-media-import.h"
#include "tc-seed.h"
#include "tc-uuid.h"

#define SEED_BATCH 500

typedef struct {
  char      *id;
  GPtrArray *team;   /* char * */
} Member;

static void
member_free (Member *member)
{
  g_free (member->id);
  g_clear_pointer (&member->team, g_ptr_array_unref);
  g_free (member);
}

static int
compare_times (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

gboolean
tc_seed_demo (TcStore        *store,
              guint           n_messages,
              guint           days,
              TcSeedResult   *result,
              GError        **error)
{
  g_autoptr(GPtrArray) rows = tc_demo_team_rows ();
  g_autoptr(GPtrArray) members = g_ptr_array_new_with_free_func ((GDestroyNotify) member_free);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261124);   /* not a secret: reproducible data */
  g_autoptr(GArray) times = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n_messages);
  const char *const *bodies;
  guint n_bodies;
  TcImportResult imported = { 0, 0 };
  gint64 now = g_get_real_time ();
  gint64 span = (gint64) days * G_USEC_PER_SEC * 60 * 60 * 24;
  guint sent = 0;
  guint created = 0;

  g_return_val_if_fail (TC_IS_STORE (store), FALSE);
  g_return_val_if_fail (days > 0, FALSE);

  if (!tc_store_import_associates (store, rows, &imported, error))
    return FALSE;

  for (guint i = 0; i < rows->len; i++)
    {
      TcImportRow *row = g_ptr_array_index (rows, i);
      Member *member = g_new0 (Member, 1);

      member->id = g_strdup (row->associate->id);
      member->team = tc_store_list_team_ids (store, member->id, error);
      if (member->team == NULL)
        {
          member_free (member);
          return FALSE;
        }
      g_ptr_array_add (members, member);
    }

  /* Sorted times: messages are stored oldest first, like real history. */
  for (guint i = 0; i < n_messages; i++)
    {
      /* Leave the last minute free so nothing lands in the future. */
      gint64 t = now - 60 * G_USEC_PER_SEC - (gint64) (g_rand_double (rand) * (double) span);
      g_array_append_val (times, t);
    }
  g_array_sort (times, compare_times);

  bodies = tc_demo_message_bodies (&n_bodies);
  while (sent < n_messages)
    {
      g_autoptr(GPtrArray) senders = g_ptr_array_new ();
      g_autoptr(GPtrArray) requests = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_send_request_free);
      g_autoptr(GArray) batch_times = g_array_new (FALSE, FALSE, sizeof (gint64));

      for (; sent < n_messages && requests->len < SEED_BATCH; sent++)
        {
          /* A third of the history involves the top demo login, so whoever
           * tries the demo first sees lively conversations. */
          Member *from;
          const char *to;
          TcSendRequest *request;

          if (g_rand_int_range (rand, 0, 3) == 0)
            from = g_ptr_array_index (members, 0);
          else
            from = g_ptr_array_index (members, g_rand_int_range (rand, 0, (gint32) members->len));
          if (from->team->len == 0)
            continue;
          to = g_ptr_array_index (from->team, g_rand_int_range (rand, 0, (gint32) from->team->len));

          request = tc_send_request_new ();
          request->client_id = tc_uuid_new ();
          g_ptr_array_add (request->to, g_strdup (to));
          g_free (request->body);
          request->body = g_strdup (bodies[g_rand_int_range (rand, 0, (gint32) n_bodies)]);
          g_ptr_array_add (requests, request);
          created++;
          g_ptr_array_add (senders, from->id);
          g_array_append_val (batch_times, g_array_index (times, gint64, sent));
        }
      if (requests->len > 0 &&
          !tc_store_send_batch (store, senders, requests, batch_times, error))
        return FALSE;
    }

  if (result != NULL)
    {
      result->associates = rows->len;
      result->messages = created;
    }
  return TRUE;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      dir = g_dir_open (path, 0, NULL);
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

gboolean
tc_seed_demo_media (TcStore              *store,
                    TcMediaLibrary       *library,
                    TcMediaImportResult  *result,
                    GError              **error)
{
  g_autofree char *source = g_dir_make_tmp ("teamchat-demo-media-XXXXXX", error);
  gboolean ok;

  g_return_val_if_fail (TC_IS_STORE (store), FALSE);
  g_return_val_if_fail (TC_IS_MEDIA_LIBRARY (library), FALSE);

  if (source == NULL)
    return FALSE;
  ok = tc_demo_media_write (source, error) > 0 &&
       tc_media_import_run (store, library, source, result, NULL, error);
  remove_tree (source);
  return ok;
}

/* A short, recent conversation between the top demo login and Kwame in
 * which files of the demo library are shared, so the demo shows
 * attachment cards. Fixed client ids: seeding again adds nothing. */
static const struct {
  const char *client_id;
  const char *from;
  const char *to;
  const char *body;
  const char *titles[3];
} demo_shares[] = {
  { "0193a6f0-0000-7000-8000-000000000001", TC_DEMO_TOP_ID, TC_DEMO_MEMBER_ID,
    "Here is the new catalog for your customers.", { "Spring catalog 2026", NULL } },
  { "0193a6f0-0000-7000-8000-000000000002", TC_DEMO_MEMBER_ID, TC_DEMO_TOP_ID,
    "Thank you! Do you have the price lists too?", { NULL } },
  { "0193a6f0-0000-7000-8000-000000000003", TC_DEMO_TOP_ID, TC_DEMO_MEMBER_ID,
    "Both of them, US and UK.", { "Retail price list US", "Retail price list UK", NULL } },
};

/* The id of the library resource titled exactly @title. */
static char *
find_resource (TcStore     *store,
               const char  *title,
               GError     **error)
{
  g_autoptr(GPtrArray) found = tc_store_media_search (store, title, 20, error);

  if (found == NULL)
    return NULL;
  for (guint i = 0; i < found->len; i++)
    {
      TcResource *resource = g_ptr_array_index (found, i);

      if (g_strcmp0 (resource->title, title) == 0)
        return g_strdup (resource->id);
    }
  g_set_error (error, TC_ERROR, TC_ERROR_NOT_FOUND, "the demo library has no “%s”", title);
  return NULL;
}

gboolean
tc_seed_demo_shares (TcStore  *store,
                     guint    *n_created,
                     GError  **error)
{
  gint64 now = g_get_real_time ();

  g_return_val_if_fail (TC_IS_STORE (store), FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (demo_shares); i++)
    {
      g_autoptr(TcSendRequest) request = tc_send_request_new ();
      g_autoptr(GPtrArray) sent = NULL;
      gboolean created = FALSE;
      /* A few minutes apart, ending a minute ago. */
      gint64 when = now - (gint64) (G_N_ELEMENTS (demo_shares) - i) * 3 * 60 * G_USEC_PER_SEC;

      request->client_id = g_strdup (demo_shares[i].client_id);
      g_ptr_array_add (request->to, g_strdup (demo_shares[i].to));
      g_free (request->body);
      request->body = g_strdup (demo_shares[i].body);
      for (guint j = 0; demo_shares[i].titles[j] != NULL; j++)
        {
          char *id = find_resource (store, demo_shares[i].titles[j], error);

          if (id == NULL)
            return FALSE;
          g_ptr_array_add (request->attachments, id);
        }
      sent = tc_store_send_messages (store, demo_shares[i].from, request, when,
                                     &created, error);
      if (sent == NULL)
        return FALSE;
      if (created && n_created != NULL)
        (*n_created)++;
    }
  return TRUE;
}
