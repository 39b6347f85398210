/* main.c: teamchat */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "tc-application.h"

int
main (int    argc,
      char **argv)
{
  g_autoptr(TcApplication) app = NULL;
  /* Set by `meson devenv` so an uninstalled build finds its translations. */
  const char *localedir = g_getenv ("TEAMCHAT_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = tc_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
