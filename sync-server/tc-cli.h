/* tc-cli.h: the teamchat-server command line */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Runs one command of API.md's "Server command line"; returns the exit
 * status. Errors go to stderr as one line a problem. */
int tc_cli_main (int    argc,
                 char **argv);

G_END_DECLS
