/* test-reply-corpus.c: `teamchat-server parse-reply` on the fixture corpus
 *
 * tests/server/data/replies/NAME.eml is a reply as some mail client writes
 * it; NAME.txt is exactly the text that must be posted, or NAME.drop a
 * words the one-line reason for dropping it must contain.
 */
#include <string.h>
#include <gio/gio.h>

static const char *
server_executable (void)
{
  const char *path = g_getenv ("TEAMCHAT_SERVER");

  return path != NULL && *path != '\0' ? path : TEAMCHAT_SERVER_PATH;
}

static void
run_parse_reply (const char  *eml,
                 char       **out_stdout,
                 char       **out_stderr,
                 int         *out_status)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_stdin_file_path (launcher, eml);
  process = g_subprocess_launcher_spawn (launcher, &error, server_executable (), "parse-reply",
                                         NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, out_stdout, out_stderr, &error);
  g_assert_no_error (error);
  *out_status = g_subprocess_get_exit_status (process);
}

static void
test_one (gconstpointer data)
{
  const char *base = data;
  g_autofree char *eml = g_strconcat (base, ".eml", NULL);
  g_autofree char *txt = g_strconcat (base, ".txt", NULL);
  g_autofree char *drop = g_strconcat (base, ".drop", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *expected = NULL;
  int status = -1;

  run_parse_reply (eml, &out, &err, &status);
  if (g_file_get_contents (txt, &expected, NULL, NULL))
    {
      g_autofree char *want = g_strconcat (expected, "\n", NULL);

      if (status != 0)
        g_test_message ("stderr: %s", err);
      g_assert_cmpint (status, ==, 0);
      g_assert_cmpstr (out, ==, want);
    }
  else
    {
      g_autoptr(GError) error = NULL;

      g_file_get_contents (drop, &expected, NULL, &error);
      g_assert_no_error (error);
      g_strstrip (expected);
      g_assert_cmpint (status, ==, 1);
      g_assert_cmpstr (out, ==, "");
      g_assert_nonnull (strstr (err, expected));
      /* One line. */
      g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);
    }
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
test_garbage (void)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = -1;

  /* Not mail at all: dropped, not a crash. */
  run_parse_reply ("/dev/null", &out, &err, &status);
  g_assert_cmpint (status, ==, 1);
  g_assert_cmpstr (out, ==, "");
  g_assert_nonnull (strstr (err, "dropped"));
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  const char *name;

  g_test_init (&argc, &argv, NULL);

  dir = g_dir_open (TC_REPLIES_DIR, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".eml"))
      g_ptr_array_add (names, g_strndup (name, strlen (name) - 4));
  g_ptr_array_sort (names, compare_names);
  g_assert_cmpuint (names->len, >=, 25);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_strconcat ("/parse-reply/", (char *) g_ptr_array_index (names, i),
                                           NULL);
      char *base = g_build_filename (TC_REPLIES_DIR, g_ptr_array_index (names, i), NULL);

      g_test_add_data_func_full (path, base, test_one, g_free);
    }
  g_test_add_func ("/parse-reply/not-mail", test_garbage);
  return g_test_run ();
}
