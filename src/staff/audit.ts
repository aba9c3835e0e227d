/**
 * Audit entries written outside the HTTP API: the staff CLI (accounts) and maintenance
 * jobs such as the retention purge (`npm run purge` can call this so admins see purges
 * in the same log as deletions from the console).
 */
import type { Database } from '../storage/types';
import { createStaffStore } from './store';
import type { AuditEntry } from './store/types';

export async function recordSystemAudit(
  db: Pick<Database, 'raw'>,
  action: string,
  detail: Record<string, unknown> | null = null,
  target: { channel: string; id: string } | null = null,
  who = 'cli',
): Promise<AuditEntry> {
  return createStaffStore(db).appendAudit({
    at: new Date().toISOString(),
    actor: { id: who, name: who, role: 'system' },
    action,
    target,
    detail,
  });
}
