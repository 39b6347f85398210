/* test-media.c: the Documents and Media library endpoints and message
 * attachments against the real teamchat-server: listings, search, content
 * with ETag/304 and Range/206/416, thumbnails, what must never be served,
 * and resources attached to messages (validated, returned as objects,
 * kept by retention). */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gdk-pixbuf/gdk-pixbuf.h>

#include "tc-test-server.h"

#define TO(...) ((const char *[]) { __VA_ARGS__, NULL })

static const char catalog_text[] = "%PDF-1.4\nThe spring catalog, 0123456789 abcdefghij\n";

typedef struct {
  TcTestServer *server;
  char         *source;
  char         *token;      /* alice (A) */
  GHashTable   *ids;        /* title → id, of every folder and resource */
} Fixture;

static void
write_file (const char *dir,
            const char *rel,
            const void *data,
            gssize      len)
{
  g_autofree char *path = g_build_filename (dir, rel, NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, data, len, NULL));
}

static void
write_png (const char *dir,
           const char *rel,
           int         width,
           int         height)
{
  g_autofree char *path = g_build_filename (dir, rel, NULL);
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  g_autoptr(GError) error = NULL;
  g_autofree char *parent = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  gdk_pixbuf_fill (pixbuf, 0x3366ccff);
  gdk_pixbuf_save (pixbuf, path, "png", &error, NULL);
  g_assert_no_error (error);
}

static void
collect_ids (GHashTable *ids,
             JsonArray  *folders)
{
  for (guint i = 0; i < json_array_get_length (folders); i++)
    {
      JsonObject *folder = json_array_get_object_element (folders, i);

      g_hash_table_insert (ids, g_strdup (tc_test_get_string (folder, "title")),
                           g_strdup (tc_test_get_string (folder, "id")));
      collect_ids (ids, tc_test_get_array (folder, "folders"));
    }
}

/* GET @path with alice's token and extra headers (name, value, …, NULL). */
static TcTestResponse *
get (Fixture    *f,
     const char *path,
     const char *first_header,
     ...)
{
  g_autofree char *url = g_strconcat (tc_test_server_get_base_url (f->server), path, NULL);
  g_autofree char *authorization = g_strconcat ("Bearer ", f->token, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers;
  TcTestResponse *response;
  va_list args;

  g_assert_nonnull (msg);
  headers = soup_message_get_request_headers (msg);
  soup_message_headers_replace (headers, "Authorization", authorization);
  va_start (args, first_header);
  for (const char *name = first_header; name != NULL; name = va_arg (args, const char *))
    soup_message_headers_replace (headers, name, va_arg (args, const char *));
  va_end (args);

  response = g_new0 (TcTestResponse, 1);
  response->body = soup_session_send_and_read (tc_test_server_get_session (f->server), msg, NULL,
                                               &error);
  g_assert_no_error (error);
  response->status = soup_message_get_status (msg);
  response->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  if (g_strcmp0 (soup_message_headers_get_content_type (response->headers, NULL),
                 "application/json") == 0)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      gsize len;
      const char *data = g_bytes_get_data (response->body, &len);

      g_assert_true (json_parser_load_from_data (parser, data, (gssize) len, NULL));
      response->json = json_node_copy (json_parser_get_root (parser));
    }
  return response;
}

static JsonNode *
get_json (Fixture    *f,
          const char *path,
          guint       expected_status)
{
  g_autoptr(TcTestResponse) response = get (f, path, NULL);

  if (response->status != expected_status)
    g_error ("GET %s answered %u, expected %u", path, response->status, expected_status);
  g_assert_nonnull (response->json);
  if (expected_status >= 400)
    tc_test_assert_error (response->json, NULL);
  return json_node_ref (response->json);
}

static const char *
id_of (Fixture    *f,
       const char *title)
{
  const char *id = g_hash_table_lookup (f->ids, title);

  if (id == NULL)
    g_error ("no folder or resource titled “%s”", title);
  return id;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autoptr(JsonNode) categories = NULL;
  g_autoptr(GPtrArray) folder_ids = g_ptr_array_new_with_free_func (g_free);

  f->server = tc_test_server_new_or_fail (NULL);
  f->source = g_build_filename (tc_test_server_get_tmpdir (f->server), "source", NULL);
  f->ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  write_file (f->source, "Brochures/Spring/Spring catalog.pdf", catalog_text, -1);
  write_file (f->source, "Brochures/Spring/Spring catalog.pdf.description",
              "Prices for the Été collection", -1);
  write_file (f->source, "Brochures/Spring/Older/Winter flyer.pdf", "%PDF-1.4\nwinter\n", -1);
  write_file (f->source, "Brochures/Éclat_brochure.pdf", "%PDF-1.4\néclat\n", -1);
  write_file (f->source, "Brochures/100% natural.txt", "percent\n", -1);
  write_file (f->source, "Brochures/Empty file.txt", "", 0);
  g_assert_cmpint (g_mkdir_with_parents (f->source, 0755), ==, 0);
  write_png (f->source, "Images/Photo.png", 300, 200);
  for (guint i = 1; i <= 11; i++)
    {
      g_autofree char *rel = g_strdup_printf ("Price lists/Sheets/Sheet %02u.csv", i);
      g_autofree char *text = g_strdup_printf ("sheet,%u\n", i);

      write_file (f->source, rel, text, -1);
    }

  out = tc_test_server_import_media (f->server, f->source);
  g_assert_true (g_str_has_prefix (out, "imported 17 files: 17 created"));

  f->token = tc_test_login_as (f->server, "A");
  categories = get_json (f, "/api/v1/media/categories", 200);
  collect_ids (f->ids, tc_test_get_array (tc_test_object (categories), "categories"));
  /* Resources: list every folder. */
  {
    GHashTableIter iter;
    const char *id;

    g_hash_table_iter_init (&iter, f->ids);
    while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &id))
      g_ptr_array_add (folder_ids, g_strdup (id));
  }
  for (guint i = 0; i < folder_ids->len; i++)
    {
      g_autofree char *path = g_strconcat ("/api/v1/media/folders/",
                                           (char *) g_ptr_array_index (folder_ids, i), NULL);
      g_autoptr(JsonNode) listing = get_json (f, path, 200);
      JsonArray *resources = tc_test_get_array (tc_test_object (listing), "resources");

      for (guint j = 0; j < json_array_get_length (resources); j++)
        {
          JsonObject *resource = json_array_get_object_element (resources, j);

          g_hash_table_insert (f->ids, g_strdup (tc_test_get_string (resource, "title")),
                               g_strdup (tc_test_get_string (resource, "id")));
        }
    }
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_pointer (&f->server, tc_test_server_free);
  g_clear_pointer (&f->ids, g_hash_table_unref);
  g_free (f->source);
  g_free (f->token);
}

static char *
content_path (Fixture    *f,
              const char *title)
{
  return g_strdup_printf ("/api/v1/media/resources/%s/content", id_of (f, title));
}

static const char *
header (TcTestResponse *response,
        const char     *name)
{
  return soup_message_headers_get_one (response->headers, name);
}

static void
assert_body (TcTestResponse *response,
             const char     *expected,
             gsize           len)
{
  gsize got;
  const char *data = g_bytes_get_data (response->body, &got);

  g_assert_cmpmem (data, got, expected, len);
}

/* --- listings ------------------------------------------------------------------ */

static void
test_unauthorized (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *content = content_path (f, "Spring catalog");
  g_autofree char *thumbnail = g_strdup_printf ("/api/v1/media/resources/%s/thumbnail",
                                                id_of (f, "Photo"));
  g_autofree char *folder = g_strdup_printf ("/api/v1/media/folders/%s", id_of (f, "Brochures"));
  const char *paths[] = { "/api/v1/media/categories", folder, "/api/v1/media/search?q=spring",
                          content, thumbnail };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(TcTestResponse) none = tc_test_send (f->server, "GET", paths[i], NULL, NULL, NULL, 0);
      g_autoptr(TcTestResponse) wrong = tc_test_send (f->server, "GET", paths[i],
                                                      "Bearer tc1_not-a-real-token", NULL, NULL, 0);

      g_assert_cmpuint (none->status, ==, 401);
      tc_test_assert_error (none->json, "unauthorized");
      g_assert_cmpuint (wrong->status, ==, 401);
      g_assert_cmpuint (g_bytes_get_size (wrong->body), <, 200);
    }
}

static void
test_categories (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(JsonNode) answer = get_json (f, "/api/v1/media/categories", 200);
  JsonArray *categories = tc_test_get_array (tc_test_object (answer), "categories");
  JsonObject *brochures, *spring;
  JsonArray *folders;

  g_assert_cmpuint (json_array_get_length (categories), ==, 3);
  brochures = json_array_get_object_element (categories, 0);
  g_assert_cmpstr (tc_test_get_string (brochures, "title"), ==, "Brochures");
  g_assert_true (tc_test_is_null_member (brochures, "parent_id"));
  g_assert_cmpint (tc_test_get_int (brochures, "resource_count"), ==, 3);
  g_assert_cmpstr (tc_test_get_string (json_array_get_object_element (categories, 1), "title"), ==,
                   "Images");
  g_assert_cmpstr (tc_test_get_string (json_array_get_object_element (categories, 2), "title"), ==,
                   "Price lists");

  folders = tc_test_get_array (brochures, "folders");
  g_assert_cmpuint (json_array_get_length (folders), ==, 1);
  spring = json_array_get_object_element (folders, 0);
  g_assert_cmpstr (tc_test_get_string (spring, "title"), ==, "Spring");
  g_assert_cmpstr (tc_test_get_string (spring, "parent_id"), ==,
                   tc_test_get_string (brochures, "id"));
  g_assert_cmpuint (json_array_get_length (tc_test_get_array (spring, "folders")), ==, 1);
  /* Ids are opaque: no names or paths in them. */
  g_assert_null (strstr (tc_test_get_string (spring, "id"), "Spring"));
  g_assert_null (strchr (tc_test_get_string (spring, "id"), '/'));
}

static void
test_folder (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/media/folders/%s", id_of (f, "Spring"));
  g_autoptr(JsonNode) answer = get_json (f, path, 200);
  JsonObject *object = tc_test_object (answer);
  JsonArray *resources = tc_test_get_array (object, "resources");
  JsonArray *folders = tc_test_get_array (object, "folders");
  JsonArray *crumbs = tc_test_get_array (object, "path");
  JsonObject *catalog;

  g_assert_cmpuint (json_array_get_length (folders), ==, 1);
  g_assert_cmpstr (tc_test_get_string (json_array_get_object_element (folders, 0), "title"), ==,
                   "Older");
  g_assert_cmpuint (json_array_get_length (resources), ==, 1);
  catalog = json_array_get_object_element (resources, 0);
  g_assert_cmpstr (tc_test_get_string (catalog, "title"), ==, "Spring catalog");
  g_assert_cmpstr (tc_test_get_string (catalog, "mime_type"), ==, "application/pdf");
  g_assert_cmpint (tc_test_get_int (catalog, "size"), ==, strlen (catalog_text));
  g_assert_cmpstr (tc_test_get_string (catalog, "folder_id"), ==, id_of (f, "Spring"));
  g_assert_cmpstr (tc_test_get_string (catalog, "description"), ==, "Prices for the Été collection");
  {
    g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, catalog_text, -1);
    g_assert_cmpstr (tc_test_get_string (catalog, "sha256"), ==, sha);
  }
  g_assert_nonnull (tc_test_get_string (catalog, "updated_at"));

  g_assert_cmpuint (json_array_get_length (crumbs), ==, 2);
  g_assert_cmpstr (tc_test_get_string (json_array_get_object_element (crumbs, 0), "title"), ==,
                   "Brochures");
  g_assert_cmpstr (tc_test_get_string (json_array_get_object_element (crumbs, 1), "title"), ==,
                   "Spring");
  g_assert_cmpstr (tc_test_get_string (tc_test_get_object (object, "folder"), "id"), ==,
                   id_of (f, "Spring"));
}

static void
test_unknown_ids (Fixture       *f,
                  gconstpointer  data)
{
  const char *paths[] = {
    "/api/v1/media/folders/fld_00000000000000000000000000000000",
    "/api/v1/media/folders/Brochures",
    "/api/v1/media/folders/..%2F..%2Fetc",
    "/api/v1/media/folders/%2e%2e",
    "/api/v1/media/folders/%00",
    "/api/v1/media/resources/res_00000000000000000000000000000000/content",
    "/api/v1/media/resources/..%2F..%2F..%2Fetc%2Fpasswd/content",
    "/api/v1/media/resources/%2e%2e%2f%2e%2e%2fteamchat.db/content",
    "/api/v1/media/resources/../../teamchat.db/content",
    "/api/v1/media/resources/..%5C..%5Cteamchat.db/content",
    "/api/v1/media/resources/objects/content",
    "/api/v1/media/resources/res_00000000000000000000000000000000/thumbnail",
  };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(TcTestResponse) response = get (f, paths[i], NULL);

      g_test_message ("GET %s → %u", paths[i], response->status);
      /* libsoup itself refuses some of these as malformed (400). */
      if (response->status != 400)
        {
          g_assert_cmpuint (response->status, ==, 404);
          g_assert_nonnull (response->json);
          tc_test_assert_error (response->json, "not_found");
        }
    }
}

static void
assert_search (Fixture            *f,
               const char         *query,
               const char * const *titles)
{
  g_autofree char *escaped = g_uri_escape_string (query, NULL, FALSE);
  g_autofree char *path = g_strconcat ("/api/v1/media/search?q=", escaped, NULL);
  g_autoptr(JsonNode) answer = get_json (f, path, 200);

  g_test_message ("search “%s”", query);
  tc_test_assert_id_set (tc_test_get_array (tc_test_object (answer), "resources"), "title", titles);
}

static void
test_search (Fixture       *f,
             gconstpointer  data)
{
  assert_search (f, "spring", TO ("Spring catalog"));
  assert_search (f, "SPRING CAT", TO ("Spring catalog"));
  /* Accents either way, and the description too. */
  assert_search (f, "eclat", TO ("Éclat brochure"));
  assert_search (f, "ÉCLAT", TO ("Éclat brochure"));
  assert_search (f, "ete collection", TO ("Spring catalog"));
  assert_search (f, "brochure", TO ("Éclat brochure"));
  assert_search (f, "sheet 1", TO ("Sheet 10", "Sheet 11"));
  /* LIKE wildcards are plain characters. */
  assert_search (f, "100%", TO ("100% natural"));
  assert_search (f, "%", TO ("100% natural"));
  assert_search (f, "_", (const char *[]) { NULL });
  assert_search (f, "nothing like this", (const char *[]) { NULL });

  {
    g_autoptr(JsonNode) limited = get_json (f, "/api/v1/media/search?q=sheet&limit=3", 200);
    g_assert_cmpuint (json_array_get_length (tc_test_get_array (tc_test_object (limited),
                                                                "resources")), ==, 3);
  }
  {
    g_autofree char *long_q = g_strnfill (201, 'a');
    g_autofree char *path = g_strconcat ("/api/v1/media/search?q=", long_q, NULL);
    const char *bad[] = { "/api/v1/media/search", "/api/v1/media/search?q=", "/api/v1/media/search?q=%20%20",
                          "/api/v1/media/search?q=a&limit=0", "/api/v1/media/search?q=a&limit=x",
                          "/api/v1/media/search?q=%FF", path };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(JsonNode) answer = get_json (f, bad[i], 400);
        tc_test_assert_error (answer, "invalid_request");
      }
  }
}

/* --- content ------------------------------------------------------------------------ */

static void
test_content (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *path = content_path (f, "Spring catalog");
  g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, catalog_text, -1);
  g_autofree char *etag = g_strdup_printf ("\"%s\"", sha);
  g_autofree char *weak_list = g_strdup_printf ("\"other\", W/%s", etag);
  g_autoptr(TcTestResponse) whole = get (f, path, NULL);
  g_autoptr(TcTestResponse) cached = get (f, path, "If-None-Match", etag, NULL);
  g_autoptr(TcTestResponse) cached_weak = get (f, path, "If-None-Match", weak_list, NULL);
  g_autoptr(TcTestResponse) stale = get (f, path, "If-None-Match", "\"old\"", NULL);

  g_assert_cmpuint (whole->status, ==, 200);
  g_assert_cmpstr (header (whole, "Content-Type"), ==, "application/pdf");
  g_assert_cmpint (soup_message_headers_get_content_length (whole->headers), ==, strlen (catalog_text));
  g_assert_cmpstr (header (whole, "ETag"), ==, etag);
  g_assert_cmpstr (header (whole, "Accept-Ranges"), ==, "bytes");
  g_assert_cmpstr (header (whole, "X-Content-Type-Options"), ==, "nosniff");
  assert_body (whole, catalog_text, strlen (catalog_text));

  g_assert_cmpuint (cached->status, ==, 304);
  g_assert_cmpuint (g_bytes_get_size (cached->body), ==, 0);
  g_assert_cmpstr (header (cached, "ETag"), ==, etag);
  g_assert_cmpuint (cached_weak->status, ==, 304);
  g_assert_cmpuint (stale->status, ==, 200);
  assert_body (stale, catalog_text, strlen (catalog_text));

  /* An empty file is content too. */
  {
    g_autofree char *empty = content_path (f, "Empty file");
    g_autoptr(TcTestResponse) response = get (f, empty, NULL);

    g_assert_cmpuint (response->status, ==, 200);
    g_assert_cmpuint (g_bytes_get_size (response->body), ==, 0);
    g_assert_cmpint (soup_message_headers_get_content_length (response->headers), ==, 0);
  }
}

static void
test_content_ranges (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *path = content_path (f, "Spring catalog");
  g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, catalog_text, -1);
  g_autofree char *etag = g_strdup_printf ("\"%s\"", sha);
  gsize size = strlen (catalog_text);
  g_autofree char *whole_range = g_strdup_printf ("bytes */%" G_GSIZE_FORMAT, size);
  const struct {
    const char *range;
    gsize       start;
    gsize       len;
  } partial[] = {
    { "bytes=0-8", 0, 9 },
    { "bytes=10-", 10, 0 },
    { "bytes=-5", 0, 5 },             /* the last five */
    { "bytes=3-100000", 3, 0 },       /* clamped to the end */
    { "bytes=-100000", 0, 0 },        /* more than there is: all of it */
    { "BYTES=1-1", 1, 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (partial); i++)
    {
      g_autoptr(TcTestResponse) response = get (f, path, "Range", partial[i].range, NULL);
      gsize start = partial[i].start, len = partial[i].len;
      g_autofree char *content_range = NULL;

      if (g_str_equal (partial[i].range, "bytes=-5"))
        start = size - 5;
      if (len == 0)
        len = size - start;
      content_range = g_strdup_printf ("bytes %" G_GSIZE_FORMAT "-%" G_GSIZE_FORMAT "/%" G_GSIZE_FORMAT,
                                       start, start + len - 1, size);
      g_test_message ("Range: %s", partial[i].range);
      g_assert_cmpuint (response->status, ==, 206);
      g_assert_cmpstr (header (response, "Content-Range"), ==, content_range);
      g_assert_cmpint (soup_message_headers_get_content_length (response->headers), ==, len);
      g_assert_cmpstr (header (response, "ETag"), ==, etag);
      assert_body (response, catalog_text + start, len);
    }

  /* Unsatisfiable: 416 with the size. */
  {
    g_autofree char *past = g_strdup_printf ("bytes=%" G_GSIZE_FORMAT "-", size);
    const char *ranges[] = { past, "bytes=1000-2000", "bytes=-0" };

    for (guint i = 0; i < G_N_ELEMENTS (ranges); i++)
      {
        g_autoptr(TcTestResponse) response = get (f, path, "Range", ranges[i], NULL);

        g_test_message ("Range: %s", ranges[i]);
        g_assert_cmpuint (response->status, ==, 416);
        g_assert_cmpstr (header (response, "Content-Range"), ==, whole_range);
        tc_test_assert_error (response->json, "range_not_satisfiable");
      }
  }

  /* Ignored, so the whole content: several ranges, other units, nonsense,
   * and an If-Range that no longer matches. */
  {
    const char *ignored[] = { "bytes=0-1,5-6", "lines=1-2", "bytes=5-2", "bytes=a-b", "bytes=", "0-5" };

    for (guint i = 0; i < G_N_ELEMENTS (ignored); i++)
      {
        g_autoptr(TcTestResponse) response = get (f, path, "Range", ignored[i], NULL);

        g_test_message ("Range: %s", ignored[i]);
        g_assert_cmpuint (response->status, ==, 200);
        assert_body (response, catalog_text, size);
      }
  }
  {
    g_autoptr(TcTestResponse) changed = get (f, path, "Range", "bytes=5-", "If-Range", "\"old\"", NULL);
    g_autoptr(TcTestResponse) same = get (f, path, "Range", "bytes=5-", "If-Range", etag, NULL);

    g_assert_cmpuint (changed->status, ==, 200);
    assert_body (changed, catalog_text, size);
    g_assert_cmpuint (same->status, ==, 206);
    assert_body (same, catalog_text + 5, size - 5);
  }
}

/* Whatever is planted in the media directory, nothing outside it is served. */
static void
test_content_symlinks (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *path = content_path (f, "Spring catalog");
  g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, catalog_text, -1);
  const char *media = tc_test_server_get_media_dir (f->server);
  g_autofree char *prefix_dir = g_build_filename (media, "objects", (char[]) { sha[0], sha[1], 0 },
                                                  NULL);
  g_autofree char *object = g_build_filename (prefix_dir, sha + 2, NULL);
  g_autofree char *outside_dir = g_build_filename (tc_test_server_get_tmpdir (f->server), "outside",
                                                   NULL);
  g_autofree char *outside = g_build_filename (outside_dir, sha + 2, NULL);
  g_autofree char *moved = g_strconcat (prefix_dir, ".moved", NULL);
  g_autofree char *secret = g_strnfill (strlen (catalog_text), 'S');

  /* The object replaced by a link to a file of the same size elsewhere. */
  g_assert_cmpint (g_mkdir_with_parents (outside_dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (outside, secret, -1, NULL));
  g_assert_cmpint (g_unlink (object), ==, 0);
  g_assert_cmpint (symlink (outside, object), ==, 0);
  {
    g_autoptr(TcTestResponse) response = get (f, path, NULL);

    g_assert_cmpuint (response->status, ==, 404);
    g_assert_null (strstr (g_bytes_get_data (response->body, NULL), "SSSS"));
  }

  /* Its directory replaced by a link to a directory elsewhere. */
  g_assert_cmpint (g_unlink (object), ==, 0);
  g_assert_cmpint (g_rename (prefix_dir, moved), ==, 0);
  g_assert_cmpint (symlink (outside_dir, prefix_dir), ==, 0);
  {
    g_autoptr(TcTestResponse) response = get (f, path, NULL);
    g_assert_cmpuint (response->status, ==, 404);
  }

  /* A file of the wrong size (changed behind the server's back). */
  g_assert_cmpint (g_unlink (prefix_dir), ==, 0);
  g_assert_cmpint (g_rename (moved, prefix_dir), ==, 0);
  g_assert_true (g_file_set_contents (object, "short", -1, NULL));
  {
    g_autoptr(TcTestResponse) response = get (f, path, NULL);
    g_assert_cmpuint (response->status, ==, 404);
  }
}

static void
test_thumbnail (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/media/resources/%s/thumbnail?size=64",
                                           id_of (f, "Photo"));
  g_autoptr(TcTestResponse) response = get (f, path, NULL);
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *thumbnails = g_build_filename (tc_test_server_get_media_dir (f->server),
                                                  "thumbnails", NULL);
  g_autoptr(GDir) dir = NULL;
  GdkPixbuf *pixbuf;
  gsize len;
  const guint8 *png = g_bytes_get_data (response->body, &len);

  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpstr (header (response, "Content-Type"), ==, "image/png");
  g_assert_true (gdk_pixbuf_loader_write (loader, png, len, &error));
  g_assert_true (gdk_pixbuf_loader_close (loader, &error));
  g_assert_no_error (error);
  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  /* 300 × 200 into 64 × 64, keeping the shape. */
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, 64);
  g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, 43);

  /* Kept on disk, and revalidated by ETag. */
  dir = g_dir_open (thumbnails, 0, NULL);
  g_assert_nonnull (dir);
  g_assert_nonnull (g_dir_read_name (dir));
  {
    g_autoptr(TcTestResponse) again = get (f, path, "If-None-Match", header (response, "ETag"), NULL);
    g_autoptr(TcTestResponse) second = get (f, path, NULL);

    g_assert_cmpuint (again->status, ==, 304);
    g_assert_cmpuint (second->status, ==, 200);
    g_assert_true (g_bytes_equal (second->body, response->body));
  }

  /* Not an image, or a size out of range. */
  {
    g_autofree char *pdf = g_strdup_printf ("/api/v1/media/resources/%s/thumbnail",
                                            id_of (f, "Spring catalog"));
    g_autofree char *zero = g_strdup_printf ("/api/v1/media/resources/%s/thumbnail?size=0",
                                             id_of (f, "Photo"));
    g_autofree char *huge = g_strdup_printf ("/api/v1/media/resources/%s/thumbnail?size=99999",
                                             id_of (f, "Photo"));
    g_autoptr(JsonNode) not_image = get_json (f, pdf, 404);
    g_autoptr(JsonNode) bad_zero = get_json (f, zero, 400);
    g_autoptr(JsonNode) bad_huge = get_json (f, huge, 400);
  }
}

/* --- attachments ---------------------------------------------------------------------- */

static JsonNode *
send_with (Fixture            *f,
           const char         *to,
           const char         *body,
           const char * const *attachments,
           guint              *status)
{
  g_autofree char *client_id = tc_test_uuid ();
  g_autofree char *json = tc_test_message_json (client_id, TO (to), body, attachments);

  return tc_test_request (f->server, "POST", "/api/v1/messages", f->token, json, status);
}

static void
assert_attachment_objects (JsonObject *message,
                           Fixture    *f,
                           const char * const *titles)
{
  JsonArray *attachments = tc_test_get_array (message, "attachments");
  guint n = g_strv_length ((char **) titles);

  g_assert_cmpuint (json_array_get_length (attachments), ==, n);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *resource = json_array_get_object_element (attachments, i);

      g_assert_cmpstr (tc_test_get_string (resource, "id"), ==, id_of (f, titles[i]));
      g_assert_cmpstr (tc_test_get_string (resource, "title"), ==, titles[i]);
      g_assert_nonnull (tc_test_get_string (resource, "mime_type"));
      g_assert_cmpint (tc_test_get_int (resource, "size"), >=, 0);
      g_assert_nonnull (tc_test_get_string (resource, "folder_id"));
      g_assert_cmpuint (strlen (tc_test_get_string (resource, "sha256")), ==, 64);
    }
}

static void
test_attachments (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(JsonNode) sent = NULL;
  g_autofree char *b_token = tc_test_login_as (f->server, "B");
  g_autoptr(JsonArray) history = NULL;
  g_autoptr(JsonNode) synced = NULL;
  JsonArray *events;
  gboolean found = FALSE;
  guint status = 0;

  sent = send_with (f, "B", "see attached", TO (id_of (f, "Spring catalog"), id_of (f, "Photo")),
                    &status);
  g_assert_cmpuint (status, ==, 201);
  assert_attachment_objects (json_array_get_object_element (
                               tc_test_get_array (tc_test_object (sent), "messages"), 0),
                             f, TO ("Spring catalog", "Photo"));

  /* An attachment alone is a message too. */
  {
    g_autoptr(JsonNode) alone = send_with (f, "B", "", TO (id_of (f, "Winter flyer")), &status);
    g_assert_cmpuint (status, ==, 201);
  }

  /* The recipient's history and sync carry the same objects. */
  history = tc_test_history (f->server, b_token, "A");
  g_assert_cmpuint (json_array_get_length (history), ==, 2);
  assert_attachment_objects (json_array_get_object_element (history, 1), f,
                             TO ("Spring catalog", "Photo"));
  assert_attachment_objects (json_array_get_object_element (history, 0), f, TO ("Winter flyer"));

  synced = tc_test_request (f->server, "GET", "/api/v1/sync", b_token, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  events = tc_test_get_array (tc_test_object (synced), "events");
  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *event = json_array_get_object_element (events, i);
      JsonObject *message;

      if (g_strcmp0 (json_object_get_string_member (event, "type"), "message") != 0)
        continue;
      message = tc_test_get_object (event, "message");
      if (g_strcmp0 (tc_test_get_string (message, "body"), "see attached") == 0)
        {
          assert_attachment_objects (message, f, TO ("Spring catalog", "Photo"));
          found = TRUE;
        }
    }
  g_assert_true (found);
}

static void
test_attachments_refused (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *b_token = tc_test_login_as (f->server, "B");
  const char *sheets[11];
  guint status = 0;

  for (guint i = 0; i < 11; i++)
    {
      g_autofree char *title = g_strdup_printf ("Sheet %02u", i + 1);
      sheets[i] = id_of (f, title);
    }

  {
    g_autoptr(JsonNode) answer = send_with (f, "B", "x", TO ("res_00000000000000000000000000000000"),
                                            &status);
    g_assert_cmpuint (status, ==, 400);
    tc_test_assert_error (answer, "invalid_request");
  }
  {
    /* One unknown among known ones: nothing is stored. */
    g_autoptr(JsonNode) answer = send_with (f, "B", "x", TO (sheets[0], "../../etc/passwd"), &status);
    g_assert_cmpuint (status, ==, 400);
  }
  {
    /* A folder is not a resource. */
    g_autoptr(JsonNode) answer = send_with (f, "B", "x", TO (id_of (f, "Spring")), &status);
    g_assert_cmpuint (status, ==, 400);
  }
  {
    const char *eleven[12];

    memcpy (eleven, sheets, sizeof sheets);
    eleven[11] = NULL;
    {
      g_autoptr(JsonNode) answer = send_with (f, "B", "x", eleven, &status);
      g_assert_cmpuint (status, ==, 400);
      tc_test_assert_error (answer, "invalid_request");
    }
    eleven[10] = NULL;   /* ten is the most */
    {
      g_autoptr(JsonNode) answer = send_with (f, "B", "ten", eleven, &status);
      JsonObject *message = json_array_get_object_element (
        tc_test_get_array (tc_test_object (answer), "messages"), 0);

      g_assert_cmpuint (status, ==, 201);
      g_assert_cmpuint (json_array_get_length (tc_test_get_array (message, "attachments")), ==, 10);
    }
  }
  {
    g_autoptr(JsonArray) history = tc_test_history (f->server, b_token, "A");
    g_assert_cmpuint (json_array_get_length (history), ==, 1);
  }
}

/* The WebSocket's live "message" event carries the same objects. */
typedef struct {
  gboolean      done;
  GAsyncResult *result;
  GQueue        frames;    /* JsonNode */
  gboolean      timed_out;
} Live;

static void
live_connected_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Live *live = user_data;

  live->result = g_object_ref (result);
  live->done = TRUE;
}

static void
live_message_cb (SoupWebsocketConnection *conn,
                 gint                     type,
                 GBytes                  *message,
                 gpointer                 user_data)
{
  Live *live = user_data;
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len;
  const char *data = g_bytes_get_data (message, &len);

  g_assert_true (json_parser_load_from_data (parser, data, (gssize) len, NULL));
  g_queue_push_tail (&live->frames, json_node_copy (json_parser_get_root (parser)));
}

static gboolean
live_timeout_cb (gpointer data)
{
  ((Live *) data)->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static JsonObject *
live_find_message (Live *live)
{
  for (GList *l = live->frames.head; l != NULL; l = l->next)
    {
      JsonObject *frame = json_node_get_object (l->data);

      if (g_strcmp0 (json_object_get_string_member_with_default (frame, "type", ""), "message") == 0)
        return tc_test_get_object (frame, "message");
    }
  return NULL;
}

static void
test_attachments_live (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *b_token = tc_test_login_as (f->server, "B");
  g_autofree char *url = tc_test_server_ws_url (f->server);
  g_autofree char *authorization = g_strconcat ("Bearer ", b_token, NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(SoupWebsocketConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) sent = NULL;
  Live live = { FALSE, NULL, G_QUEUE_INIT, FALSE };
  JsonObject *message = NULL;
  guint timeout, status = 0;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                authorization);
  timeout = g_timeout_add_seconds (60, live_timeout_cb, &live);
  soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        live_connected_cb, &live);
  while (!live.done && !live.timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (live.timed_out);
  conn = soup_session_websocket_connect_finish (session, live.result, &error);
  g_clear_object (&live.result);
  g_assert_no_error (error);
  g_signal_connect (conn, "message", G_CALLBACK (live_message_cb), &live);
  while (g_queue_is_empty (&live.frames) && !live.timed_out)
    g_main_context_iteration (NULL, TRUE);   /* the hello */

  sent = send_with (f, "B", "live", TO (id_of (f, "Photo")), &status);
  g_assert_cmpuint (status, ==, 201);
  while ((message = live_find_message (&live)) == NULL && !live.timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (live.timed_out);
  g_source_remove (timeout);
  assert_attachment_objects (message, f, TO ("Photo"));

  soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_queue_clear_full (&live.frames, (GDestroyNotify) json_node_unref);
}

/* Retention deletes messages, never the library. */
static void
test_purge_keeps_files (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(JsonNode) sent = NULL;
  g_autofree char *b_token = tc_test_login_as (f->server, "B");
  g_autofree char *path = content_path (f, "Spring catalog");
  g_autofree char *out = NULL;
  guint status = 0;

  sent = send_with (f, "B", "old news", TO (id_of (f, "Spring catalog")), &status);
  g_assert_cmpuint (status, ==, 201);

  /* Make it 100 days old, then purge as the administrator would. */
  {
    g_autofree char *sql = g_strdup_printf ("UPDATE messages SET sent_at = %" G_GINT64_FORMAT ";"
                                            "UPDATE events SET created_at = %" G_GINT64_FORMAT,
                                            g_get_real_time () - (gint64) 100 * 86400 * G_USEC_PER_SEC,
                                            g_get_real_time () - (gint64) 100 * 86400 * G_USEC_PER_SEC);

    tc_test_db_exec (tc_test_server_get_db_path (f->server), sql);
  }
  g_assert_cmpint (tc_test_run_command (&out, NULL, "purge", "--db",
                                        tc_test_server_get_db_path (f->server), NULL), ==, 0);
  g_assert_cmpstr (out, ==, "purged 1 messages\n");

  {
    g_autoptr(JsonArray) history = tc_test_history (f->server, b_token, "A");
    g_autoptr(TcTestResponse) content = get (f, path, NULL);
    g_autoptr(JsonNode) search = get_json (f, "/api/v1/media/search?q=spring", 200);

    g_assert_cmpuint (json_array_get_length (history), ==, 0);
    g_assert_cmpuint (content->status, ==, 200);
    assert_body (content, catalog_text, strlen (catalog_text));
    g_assert_cmpuint (json_array_get_length (tc_test_get_array (tc_test_object (search),
                                                                "resources")), ==, 1);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/media/unauthorized", test_unauthorized);
  ADD ("/media/categories", test_categories);
  ADD ("/media/folder", test_folder);
  ADD ("/media/unknown-ids", test_unknown_ids);
  ADD ("/media/search", test_search);
  ADD ("/media/content", test_content);
  ADD ("/media/content-ranges", test_content_ranges);
  ADD ("/media/content-symlinks", test_content_symlinks);
  ADD ("/media/thumbnail", test_thumbnail);
  ADD ("/media/attachments", test_attachments);
  ADD ("/media/attachments-refused", test_attachments_refused);
  ADD ("/media/attachments-live", test_attachments_live);
  ADD ("/media/purge-keeps-files", test_purge_keeps_files);
#undef ADD
  return g_test_run ();
}
