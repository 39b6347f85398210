/* main.c: teamchat-server */
#include "config.h"

#include <locale.h>

#include "tc-cli.h"

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  return tc_cli_main (argc, argv);
}
