/* test-media-browser.c: the attachment browser's model (TcMediaBrowser) and the
 * attachment cache (TcMediaCache, TcDownload) against the real server:
 * browsing kept in the replica and shown offline, clear failures when
 * nothing was kept, shared and resumable downloads, thumbnails on disk */
#include <string.h>
#include <glib/gstdio.h>

#include "tc-app-test.h"
#include "tc-error.h"
#include "tc-media-browser.h"
#include "tc-media-cache.h"
#include "tc-test-server.h"

#define VIDEO_SIZE (300 * 1024 + 17)

/* An 8 × 6 RGB PNG. */
static const char png_bytes[] =
  "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00"
  "\x00\x08\x00\x00\x00\x06\x08\x02\x00\x00\x00\x71\x67\x48\xac\x00\x00\x00"
  "\x63\x49\x44\x41\x54\x78\xda\x0d\xc9\x21\x01\x00\x41\x08\x45\x41\x92\xa0"
  "\x09\xb1\x21\xd0\x9b\xe4\xcb\x97\x02\x4d\x88\x0d\x81\x26\xd1\xdd\xd8\x31"
  "\x33\xdc\x38\xc6\x35\x64\x94\xf1\x8c\x35\xcc\x02\x0f\x4e\x70\x03\x05\x15"
  "\xbc\x60\xe3\x8f\xc4\x93\x93\xdc\x44\x49\x25\x2f\xd9\xfc\x43\xb8\x38\xe2"
  "\x0a\x89\x12\x4f\xac\xfe\x68\xbc\x39\xcd\x6d\xd4\x54\xf3\x9a\xed\x3f\x06"
  "\x1f\xce\x70\x07\x0d\x35\xbc\x61\x87\x0f\xcc\x7f\x3e\x71\x8f\xb9\xa0\x71"
  "\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";

typedef struct {
  TcTestServer *server;
  TcApiClient  *client;
  TcReplica    *replica;
  char         *replica_path;
  char         *cache_dir;
} Fixture;

static void
write_source_file (const char *source,
                   const char *rel,
                   const void *data,
                   gsize       len)
{
  g_autofree char *path = g_build_filename (source, rel, NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, data, (gssize) len, NULL));
}

static GBytes *
video_bytes (void)
{
  guint8 *data = g_malloc (VIDEO_SIZE);

  for (gsize i = 0; i < VIDEO_SIZE; i++)
    data[i] = (guint8) ((i * 7919) >> 3);
  return g_bytes_new_take (data, VIDEO_SIZE);
}

/* Brochures › Catalogs: catalog.pdf
 * Training videos › Getting started: welcome.webm (described "Le début")
 * Images: logo.png */
static void
import_library (TcTestServer *server)
{
  g_autofree char *source = g_build_filename (tc_test_server_get_tmpdir (server), "source", NULL);
  g_autoptr(GBytes) video = video_bytes ();
  g_autofree char *out = NULL;

  write_source_file (source, "Training videos/Getting started/welcome.webm",
                     g_bytes_get_data (video, NULL), g_bytes_get_size (video));
  write_source_file (source, "Training videos/Getting started/welcome.webm.description",
                     "Le début: bienvenue", strlen ("Le début: bienvenue"));
  write_source_file (source, "Brochures/Catalogs/catalog.pdf", "%PDF-1.4\n", 9);
  write_source_file (source, "Images/logo.png", png_bytes, sizeof png_bytes - 1);
  out = tc_test_server_import_media (server, source);
  g_assert_true (g_str_has_prefix (out, "imported 3 files"));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *token = NULL;
  g_autoptr(GError) error = NULL;

  f->server = tc_test_server_new_or_fail (NULL);
  import_library (f->server);
  token = tc_test_login_as (f->server, "C");
  f->client = tc_api_client_new (tc_test_server_get_base_url (f->server));
  tc_api_client_set_token (f->client, token);
  f->replica_path = g_build_filename (tc_test_server_get_tmpdir (f->server), "replica.db", NULL);
  f->replica = tc_app_test_replica_open (f->replica_path, "C", &error);
  g_assert_no_error (error);
  f->cache_dir = g_build_filename (tc_test_server_get_tmpdir (f->server), "cache", NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->client);
  tc_app_test_replica_close (&f->replica);
  tc_test_server_free (f->server);
  g_free (f->replica_path);
  g_free (f->cache_dir);
}

/* --- the browser ------------------------------------------------------------------------ */

typedef struct {
  TcMediaBrowser      *browser;
  TcMediaBrowserState  state;
} StateWait;

static gboolean
reached_state (gpointer data)
{
  StateWait *wait = data;

  return tc_media_browser_get_state (wait->browser) == wait->state;
}

static void
wait_state (TcMediaBrowser      *browser,
            TcMediaBrowserState  state)
{
  StateWait wait = { browser, state };

  tc_app_test_run_until (reached_state, &wait, "the browser's state");
}

/* Titles of a list of entries, as "Brochures,Images" ("/" after a folder). */
static char *
titles_of (GListModel *model)
{
  GString *titles = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(TcMediaEntry) entry = g_list_model_get_item (model, i);

      g_string_append_printf (titles, "%s%s%s", i > 0 ? "," : "", tc_media_entry_get_title (entry),
                              tc_media_entry_is_folder (entry) ? "/" : "");
    }
  return g_string_free (titles, FALSE);
}

#define assert_titles(model, expected) \
  G_STMT_START { \
    g_autofree char *titles_ = titles_of (model); \
    g_assert_cmpstr (titles_, ==, (expected)); \
  } G_STMT_END

static char *
entry_id (GListModel *model,
          guint       position)
{
  g_autoptr(TcMediaEntry) entry = g_list_model_get_item (model, position);

  g_assert_nonnull (entry);
  return g_strdup (tc_media_entry_get_id (entry));
}

/* Opening the library: the categories, the first one opened; into a
 * folder with breadcrumbs; a search. */
static void
test_browser_online (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(TcMediaBrowser) browser = tc_media_browser_new (f->client, f->replica);
  GListModel *categories = tc_media_browser_get_categories (browser);
  GListModel *items = tc_media_browser_get_items (browser);
  GListModel *path = tc_media_browser_get_path (browser);
  g_autofree char *brochures = NULL;
  g_autofree char *training = NULL;
  g_autofree char *started = NULL;

  g_assert_cmpint (tc_media_browser_get_state (browser), ==, TC_MEDIA_BROWSER_IDLE);
  tc_media_browser_load_categories (browser);
  wait_state (browser, TC_MEDIA_BROWSER_READY);
  assert_titles (categories, "Brochures/,Images/,Training videos/");
  brochures = entry_id (categories, 0);
  g_assert_cmpstr (tc_media_browser_get_folder_id (browser), ==, brochures);
  g_assert_cmpstr (tc_media_browser_get_category_id (browser), ==, brochures);
  assert_titles (path, "Brochures/");
  assert_titles (items, "Catalogs/");
  g_assert_false (tc_media_browser_get_offline (browser));

  training = entry_id (categories, 2);
  tc_media_browser_open_folder (browser, training);
  g_assert_cmpint (tc_media_browser_get_state (browser), ==, TC_MEDIA_BROWSER_LOADING);
  /* While it loads, the breadcrumbs are known already. */
  assert_titles (path, "Training videos/");
  wait_state (browser, TC_MEDIA_BROWSER_READY);
  assert_titles (items, "Getting started/");
  started = entry_id (items, 0);
  tc_media_browser_open_folder (browser, started);
  assert_titles (path, "Training videos/,Getting started/");
  wait_state (browser, TC_MEDIA_BROWSER_READY);
  assert_titles (path, "Training videos/,Getting started/");
  assert_titles (items, "Welcome");

  /* Up through the breadcrumbs. */
  tc_media_browser_open_folder (browser, training);
  assert_titles (path, "Training videos/");
  wait_state (browser, TC_MEDIA_BROWSER_READY);
  tc_media_browser_open_folder (browser, started);
  wait_state (browser, TC_MEDIA_BROWSER_READY);
  g_assert_cmpstr (tc_media_browser_get_category_id (browser), ==, training);
  {
    g_autoptr(TcMediaEntry) video = g_list_model_get_item (items, 0);

    g_assert_cmpint (tc_media_entry_get_resource (video)->size, ==, VIDEO_SIZE);
    g_assert_cmpstr (tc_media_entry_get_resource (video)->mime_type, ==, "video/webm");
  }

  /* A search leaves the folder; clearing it comes back. */
  tc_media_browser_search (browser, "DEBUT");
  g_assert_cmpstr (tc_media_browser_get_query (browser), ==, "DEBUT");
  g_assert_null (tc_media_browser_get_folder_id (browser));
  wait_state (browser, TC_MEDIA_BROWSER_READY);
  assert_titles (items, "Welcome");
  assert_titles (path, "");
  tc_media_browser_search (browser, "nothing like it");
  wait_state (browser, TC_MEDIA_BROWSER_READY);
  assert_titles (items, "");
  tc_media_browser_search (browser, "   ");
  g_assert_null (tc_media_browser_get_query (browser));
  g_assert_cmpstr (tc_media_browser_get_folder_id (browser), ==, started);
  wait_state (browser, TC_MEDIA_BROWSER_READY);
  assert_titles (items, "Welcome");
  assert_titles (path, "Training videos/,Getting started/");

  /* A folder that is not there. */
  tc_media_browser_open_folder (browser, "fld_gone");
  wait_state (browser, TC_MEDIA_BROWSER_FAILED);
  g_assert_cmpstr (tc_media_browser_get_error (browser), ==,
                   "This folder is not in the library any more.");
  assert_titles (items, "");
}

/* What was seen is shown when the server is gone; what was not says so. */
static void
test_browser_offline (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(TcMediaBrowser) online = tc_media_browser_new (f->client, f->replica);
  g_autoptr(TcMediaBrowser) offline = NULL;
  g_autofree char *training = NULL;
  g_autofree char *images = NULL;
  g_autofree char *started = NULL;
  GListModel *items;

  tc_media_browser_load_categories (online);
  wait_state (online, TC_MEDIA_BROWSER_READY);
  training = entry_id (tc_media_browser_get_categories (online), 2);
  images = entry_id (tc_media_browser_get_categories (online), 1);
  tc_media_browser_open_folder (online, training);
  wait_state (online, TC_MEDIA_BROWSER_READY);
  started = entry_id (tc_media_browser_get_items (online), 0);
  tc_media_browser_open_folder (online, started);
  wait_state (online, TC_MEDIA_BROWSER_READY);
  g_clear_object (&online);

  g_assert_true (tc_test_server_stop (f->server));

  offline = tc_media_browser_new (f->client, f->replica);
  items = tc_media_browser_get_items (offline);
  tc_media_browser_load_categories (offline);
  wait_state (offline, TC_MEDIA_BROWSER_READY);
  assert_titles (tc_media_browser_get_categories (offline),
                 "Brochures/,Images/,Training videos/");
  assert_titles (items, "Catalogs/");
  tc_app_test_run_until ((TcAppTestDoneFunc) tc_media_browser_get_offline, offline,
                         "offline shown");

  tc_media_browser_open_folder (offline, started);
  wait_state (offline, TC_MEDIA_BROWSER_READY);
  assert_titles (items, "Welcome");
  assert_titles (tc_media_browser_get_path (offline), "Training videos/,Getting started/");
  tc_app_test_run_until ((TcAppTestDoneFunc) tc_media_browser_get_offline, offline,
                         "offline shown");

  /* Never opened: a sentence saying so and what to do. */
  tc_media_browser_open_folder (offline, images);
  wait_state (offline, TC_MEDIA_BROWSER_FAILED);
  g_assert_nonnull (strstr (tc_media_browser_get_error (offline), "never opened"));
  assert_titles (items, "");
  /* It still says where it is. */
  assert_titles (tc_media_browser_get_path (offline), "Images/");

  /* Search finds what was kept. */
  tc_media_browser_search (offline, "début");
  wait_state (offline, TC_MEDIA_BROWSER_READY);
  assert_titles (items, "Welcome");
  tc_app_test_run_until ((TcAppTestDoneFunc) tc_media_browser_get_offline, offline,
                         "offline shown");

  /* Back online (the server restarts on another port): the server's
   * answer again. */
  g_assert_true (tc_test_server_restart (f->server, NULL));
  {
    g_autofree char *token = tc_test_login_as (f->server, "C");
    g_autoptr(TcApiClient) client = tc_api_client_new (tc_test_server_get_base_url (f->server));
    g_autoptr(TcMediaBrowser) back = NULL;

    tc_api_client_set_token (client, token);
    back = tc_media_browser_new (client, f->replica);
    tc_media_browser_open_folder (back, images);
    wait_state (back, TC_MEDIA_BROWSER_READY);
    assert_titles (tc_media_browser_get_items (back), "Logo");
    g_assert_false (tc_media_browser_get_offline (back));
  }
}

/* Neither server nor replica: nothing to show, and a reason. */
static void
test_browser_nothing (void)
{
  g_autoptr(TcMediaBrowser) browser = tc_media_browser_new (NULL, NULL);

  tc_media_browser_load_categories (browser);
  wait_state (browser, TC_MEDIA_BROWSER_FAILED);
  g_assert_nonnull (strstr (tc_media_browser_get_error (browser), "cannot be reached"));
  tc_media_browser_search (browser, "x");
  wait_state (browser, TC_MEDIA_BROWSER_FAILED);
  g_assert_nonnull (strstr (tc_media_browser_get_error (browser), "cannot be searched"));
}

/* --- the cache ---------------------------------------------------------------------------- */

static TcResource *
find_resource (Fixture    *f,
               const char *query)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) found = NULL;

  tc_api_client_media_search_async (f->client, query, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "search");
  found = tc_api_client_media_search_finish (f->client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 1);
  return tc_resource_copy (g_ptr_array_index (found, 0));
}

static char *
fetch (TcDownload    *download,
       GCancellable  *cancellable,
       GError       **error)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;

  tc_download_fetch_async (download, cancellable, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "fetch");
  return tc_download_fetch_finish (download, result, error);
}

static void
assert_file_is_video (const char *path)
{
  g_autoptr(GBytes) video = video_bytes ();
  g_autofree char *contents = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpmem (contents, len, g_bytes_get_data (video, NULL), g_bytes_get_size (video));
}

typedef struct {
  GArray *fractions;
} Fractions;

static void
on_fraction_cb (TcDownload *download,
                GParamSpec *pspec,
                Fractions  *fractions)
{
  double fraction = tc_download_get_fraction (download);

  g_array_append_val (fractions->fractions, fraction);
}

static void
test_cache_download (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(TcMediaCache) cache = tc_media_cache_new (f->client, f->cache_dir);
  g_autoptr(TcResource) video = find_resource (f, "Welcome");
  g_autoptr(TcDownload) download = tc_media_cache_get_download (cache, video);
  g_autoptr(TcDownload) same = tc_media_cache_get_download (cache, video);
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (double));
  Fractions fractions = { values };
  g_autofree char *expected = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  TcAppTestAsync first = { 0 };
  TcAppTestAsync second = { 0 };
  g_autoptr(GAsyncResult) first_result = NULL;
  g_autoptr(GAsyncResult) second_result = NULL;
  g_autofree char *first_path = NULL;
  g_autofree char *second_path = NULL;

  g_assert_true (download == same);
  expected = g_build_filename (f->cache_dir, "attachments", video->sha256, "Welcome.webm", NULL);
  g_assert_cmpstr (tc_download_get_path (download), ==, expected);
  g_assert_cmpint (tc_download_get_state (download), ==, TC_DOWNLOAD_IDLE);
  g_signal_connect (download, "notify::fraction", G_CALLBACK (on_fraction_cb), &fractions);

  /* Two cards asking at once: one transfer, both answered. */
  tc_download_fetch_async (download, NULL, tc_app_test_async_cb, &first);
  g_assert_cmpint (tc_download_get_state (download), ==, TC_DOWNLOAD_RUNNING);
  tc_download_fetch_async (same, NULL, tc_app_test_async_cb, &second);
  first_result = tc_app_test_async_wait (&first, "first fetch");
  second_result = tc_app_test_async_wait (&second, "second fetch");
  first_path = tc_download_fetch_finish (download, first_result, &error);
  g_assert_no_error (error);
  second_path = tc_download_fetch_finish (download, second_result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (first_path, ==, expected);
  g_assert_cmpstr (second_path, ==, expected);
  assert_file_is_video (expected);
  g_assert_cmpint (tc_download_get_state (download), ==, TC_DOWNLOAD_DONE);
  g_assert_cmpfloat (tc_download_get_fraction (download), ==, 1.0);
  /* Progress went up to the end, never backwards. */
  g_assert_cmpuint (values->len, >=, 2);
  for (guint i = 1; i < values->len; i++)
    g_assert_cmpfloat (g_array_index (values, double, i), >=, g_array_index (values, double, i - 1));

  /* There already: no server needed. */
  g_assert_true (tc_test_server_stop (f->server));
  {
    g_autoptr(TcMediaCache) later = tc_media_cache_new (f->client, f->cache_dir);
    g_autoptr(TcDownload) again = tc_media_cache_get_download (later, video);

    path = fetch (again, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (path, ==, expected);
    g_clear_pointer (&path, g_free);

    /* Gone from the disk and no server: a reason people understand. */
    g_assert_cmpint (g_unlink (expected), ==, 0);
    path = fetch (again, NULL, &error);
    g_assert_null (path);
    g_assert_error (error, TC_ERROR, TC_ERROR_UNAVAILABLE);
    g_assert_cmpint (tc_download_get_state (again), ==, TC_DOWNLOAD_FAILED);
    g_assert_error ((GError *) tc_download_get_error (again), TC_ERROR, TC_ERROR_UNAVAILABLE);
    {
      g_autofree char *sentence = tc_media_cache_describe_error (error);

      g_assert_nonnull (strstr (sentence, "Check your connection"));
    }
    g_clear_error (&error);
  }
}

static void
test_cache_cancel (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(TcMediaCache) cache = tc_media_cache_new (f->client, f->cache_dir);
  g_autoptr(TcResource) video = find_resource (f, "Welcome");
  g_autoptr(TcDownload) download = tc_media_cache_get_download (cache, video);
  g_autoptr(GCancellable) waiting = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;

  /* Cancelling the transfer ends every wait; nothing is at the path. */
  tc_download_fetch_async (download, NULL, tc_app_test_async_cb, &async);
  tc_download_cancel (download);
  result = tc_app_test_async_wait (&async, "cancelled fetch");
  path = tc_download_fetch_finish (download, result, &error);
  g_assert_null (path);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (tc_download_get_state (download), ==, TC_DOWNLOAD_IDLE);
  g_assert_null (tc_download_get_error (download));
  g_assert_false (g_file_test (tc_download_get_path (download), G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  /* A wait given up (its card went away) does not stop the transfer. */
  g_cancellable_cancel (waiting);
  path = fetch (download, waiting, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (path);
  g_assert_cmpint (tc_download_get_state (download), ==, TC_DOWNLOAD_DONE);
  assert_file_is_video (tc_download_get_path (download));
}

static void
test_cache_damaged (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(TcMediaCache) cache = tc_media_cache_new (f->client, f->cache_dir);
  g_autoptr(TcResource) video = find_resource (f, "Welcome");
  g_autoptr(TcDownload) download = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *sentence = NULL;

  /* The bytes are not what the library says: refused, nothing kept. */
  g_free (video->sha256);
  video->sha256 = g_strnfill (64, 'b');
  download = tc_media_cache_get_download (cache, video);
  path = fetch (download, NULL, &error);
  g_assert_null (path);
  g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
  g_assert_false (g_file_test (tc_download_get_path (download), G_FILE_TEST_EXISTS));
  sentence = tc_media_cache_describe_error (error);
  g_assert_nonnull (strstr (sentence, "checksum"));
}

static GBytes *
thumbnail (TcMediaCache      *cache,
           const TcResource  *resource,
           guint              size,
           GError           **error)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;

  tc_media_cache_thumbnail_async (cache, resource, size, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "thumbnail");
  return tc_media_cache_thumbnail_finish (cache, result, error);
}

static gboolean
file_exists (gpointer path)
{
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static void
test_cache_thumbnails (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(TcMediaCache) cache = tc_media_cache_new (f->client, f->cache_dir);
  g_autoptr(TcResource) logo = find_resource (f, "Logo");
  g_autoptr(TcResource) video = find_resource (f, "Welcome");
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GBytes) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("%s-64.png", logo->sha256);
  g_autofree char *kept = g_build_filename (f->cache_dir, "thumbnails", name, NULL);

  g_assert_true (tc_media_cache_has_thumbnail (logo));
  g_assert_false (tc_media_cache_has_thumbnail (video));
  png = thumbnail (cache, logo, 48, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (png), >, 8);
  g_assert_cmpmem (g_bytes_get_data (png, NULL), 8, "\x89PNG\r\n\x1a\n", 8);
  tc_app_test_run_until (file_exists, kept, "the thumbnail on disk");

  /* Not an image: none, and no request. */
  g_assert_null (thumbnail (cache, video, 64, &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Another run, the server gone: from the disk. */
  g_assert_true (tc_test_server_stop (f->server));
  {
    g_autoptr(TcMediaCache) later = tc_media_cache_new (f->client, f->cache_dir);

    again = thumbnail (later, logo, 64, &error);
    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (png, again));
    g_clear_pointer (&again, g_bytes_unref);
    /* Another size was never fetched. */
    again = thumbnail (later, logo, 256, &error);
    g_assert_null (again);
    g_assert_error (error, TC_ERROR, TC_ERROR_UNAVAILABLE);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/media/browser/online", test_browser_online);
  ADD ("/media/browser/offline", test_browser_offline);
  g_test_add_func ("/media/browser/nothing", test_browser_nothing);
  ADD ("/media/cache/download", test_cache_download);
  ADD ("/media/cache/cancel", test_cache_cancel);
  ADD ("/media/cache/damaged", test_cache_damaged);
  ADD ("/media/cache/thumbnails", test_cache_thumbnails);
#undef ADD

  return g_test_run ();
}
