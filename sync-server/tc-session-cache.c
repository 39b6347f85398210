/* tc-session-cache.c: tokens the HTTP server has recently authenticated */
#include "config.h"

#include "tc-session-cache.h"
#include "tc-store.h"

typedef struct {
  char   *associate_id;
  gint64  expires;
} Entry;

struct _TcSessionCache
{
  GObject     parent_instance;

  gint64      lifetime;
  GMutex      mutex;
  GHashTable *entries;   /* token hash (GBytes) → Entry */
};

G_DEFINE_FINAL_TYPE (TcSessionCache, tc_session_cache, G_TYPE_OBJECT)

static void
entry_free (Entry *entry)
{
  g_free (entry->associate_id);
  g_free (entry);
}

static void
tc_session_cache_finalize (GObject *object)
{
  TcSessionCache *self = TC_SESSION_CACHE (object);

  g_hash_table_unref (self->entries);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (tc_session_cache_parent_class)->finalize (object);
}

static void
tc_session_cache_class_init (TcSessionCacheClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tc_session_cache_finalize;
}

static void
tc_session_cache_init (TcSessionCache *self)
{
  g_mutex_init (&self->mutex);
  self->entries = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
                                         (GDestroyNotify) g_bytes_unref,
                                         (GDestroyNotify) entry_free);
}

TcSessionCache *
tc_session_cache_new (gint64 lifetime_usec)
{
  TcSessionCache *self = g_object_new (TC_TYPE_SESSION_CACHE, NULL);

  self->lifetime = lifetime_usec;
  return self;
}

char *
tc_session_cache_lookup (TcSessionCache *self,
                         const guint8   *token_hash)
{
  g_autoptr(GBytes) key = g_bytes_new (token_hash, TC_TOKEN_HASH_LEN);
  Entry *entry;
  char *id = NULL;

  g_mutex_lock (&self->mutex);
  entry = g_hash_table_lookup (self->entries, key);
  if (entry != NULL && entry->expires > g_get_monotonic_time ())
    id = g_strdup (entry->associate_id);
  g_mutex_unlock (&self->mutex);
  return id;
}

void
tc_session_cache_insert (TcSessionCache *self,
                         const guint8   *token_hash,
                         const char     *associate_id)
{
  Entry *entry = g_new0 (Entry, 1);

  entry->associate_id = g_strdup (associate_id);
  entry->expires = g_get_monotonic_time () + self->lifetime;
  g_mutex_lock (&self->mutex);
  g_hash_table_insert (self->entries, g_bytes_new (token_hash, TC_TOKEN_HASH_LEN), entry);
  g_mutex_unlock (&self->mutex);
}

void
tc_session_cache_remove (TcSessionCache *self,
                         const guint8   *token_hash)
{
  g_autoptr(GBytes) key = g_bytes_new (token_hash, TC_TOKEN_HASH_LEN);

  g_mutex_lock (&self->mutex);
  g_hash_table_remove (self->entries, key);
  g_mutex_unlock (&self->mutex);
}

void
tc_session_cache_expire (TcSessionCache *self,
                         gint64          now)
{
  GHashTableIter iter;
  Entry *entry;

  g_mutex_lock (&self->mutex);
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (entry->expires <= now)
      g_hash_table_iter_remove (&iter);
  g_mutex_unlock (&self->mutex);
}

void
tc_session_cache_append_hashes (TcSessionCache *self,
                                GByteArray     *hashes)
{
  GHashTableIter iter;
  GBytes *key;

  g_mutex_lock (&self->mutex);
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, NULL))
    g_byte_array_append (hashes, g_bytes_get_data (key, NULL), TC_TOKEN_HASH_LEN);
  g_mutex_unlock (&self->mutex);
}
