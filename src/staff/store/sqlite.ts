/** StaffStore on SQLite (better-sqlite3), for `sqlite:` and `memory:` databases. Tables: migration 100. */
import type BetterSqlite3 from 'better-sqlite3';
import {
  ACCOUNT_COLUMNS,
  AUDIT_INSERT_COLUMNS,
  accountFromRow,
  auditEntryFromRow,
  auditListQuery,
  auditPage,
  auditValues,
  type AuditRowCommon,
  type StaffAccountRow,
} from './sqlRows';
import {
  DuplicateAccountError,
  type AuditEntry,
  type AuditFilter,
  type AuditPage,
  type NewAccount,
  type NewAuditEntry,
  type NewSession,
  type StaffAccount,
  type StaffSession,
  type StaffStore,
} from './types';

/** Timestamps are stored as ISO 8601 UTC text. */
type AccountRow = StaffAccountRow<string>;

interface AuditRow extends AuditRowCommon {
  id: number;
  at: string;
  detail: string | null;
}

export class SqliteStaffStore implements StaffStore {
  constructor(private readonly db: BetterSqlite3.Database) {}

  async createAccount(account: NewAccount): Promise<StaffAccount> {
    try {
      this.db.prepare('INSERT INTO staff_accounts (id, name, role, token_hash, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(account.id, account.name, account.role, account.tokenHash, account.createdAt);
    } catch (err) {
      if (err instanceof Error && /UNIQUE constraint failed: staff_accounts\.name/.test(err.message)) throw new DuplicateAccountError(account.name);
      throw err;
    }
    return { id: account.id, name: account.name, role: account.role, createdAt: account.createdAt, revokedAt: null, lastLoginAt: null };
  }

  async findActiveAccountByTokenHash(tokenHash: string): Promise<StaffAccount | null> {
    const row = this.db.prepare(`SELECT ${ACCOUNT_COLUMNS} FROM staff_accounts WHERE token_hash = ? AND revoked_at IS NULL`).get(tokenHash) as AccountRow | undefined;
    return row ? toAccount(row) : null;
  }

  async listAccounts(): Promise<StaffAccount[]> {
    const rows = this.db.prepare(`SELECT ${ACCOUNT_COLUMNS} FROM staff_accounts ORDER BY created_at, id`).all() as AccountRow[];
    return rows.map(toAccount);
  }

  async revokeAccount(by: { id: string } | { name: string }, at: string): Promise<StaffAccount[]> {
    const column = 'id' in by ? 'id' : 'name';
    const value = 'id' in by ? by.id : by.name;
    const tx = this.db.transaction((): StaffAccount[] => {
      const rows = this.db.prepare(`SELECT ${ACCOUNT_COLUMNS} FROM staff_accounts WHERE ${column} = ? AND revoked_at IS NULL`).all(value) as AccountRow[];
      for (const row of rows) {
        this.db.prepare('UPDATE staff_accounts SET revoked_at = ? WHERE id = ?').run(at, row.id);
        this.db.prepare('DELETE FROM staff_sessions WHERE account_id = ?').run(row.id);
      }
      return rows.map((r) => toAccount({ ...r, revoked_at: at }));
    });
    return tx();
  }

  async touchLogin(accountId: string, at: string): Promise<void> {
    this.db.prepare('UPDATE staff_accounts SET last_login_at = ? WHERE id = ?').run(at, accountId);
  }

  async createSession(session: NewSession): Promise<void> {
    this.db.prepare('INSERT INTO staff_sessions (id_hash, account_id, created_at, expires_at) VALUES (?, ?, ?, ?)')
      .run(session.idHash, session.accountId, session.createdAt, session.expiresAt);
  }

  async findSession(idHash: string, now: string): Promise<StaffSession | null> {
    // ISO 8601 UTC strings of one format compare correctly as text.
    const row = this.db.prepare(
      `SELECT s.id_hash, s.expires_at, a.id, a.name, a.role, a.created_at, a.revoked_at, a.last_login_at
         FROM staff_sessions s JOIN staff_accounts a ON a.id = s.account_id
        WHERE s.id_hash = ? AND s.expires_at > ? AND a.revoked_at IS NULL`,
    ).get(idHash, now) as (AccountRow & { id_hash: string; expires_at: string }) | undefined;
    return row ? { idHash: row.id_hash, expiresAt: row.expires_at, account: toAccount(row) } : null;
  }

  async deleteSession(idHash: string): Promise<void> {
    this.db.prepare('DELETE FROM staff_sessions WHERE id_hash = ?').run(idHash);
  }

  async deleteExpiredSessions(now: string): Promise<number> {
    return this.db.prepare('DELETE FROM staff_sessions WHERE expires_at <= ?').run(now).changes;
  }

  async appendAudit(entry: NewAuditEntry): Promise<AuditEntry> {
    const info = this.db.prepare(`INSERT INTO staff_audit (${AUDIT_INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(...auditValues(entry));
    return {
      id: Number(info.lastInsertRowid),
      at: entry.at,
      actor: entry.actor ?? null,
      action: entry.action,
      target: entry.target ?? null,
      detail: entry.detail ?? null,
      ip: entry.ip ?? null,
    };
  }

  async listAudit(filter: AuditFilter, beforeId: number | null, limit: number): Promise<AuditPage> {
    const { sql, params } = auditListQuery('staff_audit', filter, beforeId, limit, () => '?');
    const rows = this.db.prepare(sql).all(...params) as AuditRow[];
    return auditPage(rows, limit, toAudit);
  }
}

function toAccount(row: AccountRow): StaffAccount {
  return accountFromRow(row, (t) => t);
}

function toAudit(row: AuditRow): AuditEntry {
  return auditEntryFromRow(row, { id: row.id, at: row.at, detail: row.detail ? (JSON.parse(row.detail) as Record<string, unknown>) : null });
}
