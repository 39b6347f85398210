/* tc-associates-csv.c: parse and validate the associates CSV
 *
 * The file is RFC 4180 CSV in UTF-8 with a header row naming the columns of
 * TC_ASSOCIATES_CSV_HEADER in any order. Parsing happens in two passes:
 * a tokenizer splits the text into records of fields (remembering the
 * physical line where each record starts), then every record is checked on
 * its own and against the records before it (duplicate ids and logins).
 * Every problem is collected, so an administrator fixes a file in one go,
 * and nothing is returned unless the whole file is valid: API.md wants no
 * row imported from a file that has any invalid row.
 *
 * References between rows (sponsor_id, enroller_id) are not resolved here:
 * they may point at associates already in the database, which only the
 * store can see.
 */
#include "tc-associates-csv.h"

#include <string.h>

#include "tc-error.h"

#define MAX_ID_CHARS        64
#define MAX_LOGIN_CHARS     64
#define MIN_PASSWORD_CHARS  8
#define MAX_NAME_CHARS      200
#define MAX_EMAIL_CHARS     254   /* RFC 5321 path limit */
#define MAX_URL_CHARS       2048
#define MIN_PHONE_DIGITS    7
#define MAX_PHONE_DIGITS    15    /* E.164 */
#define SHOWN_VALUE_CHARS   40    /* longer values are cut in messages */

typedef enum {
  COL_ID,
  COL_LOGIN,
  COL_PASSWORD,
  COL_NAME,
  COL_EMAIL,
  COL_PHONE,
  COL_SPONSOR_ID,
  COL_ENROLLER_ID,
  COL_MARKETING_SITE_URL,
  COL_OFFLINE_CHANNEL,
  N_COLUMNS
} Column;

static const char *const column_names[N_COLUMNS] = {
  "id",
  "login",
  "password",
  "name",
  "email",
  "phone",
  "sponsor_id",
  "enroller_id",
  "marketing_site_url",
  "offline_channel",
};

#define COLUMN_UNSET G_MAXUINT

/* ------------------------------------------------------------------------
 * Problems: the lines of the final error message
 * ------------------------------------------------------------------------ */

typedef struct {
  GPtrArray *lines;   /* (element-type utf8): at most TC_ASSOCIATES_CSV_MAX_PROBLEMS */
  guint      n_more;  /* problems found beyond those */
} Problems;

static void
problems_clear (Problems *problems)
{
  g_clear_pointer (&problems->lines, g_ptr_array_unref);
  problems->n_more = 0;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Problems, problems_clear)

static guint
problems_count (const Problems *problems)
{
  return (problems->lines != NULL ? problems->lines->len : 0) + problems->n_more;
}

static void problems_add (Problems   *problems,
                          guint       line,
                          const char *format,
                          ...) G_GNUC_PRINTF (3, 4);

static void
problems_add (Problems   *problems,
              guint       line,
              const char *format,
              ...)
{
  g_autofree char *text = NULL;
  va_list args;

  if (problems->lines == NULL)
    problems->lines = g_ptr_array_new_with_free_func (g_free);

  /* Still count what is not listed, so the message can say how much is
   * left to fix. */
  if (problems->lines->len >= TC_ASSOCIATES_CSV_MAX_PROBLEMS)
    {
      problems->n_more++;
      return;
    }

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  g_ptr_array_add (problems->lines, g_strdup_printf ("line %u: %s", line, text));
}

static void
problems_to_error (const Problems  *problems,
                   GError         **error)
{
  g_autoptr(GString) message = g_string_new (NULL);

  for (guint i = 0; i < problems->lines->len; i++)
    {
      if (i > 0)
        g_string_append_c (message, '\n');
      g_string_append (message, g_ptr_array_index (problems->lines, i));
    }
  if (problems->n_more > 0)
    g_string_append_printf (message, "\n… and %u more", problems->n_more);

  g_set_error_literal (error, TC_ERROR, TC_ERROR_INVALID, message->str);
}

/* ------------------------------------------------------------------------
 * Character classes
 * ------------------------------------------------------------------------ */

/* Never acceptable in any field: control characters and the Unicode line
 * and paragraph separators. Names and addresses end up in chat lists and in
 * the headers of offline notification mail, where a line break would let a
 * file inject headers. */
static gboolean
is_forbidden_in_text (gunichar c)
{
  GUnicodeType type = g_unichar_type (c);

  return type == G_UNICODE_CONTROL ||
         type == G_UNICODE_LINE_SEPARATOR ||
         type == G_UNICODE_PARAGRAPH_SEPARATOR;
}

/* Ids, logins, addresses and the channel are single tokens: besides the
 * above, no spaces of any kind, and no invisible format characters (a
 * zero-width space would make two logins look alike). */
static gboolean
is_forbidden_in_token (gunichar c)
{
  return is_forbidden_in_text (c) ||
         g_unichar_isspace (c) ||
         g_unichar_type (c) == G_UNICODE_FORMAT;
}

static gboolean
has_forbidden (const char *s,
               gboolean  (*forbidden) (gunichar c))
{
  for (const char *p = s; *p != '\0'; p = g_utf8_next_char (p))
    if (forbidden (g_utf8_get_char (p)))
      return TRUE;
  return FALSE;
}

static gboolean
is_line_break (char c)
{
  return c == '\n' || c == '\r';
}

/* A value as it may appear in a message: cut to a readable length, with
 * anything that could break the one-line-per-problem layout replaced. */
static char *
shown (const char *value)
{
  GString *out = g_string_new (NULL);
  guint n = 0;

  for (const char *p = value; *p != '\0'; p = g_utf8_next_char (p), n++)
    {
      gunichar c = g_utf8_get_char (p);

      if (n == SHOWN_VALUE_CHARS)
        {
          g_string_append (out, "…");
          break;
        }
      g_string_append_unichar (out, is_forbidden_in_text (c) ? 0xFFFD : c);
    }

  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------------
 * Tokenizer
 * ------------------------------------------------------------------------ */

typedef struct {
  GPtrArray  *fields;          /* (element-type utf8): trimmed */
  guint       line;            /* physical line where the record starts */
  gboolean    any_quoted;
  const char *syntax_problem;  /* static text, or NULL */
} Record;

static Record *
record_new (guint line)
{
  Record *record = g_new0 (Record, 1);

  record->fields = g_ptr_array_new_with_free_func (g_free);
  record->line = line;

  return record;
}

static void
record_free (Record *record)
{
  g_ptr_array_unref (record->fields);
  g_free (record);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Record, record_free)

/* An empty line, or one with only separators: spreadsheets export rows
 * that were formatted but never filled in as ",,,,,,,,,". */
static gboolean
record_is_blank (const Record *record)
{
  if (record->any_quoted)
    return FALSE;
  for (guint i = 0; i < record->fields->len; i++)
    if (*(const char *) g_ptr_array_index (record->fields, i) != '\0')
      return FALSE;
  return TRUE;
}

/* Counts the line breaks in [p, end): CRLF, LF and a lone CR each end a
 * physical line, as they do for the tokenizer. */
static guint
count_line_breaks (const char *p,
                   const char *end)
{
  guint n = 0;

  for (; p < end; p++)
    if (*p == '\n' || (*p == '\r' && (p + 1 >= end || p[1] != '\n')))
      n++;

  return n;
}

/* Splits @p .. @end (valid UTF-8) into records. All delimiters are ASCII, so
 * working on bytes cannot split a character. Blank records (see
 * record_is_blank()) are skipped; line numbers still count them.
 *
 * A quoted field that is never closed swallows the rest of the file; the
 * records before it are returned and *unclosed_line is set to the line of
 * its opening quote (0 when every quote is closed). */
static GPtrArray *
tokenize (const char *p,
          const char *end,
          guint      *unclosed_line)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) record_free);
  guint line = 1;

  *unclosed_line = 0;

  while (p < end)
    {
      g_autoptr(Record) record = record_new (line);

      for (;;)
        {
          g_autoptr(GString) field = g_string_new (NULL);

          while (p < end && (*p == ' ' || *p == '\t'))
            p++;

          if (p < end && *p == '"')
            {
              guint open_line = line;
              gboolean closed = FALSE;

              record->any_quoted = TRUE;
              p++;
              while (p < end)
                {
                  if (*p == '"')
                    {
                      if (p + 1 < end && p[1] == '"')
                        {
                          g_string_append_c (field, '"');
                          p += 2;
                          continue;
                        }
                      p++;
                      closed = TRUE;
                      break;
                    }
                  if (*p == '\n' || (*p == '\r' && (p + 1 >= end || p[1] != '\n')))
                    line++;
                  g_string_append_c (field, *p);
                  p++;
                }

              if (!closed)
                {
                  *unclosed_line = open_line;
                  return g_steal_pointer (&records);
                }

              /* Whitespace may follow the closing quote (it would be
               * trimmed anyway); anything else is a malformed field. */
              while (p < end && (*p == ' ' || *p == '\t'))
                p++;
              if (p < end && *p != ',' && !is_line_break (*p))
                {
                  if (record->syntax_problem == NULL)
                    record->syntax_problem = "text follows the closing quote of a field";
                  while (p < end && *p != ',' && !is_line_break (*p))
                    p++;
                }
            }
          else
            {
              while (p < end && *p != ',' && !is_line_break (*p))
                {
                  if (*p == '"' && record->syntax_problem == NULL)
                    record->syntax_problem = "a field that contains a quote must be quoted "
                                             "as a whole, with the quote doubled";
                  g_string_append_c (field, *p);
                  p++;
                }
            }

          /* Every field, quoted or not, loses surrounding ASCII
           * whitespace: spreadsheets and hand editing add it freely. */
          g_ptr_array_add (record->fields,
                           g_strstrip (g_string_free (g_steal_pointer (&field), FALSE)));

          if (p < end && *p == ',')
            {
              p++;
              continue;
            }
          if (p < end)
            {
              if (*p == '\r' && p + 1 < end && p[1] == '\n')
                p++;
              p++;
              line++;
            }
          break;
        }

      if (record_is_blank (record))
        continue;

      g_ptr_array_add (records, g_steal_pointer (&record));
    }

  return g_steal_pointer (&records);
}

/* ------------------------------------------------------------------------
 * Field checks
 * ------------------------------------------------------------------------ */

/* id, login, sponsor_id, enroller_id */
static gboolean
check_token (Problems   *problems,
             guint       line,
             const char *column,
             const char *value,
             guint       max_chars)
{
  g_autofree char *display = NULL;

  if (*value == '\0')
    {
      problems_add (problems, line, "%s is empty", column);
      return FALSE;
    }
  if (g_utf8_strlen (value, -1) > max_chars)
    {
      problems_add (problems, line, "%s is longer than %u characters", column, max_chars);
      return FALSE;
    }
  if (has_forbidden (value, is_forbidden_in_token))
    {
      display = shown (value);
      problems_add (problems, line, "%s “%s” contains spaces or control characters",
                    column, display);
      return FALSE;
    }
  return TRUE;
}

/* A plausible address, not a full RFC 5322 parser: exactly one @, a
 * non-empty local part, a domain with an inner dot, and none of the
 * characters that need quoting in a mail header (so an address can never
 * smuggle a second recipient or a header into an outgoing message). */
static gboolean
email_is_plausible (const char *email)
{
  const char *at = strchr (email, '@');
  const char *domain;
  gsize domain_len;

  if (at == NULL || at == email || strchr (at + 1, '@') != NULL)
    return FALSE;

  domain = at + 1;
  domain_len = strlen (domain);
  if (domain_len < 3 || domain[0] == '.' || domain[domain_len - 1] == '.' ||
      strchr (domain, '.') == NULL || strstr (domain, "..") != NULL)
    return FALSE;

  if (has_forbidden (email, is_forbidden_in_token))
    return FALSE;

  return strpbrk (email, "<>()[]\\,;:\"") == NULL;
}

/* Kept as written (the store and the SMS sender normalise), but it must
 * look like a number: an optional leading +, then digits with the usual
 * separators, and 7 to 15 digits in all. */
static gboolean
phone_is_plausible (const char *phone)
{
  const char *p = phone;
  guint digits = 0;

  if (*p == '+')
    p++;
  for (; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        digits++;
      else if (strchr (" -.()", *p) == NULL)
        return FALSE;
    }

  return digits >= MIN_PHONE_DIGITS && digits <= MAX_PHONE_DIGITS;
}

static gboolean
url_is_plausible (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  const char *host;

  if (g_ascii_strncasecmp (url, "http://", 7) != 0 &&
      g_ascii_strncasecmp (url, "https://", 8) != 0)
    return FALSE;
  if (has_forbidden (url, is_forbidden_in_token))
    return FALSE;

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    return FALSE;
  host = g_uri_get_host (uri);

  return host != NULL && *host != '\0';
}

/* Spreadsheets let people put line breaks into a cell by accident; in a
 * name they can only mean a space. Each run of whitespace that contains a
 * tab or line break becomes one space; ordinary spaces are kept as
 * written. */
static char *
fold_name (const char *name)
{
  GString *out = g_string_new (NULL);
  const char *p = name;

  while (*p != '\0')
    {
      const char *run = p;
      gboolean breaks = FALSE;

      if (!g_ascii_isspace (*p))
        {
          g_string_append_c (out, *p++);
          continue;
        }

      while (g_ascii_isspace (*p))
        {
          if (*p != ' ')
            breaks = TRUE;
          p++;
        }
      if (breaks)
        g_string_append_c (out, ' ');
      else
        g_string_append_len (out, run, p - run);
    }

  return g_string_free (out, FALSE);
}

/* Checks one record of the right width. Problems are added for every field
 * that is wrong; a row is returned only when there were none. @ids and
 * @logins remember the first line of each id and (case-folded) login, so
 * the second use is the one reported. */
static TcImportRow *
check_record (const Record *record,
              const guint  *col_of,
              GHashTable   *ids,
              GHashTable   *logins,
              Problems     *problems)
{
  g_autoptr(TcImportRow) row = NULL;
  g_autofree char *name = NULL;
  const char *v[N_COLUMNS];
  guint line = record->line;
  guint before = problems_count (problems);
  gboolean id_ok, login_ok;

  if (record->fields->len != N_COLUMNS)
    {
      problems_add (problems, line, "expected %u fields, found %u",
                    (guint) N_COLUMNS, record->fields->len);
      return NULL;
    }
  if (record->syntax_problem != NULL)
    {
      /* The fields may be cut in the wrong places: checking them would
       * only add confusing messages. */
      problems_add (problems, line, "%s", record->syntax_problem);
      return NULL;
    }

  for (guint i = 0; i < N_COLUMNS; i++)
    v[i] = g_ptr_array_index (record->fields, col_of[i]);

  id_ok = check_token (problems, line, "id", v[COL_ID], MAX_ID_CHARS);
  if (id_ok)
    {
      gpointer first = g_hash_table_lookup (ids, v[COL_ID]);
      g_autofree char *display = NULL;

      if (first != NULL)
        {
          display = shown (v[COL_ID]);
          problems_add (problems, line, "id “%s” is already used on line %u",
                        display, GPOINTER_TO_UINT (first));
        }
      else
        g_hash_table_insert (ids, g_strdup (v[COL_ID]), GUINT_TO_POINTER (line));
    }

  login_ok = check_token (problems, line, "login", v[COL_LOGIN], MAX_LOGIN_CHARS);
  if (login_ok)
    {
      /* Compared case-insensitively: "Maria" and "maria" in one file is
       * a mistake whatever the store's login lookup does. */
      g_autofree char *folded = g_utf8_casefold (v[COL_LOGIN], -1);
      gpointer first = g_hash_table_lookup (logins, folded);
      g_autofree char *display = NULL;

      if (first != NULL)
        {
          display = shown (v[COL_LOGIN]);
          problems_add (problems, line, "login “%s” is already used on line %u",
                        display, GPOINTER_TO_UINT (first));
        }
      else
        g_hash_table_insert (logins, g_steal_pointer (&folded), GUINT_TO_POINTER (line));
    }

  /* Never echo a password into a message: error text ends up in logs. */
  if (*v[COL_PASSWORD] != '\0')
    {
      if (g_utf8_strlen (v[COL_PASSWORD], -1) < MIN_PASSWORD_CHARS)
        problems_add (problems, line, "password is shorter than %u characters",
                      (guint) MIN_PASSWORD_CHARS);
      else if (has_forbidden (v[COL_PASSWORD], is_forbidden_in_text))
        problems_add (problems, line, "password contains control characters");
    }

  name = fold_name (v[COL_NAME]);
  if (*name == '\0')
    problems_add (problems, line, "name is empty");
  else if (g_utf8_strlen (name, -1) > MAX_NAME_CHARS)
    problems_add (problems, line, "name is longer than %u characters", (guint) MAX_NAME_CHARS);
  else if (has_forbidden (name, is_forbidden_in_text))
    {
      g_autofree char *display = shown (name);

      problems_add (problems, line, "name “%s” contains control characters", display);
    }

  if (*v[COL_EMAIL] != '\0')
    {
      g_autofree char *display = shown (v[COL_EMAIL]);

      if (g_utf8_strlen (v[COL_EMAIL], -1) > MAX_EMAIL_CHARS)
        problems_add (problems, line, "email is longer than %u characters",
                      (guint) MAX_EMAIL_CHARS);
      else if (!email_is_plausible (v[COL_EMAIL]))
        problems_add (problems, line, "email “%s” is not a valid address", display);
    }

  if (*v[COL_PHONE] != '\0' && !phone_is_plausible (v[COL_PHONE]))
    {
      g_autofree char *display = shown (v[COL_PHONE]);

      problems_add (problems, line,
                    "phone “%s” is not a valid phone number "
                    "(optional +, then %u to %u digits)",
                    display, (guint) MIN_PHONE_DIGITS, (guint) MAX_PHONE_DIGITS);
    }

  for (Column c = COL_SPONSOR_ID; c <= COL_ENROLLER_ID; c++)
    {
      if (*v[c] == '\0')
        continue;
      if (check_token (problems, line, column_names[c], v[c], MAX_ID_CHARS) &&
          id_ok && g_str_equal (v[c], v[COL_ID]))
        {
          g_autofree char *display = shown (v[c]);

          problems_add (problems, line, "%s “%s” is the associate's own id",
                        column_names[c], display);
        }
    }

  if (*v[COL_MARKETING_SITE_URL] != '\0')
    {
      g_autofree char *display = shown (v[COL_MARKETING_SITE_URL]);

      if (g_utf8_strlen (v[COL_MARKETING_SITE_URL], -1) > MAX_URL_CHARS)
        problems_add (problems, line, "marketing_site_url is longer than %u characters",
                      (guint) MAX_URL_CHARS);
      else if (!url_is_plausible (v[COL_MARKETING_SITE_URL]))
        problems_add (problems, line,
                      "marketing_site_url “%s” is not an http:// or https:// address",
                      display);
    }

  if (*v[COL_OFFLINE_CHANNEL] != '\0' &&
      !g_str_equal (v[COL_OFFLINE_CHANNEL], TC_CHANNEL_EMAIL) &&
      !g_str_equal (v[COL_OFFLINE_CHANNEL], TC_CHANNEL_SMS))
    {
      g_autofree char *display = shown (v[COL_OFFLINE_CHANNEL]);

      problems_add (problems, line, "offline_channel “%s” is not email, sms or empty", display);
    }
  else if (g_strcmp0 (v[COL_OFFLINE_CHANNEL], TC_CHANNEL_SMS) == 0 && *v[COL_PHONE] == '\0')
    problems_add (problems, line, "offline_channel sms needs a phone number");

  if (problems_count (problems) != before)
    return NULL;

  row = tc_import_row_new ();
  row->line = line;
  row->login = g_strdup (v[COL_LOGIN]);
  row->password = g_strdup (v[COL_PASSWORD]);
  row->associate->id = g_strdup (v[COL_ID]);
  row->associate->name = g_steal_pointer (&name);
  /* Optional fields: empty means "none". */
  row->associate->email = *v[COL_EMAIL] != '\0' ? g_strdup (v[COL_EMAIL]) : NULL;
  row->associate->phone = *v[COL_PHONE] != '\0' ? g_strdup (v[COL_PHONE]) : NULL;
  row->associate->sponsor_id = *v[COL_SPONSOR_ID] != '\0' ? g_strdup (v[COL_SPONSOR_ID]) : NULL;
  row->associate->enroller_id =
    *v[COL_ENROLLER_ID] != '\0' ? g_strdup (v[COL_ENROLLER_ID]) : NULL;
  row->associate->marketing_site_url =
    *v[COL_MARKETING_SITE_URL] != '\0' ? g_strdup (v[COL_MARKETING_SITE_URL]) : NULL;
  row->associate->offline_channel =
    g_strdup (*v[COL_OFFLINE_CHANNEL] != '\0' ? v[COL_OFFLINE_CHANNEL] : TC_CHANNEL_EMAIL);

  return g_steal_pointer (&row);
}

/* Maps each column to its position in the file, or reports what is wrong
 * with the header. */
static gboolean
map_header (const Record *header,
            guint        *col_of,
            Problems     *problems)
{
  guint before = problems_count (problems);

  for (guint c = 0; c < N_COLUMNS; c++)
    col_of[c] = COLUMN_UNSET;

  if (header->syntax_problem != NULL)
    problems_add (problems, header->line, "%s", header->syntax_problem);

  for (guint i = 0; i < header->fields->len; i++)
    {
      const char *name = g_ptr_array_index (header->fields, i);
      g_autofree char *display = shown (name);
      guint c;

      for (c = 0; c < N_COLUMNS; c++)
        if (g_str_equal (name, column_names[c]))
          break;

      if (c == N_COLUMNS)
        {
          if (*name == '\0')
            problems_add (problems, header->line, "column %u has no name", i + 1);
          else
            problems_add (problems, header->line, "unknown column “%s”", display);
        }
      else if (col_of[c] != COLUMN_UNSET)
        problems_add (problems, header->line, "duplicate column “%s”", display);
      else
        col_of[c] = i;
    }

  for (guint c = 0; c < N_COLUMNS; c++)
    if (col_of[c] == COLUMN_UNSET)
      problems_add (problems, header->line, "missing column “%s”", column_names[c]);

  return problems_count (problems) == before;
}

/**
 * tc_associates_csv_parse:
 * @data: (array length=len): the file contents
 * @len: length of @data in bytes
 * @error: return location for a #GError
 *
 * Parses and validates an associates CSV file (see API.md, "Associates
 * CSV"). A UTF-8 byte order mark is skipped, lines that are empty or hold
 * only commas are ignored, and every field is trimmed of surrounding ASCII
 * whitespace (line breaks and tabs inside a name become a space). Empty optional
 * fields become %NULL; an empty offline_channel becomes "email"; an empty
 * password stays "" (the store decides whether keeping the existing one is
 * possible). References between rows are not checked.
 *
 * When anything is wrong, nothing is returned: @error is set to
 * %TC_ERROR_INVALID with one line per problem, each starting with "line N: "
 * where N is the physical line where the record starts (at most
 * %TC_ASSOCIATES_CSV_MAX_PROBLEMS lines, then "… and N more").
 *
 * Returns: (transfer full) (element-type TcImportRow): the rows in file
 *   order, possibly none (a file with only a header), or %NULL on error
 */
GPtrArray *
tc_associates_csv_parse (const char  *data,
                         gsize        len,
                         GError     **error)
{
  g_auto(Problems) problems = { NULL, 0 };
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GHashTable) ids = NULL;
  g_autoptr(GHashTable) logins = NULL;
  const char *end_valid = NULL;
  const char *start;
  const Record *header;
  guint col_of[N_COLUMNS];
  guint unclosed_line = 0;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (data == NULL)
    data = "";

  if (!g_utf8_validate_len (data, len, &end_valid))
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID, "line %u: %s",
                   1 + count_line_breaks (data, end_valid),
                   *end_valid == '\0' ? "the file contains a NUL byte"
                                      : "the text is not valid UTF-8");
      return NULL;
    }

  start = data;
  if (len >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    start += 3;

  records = tokenize (start, data + len, &unclosed_line);

  if (records->len == 0)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INVALID,
                   "line %u: %s", unclosed_line != 0 ? unclosed_line : 1,
                   unclosed_line != 0 ? "a quoted field is never closed"
                                      : "the file is empty; the first line must be the header "
                                        TC_ASSOCIATES_CSV_HEADER);
      return NULL;
    }

  header = g_ptr_array_index (records, 0);
  if (!map_header (header, col_of, &problems))
    {
      problems_to_error (&problems, error);
      return NULL;
    }

  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_import_row_free);
  ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  logins = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 1; i < records->len; i++)
    {
      TcImportRow *row = check_record (g_ptr_array_index (records, i), col_of,
                                       ids, logins, &problems);

      if (row != NULL)
        g_ptr_array_add (rows, row);
    }

  if (unclosed_line != 0)
    problems_add (&problems, unclosed_line, "a quoted field is never closed");

  if (problems_count (&problems) > 0)
    {
      problems_to_error (&problems, error);
      return NULL;
    }

  return g_steal_pointer (&rows);
}
