/* tc-seed.h: the demo team and its chat history (seed-demo) */
#pragma once

#include "tc-media-library.h"
#include "tc-store.h"

G_BEGIN_DECLS

typedef struct {
  guint associates;
  guint messages;
} TcSeedResult;

/* Creates or refreshes the demo team, then adds @n_messages messages between
 * team members spread over the last @days days (oldest first, so ids follow
 * time). Deterministic: the same arguments give the same history. */
gboolean tc_seed_demo (TcStore        *store,
                       guint           n_messages,
                       guint           days,
                       TcSeedResult   *result,
                       GError        **error);

/* Imports the demo library (tc-demo-media.h) into @store and @library,
 * like `import-media` would; seeding again leaves it unchanged. */
gboolean tc_seed_demo_media (TcStore              *store,
                             TcMediaLibrary       *library,
                             TcMediaImportResult  *result,
                             GError              **error);

/* Adds a short conversation between the top demo login and Kwame in which
 * files of the demo library are shared (after tc_seed_demo_media());
 * seeding again adds nothing. Counts the messages created. */
gboolean tc_seed_demo_shares (TcStore  *store,
                              guint    *n_created,
                              GError  **error);

G_END_DECLS
