/* tc-pg-schema.c: the PostgreSQL database schema, one step per version
 *
 * The same tables as tc-sqlite-schema.c, in PostgreSQL's types, plus what
 * several server processes share: per-stream sequence counters (streams),
 * the live processes (instances) and who is connected where (presence).
 * Never edit a step that has shipped: add a new one. Times are
 * microseconds since the Unix epoch (UTC), except the heartbeats, which
 * use the database's clock so that the processes' clocks never matter.
 */
#include "config.h"

#include "tc-pg-schema.h"

static const char * const steps[] = {
  /* 1: everything the SQLite schema has at version 3, and the tables of
   * several processes */
  /* ASCII-only case folding, as SQLite's NOCASE: logins are unique and
   * lists are sorted under it, whatever the database's locale. */
  "CREATE FUNCTION tc_nocase (text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE "
  "  AS $$ SELECT translate ($1, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') $$;"
  "CREATE TABLE associates ("
  "  id text PRIMARY KEY,"
  "  login text NOT NULL,"
  "  password_hash text NOT NULL,"
  "  name text NOT NULL,"
  "  email text,"
  "  phone text,"
  "  sponsor_id text,"
  "  enroller_id text,"
  "  marketing_site_url text,"
  "  offline_channel text NOT NULL DEFAULT 'email' CHECK (offline_channel IN ('email', 'sms')),"
  "  updated_at bigint NOT NULL"
  ");"
  "CREATE UNIQUE INDEX associates_login ON associates (tc_nocase (login));"
  "CREATE INDEX associates_sponsor ON associates (sponsor_id);"
  "CREATE INDEX associates_enroller ON associates (enroller_id);"
  "CREATE TABLE sessions ("
  "  token_hash bytea PRIMARY KEY,"
  "  associate_id text NOT NULL REFERENCES associates (id) ON DELETE CASCADE,"
  "  device text,"
  "  created_at bigint NOT NULL"
  ");"
  "CREATE INDEX sessions_associate ON sessions (associate_id);"
  "CREATE TABLE media_folders ("
  "  id text PRIMARY KEY,"
  "  parent_id text REFERENCES media_folders (id),"
  "  title text NOT NULL,"
  "  source_path text NOT NULL UNIQUE,"
  "  created_at bigint NOT NULL"
  ");"
  "CREATE INDEX media_folders_parent ON media_folders (parent_id);"
  "CREATE TABLE resources ("
  "  id text PRIMARY KEY,"
  "  title text NOT NULL,"
  "  mime_type text NOT NULL,"
  "  size bigint NOT NULL,"
  "  folder_id text,"
  "  description text NOT NULL DEFAULT '',"
  "  sha256 text,"
  "  updated_at bigint NOT NULL DEFAULT 0,"
  "  source_path text UNIQUE,"
  "  search_text text NOT NULL DEFAULT ''"
  ");"
  "CREATE INDEX resources_folder ON resources (folder_id);"
  "CREATE TABLE messages ("
  "  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
  "  sender_id text NOT NULL,"
  "  recipient_id text NOT NULL,"
  "  client_id text NOT NULL,"
  "  body text NOT NULL,"
  "  sent_at bigint NOT NULL,"
  "  delivered_via text CHECK (delivered_via IN ('email', 'sms')),"
  "  delivery_error text"
  ");"
  "CREATE UNIQUE INDEX messages_client ON messages (sender_id, client_id, recipient_id);"
  "CREATE INDEX messages_conversation ON messages (sender_id, recipient_id, id);"
  "CREATE INDEX messages_inbox ON messages (recipient_id, sender_id, id);"
  "CREATE INDEX messages_sent_at ON messages (sent_at);"
  "CREATE TABLE message_attachments ("
  "  message_id bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,"
  "  position integer NOT NULL,"
  "  resource_id text NOT NULL,"
  "  PRIMARY KEY (message_id, position)"
  ");"
  "CREATE INDEX message_attachments_resource ON message_attachments (resource_id);"
  "CREATE TABLE read_markers ("
  "  associate_id text NOT NULL,"
  "  peer_id text NOT NULL,"
  "  up_to bigint NOT NULL,"
  "  updated_at bigint NOT NULL,"
  "  PRIMARY KEY (associate_id, peer_id)"
  ");"
  "CREATE INDEX read_markers_updated ON read_markers (updated_at);"
  /* One counter per stream. A transaction that appends events takes the
   * next numbers with an UPDATE of its streams' rows, last, so the row
   * lock makes commits of one stream happen in seq order. */
  "CREATE TABLE streams ("
  "  associate_id text PRIMARY KEY,"
  "  last_seq bigint NOT NULL DEFAULT 0,"
  "  purged_seq bigint NOT NULL DEFAULT 0"
  ");"
  /* Message, member and preferences events point at the current row, so
   * sync and live delivery always render the present state. */
  "CREATE TABLE events ("
  "  associate_id text NOT NULL,"
  "  seq bigint NOT NULL,"
  "  type text NOT NULL CHECK (type IN ('message', 'read', 'member', 'preferences')),"
  "  message_id bigint,"
  "  by_id text,"
  "  peer_id text,"
  "  up_to bigint,"
  "  member_id text,"
  "  created_at bigint NOT NULL,"
  "  PRIMARY KEY (associate_id, seq)"
  ");"
  "CREATE INDEX events_created ON events (created_at);"
  "CREATE INDEX events_message ON events (message_id) WHERE message_id IS NOT NULL;"
  /* Offline delivery jobs: pending → sending (claimed by one process,
   * try counted) → sent | pending (retry) | failed | skipped. */
  "CREATE TABLE deliveries ("
  "  message_id bigint PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,"
  "  channel text NOT NULL CHECK (channel IN ('email', 'sms')),"
  "  state text NOT NULL DEFAULT 'pending'"
  "    CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'skipped')),"
  "  tries integer NOT NULL DEFAULT 0,"
  "  next_at bigint NOT NULL,"
  "  reply_token_id bigint,"
  "  last_error text,"
  "  claimed_by text,"
  "  created_at bigint NOT NULL,"
  "  updated_at bigint NOT NULL"
  ");"
  "CREATE INDEX deliveries_due ON deliveries (state, next_at);"
  "CREATE INDEX deliveries_sms ON deliveries (channel, state, updated_at);"
  "CREATE INDEX deliveries_created ON deliveries (created_at);"
  "CREATE TABLE reply_tokens ("
  "  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
  "  associate_id text NOT NULL,"
  "  peer_id text NOT NULL,"
  "  created_at bigint NOT NULL,"
  "  revoked_at bigint"
  ");"
  "CREATE INDEX reply_tokens_associate ON reply_tokens (associate_id);"
  "CREATE INDEX reply_tokens_created ON reply_tokens (created_at);"
  "CREATE TABLE secrets ("
  "  name text PRIMARY KEY,"
  "  value bytea NOT NULL"
  ");"
  /* The serving processes and their heartbeats (the database's clock). */
  "CREATE TABLE instances ("
  "  id text PRIMARY KEY,"
  "  host text NOT NULL,"
  "  pid integer NOT NULL,"
  "  started_at timestamptz NOT NULL DEFAULT now (),"
  "  heartbeat_at timestamptz NOT NULL DEFAULT now ()"
  ");"
  /* Who holds live connections where: online is "a row of a process whose
   * heartbeat is fresh". */
  "CREATE TABLE presence ("
  "  instance_id text NOT NULL,"
  "  associate_id text NOT NULL,"
  "  PRIMARY KEY (instance_id, associate_id)"
  ");"
  "CREATE INDEX presence_associate ON presence (associate_id);",
};

const char * const *
tc_pg_schema_steps (guint *n_steps)
{
  *n_steps = G_N_ELEMENTS (steps);
  return steps;
}
