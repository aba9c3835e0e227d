/** StaffStore on PostgreSQL (pg Pool). Tables: migration 100, in the database's schema if it has one. */
import type { Pool } from 'pg';
import {
  ACCOUNT_COLUMNS,
  AUDIT_INSERT_COLUMNS,
  accountFromRow,
  auditEntryFromRow,
  auditListQuery,
  auditPage,
  auditValues,
  firstRow,
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

type AccountRow = StaffAccountRow<Date>;

interface AuditRow extends AuditRowCommon {
  id: string;
  at: Date;
  detail: Record<string, unknown> | null;
}

export class PostgresStaffStore implements StaffStore {
  private readonly t: { accounts: string; sessions: string; audit: string };

  constructor(private readonly pool: Pool, schema: string | null = null) {
    const q = (name: string) => (schema ? `${quoteIdent(schema)}.${name}` : name);
    this.t = { accounts: q('staff_accounts'), sessions: q('staff_sessions'), audit: q('staff_audit') };
  }

  async createAccount(account: NewAccount): Promise<StaffAccount> {
    try {
      const { rows } = await this.pool.query<AccountRow>(
        `INSERT INTO ${this.t.accounts} (id, name, role, token_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING ${ACCOUNT_COLUMNS}`,
        [account.id, account.name, account.role, account.tokenHash, account.createdAt],
      );
      return toAccount(firstRow(rows, 'the new staff account'));
    } catch (err) {
      if (isUniqueViolation(err, 'staff_accounts_active_name')) throw new DuplicateAccountError(account.name);
      throw err;
    }
  }

  async findActiveAccountByTokenHash(tokenHash: string): Promise<StaffAccount | null> {
    const { rows } = await this.pool.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM ${this.t.accounts} WHERE token_hash = $1 AND revoked_at IS NULL`, [tokenHash]);
    return rows[0] ? toAccount(rows[0]) : null;
  }

  async listAccounts(): Promise<StaffAccount[]> {
    const { rows } = await this.pool.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM ${this.t.accounts} ORDER BY created_at, id`);
    return rows.map(toAccount);
  }

  async revokeAccount(by: { id: string } | { name: string }, at: string): Promise<StaffAccount[]> {
    const column = 'id' in by ? 'id' : 'name';
    const value = 'id' in by ? by.id : by.name;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<AccountRow>(
        `UPDATE ${this.t.accounts} SET revoked_at = $2 WHERE ${column} = $1 AND revoked_at IS NULL RETURNING ${ACCOUNT_COLUMNS}`,
        [value, at],
      );
      if (rows.length > 0) await client.query(`DELETE FROM ${this.t.sessions} WHERE account_id = ANY($1::text[])`, [rows.map((r) => r.id)]);
      await client.query('COMMIT');
      return rows.map(toAccount);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async touchLogin(accountId: string, at: string): Promise<void> {
    await this.pool.query(`UPDATE ${this.t.accounts} SET last_login_at = $2 WHERE id = $1`, [accountId, at]);
  }

  async createSession(session: NewSession): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.t.sessions} (id_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
      [session.idHash, session.accountId, session.createdAt, session.expiresAt],
    );
  }

  async findSession(idHash: string, now: string): Promise<StaffSession | null> {
    const { rows } = await this.pool.query<AccountRow & { id_hash: string; expires_at: Date }>(
      `SELECT s.id_hash, s.expires_at, a.id, a.name, a.role, a.created_at, a.revoked_at, a.last_login_at
         FROM ${this.t.sessions} s JOIN ${this.t.accounts} a ON a.id = s.account_id
        WHERE s.id_hash = $1 AND s.expires_at > $2 AND a.revoked_at IS NULL`,
      [idHash, now],
    );
    const row = rows[0];
    return row ? { idHash: row.id_hash, expiresAt: row.expires_at.toISOString(), account: toAccount(row) } : null;
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.t.sessions} WHERE id_hash = $1`, [idHash]);
  }

  async deleteExpiredSessions(now: string): Promise<number> {
    const result = await this.pool.query(`DELETE FROM ${this.t.sessions} WHERE expires_at <= $1`, [now]);
    return result.rowCount ?? 0;
  }

  async appendAudit(entry: NewAuditEntry): Promise<AuditEntry> {
    const { rows } = await this.pool.query<AuditRow>(
      `INSERT INTO ${this.t.audit} (${AUDIT_INSERT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
      auditValues(entry),
    );
    return toAudit(firstRow(rows, 'the new audit entry'));
  }

  async listAudit(filter: AuditFilter, beforeId: number | null, limit: number): Promise<AuditPage> {
    const { sql, params } = auditListQuery(this.t.audit, filter, beforeId, limit, (n) => `$${n}`);
    const { rows } = await this.pool.query<AuditRow>(sql, params);
    return auditPage(rows, limit, toAudit);
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function isUniqueViolation(err: unknown, constraint: string): boolean {
  const e = err as { code?: string; constraint?: string } | null;
  return !!e && e.code === '23505' && e.constraint === constraint;
}

function toAccount(row: AccountRow): StaffAccount {
  return accountFromRow(row, (d) => d.toISOString());
}

function toAudit(row: AuditRow): AuditEntry {
  return auditEntryFromRow(row, { id: Number(row.id), at: row.at.toISOString(), detail: row.detail });
}
