/* tc-session-cache.h: tokens the HTTP server has recently authenticated
 *
 * Remembers token hash → associate id for a minute, so that most requests
 * need no store read to authenticate. Thread-safe: looked up from the main
 * loop and from worker threads.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define TC_TYPE_SESSION_CACHE (tc_session_cache_get_type ())
G_DECLARE_FINAL_TYPE (TcSessionCache, tc_session_cache, TC, SESSION_CACHE, GObject)

TcSessionCache *tc_session_cache_new           (gint64          lifetime_usec);
/* The associate id of @token_hash (TC_TOKEN_HASH_LEN bytes) while it is
 * remembered, or NULL. */
char           *tc_session_cache_lookup        (TcSessionCache *self,
                                                const guint8   *token_hash);
void            tc_session_cache_insert        (TcSessionCache *self,
                                                const guint8   *token_hash,
                                                const char     *associate_id);
void            tc_session_cache_remove        (TcSessionCache *self,
                                                const guint8   *token_hash);
/* Forgets the entries older than their lifetime at @now (monotonic). */
void            tc_session_cache_expire        (TcSessionCache *self,
                                                gint64          now);
/* Appends the token hash of every entry to @hashes. */
void            tc_session_cache_append_hashes (TcSessionCache *self,
                                                GByteArray     *hashes);

G_END_DECLS
