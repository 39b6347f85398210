/* test-disk-faults.c: a full disk and a read-only database under the real
 * teamchat-server
 *
 * The database lives on a small tmpfs mounted for the test (root is
 * needed; without it the tests are skipped). The disk is filled, or the
 * file system remounted read-only, while the server runs: sends must be
 * refused with 503 and a message, over HTTP and WebSocket, reads must go
 * on, nothing refused may be half-stored, and once space or write access
 * returns the same process must take sends again. At the end the database
 * passes PRAGMA integrity_check and holds exactly what was acknowledged.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "tc-test-server.h"
#include "tc-test-ws.h"

#define CONFIG       "[limits]\nmessages_per_minute=0\n"
#define MAX_SENDS    5000
#define TMPFS_SIZE   "size=6m"

typedef struct {
  char         *dir;
  char         *mount_point;
  char         *db_path;
  gboolean      mounted;
  TcTestServer *server;
  char         *a;
  char         *b;
  GPtrArray    *acked;      /* client ids of the sends that got 201 */
  const char   *expected_reason;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("teamchat-disk-XXXXXX", &error);
  g_assert_no_error (error);
  f->mount_point = g_build_filename (f->dir, "disk", NULL);
  g_assert_cmpint (g_mkdir (f->mount_point, 0700), ==, 0);
  f->db_path = g_build_filename (f->mount_point, "teamchat.db", NULL);
  f->acked = g_ptr_array_new_with_free_func (g_free);
  if (mount ("tmpfs", f->mount_point, "tmpfs", 0, TMPFS_SIZE ",mode=0700") != 0)
    {
      g_autofree char *why = g_strdup_printf ("cannot mount a tmpfs (%s): needs root",
                                              g_strerror (errno));
      g_test_skip (why);
      return;
    }
  f->mounted = TRUE;
  f->server = tc_test_server_start (f->db_path, CONFIG, &error);
  g_assert_no_error (error);
  f->a = tc_test_login_as (f->server, "A");
  f->b = tc_test_login_as (f->server, "B");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_pointer (&f->server, tc_test_server_free);
  if (f->mounted)
    g_assert_cmpint (umount2 (f->mount_point, MNT_DETACH), ==, 0);
  g_rmdir (f->mount_point);
  g_rmdir (f->dir);
  g_free (f->a);
  g_free (f->b);
  g_free (f->db_path);
  g_free (f->mount_point);
  g_free (f->dir);
  g_ptr_array_unref (f->acked);
}

/* --- sending ------------------------------------------------------------------------ */

/* POST /api/v1/messages A → B with a new client id; returns the status and,
 * with 201, remembers the id. */
static guint
send_one (Fixture   *f,
          char     **out_client_id,
          JsonNode **out_answer)
{
  g_autofree char *client_id = tc_test_uuid ();
  g_autofree char *body = g_strnfill (3900, 'd');
  g_autoptr(JsonNode) answer = NULL;
  guint status = 0;

  answer = tc_test_send_message (f->server, f->a, client_id, (const char *[]) { "B", NULL }, body,
                                 &status);
  if (status == 201)
    g_ptr_array_add (f->acked, g_strdup (client_id));
  if (out_client_id != NULL)
    *out_client_id = g_steal_pointer (&client_id);
  if (out_answer != NULL)
    *out_answer = g_steal_pointer (&answer);
  return status;
}

/* Sends until one is refused; asserts it is a 503 with a message, and
 * returns that client id. */
static char *
send_until_refused (Fixture *f)
{
  for (guint i = 0; i < MAX_SENDS; i++)
    {
      g_autofree char *client_id = NULL;
      g_autoptr(JsonNode) answer = NULL;
      guint status = send_one (f, &client_id, &answer);

      if (status == 201)
        continue;
      g_assert_cmpuint (status, ==, 503);
      tc_test_assert_error (answer, "unavailable");
      g_assert_true (g_str_has_prefix (tc_test_get_string (tc_test_object (answer), "message"),
                                       f->expected_reason));
      g_test_message ("refused after %u more sends: %s", i,
                      tc_test_get_string (tc_test_object (answer), "message"));
      return g_steal_pointer (&client_id);
    }
  g_error ("%d sends were all taken", MAX_SENDS);
  return NULL;
}

/* The disk is unusable: sends over HTTP and WebSocket get 503 and store
 * nothing; reads go on. Returns the refused client ids. */
static GPtrArray *
assert_refusing (Fixture *f)
{
  GPtrArray *refused = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(TcTestWs) ws = tc_test_ws_open (f->server, f->a);
  g_autoptr(JsonArray) history = NULL;
  g_autoptr(JsonNode) sync = NULL;
  guint status = 0;

  g_ptr_array_add (refused, send_until_refused (f));
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *client_id = NULL;

      g_assert_cmpuint (send_one (f, &client_id, NULL), ==, 503);
      g_ptr_array_add (refused, g_steal_pointer (&client_id));
    }
  {
    g_autofree char *client_id = tc_test_uuid ();
    g_autofree char *frame = g_strdup_printf ("{\"type\":\"send\",\"ref\":\"%s\",\"client_id\":\"%s\","
                                              "\"to\":[\"B\"],\"body\":\"over the socket\"}",
                                              client_id, client_id);
    g_autoptr(JsonNode) answer = tc_test_ws_request (ws, frame, client_id);
    JsonObject *object = tc_test_object (answer);

    g_assert_cmpstr (tc_test_get_string (object, "type"), ==, "error");
    g_assert_cmpstr (tc_test_get_string (object, "error"), ==, "unavailable");
    g_ptr_array_add (refused, g_steal_pointer (&client_id));
  }

  /* Reading needs no space. */
  history = tc_test_history (f->server, f->b, "A");
  g_assert_cmpuint (json_array_get_length (history), ==, f->acked->len);
  sync = tc_test_request (f->server, "GET", "/api/v1/sync?limit=10", f->b, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  return refused;
}

/* Space or access is back: the same process takes sends again, and every
 * refused client id is new to it (nothing was half-stored). */
static void
assert_resumed (Fixture   *f,
                GPtrArray *refused)
{
  g_assert_cmpuint (send_one (f, NULL, NULL), ==, 201);
  for (guint i = 0; i < refused->len; i++)
    {
      const char *client_id = g_ptr_array_index (refused, i);
      g_autofree char *body = g_strnfill (100, 'r');
      g_autoptr(JsonNode) answer = NULL;
      guint status = 0;

      answer = tc_test_send_message (f->server, f->a, client_id, (const char *[]) { "B", NULL },
                                     body, &status);
      g_assert_cmpuint (status, ==, 201);
      g_ptr_array_add (f->acked, g_strdup (client_id));
    }
}

/* After the server stopped: the file is sound and holds exactly what was
 * acknowledged, once each. */
static void
assert_database_sound (Fixture *f)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_true (tc_test_server_stop (f->server));
  g_assert_cmpint (sqlite3_open_v2 (f->db_path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
  sqlite3_finalize (stmt);

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT COUNT(*), COUNT(DISTINCT client_id) FROM messages",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int64 (stmt, 0), ==, f->acked->len);
  g_assert_cmpint (sqlite3_column_int64 (stmt, 1), ==, f->acked->len);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

/* --- tests -------------------------------------------------------------------------- */

static void
fill_disk (const char *path)
{
  g_autofree char *chunk = g_malloc0 (64 * 1024);
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  gsize total = 0;

  g_assert_cmpint (fd, >=, 0);
  for (;;)
    {
      ssize_t n = write (fd, chunk, 64 * 1024);

      if (n < 0)
        {
          g_assert_cmpint (errno, ==, ENOSPC);
          break;
        }
      total += (gsize) n;
    }
  close (fd);
  g_test_message ("filled the disk with %zu KiB", total / 1024);
}

static void
test_disk_full (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *filler = NULL;
  g_autoptr(GPtrArray) refused = NULL;

  if (!f->mounted)
    return;
  f->expected_reason = "the disk is full";
  for (guint i = 0; i < 5; i++)
    g_assert_cmpuint (send_one (f, NULL, NULL), ==, 201);

  filler = g_build_filename (f->mount_point, "filler", NULL);
  fill_disk (filler);
  refused = assert_refusing (f);

  g_assert_cmpint (g_unlink (filler), ==, 0);
  assert_resumed (f, refused);
  assert_database_sound (f);
}

static void
remount (Fixture  *f,
         gboolean  read_only)
{
  g_assert_cmpint (mount ("tmpfs", f->mount_point, "tmpfs",
                          MS_REMOUNT | (read_only ? MS_RDONLY : 0), TMPFS_SIZE ",mode=0700"),
                   ==, 0);
}

/* Linux does not let a file system with files open for writing be
 * remounted read-only (EBUSY), and SQLite keeps its database open for
 * writing: what can be tried without a device mapper is a server started
 * on a read-only database. It must refuse to start with one clear line,
 * as must the commands, and start once the file is writable again. */
static void
test_read_only (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status;

  if (!f->mounted)
    return;
  for (guint i = 0; i < 5; i++)
    g_assert_cmpuint (send_one (f, NULL, NULL), ==, 201);
  g_assert_true (tc_test_server_stop (f->server));

  remount (f, TRUE);
  g_assert_false (tc_test_server_restart (f->server, &error));
  g_test_message ("%s", error->message);
  status = tc_test_run_command (NULL, &err, "purge", "--db", f->db_path, NULL);
  g_test_message ("purge: %s", err);
  g_assert_cmpint (status, !=, 0);
  g_assert_nonnull (strstr (err, "read-only"));
  g_assert_cmpuint (strlen (err), ==, strcspn (err, "\n") + 1);   /* one line */
  g_clear_pointer (&err, g_free);
  status = tc_test_run_command (NULL, &err, "serve", "--db", f->db_path, "--port", "0", NULL);
  g_test_message ("serve: %s", err);
  g_assert_cmpint (status, !=, 0);
  g_assert_nonnull (strstr (err, "read-only"));

  remount (f, FALSE);
  g_clear_error (&error);
  g_assert_true (tc_test_server_restart (f->server, &error));
  g_assert_no_error (error);
  g_free (f->a);
  f->a = tc_test_login_as (f->server, "A");
  g_assert_cmpuint (send_one (f, NULL, NULL), ==, 201);
  assert_database_sound (f);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/disk/full", Fixture, NULL, fixture_setup, test_disk_full, fixture_teardown);
  g_test_add ("/disk/read-only", Fixture, NULL, fixture_setup, test_read_only, fixture_teardown);

  return g_test_run ();
}
