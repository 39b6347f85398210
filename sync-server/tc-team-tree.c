/* tc-team-tree.c: the sponsor and enroller trees in memory */
#include "config.h"

#include "tc-team-tree.h"

typedef struct {
  char *sponsor_id;
  char *enroller_id;
} Parents;

struct _TcTeamTree
{
  gint64      version;
  GHashTable *parents;   /* id → Parents */
};

static void
parents_free (Parents *parents)
{
  g_free (parents->sponsor_id);
  g_free (parents->enroller_id);
  g_free (parents);
}

static void
tree_clear (TcTeamTree *self)
{
  g_hash_table_unref (self->parents);
}

TcTeamTree *
tc_team_tree_new (gint64 version)
{
  TcTeamTree *self = g_atomic_rc_box_new0 (TcTeamTree);

  self->version = version;
  self->parents = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) parents_free);
  return self;
}

TcTeamTree *
tc_team_tree_ref (TcTeamTree *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return g_atomic_rc_box_acquire (self);
}

void
tc_team_tree_unref (TcTeamTree *self)
{
  g_atomic_rc_box_release_full (self, (GDestroyNotify) tree_clear);
}

void
tc_team_tree_add (TcTeamTree *self,
                  const char *id,
                  const char *sponsor_id,
                  const char *enroller_id)
{
  Parents *parents;

  g_return_if_fail (self != NULL);
  g_return_if_fail (id != NULL);

  parents = g_new0 (Parents, 1);
  parents->sponsor_id = g_strdup (sponsor_id);
  parents->enroller_id = g_strdup (enroller_id);
  g_hash_table_replace (self->parents, g_strdup (id), parents);
}

gint64
tc_team_tree_get_version (TcTeamTree *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->version;
}

guint
tc_team_tree_get_size (TcTeamTree *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return g_hash_table_size (self->parents);
}

gboolean
tc_team_tree_contains (TcTeamTree *self,
                       const char *id)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return id != NULL && g_hash_table_contains (self->parents, id);
}

/* Walks @id's chain of sponsors (or enrollers) looking for @ancestor. Like
 * the SQL it replaces, a parent id counts even when nobody has it. */
static gboolean
chain_has (TcTeamTree *self,
           const char *id,
           const char *ancestor,
           gboolean    sponsors)
{
  guint steps = g_hash_table_size (self->parents);
  Parents *parents = g_hash_table_lookup (self->parents, id);

  while (parents != NULL && steps-- > 0)
    {
      const char *parent = sponsors ? parents->sponsor_id : parents->enroller_id;

      if (parent == NULL)
        return FALSE;
      if (g_str_equal (parent, ancestor))
        return TRUE;
      parents = g_hash_table_lookup (self->parents, parent);
    }
  return FALSE;
}

gboolean
tc_team_tree_is_ancestor (TcTeamTree *self,
                          const char *id,
                          const char *ancestor)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (id == NULL || ancestor == NULL)
    return FALSE;
  return chain_has (self, id, ancestor, TRUE) || chain_has (self, id, ancestor, FALSE);
}

gboolean
tc_team_tree_is_team (TcTeamTree *self,
                      const char *a,
                      const char *b)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (a == NULL || b == NULL || g_str_equal (a, b))
    return FALSE;
  return tc_team_tree_is_ancestor (self, a, b) || tc_team_tree_is_ancestor (self, b, a);
}
