/* tc-rate-limiter.c: keyed token buckets (message sends, failed logins) */
#include "config.h"

#include "tc-rate-limiter.h"

/* Tokens are doubles: sums of small refills may land a hair under a whole
 * token, which must still count as one. */
#define TOKEN_EPSILON 1e-9

typedef struct
{
  double tokens;     /* ≤ capacity; below 0 after tc_rate_limiter_record() */
  gint64 last_usec;  /* when tokens was last brought up to date */
} Bucket;

struct _TcRateLimiter
{
  GObject     parent_instance;

  guint       events;          /* capacity; 0 = unlimited */
  guint       period_seconds;
  double      tokens_per_usec;
  GHashTable *buckets;         /* char *key → Bucket * */
};

G_DEFINE_FINAL_TYPE (TcRateLimiter, tc_rate_limiter, G_TYPE_OBJECT)

static void
tc_rate_limiter_finalize (GObject *object)
{
  TcRateLimiter *self = TC_RATE_LIMITER (object);

  g_clear_pointer (&self->buckets, g_hash_table_unref);

  G_OBJECT_CLASS (tc_rate_limiter_parent_class)->finalize (object);
}

static void
tc_rate_limiter_class_init (TcRateLimiterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tc_rate_limiter_finalize;
}

static void
tc_rate_limiter_init (TcRateLimiter *self)
{
  self->buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/**
 * tc_rate_limiter_new:
 * @events: bucket capacity: how many events a key may have in a burst,
 *   and how many grow back per @period_seconds; 0 = unlimited
 * @period_seconds: the refill period; must be > 0 unless @events is 0
 *
 * Returns: (transfer full): a new limiter with no keys
 */
TcRateLimiter *
tc_rate_limiter_new (guint events,
                     guint period_seconds)
{
  TcRateLimiter *self;

  g_return_val_if_fail (events == 0 || period_seconds > 0, NULL);

  self = g_object_new (TC_TYPE_RATE_LIMITER, NULL);
  self->events = events;
  self->period_seconds = period_seconds;
  if (events > 0)
    self->tokens_per_usec = (double) events / ((double) period_seconds * G_USEC_PER_SEC);

  return self;
}

/* The tokens @bucket holds at @now_usec (not stored). A clock that went
 * backwards refills nothing. */
static double
bucket_tokens_at (TcRateLimiter *self,
                  const Bucket  *bucket,
                  gint64         now_usec)
{
  double tokens = bucket->tokens;

  if (now_usec > bucket->last_usec)
    tokens += (double) (now_usec - bucket->last_usec) * self->tokens_per_usec;

  return MIN (tokens, (double) self->events);
}

static void
bucket_refill (TcRateLimiter *self,
               Bucket        *bucket,
               gint64         now_usec)
{
  bucket->tokens = bucket_tokens_at (self, bucket, now_usec);
  bucket->last_usec = MAX (bucket->last_usec, now_usec);
}

/* The bucket of @key brought up to @now_usec, created full if missing. */
static Bucket *
bucket_get (TcRateLimiter *self,
            const char    *key,
            gint64         now_usec)
{
  Bucket *bucket = g_hash_table_lookup (self->buckets, key);

  if (bucket == NULL)
    {
      bucket = g_new0 (Bucket, 1);
      bucket->tokens = self->events;
      bucket->last_usec = now_usec;
      g_hash_table_insert (self->buckets, g_strdup (key), bucket);
    }
  else
    {
      bucket_refill (self, bucket, now_usec);
    }

  return bucket;
}

static gboolean
has_token (double tokens)
{
  return tokens + TOKEN_EPSILON >= 1.0;
}

/* Whole seconds (≥ 1) until a bucket holding @tokens has a token again. */
static guint
seconds_until_token (TcRateLimiter *self,
                     double         tokens)
{
  double seconds = (1.0 - tokens) / self->tokens_per_usec / G_USEC_PER_SEC;
  guint64 whole;

  if (seconds >= (double) G_MAXUINT)
    return G_MAXUINT;
  whole = (guint64) seconds;   /* rounded up below, ignoring float noise */
  if (seconds - (double) whole > TOKEN_EPSILON)
    whole++;

  return (guint) MAX (whole, 1);
}

static gboolean
answer (gboolean  allowed,
        guint     retry_after,
        guint    *retry_after_seconds)
{
  if (retry_after_seconds != NULL)
    *retry_after_seconds = allowed ? 0 : retry_after;
  return allowed;
}

/**
 * tc_rate_limiter_check:
 * @self: a limiter
 * @key: whose bucket (an associate id, say)
 * @now_usec: the current monotonic time
 * @retry_after_seconds: (out) (optional): 0 when allowed, else the whole
 *   seconds (≥ 1) until the next event would be allowed
 *
 * Takes one token from the bucket of @key if it has one.
 *
 * Returns: %TRUE when the event is allowed (and counted)
 */
gboolean
tc_rate_limiter_check (TcRateLimiter *self,
                       const char    *key,
                       gint64         now_usec,
                       guint         *retry_after_seconds)
{
  Bucket *bucket;

  g_return_val_if_fail (TC_IS_RATE_LIMITER (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  if (self->events == 0)
    return answer (TRUE, 0, retry_after_seconds);

  bucket = bucket_get (self, key, now_usec);
  if (!has_token (bucket->tokens))
    return answer (FALSE, seconds_until_token (self, bucket->tokens), retry_after_seconds);

  bucket->tokens = MAX (bucket->tokens - 1.0, 0.0);
  return answer (TRUE, 0, retry_after_seconds);
}

/**
 * tc_rate_limiter_would_allow:
 * @self: a limiter
 * @key: whose bucket (a login, a client address)
 * @now_usec: the current monotonic time
 * @retry_after_seconds: (out) (optional): 0 when allowed, else the whole
 *   seconds (≥ 1) until a token has grown back
 *
 * Asks whether the bucket of @key has a token, without taking it and
 * without creating a bucket for an unknown key.
 *
 * Returns: %TRUE when an event would be allowed now
 */
gboolean
tc_rate_limiter_would_allow (TcRateLimiter *self,
                             const char    *key,
                             gint64         now_usec,
                             guint         *retry_after_seconds)
{
  Bucket *bucket;
  double tokens;

  g_return_val_if_fail (TC_IS_RATE_LIMITER (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  if (self->events == 0)
    return answer (TRUE, 0, retry_after_seconds);

  bucket = g_hash_table_lookup (self->buckets, key);
  if (bucket == NULL)
    return answer (TRUE, 0, retry_after_seconds);

  tokens = bucket_tokens_at (self, bucket, now_usec);
  if (!has_token (tokens))
    return answer (FALSE, seconds_until_token (self, tokens), retry_after_seconds);

  return answer (TRUE, 0, retry_after_seconds);
}

/**
 * tc_rate_limiter_record:
 * @self: a limiter
 * @key: whose bucket (a login, a client address)
 * @now_usec: the current monotonic time
 *
 * Counts one event (a failed login) for @key without asking: takes one
 * token, even from an empty bucket, which then owes it. So failures that
 * raced past tc_rate_limiter_would_allow() (attempts verified at the same
 * time) still count, and no key ever gets more than @events failures plus
 * the refill over any stretch of time.
 */
void
tc_rate_limiter_record (TcRateLimiter *self,
                        const char    *key,
                        gint64         now_usec)
{
  Bucket *bucket;

  g_return_if_fail (TC_IS_RATE_LIMITER (self));
  g_return_if_fail (key != NULL);

  if (self->events == 0)
    return;

  bucket = bucket_get (self, key, now_usec);
  bucket->tokens -= 1.0;
}

/**
 * tc_rate_limiter_expire:
 * @self: a limiter
 * @now_usec: the current monotonic time
 *
 * Forgets every key whose bucket has filled up again by @now_usec: such a
 * key behaves exactly like an unknown one, so this changes no answer and
 * only bounds memory. Call it from a periodic timer.
 */
void
tc_rate_limiter_expire (TcRateLimiter *self,
                        gint64         now_usec)
{
  GHashTableIter iter;
  Bucket *bucket;

  g_return_if_fail (TC_IS_RATE_LIMITER (self));

  g_hash_table_iter_init (&iter, self->buckets);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &bucket))
    {
      if (bucket_tokens_at (self, bucket, now_usec) + TOKEN_EPSILON >= (double) self->events)
        g_hash_table_iter_remove (&iter);
    }
}

/**
 * tc_rate_limiter_get_n_keys:
 * @self: a limiter
 *
 * Returns: how many keys have a bucket (for tests and statistics)
 */
guint
tc_rate_limiter_get_n_keys (TcRateLimiter *self)
{
  g_return_val_if_fail (TC_IS_RATE_LIMITER (self), 0);

  return g_hash_table_size (self->buckets);
}

/**
 * tc_rate_limiter_get_events:
 * @self: a limiter
 *
 * Returns: the bucket capacity given to tc_rate_limiter_new(); 0 = unlimited
 */
guint
tc_rate_limiter_get_events (TcRateLimiter *self)
{
  g_return_val_if_fail (TC_IS_RATE_LIMITER (self), 0);

  return self->events;
}

/**
 * tc_rate_limiter_get_period:
 * @self: a limiter
 *
 * Returns: the refill period in seconds given to tc_rate_limiter_new()
 */
guint
tc_rate_limiter_get_period (TcRateLimiter *self)
{
  g_return_val_if_fail (TC_IS_RATE_LIMITER (self), 0);

  return self->period_seconds;
}
