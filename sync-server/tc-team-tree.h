/* tc-team-tree.h: the sponsor and enroller trees in memory, for the team rule
 *
 * API.md's team rule (A and B may chat iff one is an ancestor of the other
 * in the sponsor tree or in the enroller tree) is checked on every send and
 * read; walking up two parent chains in memory costs a few hash lookups,
 * where the recursive SQL queries cost a temporary table each. A tree is
 * immutable once built and shared between threads by reference; the store
 * builds a new one when the associates' version changes (an import).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _TcTeamTree TcTeamTree;

/* An empty tree for the associates at @version (see tc_team_tree_get_version). */
TcTeamTree *tc_team_tree_new         (gint64      version);
TcTeamTree *tc_team_tree_ref         (TcTeamTree *self);
void        tc_team_tree_unref       (TcTeamTree *self);
/* While building only: one associate and its parents (NULL at the top). */
void        tc_team_tree_add         (TcTeamTree *self,
                                      const char *id,
                                      const char *sponsor_id,
                                      const char *enroller_id);
gint64      tc_team_tree_get_version (TcTeamTree *self);
guint       tc_team_tree_get_size    (TcTeamTree *self);
gboolean    tc_team_tree_contains    (TcTeamTree *self,
                                      const char *id);
/* Whether @ancestor is on @id's sponsor chain or on its enroller chain. A
 * chain that loops (data the import would refuse) ends after every
 * associate has been seen once. */
gboolean    tc_team_tree_is_ancestor (TcTeamTree *self,
                                      const char *id,
                                      const char *ancestor);
/* The team rule; never TRUE for a == b. */
gboolean    tc_team_tree_is_team     (TcTeamTree *self,
                                      const char *a,
                                      const char *b);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcTeamTree, tc_team_tree_unref)

G_END_DECLS
