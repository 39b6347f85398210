/* test-team-tree.c: the in-memory sponsor and enroller trees of the team rule */
#include "config.h"

#include "tc-team-tree.h"

/*
 *   sponsor tree        A ─┬─ B ── D           G
 *                          ├─ C ── E
 *                          └─ F
 *   enroller tree       same, except D is enrolled by C and F by E.
 * (the tree of test-store.c, whose SQL answers these must match)
 */
static TcTeamTree *
test_tree (void)
{
  TcTeamTree *tree = tc_team_tree_new (7);

  tc_team_tree_add (tree, "A", NULL, NULL);
  tc_team_tree_add (tree, "B", "A", "A");
  tc_team_tree_add (tree, "C", "A", "A");
  tc_team_tree_add (tree, "D", "B", "C");
  tc_team_tree_add (tree, "E", "C", "C");
  tc_team_tree_add (tree, "F", "A", "E");
  tc_team_tree_add (tree, "G", NULL, NULL);
  return tree;
}

static void
test_rule (void)
{
  g_autoptr(TcTeamTree) tree = test_tree ();
  static const struct { const char *a, *b; gboolean team; } pairs[] = {
    { "A", "B", TRUE }, { "A", "D", TRUE }, { "A", "F", TRUE }, { "B", "D", TRUE },
    { "C", "D", TRUE }, { "C", "E", TRUE }, { "E", "F", TRUE }, { "C", "F", TRUE },
    { "B", "C", FALSE }, { "B", "E", FALSE }, { "B", "F", FALSE }, { "D", "E", FALSE },
    { "D", "F", FALSE }, { "A", "G", FALSE }, { "G", "D", FALSE }, { "A", "A", FALSE },
    { "A", "nobody", FALSE }, { "nobody", "A", FALSE },
  };

  g_assert_cmpint (tc_team_tree_get_version (tree), ==, 7);
  g_assert_cmpuint (tc_team_tree_get_size (tree), ==, 7);
  for (guint i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      g_test_message ("%s–%s", pairs[i].a, pairs[i].b);
      g_assert_true (tc_team_tree_is_team (tree, pairs[i].a, pairs[i].b) == pairs[i].team);
      g_assert_true (tc_team_tree_is_team (tree, pairs[i].b, pairs[i].a) == pairs[i].team);
    }
  /* One direction only, each tree on its own chain. */
  g_assert_true (tc_team_tree_is_ancestor (tree, "D", "B"));
  g_assert_false (tc_team_tree_is_ancestor (tree, "B", "D"));
  g_assert_true (tc_team_tree_is_ancestor (tree, "F", "C"));   /* F ← E ← C, enrollers */
  g_assert_false (tc_team_tree_is_ancestor (tree, "D", "E"));
  g_assert_false (tc_team_tree_is_team (tree, NULL, "A"));

  g_assert_true (tc_team_tree_contains (tree, "G"));
  g_assert_false (tc_team_tree_contains (tree, "H"));
  g_assert_false (tc_team_tree_contains (tree, NULL));
}

static void
test_odd_data (void)
{
  g_autoptr(TcTeamTree) tree = tc_team_tree_new (1);

  /* Children before their parents, a parent nobody has (counts, as in
   * SQL), and a loop the import would have refused: the walk ends. */
  tc_team_tree_add (tree, "child", "parent", "ghost");
  tc_team_tree_add (tree, "parent", "loop-a", NULL);
  tc_team_tree_add (tree, "loop-a", "loop-b", NULL);
  tc_team_tree_add (tree, "loop-b", "loop-a", NULL);

  g_assert_true (tc_team_tree_is_team (tree, "child", "parent"));
  g_assert_true (tc_team_tree_is_team (tree, "child", "loop-b"));
  g_assert_true (tc_team_tree_is_ancestor (tree, "child", "ghost"));
  g_assert_false (tc_team_tree_contains (tree, "ghost"));
  g_assert_false (tc_team_tree_is_ancestor (tree, "child", "nobody"));
  g_assert_true (tc_team_tree_is_ancestor (tree, "loop-a", "loop-a"));

  /* Adding an id again replaces its parents. */
  tc_team_tree_add (tree, "child", NULL, NULL);
  g_assert_false (tc_team_tree_is_team (tree, "child", "parent"));
}

static void
test_deep_chain (void)
{
  g_autoptr(TcTeamTree) tree = tc_team_tree_new (1);
  char id[16], parent[16];

  /* 10,000 levels: the walk is a loop, not a recursion. */
  tc_team_tree_add (tree, "n0", NULL, NULL);
  for (guint i = 1; i < 10000; i++)
    {
      g_snprintf (id, sizeof id, "n%u", i);
      g_snprintf (parent, sizeof parent, "n%u", i - 1);
      tc_team_tree_add (tree, id, parent, parent);
    }
  g_assert_true (tc_team_tree_is_team (tree, "n0", "n9999"));
  g_assert_true (tc_team_tree_is_team (tree, "n9999", "n5000"));
  g_assert_false (tc_team_tree_is_ancestor (tree, "n5000", "n9999"));
}

static gpointer
check_thread (gpointer data)
{
  TcTeamTree *tree = data;

  for (guint i = 0; i < 10000; i++)
    g_assert_true (tc_team_tree_is_team (tree, "C", "F"));
  tc_team_tree_unref (tree);
  return NULL;
}

static void
test_shared_between_threads (void)
{
  g_autoptr(TcTeamTree) tree = test_tree ();
  GThread *threads[4];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("check", check_thread, tc_team_tree_ref (tree));
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  g_assert_true (tc_team_tree_is_team (tree, "A", "E"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/team-tree/rule", test_rule);
  g_test_add_func ("/team-tree/odd-data", test_odd_data);
  g_test_add_func ("/team-tree/deep-chain", test_deep_chain);
  g_test_add_func ("/team-tree/shared-between-threads", test_shared_between_threads);
  return g_test_run ();
}
