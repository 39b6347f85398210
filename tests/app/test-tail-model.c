/* test-tail-model.c: TcTailModel shows the end of its model from a start
 * position, and its "items-changed" signals, applied in order to a copy
 * of what it showed, always give what it shows now. */
#include "tc-tail-model.h"

typedef struct {
  GListStore  *store;
  TcTailModel *tail;
  GPtrArray   *mirror;   /* what the tail's signals say it shows */
  guint        n_signals;
} Fixture;

static void
on_tail_changed_cb (GListModel *tail,
                    guint       position,
                    guint       removed,
                    guint       added,
                    Fixture    *f)
{
  g_assert_cmpuint (position + removed, <=, f->mirror->len);
  g_ptr_array_remove_range (f->mirror, position, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (f->mirror, (int) (position + i), g_list_model_get_item (tail, position + i));
  /* The model is already in its new state when it signals. */
  g_assert_cmpuint (f->mirror->len, ==, g_list_model_get_n_items (tail));
  f->n_signals++;
}

static GObject *
new_item (void)
{
  return g_object_new (G_TYPE_OBJECT, NULL);
}

static void
fixture_set_up (Fixture       *f,
                guint          n_items,
                guint          n_first)
{
  f->store = g_list_store_new (G_TYPE_OBJECT);
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(GObject) item = new_item ();

      g_list_store_append (f->store, item);
    }
  f->tail = tc_tail_model_new (G_LIST_MODEL (f->store), n_first);
  f->mirror = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (f->tail)); i++)
    g_ptr_array_add (f->mirror, g_list_model_get_item (G_LIST_MODEL (f->tail), i));
  g_signal_connect (f->tail, "items-changed", G_CALLBACK (on_tail_changed_cb), f);
}

static void
fixture_tear_down (Fixture *f)
{
  g_object_unref (f->tail);
  g_object_unref (f->store);
  g_ptr_array_unref (f->mirror);
}

/* The tail shows the store from its start to the end, and its signals
 * told exactly that. */
static void
assert_consistent (Fixture *f)
{
  GListModel *store = G_LIST_MODEL (f->store);
  GListModel *tail = G_LIST_MODEL (f->tail);
  guint n = g_list_model_get_n_items (store);
  guint start = tc_tail_model_get_start (f->tail);

  g_assert_cmpuint (start, <=, n);
  g_assert_cmpuint (g_list_model_get_n_items (tail), ==, n - start);
  g_assert_cmpuint (f->mirror->len, ==, n - start);
  for (guint i = 0; i < n - start; i++)
    {
      g_autoptr(GObject) expected = g_list_model_get_item (store, start + i);
      g_autoptr(GObject) shown = g_list_model_get_item (tail, i);

      g_assert_true (shown == expected);
      g_assert_true (g_ptr_array_index (f->mirror, i) == expected);
    }
  g_assert_null (g_list_model_get_item (tail, n - start));
  g_assert_true (g_list_model_get_item_type (tail) == G_TYPE_OBJECT);
}

static void
splice (Fixture *f,
        guint    position,
        guint    removed,
        guint    added)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < added; i++)
    g_ptr_array_add (items, new_item ());
  g_list_store_splice (f->store, position, removed, items->pdata, added);
}

static void
test_first_and_more (void)
{
  Fixture f;
  guint start;

  fixture_set_up (&f, 500, 40);
  g_assert_cmpuint (tc_tail_model_get_start (f.tail), ==, 460);
  assert_consistent (&f);

  /* New at the end: shown. */
  splice (&f, 500, 0, 2);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f.tail)), ==, 42);
  assert_consistent (&f);

  /* Older items, as scrolling up asks. */
  g_assert_cmpuint (tc_tail_model_show_more (f.tail, 30), ==, 30);
  g_assert_cmpuint (tc_tail_model_get_start (f.tail), ==, 430);
  assert_consistent (&f);

  /* Inserted or removed among the hidden ones, or right at the start:
   * nothing shown changes, no signal. */
  f.n_signals = 0;
  splice (&f, 10, 5, 0);
  splice (&f, 0, 0, 3);
  start = tc_tail_model_get_start (f.tail);
  splice (&f, start, 0, 4);
  g_assert_cmpuint (f.n_signals, ==, 0);
  g_assert_cmpuint (tc_tail_model_get_start (f.tail), ==, start + 4);
  assert_consistent (&f);

  /* A change over the start shows what replaced it. */
  start = tc_tail_model_get_start (f.tail);
  splice (&f, start - 2, 5, 1);
  g_assert_cmpuint (tc_tail_model_get_start (f.tail), ==, start - 2);
  assert_consistent (&f);

  /* Jumping to an old item shows it and everything after it. */
  g_assert_cmpuint (tc_tail_model_show_position (f.tail, 7), ==, 0);
  g_assert_cmpuint (tc_tail_model_get_start (f.tail), ==, 7);
  g_assert_cmpuint (tc_tail_model_show_position (f.tail, 9), ==, 2);
  g_assert_cmpuint (tc_tail_model_show_position (f.tail, 100000), ==, G_MAXUINT);
  assert_consistent (&f);

  /* More than is hidden: only what is hidden. */
  g_assert_cmpuint (tc_tail_model_show_more (f.tail, 1000), ==, 7);
  g_assert_cmpuint (tc_tail_model_show_more (f.tail, 1000), ==, 0);
  assert_consistent (&f);

  /* Nothing hidden: an insertion at the top is shown. */
  splice (&f, 0, 0, 2);
  g_assert_cmpuint (tc_tail_model_get_start (f.tail), ==, 0);
  assert_consistent (&f);

  fixture_tear_down (&f);
}

static void
test_loaded_from_empty (void)
{
  Fixture f;

  fixture_set_up (&f, 0, 40);
  assert_consistent (&f);

  /* The way the message model loads: every key at once. */
  splice (&f, 0, 0, 50000);
  g_assert_cmpuint (tc_tail_model_get_start (f.tail), ==, 49960);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f.tail)), ==, 40);
  assert_consistent (&f);

  /* Emptied (an account reset), then loaded again: the newest again. */
  tc_tail_model_show_more (f.tail, 100);
  g_list_store_remove_all (f.store);
  assert_consistent (&f);
  splice (&f, 0, 0, 10);
  g_assert_cmpuint (tc_tail_model_get_start (f.tail), ==, 0);
  assert_consistent (&f);
  splice (&f, 10, 0, 100);
  g_assert_cmpuint (tc_tail_model_get_start (f.tail), ==, 0);
  assert_consistent (&f);

  fixture_tear_down (&f);
}

/* Random changes of every kind, checked after each. */
static void
test_random (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261124);

  for (guint round = 0; round < 20; round++)
    {
      Fixture f;

      fixture_set_up (&f, g_rand_int_range (rand, 0, 300), g_rand_int_range (rand, 1, 60));
      for (guint step = 0; step < 300; step++)
        {
          guint n = g_list_model_get_n_items (G_LIST_MODEL (f.store));
          guint position = g_rand_int_range (rand, 0, (gint32) n + 1);
          guint removed = g_rand_int_range (rand, 0, (gint32) (n - position) + 1);

          switch (g_rand_int_range (rand, 0, 6))
            {
            case 0:   /* a few new messages */
              splice (&f, n, 0, g_rand_int_range (rand, 1, 4));
              break;
            case 1:   /* removed, e.g. by retention */
              splice (&f, position, MIN (removed, 20), 0);
              break;
            case 2:   /* moved or replaced */
              splice (&f, position, MIN (removed, 20), g_rand_int_range (rand, 0, 20));
              break;
            case 3:
              tc_tail_model_show_more (f.tail, g_rand_int_range (rand, 0, 50));
              break;
            case 4:
              if (n > 0)
                {
                  guint shown = tc_tail_model_show_position (f.tail, position % n);

                  g_assert_cmpuint (shown, ==, position % n - tc_tail_model_get_start (f.tail));
                }
              break;
            default:
              if (g_rand_int_range (rand, 0, 20) == 0)
                g_list_store_remove_all (f.store);
              else
                splice (&f, position, 0, g_rand_int_range (rand, 1, 200));
              break;
            }
          assert_consistent (&f);
        }
      fixture_tear_down (&f);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tail-model/first-and-more", test_first_and_more);
  g_test_add_func ("/tail-model/loaded-from-empty", test_loaded_from_empty);
  g_test_add_func ("/tail-model/random", test_random);
  return g_test_run ();
}
