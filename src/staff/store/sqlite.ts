/** StaffStore on SQLite (better-sqlite3), for `sqlite:` and `memory:` databases. Tables: migration 100. */
import type BetterSqlite3 from 'better-sqlite3';
import {
  DuplicateAccountError,
  type AuditActor,
  type AuditEntry,
  type AuditFilter,
  type AuditPage,
  type NewAccount,
  type NewAuditEntry,
  type NewSession,
  type StaffAccount,
  type StaffRole,
  type StaffSession,
  type StaffStore,
} from './types';

interface AccountRow {
  id: string;
  name: string;
  role: StaffRole;
  created_at: string;
  revoked_at: string | null;
  last_login_at: string | null;
}

interface AuditRow {
  id: number;
  at: string;
  actor_id: string | null;
  actor_name: string | null;
  actor_role: string | null;
  action: string;
  channel: string | null;
  conversation_id: string | null;
  detail: string | null;
  ip: string | null;
}

const ACCOUNT_COLUMNS = 'id, name, role, created_at, revoked_at, last_login_at';

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
    const info = this.db.prepare(
      `INSERT INTO staff_audit (at, actor_id, actor_name, actor_role, action, channel, conversation_id, detail, ip)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      entry.at,
      entry.actor?.id ?? null,
      entry.actor?.name ?? null,
      entry.actor?.role ?? null,
      entry.action,
      entry.target?.channel ?? null,
      entry.target?.id ?? null,
      entry.detail ? JSON.stringify(entry.detail) : null,
      entry.ip ?? null,
    );
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
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (beforeId !== null) { where.push('id < ?'); params.push(beforeId); }
    if (filter.action) { where.push('action = ?'); params.push(filter.action); }
    if (filter.actorName) { where.push('actor_name = ?'); params.push(filter.actorName); }
    if (filter.target) { where.push('channel = ? AND conversation_id = ?'); params.push(filter.target.channel, filter.target.id); }
    const sql = `SELECT * FROM staff_audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, limit + 1) as AuditRow[];
    const items = rows.slice(0, limit).map(toAudit);
    return { items, nextBeforeId: rows.length > limit ? items[items.length - 1].id : null };
  }
}

function toAccount(row: AccountRow): StaffAccount {
  return { id: row.id, name: row.name, role: row.role, createdAt: row.created_at, revokedAt: row.revoked_at, lastLoginAt: row.last_login_at };
}

function toAudit(row: AuditRow): AuditEntry {
  const actor: AuditActor | null = row.actor_name !== null
    ? { id: row.actor_id ?? '', name: row.actor_name, role: (row.actor_role ?? 'system') as AuditActor['role'] }
    : null;
  return {
    id: row.id,
    at: row.at,
    actor,
    action: row.action,
    target: row.channel !== null && row.conversation_id !== null ? { channel: row.channel, id: row.conversation_id } : null,
    detail: row.detail ? (JSON.parse(row.detail) as Record<string, unknown>) : null,
    ip: row.ip,
  };
}
