-- Staff console: accounts (only token hashes are stored), server-side sessions
-- (only session-id hashes are stored) and the audit log of everything staff see or change.

CREATE TABLE IF NOT EXISTS staff_accounts (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('reviewer', 'admin')),
  token_hash    TEXT NOT NULL UNIQUE,
  created_at    TIMESTAMPTZ NOT NULL,
  revoked_at    TIMESTAMPTZ,
  last_login_at TIMESTAMPTZ
);

-- One active account per name (a revoked name can be reused).
CREATE UNIQUE INDEX IF NOT EXISTS staff_accounts_active_name ON staff_accounts (name) WHERE revoked_at IS NULL;

CREATE TABLE IF NOT EXISTS staff_sessions (
  id_hash    TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES staff_accounts (id) ON DELETE CASCADE,
  created_at TIMESTAMPTZ NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX IF NOT EXISTS staff_sessions_account ON staff_sessions (account_id);
CREATE INDEX IF NOT EXISTS staff_sessions_expires ON staff_sessions (expires_at);

CREATE TABLE IF NOT EXISTS staff_audit (
  id              BIGSERIAL PRIMARY KEY,
  at              TIMESTAMPTZ NOT NULL,
  actor_id        TEXT,
  actor_name      TEXT,
  actor_role      TEXT,
  action          TEXT NOT NULL,
  channel         TEXT,
  conversation_id TEXT,
  detail          JSONB,
  ip              TEXT
);

CREATE INDEX IF NOT EXISTS staff_audit_conversation ON staff_audit (channel, conversation_id);
CREATE INDEX IF NOT EXISTS staff_audit_actor ON staff_audit (actor_id);
