/* test-demo-team.c: the demo team of seed-demo is a valid, believable team */
#include <string.h>

#include "tc-associates-csv.h"
#include "tc-demo-team.h"

static TcImportRow *
row_at (GPtrArray *rows,
        guint      i)
{
  return g_ptr_array_index (rows, i);
}

/* id → row, for following sponsor and enroller links. */
static GHashTable *
index_by_id (GPtrArray *rows)
{
  GHashTable *by_id = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < rows->len; i++)
    g_hash_table_insert (by_id, row_at (rows, i)->associate->id, row_at (rows, i));

  return by_id;
}

static const char *
parent_of (const TcImportRow *row,
           gboolean           enroller)
{
  return enroller ? row->associate->enroller_id : row->associate->sponsor_id;
}

/* Number of links from @row up to the top, or -1 on a cycle or a dangling
 * reference. */
static int
depth_of (GHashTable        *by_id,
          const TcImportRow *row,
          gboolean           enroller)
{
  int depth = 0;

  while (parent_of (row, enroller) != NULL)
    {
      row = g_hash_table_lookup (by_id, parent_of (row, enroller));
      if (row == NULL || ++depth > (int) g_hash_table_size (by_id))
        return -1;
    }

  return depth;
}

static void
test_size (void)
{
  g_autoptr(GPtrArray) rows = tc_demo_team_rows ();

  g_assert_cmpuint (rows->len, >=, 30);
  g_assert_cmpuint (rows->len, <=, 40);
}

static void
test_unique (void)
{
  g_autoptr(GPtrArray) rows = tc_demo_team_rows ();
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) logins = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < rows->len; i++)
    {
      TcImportRow *row = row_at (rows, i);

      g_assert_true (g_hash_table_add (ids, row->associate->id));
      g_assert_true (g_hash_table_add (logins, row->login));
    }
}

static void
test_references (void)
{
  g_autoptr(GPtrArray) rows = tc_demo_team_rows ();
  g_autoptr(GHashTable) by_id = index_by_id (rows);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < rows->len; i++)
    {
      TcImportRow *row = row_at (rows, i);

      for (guint e = 0; e < 2; e++)
        {
          const char *parent = parent_of (row, e);

          if (parent == NULL)
            continue;
          g_assert_true (g_hash_table_contains (by_id, parent));
          g_assert_cmpstr (parent, !=, row->associate->id);
        }
      /* Sponsors come first, so a store may create the rows in order. */
      if (row->associate->sponsor_id != NULL)
        g_assert_true (g_hash_table_contains (seen, row->associate->sponsor_id));
      g_hash_table_add (seen, row->associate->id);
    }
}

static void
test_trees (void)
{
  g_autoptr(GPtrArray) rows = tc_demo_team_rows ();
  g_autoptr(GHashTable) by_id = index_by_id (rows);
  guint n_tops = 0, n_enroller_tops = 0, n_different = 0;
  int max_depth = 0;

  for (guint i = 0; i < rows->len; i++)
    {
      TcImportRow *row = row_at (rows, i);
      int sponsor_depth = depth_of (by_id, row, FALSE);
      int enroller_depth = depth_of (by_id, row, TRUE);

      /* No cycles (and no dangling links) in either tree. */
      g_assert_cmpint (sponsor_depth, >=, 0);
      g_assert_cmpint (enroller_depth, >=, 0);

      max_depth = MAX (max_depth, sponsor_depth);
      if (row->associate->sponsor_id == NULL)
        n_tops++;
      if (row->associate->enroller_id == NULL)
        n_enroller_tops++;
      if (g_strcmp0 (row->associate->sponsor_id, row->associate->enroller_id) != 0)
        n_different++;
    }

  g_assert_cmpuint (n_tops, ==, 1);
  g_assert_cmpuint (n_enroller_tops, ==, 1);
  /* At least four levels: the top and three below. */
  g_assert_cmpint (max_depth + 1, >=, 4);
  /* The enroller tree differs for a fair share (about a quarter). */
  g_assert_cmpuint (n_different, >=, rows->len / 6);
  g_assert_cmpuint (n_different, <=, rows->len / 2);
}

static void
test_demo_logins (void)
{
  g_autoptr(GPtrArray) rows = tc_demo_team_rows ();
  g_autoptr(GHashTable) by_id = index_by_id (rows);
  TcImportRow *top = NULL, *member = NULL;

  for (guint i = 0; i < rows->len; i++)
    {
      TcImportRow *row = row_at (rows, i);

      if (g_str_equal (row->login, TC_DEMO_TOP_LOGIN))
        top = row;
      if (g_str_equal (row->login, TC_DEMO_MEMBER_LOGIN))
        member = row;

      /* Logins are ASCII lower case, easy to type on any keyboard. */
      for (const char *p = row->login; *p != '\0'; p++)
        g_assert_true (g_ascii_islower (*p) || *p == '.');

      g_assert_cmpstr (row->password, ==, TC_DEMO_PASSWORD);
      g_assert_cmpuint (row->line, ==, 0);
    }

  g_assert_nonnull (top);
  g_assert_cmpstr (top->associate->id, ==, TC_DEMO_TOP_ID);
  g_assert_null (top->associate->sponsor_id);
  g_assert_null (top->associate->enroller_id);

  g_assert_nonnull (member);
  g_assert_cmpstr (member->associate->id, ==, TC_DEMO_MEMBER_ID);
  g_assert_cmpint (depth_of (by_id, member, FALSE), >=, 2);
}

static gboolean
is_reserved_host (const char *host)
{
  const char *const reserved[] = { "example.com", "example.org", "example.net" };

  for (guint i = 0; i < G_N_ELEMENTS (reserved); i++)
    {
      g_autofree char *dotted = g_strconcat (".", reserved[i], NULL);

      if (g_str_equal (host, reserved[i]) || g_str_has_suffix (host, dotted))
        return TRUE;
    }
  return FALSE;
}

/* Nothing in the demo may reach a real person. */
static void
test_fictional_contacts (void)
{
  g_autoptr(GPtrArray) rows = tc_demo_team_rows ();
  guint n_sms = 0, n_email = 0;

  for (guint i = 0; i < rows->len; i++)
    {
      TcAssociate *a = row_at (rows, i)->associate;

      g_assert_nonnull (a->email);
      g_assert_nonnull (strchr (a->email, '@'));
      g_assert_true (g_str_has_suffix (a->email, "@example.com") ||
                     g_str_has_suffix (a->email, "@example.org") ||
                     g_str_has_suffix (a->email, "@example.net"));

      if (a->phone != NULL)
        {
          g_autoptr(GString) digits = g_string_new (NULL);

          for (const char *p = a->phone; *p != '\0'; p++)
            if (g_ascii_isdigit (*p))
              g_string_append_c (digits, *p);
          /* US fiction range 555-01XX, or the UK drama range. */
          g_assert_true ((g_str_has_prefix (digits->str, "1555") &&
                          strstr (digits->str + 7, "01") == digits->str + 7) ||
                         g_str_has_prefix (digits->str, "447700900"));
        }

      if (a->marketing_site_url != NULL)
        {
          g_autoptr(GUri) uri = g_uri_parse (a->marketing_site_url, G_URI_FLAGS_NONE, NULL);

          g_assert_nonnull (uri);
          g_assert_cmpstr (g_uri_get_scheme (uri), ==, "https");
          g_assert_true (is_reserved_host (g_uri_get_host (uri)));
        }

      g_assert_nonnull (a->offline_channel);
      if (g_str_equal (a->offline_channel, "sms"))
        {
          g_assert_nonnull (a->phone);
          n_sms++;
        }
      else
        {
          g_assert_cmpstr (a->offline_channel, ==, "email");
          n_email++;
        }
    }

  g_assert_cmpuint (n_sms, >, 0);
  g_assert_cmpuint (n_email, >, 0);
}

/* RFC 4180 quoting, only where needed (plus always, as a variant). */
static void
append_field (GString    *csv,
              const char *value,
              gboolean    quote_all)
{
  if (value == NULL)
    value = "";
  if (quote_all || strpbrk (value, ",\"\r\n") != NULL)
    {
      g_autofree char *escaped = NULL;
      g_auto(GStrv) parts = g_strsplit (value, "\"", -1);

      escaped = g_strjoinv ("\"\"", parts);
      g_string_append_printf (csv, "\"%s\"", escaped);
    }
  else
    g_string_append (csv, value);
}

static char *
rows_to_csv (GPtrArray *rows,
             gboolean   quote_all)
{
  GString *csv = g_string_new (TC_ASSOCIATES_CSV_HEADER "\r\n");

  for (guint i = 0; i < rows->len; i++)
    {
      TcImportRow *row = row_at (rows, i);
      const char *fields[] = {
        row->associate->id, row->login, row->password, row->associate->name,
        row->associate->email, row->associate->phone, row->associate->sponsor_id,
        row->associate->enroller_id, row->associate->marketing_site_url,
        row->associate->offline_channel,
      };

      for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
        {
          if (f > 0)
            g_string_append_c (csv, ',');
          append_field (csv, fields[f], quote_all);
        }
      g_string_append (csv, "\r\n");
    }

  return g_string_free (csv, FALSE);
}

/* The demo team passes the import validator, and the CSV writer above and
 * the parser agree on every field. */
static void
test_csv_round_trip (void)
{
  g_autoptr(GPtrArray) rows = tc_demo_team_rows ();

  for (guint q = 0; q < 2; q++)
    {
      g_autofree char *csv = rows_to_csv (rows, q == 1);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) parsed = tc_associates_csv_parse (csv, strlen (csv), &error);

      g_assert_no_error (error);
      g_assert_cmpuint (parsed->len, ==, rows->len);

      for (guint i = 0; i < rows->len; i++)
        {
          TcImportRow *a = row_at (rows, i);
          TcImportRow *b = row_at (parsed, i);

          g_assert_cmpuint (b->line, ==, i + 2);
          g_assert_cmpstr (a->login, ==, b->login);
          g_assert_cmpstr (a->password, ==, b->password);
          g_assert_cmpstr (a->associate->id, ==, b->associate->id);
          g_assert_cmpstr (a->associate->name, ==, b->associate->name);
          g_assert_cmpstr (a->associate->email, ==, b->associate->email);
          g_assert_cmpstr (a->associate->phone, ==, b->associate->phone);
          g_assert_cmpstr (a->associate->sponsor_id, ==, b->associate->sponsor_id);
          g_assert_cmpstr (a->associate->enroller_id, ==, b->associate->enroller_id);
          g_assert_cmpstr (a->associate->marketing_site_url, ==,
                           b->associate->marketing_site_url);
          g_assert_cmpstr (a->associate->offline_channel, ==, b->associate->offline_channel);
        }
    }
}

static void
test_rows_are_independent (void)
{
  g_autoptr(GPtrArray) first = tc_demo_team_rows ();
  g_autoptr(GPtrArray) second = tc_demo_team_rows ();

  /* Each call returns fresh copies the caller may change. */
  g_free (row_at (first, 0)->associate->name);
  row_at (first, 0)->associate->name = g_strdup ("Changed");
  g_assert_cmpstr (row_at (second, 0)->associate->name, !=, "Changed");
}

static void
test_messages (void)
{
  guint n = 0;
  const char *const *bodies = tc_demo_message_bodies (&n);
  gboolean any_non_ascii = FALSE;

  g_assert_cmpuint (n, >=, 30);
  g_assert_cmpuint (n, <=, 60);
  g_assert_null (bodies[n]);
  g_assert_true (tc_demo_message_bodies (NULL) == bodies);

  for (guint i = 0; i < n; i++)
    {
      g_assert_nonnull (bodies[i]);
      g_assert_true (g_utf8_validate (bodies[i], -1, NULL));
      g_assert_cmpuint (g_utf8_strlen (bodies[i], -1), >, 0);
      /* The API's body limit */
      g_assert_cmpuint (g_utf8_strlen (bodies[i], -1), <=, 4000);
      if (!g_str_is_ascii (bodies[i]))
        any_non_ascii = TRUE;
    }
  g_assert_true (any_non_ascii);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/demo-team/size", test_size);
  g_test_add_func ("/demo-team/unique", test_unique);
  g_test_add_func ("/demo-team/references", test_references);
  g_test_add_func ("/demo-team/trees", test_trees);
  g_test_add_func ("/demo-team/demo-logins", test_demo_logins);
  g_test_add_func ("/demo-team/fictional-contacts", test_fictional_contacts);
  g_test_add_func ("/demo-team/csv-round-trip", test_csv_round_trip);
  g_test_add_func ("/demo-team/rows-are-independent", test_rows_are_independent);
  g_test_add_func ("/demo-team/messages", test_messages);

  return g_test_run ();
}
