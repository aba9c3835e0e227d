-- Bot state (botbuilder Storage): one row per key, the eTag changes on every write.
CREATE TABLE IF NOT EXISTS state_items (
  key        TEXT PRIMARY KEY,
  etag       TEXT NOT NULL,
  data       TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS state_items_updated_at ON state_items (updated_at);

-- Conversation index: what the staff console filters and sorts on.
CREATE TABLE IF NOT EXISTS conversations (
  channel_id      TEXT NOT NULL,
  conversation_id TEXT NOT NULL,
  first_at        TEXT NOT NULL,
  last_at         TEXT NOT NULL,
  turn_count      INTEGER NOT NULL DEFAULT 0,
  urgency_rank    INTEGER NOT NULL DEFAULT 0,
  intents         TEXT NOT NULL DEFAULT '[]',
  review_status   TEXT NOT NULL DEFAULT 'new' CHECK (review_status IN ('new', 'reviewed', 'follow_up')),
  tags            TEXT NOT NULL DEFAULT '[]',
  note            TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (channel_id, conversation_id)
);
CREATE INDEX IF NOT EXISTS conversations_last_at ON conversations (last_at DESC, channel_id DESC, conversation_id DESC);
CREATE INDEX IF NOT EXISTS conversations_first_at ON conversations (channel_id, first_at, conversation_id);

-- Transcript: every user and bot activity, redacted before it is written.
CREATE TABLE IF NOT EXISTS activities (
  seq             INTEGER PRIMARY KEY AUTOINCREMENT,
  channel_id      TEXT NOT NULL,
  conversation_id TEXT NOT NULL,
  activity_id     TEXT,
  reply_to_id     TEXT,
  ts              TEXT NOT NULL,
  role            TEXT NOT NULL,
  type            TEXT NOT NULL,
  text            TEXT,
  intent          TEXT,
  urgency         TEXT,
  json            TEXT NOT NULL,
  FOREIGN KEY (channel_id, conversation_id) REFERENCES conversations (channel_id, conversation_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS activities_conversation ON activities (channel_id, conversation_id, seq);
CREATE INDEX IF NOT EXISTS activities_ts ON activities (ts);
