-- Staff console, teaching the bot: a reviewer's label on one patient message (the
-- intent it should have had, "out of scope", or a red flag triage missed). The
-- (already redacted) text is copied so a label outlives the transcript's retention.
-- Rows are never updated: the newest label of a message is the one that counts.

CREATE TABLE IF NOT EXISTS staff_labels (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  channel         TEXT NOT NULL,
  conversation_id TEXT NOT NULL,
  activity_seq    INTEGER NOT NULL,
  text            TEXT NOT NULL,
  kind            TEXT NOT NULL CHECK (kind IN ('intent', 'out_of_scope', 'missed_red_flag')),
  intent          TEXT,
  condition       TEXT,
  level           TEXT CHECK (level IS NULL OR level IN ('urgent', 'emergency')),
  actor_id        TEXT NOT NULL,
  actor_name      TEXT NOT NULL,
  created_at      TEXT NOT NULL
);

CREATE INDEX IF NOT EXISTS staff_labels_conversation ON staff_labels (channel, conversation_id, activity_seq);
