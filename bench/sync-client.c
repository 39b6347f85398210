/* sync-client.c: catch-up as the app does it, timed
 *
 * Logs in, then pages GET /api/v1/sync (limit PAGE, each page's cursor the
 * next page's since) until "more" is false, decoding every event with the
 * shared codec (tc_event_from_json), as the app's sync engine does before
 * it writes them to its replica (which is not timed here). Prints the time
 * to the first MAX events and to the end of the stream. Then times one page
 * of PAGE events from the middle of the stream, REPEAT times: the cost of
 * one page, which must not depend on how much history the server holds.
 *
 * Usage: bench-sync-client URL LOGIN PASSWORD [PAGE] [MAX] [REPEAT]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <libsoup/soup.h>

#include "tc-event.h"

static SoupSession *session;
static char *base_url;
static char *authorization;

static JsonNode *
get_json (const char  *method,
          const char  *path,
          const char  *body,
          GError     **error)
{
  g_autofree char *url = g_strconcat (base_url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  gsize len;
  const char *data;

  if (authorization != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                  authorization);
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  answer = soup_session_send_and_read (session, msg, NULL, error);
  if (answer == NULL)
    return NULL;
  if (soup_message_get_status (msg) != SOUP_STATUS_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s %s: HTTP %u", method, path,
                   soup_message_get_status (msg));
      return NULL;
    }
  data = g_bytes_get_data (answer, &len);
  if (!json_parser_load_from_data (parser, data, (gssize) len, error))
    return NULL;
  return json_parser_steal_root (parser);
}

/* One page: decoded events counted into *n_events; the next cursor. */
static char *
sync_page (const char  *since,
           guint        page,
           guint       *n_events,
           gboolean    *more,
           GError     **error)
{
  g_autofree char *path = since != NULL
    ? g_strdup_printf ("/api/v1/sync?since=%s&limit=%u", since, page)
    : g_strdup_printf ("/api/v1/sync?limit=%u", page);
  g_autoptr(JsonNode) root = get_json ("GET", path, NULL, error);
  JsonObject *object;
  JsonArray *events;

  if (root == NULL)
    return NULL;
  object = json_node_get_object (root);
  events = json_object_get_array_member (object, "events");
  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      g_autoptr(TcEvent) event = tc_event_from_json (json_array_get_element (events, i), error);

      if (event == NULL)
        return NULL;
    }
  *n_events = json_array_get_length (events);
  *more = json_object_get_boolean_member (object, "more");
  return g_strdup (json_object_get_string_member (object, "cursor"));
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
percentile (GArray *values,
            double  p)
{
  g_array_sort (values, compare_doubles);
  return g_array_index (values, double, MIN (values->len - 1, (guint) (p * values->len)));
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) login = NULL;
  g_autoptr(GArray) page_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) middle_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *cursor = NULL;
  g_autoptr(GPtrArray) cursors = g_ptr_array_new_with_free_func (g_free);
  const char *middle = NULL;
  g_autofree char *body = NULL;
  guint page, max, repeat, total = 0, pages = 0;
  double to_max = -1;
  gboolean more = TRUE;
  gint64 start;

  if (argc < 4)
    {
      g_printerr ("usage: %s URL LOGIN PASSWORD [PAGE] [MAX] [REPEAT]\n", argv[0]);
      return 2;
    }
  base_url = argv[1];
  page = argc > 4 ? (guint) atoi (argv[4]) : 500;
  max = argc > 5 ? (guint) atoi (argv[5]) : 100000;
  repeat = argc > 6 ? (guint) atoi (argv[6]) : 50;
  session = soup_session_new ();

  body = g_strdup_printf ("{\"login\":\"%s\",\"password\":\"%s\",\"device\":\"bench\"}",
                          argv[2], argv[3]);
  login = get_json ("POST", "/api/v1/session", body, &error);
  if (login == NULL)
    {
      g_printerr ("login: %s\n", error->message);
      return 1;
    }
  authorization = g_strconcat ("Bearer ",
                               json_object_get_string_member (json_node_get_object (login), "token"),
                               NULL);

  start = g_get_monotonic_time ();
  while (more)
    {
      gint64 t0 = g_get_monotonic_time ();
      guint n = 0;
      char *next = sync_page (cursor, page, &n, &more, &error);
      double ms;

      if (next == NULL)
        {
          g_printerr ("sync: %s\n", error->message);
          return 1;
        }
      ms = (g_get_monotonic_time () - t0) / 1000.0;
      g_array_append_val (page_ms, ms);
      total += n;
      pages++;
      g_free (cursor);
      cursor = next;
      if (to_max < 0 && total >= max)
        to_max = (g_get_monotonic_time () - start) / 1e6;
      g_ptr_array_add (cursors, g_strdup (cursor));
    }
  /* A page that starts in the middle of the stream, and is full. */
  if (cursors->len >= 3)
    middle = g_ptr_array_index (cursors, cursors->len / 2 - 1);
  printf ("catch-up: %u events in %u pages of %u in %.2f s; first %u events in %.2f s; "
          "page p50 %.1f ms, p99 %.1f ms\n",
          total, pages, page, (g_get_monotonic_time () - start) / 1e6, max,
          to_max < 0 ? (g_get_monotonic_time () - start) / 1e6 : to_max,
          percentile (page_ms, 0.5), percentile (page_ms, 0.99));

  for (guint i = 0; middle != NULL && i < repeat; i++)
    {
      gint64 t0 = g_get_monotonic_time ();
      guint n = 0;
      g_autofree char *next = sync_page (middle, page, &n, &more, &error);
      double ms;

      if (next == NULL)
        {
          g_printerr ("sync: %s\n", error->message);
          return 1;
        }
      ms = (g_get_monotonic_time () - t0) / 1000.0;
      g_array_append_val (middle_ms, ms);
    }
  if (middle_ms->len > 0)
    printf ("one page of %u from the middle (%u times): p50 %.2f ms, p90 %.2f ms\n", page,
            middle_ms->len, percentile (middle_ms, 0.5), percentile (middle_ms, 0.9));
  return 0;
}
