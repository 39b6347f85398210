/* tc-api-media.c: the Documents and Media library endpoints
 *
 * Listings come from the store; content and thumbnails from the media
 * directory (tc-media-library.h), found through the resource's SHA-256,
 * never through anything in the request's path. Content answers honour
 * If-None-Match (ETag: the quoted SHA-256), a single Range (206, or 416
 * when it cannot be satisfied) and If-Range, and are streamed from disk.
 */
#include "config.h"

#include <string.h>

#include "tc-api-private.h"
#include "tc-error.h"

#define SEARCH_DEFAULT_LIMIT   50
#define SEARCH_MAX_LIMIT       200
#define SEARCH_MAX_QUERY_CHARS 200
#define THUMBNAIL_DEFAULT_SIZE 256
#define THUMBNAIL_MAX_REQUEST  4096

static JsonNode *
object_node (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

static JsonArray *
resources_to_json (GPtrArray *resources)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < resources->len; i++)
    json_array_add_element (array, tc_resource_to_json (g_ptr_array_index (resources, i)));
  return array;
}

static const char *
query_param (TcApiRequest *request,
             const char   *name)
{
  return request->query != NULL ? g_hash_table_lookup (request->query, name) : NULL;
}

static gboolean
query_uint (TcApiRequest  *request,
            const char    *name,
            guint          fallback,
            guint          min,
            guint          max,
            guint         *out,
            GError       **error)
{
  const char *text = query_param (request, name);
  guint64 value;

  *out = fallback;
  if (text == NULL)
    return TRUE;
  if (!g_ascii_string_to_unsigned (text, 10, min, max, &value, NULL))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "“%s” must be a number from %u to %u", name,
                   min, max);
      return FALSE;
    }
  *out = (guint) value;
  return TRUE;
}

/* --- listings ------------------------------------------------------------------- */

void
tc_api_media_categories (TcApiRequest *request)
{
  g_autoptr(GPtrArray) categories = tc_store_media_categories (request->ctx->store, &request->error);
  JsonObject *answer;
  JsonArray *array;

  if (categories == NULL)
    return;
  array = json_array_new ();
  for (guint i = 0; i < categories->len; i++)
    json_array_add_element (array, tc_media_folder_to_json (g_ptr_array_index (categories, i)));
  answer = json_object_new ();
  json_object_set_array_member (answer, "categories", array);
  tc_api_reply (request, SOUP_STATUS_OK, object_node (answer));
}

void
tc_api_media_folder (TcApiRequest *request)
{
  g_autoptr(TcMediaListing) listing = NULL;

  listing = tc_store_media_folder (request->ctx->store, request->path_arg, &request->error);
  if (listing == NULL)
    return;
  tc_api_reply (request, SOUP_STATUS_OK, tc_media_listing_to_json (listing));
}

void
tc_api_media_search (TcApiRequest *request)
{
  const char *q = query_param (request, "q");
  g_autoptr(GPtrArray) found = NULL;
  g_autofree char *trimmed = NULL;
  JsonObject *answer;
  guint limit;

  if (q == NULL || !g_utf8_validate (q, -1, NULL) || *(trimmed = g_strstrip (g_strdup (q))) == '\0')
    {
      g_set_error_literal (&request->error, TC_ERROR, TC_ERROR_INVALID,
                           "“q” must be the text to search for");
      return;
    }
  if (g_utf8_strlen (trimmed, -1) > SEARCH_MAX_QUERY_CHARS)
    {
      g_set_error (&request->error, TC_ERROR, TC_ERROR_INVALID,
                   "“q” must be at most %d characters", SEARCH_MAX_QUERY_CHARS);
      return;
    }
  if (!query_uint (request, "limit", SEARCH_DEFAULT_LIMIT, 1, SEARCH_MAX_LIMIT, &limit,
                   &request->error))
    return;

  found = tc_store_media_search (request->ctx->store, trimmed, limit, &request->error);
  if (found == NULL)
    return;
  answer = json_object_new ();
  json_object_set_array_member (answer, "resources", resources_to_json (found));
  tc_api_reply (request, SOUP_STATUS_OK, object_node (answer));
}

/* --- content ---------------------------------------------------------------------- */

/* Whether an If-None-Match list ("…", W/"…", *) names @etag. */
static gboolean
etag_listed (const char *header,
             const char *etag)
{
  g_auto(GStrv) tags = NULL;

  if (header == NULL)
    return FALSE;
  tags = g_strsplit (header, ",", -1);
  for (guint i = 0; tags[i] != NULL; i++)
    {
      const char *tag = g_strstrip (tags[i]);

      if (g_str_has_prefix (tag, "W/"))
        tag += 2;
      if (g_str_equal (tag, "*") || g_str_equal (tag, etag))
        return TRUE;
    }
  return FALSE;
}

typedef enum {
  RANGE_NONE,            /* no usable Range: the whole content */
  RANGE_SATISFIABLE,
  RANGE_UNSATISFIABLE,
} RangeKind;

static gboolean
parse_offset (const char *text,
              gsize       len,
              guint64    *out)
{
  g_autofree char *copy = g_strndup (text, len);

  g_strstrip (copy);
  return *copy != '\0' && g_ascii_string_to_unsigned (copy, 10, 0, G_MAXINT64, out, NULL);
}

/* One "bytes=" range of RFC 9110 (§14.1.2). Several ranges, other units
 * and malformed values are ignored, as the RFC allows: the whole content
 * is sent. @start and @end (inclusive) are set when satisfiable. */
static RangeKind
parse_range (const char *header,
             gint64      size,
             gint64     *start,
             gint64     *end)
{
  const char *spec, *dash;
  g_autofree char *after = NULL;
  guint64 first, last;

  if (header == NULL || g_ascii_strncasecmp (header, "bytes=", 6) != 0)
    return RANGE_NONE;
  spec = header + 6;
  if (strchr (spec, ',') != NULL || (dash = strchr (spec, '-')) == NULL)
    return RANGE_NONE;

  if (dash == spec || strspn (spec, " \t") == (gsize) (dash - spec))
    {
      /* "-N": the last N bytes. */
      if (!parse_offset (dash + 1, strlen (dash + 1), &last))
        return RANGE_NONE;
      if (last == 0 || size == 0)
        return RANGE_UNSATISFIABLE;
      *start = size - (gint64) MIN (last, (guint64) size);
      *end = size - 1;
      return RANGE_SATISFIABLE;
    }

  if (!parse_offset (spec, (gsize) (dash - spec), &first))
    return RANGE_NONE;
  after = g_strstrip (g_strdup (dash + 1));
  if (*after == '\0')
    last = G_MAXINT64;
  else if (!parse_offset (dash + 1, strlen (dash + 1), &last) || last < first)
    return RANGE_NONE;
  if (first >= (guint64) size)
    return RANGE_UNSATISFIABLE;
  *start = (gint64) first;
  *end = (gint64) MIN (last, (guint64) size - 1);
  return RANGE_SATISFIABLE;
}

static TcResource *
find_resource (TcApiRequest *request)
{
  if (request->ctx->media == NULL)
    {
      g_set_error_literal (&request->error, TC_ERROR, TC_ERROR_UNAVAILABLE,
                           "this server has no media directory (--media-dir)");
      return NULL;
    }
  return tc_store_media_resource (request->ctx->store, request->path_arg, &request->error);
}

void
tc_api_media_content (TcApiRequest *request)
{
  g_autoptr(TcResource) resource = find_resource (request);
  SoupMessageHeaders *headers = request->request_headers;
  g_autofree char *etag = NULL;
  const char *if_range;
  RangeKind range = RANGE_NONE;
  gint64 start = 0, end = -1;
  int fd;

  if (resource == NULL)
    return;
  etag = g_strdup_printf ("\"%s\"", resource->sha256);
  tc_api_set_header (request, "ETag", etag);
  tc_api_set_header (request, "Accept-Ranges", "bytes");
  tc_api_set_header (request, "Cache-Control", "private, no-cache");
  request->content_type = g_strdup (resource->mime_type != NULL ? resource->mime_type
                                                                : "application/octet-stream");

  if (etag_listed (soup_message_headers_get_one (headers, "If-None-Match"), etag))
    {
      request->status = SOUP_STATUS_NOT_MODIFIED;
      return;
    }

  /* If-Range with another validator: the content changed, send it all. */
  if_range = soup_message_headers_get_one (headers, "If-Range");
  if (if_range == NULL || g_str_equal (if_range, etag))
    range = parse_range (soup_message_headers_get_one (headers, "Range"), resource->size,
                         &start, &end);
  if (range == RANGE_UNSATISFIABLE)
    {
      g_autofree char *content_range = g_strdup_printf ("bytes */%" G_GINT64_FORMAT, resource->size);
      JsonObject *answer = json_object_new ();

      json_object_set_string_member (answer, "error", "range_not_satisfiable");
      json_object_set_string_member (answer, "message",
                                     "the range is outside the content of this resource");
      g_clear_pointer (&request->content_type, g_free);
      tc_api_set_header (request, "Content-Range", content_range);
      tc_api_reply (request, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE, object_node (answer));
      return;
    }
  if (range == RANGE_NONE)
    {
      start = 0;
      end = resource->size - 1;
    }

  fd = tc_media_library_open (request->ctx->media, resource->sha256, resource->size,
                              &request->error);
  if (fd < 0)
    {
      g_clear_pointer (&request->content_type, g_free);
      return;
    }
  if (range == RANGE_SATISFIABLE)
    {
      g_autofree char *content_range = g_strdup_printf ("bytes %" G_GINT64_FORMAT "-%"
                                                        G_GINT64_FORMAT "/%" G_GINT64_FORMAT,
                                                        start, end, resource->size);
      tc_api_set_header (request, "Content-Range", content_range);
      request->status = SOUP_STATUS_PARTIAL_CONTENT;
    }
  else
    request->status = SOUP_STATUS_OK;
  request->body_fd = fd;
  request->body_offset = start;
  request->body_length = end - start + 1;
}

void
tc_api_media_thumbnail (TcApiRequest *request)
{
  g_autoptr(TcResource) resource = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autofree char *etag = NULL;
  guint size, made_size = 0;

  if (!query_uint (request, "size", THUMBNAIL_DEFAULT_SIZE, 1, THUMBNAIL_MAX_REQUEST, &size,
                   &request->error))
    return;
  resource = find_resource (request);
  if (resource == NULL)
    return;
  if (!tc_media_library_can_thumbnail (resource->mime_type))
    {
      g_set_error (&request->error, TC_ERROR, TC_ERROR_NOT_FOUND, "no thumbnail for %s",
                   resource->mime_type);
      return;
    }

  png = tc_media_library_thumbnail (request->ctx->media, resource->sha256, resource->mime_type,
                                    size, &made_size, &request->error);
  if (png == NULL)
    return;
  etag = g_strdup_printf ("\"%s-%u\"", resource->sha256, made_size);
  tc_api_set_header (request, "ETag", etag);
  tc_api_set_header (request, "Cache-Control", "private, no-cache");
  request->content_type = g_strdup ("image/png");
  if (etag_listed (soup_message_headers_get_one (request->request_headers, "If-None-Match"), etag))
    {
      request->status = SOUP_STATUS_NOT_MODIFIED;
      return;
    }
  request->status = SOUP_STATUS_OK;
  request->raw_body = g_steal_pointer (&png);
}
