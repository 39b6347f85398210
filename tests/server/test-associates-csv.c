/* test-associates-csv.c: the associates CSV parser of import-associates */
#include <string.h>

#include "tc-associates-csv.h"
#include "tc-error.h"

#define HEADER TC_ASSOCIATES_CSV_HEADER "\n"
/* A valid row for line 2, so that the row under test is on line 3. */
#define GOOD_ROW "G1,good.row,longpassword,Good Row,good@example.com,,,,,\n"

static GPtrArray *
parse_text (const char  *text,
            GError     **error)
{
  return tc_associates_csv_parse (text, strlen (text), error);
}

static GPtrArray *
parse_file (const char  *name,
            GError     **error)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "server", "data", name, NULL);
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr(GError) local_error = NULL;

  g_file_get_contents (path, &contents, &len, &local_error);
  g_assert_no_error (local_error);

  return tc_associates_csv_parse (contents, len, error);
}

static TcImportRow *
row_at (GPtrArray *rows,
        guint      i)
{
  g_assert_cmpuint (i, <, rows->len);
  return g_ptr_array_index (rows, i);
}

/* TRUE when one line of the message starts with "line N: " and contains
 * @needle. Matching "line N: " with its colon keeps "line 1" from matching
 * "line 12". */
static gboolean
error_has_line (const GError *error,
                guint         line,
                const char   *needle)
{
  g_auto(GStrv) lines = g_strsplit (error->message, "\n", -1);
  g_autofree char *prefix = g_strdup_printf ("line %u: ", line);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix) && strstr (lines[i], needle) != NULL)
      return TRUE;
  return FALSE;
}

static guint
error_n_lines (const GError *error)
{
  g_auto(GStrv) lines = g_strsplit (error->message, "\n", -1);

  return g_strv_length (lines);
}

static void
assert_invalid (const char *csv,
                guint       line,
                const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = parse_text (csv, &error);

  g_assert_null (rows);
  g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
  if (!error_has_line (error, line, needle))
    g_error ("expected “line %u: …%s…” in:\n%s\nfor input:\n%s",
             line, needle, error->message, csv);
}

static void
test_valid_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = parse_file ("associates-valid.csv", &error);
  TcImportRow *row;

  g_assert_no_error (error);
  g_assert_nonnull (rows);
  g_assert_cmpuint (rows->len, ==, 6);

  row = row_at (rows, 0);
  g_assert_cmpuint (row->line, ==, 2);
  g_assert_cmpstr (row->associate->id, ==, "A1");
  g_assert_cmpstr (row->login, ==, "maria");
  g_assert_cmpstr (row->password, ==, "s3cret-pass");
  g_assert_cmpstr (row->associate->name, ==, "González, Maria");
  g_assert_cmpstr (row->associate->email, ==, "maria@example.com");
  g_assert_cmpstr (row->associate->phone, ==, "+1 555 555 0101");
  g_assert_null (row->associate->sponsor_id);
  g_assert_null (row->associate->enroller_id);
  g_assert_cmpstr (row->associate->marketing_site_url, ==, "https://maria.example.com");
  g_assert_cmpstr (row->associate->offline_channel, ==, "sms");

  /* Empty password is kept as "" (keep the existing one), empty optional
   * fields are NULL. */
  row = row_at (rows, 1);
  g_assert_cmpuint (row->line, ==, 3);
  g_assert_cmpstr (row->associate->id, ==, "A2");
  g_assert_cmpstr (row->password, ==, "");
  g_assert_null (row->associate->phone);
  g_assert_null (row->associate->marketing_site_url);
  g_assert_cmpstr (row->associate->sponsor_id, ==, "A1");
  g_assert_cmpstr (row->associate->enroller_id, ==, "A1");
  g_assert_cmpstr (row->associate->offline_channel, ==, "email");

  /* A quoted field over two lines: the name's line break becomes a space,
   * the record is reported at the line where it starts. */
  row = row_at (rows, 2);
  g_assert_cmpuint (row->line, ==, 4);
  g_assert_cmpstr (row->associate->name, ==, "Aiko Tanaka");
  g_assert_cmpstr (row->associate->phone, ==, "(555) 555-0103");
  g_assert_cmpstr (row->associate->sponsor_id, ==, "A1");
  g_assert_cmpstr (row->associate->enroller_id, ==, "A2");
  g_assert_cmpstr (row->associate->marketing_site_url, ==, "http://aiko.example.com/shop");
  g_assert_cmpstr (row->associate->offline_channel, ==, "email");

  /* ... so physical lines keep counting after it. */
  row = row_at (rows, 3);
  g_assert_cmpuint (row->line, ==, 6);
  g_assert_cmpstr (row->associate->name, ==, "Émile Dubois");
  g_assert_null (row->associate->email);
  g_assert_null (row->associate->phone);

  /* Doubled quotes, trimmed fields. */
  row = row_at (rows, 4);
  g_assert_cmpuint (row->line, ==, 7);
  g_assert_cmpstr (row->associate->name, ==, "Nguyễn Thị \"Lan\"");
  g_assert_cmpstr (row->password, ==, "padded-pass");
  g_assert_cmpstr (row->associate->offline_channel, ==, "sms");

  /* A sponsor that is not in the file is the store's business. */
  row = row_at (rows, 5);
  g_assert_cmpuint (row->line, ==, 8);
  g_assert_cmpstr (row->login, ==, "siobhan");
  g_assert_cmpstr (row->associate->name, ==, "Siobhán O'Brien");
  g_assert_cmpstr (row->associate->sponsor_id, ==, "A9999");
}

static void
test_crlf_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = parse_file ("associates-crlf.csv", &error);
  TcImportRow *row;

  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 3);

  /* The header has its columns in another order. */
  row = row_at (rows, 0);
  g_assert_cmpuint (row->line, ==, 2);
  g_assert_cmpstr (row->associate->id, ==, "B1");
  g_assert_cmpstr (row->associate->name, ==, "Chen Wei");
  g_assert_cmpstr (row->login, ==, "chen.wei");
  g_assert_cmpstr (row->associate->email, ==, "chen@example.com");

  row = row_at (rows, 1);
  g_assert_cmpuint (row->line, ==, 3);
  g_assert_cmpstr (row->associate->name, ==, "Olga Petrova");
  g_assert_cmpstr (row->associate->phone, ==, "+7 555 0100 22");

  row = row_at (rows, 2);
  g_assert_cmpuint (row->line, ==, 5);
  g_assert_cmpstr (row->associate->id, ==, "B3");
  g_assert_cmpstr (row->associate->enroller_id, ==, "B1");
  g_assert_null (row->associate->email);
}

/* The same valid file with CRLF (and lone CR) line breaks gives the same
 * rows on the same lines, whatever git did to the data files. */
static void
test_line_endings (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "server", "data",
                                                 "associates-valid.csv", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lf_rows = NULL;
  const char *const breaks[] = { "\r\n", "\r" };

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (strchr (contents, '\r'));
  lf_rows = parse_text (contents, &error);
  g_assert_no_error (error);

  for (guint b = 0; b < G_N_ELEMENTS (breaks); b++)
    {
      g_auto(GStrv) lines = g_strsplit (contents, "\n", -1);
      g_autofree char *converted = g_strjoinv (breaks[b], lines);
      g_autoptr(GPtrArray) rows = parse_text (converted, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (rows->len, ==, lf_rows->len);
      for (guint i = 0; i < rows->len; i++)
        {
          TcImportRow *a = row_at (rows, i);
          TcImportRow *b_row = row_at (lf_rows, i);

          g_assert_cmpuint (a->line, ==, b_row->line);
          g_assert_cmpstr (a->associate->id, ==, b_row->associate->id);
          g_assert_cmpstr (a->associate->name, ==, b_row->associate->name);
          g_assert_cmpstr (a->login, ==, b_row->login);
        }
    }
}

static void
test_bom (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = parse_text ("\xEF\xBB\xBF" HEADER GOOD_ROW, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpstr (row_at (rows, 0)->associate->id, ==, "G1");
  g_assert_cmpuint (row_at (rows, 0)->line, ==, 2);

  /* A BOM anywhere else is not one, and spoils the first column name. */
  assert_invalid ("\n\xEF\xBB\xBF" HEADER, 2, "unknown column");
}

static void
test_empty (void)
{
  assert_invalid ("", 1, "empty");
  assert_invalid ("\xEF\xBB\xBF", 1, "empty");
  assert_invalid ("\n\n  \n", 1, "empty");

  /* NULL with length 0 is an empty file too. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) rows = tc_associates_csv_parse (NULL, 0, &error);

    g_assert_null (rows);
    g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
  }
}

static void
test_header_only (void)
{
  const char *const inputs[] = {
    HEADER,
    TC_ASSOCIATES_CSV_HEADER,             /* no final line break */
    TC_ASSOCIATES_CSV_HEADER "\r\n\r\n",  /* blank lines after it */
    /* whitespace around names */
    (" id , login,password ,name,email,phone,sponsor_id,enroller_id,marketing_site_url,"
     "offline_channel\n"),
  };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) rows = parse_text (inputs[i], &error);

      g_assert_no_error (error);
      g_assert_nonnull (rows);
      g_assert_cmpuint (rows->len, ==, 0);
    }
}

static void
test_header_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;

  /* Missing */
  assert_invalid ("id,login,password,name,email,phone,sponsor_id,enroller_id,marketing_site_url\n"
                  GOOD_ROW,
                  1, "missing column “offline_channel”");
  /* Unknown */
  assert_invalid (TC_ASSOCIATES_CSV_HEADER ",nickname\n", 1, "unknown column “nickname”");
  /* Duplicate */
  assert_invalid (TC_ASSOCIATES_CSV_HEADER ",email\n", 1, "duplicate column “email”");
  /* Names are case-sensitive: "ID" is unknown and "id" missing. */
  assert_invalid ("ID,login,password,name,email,phone,sponsor_id,enroller_id,"
                  "marketing_site_url,offline_channel\n",
                  1, "unknown column “ID”");
  assert_invalid ("ID,login,password,name,email,phone,sponsor_id,enroller_id,"
                  "marketing_site_url,offline_channel\n",
                  1, "missing column “id”");
  /* An empty column name */
  assert_invalid (TC_ASSOCIATES_CSV_HEADER ",\n", 1, "column 11 has no name");
  /* No header at all: the first row is taken for one. */
  assert_invalid (GOOD_ROW, 1, "unknown column “G1”");

  /* Every header problem is listed, and no row is looked at. */
  rows = parse_text ("id,login,password,name,nickname,email,email\n"
                     "x,y\n", &error);
  g_assert_null (rows);
  g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
  g_assert_true (error_has_line (error, 1, "unknown column “nickname”"));
  g_assert_true (error_has_line (error, 1, "duplicate column “email”"));
  g_assert_true (error_has_line (error, 1, "missing column “phone”"));
  g_assert_true (error_has_line (error, 1, "missing column “offline_channel”"));
  g_assert_null (strstr (error->message, "line 2"));
}

typedef struct {
  const char *row;
  const char *needle;
} InvalidCase;

static void
test_invalid_fields (void)
{
  g_autofree char *long_id = g_strnfill (65, 'x');
  g_autofree char *long_name = g_strnfill (201, 'n');
  g_autofree char *long_row_id = g_strdup_printf ("%s,l,longpassword,N,,,,,,\n", long_id);
  g_autofree char *long_row_login = g_strdup_printf ("i,%s,longpassword,N,,,,,,\n", long_id);
  g_autofree char *long_row_name = g_strdup_printf ("i,l,longpassword,%s,,,,,,\n", long_name);
  const InvalidCase cases[] = {
    /* field count */
    { "i,l,longpassword,N,,,,,\n", "expected 10 fields, found 9" },
    { "i,l,longpassword,N,,,,,,,\n", "expected 10 fields, found 11" },
    /* id */
    { ",l,longpassword,N,,,,,,\n", "id is empty" },
    { "A 1,l,longpassword,N,,,,,,\n", "id “A 1” contains spaces or control characters" },
    { "A\t1,l,longpassword,N,,,,,,\n", "id “A\xEF\xBF\xBD" "1” contains spaces" },
    { "A\xE2\x80\x8B" "1,l,longpassword,N,,,,,,\n", "id “A" },  /* zero-width space */
    { long_row_id, "id is longer than 64 characters" },
    /* login */
    { "i,,longpassword,N,,,,,,\n", "login is empty" },
    { "i,maria gonzalez,longpassword,N,,,,,,\n", "login “maria gonzalez” contains spaces" },
    { long_row_login, "login is longer than 64 characters" },
    /* password */
    { "i,l,short,N,,,,,,\n", "password is shorter than 8 characters" },
    { "i,l,1234567,N,,,,,,\n", "password is shorter than 8 characters" },
    { "i,l,long\x01password,N,,,,,,\n", "password contains control characters" },
    /* name */
    { "i,l,longpassword,,,,,,,\n", "name is empty" },
    { "i,l,longpassword,\"  \",,,,,,\n", "name is empty" },
    { long_row_name, "name is longer than 200 characters" },
    { "i,l,longpassword,Bad\x7fName,,,,,,\n", "name “Bad\xEF\xBF\xBDName” contains control" },
    { "i,l,longpassword,Bad\xE2\x80\xA8Name,,,,,,\n", "contains control characters" },
    /* email */
    { "i,l,longpassword,N,foo,,,,,\n", "email “foo” is not a valid address" },
    { "i,l,longpassword,N,@example.com,,,,,\n", "email “@example.com” is not a valid" },
    { "i,l,longpassword,N,a@b@example.com,,,,,\n", "is not a valid address" },
    { "i,l,longpassword,N,a@localhost,,,,,\n", "email “a@localhost” is not a valid" },
    { "i,l,longpassword,N,a@example.,,,,,\n", "is not a valid address" },
    { "i,l,longpassword,N,a@.example.com,,,,,\n", "is not a valid address" },
    { "i,l,longpassword,N,a@example..com,,,,,\n", "is not a valid address" },
    { "i,l,longpassword,N,a b@example.com,,,,,\n", "is not a valid address" },
    { "i,l,longpassword,N,\"a@example.com, b@example.com\",,,,,\n", "is not a valid address" },
    { "i,l,longpassword,N,<a@example.com>,,,,,\n", "is not a valid address" },
    /* phone */
    { "i,l,longpassword,N,,123456,,,,\n", "phone “123456” is not a valid phone number" },
    { "i,l,longpassword,N,,+1234567890123456,,,,\n", "is not a valid phone number" },
    { "i,l,longpassword,N,,555-CALL-NOW,,,,\n", "is not a valid phone number" },
    { "i,l,longpassword,N,,1+5555550100,,,,\n", "is not a valid phone number" },
    /* sponsor_id, enroller_id */
    { "i,l,longpassword,N,,,i,,,\n", "sponsor_id “i” is the associate's own id" },
    { "i,l,longpassword,N,,,,i,,\n", "enroller_id “i” is the associate's own id" },
    { "i,l,longpassword,N,,,A 1,,,\n", "sponsor_id “A 1” contains spaces" },
    /* marketing_site_url */
    { "i,l,longpassword,N,,,,,ftp://example.com,\n",
      "marketing_site_url “ftp://example.com” is not" },
    { "i,l,longpassword,N,,,,,example.com,\n", "is not an http:// or https:// address" },
    { "i,l,longpassword,N,,,,,https://,\n", "is not an http:// or https:// address" },
    { "i,l,longpassword,N,,,,,https://example.com/a b,\n", "is not an http:// or https://" },
    /* offline_channel */
    { "i,l,longpassword,N,,,,,,fax\n", "offline_channel “fax” is not email, sms or empty" },
    { "i,l,longpassword,N,,,,,,SMS\n", "offline_channel “SMS” is not email, sms or empty" },
    { "i,l,longpassword,N,,,,,,sms\n", "offline_channel sms needs a phone number" },
    /* quoting */
    { "i,l,longpassword,\"N\" x,,,,,,\n", "text follows the closing quote" },
    { "i,l,longpassword,N \"the\" N,,,,,,\n", "must be quoted" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *csv = g_strconcat (HEADER GOOD_ROW, cases[i].row, NULL);

      assert_invalid (csv, 3, cases[i].needle);
    }
}

/* Values that look odd but are fine. */
static void
test_valid_fields (void)
{
  const char *const good_rows[] = {
    "i,l,,N,,,,,,\n",                                       /* minimal */
    "i,l,12345678,N,,,,,,\n",                               /* 8 characters */
    "i,l,mot de passe élevé,N,,,,,,\n",                     /* spaces inside */
    "i,l,longpassword,N,first.last+tag@mail.example.co.uk,,,,,\n",
    "i,l,longpassword,N,,5550100,,,,\n",                    /* 7 digits */
    "i,l,longpassword,N,,+123456789012345,,,,sms\n",        /* 15 digits */
    "i,l,longpassword,N,,+1 (555) 555.0100,,,,\n",
    "i,l,longpassword,N,,,,,HTTPS://Example.com/Shop?ref=1,\n",
    "i,l,longpassword,N,,,,,https://josé.example.com,\n",
    "i,maria@example.com,longpassword,N,,,,,,\n",           /* e-mail as login */
    "i,l,longpassword,فاطمة الزهراء,,,,,,\n",
    "i,l,longpassword,\"ناصر\u200Cعلی\",,,,,,\n",   /* ZWNJ in a name */
  };

  for (guint i = 0; i < G_N_ELEMENTS (good_rows); i++)
    {
      g_autofree char *csv = g_strconcat (HEADER, good_rows[i], NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) rows = parse_text (csv, &error);

      if (error != NULL)
        g_error ("unexpected error for %s: %s", good_rows[i], error->message);
      g_assert_cmpuint (rows->len, ==, 1);
    }
}

static void
test_name_line_breaks (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = parse_text (HEADER
                                          "i,l,,\"  Anna\r\n\tMaria  Kowalska \n\",,,,,,\n",
                                          &error);

  g_assert_no_error (error);
  /* Line breaks and tabs fold to one space; spaces as written are kept. */
  g_assert_cmpstr (row_at (rows, 0)->associate->name, ==, "Anna Maria  Kowalska");
}

static void
test_several_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = parse_file ("associates-invalid.csv", &error);

  g_assert_null (rows);
  g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
  g_assert_true (error_has_line (error, 3, "email “not-an-address” is not a valid address"));
  /* line 4-5 is a valid row whose name spans two lines */
  g_assert_true (error_has_line (error, 6, "phone “12-34”"));
  g_assert_true (error_has_line (error, 7, "password is shorter than 8 characters"));
  g_assert_true (error_has_line (error, 8, "expected 10 fields, found 8"));
  g_assert_true (error_has_line (error, 9, "id “C1” is already used on line 2"));
  g_assert_true (error_has_line (error, 10, "login “GOOD.ONE” is already used on line 2"));
  g_assert_true (error_has_line (error, 11, "offline_channel sms needs a phone number"));
  g_assert_cmpuint (error_n_lines (error), ==, 7);

  /* One row with several problems reports each. */
  g_clear_error (&error);
  rows = parse_text (HEADER "i,l,short,N,foo,12,,,ftp://x,fax\n", &error);
  g_assert_null (rows);
  g_assert_true (error_has_line (error, 2, "password"));
  g_assert_true (error_has_line (error, 2, "email “foo”"));
  g_assert_true (error_has_line (error, 2, "phone “12”"));
  g_assert_true (error_has_line (error, 2, "marketing_site_url “ftp://x”"));
  g_assert_true (error_has_line (error, 2, "offline_channel “fax”"));
  g_assert_cmpuint (error_n_lines (error), ==, 5);
}

static void
test_too_many_errors (void)
{
  g_autoptr(GString) csv = g_string_new (HEADER);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_auto(GStrv) lines = NULL;

  for (guint i = 0; i < 60; i++)
    g_string_append_printf (csv, "i%u,l%u,longpassword,N,bad-email,,,,,\n", i, i);

  rows = parse_text (csv->str, &error);
  g_assert_null (rows);
  g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);

  lines = g_strsplit (error->message, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, TC_ASSOCIATES_CSV_MAX_PROBLEMS + 1);
  g_assert_true (g_str_has_prefix (lines[0], "line 2: "));
  g_assert_true (g_str_has_prefix (lines[49], "line 51: "));
  g_assert_cmpstr (lines[50], ==, "… and 10 more");
}

static void
test_duplicates (void)
{
  assert_invalid (HEADER GOOD_ROW "G1,other,longpassword,Other,,,,,,\n",
                  3, "id “G1” is already used on line 2");
  assert_invalid (HEADER GOOD_ROW "G2,good.row,longpassword,Other,,,,,,\n",
                  3, "login “good.row” is already used on line 2");
  /* Logins differing only in case are duplicates too. */
  assert_invalid (HEADER GOOD_ROW "G2,Good.Row,longpassword,Other,,,,,,\n",
                  3, "login “Good.Row” is already used on line 2");
  /* ... but ids are compared as written. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) rows = parse_text (HEADER GOOD_ROW "g1,other,longpassword,O,,,,,,\n",
                                            &error);

    g_assert_no_error (error);
    g_assert_cmpuint (rows->len, ==, 2);
  }
  /* The third use is reported against the first. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) rows = parse_text (HEADER GOOD_ROW
                                            "G1,b,longpassword,B,,,,,,\n"
                                            "G1,c,longpassword,C,,,,,,\n",
                                            &error);

    g_assert_null (rows);
    g_assert_true (error_has_line (error, 3, "id “G1” is already used on line 2"));
    g_assert_true (error_has_line (error, 4, "id “G1” is already used on line 2"));
  }
}

static void
test_invalid_utf8 (void)
{
  static const char latin1[] = HEADER GOOD_ROW "i,l,longpassword,Jo\xE3o,,,,,,\n";
  static const char with_nul[] = HEADER GOOD_ROW "i,l,longpassword,N\0,,,,,,\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;

  assert_invalid (latin1, 3, "not valid UTF-8");
  assert_invalid ("\xFF\xFE" "i\0d\0", 1, "not valid UTF-8");
  /* An overlong encoding of "/" */
  assert_invalid (HEADER "i,l,longpassword,\xC0\xAF,,,,,,\n", 2, "not valid UTF-8");

  rows = tc_associates_csv_parse (with_nul, sizeof with_nul - 1, &error);
  g_assert_null (rows);
  g_assert_error (error, TC_ERROR, TC_ERROR_INVALID);
  g_assert_true (error_has_line (error, 3, "NUL"));
}

static void
test_quoting (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;

  /* Never closed: reported at the line of the opening quote, together
   * with problems before it. */
  rows = parse_text (HEADER "i,l,short,N,,,,,,\n" GOOD_ROW "j,m,longpassword,\"N\n,,,,,,\n\n",
                     &error);
  g_assert_null (rows);
  g_assert_true (error_has_line (error, 2, "password is shorter"));
  g_assert_true (error_has_line (error, 4, "a quoted field is never closed"));
  g_clear_error (&error);

  assert_invalid ("\"id,login\n", 1, "a quoted field is never closed");

  /* Quoted everything, with spaces around the quotes and an empty quoted
   * field. */
  rows = parse_text (HEADER "\"i\" , \"l\",\"\",\"Name, With \"\"Comma\"\"\",\"\",,,,,\"sms\"\n",
                     &error);
  g_assert_null (rows);
  g_assert_true (error_has_line (error, 2, "offline_channel sms needs a phone number"));
  g_clear_error (&error);

  rows = parse_text (HEADER "\"i\" , \"l\",\"\",\"Name, With \"\"Comma\"\"\",\"\",,,,,\"email\"",
                     &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpstr (row_at (rows, 0)->associate->id, ==, "i");
  g_assert_cmpstr (row_at (rows, 0)->associate->name, ==, "Name, With \"Comma\"");
  g_assert_null (row_at (rows, 0)->associate->email);
}

static void
test_blank_lines (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = parse_text ("\n" HEADER "\n" GOOD_ROW "   \n,,,,,,,,,\n"
                                          "i,l,longpassword,N,foo,,,,,\n\n , ,\n",
                                          &error);

  /* Empty lines and lines of bare commas are skipped, but counted: the
   * bad row is on physical line 7. */
  g_assert_null (rows);
  g_assert_true (error_has_line (error, 7, "email “foo”"));
  g_assert_cmpuint (error_n_lines (error), ==, 1);

  /* A quoted empty field is not blank. */
  g_clear_error (&error);
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = parse_text (HEADER "\"\",,,,,,,,,\n", &error);
  g_assert_null (rows);
  g_assert_true (error_has_line (error, 2, "id is empty"));
}

static void
test_no_secrets_in_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = parse_text (HEADER "i,l,hunter2,N,,,,,,\n"
                                          "j,m,hunter2\x01secret,N,,,,,,\n",
                                          &error);

  g_assert_null (rows);
  g_assert_null (strstr (error->message, "hunter2"));
  g_assert_null (strstr (error->message, "secret"));
}

/* Values in messages are cut, and cannot break the message layout. */
static void
test_shown_values (void)
{
  g_autofree char *a100 = g_strnfill (100, 'a');
  g_autofree char *long_email = g_strdup_printf ("%s-no-at-sign", a100);
  g_autofree char *csv = g_strdup_printf (HEADER "i,l,,N,%s,,,,,\n", long_email);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = parse_text (csv, &error);

  g_assert_null (rows);
  g_assert_true (error_has_line (error, 2, "…” is not a valid address"));
  g_assert_null (strstr (error->message, long_email));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/associates-csv/valid-file", test_valid_file);
  g_test_add_func ("/associates-csv/crlf-file", test_crlf_file);
  g_test_add_func ("/associates-csv/line-endings", test_line_endings);
  g_test_add_func ("/associates-csv/bom", test_bom);
  g_test_add_func ("/associates-csv/empty", test_empty);
  g_test_add_func ("/associates-csv/header-only", test_header_only);
  g_test_add_func ("/associates-csv/header-errors", test_header_errors);
  g_test_add_func ("/associates-csv/invalid-fields", test_invalid_fields);
  g_test_add_func ("/associates-csv/valid-fields", test_valid_fields);
  g_test_add_func ("/associates-csv/name-line-breaks", test_name_line_breaks);
  g_test_add_func ("/associates-csv/several-errors", test_several_errors);
  g_test_add_func ("/associates-csv/too-many-errors", test_too_many_errors);
  g_test_add_func ("/associates-csv/duplicates", test_duplicates);
  g_test_add_func ("/associates-csv/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/associates-csv/quoting", test_quoting);
  g_test_add_func ("/associates-csv/blank-lines", test_blank_lines);
  g_test_add_func ("/associates-csv/no-secrets-in-errors", test_no_secrets_in_errors);
  g_test_add_func ("/associates-csv/shown-values", test_shown_values);

  return g_test_run ();
}
