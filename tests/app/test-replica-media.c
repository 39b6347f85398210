/* test-replica-media.c: the library kept in the replica for offline
 * browsing (tc-replica-media.c), and the names of cached attachment files
 * (tc-media-cache.c), without a server */
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>
#include <utime.h>
#include <glib/gstdio.h>

#include "tc-app-test.h"
#include "tc-error.h"
#include "tc-media-cache.h"
#include "tc-replica-media.h"

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

  f->dir = g_dir_make_tmp ("tc-media-XXXXXX", &error);
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

/* --- building library objects ---------------------------------------------------------- */

static TcMediaFolder *
folder_new (const char *id,
            const char *title,
            const char *parent_id)
{
  TcMediaFolder *folder = tc_media_folder_new ();

  folder->id = g_strdup (id);
  folder->title = g_strdup (title);
  folder->parent_id = g_strdup (parent_id);
  return folder;
}

static TcMediaFolder *
folder_add (TcMediaFolder *parent,
            const char    *id,
            const char    *title)
{
  TcMediaFolder *child = folder_new (id, title, parent->id);

  g_ptr_array_add (parent->folders, child);
  return child;
}

static TcResource *
resource_new (const char *id,
              const char *title,
              const char *folder_id,
              const char *description)
{
  TcResource *resource = tc_resource_new ();

  resource->id = g_strdup (id);
  resource->title = g_strdup (title);
  resource->folder_id = g_strdup (folder_id);
  resource->mime_type = g_strdup ("application/pdf");
  resource->size = 1000 + strlen (id);
  resource->description = g_strdup (description);
  resource->sha256 = g_compute_checksum_for_string (G_CHECKSUM_SHA256, id, -1);
  resource->updated_at = G_GINT64_CONSTANT (1790000000) * G_USEC_PER_SEC;
  return resource;
}

/* Brochures ─┬─ Catalogs ── Spring
 *            └─ Opportunity
 * Videos ──── Getting started */
static GPtrArray *
library_tree (void)
{
  GPtrArray *categories = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_media_folder_free);
  TcMediaFolder *brochures = folder_new ("fld_b", "Brochures", NULL);
  TcMediaFolder *videos = folder_new ("fld_v", "Videos", NULL);
  TcMediaFolder *catalogs = folder_add (brochures, "fld_bc", "Catalogs");

  folder_add (catalogs, "fld_bcs", "Spring");
  folder_add (brochures, "fld_bo", "Opportunity");
  folder_add (videos, "fld_vg", "Getting started");
  g_ptr_array_add (categories, brochures);
  g_ptr_array_add (categories, videos);
  return categories;
}

/* The listing of Brochures › Catalogs: Spring, and two resources. */
static TcMediaListing *
catalogs_listing (void)
{
  TcMediaListing *listing = tc_media_listing_new ();

  listing->folder = folder_new ("fld_bc", "Catalogs", "fld_b");
  folder_add (listing->folder, "fld_bcs", "Spring");
  g_ptr_array_add (listing->path, folder_new ("fld_b", "Brochures", NULL));
  g_ptr_array_add (listing->path, folder_new ("fld_bc", "Catalogs", "fld_b"));
  g_ptr_array_add (listing->resources,
                   resource_new ("res_1", "Éclat catalog", "fld_bc", "Spring range, 50% off"));
  g_ptr_array_add (listing->resources,
                   resource_new ("res_2", "Price list", "fld_bc", "Wholesale prices"));
  return listing;
}

/* --- synchronous wrappers ------------------------------------------------------------ */

static void
store_categories (TcReplica *replica,
                  GPtrArray *categories)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  tc_replica_store_media_categories_async (replica, categories, NULL, tc_app_test_async_cb,
                                           &async);
  result = tc_app_test_async_wait (&async, "store categories");
  g_assert_true (tc_replica_store_media_categories_finish (replica, result, &error));
  g_assert_no_error (error);
}

static GPtrArray *
load_categories (TcReplica  *replica,
                 GError    **error)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;

  tc_replica_load_media_categories_async (replica, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "load categories");
  return tc_replica_load_media_categories_finish (replica, result, error);
}

static gboolean
store_listing (TcReplica            *replica,
               const TcMediaListing *listing,
               GError              **error)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;

  tc_replica_store_media_listing_async (replica, listing, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "store listing");
  return tc_replica_store_media_listing_finish (replica, result, error);
}

static TcMediaListing *
load_listing (TcReplica   *replica,
              const char  *id,
              GError     **error)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;

  tc_replica_load_media_listing_async (replica, id, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "load listing");
  return tc_replica_load_media_listing_finish (replica, result, error);
}

/* The ids found, in order, as "res_1,res_2". */
static char *
search_ids (TcReplica  *replica,
            const char *query)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) found = NULL;
  GString *ids = g_string_new (NULL);

  tc_replica_search_media_async (replica, query, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "search");
  found = tc_replica_search_media_finish (replica, result, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < found->len; i++)
    g_string_append_printf (ids, "%s%s", i > 0 ? "," : "",
                            ((TcResource *) g_ptr_array_index (found, i))->id);
  return g_string_free (ids, FALSE);
}

#define assert_finds(replica, query, expected) \
  G_STMT_START { \
    g_autofree char *found_ = search_ids ((replica), (query)); \
    g_assert_cmpstr (found_, ==, (expected)); \
  } G_STMT_END

/* "Brochures(Catalogs(Spring),Opportunity),Videos(Getting started)" */
static void
append_tree (GString   *out,
             GPtrArray *folders)
{
  for (guint i = 0; i < folders->len; i++)
    {
      TcMediaFolder *folder = g_ptr_array_index (folders, i);

      g_string_append_printf (out, "%s%s", i > 0 ? "," : "", folder->title);
      if (folder->folders->len > 0)
        {
          g_string_append_c (out, '(');
          append_tree (out, folder->folders);
          g_string_append_c (out, ')');
        }
    }
}

static char *
tree_text (GPtrArray *categories)
{
  GString *out = g_string_new (NULL);

  append_tree (out, categories);
  return g_string_free (out, FALSE);
}

/* --- tests ------------------------------------------------------------------------------ */

static void
test_nothing_stored (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) categories = load_categories (f->replica, &error);
  g_autoptr(TcMediaListing) listing = NULL;

  g_assert_null (categories);
  g_assert_error (error, TC_ERROR, TC_ERROR_NOT_FOUND);
  g_clear_error (&error);
  listing = load_listing (f->replica, "fld_b", &error);
  g_assert_null (listing);
  g_assert_error (error, TC_ERROR, TC_ERROR_NOT_FOUND);
  assert_finds (f->replica, "catalog", "");
}

static void
test_categories (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GPtrArray) tree = library_tree ();
  g_autoptr(GPtrArray) loaded = NULL;
  g_autoptr(GPtrArray) empty = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  TcMediaFolder *brochures;

  store_categories (f->replica, tree);
  loaded = load_categories (f->replica, &error);
  g_assert_no_error (error);
  text = tree_text (loaded);
  g_assert_cmpstr (text, ==, "Brochures(Catalogs(Spring),Opportunity),Videos(Getting started)");
  brochures = g_ptr_array_index (loaded, 0);
  g_assert_cmpstr (brochures->id, ==, "fld_b");
  g_assert_null (brochures->parent_id);
  g_assert_cmpstr (((TcMediaFolder *) g_ptr_array_index (brochures->folders, 0))->parent_id, ==,
                   "fld_b");

  /* The server's order wins over titles: a renamed category moves last
   * only if the server says so. */
  g_ptr_array_remove_index (tree, 1);
  g_free (((TcMediaFolder *) g_ptr_array_index (tree, 0))->title);
  ((TcMediaFolder *) g_ptr_array_index (tree, 0))->title = g_strdup ("Zines");
  store_categories (f->replica, tree);
  g_clear_pointer (&loaded, g_ptr_array_unref);
  g_clear_pointer (&text, g_free);
  loaded = load_categories (f->replica, &error);
  g_assert_no_error (error);
  text = tree_text (loaded);
  g_assert_cmpstr (text, ==, "Zines(Catalogs(Spring),Opportunity)");

  /* An empty library is stored, not "never seen". */
  store_categories (f->replica, empty);
  g_clear_pointer (&loaded, g_ptr_array_unref);
  loaded = load_categories (f->replica, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (loaded->len, ==, 0);
}

static void
test_listing (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(TcMediaListing) listing = catalogs_listing ();
  g_autoptr(TcMediaListing) loaded = NULL;
  g_autoptr(GError) error = NULL;
  TcResource *first;

  g_assert_true (store_listing (f->replica, listing, &error));
  g_assert_no_error (error);
  loaded = load_listing (f->replica, "fld_bc", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->folder->id, ==, "fld_bc");
  g_assert_cmpstr (loaded->folder->title, ==, "Catalogs");
  g_assert_cmpint (loaded->folder->resource_count, ==, 2);
  g_assert_cmpuint (loaded->path->len, ==, 2);
  g_assert_cmpstr (((TcMediaFolder *) g_ptr_array_index (loaded->path, 0))->title, ==,
                   "Brochures");
  g_assert_cmpstr (((TcMediaFolder *) g_ptr_array_index (loaded->path, 1))->title, ==,
                   "Catalogs");
  g_assert_cmpuint (loaded->folder->folders->len, ==, 1);
  g_assert_cmpstr (((TcMediaFolder *) g_ptr_array_index (loaded->folder->folders, 0))->title, ==,
                   "Spring");
  g_assert_cmpuint (loaded->resources->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    g_assert_true (tc_resource_equal (g_ptr_array_index (loaded->resources, i),
                                      g_ptr_array_index (listing->resources, i)));
  first = g_ptr_array_index (loaded->resources, 0);
  g_assert_cmpstr (first->description, ==, "Spring range, 50% off");
  g_assert_cmpint (first->updated_at, ==, G_GINT64_CONSTANT (1790000000) * G_USEC_PER_SEC);

  /* A folder seen in the path or as a subfolder was not listed itself. */
  g_clear_pointer (&loaded, tc_media_listing_free);
  loaded = load_listing (f->replica, "fld_b", &error);
  g_assert_null (loaded);
  g_assert_error (error, TC_ERROR, TC_ERROR_NOT_FOUND);
  g_clear_error (&error);
  loaded = load_listing (f->replica, "fld_bcs", &error);
  g_assert_null (loaded);
  g_assert_error (error, TC_ERROR, TC_ERROR_NOT_FOUND);
}

/* A listing again: what it no longer has goes, subfolders with all below. */
static void
test_listing_update (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(TcMediaListing) listing = catalogs_listing ();
  g_autoptr(TcMediaListing) spring = tc_media_listing_new ();
  g_autoptr(TcMediaListing) loaded = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (store_listing (f->replica, listing, &error));
  spring->folder = folder_new ("fld_bcs", "Spring", "fld_bc");
  g_ptr_array_add (spring->path, folder_new ("fld_b", "Brochures", NULL));
  g_ptr_array_add (spring->path, folder_new ("fld_bc", "Catalogs", "fld_b"));
  g_ptr_array_add (spring->path, folder_new ("fld_bcs", "Spring", "fld_bc"));
  g_ptr_array_add (spring->resources, resource_new ("res_s", "Spring flyer", "fld_bcs", NULL));
  g_assert_true (store_listing (f->replica, spring, &error));
  assert_finds (f->replica, "flyer", "res_s");

  /* Catalogs now: no Spring, "res_2" renamed, "res_1" gone, a new one. */
  g_ptr_array_set_size (listing->folder->folders, 0);
  g_ptr_array_remove_index (listing->resources, 0);
  g_free (((TcResource *) g_ptr_array_index (listing->resources, 0))->title);
  ((TcResource *) g_ptr_array_index (listing->resources, 0))->title = g_strdup ("Prices 2026");
  g_ptr_array_add (listing->resources, resource_new ("res_3", "Order form", "fld_bc", NULL));
  g_assert_true (store_listing (f->replica, listing, &error));
  g_assert_no_error (error);

  loaded = load_listing (f->replica, "fld_bc", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (loaded->folder->folders->len, ==, 0);
  g_assert_cmpuint (loaded->resources->len, ==, 2);
  g_assert_cmpstr (((TcResource *) g_ptr_array_index (loaded->resources, 0))->title, ==,
                   "Prices 2026");
  g_assert_cmpstr (((TcResource *) g_ptr_array_index (loaded->resources, 1))->id, ==, "res_3");
  g_clear_pointer (&loaded, tc_media_listing_free);
  loaded = load_listing (f->replica, "fld_bcs", &error);
  g_assert_error (error, TC_ERROR, TC_ERROR_NOT_FOUND);
  assert_finds (f->replica, "flyer", "");
  assert_finds (f->replica, "eclat", "");
  assert_finds (f->replica, "prices", "res_2");
}

/* A new category tree drops the listings of folders that left it. */
static void
test_categories_drop_listings (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GPtrArray) tree = library_tree ();
  g_autoptr(TcMediaListing) listing = catalogs_listing ();
  g_autoptr(TcMediaListing) loaded = NULL;
  g_autoptr(GError) error = NULL;

  store_categories (f->replica, tree);
  g_assert_true (store_listing (f->replica, listing, &error));

  /* Still in the tree: the listing stays. */
  store_categories (f->replica, tree);
  loaded = load_listing (f->replica, "fld_bc", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (loaded->resources->len, ==, 2);
  g_clear_pointer (&loaded, tc_media_listing_free);

  /* Brochures is gone: Catalogs and its resources with it. */
  g_ptr_array_remove_index (tree, 0);
  store_categories (f->replica, tree);
  loaded = load_listing (f->replica, "fld_bc", &error);
  g_assert_null (loaded);
  g_assert_error (error, TC_ERROR, TC_ERROR_NOT_FOUND);
  assert_finds (f->replica, "catalog", "");
}

static void
test_search (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(TcMediaListing) listing = catalogs_listing ();
  g_autoptr(GError) error = NULL;

  g_assert_true (store_listing (f->replica, listing, &error));
  /* Case and accents, title or description, inside words. */
  assert_finds (f->replica, "ECLAT", "res_1");
  assert_finds (f->replica, "éclat", "res_1");
  assert_finds (f->replica, "atalo", "res_1");
  assert_finds (f->replica, "wholesale", "res_2");
  assert_finds (f->replica, "  price  ", "res_2");
  assert_finds (f->replica, "p", "res_1,res_2");
  /* LIKE wildcards are ordinary characters. */
  assert_finds (f->replica, "50%", "res_1");
  assert_finds (f->replica, "%", "res_1");
  assert_finds (f->replica, "_", "");
  assert_finds (f->replica, "\\", "");
  /* Not across title and description. */
  assert_finds (f->replica, "catalog spring", "");
  /* Blank finds nothing. */
  assert_finds (f->replica, "   ", "");
  assert_finds (f->replica, NULL, "");
  assert_finds (f->replica, "nothing like it", "");
}

/* Hostile or broken answers are refused whole, and nothing is half-stored. */
static void
test_bad_input (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(TcMediaListing) listing = catalogs_listing ();
  g_autoptr(TcMediaListing) loaded = NULL;
  g_autoptr(GPtrArray) tree = library_tree ();
  g_autoptr(GError) error = NULL;
  TcMediaFolder *deep;
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;

  /* A resource without a title: refused, the folder stays unlisted. */
  g_clear_pointer (&((TcResource *) g_ptr_array_index (listing->resources, 1))->title, g_free);
  g_assert_false (store_listing (f->replica, listing, &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
  g_clear_error (&error);
  loaded = load_listing (f->replica, "fld_bc", &error);
  g_assert_null (loaded);
  g_assert_error (error, TC_ERROR, TC_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A tree deeper than any server makes. */
  deep = g_ptr_array_index (tree, 1);
  for (guint i = 0; i < TC_MEDIA_MAX_DEPTH + 2; i++)
    {
      g_autofree char *id = g_strdup_printf ("fld_deep%u", i);

      deep = folder_add (deep, id, id);
    }
  tc_replica_store_media_categories_async (f->replica, tree, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "store categories");
  g_assert_false (tc_replica_store_media_categories_finish (f->replica, result, &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
  g_clear_error (&error);
  {
    g_autoptr(GPtrArray) none = load_categories (f->replica, &error);

    g_assert_null (none);
    g_assert_error (error, TC_ERROR, TC_ERROR_NOT_FOUND);
  }
}

/* Rows that point at each other (a damaged file) never hang a load. */
static void
test_parent_loop (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GPtrArray) tree = library_tree ();
  g_autoptr(GPtrArray) loaded = NULL;
  g_autoptr(TcMediaListing) listing = catalogs_listing ();
  g_autoptr(TcMediaListing) loop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  sqlite3 *db = NULL;

  store_categories (f->replica, tree);
  g_assert_true (store_listing (f->replica, listing, &error));
  tc_app_test_replica_close (&f->replica);

  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
                                 "UPDATE media_folders SET parent_id = 'fld_bc' WHERE id = 'fld_b';",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  f->replica = tc_app_test_replica_open (f->path, ME, &error);
  g_assert_no_error (error);
  loaded = load_categories (f->replica, &error);
  g_assert_no_error (error);
  text = tree_text (loaded);
  g_assert_cmpstr (text, ==, "Videos(Getting started)");
  loop = load_listing (f->replica, "fld_bc", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (loop->path->len, <=, TC_MEDIA_MAX_DEPTH + 1);
}

/* A replica of schema 5 (before the library was kept) gains the tables,
 * its messages kept. */
static void
test_migrate (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TcMediaListing) listing = catalogs_listing ();
  g_autoptr(TcMediaListing) loaded = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_event_free);
  g_autoptr(GPtrArray) messages = NULL;

  g_ptr_array_add (events, tc_app_test_message_event (1, 1, "B", ME, "kept"));
  tc_app_test_replica_apply (f->replica, events, "1");
  tc_app_test_replica_close (&f->replica);
  tc_app_test_replica_rewind (f->path, 6);

  f->replica = tc_app_test_replica_open (f->path, ME, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tc_replica_schema_version (), >=, 7);   /* the step of the media tables */
  messages = tc_app_test_replica_messages (f->replica, "B", 0, 10);
  g_assert_cmpuint (messages->len, ==, 1);
  g_assert_true (store_listing (f->replica, listing, &error));
  loaded = load_listing (f->replica, "fld_bc", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (loaded->resources->len, ==, 2);
}

/* --- cached file names ------------------------------------------------------------------ */

static char *
file_name (const char *title,
           const char *mime_type)
{
  g_autoptr(TcResource) resource = tc_resource_new ();

  resource->id = g_strdup ("res_x");
  resource->title = g_strdup (title);
  resource->mime_type = g_strdup (mime_type);
  return tc_media_cache_file_name (resource);
}

#define assert_file_name(title, mime_type, expected) \
  G_STMT_START { \
    g_autofree char *name_ = file_name ((title), (mime_type)); \
    g_assert_cmpstr (name_, ==, (expected)); \
  } G_STMT_END

static void
test_file_names (void)
{
  g_autofree char *long_title = g_strnfill (300, 'a');
  g_autofree char *long_name = NULL;
  g_autoptr(TcResource) resource = tc_resource_new ();
  g_autoptr(TcMediaCache) cache = NULL;
  g_autofree char *path = NULL;
  g_autofree char *expected = NULL;

  assert_file_name ("Spring catalog 2026", "application/pdf", "Spring catalog 2026.pdf");
  assert_file_name ("Team logo", "image/png", "Team logo.png");
  assert_file_name ("photo.JPG", "image/jpeg", "photo.JPG");
  assert_file_name ("photo.jpeg", "image/jpeg", "photo.jpeg.jpg");
  assert_file_name ("report.pdf", "application/pdf", "report.pdf");
  assert_file_name ("Report.PDF", "application/pdf", "Report.PDF");
  assert_file_name ("Welcome", "video/x-msvideo", "Welcome.avi");
  assert_file_name ("Prices", "text/csv", "Prices.csv");
  assert_file_name ("Unknown", "application/x-teamchat-test", "Unknown");
  /* Hostile titles: no folders, not hidden, not an option, never empty. */
  assert_file_name ("../../etc/passwd", "text/plain", "_.._etc_passwd.txt");
  assert_file_name ("a/b\\c", "text/plain", "a_b_c.txt");
  assert_file_name ("line\nbreak\ttab", "text/plain", "line_break_tab.txt");
  assert_file_name (".hidden", "text/plain", "hidden.txt");
  assert_file_name ("--rf", "text/plain", "rf.txt");
  assert_file_name ("", "text/plain", "attachment.txt");
  assert_file_name ("...", NULL, "attachment");
  assert_file_name ("Café crème", "text/plain", "Café crème.txt");
  assert_file_name ("bad \xff utf8", "text/plain", "bad \xef\xbf\xbd utf8.txt");
  long_name = file_name (long_title, "application/pdf");
  g_assert_cmpuint (g_utf8_strlen (long_name, -1), ==, TC_MEDIA_CACHE_MAX_NAME_CHARS + 4);

  /* The folder is the content's SHA-256, so a changed file is a new path. */
  cache = tc_media_cache_new (NULL, "/cache/teamchat");
  resource->id = g_strdup ("res_1");
  resource->title = g_strdup ("Brochure");
  resource->mime_type = g_strdup ("application/pdf");
  resource->sha256 = g_strnfill (64, 'a');
  path = tc_media_cache_path_for (cache, resource);
  expected = g_build_filename ("/cache/teamchat", "attachments", resource->sha256,
                               "Brochure.pdf", NULL);
  g_assert_cmpstr (path, ==, expected);
}

/* A file of @size bytes at DIR/RELATIVE, last changed @days_ago. */
static char *
put_file (const char *dir,
          const char *relative,
          gsize       size,
          int         days_ago)
{
  g_autofree char *path = g_build_filename (dir, relative, NULL);
  g_autofree char *folder = g_path_get_dirname (path);
  g_autofree char *contents = g_strnfill (size, 'x');
  g_autoptr(GError) error = NULL;
  struct utimbuf times;

  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  g_file_set_contents (path, contents, (gssize) size, &error);
  g_assert_no_error (error);
  times.actime = times.modtime = time (NULL) - (time_t) days_ago * 24 * 3600;
  g_assert_cmpint (g_utime (path, &times), ==, 0);
  return g_steal_pointer (&path);
}

static guint64
prune (const char *dir,
       gint64      older_than)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint64 freed = 0;

  tc_media_cache_prune_async (dir, older_than, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "prune");
  g_assert_true (tc_media_cache_prune_finish (result, &freed, &error));
  g_assert_no_error (error);
  return freed;
}

/* What a month left unused goes; what was used stays; nothing outside
 * the cache's own folders is touched, not through a symbolic link either. */
static void
test_prune (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = g_dir_make_tmp ("tc-cache-XXXXXX", &error);
  g_autofree char *dir = g_build_filename (root, "teamchat", NULL);
  g_autofree char *outside = g_build_filename (root, "outside", NULL);
  g_autofree char *link = g_build_filename (dir, "attachments", "linked", NULL);
  g_autofree char *old_folder = g_build_filename (dir, "attachments", "aaaa", NULL);
  g_autofree char *old = put_file (dir, "attachments/aaaa/Old brochure.pdf", 1000, 40);
  g_autofree char *recent = put_file (dir, "attachments/bbbb/Price list.csv", 300, 3);
  g_autofree char *reopened = put_file (dir, "attachments/cccc/Training.mp4", 5000, 60);
  g_autofree char *old_thumbnail = put_file (dir, "thumbnails/dddd-128.png", 200, 31);
  g_autofree char *partial = put_file (dir, "attachments/eeee/Big video.mp4.part", 700, 45);
  g_autofree char *not_ours = put_file (dir, "notes.txt", 10, 400);
  g_autofree char *linked = put_file (outside, "aaaa/precious.pdf", 10, 400);
  gint64 month_ago = g_get_real_time () / G_USEC_PER_SEC - 30 * 24 * 3600;

  g_assert_no_error (error);
  g_assert_cmpint (symlink (outside, link), ==, 0);

  /* Opening a cached file marks it used. */
  tc_media_cache_touch (reopened);

  g_assert_cmpuint (prune (dir, month_ago), ==, 1000 + 200 + 700);
  g_assert_false (g_file_test (old, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (old_folder, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (old_thumbnail, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (partial, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (recent, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (reopened, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (not_ours, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (linked, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (link, G_FILE_TEST_IS_SYMLINK));

  /* Again: nothing more is old enough. */
  g_assert_cmpuint (prune (dir, month_ago), ==, 0);

  /* Everything (logging out without keeping the history). */
  g_assert_cmpuint (prune (dir, G_MAXINT64), ==, 300 + 5000);
  g_assert_false (g_file_test (recent, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (reopened, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (not_ours, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (linked, G_FILE_TEST_IS_REGULAR));

  /* A cache never made: nothing to do, no error. */
  g_assert_cmpuint (prune ("/nonexistent/teamchat", G_MAXINT64), ==, 0);

  g_assert_cmpint (g_unlink (link), ==, 0);
  tc_app_test_remove_tree (root);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/replica-media/nothing-stored", test_nothing_stored);
  ADD ("/replica-media/categories", test_categories);
  ADD ("/replica-media/listing", test_listing);
  ADD ("/replica-media/listing-update", test_listing_update);
  ADD ("/replica-media/categories-drop-listings", test_categories_drop_listings);
  ADD ("/replica-media/search", test_search);
  ADD ("/replica-media/bad-input", test_bad_input);
  ADD ("/replica-media/parent-loop", test_parent_loop);
  ADD ("/replica-media/migrate", test_migrate);
#undef ADD
  g_test_add_func ("/media-cache/file-names", test_file_names);
  g_test_add_func ("/media-cache/prune", test_prune);

  return g_test_run ();
}
