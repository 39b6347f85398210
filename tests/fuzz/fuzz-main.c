/* fuzz-main.c: replays inputs through a fuzz target without libFuzzer
 *
 * Usage: fuzz-NAME FILE-OR-DIRECTORY...  Runs LLVMFuzzerTestOneInput() once
 * on each file (a directory: on each file in it, in name order). A failing
 * check aborts, so a crash found by fuzzing and kept in the corpus fails
 * the ordinary test suite too.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tc-fuzz.h"

static guint n_inputs;

static void
run_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  gsize len;

  if (!g_file_get_contents (path, &data, &len, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      exit (EXIT_FAILURE);
    }
  LLVMFuzzerTestOneInput ((const uint8_t *) data, len);
  n_inputs++;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static void
run_path (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      run_file (path);
      return;
    }
  dir = g_dir_open (path, 0, &error);
  if (dir == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      exit (EXIT_FAILURE);
    }
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_build_filename (path, name, NULL));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    run_path (g_ptr_array_index (names, i));
}

int
main (int    argc,
      char **argv)
{
  if (argc < 2)
    {
      fprintf (stderr, "usage: %s FILE-OR-DIRECTORY...\n", argv[0]);
      return EXIT_FAILURE;
    }
  LLVMFuzzerInitialize (&argc, &argv);
  for (int i = 1; i < argc; i++)
    run_path (argv[i]);
  if (n_inputs == 0)
    {
      fprintf (stderr, "no inputs in the corpus\n");
      return EXIT_FAILURE;
    }
  printf ("%u inputs ran\n", n_inputs);
  return EXIT_SUCCESS;
}
