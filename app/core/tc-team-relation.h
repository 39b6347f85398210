/* tc-team-relation.h: how a team member is related to the local associate */
#pragma once

#include <glib.h>

#include "tc-associate.h"

G_BEGIN_DECLS

typedef enum {
  TC_RELATION_OTHER,      /* on the team some other way (e.g. a cousin line) */
  TC_RELATION_SPONSOR,    /* sponsored the local associate */
  TC_RELATION_ENROLLER,   /* enrolled the local associate */
  TC_RELATION_SPONSOR_AND_ENROLLER,
  TC_RELATION_UPLINE,     /* further up the sponsor or enroller tree */
  TC_RELATION_DOWNLINE,   /* below: level 1 = sponsored or enrolled directly */
} TcRelationKind;

typedef struct {
  TcRelationKind kind;
  guint          level;   /* DOWNLINE: how many steps down; UPLINE: how many up */
} TcRelation;

/* Works out @member's relation to @me from the sponsor and enroller links
 * of the team (@members_by_id: id → TcAssociate, everyone on the team).
 * The sponsor tree wins where both trees give an answer. */
TcRelation  tc_team_relation_compute  (const TcAssociate *me,
                                       GHashTable        *members_by_id,
                                       const TcAssociate *member);
/* "Your sponsor", "Downline, level 2", … (translated). */
char       *tc_team_relation_describe (TcRelation         relation);

G_END_DECLS
