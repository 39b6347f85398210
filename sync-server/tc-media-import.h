/* tc-media-import.h: `teamchat-server import-media`
 *
 * SOURCE_DIR/<category>/<folder>/…/<file>: every directory directly in
 * SOURCE_DIR is a category, every directory below is a folder, every file
 * inside a category becomes a resource. Titles come from the names
 * ("spring_catalog-2026.pdf" → "Spring catalog 2026"); an optional
 * "<file>.description" text file next to a file gives its description.
 * Hidden names (".…") are skipped. Symbolic links are followed only when
 * they stay inside SOURCE_DIR; one that leads out fails the whole import
 * before anything is stored.
 */
#pragma once

#include "tc-media-library.h"
#include "tc-store.h"

G_BEGIN_DECLS

/* The suffix of description files: "catalog.pdf.description". */
#define TC_MEDIA_DESCRIPTION_SUFFIX ".description"

/* "spring_catalog-2026.pdf" → "Spring catalog 2026" (@strip_extension). */
char     *tc_media_import_title (const char          *name,
                                 gboolean             strip_extension);

/* Imports @source_dir: validates the whole tree, copies the contents into
 * @library, then creates or updates folders and resources in @store in one
 * transaction. What was skipped (files directly in @source_dir, special
 * files) is added to @warnings (of char *) when not NULL. */
gboolean  tc_media_import_run   (TcStore             *store,
                                 TcMediaLibrary      *library,
                                 const char          *source_dir,
                                 TcMediaImportResult *result,
                                 GPtrArray           *warnings,
                                 GError             **error);

G_END_DECLS
