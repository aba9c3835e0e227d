/** The staff transcript review: accounts, sessions, audit, export, teaching. Its routes are in src/web/staff.ts. */
export { createStaffStore } from './store';
export type { StaffStore, StaffAccount, StaffRole, AuditEntry } from './store/types';
export { recordSystemAudit } from './audit';
