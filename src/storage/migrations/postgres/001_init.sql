-- Bot state (botbuilder Storage): one row per key, the eTag changes on every write.
CREATE TABLE IF NOT EXISTS state_items (
  key        text PRIMARY KEY,
  etag       text NOT NULL,
  data       text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS state_items_updated_at ON state_items (updated_at);

-- Conversation index: what the staff console filters and sorts on.
CREATE TABLE IF NOT EXISTS conversations (
  channel_id      text NOT NULL,
  conversation_id text NOT NULL,
  first_at        timestamptz NOT NULL,
  last_at         timestamptz NOT NULL,
  turn_count      integer NOT NULL DEFAULT 0,
  urgency_rank    smallint NOT NULL DEFAULT 0,
  intents         text[] NOT NULL DEFAULT '{}',
  review_status   text NOT NULL DEFAULT 'new' CHECK (review_status IN ('new', 'reviewed', 'follow_up')),
  tags            text[] NOT NULL DEFAULT '{}',
  note            text NOT NULL DEFAULT '',
  PRIMARY KEY (channel_id, conversation_id)
);
CREATE INDEX IF NOT EXISTS conversations_last_at ON conversations (last_at DESC, channel_id DESC, conversation_id DESC);
CREATE INDEX IF NOT EXISTS conversations_first_at ON conversations (channel_id, first_at, conversation_id);
CREATE INDEX IF NOT EXISTS conversations_intents ON conversations USING gin (intents);

-- Transcript: every user and bot activity, redacted before it is written.
CREATE TABLE IF NOT EXISTS activities (
  seq             bigserial PRIMARY KEY,
  channel_id      text NOT NULL,
  conversation_id text NOT NULL,
  activity_id     text,
  reply_to_id     text,
  ts              timestamptz NOT NULL,
  role            text NOT NULL,
  type            text NOT NULL,
  text            text,
  intent          text,
  urgency         text,
  json            text NOT NULL,
  FOREIGN KEY (channel_id, conversation_id) REFERENCES conversations (channel_id, conversation_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS activities_conversation ON activities (channel_id, conversation_id, seq);
CREATE INDEX IF NOT EXISTS activities_ts ON activities (ts);
