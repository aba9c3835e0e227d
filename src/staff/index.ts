/** The staff transcript review (API + console). Wired into the server in src/service.ts. */
export { staffRoutes, installStaffRoutes, type StaffRouteDeps } from './routes';
export { createStaffStore } from './store';
export type { StaffStore, StaffAccount, StaffRole, AuditEntry } from './store/types';
export { recordSystemAudit } from './audit';
