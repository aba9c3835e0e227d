/**
 * Data access for the staff console's own tables: accounts, sessions and the audit log.
 * Three implementations behind one interface: in-process memory (unit tests), SQLite
 * (also what `memory:` databases use) and PostgreSQL. Tables come from migration 100.
 *
 * Secrets never reach this layer in clear: accounts carry a hash of their token,
 * sessions a hash of their id.
 */

export type StaffRole = 'reviewer' | 'admin';
export const STAFF_ROLES: readonly StaffRole[] = ['reviewer', 'admin'];

export interface StaffAccount {
  id: string;
  name: string;
  role: StaffRole;
  /** ISO 8601 (UTC). */
  createdAt: string;
  revokedAt: string | null;
  lastLoginAt: string | null;
}

export interface NewAccount {
  id: string;
  name: string;
  role: StaffRole;
  tokenHash: string;
  createdAt: string;
}

export interface NewSession {
  idHash: string;
  accountId: string;
  createdAt: string;
  expiresAt: string;
}

export interface StaffSession {
  idHash: string;
  expiresAt: string;
  account: StaffAccount;
}

/** Who did something: a staff account, or `null` for the command line / system. */
export interface AuditActor {
  id: string;
  name: string;
  role: StaffRole | 'system';
}

export interface NewAuditEntry {
  at: string;
  actor: AuditActor | null;
  /** e.g. `conversation.view`, `conversation.export`, `conversation.review`, `conversation.delete`. */
  action: string;
  /** The conversation concerned, if any. */
  target?: { channel: string; id: string } | null;
  /** Small, non-clinical details (format, new status, filters…). Never message text. */
  detail?: Record<string, unknown> | null;
  ip?: string | null;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: AuditActor | null;
  action: string;
  target: { channel: string; id: string } | null;
  detail: Record<string, unknown> | null;
  ip: string | null;
}

export interface AuditFilter {
  action?: string;
  actorName?: string;
  target?: { channel: string; id: string };
}

export interface AuditPage {
  /** Newest first. */
  items: AuditEntry[];
  /** Pass back as `beforeId` for the next page; null on the last page. */
  nextBeforeId: number | null;
}

export class DuplicateAccountError extends Error {
  constructor(name: string) {
    super(`an active staff account named "${name}" already exists (revoke it first, or pick another name)`);
    this.name = 'DuplicateAccountError';
  }
}

export interface StaffStore {
  /** Throws DuplicateAccountError if an active account has that name. */
  createAccount(account: NewAccount): Promise<StaffAccount>;
  /** The active (not revoked) account holding this token hash. */
  findActiveAccountByTokenHash(tokenHash: string): Promise<StaffAccount | null>;
  listAccounts(): Promise<StaffAccount[]>;
  /** Revokes the active account(s) matching id or name, and ends their sessions. Returns those revoked. */
  revokeAccount(by: { id: string } | { name: string }, at: string): Promise<StaffAccount[]>;
  touchLogin(accountId: string, at: string): Promise<void>;

  createSession(session: NewSession): Promise<void>;
  /** The session if it exists, has not expired at `now` and its account is not revoked. */
  findSession(idHash: string, now: string): Promise<StaffSession | null>;
  deleteSession(idHash: string): Promise<void>;
  /** Removes sessions expired at `now`; returns how many. */
  deleteExpiredSessions(now: string): Promise<number>;

  appendAudit(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Newest first, `limit` entries with id < beforeId (all when beforeId is null). */
  listAudit(filter: AuditFilter, beforeId: number | null, limit: number): Promise<AuditPage>;
}
