/* test-delivery-units.c: the pure parts of offline delivery and its
 * webhooks (forms, signatures, reply tokens, phone numbers, the text of a
 * text), and the store's delivery jobs with retention */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "tc-delivery.h"
#include "tc-error.h"
#include "tc-import-row.h"
#include "tc-reply-parser.h"
#include "tc-reply-token.h"
#include "tc-signature.h"
#include "tc-sms-client.h"
#include "tc-sms-form.h"
#include "tc-store-open.h"
#include "tc-test-server.h"

#define HOOK_URL   "https://chat.example.com/hooks/sms"
#define SMS_TOKEN  "sms-auth-token-for-tests"
#define SMS_BODY   "From=%2B15555550004&To=%2B15550000000&Body=On%20my%20way%2C%2010%20min" \
                   "&MessageSid=SM0001&AccountSid=AC123"
/* base64 (HMAC-SHA1) of the above, computed with Python's hmac module. */
#define SMS_SIGNATURE "faxW0O87lH2eNjl+lN0RJItXGWY="

static void
test_form_parse (void)
{
  g_autoptr(TcSmsForm) form = NULL;
  g_autoptr(GError) error = NULL;

  form = tc_sms_form_parse (SMS_BODY, strlen (SMS_BODY), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (form->names->len, ==, 5);
  g_assert_cmpstr (tc_sms_form_get (form, "From"), ==, "+15555550004");
  g_assert_cmpstr (tc_sms_form_get (form, "Body"), ==, "On my way, 10 min");
  g_assert_null (tc_sms_form_get (form, "Nope"));
  g_clear_pointer (&form, tc_sms_form_free);

  form = tc_sms_form_parse ("Body=a+b&Empty=&Flag&&", 22, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tc_sms_form_get (form, "Body"), ==, "a b");
  g_assert_cmpstr (tc_sms_form_get (form, "Empty"), ==, "");
  g_assert_cmpstr (tc_sms_form_get (form, "Flag"), ==, "");
  g_clear_pointer (&form, tc_sms_form_free);

  form = tc_sms_form_parse ("", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (form->names->len, ==, 0);
}

static void
test_form_hostile (void)
{
  const char *bad[] = { "Body=%G1", "Body=%4", "Body=%", "Body=%00", "Body=%FF%FE", "%zz=1" };
  g_autoptr(GString) many = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TcSmsForm) form = tc_sms_form_parse (bad[i], strlen (bad[i]), &error);

      g_assert_null (form);
      g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
    }
  /* A NUL inside the bytes. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(TcSmsForm) form = tc_sms_form_parse ("Body=a\0b", 8, &error);
    g_assert_null (form);
    g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
  }
  for (guint i = 0; i <= TC_SMS_FORM_MAX_FIELDS; i++)
    g_string_append_printf (many, "f%u=x&", i);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(TcSmsForm) form = tc_sms_form_parse (many->str, many->len, &error);
    g_assert_null (form);
    g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
  }
}

static void
test_twilio_signature (void)
{
  g_autoptr(TcSmsForm) form = tc_sms_form_parse (SMS_BODY, strlen (SMS_BODY), NULL);
  g_autofree char *signature = tc_sms_form_signature (form, HOOK_URL, SMS_TOKEN);

  g_assert_cmpstr (signature, ==, SMS_SIGNATURE);
  g_assert_true (tc_sms_form_check_signature (form, HOOK_URL, SMS_TOKEN, SMS_SIGNATURE));
  /* The provider may have signed with the default port, or without. */
  g_assert_true (tc_sms_form_check_signature (form, "https://chat.example.com:443/hooks/sms",
                                              SMS_TOKEN, SMS_SIGNATURE));
  g_assert_false (tc_sms_form_check_signature (form, "https://chat.example.com:8443/hooks/sms",
                                               SMS_TOKEN, SMS_SIGNATURE));
  g_assert_false (tc_sms_form_check_signature (form, "http://chat.example.com/hooks/sms",
                                               SMS_TOKEN, SMS_SIGNATURE));
  g_assert_false (tc_sms_form_check_signature (form, HOOK_URL, "other-token", SMS_SIGNATURE));
  g_assert_false (tc_sms_form_check_signature (form, HOOK_URL, SMS_TOKEN, NULL));
  g_assert_false (tc_sms_form_check_signature (form, HOOK_URL, SMS_TOKEN, ""));
  g_assert_false (tc_sms_form_check_signature (form, HOOK_URL, "", SMS_SIGNATURE));
  g_assert_false (tc_sms_form_check_signature (form, HOOK_URL, SMS_TOKEN,
                                               "faxW0O87lH2eNjl+lN0RJItXGWZ="));
}

static void
test_email_signature (void)
{
  const guint8 body[] = "From: x\r\n\r\nhello\r\n";
  g_autofree char *signature = tc_email_signature_make ("s3cret", body, sizeof body - 1);
  g_autofree char *upper = g_ascii_strup (signature + 7, -1);
  g_autofree char *upper_signature = g_strconcat ("sha256=", upper, NULL);

  g_assert_true (g_str_has_prefix (signature, "sha256="));
  g_assert_cmpuint (strlen (signature), ==, 7 + 64);
  g_assert_true (tc_email_signature_check ("s3cret", body, sizeof body - 1, signature));
  g_assert_true (tc_email_signature_check ("s3cret", body, sizeof body - 1, upper_signature));
  g_assert_false (tc_email_signature_check ("s3cret", body, sizeof body - 2, signature));
  g_assert_false (tc_email_signature_check ("other", body, sizeof body - 1, signature));
  g_assert_false (tc_email_signature_check ("s3cret", body, sizeof body - 1, signature + 7));
  g_assert_false (tc_email_signature_check ("s3cret", body, sizeof body - 1, NULL));
  g_assert_false (tc_email_signature_check (NULL, body, sizeof body - 1, signature));
}

static void
test_reply_token (void)
{
  const guint8 key[TC_REPLY_TOKEN_SECRET_BYTES] = { 1, 2, 3, 4, 5 };
  const guint8 other_key[TC_REPLY_TOKEN_SECRET_BYTES] = { 9 };
  g_autoptr(GBytes) secret = g_bytes_new (key, sizeof key);
  g_autoptr(GBytes) other = g_bytes_new (other_key, sizeof other_key);
  g_autofree char *token = tc_reply_token_make (secret, 4242, "B", "A");
  g_autofree char *upper = g_ascii_strup (token, -1);
  g_autofree char *tampered = g_strdup (token);
  gint64 id = 0;

  g_assert_cmpuint (strlen (token), ==, TC_REPLY_TOKEN_LENGTH);
  for (const char *p = token; *p; p++)
    g_assert_true (g_ascii_islower (*p) || (*p >= '2' && *p <= '7'));
  g_assert_true (tc_reply_token_decode (token, &id));
  g_assert_cmpint (id, ==, 4242);
  g_assert_true (tc_reply_token_matches (secret, token, 4242, "B", "A"));
  g_assert_true (tc_reply_token_matches (secret, upper, 4242, "B", "A"));
  /* Bound to the row, the recipient, the peer and the server's secret. */
  g_assert_false (tc_reply_token_matches (secret, token, 4243, "B", "A"));
  g_assert_false (tc_reply_token_matches (secret, token, 4242, "A", "B"));
  g_assert_false (tc_reply_token_matches (secret, token, 4242, "B", "C"));
  g_assert_false (tc_reply_token_matches (other, token, 4242, "B", "A"));
  tampered[30] = tampered[30] == 'a' ? 'b' : 'a';
  g_assert_false (tc_reply_token_matches (secret, tampered, 4242, "B", "A"));

  g_assert_false (tc_reply_token_decode ("", &id));
  g_assert_false (tc_reply_token_decode ("abc", &id));
  g_assert_false (tc_reply_token_decode ("0000000000000000000000000000000000000000", &id));
  g_assert_false (tc_reply_token_decode ("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!", &id));
  g_assert_false (tc_reply_token_decode ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &id));   /* id 0 */
}

static void
test_phone_normalize (void)
{
  const struct { const char *in, *out; } cases[] = {
    { "+1 555 555 0001", "+15555550001" },
    { "+1 (555) 555-0001", "+15555550001" },
    { " +44 20 7946 0958 ", "+442079460958" },
    { "0044 20 7946 0958", "+442079460958" },
    { "555.555.0001", "5555550001" },
    { "+1 555 CALL NOW", NULL },
    { "12345", NULL },
    { "+1234567890123456", NULL },
    { "", NULL },
    { NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = tc_phone_normalize (cases[i].in);
      g_assert_cmpstr (out, ==, cases[i].out);
    }
}

static void
test_sms_compose (void)
{
  g_autofree char *short_text = tc_sms_compose ("Alice Apex", "  See you at 10 ☕ ", 0);
  g_autofree char *with_files = tc_sms_compose ("Alice Apex", "Files", 2);
  g_autoptr(GString) long_body = g_string_new (NULL);
  g_autofree char *long_text = NULL;
  g_autofree char *long_name = NULL;
  g_autofree char *no_space = NULL;

  g_assert_cmpstr (short_text, ==, "Alice Apex: See you at 10 ☕\n(Reply to answer in Team Chat)");
  g_assert_cmpstr (with_files, ==,
                   "Alice Apex: Files [+2 attachments]\n(Reply to answer in Team Chat)");

  for (guint i = 0; i < 200; i++)
    g_string_append (long_body, "word 😀 ");
  long_text = tc_sms_compose ("Alice Apex", long_body->str, 1);
  g_assert_true (g_utf8_validate (long_text, -1, NULL));
  g_assert_cmpint (g_utf8_strlen (long_text, -1), <=, TC_SMS_MAX_CHARS);
  g_assert_cmpint (g_utf8_strlen (long_text, -1), >, TC_SMS_MAX_CHARS - 30);
  g_assert_true (g_str_has_suffix (long_text, "… [+1 attachment]\n(Reply to answer in Team Chat)"));

  /* No space to cut at: between characters. */
  g_string_truncate (long_body, 0);
  for (guint i = 0; i < 600; i++)
    g_string_append (long_body, "é");
  no_space = tc_sms_compose ("Bob", long_body->str, 0);
  g_assert_cmpint (g_utf8_strlen (no_space, -1), ==, TC_SMS_MAX_CHARS);

  long_name = tc_sms_compose ("A name far longer than anyone would ever type into a CSV file",
                              "Hi", 0);
  g_assert_true (g_str_has_prefix (long_name, "A name far longer than anyone would ever: Hi"));
}

static void
test_backoff (void)
{
  g_assert_cmpint (tc_delivery_backoff_usec (1, 30, 3600), ==, 30 * G_USEC_PER_SEC);
  g_assert_cmpint (tc_delivery_backoff_usec (2, 30, 3600), ==, 60 * G_USEC_PER_SEC);
  g_assert_cmpint (tc_delivery_backoff_usec (4, 30, 3600), ==, 240 * G_USEC_PER_SEC);
  g_assert_cmpint (tc_delivery_backoff_usec (8, 30, 3600), ==, (gint64) 3600 * G_USEC_PER_SEC);
  g_assert_cmpint (tc_delivery_backoff_usec (100, 30, 3600), ==, (gint64) 3600 * G_USEC_PER_SEC);
}

static void
test_html_to_text (void)
{
  g_autofree char *text = tc_reply_html_to_text ("<p>Hi &amp; <b>bye</b>&#33;</p><div>Two<br>"
                                                 "lines</div><blockquote>quoted"
                                                 "<blockquote>deeper</blockquote></blockquote>"
                                                 "<style>p{}</style><!-- c -->&bogus; &#xZZ;");

  g_assert_cmpstr (text, ==, "Hi & bye!\nTwo\nlines\n> quoted\n>> deeper\n&bogus; &#xZZ;\n");
}

/* --- the store ------------------------------------------------------------------------ */

static TcImportRow *
make_row (const char *id,
          const char *sponsor)
{
  TcImportRow *row = tc_import_row_new ();

  row->associate->id = g_strdup (id);
  row->associate->name = g_strdup_printf ("Associate %s", id);
  row->associate->email = g_strdup_printf ("%s@example.com", id);
  row->associate->phone = g_strdup ("+1 555 555 0001");
  row->associate->sponsor_id = g_strdup (sponsor);
  row->associate->enroller_id = g_strdup (sponsor);
  row->associate->offline_channel = g_strdup ("email");
  row->login = g_ascii_strdown (id, -1);
  row->password = g_strdup ("password-123");
  return row;
}

static gboolean
everyone_offline (const char *recipient_id,
                  const char *channel,
                  gpointer    user_data)
{
  return TRUE;
}

static void
test_store_jobs_and_retention (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tc-delivery-XXXXXX", NULL);
  g_autofree char *path = tc_test_db_new (dir, NULL);
  g_autoptr(TcStore) store = tc_store_open (path, NULL, &error);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_import_row_free);
  g_autoptr(TcSendRequest) send = tc_send_request_new ();
  g_autoptr(GPtrArray) sent = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GPtrArray) none = NULL;
  g_autoptr(TcReplyTokenRow) row = NULL;
  g_autoptr(GBytes) secret = NULL;
  g_autoptr(GBytes) same_secret = NULL;
  g_autofree char *phone_owner = NULL;
  TcDeliveryJob *job;
  gint64 now = g_get_real_time ();
  guint purged = 0;

  g_assert_no_error (error);
  g_ptr_array_add (rows, make_row ("A", NULL));
  g_ptr_array_add (rows, make_row ("B", "A"));
  g_assert_true (tc_store_import_associates (store, rows, NULL, &error));
  g_assert_no_error (error);

  secret = tc_store_get_secret (store, "reply-token", 32, &error);
  g_assert_no_error (error);
  same_secret = tc_store_get_secret (store, "reply-token", 32, &error);
  g_assert_true (g_bytes_equal (secret, same_secret));

  /* Without a policy nothing is queued (the command-line tools). */
  send->client_id = g_uuid_string_random ();
  g_ptr_array_add (send->to, g_strdup ("B"));
  sent = tc_store_send_messages (store, "A", send, now, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tc_store_next_delivery_at (store, NULL), ==, 0);
  g_clear_pointer (&sent, g_ptr_array_unref);

  tc_store_set_delivery_policy (store, everyone_offline, NULL, NULL);
  g_free (send->client_id);
  send->client_id = g_uuid_string_random ();
  sent = tc_store_send_messages (store, "A", send, now, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tc_store_next_delivery_at (store, NULL), ==, now);

  jobs = tc_store_claim_deliveries (store, now, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (jobs->len, ==, 1);
  job = g_ptr_array_index (jobs, 0);
  g_assert_cmpstr (job->channel, ==, "email");
  g_assert_cmpuint (job->tries, ==, 1);
  g_assert_cmpstr (job->recipient_email, ==, "B@example.com");
  g_assert_cmpstr (job->sender_name, ==, "Associate A");
  g_assert_cmpint (job->reply_token_id, >, 0);
  /* Claimed: not claimed again, even after its time. */
  none = tc_store_claim_deliveries (store, now + 1000 * G_USEC_PER_SEC, 10, &error);
  g_assert_cmpuint (none->len, ==, 0);

  row = tc_store_get_reply_token (store, job->reply_token_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (row->associate_id, ==, "B");
  g_assert_cmpstr (row->peer_id, ==, "A");
  g_assert_false (row->revoked);

  g_assert_true (tc_store_finish_delivery (store, job->message->id, TC_DELIVERY_SENT,
                                           NULL, 0, &error));
  g_assert_no_error (error);
  /* Only a claimed job has an outcome. */
  g_assert_false (tc_store_finish_delivery (store, job->message->id, TC_DELIVERY_SENT,
                                            NULL, 0, &error));
  g_assert_error (error, TC_ERROR, TC_ERROR_NOT_FOUND);
  g_clear_error (&error);

  phone_owner = tc_store_find_by_phone (store, "+15555550001", &error);
  g_assert_cmpstr (phone_owner, ==, "A");   /* the first of both, by id */
  g_assert_cmpuint (tc_store_revoke_reply_tokens (store, "B", &error), ==, 1);
  g_clear_pointer (&row, tc_reply_token_row_free);
  row = tc_store_get_reply_token (store, job->reply_token_id, &error);
  g_assert_true (row->revoked);

  /* Retention takes the delivery records and the reply tokens too. */
  g_assert_true (tc_store_purge (store, now + G_USEC_PER_SEC, &purged, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (purged, ==, 2);
  g_clear_pointer (&row, tc_reply_token_row_free);
  row = tc_store_get_reply_token (store, job->reply_token_id, &error);
  g_assert_null (row);
  g_assert_error (error, TC_ERROR, TC_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (tc_store_next_delivery_at (store, NULL), ==, 0);

  tc_store_close (store);
  tc_test_db_drop (path);
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);
    g_unlink (path);
    g_unlink (wal);
    g_unlink (shm);
    g_rmdir (dir);
  }
}

/* The replay key of a form without MessageSid: its signed content. */
static void
test_form_digest (void)
{
  const char *one = "From=%2B15555550004&To=%2B15550000000&Body=Hi";
  const char *reordered = "Body=Hi&From=%2B15555550004&To=%2B15550000000";
  const char *other = "From=%2B15555550004&To=%2B15550000000&Body=Hi!";
  g_autoptr(TcSmsForm) a = tc_sms_form_parse (one, strlen (one), NULL);
  g_autoptr(TcSmsForm) b = tc_sms_form_parse (reordered, strlen (reordered), NULL);
  g_autoptr(TcSmsForm) c = tc_sms_form_parse (other, strlen (other), NULL);
  g_autofree char *da = tc_sms_form_digest (a);
  g_autofree char *db = tc_sms_form_digest (b);
  g_autofree char *dc = tc_sms_form_digest (c);

  g_assert_cmpuint (strlen (da), ==, 64);
  g_assert_cmpstr (da, ==, db);
  g_assert_cmpstr (da, !=, dc);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/delivery/sms-form/parse", test_form_parse);
  g_test_add_func ("/delivery/sms-form/hostile", test_form_hostile);
  g_test_add_func ("/delivery/sms-form/twilio-signature", test_twilio_signature);
  g_test_add_func ("/delivery/sms-form/digest", test_form_digest);
  g_test_add_func ("/delivery/email-signature", test_email_signature);
  g_test_add_func ("/delivery/reply-token", test_reply_token);
  g_test_add_func ("/delivery/phone-normalize", test_phone_normalize);
  g_test_add_func ("/delivery/sms-compose", test_sms_compose);
  g_test_add_func ("/delivery/backoff", test_backoff);
  g_test_add_func ("/delivery/html-to-text", test_html_to_text);
  g_test_add_func ("/delivery/store-jobs-and-retention", test_store_jobs_and_retention);
  return g_test_run ();
}
