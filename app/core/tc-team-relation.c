/* tc-team-relation.c: how a team member is related to the local associate
 *
 * Everything comes from the replica's member records: each has a sponsor
 * and an enroller id. Walking those links up from a member reaches the
 * local associate when the member is in their downline; walking up from
 * the local associate reaches their upline.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "tc-team-relation.h"

/* Deeper trees than this are data errors (or loops): stop walking. */
#define MAX_DEPTH 256

typedef const char *(*LinkFunc) (const TcAssociate *associate);

static const char *
sponsor_of (const TcAssociate *associate)
{
  return associate->sponsor_id;
}

static const char *
enroller_of (const TcAssociate *associate)
{
  return associate->enroller_id;
}

/* Steps from @from up to @target following @link, or 0 when @target is not
 * above @from. */
static guint
steps_up (GHashTable        *members_by_id,
          const TcAssociate *from,
          const char        *target,
          const TcAssociate *me,
          LinkFunc           link)
{
  const TcAssociate *at = from;

  for (guint depth = 1; depth <= MAX_DEPTH && at != NULL; depth++)
    {
      const char *up = link (at);

      if (up == NULL)
        return 0;
      if (g_strcmp0 (up, target) == 0)
        return depth;
      /* The local associate is not a member of their own team. */
      at = g_strcmp0 (up, me->id) == 0 ? me : g_hash_table_lookup (members_by_id, up);
    }
  return 0;
}

static guint
min_nonzero (guint a,
             guint b)
{
  if (a == 0)
    return b;
  if (b == 0)
    return a;
  return MIN (a, b);
}

TcRelation
tc_team_relation_compute (const TcAssociate *me,
                          GHashTable        *members_by_id,
                          const TcAssociate *member)
{
  TcRelation relation = { TC_RELATION_OTHER, 0 };
  gboolean sponsor, enroller;
  guint down, up;

  g_return_val_if_fail (me != NULL && member != NULL, relation);

  sponsor = g_strcmp0 (me->sponsor_id, member->id) == 0;
  enroller = g_strcmp0 (me->enroller_id, member->id) == 0;
  if (sponsor && enroller)
    relation.kind = TC_RELATION_SPONSOR_AND_ENROLLER;
  else if (sponsor)
    relation.kind = TC_RELATION_SPONSOR;
  else if (enroller)
    relation.kind = TC_RELATION_ENROLLER;
  if (relation.kind != TC_RELATION_OTHER)
    {
      relation.level = 1;
      return relation;
    }

  down = steps_up (members_by_id, member, me->id, me, sponsor_of);
  if (down == 0)
    down = steps_up (members_by_id, member, me->id, me, enroller_of);
  if (down > 0)
    {
      relation.kind = TC_RELATION_DOWNLINE;
      relation.level = down;
      return relation;
    }

  up = min_nonzero (steps_up (members_by_id, me, member->id, me, sponsor_of),
                    steps_up (members_by_id, me, member->id, me, enroller_of));
  if (up > 0)
    {
      relation.kind = TC_RELATION_UPLINE;
      relation.level = up;
    }
  return relation;
}

char *
tc_team_relation_describe (TcRelation relation)
{
  switch (relation.kind)
    {
    case TC_RELATION_SPONSOR:
      return g_strdup (_("Your sponsor"));
    case TC_RELATION_ENROLLER:
      return g_strdup (_("Your enroller"));
    case TC_RELATION_SPONSOR_AND_ENROLLER:
      return g_strdup (_("Your sponsor and enroller"));
    case TC_RELATION_UPLINE:
      return g_strdup (_("Upline"));
    case TC_RELATION_DOWNLINE:
      /* TRANSLATORS: %u is how many generations below you the member is */
      return g_strdup_printf (_("Downline, level %u"), relation.level);
    case TC_RELATION_OTHER:
    default:
      return g_strdup (_("Team member"));
    }
}
