/* tc-email-compose.c: the email that delivers a chat message (GMime) */
#include "config.h"

#include <string.h>
#include "tc-gmime-autoptr.h"

#include "tc-email-compose.h"
#include "tc-error.h"

void
tc_email_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      g_mime_init ();
      g_once_init_leave (&done, 1);
    }
}

char *
tc_email_address_of (const char *from)
{
  g_autoptr(InternetAddressList) list = NULL;
  InternetAddress *address;

  if (from == NULL)
    return NULL;
  tc_email_init ();
  list = internet_address_list_parse (NULL, from);
  if (list == NULL || internet_address_list_length (list) < 1)
    return NULL;
  address = internet_address_list_get_address (list, 0);
  if (!INTERNET_ADDRESS_IS_MAILBOX (address))
    return NULL;
  return g_strdup (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address)));
}

static char *
compose_text (const TcEmailParams *params)
{
  GString *text = g_string_new (NULL);

  g_string_append_printf (text, "%s sent you a message in Team Chat:\n\n", params->sender_name);
  if (params->body != NULL && *params->body != '\0')
    g_string_append_printf (text, "%s\n\n", params->body);
  if (params->attachment_titles != NULL && params->attachment_titles[0] != NULL)
    {
      g_string_append (text, "Attachments (open Team Chat to see them):\n");
      for (guint i = 0; params->attachment_titles[i] != NULL; i++)
        g_string_append_printf (text, "- %s\n", params->attachment_titles[i]);
      g_string_append_c (text, '\n');
    }
  g_string_append (text, "-- \n");
  if (params->reply_to != NULL)
    g_string_append_printf (text,
                            "Reply to this email to answer %s: your reply goes back into "
                            "Team Chat (quoted text is left out).\n", params->sender_name);
  else
    g_string_append_printf (text, "Open Team Chat to answer %s.\n", params->sender_name);
  g_string_append (text, "You get this email because you were not online in Team Chat.\n");
  return g_string_free (text, FALSE);
}

GBytes *
tc_email_compose (const TcEmailParams  *params,
                  GError              **error)
{
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GMimeTextPart) part = NULL;
  g_autoptr(InternetAddressList) from = NULL;
  g_autoptr(GDateTime) date = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *text = NULL;
  g_autofree char *serialized = NULL;
  GMimeFormatOptions *options;
  gsize len;

  g_return_val_if_fail (params != NULL, NULL);

  tc_email_init ();
  from = internet_address_list_parse (NULL, params->from);
  if (from == NULL || internet_address_list_length (from) != 1 || params->to_address == NULL)
    {
      g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID,
                           "the sender or recipient email address is not valid");
      return NULL;
    }

  message = g_mime_message_new (TRUE);
  internet_address_list_append (g_mime_message_get_from (message), from);
  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_TO, params->to_name, params->to_address);
  if (params->reply_to != NULL)
    g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_REPLY_TO, params->sender_name,
                                params->reply_to);
  subject = g_strdup_printf ("New message from %s", params->sender_name);
  g_mime_message_set_subject (message, subject, "utf-8");
  date = g_date_time_new_from_unix_utc (params->date_usec / G_USEC_PER_SEC);
  g_mime_message_set_date (message, date);
  if (params->message_id != NULL)
    g_mime_message_set_message_id (message, params->message_id);
  /* RFC 3834: tell vacation responders and Exchange not to answer. */
  g_mime_object_set_header (GMIME_OBJECT (message), "Auto-Submitted", "auto-generated", NULL);
  g_mime_object_set_header (GMIME_OBJECT (message), "X-Auto-Response-Suppress", "All", NULL);

  text = compose_text (params);
  part = g_mime_text_part_new_with_subtype ("plain");
  g_mime_text_part_set_text (part, text);
  g_mime_text_part_set_charset (part, "utf-8");
  g_mime_part_set_content_encoding (GMIME_PART (part),
                                    g_mime_part_get_best_content_encoding (GMIME_PART (part),
                                                                           GMIME_ENCODING_CONSTRAINT_7BIT));
  g_mime_message_set_mime_part (message, GMIME_OBJECT (part));

  options = g_mime_format_options_new ();
  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
  serialized = g_mime_object_to_string (GMIME_OBJECT (message), options);
  g_mime_format_options_free (options);
  len = strlen (serialized);
  return g_bytes_new_take (g_steal_pointer (&serialized), len);
}
