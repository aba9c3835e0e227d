/** In-process StaffStore (unit tests and tools); same behaviour as the SQL ones. */
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

interface AccountRow extends StaffAccount {
  tokenHash: string;
}

export class MemoryStaffStore implements StaffStore {
  private readonly accounts = new Map<string, AccountRow>();
  private readonly sessions = new Map<string, NewSession>();
  private readonly audit: AuditEntry[] = [];
  private nextAuditId = 1;

  async createAccount(account: NewAccount): Promise<StaffAccount> {
    for (const a of this.accounts.values()) {
      if (a.name === account.name && a.revokedAt === null) throw new DuplicateAccountError(account.name);
      if (a.tokenHash === account.tokenHash) throw new Error('token hash collision');
    }
    const row: AccountRow = { id: account.id, name: account.name, role: account.role, tokenHash: account.tokenHash, createdAt: account.createdAt, revokedAt: null, lastLoginAt: null };
    this.accounts.set(row.id, row);
    return publicAccount(row);
  }

  async findActiveAccountByTokenHash(tokenHash: string): Promise<StaffAccount | null> {
    for (const a of this.accounts.values()) if (a.tokenHash === tokenHash && a.revokedAt === null) return publicAccount(a);
    return null;
  }

  async listAccounts(): Promise<StaffAccount[]> {
    return [...this.accounts.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt)).map(publicAccount);
  }

  async revokeAccount(by: { id: string } | { name: string }, at: string): Promise<StaffAccount[]> {
    const revoked: StaffAccount[] = [];
    for (const a of this.accounts.values()) {
      const match = 'id' in by ? a.id === by.id : a.name === by.name;
      if (!match || a.revokedAt !== null) continue;
      a.revokedAt = at;
      for (const [key, s] of this.sessions) if (s.accountId === a.id) this.sessions.delete(key);
      revoked.push(publicAccount(a));
    }
    return revoked;
  }

  async touchLogin(accountId: string, at: string): Promise<void> {
    const a = this.accounts.get(accountId);
    if (a) a.lastLoginAt = at;
  }

  async createSession(session: NewSession): Promise<void> {
    this.sessions.set(session.idHash, { ...session });
  }

  async findSession(idHash: string, now: string): Promise<StaffSession | null> {
    const s = this.sessions.get(idHash);
    if (!s || Date.parse(s.expiresAt) <= Date.parse(now)) return null;
    const a = this.accounts.get(s.accountId);
    if (!a || a.revokedAt !== null) return null;
    return { idHash: s.idHash, expiresAt: s.expiresAt, account: publicAccount(a) };
  }

  async deleteSession(idHash: string): Promise<void> {
    this.sessions.delete(idHash);
  }

  async deleteExpiredSessions(now: string): Promise<number> {
    let n = 0;
    for (const [key, s] of this.sessions) {
      if (Date.parse(s.expiresAt) <= Date.parse(now)) {
        this.sessions.delete(key);
        n++;
      }
    }
    return n;
  }

  async appendAudit(entry: NewAuditEntry): Promise<AuditEntry> {
    const stored: AuditEntry = {
      id: this.nextAuditId++,
      at: entry.at,
      actor: entry.actor ? { ...entry.actor } : null,
      action: entry.action,
      target: entry.target ? { ...entry.target } : null,
      detail: entry.detail ? structuredClone(entry.detail) : null,
      ip: entry.ip ?? null,
    };
    this.audit.push(stored);
    return structuredClone(stored);
  }

  async listAudit(filter: AuditFilter, beforeId: number | null, limit: number): Promise<AuditPage> {
    const matching = this.audit
      .filter((e) => (beforeId === null || e.id < beforeId)
        && (!filter.action || e.action === filter.action)
        && (!filter.actorName || e.actor?.name === filter.actorName)
        && (!filter.target || (e.target?.channel === filter.target.channel && e.target.id === filter.target.id)))
      .sort((a, b) => b.id - a.id);
    const items = matching.slice(0, limit).map((e) => structuredClone(e));
    return { items, nextBeforeId: matching.length > limit ? items.at(-1)?.id ?? null : null };
  }
}

function publicAccount(a: AccountRow): StaffAccount {
  return { id: a.id, name: a.name, role: a.role, createdAt: a.createdAt, revokedAt: a.revokedAt, lastLoginAt: a.lastLoginAt };
}
