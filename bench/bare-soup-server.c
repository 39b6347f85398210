/* bare-soup-server.c: the reference for bench/ingest.sh
 *
 * A libsoup 3 server that does nothing but answer every request with the
 * same small JSON body (201), on one thread, the way teamchat-server's main
 * loop uses libsoup: what the HTTP layer alone costs on this machine, so
 * that the ingest figure can be given as a ratio measured in the same run.
 *
 * Usage: bare-soup-server [--paused]   (prints "listening on http://127.0.0.1:PORT")
 *   --paused: answer as teamchat-server does, later: every request is
 *   paused, and an idle callback answers and unpauses all those waiting
 *   (what an asynchronous answer costs libsoup, without any work)
 */
#include <stdio.h>
#include <string.h>

#include <libsoup/soup.h>

/* About the size of teamchat-server's answer to one message. */
static const char body[] =
  "{\"messages\":[{\"id\":1,\"client_id\":\"0b6f3c1e-0000-4000-8000-000000000001\","
  "\"from\":\"A1001\",\"to\":\"A1006\",\"body\":\"Benchmark message 1: the new catalogue is out!\","
  "\"attachments\":[],\"sent_at\":\"2026-11-24T12:00:00.000000Z\",\"read\":false,"
  "\"delivered_via\":null}]}";

static GPtrArray *waiting;   /* --paused: SoupServerMessage */
static guint answer_source;

static void
answer (SoupServerMessage *msg)
{
  soup_server_message_set_status (msg, SOUP_STATUS_CREATED, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Cache-Control",
                                "no-store");
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, body,
                                    strlen (body));
}

static gboolean
answer_waiting_cb (gpointer user_data)
{
  for (guint i = 0; i < waiting->len; i++)
    {
      SoupServerMessage *msg = g_ptr_array_index (waiting, i);

      answer (msg);
      soup_server_message_unpause (msg);
    }
  g_ptr_array_set_size (waiting, 0);
  answer_source = 0;
  return G_SOURCE_REMOVE;
}

static void
handler (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  if (waiting == NULL)
    {
      answer (msg);
      return;
    }
  soup_server_message_pause (msg);
  g_ptr_array_add (waiting, g_object_ref (msg));
  if (answer_source == 0)
    answer_source = g_idle_add (answer_waiting_cb, NULL);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(SoupServer) server = soup_server_new ("server-header", "bare-soup-server ", NULL);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  if (argc > 1 && strcmp (argv[1], "--paused") == 0)
    waiting = g_ptr_array_new_with_free_func (g_object_unref);
  soup_server_add_handler (server, "/", handler, NULL, NULL);
  if (!soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    {
      fprintf (stderr, "bare-soup-server: %s\n", error->message);
      return 1;
    }
  uris = soup_server_get_uris (server);
  printf ("listening on http://127.0.0.1:%d\n", g_uri_get_port (uris->data));
  fflush (stdout);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  g_main_loop_run (loop);
  return 0;
}
