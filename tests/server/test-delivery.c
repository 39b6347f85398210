/* test-delivery.c: offline delivery by email and text, against a real SMTP
 * server (aiosmtpd) and a local HTTP receiver standing in for the SMS API */
#include <string.h>
#include <gmime/gmime.h>
#include <glib/gstdio.h>

#include "tc-gmime-autoptr.h"

#include "tc-test-server.h"
#include "tc-test-sinks.h"

#define SMS_FROM "+15550000000"

typedef struct {
  char         *dir;
  guint16       smtp_port;
  guint16       sms_port;
  TcTestSink   *smtp;
  TcTestSink   *sms;
  TcTestServer *server;
} Fixture;

static char *
config_text (Fixture    *f,
             guint       max_tries,
             const char *smtp_auth)
{
  g_autofree char *auth = NULL;

  if (smtp_auth != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (smtp_auth, ":", 2);
      auth = g_strdup_printf ("username=%s\npassword=%s\n", parts[0], parts[1]);
    }
  return g_strdup_printf ("[server]\npublic_url=https://chat.example.com\n"
                          "[email]\nsmtp_url=smtp://127.0.0.1:%u\n%s"
                          "from=Team Chat <chat@example.com>\n"
                          "reply_domain=reply.example.com\nwebhook_secret=hook-secret\n"
                          "[sms]\napi_url=http://127.0.0.1:%u/2010-04-01/Accounts/" TC_TEST_SMS_SID
                          "/Messages.json\naccount_sid=" TC_TEST_SMS_SID "\n"
                          "auth_token=" TC_TEST_SMS_TOKEN "\nfrom=" SMS_FROM "\n"
                          "[delivery]\nretry_seconds=1\nmax_retry_seconds=2\nmax_tries=%u\n",
                          f->smtp_port, auth ? auth : "", f->sms_port, max_tries);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("teamchat-delivery-XXXXXX", &error);
  g_assert_no_error (error);
  f->smtp_port = tc_test_free_port ();
  f->sms_port = tc_test_free_port ();
}

static void
remove_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_dir (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_pointer (&f->server, tc_test_server_free);
  g_clear_pointer (&f->smtp, tc_test_sink_free);
  g_clear_pointer (&f->sms, tc_test_sink_free);
  remove_dir (f->dir);
  g_free (f->dir);
}

static char *
mail_dir (Fixture *f)
{
  return g_build_filename (f->dir, "mail", NULL);
}

static char *
sms_dir (Fixture *f)
{
  return g_build_filename (f->dir, "sms", NULL);
}

static void
start_smtp (Fixture    *f,
            const char *auth)
{
  g_autofree char *dir = mail_dir (f);

  f->smtp = tc_test_smtp_sink_new (f->smtp_port, dir, auth);
}

static void
start_sms (Fixture            *f,
           const char * const *rejected)
{
  g_autofree char *dir = sms_dir (f);

  f->sms = tc_test_sms_sink_new (f->sms_port, dir, rejected);
}

static void
start_server (Fixture    *f,
              guint       max_tries,
              const char *smtp_auth)
{
  g_autofree char *config = config_text (f, max_tries, smtp_auth);

  f->server = tc_test_server_new_or_fail (config);
}

static gint64
send_text (Fixture    *f,
           const char *token,
           const char *to,
           const char *body)
{
  const char *recipients[] = { to, NULL };
  g_autofree char *client_id = tc_test_uuid ();
  g_autoptr(JsonNode) answer = NULL;
  JsonArray *messages;
  guint status = 0;

  answer = tc_test_send_message (f->server, token, client_id, recipients, body, &status);
  g_assert_cmpuint (status, ==, 201);
  messages = tc_test_get_array (tc_test_object (answer), "messages");
  return tc_test_get_int (json_array_get_object_element (messages, 0), "id");
}

/* The message @id as @token sees it in the conversation with @peer. */
static JsonObject *
find_message (Fixture    *f,
              const char *token,
              const char *peer,
              gint64      id)
{
  g_autoptr(JsonArray) history = tc_test_history (f->server, token, peer);

  for (guint i = 0; i < json_array_get_length (history); i++)
    {
      JsonObject *message = json_array_get_object_element (history, i);

      if (json_object_get_int_member (message, "id") == id)
        return json_object_ref (message);
    }
  return NULL;
}

typedef struct {
  Fixture    *f;
  const char *token;
  const char *peer;
  gint64      id;
  const char *member;    /* "delivered_via" or "delivery_error" */
} MessageWait;

static gboolean
message_has_member (gpointer data)
{
  MessageWait *wait = data;
  g_autoptr(JsonObject) message = find_message (wait->f, wait->token, wait->peer, wait->id);

  return message != NULL && json_object_has_member (message, wait->member) &&
         !json_object_get_null_member (message, wait->member);
}

static JsonObject *
wait_message_member (Fixture    *f,
                     const char *token,
                     const char *peer,
                     gint64      id,
                     const char *member)
{
  MessageWait wait = { f, token, peer, id, member };

  tc_test_wait_until (message_has_member, &wait, member);
  return find_message (f, token, peer, id);
}

/* --- the database, read beside the server ------------------------------------- */

/* One integer from the database (-1: no row); "?1" in @sql stands for @arg. */
static gint64
db_int (Fixture    *f,
        const char *sql,
        gint64      arg)
{
  g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, arg);
  g_auto(GStrv) parts = g_strsplit (sql, "?1", -1);
  g_autofree char *query = g_strjoinv (number, parts);
  g_autofree char *value = tc_test_db_query (tc_test_server_get_db_path (f->server), query);

  return value != NULL ? g_ascii_strtoll (value, NULL, 10) : -1;
}

typedef struct {
  Fixture *f;
  gint64   id;
} TriedWait;

static gboolean
delivery_was_tried (gpointer data)
{
  TriedWait *wait = data;

  return db_int (wait->f,
                 "SELECT tries FROM deliveries WHERE message_id = ?1 AND state = 'pending' "
                 "AND last_error IS NOT NULL", wait->id) >= 1;
}

static void
wait_tried_and_failed (Fixture *f,
                       gint64   id)
{
  TriedWait wait = { f, id };

  tc_test_wait_until (delivery_was_tried, &wait, "a failed try");
}

/* --- reading what arrived ------------------------------------------------------ */

static GMimeMessage *
parse_mail (GBytes *bytes)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  GMimeStream *stream = g_mime_stream_mem_new_with_buffer (data, len);
  GMimeParser *parser = g_mime_parser_new_with_stream (stream);
  GMimeMessage *message = g_mime_parser_construct_message (parser, NULL);

  g_object_unref (parser);
  g_object_unref (stream);
  g_assert_nonnull (message);
  return message;
}

static char *
mail_text (GMimeMessage *message)
{
  GMimeObject *body = g_mime_message_get_mime_part (message);

  g_assert_true (GMIME_IS_TEXT_PART (body));
  return g_mime_text_part_get_text (GMIME_TEXT_PART (body));
}

static const char *
header (GMimeMessage *message,
        const char   *name)
{
  return g_mime_object_get_header (GMIME_OBJECT (message), name);
}

static JsonObject *
sms_fields (GBytes *bytes)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  JsonObject *root;

  g_assert_true (json_parser_load_from_data (parser, data, (gssize) len, NULL));
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "path"), ==,
                   "/2010-04-01/Accounts/" TC_TEST_SMS_SID "/Messages.json");
  return json_object_ref (json_object_get_object_member (root, "fields"));
}

/* --- WebSocket, to be online ------------------------------------------------------ */

typedef struct {
  gboolean      done;
  GAsyncResult *result;
  gboolean      got_frame;
} WsWait;

static void
ws_connected_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  WsWait *wait = data;

  wait->result = g_object_ref (result);
  wait->done = TRUE;
}

static void
ws_message_cb (SoupWebsocketConnection *conn,
               int                      type,
               GBytes                  *message,
               gpointer                 data)
{
  ((WsWait *) data)->got_frame = TRUE;
}

static SoupWebsocketConnection *
go_online (TcTestServer *server,
           SoupSession  *session,
           const char   *token)
{
  g_autofree char *url = tc_test_server_ws_url (server);
  g_autofree char *authorization = g_strconcat ("Bearer ", token, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *conn;
  WsWait wait = { FALSE, NULL, FALSE };

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                authorization);
  soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        ws_connected_cb, &wait);
  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);
  conn = soup_session_websocket_connect_finish (session, wait.result, &error);
  g_object_unref (wait.result);
  g_assert_no_error (error);
  /* The hello means the server has registered the connection. */
  g_signal_connect (conn, "message", G_CALLBACK (ws_message_cb), &wait);
  while (!wait.got_frame)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handlers_disconnect_by_data (conn, &wait);
  return conn;
}

/* --- tests ----------------------------------------------------------------------- */

static void
test_email_offline_recipient (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *alice = NULL;
  g_autofree char *carol = NULL;
  g_autofree char *dir = mail_dir (f);
  g_autoptr(GPtrArray) mails = NULL;
  g_autoptr(GMimeMessage) mail = NULL;
  g_autoptr(JsonObject) seen = NULL;
  g_autoptr(SoupSession) ws_session = soup_session_new ();
  g_autoptr(SoupWebsocketConnection) carol_ws = NULL;
  g_autoptr(GRegex) reply_to_re = NULL;
  g_autofree char *text = NULL;
  InternetAddressList *list;
  gint64 to_carol, to_bob;
  const char *body = "Hello Bob, the café opens at 10 ☕";

  start_smtp (f, NULL);
  start_server (f, 8, NULL);
  alice = tc_test_login_as (f->server, "A");
  carol = tc_test_login_as (f->server, "C");

  /* Carol is online: no delivery job at all. */
  carol_ws = go_online (f->server, ws_session, carol);
  to_carol = send_text (f, alice, "C", "Carol sees this in the app");
  to_bob = send_text (f, alice, "B", body);

  mails = tc_test_sink_wait (dir, 1);
  g_assert_cmpuint (mails->len, ==, 1);
  g_assert_cmpint (db_int (f, "SELECT COUNT(*) FROM deliveries WHERE message_id = ?1", to_carol),
                   ==, 0);

  mail = parse_mail (g_ptr_array_index (mails, 0));
  g_assert_cmpstr (header (mail, "X-Envelope-To"), ==, "bob@example.com");
  g_assert_cmpstr (header (mail, "X-Envelope-From"), ==, "chat@example.com");
  list = g_mime_message_get_from (mail);
  g_assert_cmpint (internet_address_list_length (list), ==, 1);
  g_assert_cmpstr (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (
                     internet_address_list_get_address (list, 0))), ==, "chat@example.com");
  list = g_mime_message_get_to (mail);
  g_assert_cmpstr (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (
                     internet_address_list_get_address (list, 0))), ==, "bob@example.com");
  g_assert_cmpstr (g_mime_message_get_subject (mail), ==, "New message from Alice Apex");
  g_assert_cmpstr (header (mail, "Auto-Submitted"), ==, "auto-generated");
  g_assert_cmpstr (header (mail, "X-Auto-Response-Suppress"), ==, "All");
  g_assert_nonnull (g_mime_message_get_message_id (mail));
  g_assert_nonnull (strchr (g_mime_message_get_message_id (mail), '@'));

  list = g_mime_message_get_reply_to (mail);
  g_assert_cmpint (internet_address_list_length (list), ==, 1);
  reply_to_re = g_regex_new ("^reply\\+[a-z2-7]{39}@reply\\.example\\.com$", 0, 0, NULL);
  g_assert_true (g_regex_match (reply_to_re, internet_address_mailbox_get_addr (
                   INTERNET_ADDRESS_MAILBOX (internet_address_list_get_address (list, 0))),
                   0, NULL));

  g_assert_cmpstr (g_mime_object_get_content_type_parameter (g_mime_message_get_mime_part (mail),
                                                             "charset"), ==, "utf-8");
  text = mail_text (mail);
  g_assert_nonnull (strstr (text, body));
  g_assert_nonnull (strstr (text, "Reply to this email"));
  g_assert_nonnull (strstr (text, "Team Chat"));

  /* The sender sees how it went. */
  seen = wait_message_member (f, alice, "B", to_bob, "delivered_via");
  g_assert_cmpstr (json_object_get_string_member (seen, "delivered_via"), ==, "email");
  {
    g_autoptr(JsonObject) to_carol_seen = find_message (f, alice, "C", to_carol);
    g_assert_true (json_object_get_null_member (to_carol_seen, "delivered_via"));
  }
  soup_websocket_connection_close (carol_ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
}

static gboolean
sync_shows_delivery (gpointer data)
{
  MessageWait *wait = data;
  g_autoptr(JsonNode) answer = NULL;
  JsonArray *events;
  guint status = 0;
  const char *via = NULL;

  answer = tc_test_request (wait->f->server, "GET", "/api/v1/sync", wait->token, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  events = tc_test_get_array (tc_test_object (answer), "events");
  /* The last event about the message tells its present state. */
  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *event = json_array_get_object_element (events, i);
      JsonObject *message;

      if (g_strcmp0 (json_object_get_string_member (event, "type"), "message") != 0)
        continue;
      message = json_object_get_object_member (event, "message");
      if (json_object_get_int_member (message, "id") == wait->id)
        via = json_object_get_null_member (message, "delivered_via")
                ? NULL : json_object_get_string_member (message, "delivered_via");
    }
  return g_strcmp0 (via, "sms") == 0;
}

static void
test_sms_offline_recipient (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *alice = NULL;
  g_autofree char *dir = sms_dir (f);
  g_autoptr(GPtrArray) posts = NULL;
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) second = NULL;
  g_autoptr(GString) long_body = g_string_new (NULL);
  const char *hint = "\n(Reply to answer in Team Chat)";
  const char *text;
  gint64 short_id;
  MessageWait wait;

  start_sms (f, NULL);
  start_server (f, 8, NULL);
  alice = tc_test_login_as (f->server, "A");

  /* Dan prefers texts. */
  short_id = send_text (f, alice, "D", "Call me when you land ✈");
  posts = tc_test_sink_wait (dir, 1);
  first = sms_fields (g_ptr_array_index (posts, 0));
  g_assert_cmpstr (json_object_get_string_member (first, "To"), ==, "+15555550004");
  g_assert_cmpstr (json_object_get_string_member (first, "From"), ==, SMS_FROM);
  g_assert_cmpstr (json_object_get_string_member (first, "Body"), ==,
                   "Alice Apex: Call me when you land ✈\n(Reply to answer in Team Chat)");

  /* The sender's sync shows the delivery. */
  wait = (MessageWait) { f, alice, "D", short_id, "delivered_via" };
  tc_test_wait_until (sync_shows_delivery, &wait, "delivered_via sms in sync");

  /* Long text is cut between characters, with an ellipsis. */
  for (guint i = 0; i < 300; i++)
    g_string_append (long_body, "é🙂 ");
  send_text (f, alice, "D", long_body->str);
  g_clear_pointer (&posts, g_ptr_array_unref);
  posts = tc_test_sink_wait (dir, 2);
  second = sms_fields (g_ptr_array_index (posts, 1));
  text = json_object_get_string_member (second, "Body");
  g_assert_true (g_utf8_validate (text, -1, NULL));
  g_assert_cmpint (g_utf8_strlen (text, -1), <=, 459);
  g_assert_cmpint (g_utf8_strlen (text, -1), >, 400);
  g_assert_true (g_str_has_prefix (text, "Alice Apex: é🙂 é🙂"));
  g_assert_true (g_str_has_suffix (text, hint));
  g_assert_nonnull (strstr (text, "…\n(Reply"));
}

static void
test_email_retried_until_smtp_is_back (Fixture       *f,
                                       gconstpointer  data)
{
  g_autofree char *alice = NULL;
  g_autofree char *dir = mail_dir (f);
  g_autoptr(GPtrArray) mails = NULL;
  g_autoptr(JsonObject) seen = NULL;
  gint64 id;

  /* No SMTP server yet: the first tries fail. */
  start_server (f, 100, NULL);
  alice = tc_test_login_as (f->server, "A");
  id = send_text (f, alice, "B", "Are you there?");
  wait_tried_and_failed (f, id);
  seen = find_message (f, alice, "B", id);
  g_assert_true (json_object_get_null_member (seen, "delivered_via"));

  start_smtp (f, NULL);
  mails = tc_test_sink_wait (dir, 1);
  g_assert_cmpuint (mails->len, ==, 1);
  g_clear_pointer (&seen, json_object_unref);
  seen = wait_message_member (f, alice, "B", id, "delivered_via");
  g_assert_cmpstr (json_object_get_string_member (seen, "delivered_via"), ==, "email");
  g_assert_false (json_object_has_member (seen, "delivery_error"));

  /* Once: the next message is the only other email. */
  send_text (f, alice, "B", "Second one");
  g_clear_pointer (&mails, g_ptr_array_unref);
  mails = tc_test_sink_wait (dir, 2);
  g_assert_cmpuint (mails->len, ==, 2);
  {
    g_autoptr(GMimeMessage) second = parse_mail (g_ptr_array_index (mails, 1));
    g_autofree char *text = mail_text (second);

    g_assert_nonnull (strstr (text, "Second one"));
  }
}

/* The SMS API down (nothing listens), then in trouble (503 twice), then
 * back: the text goes out once, and only once. */
static void
test_sms_retried_until_api_is_back (Fixture       *f,
                                    gconstpointer  data)
{
  g_autofree char *alice = NULL;
  g_autofree char *dir = sms_dir (f);
  g_autoptr(GPtrArray) posts = NULL;
  g_autoptr(JsonObject) seen = NULL;
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) second = NULL;
  gint64 id, second_id;

  start_server (f, 100, NULL);
  alice = tc_test_login_as (f->server, "A");
  id = send_text (f, alice, "D", "Are you there, Dan?");
  wait_tried_and_failed (f, id);
  seen = find_message (f, alice, "D", id);
  g_assert_true (json_object_get_null_member (seen, "delivered_via"));

  f->sms = tc_test_sms_sink_new_failing (f->sms_port, dir, NULL, 2);
  g_clear_pointer (&seen, json_object_unref);
  seen = wait_message_member (f, alice, "D", id, "delivered_via");
  g_assert_cmpstr (json_object_get_string_member (seen, "delivered_via"), ==, "sms");
  g_assert_false (json_object_has_member (seen, "delivery_error"));
  /* The refused tries were counted: one without a listener, two 503s. */
  g_assert_cmpint (db_int (f, "SELECT tries FROM deliveries WHERE message_id = ?1", id), >=, 4);

  /* Once: the next text is the only other post. */
  second_id = send_text (f, alice, "D", "Second one");
  posts = tc_test_sink_wait (dir, 2);
  /* The provider has it; the server records that when its answer comes. */
  g_clear_pointer (&seen, json_object_unref);
  seen = wait_message_member (f, alice, "D", second_id, "delivered_via");
  g_assert_cmpuint (posts->len, ==, 2);
  first = sms_fields (g_ptr_array_index (posts, 0));
  second = sms_fields (g_ptr_array_index (posts, 1));
  g_assert_nonnull (strstr (json_object_get_string_member (first, "Body"), "Are you there, Dan?"));
  g_assert_nonnull (strstr (json_object_get_string_member (second, "Body"), "Second one"));
  g_assert_cmpint (db_int (f, "SELECT COUNT(*) FROM deliveries WHERE state != 'sent'", 0), ==, 0);
}

static void
test_restart_sends_once (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *alice = NULL;
  g_autofree char *dir = mail_dir (f);
  g_autoptr(GPtrArray) mails = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) seen = NULL;
  g_autoptr(GMimeMessage) first = NULL;
  g_autoptr(GMimeMessage) second = NULL;
  g_autofree char *first_text = NULL;
  g_autofree char *second_text = NULL;
  gint64 id;

  start_server (f, 100, NULL);
  alice = tc_test_login_as (f->server, "A");
  id = send_text (f, alice, "B", "Pending across a restart");
  wait_tried_and_failed (f, id);

  /* The job is durable: a new process sends it. */
  g_assert_true (tc_test_server_stop (f->server));
  start_smtp (f, NULL);
  g_assert_true (tc_test_server_restart (f->server, &error));
  g_assert_no_error (error);
  g_free (alice);
  alice = tc_test_login_as (f->server, "A");
  seen = wait_message_member (f, alice, "B", id, "delivered_via");
  g_assert_cmpstr (json_object_get_string_member (seen, "delivered_via"), ==, "email");

  /* And only once: another restart does not send it again; the next
   * message is the only new email. */
  g_assert_true (tc_test_server_restart (f->server, &error));
  g_assert_no_error (error);
  g_free (alice);
  alice = tc_test_login_as (f->server, "A");
  id = send_text (f, alice, "B", "After the second restart");
  mails = tc_test_sink_wait (dir, 2);
  g_clear_pointer (&seen, json_object_unref);
  seen = wait_message_member (f, alice, "B", id, "delivered_via");
  g_assert_cmpuint (mails->len, ==, 2);
  first = parse_mail (g_ptr_array_index (mails, 0));
  second = parse_mail (g_ptr_array_index (mails, 1));
  first_text = mail_text (first);
  second_text = mail_text (second);
  g_assert_nonnull (strstr (first_text, "Pending across a restart"));
  g_assert_nonnull (strstr (second_text, "After the second restart"));
  g_assert_cmpint (db_int (f, "SELECT COUNT(*) FROM deliveries WHERE state != 'sent'", 0), ==, 0);
}

static void
test_final_failures (Fixture       *f,
                     gconstpointer  data)
{
  const char *rejected[] = { "+15555550005", NULL };
  g_autofree char *alice = NULL;
  g_autofree char *erin = NULL;
  g_autoptr(JsonObject) to_erin = NULL;
  g_autoptr(JsonObject) to_bob = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autofree char *sms = sms_dir (f);
  g_autofree char *mail = mail_dir (f);
  g_autoptr(GPtrArray) posts = NULL;
  g_autoptr(GPtrArray) mails = NULL;
  guint status = 0;
  gint64 erin_id, bob_id;

  /* The SMS API refuses Erin's number; no SMTP server at all. */
  start_sms (f, rejected);
  start_server (f, 2, NULL);
  alice = tc_test_login_as (f->server, "A");
  erin = tc_test_login_as (f->server, "E");
  answer = tc_test_request (f->server, "PATCH", "/api/v1/me/preferences", erin,
                            "{\"offline_channel\":\"sms\"}", &status);
  g_assert_cmpuint (status, ==, 200);

  erin_id = send_text (f, alice, "E", "This number is wrong");
  bob_id = send_text (f, alice, "B", "Nobody takes mail");

  to_erin = wait_message_member (f, alice, "E", erin_id, "delivery_error");
  g_assert_true (json_object_get_null_member (to_erin, "delivered_via"));
  g_assert_nonnull (strstr (json_object_get_string_member (to_erin, "delivery_error"),
                            "not a valid phone number"));
  /* A refused number is final at once. */
  g_assert_cmpint (db_int (f, "SELECT tries FROM deliveries WHERE message_id = ?1", erin_id),
                   ==, 1);

  to_bob = wait_message_member (f, alice, "B", bob_id, "delivery_error");
  g_assert_nonnull (strstr (json_object_get_string_member (to_bob, "delivery_error"),
                            "email not sent"));
  g_assert_cmpint (db_int (f, "SELECT tries FROM deliveries WHERE message_id = ?1", bob_id),
                   ==, 2);
  posts = tc_test_sink_received (sms);
  mails = tc_test_sink_received (mail);
  g_assert_cmpuint (posts->len, ==, 0);
  g_assert_cmpuint (mails->len, ==, 0);
}

static void
test_smtp_auth (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *alice = NULL;
  g_autofree char *dir = mail_dir (f);
  g_autoptr(GPtrArray) mails = NULL;
  g_autoptr(JsonObject) seen = NULL;
  gint64 id;

  start_smtp (f, "chatbot:s3cret pass");
  start_server (f, 8, "chatbot:s3cret pass");
  alice = tc_test_login_as (f->server, "A");
  id = send_text (f, alice, "B", "Through an authenticated relay");
  mails = tc_test_sink_wait (dir, 1);
  g_assert_cmpuint (mails->len, ==, 1);
  seen = wait_message_member (f, alice, "B", id, "delivered_via");
  g_assert_cmpstr (json_object_get_string_member (seen, "delivered_via"), ==, "email");
}


/* The server's config for an SMTP server with TLS: @scheme "smtp" (STARTTLS)
 * or "smtps", trusting @ca_file (NULL: the system's CAs only). */
static void
start_server_tls (Fixture    *f,
                  const char *scheme,
                  const char *ca_file,
                  guint       max_tries)
{
  g_autofree char *plain = config_text (f, max_tries, NULL);
  g_autoptr(GString) config = g_string_new (plain);
  g_autofree char *ca_line = ca_file ? g_strdup_printf ("ca_file=%s\n", ca_file) : g_strdup ("");
  g_autofree char *from = g_strconcat (ca_line, "from=Team Chat", NULL);
  g_autofree char *url = g_strconcat ("smtp_url=", scheme, "://", NULL);

  g_assert_cmpuint (g_string_replace (config, "smtp_url=smtp://", url, 1), ==, 1);
  g_assert_cmpuint (g_string_replace (config, "from=Team Chat", from, 1), ==, 1);
  f->server = tc_test_server_new_or_fail (config->str);
}

static void
assert_delivered_over_tls (Fixture    *f,
                           const char *body)
{
  g_autofree char *alice = tc_test_login_as (f->server, "A");
  g_autofree char *dir = mail_dir (f);
  g_autoptr(GPtrArray) mails = NULL;
  g_autoptr(JsonObject) seen = NULL;
  gint64 id = send_text (f, alice, "B", body);
  g_autoptr(GMimeMessage) mail = NULL;

  mails = tc_test_sink_wait (dir, 1);
  g_assert_cmpuint (mails->len, ==, 1);
  mail = parse_mail (g_ptr_array_index (mails, 0));
  g_assert_cmpstr (g_mime_object_get_header (GMIME_OBJECT (mail), "X-Sink-TLS"), ==, "yes");
  seen = wait_message_member (f, alice, "B", id, "delivered_via");
  g_assert_cmpstr (json_object_get_string_member (seen, "delivered_via"), ==, "email");
}

/* smtp:// goes over to TLS when the server offers STARTTLS (this one
 * refuses mail without it), verifying its certificate against ca_file. */
static void
test_starttls (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *certs = g_build_filename (f->dir, "certs", NULL);
  g_autofree char *dir = mail_dir (f);
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;

  tc_test_make_certificate (certs, &cert, &key);
  f->smtp = tc_test_smtp_sink_new_tls (f->smtp_port, dir, TC_TEST_SMTP_STARTTLS, cert, key);
  start_server_tls (f, "smtp", cert, 8);
  assert_delivered_over_tls (f, "Over STARTTLS");
}

/* smtps:// is TLS from the first byte. */
static void
test_smtps (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *certs = g_build_filename (f->dir, "certs", NULL);
  g_autofree char *dir = mail_dir (f);
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;

  tc_test_make_certificate (certs, &cert, &key);
  f->smtp = tc_test_smtp_sink_new_tls (f->smtp_port, dir, TC_TEST_SMTP_SMTPS, cert, key);
  start_server_tls (f, "smtps", cert, 8);
  assert_delivered_over_tls (f, "Over implicit TLS");
}

/* A certificate nobody vouches for: nothing is sent (not even in clear),
 * and the sender learns why once the tries are used up. */
static void
test_untrusted_certificate (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *certs = g_build_filename (f->dir, "certs", NULL);
  g_autofree char *dir = mail_dir (f);
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autofree char *alice = NULL;
  g_autoptr(JsonObject) seen = NULL;
  g_autoptr(GPtrArray) mails = NULL;
  const char *reason;
  gint64 id;

  tc_test_make_certificate (certs, &cert, &key);
  f->smtp = tc_test_smtp_sink_new_tls (f->smtp_port, dir, TC_TEST_SMTP_STARTTLS, cert, key);
  start_server_tls (f, "smtp", NULL, 2);
  alice = tc_test_login_as (f->server, "A");
  id = send_text (f, alice, "B", "Not to an impostor");
  seen = wait_message_member (f, alice, "B", id, "delivery_error");
  g_assert_true (json_object_get_null_member (seen, "delivered_via"));
  reason = json_object_get_string_member (seen, "delivery_error");
  g_test_message ("delivery_error: %s", reason);
  g_assert_nonnull (strstr (reason, "certificate"));
  g_assert_cmpint (db_int (f, "SELECT tries FROM deliveries WHERE message_id = ?1", id), ==, 2);
  mails = tc_test_sink_received (dir);
  g_assert_cmpuint (mails->len, ==, 0);
}

/* --- replies through the webhooks ---------------------------------------------- */

static char *
reply_address (GBytes *mail_bytes)
{
  g_autoptr(GMimeMessage) mail = parse_mail (mail_bytes);
  InternetAddressList *list = g_mime_message_get_reply_to (mail);

  return g_strdup (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (
                     internet_address_list_get_address (list, 0))));
}

static char *
reply_email (const char *to,
             const char *message_id,
             const char *extra_headers,
             const char *text)
{
  return g_strdup_printf ("From: Bob Birch <bob@example.com>\r\n"
                          "To: Alice Apex <%s>\r\n"
                          "Subject: Re: New message from Alice Apex\r\n"
                          "Message-ID: <%s>\r\n"
                          "MIME-Version: 1.0\r\n"
                          "Content-Type: text/plain; charset=utf-8\r\n"
                          "Content-Transfer-Encoding: 8bit\r\n"
                          "%s"
                          "\r\n"
                          "%s\r\n"
                          "\r\n"
                          "On Mon, Jan 6, 2025 at 10:02 AM Alice Apex <%s> wrote:\r\n"
                          "> Are you coming on Tuesday?\r\n",
                          to, message_id, extra_headers, text, to);
}

/* POSTs @raw to /hooks/email signed with @secret (NULL: unsigned). */
static TcTestResponse *
post_email (Fixture    *f,
            const char *raw,
            const char *secret)
{
  g_autofree char *url = g_strconcat (tc_test_server_get_base_url (f->server), "/hooks/email", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) body = g_bytes_new (raw, strlen (raw));
  g_autoptr(GError) error = NULL;
  TcTestResponse *response = g_new0 (TcTestResponse, 1);

  if (secret != NULL)
    {
      g_autofree char *hex = g_compute_hmac_for_string (G_CHECKSUM_SHA256, (const guchar *) secret,
                                                        strlen (secret), raw, -1);
      g_autofree char *signature = g_strconcat ("sha256=", hex, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg),
                                    "X-TeamChat-Signature", signature);
    }
  soup_message_set_request_body_from_bytes (msg, "message/rfc822", body);
  /* A refused body is not read (tc-http-refusal.c): a big one waits for
   * "100 Continue" first, as a careful client does, to hear why. */
  if (strlen (raw) > 1024 * 1024)
    soup_message_headers_set_expectations (soup_message_get_request_headers (msg),
                                           SOUP_EXPECTATION_CONTINUE);
  response->body = soup_session_send_and_read (tc_test_server_get_session (f->server), msg, NULL,
                                               &error);
  g_assert_no_error (error);
  response->status = soup_message_get_status (msg);
  {
    g_autoptr(JsonParser) parser = json_parser_new ();
    gsize len;
    const char *data = g_bytes_get_data (response->body, &len);

    if (len > 0 && json_parser_load_from_data (parser, data, (gssize) len, NULL))
      response->json = json_node_copy (json_parser_get_root (parser));
  }
  return response;
}

static const char *
hook_result (TcTestResponse *response)
{
  g_assert_cmpuint (response->status, ==, 200);
  g_assert_nonnull (response->json);
  return tc_test_get_string (tc_test_object (response->json), "result");
}

/* Messages from @peer to the caller, as the caller sees them. */
static guint
count_from (Fixture    *f,
            const char *token,
            const char *peer,
            const char *body)
{
  g_autoptr(JsonArray) history = tc_test_history (f->server, token, peer);
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (history); i++)
    {
      JsonObject *message = json_array_get_object_element (history, i);

      if (g_str_equal (json_object_get_string_member (message, "from"), peer) &&
          (body == NULL || g_str_equal (json_object_get_string_member (message, "body"), body)))
        n++;
    }
  return n;
}

static void
db_exec (Fixture    *f,
         const char *sql)
{
  tc_test_db_exec (tc_test_server_get_db_path (f->server), sql);
}

static void
test_email_reply (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *alice = NULL;
  g_autofree char *dir = mail_dir (f);
  g_autoptr(GPtrArray) mails = NULL;
  g_autofree char *address = NULL;
  g_autofree char *forged = NULL;
  g_autofree char *raw = NULL;
  g_autoptr(TcTestResponse) response = NULL;
  g_autoptr(GMimeMessage) to_alice = NULL;
  g_autofree char *to_alice_text = NULL;

  start_smtp (f, NULL);
  start_server (f, 8, NULL);
  alice = tc_test_login_as (f->server, "A");
  send_text (f, alice, "B", "Are you coming on Tuesday?");
  mails = tc_test_sink_wait (dir, 1);
  address = reply_address (g_ptr_array_index (mails, 0));

  /* Signed right: posted from Bob into his conversation with Alice, without
   * the quote. */
  raw = reply_email (address, "r1@mail.example.net", "", "Yes — see you there! 👍");
  response = post_email (f, raw, "hook-secret");
  g_assert_cmpstr (hook_result (response), ==, "posted");
  g_assert_cmpuint (count_from (f, alice, "B", "Yes — see you there! 👍"), ==, 1);

  /* The same message again posts nothing. */
  g_clear_pointer (&response, tc_test_response_free);
  response = post_email (f, raw, "hook-secret");
  g_assert_cmpstr (hook_result (response), ==, "duplicate");
  g_assert_cmpuint (count_from (f, alice, "B", NULL), ==, 1);

  /* Alice is offline too: the reply reaches her by email in turn. */
  g_clear_pointer (&mails, g_ptr_array_unref);
  mails = tc_test_sink_wait (dir, 2);
  to_alice = parse_mail (g_ptr_array_index (mails, 1));
  g_assert_cmpstr (header (to_alice, "X-Envelope-To"), ==, "alice@example.com");
  to_alice_text = mail_text (to_alice);
  g_assert_nonnull (strstr (to_alice_text, "Yes — see you there! 👍"));
  g_assert_null (strstr (to_alice_text, "Are you coming"));

  /* Bad or missing signatures: 403, nothing posted. */
  g_clear_pointer (&response, tc_test_response_free);
  g_free (raw);
  raw = reply_email (address, "r2@mail.example.net", "", "Forged body");
  response = post_email (f, raw, "not-the-secret");
  g_assert_cmpuint (response->status, ==, 403);
  g_clear_pointer (&response, tc_test_response_free);
  response = post_email (f, raw, NULL);
  g_assert_cmpuint (response->status, ==, 403);
  g_assert_cmpuint (count_from (f, alice, "B", NULL), ==, 1);

  /* Automatic replies and replies without new text are dropped. */
  g_clear_pointer (&response, tc_test_response_free);
  g_free (raw);
  raw = reply_email (address, "r3@mail.example.net", "Auto-Submitted: auto-replied\r\n",
                     "I am out of the office.");
  response = post_email (f, raw, "hook-secret");
  g_assert_cmpstr (hook_result (response), ==, "dropped");
  g_clear_pointer (&response, tc_test_response_free);
  g_free (raw);
  raw = reply_email (address, "r4@mail.example.net", "", "");
  response = post_email (f, raw, "hook-secret");
  g_assert_cmpstr (hook_result (response), ==, "dropped");
  g_assert_cmpuint (count_from (f, alice, "B", NULL), ==, 1);

  /* A forged token: one character changed. */
  forged = g_strdup (address);
  forged[strlen ("reply+") + 20] = forged[strlen ("reply+") + 20] == 'a' ? 'b' : 'a';
  g_clear_pointer (&response, tc_test_response_free);
  g_free (raw);
  raw = reply_email (forged, "r5@mail.example.net", "", "Through a forged address");
  response = post_email (f, raw, "hook-secret");
  g_assert_cmpstr (hook_result (response), ==, "dropped");
  g_assert_nonnull (strstr (tc_test_get_string (tc_test_object (response->json), "reason"),
                            "forged"));

  /* An expired token (older than the retention period). */
  db_exec (f, "UPDATE reply_tokens SET created_at = 1000000");
  g_clear_pointer (&response, tc_test_response_free);
  g_free (raw);
  raw = reply_email (address, "r6@mail.example.net", "", "Too late");
  response = post_email (f, raw, "hook-secret");
  g_assert_cmpstr (hook_result (response), ==, "dropped");
  g_assert_nonnull (strstr (tc_test_get_string (tc_test_object (response->json), "reason"),
                            "expired"));

  /* A revoked one. */
  {
    g_autofree char *sql = g_strdup_printf ("UPDATE reply_tokens SET created_at = %" G_GINT64_FORMAT,
                                            g_get_real_time ());
    db_exec (f, sql);
  }
  {
    g_autoptr(GSubprocess) revoke = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;

    revoke = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, TEAMCHAT_SERVER_PATH,
                               "revoke-replies", "--db", tc_test_server_get_db_path (f->server),
                               "B", NULL);
    g_assert_no_error (error);
    g_subprocess_communicate_utf8 (revoke, NULL, NULL, &out, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (g_subprocess_get_successful (revoke));
    g_assert_cmpstr (out, ==, "revoked 1 reply address\n");
  }
  g_clear_pointer (&response, tc_test_response_free);
  response = post_email (f, raw, "hook-secret");
  g_assert_cmpstr (hook_result (response), ==, "dropped");
  g_assert_nonnull (strstr (tc_test_get_string (tc_test_object (response->json), "reason"),
                            "revoked"));
  g_assert_cmpuint (count_from (f, alice, "B", NULL), ==, 1);

  /* Over 10 MiB: refused before it is read. */
  {
    g_autofree char *huge = g_malloc (11 * 1024 * 1024 + 1);

    memset (huge, 'x', 11 * 1024 * 1024);
    huge[11 * 1024 * 1024] = '\0';
    g_clear_pointer (&response, tc_test_response_free);
    response = post_email (f, huge, "hook-secret");
    g_assert_cmpuint (response->status, ==, 413);
  }
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The form, URL-encoded, and its X-Twilio-Signature for @url. */
static char *
sms_form (const char * const *fields,
          const char         *url,
          char              **out_signature)
{
  g_autoptr(GString) body = g_string_new (NULL);
  g_autoptr(GPtrArray) pairs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) signed_data = g_string_new (url);
  g_autoptr(GHmac) hmac = NULL;
  guint8 digest[20];
  gsize len = sizeof digest;

  for (guint i = 0; fields[i] != NULL; i += 2)
    {
      g_autofree char *name = g_uri_escape_string (fields[i], NULL, FALSE);
      g_autofree char *value = g_uri_escape_string (fields[i + 1], NULL, FALSE);

      g_string_append_printf (body, "%s%s=%s", body->len ? "&" : "", name, value);
      g_ptr_array_add (pairs, g_strconcat (fields[i], fields[i + 1], NULL));
    }
  g_ptr_array_sort (pairs, compare_strings);   /* names are distinct */
  for (guint i = 0; i < pairs->len; i++)
    g_string_append (signed_data, g_ptr_array_index (pairs, i));
  hmac = g_hmac_new (G_CHECKSUM_SHA1, (const guchar *) TC_TEST_SMS_TOKEN,
                     strlen (TC_TEST_SMS_TOKEN));
  g_hmac_update (hmac, (const guchar *) signed_data->str, (gssize) signed_data->len);
  g_hmac_get_digest (hmac, digest, &len);
  *out_signature = g_base64_encode (digest, len);
  return g_string_free (g_steal_pointer (&body), FALSE);
}

static TcTestResponse *
post_sms (Fixture            *f,
          const char * const *fields,
          const char         *signed_url,
          gboolean            tamper)
{
  g_autofree char *signature = NULL;
  g_autofree char *body = sms_form (fields, signed_url, &signature);
  g_autofree char *url = g_strconcat (tc_test_server_get_base_url (f->server), "/hooks/sms", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  TcTestResponse *response = g_new0 (TcTestResponse, 1);

  if (tamper)
    signature[3] = signature[3] == 'A' ? 'B' : 'A';
  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Twilio-Signature",
                                signature);
  bytes = g_bytes_new (body, strlen (body));
  soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded", bytes);
  response->body = soup_session_send_and_read (tc_test_server_get_session (f->server), msg, NULL,
                                               &error);
  g_assert_no_error (error);
  response->status = soup_message_get_status (msg);
  return response;
}

static char *
body_text (TcTestResponse *response)
{
  gsize len;
  const char *data = g_bytes_get_data (response->body, &len);

  return g_strndup (data, len);
}

static void
test_sms_reply (Fixture       *f,
                gconstpointer  data)
{
  const char *hook = "https://chat.example.com/hooks/sms";
  const char *reply[] = { "From", "+15555550004", "To", SMS_FROM, "Body", "On my way, 10 min",
                          "MessageSid", "SM0001", "AccountSid", TC_TEST_SMS_SID, NULL };
  const char *with_port[] = { "From", "+15555550004", "To", SMS_FROM, "Body", "Parking now",
                              "MessageSid", "SM0002", "AccountSid", TC_TEST_SMS_SID, NULL };
  const char *unknown[] = { "From", "+15559999999", "To", SMS_FROM, "Body", "Who is this?",
                            "MessageSid", "SM0003", NULL };
  const char *help[] = { "From", "+15555550004", "To", SMS_FROM, "Body", " help ",
                         "MessageSid", "SM0004", NULL };
  const char *stop[] = { "From", "+15555550004", "To", SMS_FROM, "Body", "STOP",
                         "MessageSid", "SM0005", NULL };
  g_autofree char *alice = NULL;
  g_autofree char *dan = NULL;
  g_autofree char *dir = sms_dir (f);
  g_autoptr(GPtrArray) posts = NULL;
  g_autoptr(TcTestResponse) response = NULL;
  g_autoptr(JsonNode) me = NULL;
  g_autofree char *text = NULL;
  g_autoptr(JsonObject) asked_message = NULL;
  gint64 asked;
  guint status = 0;

  start_sms (f, NULL);
  start_server (f, 8, NULL);
  alice = tc_test_login_as (f->server, "A");
  dan = tc_test_login_as (f->server, "D");

  /* Alice's message reaches Dan by text; he answers it. (The provider
   * has it before the server has recorded it as sent: wait for that, as
   * no person answers faster.) */
  asked = send_text (f, alice, "D", "Where are you?");
  posts = tc_test_sink_wait (dir, 1);
  asked_message = wait_message_member (f, alice, "D", asked, "delivered_via");
  g_assert_cmpstr (json_object_get_string_member (asked_message, "delivered_via"), ==, "sms");

  response = post_sms (f, reply, hook, FALSE);
  g_assert_cmpuint (response->status, ==, 200);
  text = body_text (response);
  g_assert_true (g_str_has_prefix (text, "<?xml"));
  g_clear_pointer (&text, g_free);
  g_assert_cmpuint (count_from (f, alice, "D", "On my way, 10 min"), ==, 1);

  /* The provider retries: posted once. */
  g_clear_pointer (&response, tc_test_response_free);
  response = post_sms (f, reply, hook, FALSE);
  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpuint (count_from (f, alice, "D", NULL), ==, 1);

  /* Signed with the default port written out: accepted too. */
  g_clear_pointer (&response, tc_test_response_free);
  response = post_sms (f, with_port, "https://chat.example.com:443/hooks/sms", FALSE);
  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpuint (count_from (f, alice, "D", "Parking now"), ==, 1);

  /* A bad signature, or one for another URL: 403. */
  g_clear_pointer (&response, tc_test_response_free);
  response = post_sms (f, unknown, hook, TRUE);
  g_assert_cmpuint (response->status, ==, 403);
  g_clear_pointer (&response, tc_test_response_free);
  response = post_sms (f, unknown, "https://evil.example.com/hooks/sms", FALSE);
  g_assert_cmpuint (response->status, ==, 403);

  /* A malformed form: 400, whatever its signature. */
  {
    g_autofree char *url = g_strconcat (tc_test_server_get_base_url (f->server), "/hooks/sms",
                                        NULL);
    g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
    g_autoptr(GBytes) bytes = g_bytes_new_static ("From=%2B1555&Body=%G0", 21);
    g_autoptr(GBytes) answer = NULL;

    soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Twilio-Signature",
                                  "x");
    soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded", bytes);
    answer = soup_session_send_and_read (tc_test_server_get_session (f->server), msg, NULL, NULL);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 400);
  }

  /* An unknown number: ignored. */
  g_clear_pointer (&response, tc_test_response_free);
  response = post_sms (f, unknown, hook, FALSE);
  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpuint (count_from (f, alice, "D", NULL), ==, 2);

  /* HELP answers; STOP switches Dan to email. */
  g_clear_pointer (&response, tc_test_response_free);
  response = post_sms (f, help, hook, FALSE);
  g_assert_cmpuint (response->status, ==, 200);
  text = body_text (response);
  g_assert_nonnull (strstr (text, "<Message>"));
  g_assert_nonnull (strstr (text, "STOP"));
  g_clear_pointer (&response, tc_test_response_free);
  response = post_sms (f, stop, hook, FALSE);
  g_assert_cmpuint (response->status, ==, 200);
  me = tc_test_request (f->server, "GET", "/api/v1/me", dan, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (tc_test_get_string (tc_test_get_object (tc_test_object (me), "preferences"),
                                       "offline_channel"), ==, "email");
  g_assert_cmpuint (count_from (f, alice, "D", NULL), ==, 2);

  /* Without a MessageSid, a replay of the same signed form posts nothing
   * more, whatever the order of its fields (the signature does not see
   * the order). */
  {
    const char *no_sid[] = { "From", "+15555550004", "To", SMS_FROM, "Body", "No sid here", NULL };
    const char *reordered[] = { "Body", "No sid here", "To", SMS_FROM, "From", "+15555550004",
                                NULL };

    g_clear_pointer (&response, tc_test_response_free);
    response = post_sms (f, no_sid, hook, FALSE);
    g_assert_cmpuint (response->status, ==, 200);
    g_assert_cmpuint (count_from (f, alice, "D", "No sid here"), ==, 1);
    g_clear_pointer (&response, tc_test_response_free);
    response = post_sms (f, no_sid, hook, FALSE);
    g_assert_cmpuint (response->status, ==, 200);
    g_clear_pointer (&response, tc_test_response_free);
    response = post_sms (f, reordered, hook, FALSE);
    g_assert_cmpuint (response->status, ==, 200);
    g_assert_cmpuint (count_from (f, alice, "D", "No sid here"), ==, 1);
  }
}

/* A captured email reply, replayed or altered: the same bytes post once
 * (even without a Message-ID); other bytes under its signature are 403. */
static void
test_email_replay (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *alice = NULL;
  g_autofree char *dir = mail_dir (f);
  g_autoptr(GPtrArray) mails = NULL;
  g_autofree char *address = NULL;
  g_autofree char *raw = NULL;
  g_autofree char *altered = NULL;
  g_autoptr(TcTestResponse) response = NULL;
  char *line;

  start_smtp (f, NULL);
  start_server (f, 8, NULL);
  alice = tc_test_login_as (f->server, "A");
  send_text (f, alice, "B", "Lunch?");
  mails = tc_test_sink_wait (dir, 1);
  address = reply_address (g_ptr_array_index (mails, 0));

  /* Without its Message-ID line. */
  raw = reply_email (address, "gone@mail.example.net", "", "Sure, at noon");
  line = strstr (raw, "Message-ID: <gone@mail.example.net>\r\n");
  g_assert_nonnull (line);
  memmove (line, line + strlen ("Message-ID: <gone@mail.example.net>\r\n"),
           strlen (line + strlen ("Message-ID: <gone@mail.example.net>\r\n")) + 1);

  response = post_email (f, raw, "hook-secret");
  g_assert_cmpstr (hook_result (response), ==, "posted");
  g_clear_pointer (&response, tc_test_response_free);
  response = post_email (f, raw, "hook-secret");
  g_assert_cmpstr (hook_result (response), ==, "duplicate");
  g_assert_cmpuint (count_from (f, alice, "B", "Sure, at noon"), ==, 1);

  /* Altered after signing: the signature no longer fits. */
  {
    g_autofree char *hex = g_compute_hmac_for_string (G_CHECKSUM_SHA256,
                                                      (const guchar *) "hook-secret", 11, raw, -1);
    g_autofree char *signature = g_strconcat ("sha256=", hex, NULL);
    g_autofree char *url = g_strconcat (tc_test_server_get_base_url (f->server), "/hooks/email",
                                        NULL);
    g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
    g_autoptr(GBytes) body = NULL;
    g_autoptr(GBytes) answer = NULL;
    char *text;

    altered = g_strdup (raw);
    text = strstr (altered, "Sure, at noon");
    memcpy (text, "Sure, at nine", strlen ("Sure, at nine"));
    body = g_bytes_new (altered, strlen (altered));
    soup_message_headers_replace (soup_message_get_request_headers (msg), "X-TeamChat-Signature",
                                  signature);
    soup_message_set_request_body_from_bytes (msg, "message/rfc822", body);
    answer = soup_session_send_and_read (tc_test_server_get_session (f->server), msg, NULL, NULL);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 403);
  }
  g_assert_cmpuint (count_from (f, alice, "B", "Sure, at nine"), ==, 0);
}

/* A whole working day of the server, logged with every message on: no
 * secret, token, signature, reply address or message text in the log. */
static void
test_secrets_not_logged (Fixture       *f,
                         gconstpointer  data)
{
  const char *smtp_auth = "chatbot:smtp-pass-S3CRET";
  const char *sms_reply[] = { "From", "+15555550004", "To", SMS_FROM, "Body",
                              "sms reply, confidential", "MessageSid", "SM7001", NULL };
  g_autofree char *log_path = g_build_filename (f->dir, "server.log", NULL);
  g_autofree char *config = config_text (f, 8, smtp_auth);
  g_autofree char *mail = mail_dir (f);
  g_autofree char *sms = sms_dir (f);
  g_autofree char *alice = NULL;
  g_autofree char *dan = NULL;
  g_autofree char *address = NULL;
  g_autofree char *raw = NULL;
  g_autofree char *email_signature = NULL;
  g_autofree char *sms_signature = NULL;
  g_autofree char *sms_body = NULL;
  g_autofree char *basic = NULL;
  g_autofree char *token_part = NULL;
  g_autofree char *log = NULL;
  g_autoptr(GPtrArray) mails = NULL;
  g_autoptr(GPtrArray) posts = NULL;
  g_autoptr(TcTestResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *secrets = g_ptr_array_new_with_free_func (g_free);
  guint status = 0;

  start_smtp (f, smtp_auth);
  start_sms (f, NULL);
  f->server = tc_test_server_start_logged (NULL, config, log_path, &error);
  g_assert_no_error (error);
  alice = tc_test_login_as (f->server, "A");
  dan = tc_test_login_as (f->server, "D");

  /* Offline delivery both ways, with SMTP AUTH and the SMS API's Basic auth. */
  send_text (f, alice, "B", "email body, confidential");
  mails = tc_test_sink_wait (mail, 1);
  address = reply_address (g_ptr_array_index (mails, 0));
  send_text (f, alice, "D", "text body, confidential");
  posts = tc_test_sink_wait (sms, 1);

  /* Replies through both hooks, signed and forged. */
  raw = reply_email (address, "secret-test@mail.example.net", "", "email reply, confidential");
  response = post_email (f, raw, "hook-secret");
  g_assert_cmpstr (hook_result (response), ==, "posted");
  g_clear_pointer (&response, tc_test_response_free);
  response = post_email (f, raw, "not-the-secret");
  g_assert_cmpuint (response->status, ==, 403);
  g_clear_pointer (&response, tc_test_response_free);
  response = post_sms (f, sms_reply, "https://chat.example.com/hooks/sms", FALSE);
  g_assert_cmpuint (response->status, ==, 200);
  g_clear_pointer (&response, tc_test_response_free);
  response = post_sms (f, sms_reply, "https://chat.example.com/hooks/sms", TRUE);
  g_assert_cmpuint (response->status, ==, 403);

  /* A WebSocket, a failed login, a logout. */
  {
    g_autoptr(SoupSession) session = soup_session_new ();
    g_autoptr(SoupWebsocketConnection) ws = go_online (f->server, session, alice);
    g_autoptr(JsonNode) failed = NULL;
    g_autoptr(JsonNode) out = NULL;

    soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    failed = tc_test_request (f->server, "POST", "/api/v1/session", NULL,
                              "{\"login\":\"alice\",\"password\":\"guess-Xy9-wrong\","
                              "\"device\":\"t\"}", &status);
    g_assert_cmpuint (status, ==, 401);
    out = tc_test_request (f->server, "DELETE", "/api/v1/session", dan, NULL, &status);
    g_assert_cmpuint (status, ==, 204);
  }
  g_assert_true (tc_test_server_stop (f->server));
  g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));

  /* The log did record the day... */
  g_assert_nonnull (strstr (log, "/hooks/sms"));
  g_assert_nonnull (strstr (log, "Inbound"));
  g_assert_nonnull (strstr (log, "WebSocket of A opened"));

  /* ...and none of these. */
  email_signature = g_compute_hmac_for_string (G_CHECKSUM_SHA256, (const guchar *) "hook-secret",
                                               11, raw, -1);
  sms_body = sms_form (sms_reply, "https://chat.example.com/hooks/sms", &sms_signature);
  basic = g_base64_encode ((const guchar *) TC_TEST_SMS_SID ":" TC_TEST_SMS_TOKEN,
                           strlen (TC_TEST_SMS_SID ":" TC_TEST_SMS_TOKEN));
  token_part = g_strndup (address + strlen ("reply+"), strcspn (address, "@") - strlen ("reply+"));
  g_ptr_array_add (secrets, g_strdup ("smtp-pass-S3CRET"));
  g_ptr_array_add (secrets, g_base64_encode ((const guchar *) "\0chatbot\0smtp-pass-S3CRET", 26));
  g_ptr_array_add (secrets, g_strdup ("hook-secret"));
  g_ptr_array_add (secrets, g_strdup (TC_TEST_SMS_TOKEN));
  g_ptr_array_add (secrets, g_strdup (basic));
  g_ptr_array_add (secrets, g_strdup (alice));
  g_ptr_array_add (secrets, g_strdup (dan));
  g_ptr_array_add (secrets, g_strdup ("password-A"));
  g_ptr_array_add (secrets, g_strdup ("password-D"));
  g_ptr_array_add (secrets, g_strdup ("guess-Xy9-wrong"));
  g_ptr_array_add (secrets, g_strdup (email_signature));
  g_ptr_array_add (secrets, g_strdup (sms_signature));
  g_ptr_array_add (secrets, g_strdup (token_part));
  g_ptr_array_add (secrets, g_strdup ("confidential"));
  for (guint i = 0; i < secrets->len; i++)
    if (strstr (log, g_ptr_array_index (secrets, i)) != NULL)
      g_error ("the server log holds “%s”", (const char *) g_ptr_array_index (secrets, i));
  g_test_message ("%u secrets looked for in %zu bytes of log", secrets->len, strlen (log));
  g_ptr_array_unref (secrets);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/delivery/email/offline-recipient", test_email_offline_recipient);
  ADD ("/delivery/email/retried-until-smtp-is-back", test_email_retried_until_smtp_is_back);
  ADD ("/delivery/email/restart-sends-once", test_restart_sends_once);
  ADD ("/delivery/email/smtp-auth", test_smtp_auth);
  ADD ("/delivery/email/starttls", test_starttls);
  ADD ("/delivery/email/smtps", test_smtps);
  ADD ("/delivery/email/untrusted-certificate", test_untrusted_certificate);
  ADD ("/delivery/sms/offline-recipient", test_sms_offline_recipient);
  ADD ("/delivery/sms/retried-until-api-is-back", test_sms_retried_until_api_is_back);
  ADD ("/delivery/final-failures", test_final_failures);
  ADD ("/hooks/email/reply", test_email_reply);
  ADD ("/hooks/sms/reply", test_sms_reply);
  ADD ("/hooks/email/replay", test_email_replay);
  ADD ("/delivery/secrets-not-logged", test_secrets_not_logged);
#undef ADD

  return g_test_run ();
}
