/* test-rate-limiter.c: token buckets for message sends and failed logins */
#include "tc-rate-limiter.h"

#define SEC(s) ((gint64) (s) * G_USEC_PER_SEC)

/* Some monotonic clock value far from 0, as g_get_monotonic_time() gives. */
#define T0 SEC (1000000)

static void
test_capacity (void)
{
  g_autoptr(TcRateLimiter) limiter = tc_rate_limiter_new (5, 60);
  guint retry_after = 1234;

  for (guint i = 0; i < 5; i++)
    {
      g_assert_true (tc_rate_limiter_check (limiter, "A1001", T0, &retry_after));
      g_assert_cmpuint (retry_after, ==, 0);
    }

  g_assert_false (tc_rate_limiter_check (limiter, "A1001", T0, &retry_after));
  g_assert_cmpuint (retry_after, >=, 1);
  /* Refusals take nothing: still refused, not deeper in debt. */
  g_assert_false (tc_rate_limiter_check (limiter, "A1001", T0, NULL));
  g_assert_cmpuint (tc_rate_limiter_get_n_keys (limiter), ==, 1);
  g_assert_cmpuint (tc_rate_limiter_get_events (limiter), ==, 5);
  g_assert_cmpuint (tc_rate_limiter_get_period (limiter), ==, 60);
}

static void
test_refill (void)
{
  /* 120 per minute: one token every 0.5 s. */
  g_autoptr(TcRateLimiter) limiter = tc_rate_limiter_new (120, 60);
  guint allowed = 0;

  for (guint i = 0; i < 200; i++)
    allowed += tc_rate_limiter_check (limiter, "A1001", T0, NULL);
  g_assert_cmpuint (allowed, ==, 120);

  /* Not quite half a second: nothing yet. */
  g_assert_false (tc_rate_limiter_check (limiter, "A1001", T0 + SEC (1) / 2 - 1000, NULL));
  /* Half a second: exactly one. */
  g_assert_true (tc_rate_limiter_check (limiter, "A1001", T0 + SEC (1) / 2, NULL));
  g_assert_false (tc_rate_limiter_check (limiter, "A1001", T0 + SEC (1) / 2, NULL));

  /* Ten more seconds: twenty more. */
  allowed = 0;
  for (guint i = 0; i < 50; i++)
    allowed += tc_rate_limiter_check (limiter, "A1001", T0 + SEC (1) / 2 + SEC (10), NULL);
  g_assert_cmpuint (allowed, ==, 20);

  /* A long pause refills up to the capacity, not beyond. */
  allowed = 0;
  for (guint i = 0; i < 500; i++)
    allowed += tc_rate_limiter_check (limiter, "A1001", T0 + SEC (3600), NULL);
  g_assert_cmpuint (allowed, ==, 120);
}

static void
test_retry_after (void)
{
  /* 10 per 300 s: one token every 30 s. */
  g_autoptr(TcRateLimiter) limiter = tc_rate_limiter_new (10, 300);
  guint retry_after = 0;

  for (guint i = 0; i < 10; i++)
    g_assert_true (tc_rate_limiter_check (limiter, "k", T0, NULL));

  g_assert_false (tc_rate_limiter_check (limiter, "k", T0, &retry_after));
  g_assert_cmpuint (retry_after, ==, 30);

  g_assert_false (tc_rate_limiter_check (limiter, "k", T0 + SEC (12), &retry_after));
  g_assert_cmpuint (retry_after, ==, 18);

  /* Waiting as told is enough. */
  g_assert_true (tc_rate_limiter_check (limiter, "k", T0 + SEC (12) + SEC (retry_after), NULL));

  /* A fraction of a second left rounds up: never 0 when refused. */
  g_assert_false (tc_rate_limiter_check (limiter, "k", T0 + SEC (60) - 1000, &retry_after));
  g_assert_cmpuint (retry_after, ==, 1);
  g_assert_true (tc_rate_limiter_check (limiter, "k", T0 + SEC (60), NULL));

  /* 120 per minute refuses for one second, not zero. */
  {
    g_autoptr(TcRateLimiter) fast = tc_rate_limiter_new (120, 60);

    for (guint i = 0; i < 120; i++)
      g_assert_true (tc_rate_limiter_check (fast, "k", T0, NULL));
    g_assert_false (tc_rate_limiter_check (fast, "k", T0, &retry_after));
    g_assert_cmpuint (retry_after, ==, 1);
  }
}

static void
test_keys_independent (void)
{
  g_autoptr(TcRateLimiter) limiter = tc_rate_limiter_new (2, 60);

  g_assert_true (tc_rate_limiter_check (limiter, "A1001", T0, NULL));
  g_assert_true (tc_rate_limiter_check (limiter, "A1001", T0, NULL));
  g_assert_false (tc_rate_limiter_check (limiter, "A1001", T0, NULL));

  g_assert_true (tc_rate_limiter_check (limiter, "A1002", T0, NULL));
  g_assert_true (tc_rate_limiter_check (limiter, "A1002", T0, NULL));
  g_assert_false (tc_rate_limiter_check (limiter, "A1002", T0, NULL));

  /* Keys are compared as strings, not pointers. */
  {
    g_autofree char *key = g_strdup ("A100");
    g_autofree char *same = g_strconcat (key, "3", NULL);

    g_assert_true (tc_rate_limiter_check (limiter, same, T0, NULL));
    g_assert_true (tc_rate_limiter_check (limiter, "A1003", T0, NULL));
    g_assert_false (tc_rate_limiter_check (limiter, "A1003", T0, NULL));
  }

  g_assert_cmpuint (tc_rate_limiter_get_n_keys (limiter), ==, 3);
}

static void
test_unlimited (void)
{
  g_autoptr(TcRateLimiter) limiter = tc_rate_limiter_new (0, 0);
  guint retry_after = 99;

  for (guint i = 0; i < 10000; i++)
    g_assert_true (tc_rate_limiter_check (limiter, "A1001", T0, NULL));
  for (guint i = 0; i < 100; i++)
    tc_rate_limiter_record (limiter, "A1001", T0);

  g_assert_true (tc_rate_limiter_check (limiter, "A1001", T0, &retry_after));
  g_assert_cmpuint (retry_after, ==, 0);
  retry_after = 99;
  g_assert_true (tc_rate_limiter_would_allow (limiter, "A1001", T0, &retry_after));
  g_assert_cmpuint (retry_after, ==, 0);
  /* Nothing is kept for anyone. */
  g_assert_cmpuint (tc_rate_limiter_get_n_keys (limiter), ==, 0);
}

/* The login flow: ask both limiters first, count each failure in both. */
static void
test_would_allow_record (void)
{
  g_autoptr(TcRateLimiter) limiter = tc_rate_limiter_new (3, 300);
  guint retry_after = 99;

  /* Asking about an unknown key allows and keeps nothing. */
  g_assert_true (tc_rate_limiter_would_allow (limiter, "maria", T0, &retry_after));
  g_assert_cmpuint (retry_after, ==, 0);
  g_assert_cmpuint (tc_rate_limiter_get_n_keys (limiter), ==, 0);

  /* Asking never takes a token. */
  for (guint i = 0; i < 10; i++)
    g_assert_true (tc_rate_limiter_would_allow (limiter, "maria", T0, NULL));

  tc_rate_limiter_record (limiter, "maria", T0);
  g_assert_cmpuint (tc_rate_limiter_get_n_keys (limiter), ==, 1);
  g_assert_true (tc_rate_limiter_would_allow (limiter, "maria", T0, NULL));
  tc_rate_limiter_record (limiter, "maria", T0);
  g_assert_true (tc_rate_limiter_would_allow (limiter, "maria", T0, NULL));
  tc_rate_limiter_record (limiter, "maria", T0);

  /* Three failures: locked, for one refill interval (300 / 3 s). */
  g_assert_false (tc_rate_limiter_would_allow (limiter, "maria", T0, &retry_after));
  g_assert_cmpuint (retry_after, ==, 100);
  g_assert_false (tc_rate_limiter_would_allow (limiter, "maria", T0 + SEC (60), &retry_after));
  g_assert_cmpuint (retry_after, ==, 40);
  /* Other logins are not affected. */
  g_assert_true (tc_rate_limiter_would_allow (limiter, "kwame", T0, NULL));

  /* Failures that raced past the question (two attempts verified at once)
   * still count: the wait grows by one interval. */
  tc_rate_limiter_record (limiter, "maria", T0 + SEC (60));
  g_assert_false (tc_rate_limiter_would_allow (limiter, "maria", T0 + SEC (60), &retry_after));
  g_assert_cmpuint (retry_after, ==, 140);
  g_assert_false (tc_rate_limiter_would_allow (limiter, "maria", T0 + SEC (199), NULL));

  /* After that, one more attempt; after a whole window, all three. */
  g_assert_true (tc_rate_limiter_would_allow (limiter, "maria", T0 + SEC (200), NULL));
  tc_rate_limiter_record (limiter, "maria", T0 + SEC (200));
  g_assert_false (tc_rate_limiter_would_allow (limiter, "maria", T0 + SEC (200), NULL));

  for (guint i = 0; i < 3; i++)
    {
      g_assert_true (tc_rate_limiter_would_allow (limiter, "maria", T0 + SEC (500), NULL));
      tc_rate_limiter_record (limiter, "maria", T0 + SEC (500));
    }
  g_assert_false (tc_rate_limiter_would_allow (limiter, "maria", T0 + SEC (500), NULL));

  /* check() and record() share the bucket. */
  g_assert_false (tc_rate_limiter_check (limiter, "maria", T0 + SEC (500), NULL));
}

static void
test_expire (void)
{
  g_autoptr(TcRateLimiter) limiter = tc_rate_limiter_new (4, 60);

  g_assert_true (tc_rate_limiter_check (limiter, "busy", T0, NULL));
  g_assert_true (tc_rate_limiter_check (limiter, "busy", T0, NULL));
  g_assert_true (tc_rate_limiter_check (limiter, "busy", T0, NULL));
  g_assert_true (tc_rate_limiter_check (limiter, "quiet", T0, NULL));
  g_assert_cmpuint (tc_rate_limiter_get_n_keys (limiter), ==, 2);

  /* Nothing is full yet. */
  tc_rate_limiter_expire (limiter, T0);
  g_assert_cmpuint (tc_rate_limiter_get_n_keys (limiter), ==, 2);

  /* 15 s refill one token: "quiet" is full again, "busy" is not. */
  tc_rate_limiter_expire (limiter, T0 + SEC (15));
  g_assert_cmpuint (tc_rate_limiter_get_n_keys (limiter), ==, 1);

  /* Expiring did not change the answers: "busy" has 1 + 1 tokens. */
  g_assert_true (tc_rate_limiter_check (limiter, "busy", T0 + SEC (15), NULL));
  g_assert_true (tc_rate_limiter_check (limiter, "busy", T0 + SEC (15), NULL));
  g_assert_false (tc_rate_limiter_check (limiter, "busy", T0 + SEC (15), NULL));

  /* An idle minute later everything is gone. */
  tc_rate_limiter_expire (limiter, T0 + SEC (15) + SEC (60));
  g_assert_cmpuint (tc_rate_limiter_get_n_keys (limiter), ==, 0);

  /* And a forgotten key starts full. */
  for (guint i = 0; i < 4; i++)
    g_assert_true (tc_rate_limiter_check (limiter, "busy", T0 + SEC (100), NULL));
  g_assert_false (tc_rate_limiter_check (limiter, "busy", T0 + SEC (100), NULL));
}

static void
test_clock_backwards (void)
{
  g_autoptr(TcRateLimiter) limiter = tc_rate_limiter_new (1, 10);
  guint retry_after = 0;

  g_assert_true (tc_rate_limiter_check (limiter, "k", T0, NULL));
  /* An earlier time refills nothing and does not move the bucket back. */
  g_assert_false (tc_rate_limiter_check (limiter, "k", T0 - SEC (100), &retry_after));
  g_assert_cmpuint (retry_after, >=, 1);
  g_assert_false (tc_rate_limiter_check (limiter, "k", T0 + SEC (5), NULL));
  g_assert_true (tc_rate_limiter_check (limiter, "k", T0 + SEC (10), NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/rate-limiter/capacity", test_capacity);
  g_test_add_func ("/rate-limiter/refill", test_refill);
  g_test_add_func ("/rate-limiter/retry-after", test_retry_after);
  g_test_add_func ("/rate-limiter/keys-independent", test_keys_independent);
  g_test_add_func ("/rate-limiter/unlimited", test_unlimited);
  g_test_add_func ("/rate-limiter/would-allow-record", test_would_allow_record);
  g_test_add_func ("/rate-limiter/expire", test_expire);
  g_test_add_func ("/rate-limiter/clock-backwards", test_clock_backwards);

  return g_test_run ();
}
