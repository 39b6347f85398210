/* test-media-import.c: `teamchat-server import-media` and the demo library
 * of `seed-demo`, as an administrator runs them: what they print, what
 * lands in the database and the media directory, and what they refuse. */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "tc-media-import.h"
#include "tc-resource.h"
#include "tc-test-server.h"

typedef struct {
  char *tmpdir;
  char *db;
  char *media;
  char *source;
} Fixture;

static void
write_text (const char *dir,
            const char *rel,
            const char *text)
{
  g_autofree char *path = g_build_filename (dir, rel, NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->tmpdir = g_dir_make_tmp ("teamchat-media-import-XXXXXX", NULL);
  g_assert_nonnull (f->tmpdir);
  f->db = tc_test_db_new (f->tmpdir, NULL);
  g_assert_nonnull (f->db);
  f->media = g_build_filename (f->tmpdir, "media", NULL);
  f->source = g_build_filename (f->tmpdir, "source", NULL);

  write_text (f->source, "Brochures/Spring 2026/spring_catalog-2026.pdf", "%PDF-1.4 catalog\n");
  write_text (f->source, "Brochures/Spring 2026/spring_catalog-2026.pdf.description",
              "  The full Spring range, with prices.\n");
  write_text (f->source, "Brochures/Spring 2026/Deep/Deeper/notes.txt", "deep notes\n");
  write_text (f->source, "Price lists/prices.csv", "sku,price\nA,1\n");
  write_text (f->source, "Price lists/.hidden.csv", "not imported\n");
  write_text (f->source, "loose-file.txt", "belongs to no category\n");
}

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

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

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  remove_tree (f->tmpdir);
  tc_test_db_drop (f->db);
  g_free (f->tmpdir);
  g_free (f->db);
  g_free (f->media);
  g_free (f->source);
}

static int
import (Fixture  *f,
        char    **out,
        char    **err)
{
  return tc_test_run_command (out, err, "import-media", "--db", f->db, "--media-dir", f->media,
                              f->source, NULL);
}

static void
assert_one_line_error (int         status,
                       const char *err,
                       const char *needle)
{
  g_assert_cmpint (status, !=, 0);
  g_assert_true (g_str_has_prefix (err, "teamchat-server: "));
  g_assert_nonnull (strchr (err, '\n'));
  g_assert_cmpstr (strchr (err, '\n') + 1, ==, "");
  if (needle != NULL && strstr (err, needle) == NULL)
    g_error ("expected “%s” in: %s", needle, err);
}

/* One text value of the database (a SELECT of one column, one row). */
static char *
query_text (Fixture    *f,
            const char *sql)
{
  return tc_test_db_query (f->db, sql);
}

/* Whether a command has created the database's tables yet. */
static gboolean
has_schema (Fixture *f)
{
  g_autofree char *table = NULL;

  if (!tc_test_db_is_postgresql ())
    return g_file_test (f->db, G_FILE_TEST_EXISTS);
  table = tc_test_db_query (f->db, "SELECT to_regclass ('resources')");
  return table != NULL;
}

/* Asserts the one value @sql selects (NULL: no row). */
static void
assert_query (Fixture    *f,
              const char *sql,
              const char *expected)
{
  g_autofree char *value = query_text (f, sql);

  if (g_strcmp0 (value, expected) != 0)
    g_error ("%s gave “%s”, expected “%s”", sql, value ? value : "(no row)",
             expected ? expected : "(no row)");
}

static guint
count_objects (Fixture *f)
{
  g_autofree char *objects = g_build_filename (f->media, "objects", NULL);
  g_autoptr(GDir) dir = g_dir_open (objects, 0, NULL);
  const char *prefix;
  guint n = 0;

  while (dir != NULL && (prefix = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *sub = g_build_filename (objects, prefix, NULL);
      g_autoptr(GDir) inner = g_dir_open (sub, 0, NULL);

      while (inner != NULL && g_dir_read_name (inner) != NULL)
        n++;
    }
  return n;
}

static void
test_titles (void)
{
  const struct {
    const char *name;
    gboolean    file;
    const char *title;
  } cases[] = {
    { "spring_catalog-2026.pdf", TRUE, "Spring catalog 2026" },
    { "Price list UK.csv", TRUE, "Price list UK" },
    { "Q3 - North region.pdf", TRUE, "Q3 - North region" },
    { "report.v2.pdf", TRUE, "Report.v2" },
    { ".pdf", TRUE, ".pdf" },
    { "__", FALSE, "__" },
    { "training-videos", FALSE, "Training videos" },
    { "Éclat été", FALSE, "Éclat été" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *title = tc_media_import_title (cases[i].name, cases[i].file);
      g_assert_cmpstr (title, ==, cases[i].title);
    }
}

static void
test_import_and_reimport (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *id = NULL;
  g_autofree char *sha = NULL;
  g_autofree char *again = NULL;
  g_autofree char *object = NULL;
  g_autofree char *content = NULL;

  g_assert_cmpint (import (f, &out, &err), ==, 0);
  g_assert_cmpstr (out, ==, "imported 3 files: 3 created, 0 updated, 0 unchanged; 5 new folders\n");
  /* The loose file is named in a warning, not imported. */
  g_assert_nonnull (strstr (err, "loose-file.txt"));

  id = query_text (f, "SELECT id FROM resources WHERE title = 'Spring catalog 2026'");
  g_assert_nonnull (id);
  g_assert_null (strstr (id, "/"));
  g_assert_null (strstr (id, "catalog"));
  assert_query (f, "SELECT description FROM resources WHERE title = 'Spring catalog 2026'", "The full Spring range, with prices.");
  assert_query (f, "SELECT mime_type FROM resources WHERE title = 'Spring catalog 2026'", "application/pdf");
  assert_query (f, "SELECT mime_type FROM resources WHERE title = 'Prices'", "text/csv");
  assert_query (f, "SELECT COUNT(*) FROM media_folders WHERE parent_id IS NULL", "2");
  assert_query (f, "SELECT id FROM resources WHERE title LIKE '%hidden%'", NULL);

  /* The content, stored under its SHA-256. */
  sha = query_text (f, "SELECT sha256 FROM resources WHERE title = 'Spring catalog 2026'");
  g_assert_true (tc_resource_sha256_is_valid (sha));
  {
    g_autofree char *expected = g_compute_checksum_for_string (G_CHECKSUM_SHA256,
                                                               "%PDF-1.4 catalog\n", -1);
    g_assert_cmpstr (sha, ==, expected);
  }
  object = g_build_filename (f->media, "objects", (char[]) { sha[0], sha[1], 0 }, sha + 2, NULL);
  g_assert_true (g_file_get_contents (object, &content, NULL, NULL));
  g_assert_cmpstr (content, ==, "%PDF-1.4 catalog\n");
  g_assert_cmpuint (count_objects (f), ==, 3);

  /* The same tree again: nothing changes, and it says so. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (import (f, &out, NULL), ==, 0);
  g_assert_cmpstr (out, ==,
                   "imported 3 files: 0 created, 0 updated, 3 unchanged; 0 new folders\n"
                   "nothing changed\n");
  again = query_text (f, "SELECT id FROM resources WHERE title = 'Spring catalog 2026'");
  g_assert_cmpstr (again, ==, id);
  g_assert_cmpuint (count_objects (f), ==, 3);
}

static void
test_import_changed_file (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *id = NULL;
  g_autofree char *id_after = NULL;
  g_autofree char *sha_before = NULL;
  g_autofree char *sha_after = NULL;
  g_autofree char *updated_before = NULL;
  g_autofree char *updated_after = NULL;

  g_assert_cmpint (import (f, NULL, NULL), ==, 0);
  id = query_text (f, "SELECT id FROM resources WHERE title = 'Prices'");
  sha_before = query_text (f, "SELECT sha256 FROM resources WHERE title = 'Prices'");
  updated_before = query_text (f, "SELECT updated_at FROM resources WHERE title = 'Prices'");

  g_usleep (2000);
  write_text (f->source, "Price lists/prices.csv", "sku,price\nA,2\nB,3\n");
  write_text (f->source, "Price lists/new list.csv", "sku\n");
  g_assert_cmpint (import (f, &out, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "imported 4 files: 1 created, 1 updated, 2 unchanged; 0 new folders\n");

  id_after = query_text (f, "SELECT id FROM resources WHERE title = 'Prices'");
  sha_after = query_text (f, "SELECT sha256 FROM resources WHERE title = 'Prices'");
  updated_after = query_text (f, "SELECT updated_at FROM resources WHERE title = 'Prices'");
  g_assert_cmpstr (id_after, ==, id);
  g_assert_cmpstr (sha_after, !=, sha_before);
  assert_query (f, "SELECT size FROM resources WHERE title = 'Prices'", "18");
  g_assert_cmpint (g_ascii_strtoll (updated_after, NULL, 10), >,
                   g_ascii_strtoll (updated_before, NULL, 10));

  /* A description alone changes the resource too. */
  g_clear_pointer (&out, g_free);
  write_text (f->source, "Price lists/prices.csv.description", "Updated weekly.");
  g_assert_cmpint (import (f, &out, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "imported 4 files: 0 created, 1 updated, 3 unchanged; 0 new folders\n");
}

static void
test_import_bad_input (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *missing = g_build_filename (f->tmpdir, "no-such-dir", NULL);
  g_autofree char *file = g_build_filename (f->source, "Price lists", "prices.csv", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  status = tc_test_run_command (&out, &err, "import-media", "--db", f->db, "--media-dir", f->media,
                                missing, NULL);
  assert_one_line_error (status, err, "no-such-dir");
  g_assert_cmpstr (out, ==, "");
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&out, g_free);

  status = tc_test_run_command (&out, &err, "import-media", "--db", f->db, "--media-dir", f->media,
                                file, NULL);
  assert_one_line_error (status, err, "not a directory");
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&out, g_free);

  status = tc_test_run_command (&out, &err, "import-media", "--db", f->db, f->source, NULL);
  assert_one_line_error (status, err, "--media-dir");
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&out, g_free);

  status = tc_test_run_command (&out, &err, "import-media", "--db", f->db, "--media-dir", f->media,
                                NULL);
  assert_one_line_error (status, err, "SOURCE_DIR");
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&out, g_free);

  status = tc_test_run_command (&out, &err, "import-media", "--db", f->db, "--media-dir", f->media,
                                f->source, f->source, NULL);
  assert_one_line_error (status, err, "unexpected argument");
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&out, g_free);

  /* The media directory inside the source would import itself. */
  {
    g_autofree char *inside = g_build_filename (f->source, "media", NULL);

    status = tc_test_run_command (&out, &err, "import-media", "--db", f->db, "--media-dir", inside,
                                  f->source, NULL);
    assert_one_line_error (status, err, "media directory");
  }
  if (has_schema (f))
    assert_query (f, "SELECT id FROM resources", NULL);
}

static void
test_import_symlinks (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *outside = g_build_filename (f->tmpdir, "secret.txt", NULL);
  g_autofree char *escape = g_build_filename (f->source, "Price lists", "secret.txt", NULL);
  g_autofree char *inside = g_build_filename (f->source, "Price lists", "same-prices.csv", NULL);
  g_autofree char *loop = g_build_filename (f->source, "Brochures", "loop", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  g_assert_cmpint (import (f, NULL, NULL), ==, 0);
  g_assert_cmpuint (count_objects (f), ==, 3);

  /* A link that leads out of SOURCE_DIR fails the whole import, before
   * anything is stored. */
  g_assert_true (g_file_set_contents (outside, "top secret\n", -1, NULL));
  g_assert_cmpint (symlink (outside, escape), ==, 0);
  write_text (f->source, "Price lists/prices.csv", "changed, but not imported\n");
  status = import (f, &out, &err);
  assert_one_line_error (status, err, "outside");
  g_assert_cmpstr (out, ==, "");
  g_assert_cmpuint (count_objects (f), ==, 3);
  assert_query (f, "SELECT id FROM resources WHERE title = 'Secret'", NULL);
  assert_query (f, "SELECT size FROM resources WHERE title = 'Prices'", "14");
  g_assert_cmpint (g_unlink (escape), ==, 0);

  /* ../ in a relative link is no way out either. */
  g_assert_cmpint (symlink ("../../secret.txt", escape), ==, 0);
  g_clear_pointer (&err, g_free);
  status = import (f, NULL, &err);
  assert_one_line_error (status, err, "outside");
  g_assert_cmpint (g_unlink (escape), ==, 0);

  /* A loop back to an ancestor is refused. */
  g_assert_cmpint (symlink ("..", loop), ==, 0);
  g_clear_pointer (&err, g_free);
  status = import (f, NULL, &err);
  assert_one_line_error (status, err, "loops");
  g_assert_cmpint (g_unlink (loop), ==, 0);

  /* A link that stays inside is followed. */
  g_assert_cmpint (symlink ("prices.csv", inside), ==, 0);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (import (f, &out, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "imported 4 files: 1 created, 1 updated, 2 unchanged; 0 new folders\n");
  {
    g_autofree char *same = query_text (f, "SELECT sha256 FROM resources WHERE title = 'Same prices'");
    g_autofree char *prices = query_text (f, "SELECT sha256 FROM resources WHERE title = 'Prices'");

    g_assert_nonnull (same);
    g_assert_cmpstr (same, ==, prices);
  }
}

static void
test_seed_demo_library (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *count = NULL;

  g_assert_cmpint (tc_test_run_command (&out, &err, "seed-demo", "--db", f->db, "--media-dir",
                                        f->media, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "15 library files"));
  count = query_text (f, "SELECT COUNT(*) FROM resources");
  g_assert_cmpstr (count, ==, "15");
  g_assert_cmpuint (count_objects (f), ==, 15);
  assert_query (f, "SELECT COUNT(*) FROM media_folders WHERE parent_id IS NULL", "4");
  assert_query (f, "SELECT COUNT(DISTINCT mime_type) FROM resources", "5");
  assert_query (f, "SELECT mime_type FROM resources WHERE title = 'Welcome to the team'", "video/x-msvideo");

  /* Seeding again: the same files, nothing new. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (tc_test_run_command (&out, NULL, "seed-demo", "--db", f->db, "--media-dir",
                                        f->media, NULL), ==, 0);
  g_clear_pointer (&count, g_free);
  count = query_text (f, "SELECT COUNT(*) FROM resources");
  g_assert_cmpstr (count, ==, "15");
  g_assert_cmpuint (count_objects (f), ==, 15);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/media-import/titles", test_titles);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/media-import/import-and-reimport", test_import_and_reimport);
  ADD ("/media-import/changed-file", test_import_changed_file);
  ADD ("/media-import/bad-input", test_import_bad_input);
  ADD ("/media-import/symlinks", test_import_symlinks);
  ADD ("/media-import/seed-demo", test_seed_demo_library);
#undef ADD
  return g_test_run ();
}
