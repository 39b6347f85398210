/* tc-api-client-download.c: resource content to a file, resumable, verified
 *
 * GET /api/v1/media/resources/{id}/content into PATH.part. When a part
 * file is already there, only the rest is asked for (Range: bytes=N-)
 * under If-Range with the content's ETag, so a resource that changed in
 * between comes back whole (200) and replaces the part. The finished part
 * is hashed on a worker thread and renamed to PATH only when its SHA-256
 * is the resource's. A continued part that does not match (it was left by
 * another version of the resource) is dropped and the download starts
 * again once from zero; a whole download that does not match fails.
 */
#define G_LOG_DOMAIN "TeamChatApi"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#include "tc-api-client-private.h"
#include "tc-error.h"
#include "tc-json.h"

#define READ_CHUNK        (64 * 1024)
#define ERROR_BODY_LIMIT  (64 * 1024)

typedef struct {
  char                  *resource_id;
  char                  *expected_sha256;   /* NULL: from the ETag, if any */
  gint64                 size;
  char                  *path;
  char                  *part_path;
  GFile                 *part;
  TcApiDownloadProgress  progress;
  gpointer               progress_data;
  SoupMessage           *msg;
  GInputStream          *in;
  GOutputStream         *out;
  GBytes                *chunk;             /* being written */
  goffset                offset;            /* kept from before when the request went out */
  goffset                received;
  goffset                total;
  gboolean               resumed;           /* the part was continued */
  gboolean               restarted;         /* already started again from zero */
} Download;

static void
download_free (Download *download)
{
  g_free (download->resource_id);
  g_free (download->expected_sha256);
  g_free (download->path);
  g_free (download->part_path);
  g_clear_object (&download->part);
  g_clear_object (&download->msg);
  g_clear_object (&download->in);
  g_clear_object (&download->out);
  g_clear_pointer (&download->chunk, g_bytes_unref);
  g_free (download);
}

static void send_request (GTask *task);
static void read_next    (GTask *task);

static void
report_progress (Download *download)
{
  if (download->progress != NULL)
    download->progress (download->received, download->total, download->progress_data);
}

/* --- the end: hash, compare, rename (worker thread) ------------------------------ */

static void
verify_thread (GTask        *task,
               gpointer      source,
               gpointer      data,
               GCancellable *cancellable)
{
  Download *download = data;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *buffer = g_malloc (READ_CHUNK);
  gssize n;

  if (download->expected_sha256 != NULL)
    {
      in = g_file_read (download->part, cancellable, &error);
      while (in != NULL &&
             (n = g_input_stream_read (G_INPUT_STREAM (in), buffer, READ_CHUNK, cancellable,
                                       &error)) > 0)
        g_checksum_update (checksum, buffer, n);
      if (error != NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      g_clear_object (&in);
      if (g_strcmp0 (g_checksum_get_string (checksum), download->expected_sha256) != 0)
        {
          g_file_delete (download->part, NULL, NULL);
          g_task_return_new_error (task, TC_ERROR, TC_ERROR_INVALID,
                                   "the downloaded file is damaged (its checksum is wrong); "
                                   "try again");
          return;
        }
    }
  if (g_rename (download->part_path, download->path) != 0)
    {
      int saved = errno;
      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               "cannot save %s: %s", download->path, g_strerror (saved));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
on_verified_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  Download *download = g_task_get_task_data (task);
  GError *error = NULL;

  if (g_task_propagate_boolean (G_TASK (result), &error))
    g_task_return_boolean (task, TRUE);
  else if (g_error_matches (error, TC_ERROR, TC_ERROR_INVALID) && download->resumed &&
           !download->restarted)
    {
      g_debug ("A continued download of %s did not match; starting again", download->resource_id);
      g_error_free (error);
      download->restarted = TRUE;
      download->resumed = FALSE;
      download->offset = 0;
      send_request (task);
      return;
    }
  else
    g_task_return_error (task, error);
  g_object_unref (task);
}

/* Takes the reference to @task. */
static void
verify (GTask *task)
{
  g_autoptr(GTask) check = g_task_new (NULL, g_task_get_cancellable (task), on_verified_cb, task);

  g_task_set_task_data (check, g_task_get_task_data (task), NULL);
  g_task_run_in_thread (check, verify_thread);
}

/* --- copying -------------------------------------------------------------------------- */

static void
fail_keeping_part (GTask  *task,
                   GError *error)
{
  Download *download = g_task_get_task_data (task);

  /* What arrived stays in the part file for the next attempt. */
  g_clear_object (&download->out);
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
on_closed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!g_output_stream_close_finish (G_OUTPUT_STREAM (source), result, &error))
    {
      fail_keeping_part (task, error);
      return;
    }
  verify (task);
}

static void
on_written_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  Download *download = g_task_get_task_data (task);
  GError *error = NULL;
  gsize written = 0;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, &written, &error))
    {
      fail_keeping_part (task, error);
      return;
    }
  download->received += (goffset) written;
  g_clear_pointer (&download->chunk, g_bytes_unref);
  report_progress (download);
  read_next (task);
}

static void
on_read_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  Download *download = g_task_get_task_data (task);
  GError *error = NULL;
  GBytes *bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  gsize len;
  const guint8 *data;

  if (bytes == NULL)
    {
      GError *reported = tc_api_client_transport_error (download->msg, error);

      g_error_free (error);
      fail_keeping_part (task, reported);
      return;
    }
  if (g_bytes_get_size (bytes) == 0)
    {
      g_bytes_unref (bytes);
      g_output_stream_close_async (download->out, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), on_closed_cb, task);
      return;
    }
  download->chunk = bytes;
  data = g_bytes_get_data (bytes, &len);
  g_output_stream_write_all_async (download->out, data, len, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), on_written_cb, task);
}

static void
read_next (GTask *task)
{
  Download *download = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (download->in, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), on_read_cb, task);
}

static void
on_part_opened_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;
  Download *download = g_task_get_task_data (task);
  GError *error = NULL;
  GFileOutputStream *out;

  if (download->offset > 0)
    out = g_file_append_to_finish (G_FILE (source), result, &error);
  else
    out = g_file_replace_finish (G_FILE (source), result, &error);
  if (out == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  download->out = G_OUTPUT_STREAM (out);
  download->received = download->offset;
  report_progress (download);
  read_next (task);
}

/* --- the answer ----------------------------------------------------------------------- */

static void
on_error_body_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  Download *download = g_task_get_task_data (task);
  g_autoptr(GBytes) body = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, NULL);
  g_autoptr(JsonNode) node = NULL;

  if (body != NULL && g_bytes_get_size (body) > 0)
    node = tc_json_parse (g_bytes_get_data (body, NULL), (gssize) g_bytes_get_size (body), NULL);
  g_task_return_error (task, tc_api_client_status_error (download->msg, node));
  g_object_unref (task);
}

/* The content's SHA-256 from an ETag such as "abcd…" or W/"abcd…". */
static char *
sha256_from_etag (const char *etag)
{
  g_autofree char *value = NULL;
  gsize len;

  if (etag == NULL)
    return NULL;
  if (g_str_has_prefix (etag, "W/"))
    etag += 2;
  len = strlen (etag);
  if (len < 2 || etag[0] != '"' || etag[len - 1] != '"')
    return NULL;
  value = g_strndup (etag + 1, len - 2);
  return tc_resource_sha256_is_valid (value) ? g_steal_pointer (&value) : NULL;
}

static void
on_sent_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  Download *download = g_task_get_task_data (task);
  SoupMessageHeaders *headers;
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable = g_task_get_cancellable (task);
  guint status;
  goffset start = 0, end = 0, total = 0;

  download->in = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (download->in == NULL)
    {
      g_task_return_error (task, tc_api_client_transport_error (download->msg, error));
      g_object_unref (task);
      return;
    }

  status = soup_message_get_status (download->msg);
  headers = soup_message_get_response_headers (download->msg);
  if (status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE && download->offset > 0 &&
      !download->restarted)
    {
      /* The part is longer than the content: start again. */
      download->restarted = TRUE;
      download->offset = 0;
      g_clear_object (&download->in);
      send_request (task);
      return;
    }
  if (status != SOUP_STATUS_OK && status != SOUP_STATUS_PARTIAL_CONTENT)
    {
      g_input_stream_read_bytes_async (download->in, ERROR_BODY_LIMIT, G_PRIORITY_DEFAULT,
                                       cancellable, on_error_body_cb, task);
      return;
    }

  if (download->expected_sha256 == NULL)
    download->expected_sha256 = sha256_from_etag (soup_message_headers_get_one (headers, "ETag"));

  if (status == SOUP_STATUS_PARTIAL_CONTENT)
    {
      if (download->offset == 0 ||
          !soup_message_headers_get_content_range (headers, &start, &end, &total) ||
          start != download->offset)
        {
          g_task_return_new_error (task, TC_ERROR, TC_ERROR_INTERNAL,
                                   "the server sent another part of the file than asked for");
          g_object_unref (task);
          return;
        }
      download->total = total > 0 ? total : download->size;
      download->resumed = TRUE;
    }
  else
    {
      /* The whole content (the resource changed, or there was no part). */
      download->offset = 0;
      download->total = soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH
                          ? soup_message_headers_get_content_length (headers)
                          : download->size;
    }

  if (download->offset > 0)
    g_file_append_to_async (download->part, G_FILE_CREATE_PRIVATE, G_PRIORITY_DEFAULT,
                            cancellable, on_part_opened_cb, task);
  else
    g_file_replace_async (download->part, NULL, FALSE, G_FILE_CREATE_PRIVATE, G_PRIORITY_DEFAULT,
                          cancellable, on_part_opened_cb, task);
}

static void
send_request (GTask *task)
{
  TcApiClient *self = g_task_get_source_object (task);
  Download *download = g_task_get_task_data (task);
  g_autofree char *escaped = g_uri_escape_string (download->resource_id, NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("/api/v1/media/resources/%s/content", escaped);
  GError *error = NULL;

  g_clear_object (&download->msg);
  download->msg = tc_api_client_new_message (self, "GET", path, &error);
  if (download->msg == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  soup_message_headers_replace (soup_message_get_request_headers (download->msg), "Accept", "*/*");
  if (download->offset > 0)
    {
      g_autofree char *etag = g_strdup_printf ("\"%s\"", download->expected_sha256);

      soup_message_headers_set_range (soup_message_get_request_headers (download->msg),
                                      download->offset, -1);
      soup_message_headers_replace (soup_message_get_request_headers (download->msg), "If-Range",
                                    etag);
    }
  g_debug ("GET %s from byte %" G_GOFFSET_FORMAT, path, download->offset);
  soup_session_send_async (tc_api_client_get_soup_session (self), download->msg,
                           G_PRIORITY_DEFAULT, g_task_get_cancellable (task), on_sent_cb, task);
}

/* --- the start -------------------------------------------------------------------------- */

static void
on_part_info_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  Download *download = g_task_get_task_data (task);
  g_autoptr(GFileInfo) info = g_file_query_info_finish (G_FILE (source), result, NULL);

  download->offset = 0;
  /* Only a part of a known content can be continued. */
  if (info != NULL && g_file_info_get_file_type (info) == G_FILE_TYPE_REGULAR &&
      download->expected_sha256 != NULL)
    download->offset = g_file_info_get_size (info);
  if (download->offset > download->size)
    download->offset = 0;
  if (download->offset > 0 && download->offset == download->size)
    {
      /* All there already (the last attempt ended before the check). */
      download->received = download->total = download->size;
      download->resumed = TRUE;
      report_progress (download);
      verify (task);
      return;
    }
  send_request (task);
}

/**
 * tc_api_client_download_async:
 * @self: a logged-in client
 * @resource: the resource (its id, size and, ideally, sha256)
 * @path: where the file goes
 * @progress: (nullable) (scope notified): called as bytes arrive
 * @progress_data: data for @progress, kept alive by the caller until done
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * See tc-api-client.h.
 */
void
tc_api_client_download_async (TcApiClient           *self,
                              const TcResource      *resource,
                              const char            *path,
                              TcApiDownloadProgress  progress,
                              gpointer               progress_data,
                              GCancellable          *cancellable,
                              GAsyncReadyCallback    callback,
                              gpointer               user_data)
{
  GTask *task;
  Download *download;

  g_return_if_fail (TC_IS_API_CLIENT (self));
  g_return_if_fail (resource != NULL && resource->id != NULL);
  g_return_if_fail (path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tc_api_client_download_async);
  download = g_new0 (Download, 1);
  download->resource_id = g_strdup (resource->id);
  download->expected_sha256 = tc_resource_sha256_is_valid (resource->sha256)
                                ? g_strdup (resource->sha256) : NULL;
  download->size = resource->size;
  download->total = resource->size;
  download->path = g_strdup (path);
  download->part_path = g_strconcat (path, ".part", NULL);
  download->part = g_file_new_for_path (download->part_path);
  download->progress = progress;
  download->progress_data = progress_data;
  g_task_set_task_data (task, download, (GDestroyNotify) download_free);

  g_file_query_info_async (download->part, G_FILE_ATTRIBUTE_STANDARD_TYPE ","
                           G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS,
                           G_PRIORITY_DEFAULT, cancellable, on_part_info_cb, task);
}

/**
 * tc_api_client_download_finish:
 * @self: a client
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: %TRUE when the file is at its path, complete and verified
 */
gboolean
tc_api_client_download_finish (TcApiClient   *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (TC_IS_API_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tc_api_client_download_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- thumbnails ----------------------------------------------------------------------- */

/* A thumbnail is at most 512 × 512 pixels: far less than this as PNG. */
#define THUMBNAIL_LIMIT (4 * 1024 * 1024)

static void
on_thumbnail_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SoupMessage *msg = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  const char *type;
  guint status;

  body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (body == NULL)
    {
      g_task_return_error (task, tc_api_client_transport_error (msg, error));
      return;
    }
  status = soup_message_get_status (msg);
  if (status != SOUP_STATUS_OK)
    {
      g_autoptr(JsonNode) node = NULL;

      if (g_bytes_get_size (body) > 0)
        node = tc_json_parse (g_bytes_get_data (body, NULL), (gssize) g_bytes_get_size (body),
                              NULL);
      g_task_return_error (task, tc_api_client_status_error (msg, node));
      return;
    }
  type = soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL);
  if (g_strcmp0 (type, "image/png") != 0 || g_bytes_get_size (body) == 0 ||
      g_bytes_get_size (body) > THUMBNAIL_LIMIT)
    {
      g_task_return_new_error (task, TC_ERROR, TC_ERROR_INTERNAL,
                               "the server sent a thumbnail this app cannot read");
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&body), (GDestroyNotify) g_bytes_unref);
}

/**
 * tc_api_client_media_thumbnail_async:
 * @self: a logged-in client
 * @resource_id: an image resource
 * @size: the longest side wanted, in pixels (the server rounds it up to
 *   32, 64, 128, 256 or 512 and never enlarges)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * GET /api/v1/media/resources/{id}/thumbnail?size=N [extension].
 */
void
tc_api_client_media_thumbnail_async (TcApiClient         *self,
                                     const char          *resource_id,
                                     guint                size,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;
  GError *error = NULL;
  SoupMessage *msg;

  g_return_if_fail (TC_IS_API_CLIENT (self));
  g_return_if_fail (resource_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tc_api_client_media_thumbnail_async);
  escaped = g_uri_escape_string (resource_id, NULL, FALSE);
  path = g_strdup_printf ("/api/v1/media/resources/%s/thumbnail?size=%u", escaped,
                          CLAMP (size, 1, 4096));
  msg = tc_api_client_new_message (self, "GET", path, &error);
  if (msg == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_set_task_data (task, msg, g_object_unref);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept", "image/png");
  g_debug ("GET %s", path);
  soup_session_send_and_read_async (tc_api_client_get_soup_session (self), msg,
                                    G_PRIORITY_DEFAULT, cancellable, on_thumbnail_cb,
                                    g_steal_pointer (&task));
}

/**
 * tc_api_client_media_thumbnail_finish:
 * @self: a client
 * @result: the result given to the callback
 * @error: return location for an error; %TC_ERROR_NOT_FOUND when the
 *   resource has no thumbnail (not an image the server can read)
 *
 * Returns: (transfer full): the PNG, or %NULL
 */
GBytes *
tc_api_client_media_thumbnail_finish (TcApiClient   *self,
                                      GAsyncResult  *result,
                                      GError       **error)
{
  g_return_val_if_fail (TC_IS_API_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        tc_api_client_media_thumbnail_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
