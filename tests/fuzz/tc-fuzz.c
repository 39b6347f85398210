/* tc-fuzz.c: what every fuzz target shares */
#include "tc-fuzz.h"

#include <stdio.h>
#include <stdlib.h>

void
tc_fuzz_fail (const char *file,
              int         line,
              const char *expr)
{
  fprintf (stderr, "%s:%d: fuzz check failed: %s\n", file, line, expr);
  abort ();
}

static void
discard_log (const char     *log_domain,
             GLogLevelFlags  log_level,
             const char     *message,
             gpointer        user_data)
{
}

void
tc_fuzz_init (void)
{
  /* A g_return_if_fail() or g_warning() reached from input is a bug. */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  g_log_set_handler (NULL, G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO | G_LOG_LEVEL_MESSAGE,
                     discard_log, NULL);
}
