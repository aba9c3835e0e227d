-- Outbox batches already stored: a batch replayed twice (crash between the write and the
-- outbox's "done" mark) is skipped the second time. Holds ids and times only; purged with
-- the transcripts (TRANSCRIPT_RETENTION_DAYS).
CREATE TABLE IF NOT EXISTS replayed_batches (
  batch_id   TEXT PRIMARY KEY,
  applied_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS replayed_batches_applied_at ON replayed_batches (applied_at);
