/* test-durability.c: acknowledged messages survive kill -9; resends are idempotent
 *
 * API.md: "A message is acknowledged only after it is durably committed",
 * and POST /api/v1/messages is idempotent on (sender, client_id).
 *
 * Several senders post messages over HTTP, four requests in flight at a
 * time. Partway (after KILL_AFTER_ACKS acknowledgements) the server is
 * killed with SIGKILL from a timeout. It is restarted on the same database:
 * every acknowledged message must be there with the id it was acknowledged
 * with, a multi-recipient send must be there for all recipients or for
 * none, and resending every client_id ever tried must answer the original
 * messages for those that exist and create the others exactly once.
 *
 * The same storm runs again over WebSockets: many connections per sender,
 * several send frames in flight on each, killed after KILL_AFTER_ACKS
 * acks; resends go over a WebSocket too.
 */
#include <string.h>

#include "tc-test-server.h"
#include "tc-test-ws.h"

#define N_SENDS          400
#define KILL_AFTER_ACKS  150
#define IN_FLIGHT        4
#define PHASE_SECONDS    240

#define UNLIMITED_CONFIG "[limits]\nmessages_per_minute=0\n" \
                         "[websocket]\nframes_per_minute=0\nmax_connections_per_associate=0\n"
#define WS_PER_SENDER    6
#define WS_IN_FLIGHT     3

/* Who sends to whom, in turn (all team pairs, see tc-test-server.h). */
static const struct {
  const char *from;
  const char *to[3];
} patterns[] = {
  { "A", { "B", NULL } },
  { "C", { "E", NULL } },
  { "E", { "F", NULL } },
  { "F", { "A", NULL } },
  { "D", { "B", NULL } },
  { "A", { "C", "D", NULL } },
};

static const char *senders[] = { "A", "C", "D", "E", "F" };

typedef enum {
  STATE_NOT_SENT,
  STATE_IN_FLIGHT,
  STATE_ACKED,
  STATE_FAILED,     /* no answer: the server died with it in flight */
} State;

typedef struct _Run Run;

typedef struct {
  Run         *run;
  const char  *from;
  const char * const *to;
  guint        n_to;
  char        *client_id;
  State        state;
  gint64       ids[2];   /* by recipient, once acknowledged */
} Entry;

struct _Run
{
  TcTestServer *server;
  GHashTable   *tokens;     /* associate id → token */
  Entry         entries[N_SENDS];
  guint         next;
  guint         in_flight;
  guint         acked;
  guint         kill_after; /* 0: never */
  gboolean      kill_scheduled;
  gboolean      killed;
};

typedef struct {
  Entry       *entry;
  SoupMessage *msg;
} Request;

static void pump (Run *run);

static void
login_all (Run *run)
{
  g_hash_table_remove_all (run->tokens);
  for (guint i = 0; i < G_N_ELEMENTS (senders); i++)
    g_hash_table_insert (run->tokens, (gpointer) senders[i],
                         tc_test_login_as (run->server, senders[i]));
}

static gboolean
kill_cb (gpointer data)
{
  Run *run = data;

  g_test_message ("kill -9 after %u acknowledgements, %u requests in flight", run->acked,
                  run->in_flight);
  tc_test_server_kill (run->server);
  run->killed = TRUE;
  return G_SOURCE_REMOVE;
}

/* Fills @entry->ids from a 2xx answer, matching messages by recipient. */
static void
take_ids (Entry    *entry,
          JsonNode *answer)
{
  JsonArray *messages = tc_test_get_array (tc_test_object (answer), "messages");

  g_assert_cmpuint (json_array_get_length (messages), ==, entry->n_to);
  for (guint i = 0; i < entry->n_to; i++)
    {
      gboolean found = FALSE;

      for (guint j = 0; j < json_array_get_length (messages); j++)
        {
          JsonObject *message = json_array_get_object_element (messages, j);

          if (g_str_equal (tc_test_get_string (message, "to"), entry->to[i]))
            {
              g_assert_cmpstr (tc_test_get_string (message, "client_id"), ==, entry->client_id);
              g_assert_cmpstr (tc_test_get_string (message, "from"), ==, entry->from);
              entry->ids[i] = tc_test_get_int (message, "id");
              found = TRUE;
            }
        }
      g_assert_true (found);
    }
}

static JsonNode *
parse (GBytes *bytes)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  if (!json_parser_load_from_data (parser, data, (gssize) len, NULL))
    return NULL;
  return json_node_copy (json_parser_get_root (parser));
}

static void
send_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Request *request = user_data;
  Entry *entry = request->entry;
  Run *run = entry->run;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  guint status;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  run->in_flight--;
  status = soup_message_get_status (request->msg);
  g_object_unref (request->msg);
  g_free (request);

  if (bytes == NULL)
    {
      /* Only the kill may cost an answer. */
      if (!run->kill_scheduled)
        g_error ("send failed before the kill: %s", error->message);
      entry->state = STATE_FAILED;
    }
  else if (status == 201)
    {
      g_autoptr(JsonNode) answer = parse (bytes);

      take_ids (entry, answer);
      entry->state = STATE_ACKED;
      run->acked++;
      if (run->kill_after > 0 && run->acked >= run->kill_after && !run->kill_scheduled)
        {
          run->kill_scheduled = TRUE;
          g_timeout_add (0, kill_cb, run);
        }
    }
  else
    {
      g_error ("send of %s answered %u: %.*s", entry->client_id, status,
               (int) g_bytes_get_size (bytes), (const char *) g_bytes_get_data (bytes, NULL));
    }
  pump (run);
}

static void
send_async (Run   *run,
            Entry *entry)
{
  g_autofree char *url = g_strconcat (tc_test_server_get_base_url (run->server),
                                      "/api/v1/messages", NULL);
  g_autofree char *authorization = g_strconcat ("Bearer ",
                                                (const char *) g_hash_table_lookup (run->tokens,
                                                                                    entry->from),
                                                NULL);
  char *json = tc_test_message_json (entry->client_id, entry->to, "durable?", NULL);
  g_autoptr(GBytes) body = g_bytes_new_take (json, strlen (json));
  Request *request = g_new0 (Request, 1);

  request->entry = entry;
  request->msg = soup_message_new ("POST", url);
  soup_message_headers_replace (soup_message_get_request_headers (request->msg), "Authorization",
                                authorization);
  soup_message_set_request_body_from_bytes (request->msg, "application/json", body);
  entry->state = STATE_IN_FLIGHT;
  run->in_flight++;
  soup_session_send_and_read_async (tc_test_server_get_session (run->server), request->msg,
                                    G_PRIORITY_DEFAULT, NULL, send_done_cb, request);
}

static void
pump (Run *run)
{
  while (!run->killed && run->in_flight < IN_FLIGHT && run->next < N_SENDS)
    send_async (run, &run->entries[run->next++]);
}

static gboolean
flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Sends until everything is sent or the server was killed, then waits for
 * the requests in flight. */
static void
run_sends (Run *run)
{
  gboolean timed_out = FALSE;
  guint guard = g_timeout_add_seconds (PHASE_SECONDS, flag_cb, &timed_out);

  pump (run);
  while ((run->in_flight > 0 || (run->kill_scheduled && !run->killed)) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("sends did not finish within %d s (%u in flight)", PHASE_SECONDS, run->in_flight);
  g_source_remove (guard);
}

/* All messages each sender has sent, by "FROM>TO:CLIENT_ID"; asserts that
 * no (sender, client_id, recipient) is there twice. */
static GHashTable *
collect_messages (Run *run)
{
  GHashTable *found = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) conversations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                               NULL);

  for (guint p = 0; p < G_N_ELEMENTS (patterns); p++)
    for (guint r = 0; patterns[p].to[r] != NULL; r++)
      {
        g_autofree char *key = g_strconcat (patterns[p].from, ">", patterns[p].to[r], NULL);
        g_autoptr(JsonArray) history = NULL;

        if (!g_hash_table_add (conversations, g_strdup (key)))
          continue;
        history = tc_test_history (run->server, g_hash_table_lookup (run->tokens, patterns[p].from),
                                   patterns[p].to[r]);
        for (guint i = 0; i < json_array_get_length (history); i++)
          {
            JsonObject *message = json_array_get_object_element (history, i);
            char *message_key;
            gint64 *id;

            if (!g_str_equal (tc_test_get_string (message, "from"), patterns[p].from))
              continue;
            message_key = g_strdup_printf ("%s>%s:%s", tc_test_get_string (message, "from"),
                                           tc_test_get_string (message, "to"),
                                           tc_test_get_string (message, "client_id"));
            id = g_new (gint64, 1);
            *id = tc_test_get_int (message, "id");
            if (g_hash_table_contains (found, message_key))
              g_error ("message %s is stored twice", message_key);
            g_hash_table_insert (found, message_key, id);
          }
      }
  return found;
}

static const gint64 *
lookup (GHashTable *found,
        Entry      *entry,
        guint       recipient)
{
  g_autofree char *key = g_strdup_printf ("%s>%s:%s", entry->from, entry->to[recipient],
                                          entry->client_id);

  return g_hash_table_lookup (found, key);
}

/* After the kill, on the restarted server: every acknowledged message is
 * there with the id of its ack; each send is there for all its recipients
 * or none; no send that was never tried is there, and nothing else.
 * Returns the messages found (by "FROM>TO:CLIENT_ID"); *out_stored_unanswered
 * counts the sends without an answer that had been committed. */
static GHashTable *
check_survivors (Run   *run,
                 guint *out_stored_unanswered)
{
  GHashTable *found = collect_messages (run);
  guint expected_total = 0;

  *out_stored_unanswered = 0;
  for (guint i = 0; i < N_SENDS; i++)
    {
      Entry *entry = &run->entries[i];
      guint present = 0;

      for (guint r = 0; r < entry->n_to; r++)
        {
          const gint64 *id = lookup (found, entry, r);

          if (entry->state == STATE_ACKED)
            {
              if (id == NULL)
                g_error ("acknowledged message %s to %s (id %" G_GINT64_FORMAT ") was lost",
                         entry->client_id, entry->to[r], entry->ids[r]);
              g_assert_cmpint (*id, ==, entry->ids[r]);
            }
          if (id != NULL)
            present++;
        }
      g_assert_true (present == 0 || present == entry->n_to);
      g_assert_true (present == 0 || entry->state != STATE_NOT_SENT);
      if (entry->state == STATE_FAILED && present > 0)
        (*out_stored_unanswered)++;
      if (present > 0)
        expected_total += entry->n_to;
    }
  g_assert_cmpuint (g_hash_table_size (found), ==, expected_total);
  return found;
}

/* At the end: each of the N_SENDS sends exactly once, with the ids of its
 * ack, and no id given twice. */
static void
assert_each_once (Run *run)
{
  g_autoptr(GHashTable) found = collect_messages (run);
  g_autoptr(GHashTable) all_ids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  guint expected_total = 0;

  for (guint i = 0; i < N_SENDS; i++)
    {
      Entry *entry = &run->entries[i];

      g_assert_cmpint (entry->state, ==, STATE_ACKED);
      for (guint r = 0; r < entry->n_to; r++)
        {
          const gint64 *id = lookup (found, entry, r);

          g_assert_nonnull (id);
          g_assert_cmpint (*id, ==, entry->ids[r]);
          if (!g_hash_table_add (all_ids, g_memdup2 (id, sizeof *id)))
            g_error ("message id %" G_GINT64_FORMAT " was given twice", *id);
        }
      expected_total += entry->n_to;
    }
  g_assert_cmpuint (g_hash_table_size (found), ==, expected_total);
}

static void
run_init (Run          *run,
          TcTestServer *server)
{
  memset (run, 0, sizeof *run);
  run->server = server;
  run->tokens = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  for (guint i = 0; i < N_SENDS; i++)
    {
      Entry *entry = &run->entries[i];
      guint p = i % G_N_ELEMENTS (patterns);

      entry->run = run;
      entry->from = patterns[p].from;
      entry->to = patterns[p].to;
      entry->n_to = g_strv_length ((char **) patterns[p].to);
      entry->client_id = tc_test_uuid ();
    }
}

static void
run_clear (Run *run)
{
  for (guint i = 0; i < N_SENDS; i++)
    g_free (run->entries[i].client_id);
  g_clear_pointer (&run->tokens, g_hash_table_unref);
}

static void
test_kill_during_sends (void)
{
  g_autoptr(TcTestServer) server = tc_test_server_new_or_fail (UNLIMITED_CONFIG);
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) found = NULL;
  Run run;
  guint attempted, acked_before, failed = 0, failed_stored = 0;

  run_init (&run, server);
  login_all (&run);
  run.kill_after = KILL_AFTER_ACKS;
  run_sends (&run);
  g_assert_true (run.killed);
  attempted = run.next;
  acked_before = run.acked;
  g_assert_cmpuint (acked_before, >=, KILL_AFTER_ACKS);
  g_assert_cmpuint (attempted, <, N_SENDS);
  for (guint i = 0; i < attempted; i++)
    {
      g_assert_cmpint (run.entries[i].state, !=, STATE_IN_FLIGHT);
      if (run.entries[i].state == STATE_FAILED)
        failed++;
    }
  g_test_message ("%u sends tried, %u acknowledged, %u without an answer", attempted, acked_before,
                  failed);

  /* Back on the same database. */
  g_assert_true (tc_test_server_restart (server, &error));
  g_assert_no_error (error);
  login_all (&run);

  /* Every acknowledged message is there with its id; a send with several
   * recipients is all there or not at all. */
  found = check_survivors (&run, &failed_stored);
  g_test_message ("%u unanswered sends had been committed", failed_stored);

  /* Resend every client_id tried: the stored answer 200 with their ids,
   * the others are created now. */
  for (guint i = 0; i < attempted; i++)
    {
      Entry *entry = &run.entries[i];
      g_autoptr(JsonNode) answer = NULL;
      g_autofree char *json = tc_test_message_json (entry->client_id, entry->to, "durable?", NULL);
      gboolean stored = lookup (found, entry, 0) != NULL;
      guint status = 0;

      answer = tc_test_request (server, "POST", "/api/v1/messages",
                                g_hash_table_lookup (run.tokens, entry->from), json, &status);
      if (stored)
        {
          g_assert_cmpuint (status, ==, 200);
          if (entry->state == STATE_ACKED)
            {
              gint64 before[2] = { entry->ids[0], entry->ids[1] };

              take_ids (entry, answer);
              for (guint r = 0; r < entry->n_to; r++)
                g_assert_cmpint (entry->ids[r], ==, before[r]);
            }
          else
            {
              take_ids (entry, answer);
              for (guint r = 0; r < entry->n_to; r++)
                g_assert_cmpint (entry->ids[r], ==, *lookup (found, entry, r));
            }
        }
      else
        {
          g_assert_cmpuint (status, ==, 201);
          take_ids (entry, answer);
        }
      entry->state = STATE_ACKED;
    }

  /* The rest of the sends, on the restarted server. */
  run.kill_after = 0;
  run.kill_scheduled = FALSE;
  run.killed = FALSE;
  run.acked = 0;
  run_sends (&run);
  g_assert_cmpuint (run.next, ==, N_SENDS);
  g_assert_cmpuint (run.acked, ==, N_SENDS - attempted);

  /* Each client_id exactly once, with the ids it was acknowledged with. */
  assert_each_once (&run);
  run_clear (&run);
}

/* --- the same over WebSockets ------------------------------------------------------ */

typedef struct {
  Run                     *run;
  const char              *from;
  SoupSession             *session;
  SoupWebsocketConnection *ws;
  GHashTable              *in_flight;   /* client_id → Entry */
  gboolean                 ready;       /* hello received */
  gboolean                 closed;
} Sender;

typedef struct {
  Run       *run;
  GPtrArray *senders;                   /* Sender */
  GQueue     queues[G_N_ELEMENTS (senders)];   /* Entry, not sent yet, per sender */
} Storm;

static void storm_pump (Storm *storm);

static guint
sender_index (const char *id)
{
  for (guint i = 0; i < G_N_ELEMENTS (senders); i++)
    if (g_str_equal (senders[i], id))
      return i;
  g_assert_not_reached ();
  return 0;
}

static char *
send_frame (Entry *entry)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "send");
  json_builder_set_member_name (builder, "ref");
  json_builder_add_string_value (builder, entry->client_id);
  json_builder_set_member_name (builder, "client_id");
  json_builder_add_string_value (builder, entry->client_id);
  json_builder_set_member_name (builder, "to");
  json_builder_begin_array (builder);
  for (guint i = 0; i < entry->n_to; i++)
    json_builder_add_string_value (builder, entry->to[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "body");
  json_builder_add_string_value (builder, "durable over a WebSocket?");
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static void
sender_message_cb (SoupWebsocketConnection *ws,
                   int                      type,
                   GBytes                  *bytes,
                   gpointer                 user_data)
{
  Sender *sender = user_data;
  Run *run = sender->run;
  g_autoptr(JsonNode) frame = parse (bytes);
  JsonObject *object = tc_test_object (frame);
  const char *kind = tc_test_get_string (object, "type");
  Entry *entry;

  if (g_str_equal (kind, "hello"))
    {
      sender->ready = TRUE;
      storm_pump (g_object_get_data (G_OBJECT (ws), "storm"));
      return;
    }
  if (!g_str_equal (kind, "ack") && !g_str_equal (kind, "error"))
    return;   /* the message events of what was sent */
  if (g_str_equal (kind, "error"))
    g_error ("send frame refused: %s", tc_test_get_string (object, "message"));

  entry = g_hash_table_lookup (sender->in_flight, tc_test_get_string (object, "ref"));
  g_assert_nonnull (entry);
  g_hash_table_remove (sender->in_flight, entry->client_id);
  run->in_flight--;
  take_ids (entry, frame);
  entry->state = STATE_ACKED;
  run->acked++;
  if (run->kill_after > 0 && run->acked >= run->kill_after && !run->kill_scheduled)
    {
      run->kill_scheduled = TRUE;
      g_timeout_add (0, kill_cb, run);
    }
  storm_pump (g_object_get_data (G_OBJECT (ws), "storm"));
}

static void
sender_closed_cb (SoupWebsocketConnection *ws,
                  gpointer                 user_data)
{
  Sender *sender = user_data;
  GHashTableIter iter;
  Entry *entry;

  /* Only the kill may close a connection. */
  if (!sender->run->kill_scheduled)
    g_error ("a sender's WebSocket closed before the kill");
  sender->closed = TRUE;
  g_hash_table_iter_init (&iter, sender->in_flight);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    {
      entry->state = STATE_FAILED;
      sender->run->in_flight--;
    }
  g_hash_table_remove_all (sender->in_flight);
}

static void
sender_free (Sender *sender)
{
  if (sender->ws != NULL)
    g_signal_handlers_disconnect_by_data (sender->ws, sender);
  g_clear_object (&sender->ws);
  g_clear_object (&sender->session);
  g_hash_table_unref (sender->in_flight);
  g_free (sender);
}

static void
sender_connected_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Sender *sender = user_data;
  g_autoptr(GError) error = NULL;

  sender->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (sender->ws == NULL && sender->run->kill_scheduled)
    {
      sender->closed = TRUE;   /* the server died before this one opened */
      return;
    }
  g_assert_no_error (error);
  g_object_set_data (G_OBJECT (sender->ws), "storm", g_object_get_data (source, "storm"));
  g_signal_connect (sender->ws, "message", G_CALLBACK (sender_message_cb), sender);
  g_signal_connect (sender->ws, "closed", G_CALLBACK (sender_closed_cb), sender);
}

static void
storm_pump (Storm *storm)
{
  Run *run = storm->run;

  /* Up to the kill itself, so that sends are in flight when it comes. */
  if (run->killed)
    return;
  for (guint i = 0; i < storm->senders->len; i++)
    {
      Sender *sender = g_ptr_array_index (storm->senders, i);
      GQueue *queue = &storm->queues[sender_index (sender->from)];

      while (sender->ready && !sender->closed && !g_queue_is_empty (queue) &&
             g_hash_table_size (sender->in_flight) < WS_IN_FLIGHT)
        {
          Entry *entry = g_queue_pop_head (queue);
          g_autofree char *frame = send_frame (entry);

          g_hash_table_insert (sender->in_flight, entry->client_id, entry);
          entry->state = STATE_IN_FLIGHT;
          run->in_flight++;
          run->next++;
          soup_websocket_connection_send_text (sender->ws, frame);
        }
    }
}

static gboolean
storm_over (Storm *storm)
{
  if (storm->run->killed)
    {
      for (guint i = 0; i < storm->senders->len; i++)
        if (!((Sender *) g_ptr_array_index (storm->senders, i))->closed)
          return FALSE;
      return TRUE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (storm->queues); i++)
    if (!g_queue_is_empty (&storm->queues[i]))
      return FALSE;
  return storm->run->in_flight == 0;
}

static void
test_kill_during_ws_storm (void)
{
  g_autoptr(TcTestServer) server = tc_test_server_new_or_fail (UNLIMITED_CONFIG);
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) found = NULL;
  g_autofree char *url = tc_test_server_ws_url (server);
  Storm storm = { 0 };
  Run run;
  gboolean timed_out = FALSE;
  guint guard, attempted = 0, failed = 0, stored_unanswered = 0, created = 0, repeated = 0;

  run_init (&run, server);
  login_all (&run);
  run.kill_after = KILL_AFTER_ACKS;
  storm.run = &run;
  storm.senders = g_ptr_array_new_with_free_func ((GDestroyNotify) sender_free);
  for (guint i = 0; i < G_N_ELEMENTS (storm.queues); i++)
    g_queue_init (&storm.queues[i]);
  for (guint i = 0; i < N_SENDS; i++)
    g_queue_push_tail (&storm.queues[sender_index (run.entries[i].from)], &run.entries[i]);

  /* WS_PER_SENDER connections for each sender, all sending at once. */
  for (guint i = 0; i < G_N_ELEMENTS (senders); i++)
    for (guint c = 0; c < WS_PER_SENDER; c++)
      {
        Sender *sender = g_new0 (Sender, 1);
        g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
        g_autofree char *authorization = g_strconcat ("Bearer ",
                                                      (const char *) g_hash_table_lookup (run.tokens,
                                                                                          senders[i]),
                                                      NULL);

        sender->run = &run;
        sender->from = senders[i];
        sender->session = soup_session_new ();
        sender->in_flight = g_hash_table_new (g_str_hash, g_str_equal);
        g_object_set_data (G_OBJECT (sender->session), "storm", &storm);
        soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                      authorization);
        soup_session_websocket_connect_async (sender->session, msg, NULL, NULL,
                                              G_PRIORITY_DEFAULT, NULL, sender_connected_cb,
                                              sender);
        g_ptr_array_add (storm.senders, sender);
      }

  guard = g_timeout_add_seconds (PHASE_SECONDS, flag_cb, &timed_out);
  while (!storm_over (&storm) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("the storm did not end within %d s (%u in flight)", PHASE_SECONDS, run.in_flight);
  g_source_remove (guard);
  g_assert_true (run.killed);

  for (guint i = 0; i < N_SENDS; i++)
    {
      g_assert_cmpint (run.entries[i].state, !=, STATE_IN_FLIGHT);
      attempted += run.entries[i].state != STATE_NOT_SENT;
      failed += run.entries[i].state == STATE_FAILED;
    }
  g_test_message ("%u connections; kill -9 after %u acks: %u sends tried, %u without an answer",
                  storm.senders->len, run.acked, attempted, failed);
  /* The kill came in the middle of the storm (answers already on their way
   * may still arrive, so none may be without one). */
  g_assert_cmpuint (attempted, <, N_SENDS);

  g_assert_true (tc_test_server_restart (server, &error));
  g_assert_no_error (error);
  login_all (&run);

  /* Every acknowledged message is there with its id; every send is whole
   * or absent; nothing else. */
  found = check_survivors (&run, &stored_unanswered);
  g_test_message ("%u unanswered sends had been committed", stored_unanswered);

  /* Every sender resends everything, over a WebSocket: what is stored comes
   * back with its ids and nothing new; the rest is created once. */
  for (guint s = 0; s < G_N_ELEMENTS (senders); s++)
    {
      g_autoptr(TcTestWs) ws = tc_test_ws_open (server, g_hash_table_lookup (run.tokens,
                                                                             senders[s]));

      for (guint i = 0; i < N_SENDS; i++)
        {
          Entry *entry = &run.entries[i];
          g_autofree char *frame = NULL;
          g_autoptr(JsonNode) ack = NULL;
          gboolean stored = lookup (found, entry, 0) != NULL;

          if (!g_str_equal (entry->from, senders[s]))
            continue;
          frame = send_frame (entry);
          ack = tc_test_ws_request (ws, frame, entry->client_id);
          g_assert_nonnull (ack);
          g_assert_cmpstr (tc_test_get_string (tc_test_object (ack), "type"), ==, "ack");
          if (stored)
            {
              gint64 before[2] = { entry->ids[0], entry->ids[1] };

              take_ids (entry, ack);
              for (guint r = 0; r < entry->n_to; r++)
                g_assert_cmpint (entry->ids[r], ==,
                                 entry->state == STATE_ACKED ? before[r] : *lookup (found, entry, r));
              repeated++;
            }
          else
            {
              take_ids (entry, ack);
              created++;
            }
          entry->state = STATE_ACKED;
        }
    }
  g_test_message ("resends: %u answered as stored, %u created", repeated, created);

  /* Each client_id exactly once, with the ids of its ack. */
  assert_each_once (&run);

  g_ptr_array_unref (storm.senders);
  for (guint i = 0; i < G_N_ELEMENTS (storm.queues); i++)
    g_queue_clear (&storm.queues[i]);
  run_clear (&run);
}

/* SIGTERM: a clean exit, and everything acknowledged is still there. */
static void
test_graceful_restart (void)
{
  g_autoptr(TcTestServer) server = tc_test_server_new_or_fail (UNLIMITED_CONFIG);
  g_autoptr(GError) error = NULL;
  g_autofree char *a = tc_test_login_as (server, "A");
  g_autofree char *a_again = NULL;
  g_autoptr(JsonArray) history = NULL;
  gint64 ids[20];

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autofree char *client_id = tc_test_uuid ();
      g_autoptr(JsonNode) answer = NULL;
      guint status = 0;

      answer = tc_test_send_message (server, a, client_id, (const char *[]) { "B", NULL },
                                     "before the restart", &status);
      g_assert_cmpuint (status, ==, 201);
      ids[i] = tc_test_get_int (json_array_get_object_element (
                                  tc_test_get_array (tc_test_object (answer), "messages"), 0),
                                "id");
    }

  g_assert_true (tc_test_server_stop (server));
  g_assert_true (tc_test_server_restart (server, &error));
  g_assert_no_error (error);

  a_again = tc_test_login_as (server, "A");
  history = tc_test_history (server, a_again, "B");
  g_assert_cmpuint (json_array_get_length (history), ==, G_N_ELEMENTS (ids));
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_assert_cmpint (tc_test_get_int (json_array_get_object_element (history, i), "id"), ==,
                     ids[G_N_ELEMENTS (ids) - 1 - i]);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/durability/kill-during-sends", test_kill_during_sends);
  g_test_add_func ("/durability/kill-during-ws-storm", test_kill_during_ws_storm);
  g_test_add_func ("/durability/graceful-restart", test_graceful_restart);

  return g_test_run ();
}
