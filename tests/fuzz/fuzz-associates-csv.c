/* fuzz-associates-csv.c: the associates CSV importer
 *
 * tc_associates_csv_parse() (sync-server/tc-associates-csv.c) reads what
 * an administrator hands to `teamchat-server import-associates`. Checked
 * besides "no crash": an accepted file gives rows that hold every required
 * field, with unique ids and logins, in line order; a refused one gives one
 * "line N: " problem per message line, at most TC_ASSOCIATES_CSV_MAX_PROBLEMS
 * of them and a summary, with no control character that could forge a log
 * line.
 */
#include <string.h>

#include "tc-associates-csv.h"
#include "tc-error.h"
#include "tc-fuzz.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  tc_fuzz_init ();
  return 0;
}

static void
check_rows (GPtrArray *rows)
{
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) logins = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint last_line = 0;

  for (guint i = 0; i < rows->len; i++)
    {
      TcImportRow *row = g_ptr_array_index (rows, i);
      TcAssociate *a = row->associate;

      TC_FUZZ_CHECK (row->line > last_line);
      last_line = row->line;
      TC_FUZZ_CHECK (a->id != NULL && *a->id != '\0');
      TC_FUZZ_CHECK (row->login != NULL && *row->login != '\0');
      TC_FUZZ_CHECK (row->password != NULL);
      TC_FUZZ_CHECK (a->name != NULL && *a->name != '\0');
      TC_FUZZ_CHECK (g_strcmp0 (a->offline_channel, TC_CHANNEL_EMAIL) == 0 ||
                     g_strcmp0 (a->offline_channel, TC_CHANNEL_SMS) == 0);
      TC_FUZZ_CHECK (g_strcmp0 (a->offline_channel, TC_CHANNEL_SMS) != 0 || a->phone != NULL);
      TC_FUZZ_CHECK (g_strcmp0 (a->sponsor_id, a->id) != 0);
      TC_FUZZ_CHECK (g_strcmp0 (a->enroller_id, a->id) != 0);
      TC_FUZZ_CHECK (strchr (a->name, '\n') == NULL && strchr (a->name, '\r') == NULL);
      TC_FUZZ_CHECK (a->email == NULL || strpbrk (a->email, "\r\n,;<>") == NULL);

      TC_FUZZ_CHECK (!g_hash_table_contains (ids, a->id));
      g_hash_table_add (ids, a->id);
      {
        char *folded = g_utf8_casefold (row->login, -1);

        TC_FUZZ_CHECK (!g_hash_table_contains (logins, folded));
        g_hash_table_add (logins, folded);
      }
    }
}

static void
check_error (const GError *error)
{
  g_auto(GStrv) lines = NULL;
  guint n;

  TC_FUZZ_CHECK (error != NULL);
  TC_FUZZ_CHECK (g_error_matches (error, TC_ERROR, TC_ERROR_INVALID));
  TC_FUZZ_CHECK (g_utf8_validate (error->message, -1, NULL));

  lines = g_strsplit (error->message, "\n", -1);
  n = g_strv_length (lines);
  TC_FUZZ_CHECK (n >= 1 && n <= TC_ASSOCIATES_CSV_MAX_PROBLEMS + 1);
  for (guint i = 0; i < n; i++)
    {
      const char *line = lines[i];

      if (i == n - 1 && i == TC_ASSOCIATES_CSV_MAX_PROBLEMS)
        TC_FUZZ_CHECK (g_str_has_prefix (line, "… and "));
      else
        TC_FUZZ_CHECK (g_str_has_prefix (line, "line "));
      for (const char *p = line; *p != '\0'; p = g_utf8_next_char (p))
        {
          GUnicodeType type = g_unichar_type (g_utf8_get_char (p));

          TC_FUZZ_CHECK (type != G_UNICODE_CONTROL && type != G_UNICODE_LINE_SEPARATOR &&
                         type != G_UNICODE_PARAGRAPH_SEPARATOR);
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = tc_associates_csv_parse ((const char *) data, size, &error);

  if (rows == NULL)
    check_error (error);
  else
    {
      TC_FUZZ_CHECK (error == NULL);
      check_rows (rows);
    }
  return 0;
}
