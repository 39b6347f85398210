/* tc-import-row.c: one associate to create or update, from the associates
 * CSV (import-associates) or the demo team (seed-demo). */
#include "tc-import-row.h"

/**
 * tc_import_row_new:
 *
 * Creates an empty row. Its @associate is a fresh, empty #TcAssociate owned
 * by the row (so callers fill it in rather than allocate one); @login and
 * @password are %NULL and @line is 0.
 *
 * Returns: (transfer full): a new row, free with tc_import_row_free()
 */
TcImportRow *
tc_import_row_new (void)
{
  TcImportRow *self = g_new0 (TcImportRow, 1);

  self->associate = tc_associate_new ();

  return self;
}

/**
 * tc_import_row_free:
 * @self: (nullable): a row
 *
 * Frees @self, its associate, login and password. The password is wiped
 * first: it is the plain text an administrator typed into a file, and rows
 * may live in memory for the whole import.
 */
void
tc_import_row_free (TcImportRow *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->associate, tc_associate_free);
  g_free (self->login);
  if (self->password != NULL)
    {
      /* A volatile pointer keeps the compiler from dropping the wipe as a
       * dead store before g_free(). */
      volatile char *p = self->password;

      while (*p != '\0')
        *p++ = '\0';
      g_free (self->password);
    }
  g_free (self);
}
