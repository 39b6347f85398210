/* main.c: teamchat-server */
#include "config.h"

#include <locale.h>

#include "tc-cli.h"

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  /* stdout carries what the commands print ("listening on …", "imported
   * N"); every log message, debug ones included, goes to stderr. */
  g_log_writer_default_set_use_stderr (TRUE);
  return tc_cli_main (argc, argv);
}
