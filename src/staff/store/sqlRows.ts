/**
 * What the SQLite and PostgreSQL staff stores share: the row shapes of migration 100's
 * tables, their mapping to the StaffStore types, and the audit insert and listing query.
 * The drivers differ only in how a timestamp arrives (ISO text / Date), how the audit
 * id and detail arrive, and in the SQL placeholder style.
 */
import type { AuditActor, AuditEntry, AuditFilter, AuditPage, NewAuditEntry, StaffAccount, StaffRole } from './types';

export const ACCOUNT_COLUMNS = 'id, name, role, created_at, revoked_at, last_login_at';

/** A staff_accounts row; `Time` is how the driver returns a timestamp. */
export interface StaffAccountRow<Time> {
  id: string;
  name: string;
  role: StaffRole;
  created_at: Time;
  revoked_at: Time | null;
  last_login_at: Time | null;
}

export function accountFromRow<Time>(row: StaffAccountRow<Time>, iso: (t: Time) => string): StaffAccount {
  const isoOrNull = (t: Time | null): string | null => (t === null ? null : iso(t));
  return { id: row.id, name: row.name, role: row.role, createdAt: iso(row.created_at), revokedAt: isoOrNull(row.revoked_at), lastLoginAt: isoOrNull(row.last_login_at) };
}

/** The staff_audit columns both drivers return alike (id, at and detail differ). */
export interface AuditRowCommon {
  actor_id: string | null;
  actor_name: string | null;
  actor_role: string | null;
  action: string;
  channel: string | null;
  conversation_id: string | null;
  ip: string | null;
}

export function auditEntryFromRow(row: AuditRowCommon, own: Pick<AuditEntry, 'id' | 'at' | 'detail'>): AuditEntry {
  const actor: AuditActor | null = row.actor_name !== null
    ? { id: row.actor_id ?? '', name: row.actor_name, role: (row.actor_role ?? 'system') as AuditActor['role'] }
    : null;
  return {
    id: own.id,
    at: own.at,
    actor,
    action: row.action,
    target: row.channel !== null && row.conversation_id !== null ? { channel: row.channel, id: row.conversation_id } : null,
    detail: own.detail,
    ip: row.ip,
  };
}

/** Column list of an audit insert, in the order of `auditValues`. */
export const AUDIT_INSERT_COLUMNS = 'at, actor_id, actor_name, actor_role, action, channel, conversation_id, detail, ip';

export function auditValues(entry: NewAuditEntry): (string | null)[] {
  return [
    entry.at,
    entry.actor?.id ?? null,
    entry.actor?.name ?? null,
    entry.actor?.role ?? null,
    entry.action,
    entry.target?.channel ?? null,
    entry.target?.id ?? null,
    entry.detail ? JSON.stringify(entry.detail) : null,
    entry.ip ?? null,
  ];
}

/**
 * listAudit's query: newest first, one row more than `limit` (to know whether a next
 * page exists). `placeholder(n)` writes the n-th (1-based) parameter: `?` or `$n`.
 */
export function auditListQuery(table: string, filter: AuditFilter, beforeId: number | null, limit: number, placeholder: (n: number) => string): { sql: string; params: (string | number)[] } {
  const where: string[] = [];
  const params: (string | number)[] = [];
  const p = (v: string | number) => { params.push(v); return placeholder(params.length); };
  if (beforeId !== null) where.push(`id < ${p(beforeId)}`);
  if (filter.action) where.push(`action = ${p(filter.action)}`);
  if (filter.actorName) where.push(`actor_name = ${p(filter.actorName)}`);
  if (filter.target) where.push(`channel = ${p(filter.target.channel)} AND conversation_id = ${p(filter.target.id)}`);
  const sql = `SELECT * FROM ${table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${p(limit + 1)}`;
  return { sql, params };
}

/** The page from `auditListQuery`'s rows (up to limit + 1, newest first). */
export function auditPage<Row>(rows: Row[], limit: number, toEntry: (row: Row) => AuditEntry): AuditPage {
  const items = rows.slice(0, limit).map(toEntry);
  return { items, nextBeforeId: rows.length > limit ? items.at(-1)?.id ?? null : null };
}

/** The row an INSERT … RETURNING gave back; a missing one is a database error, not a silent undefined. */
export function firstRow<Row>(rows: Row[], what: string): Row {
  const [row] = rows;
  if (row === undefined) throw new Error(`PostgreSQL returned no row for ${what}`);
  return row;
}
