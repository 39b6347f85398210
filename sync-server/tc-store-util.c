/* tc-store-util.c: rules every store backend applies the same way */
#include "config.h"

#include <string.h>

#include "tc-import-row.h"
#include "tc-password.h"
#include "tc-store-util.h"

gboolean
tc_store_member_matches (const TcAssociate *member,
                         const char        *query)
{
  g_autofree char *digits = NULL;
  GString *phone_digits;

  if (g_str_match_string (query, member->name, TRUE))
    return TRUE;
  if (member->email != NULL && g_str_match_string (query, member->email, TRUE))
    return TRUE;
  {
    g_autofree char *folded_query = g_utf8_casefold (query, -1);
    g_autofree char *folded_name = g_utf8_casefold (member->name, -1);
    g_autofree char *folded_email = member->email ? g_utf8_casefold (member->email, -1) : NULL;

    if (strstr (folded_name, folded_query) != NULL ||
        (folded_email != NULL && strstr (folded_email, folded_query) != NULL))
      return TRUE;
  }

  /* Phones match on their digits, whatever punctuation either side uses. */
  phone_digits = g_string_new (NULL);
  for (const char *p = query; *p; p++)
    if (g_ascii_isdigit (*p))
      g_string_append_c (phone_digits, *p);
  digits = g_string_free (phone_digits, FALSE);
  if (*digits != '\0' && strlen (digits) >= 3 && member->phone != NULL)
    {
      GString *member_digits = g_string_new (NULL);
      gboolean found;

      for (const char *p = member->phone; *p; p++)
        if (g_ascii_isdigit (*p))
          g_string_append_c (member_digits, *p);
      found = strstr (member_digits->str, digits) != NULL;
      g_string_free (member_digits, TRUE);
      return found;
    }
  return FALSE;
}

gboolean
tc_store_member_changed (const TcAssociate *before,
                         const TcAssociate *after)
{
  return before == NULL ||
         g_strcmp0 (before->name, after->name) != 0 ||
         g_strcmp0 (before->email, after->email) != 0 ||
         g_strcmp0 (before->phone, after->phone) != 0 ||
         g_strcmp0 (before->sponsor_id, after->sponsor_id) != 0 ||
         g_strcmp0 (before->enroller_id, after->enroller_id) != 0 ||
         g_strcmp0 (before->marketing_site_url, after->marketing_site_url) != 0;
}

void
tc_store_add_problem (GString     *problems,
                      guint        line,
                      const char  *format,
                      ...)
{
  va_list args;

  if (problems->len > 0)
    g_string_append_c (problems, '\n');
  if (line > 0)
    g_string_append_printf (problems, "line %u: ", line);
  va_start (args, format);
  g_string_append_vprintf (problems, format, args);
  va_end (args);
}

typedef struct {
  const char *password;
  const char *current;   /* the stored hash, or NULL */
  char       *hash;      /* out: NULL when @current already matches */
} PasswordSlot;

static void
hash_row_password (gpointer data,
                   gpointer user_data)
{
  PasswordSlot *slot = data;

  /* Verifying costs what hashing does, so an unchanged file costs no more. */
  if (slot->current != NULL && tc_password_verify (slot->current, slot->password))
    return;
  slot->hash = tc_password_hash (slot->password);
}

GPtrArray *
tc_store_hash_passwords (GPtrArray  *rows,
                         GHashTable *current)
{
  g_autofree PasswordSlot *slots = g_new0 (PasswordSlot, rows->len);
  GPtrArray *hashes;
  GThreadPool *pool;

  /* argon2 is slow by design: hash on every core, and before the write
   * transaction, so the server's writers are never held up by it. */
  pool = g_thread_pool_new (hash_row_password, NULL, MAX (1, (int) g_get_num_processors ()),
                            FALSE, NULL);
  for (guint i = 0; i < rows->len; i++)
    {
      TcImportRow *row = g_ptr_array_index (rows, i);

      if (row->password != NULL && *row->password != '\0')
        {
          slots[i].password = row->password;
          if (current != NULL)
            slots[i].current = g_hash_table_lookup (current, row->associate->id);
          g_thread_pool_push (pool, &slots[i], NULL);
        }
    }
  g_thread_pool_free (pool, FALSE, TRUE);

  hashes = g_ptr_array_new_full (rows->len, g_free);
  for (guint i = 0; i < rows->len; i++)
    g_ptr_array_add (hashes, slots[i].hash);
  return hashes;
}

char *
tc_store_fold_for_search (const char *text)
{
  g_autofree char *decomposed = g_utf8_normalize (text != NULL ? text : "", -1, G_NORMALIZE_NFKD);
  g_autoptr(GString) bare = g_string_new (NULL);

  if (decomposed == NULL)
    return g_strdup ("");
  for (const char *p = decomposed; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (!g_unichar_ismark (c))
        g_string_append_unichar (bare, c);
    }
  return g_utf8_casefold (bare->str, -1);
}

char *
tc_store_resource_search_text (const char *title,
                               const char *description)
{
  g_autofree char *joined = g_strconcat (title != NULL ? title : "", "\n",
                                         description != NULL ? description : "", NULL);

  return tc_store_fold_for_search (joined);
}

char *
tc_store_like_pattern (const char *text)
{
  GString *pattern = g_string_new ("%");

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '%' || *p == '_' || *p == '\\')
        g_string_append_c (pattern, '\\');
      g_string_append_c (pattern, *p);
    }
  g_string_append_c (pattern, '%');
  return g_string_free (pattern, FALSE);
}

char *
tc_store_new_media_id (const char *prefix)
{
  g_autofree char *uuid = g_uuid_string_random ();
  GString *id = g_string_new (prefix);

  for (const char *p = uuid; *p != '\0'; p++)
    if (*p != '-')
      g_string_append_c (id, *p);
  return g_string_free (id, FALSE);
}

void
tc_stream_events_add (GPtrArray  *events,
                      const char *associate_id,
                      TcEvent    *event)
{
  TcStreamEvent *stream_event = g_new0 (TcStreamEvent, 1);

  stream_event->associate_id = g_strdup (associate_id);
  stream_event->event = event;
  g_ptr_array_add (events, stream_event);
}
