/* tc-store-util.h: rules every store backend applies the same way
 *
 * The parts of the store's behaviour that are not SQL: how a team search
 * matches, when an import changed a member, how import problems read, how
 * media search text is folded. TcSqliteStore and TcPgStore both use them,
 * so the two backends cannot drift apart.
 */
#pragma once

#include "tc-store.h"

G_BEGIN_DECLS

/* Whether @member matches a team search: @query in the name or email
 * (ignoring case), or its digits (3 or more) in the phone's digits. */
gboolean   tc_store_member_matches        (const TcAssociate *member,
                                           const char        *query);
/* Whether an import changes what team members see of an associate. */
gboolean   tc_store_member_changed        (const TcAssociate *before,
                                           const TcAssociate *after);
/* Appends "line N: problem" (one per line) to @problems. */
void       tc_store_add_problem           (GString           *problems,
                                           guint              line,
                                           const char        *format,
                                           ...) G_GNUC_PRINTF (3, 4);
/* The argon2id hashes of the rows' new passwords (TcImportRow), computed
 * on every core before any transaction: NULL for rows without a password,
 * and for rows whose password is the one @current (associate id → stored
 * hash, may be NULL) already holds, so that re-importing a file neither
 * rewrites hashes nor ends sessions. */
GPtrArray *tc_store_hash_passwords        (GPtrArray         *rows,
                                           GHashTable        *current);

/* Lowercase, without accents or other combining marks, compatibility
 * forms unfolded: "Résumé Ⅱ" and "resume ii" fold alike. */
char      *tc_store_fold_for_search       (const char        *text);
/* What media search looks in: title and description, folded. */
char      *tc_store_resource_search_text  (const char        *title,
                                           const char        *description);
/* A LIKE pattern (ESCAPE '\') that matches @text anywhere. */
char      *tc_store_like_pattern          (const char        *text);
/* A random media id: @prefix and 32 hex digits. */
char      *tc_store_new_media_id          (const char        *prefix);

/* Appends an event of @associate_id's stream (takes @event). */
void       tc_stream_events_add           (GPtrArray         *events,
                                           const char        *associate_id,
                                           TcEvent           *event);

G_END_DECLS
