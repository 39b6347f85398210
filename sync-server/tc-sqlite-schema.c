/* tc-sqlite-schema.c: the server database schema, one step per version
 *
 * Never edit a step that has shipped: add a new one. Times are microseconds
 * since the Unix epoch (UTC).
 */
#include "config.h"

#include "tc-sqlite-schema.h"

static const TcSqliteMigration migrations[] = {
  /* 1: accounts, team, messages, read markers, event streams */
  { "CREATE TABLE associates ("
    "  id TEXT PRIMARY KEY,"
    "  login TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  password_hash TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  email TEXT,"
    "  phone TEXT,"
    "  sponsor_id TEXT,"
    "  enroller_id TEXT,"
    "  marketing_site_url TEXT,"
    "  offline_channel TEXT NOT NULL DEFAULT 'email'"
    "    CHECK (offline_channel IN ('email', 'sms')),"
    "  updated_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX associates_sponsor ON associates (sponsor_id);"
    "CREATE INDEX associates_enroller ON associates (enroller_id);"
    "CREATE TABLE sessions ("
    "  token_hash BLOB PRIMARY KEY,"
    "  associate_id TEXT NOT NULL REFERENCES associates (id) ON DELETE CASCADE,"
    "  device TEXT,"
    "  created_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX sessions_associate ON sessions (associate_id);"
    "CREATE TABLE resources ("
    "  id TEXT PRIMARY KEY,"
    "  title TEXT NOT NULL,"
    "  mime_type TEXT NOT NULL,"
    "  size INTEGER NOT NULL,"
    "  folder_id TEXT"
    ");"
    "CREATE TABLE messages ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  sender_id TEXT NOT NULL,"
    "  recipient_id TEXT NOT NULL,"
    "  client_id TEXT NOT NULL,"
    "  body TEXT NOT NULL,"
    "  sent_at INTEGER NOT NULL,"
    "  delivered_via TEXT CHECK (delivered_via IN ('email', 'sms'))"
    ");"
    "CREATE UNIQUE INDEX messages_client ON messages (sender_id, client_id, recipient_id);"
    "CREATE INDEX messages_conversation ON messages (sender_id, recipient_id, id);"
    "CREATE INDEX messages_inbox ON messages (recipient_id, sender_id, id);"
    "CREATE INDEX messages_sent_at ON messages (sent_at);"
    "CREATE TABLE message_attachments ("
    "  message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,"
    "  position INTEGER NOT NULL,"
    "  resource_id TEXT NOT NULL,"
    "  PRIMARY KEY (message_id, position)"
    ");"
    "CREATE TABLE read_markers ("
    "  associate_id TEXT NOT NULL,"
    "  peer_id TEXT NOT NULL,"
    "  up_to INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  PRIMARY KEY (associate_id, peer_id)"
    ");"
    "CREATE INDEX read_markers_updated ON read_markers (updated_at);"
    /* One row per event per stream. Message, member and preferences events
     * point at the current row, so sync always renders the present state. */
    "CREATE TABLE events ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  associate_id TEXT NOT NULL,"
    "  type TEXT NOT NULL CHECK (type IN ('message', 'read', 'member', 'preferences')),"
    "  message_id INTEGER,"
    "  by_id TEXT,"
    "  peer_id TEXT,"
    "  up_to INTEGER,"
    "  member_id TEXT,"
    "  created_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX events_stream ON events (associate_id, seq);"
    "CREATE INDEX events_created ON events (created_at);"
    "CREATE INDEX events_message ON events (message_id) WHERE message_id IS NOT NULL;"
    "CREATE TABLE meta ("
    "  key TEXT PRIMARY KEY,"
    "  value INTEGER NOT NULL"
    ");"
    "INSERT INTO meta (key, value) VALUES ('purged_seq', 0);" },

  /* 2: the Documents and Media library. Categories are folders without a
   * parent. source_path (the path under the import's SOURCE_DIR) is what
   * import-media matches on; ids stay opaque. A resource's content lives in
   * the media directory under its sha256 (content-addressed); search_text
   * is title and description folded for case- and accent-blind search. */
  { "CREATE TABLE media_folders ("
    "  id TEXT PRIMARY KEY,"
    "  parent_id TEXT REFERENCES media_folders (id),"
    "  title TEXT NOT NULL,"
    "  source_path TEXT NOT NULL UNIQUE,"
    "  created_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX media_folders_parent ON media_folders (parent_id);"
    "ALTER TABLE resources ADD COLUMN description TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE resources ADD COLUMN sha256 TEXT;"
    "ALTER TABLE resources ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE resources ADD COLUMN source_path TEXT;"
    "ALTER TABLE resources ADD COLUMN search_text TEXT NOT NULL DEFAULT '';"
    "CREATE UNIQUE INDEX resources_source ON resources (source_path);"
    "CREATE INDEX resources_folder ON resources (folder_id);"
    "CREATE INDEX message_attachments_resource ON message_attachments (resource_id);" },
  /* 3: offline delivery by email or text, reply tokens, server secrets */
  { "ALTER TABLE messages ADD COLUMN delivery_error TEXT;"
    /* One job per message whose recipient was offline; the row is the
     * durable state of the job: pending → sending (claimed, try counted)
     * → sent | pending (retry at next_at) | failed | skipped. */
    "CREATE TABLE deliveries ("
    "  message_id INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,"
    "  channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),"
    "  state TEXT NOT NULL DEFAULT 'pending'"
    "    CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'skipped')),"
    "  tries INTEGER NOT NULL DEFAULT 0,"
    "  next_at INTEGER NOT NULL,"
    "  reply_token_id INTEGER,"
    "  last_error TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX deliveries_due ON deliveries (state, next_at);"
    "CREATE INDEX deliveries_sms ON deliveries (channel, state, updated_at);"
    "CREATE INDEX deliveries_created ON deliveries (created_at);"
    /* The rows behind reply+TOKEN@ addresses: the token is the row id with
     * an HMAC over it, the recipient and the peer (tc-reply-token.c). */
    "CREATE TABLE reply_tokens ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  associate_id TEXT NOT NULL,"
    "  peer_id TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  revoked_at INTEGER"
    ");"
    "CREATE INDEX reply_tokens_associate ON reply_tokens (associate_id);"
    "CREATE INDEX reply_tokens_created ON reply_tokens (created_at);"
    "CREATE TABLE secrets ("
    "  name TEXT PRIMARY KEY,"
    "  value BLOB NOT NULL"
    ");" },
  /* 4: a version of the sponsor and enroller trees, bumped by every change
   * to them by whoever makes it (an import in another process, an
   * administrator's SQL), so that the server's in-memory copy of the trees
   * (tc-team-tree.c) knows when to load them again. */
  { "INSERT INTO meta (key, value) VALUES ('team_version', 1);"
    "CREATE TRIGGER associates_team_insert AFTER INSERT ON associates BEGIN"
    "  UPDATE meta SET value = value + 1 WHERE key = 'team_version';"
    "END;"
    "CREATE TRIGGER associates_team_update AFTER UPDATE OF id, sponsor_id, enroller_id"
    "  ON associates"
    "  WHEN OLD.id IS NOT NEW.id OR OLD.sponsor_id IS NOT NEW.sponsor_id"
    "    OR OLD.enroller_id IS NOT NEW.enroller_id BEGIN"
    "  UPDATE meta SET value = value + 1 WHERE key = 'team_version';"
    "END;"
    "CREATE TRIGGER associates_team_delete AFTER DELETE ON associates BEGIN"
    "  UPDATE meta SET value = value + 1 WHERE key = 'team_version';"
    "END;" },
  /* 5: no indexes for retention alone. Ids and seqs grow with the time the
   * server stamps at insert, so the purge walks messages and events in
   * primary-key order and stops at the first row that is young enough
   * (tc-sqlite-store.c, "retention"); every send wrote three index
   * entries for it. */
  { "DROP INDEX messages_sent_at;"
    "DROP INDEX events_created;"
    "DROP INDEX events_message;" },
  /* 6: the same CHECKs without IN lists. SQLite 3.40 checks `x IN (…)` of
   * more than two values by building a temporary B-tree of the list for
   * every row written: two per message for its events (a quarter of the
   * writer's time for them), one per delivery job. Comparisons joined by
   * OR accept and refuse exactly the same values. Only the table's text in
   * sqlite_schema changes, no stored row, which SQLite documents as the way
   * to change a CHECK ("Making Other Kinds Of Table Schema Changes" in
   * lang_altertable.html); RESET makes this connection read the schema
   * again. A database whose text differs keeps its CHECK as it is. */
  { "PRAGMA writable_schema=ON;"
    "UPDATE sqlite_schema SET sql = replace (sql,"
    "  'CHECK (type IN (''message'', ''read'', ''member'', ''preferences''))',"
    "  'CHECK (type = ''message'' OR type = ''read'' OR type = ''member'''"
    "  || ' OR type = ''preferences'')')"
    "  WHERE type = 'table' AND name = 'events';"
    "UPDATE sqlite_schema SET sql = replace (sql,"
    "  'CHECK (state IN (''pending'', ''sending'', ''sent'', ''failed'', ''skipped''))',"
    "  'CHECK (state = ''pending'' OR state = ''sending'' OR state = ''sent'''"
    "  || ' OR state = ''failed'' OR state = ''skipped'')')"
    "  WHERE type = 'table' AND name = 'deliveries';"
    "PRAGMA writable_schema=RESET;" },
  /* 7: one index for conversations. A conversation is both directions
   * between two associates; messages_inbox (recipient_id, sender_id, id)
   * finds each direction as well as messages_conversation (sender_id,
   * recipient_id, id) does, and the query planner took messages_inbox for
   * both (EXPLAIN QUERY PLAN); no query filters on sender_id alone (a
   * resend is found through messages_client). Every send wrote an entry
   * for nothing: about 3 µs of a message's 42 in the store alone. */
  { "DROP INDEX messages_conversation;" },
};

const TcSqliteMigration *
tc_sqlite_schema_migrations (guint *n_migrations)
{
  *n_migrations = G_N_ELEMENTS (migrations);
  return migrations;
}
