/** Picks the StaffStore for a Database backend, through its raw SQL handle (`memory:` is SQLite in memory). */
import type { Database } from '../../storage/types';
import { PostgresStaffStore } from './postgres';
import { SqliteStaffStore } from './sqlite';
import type { StaffStore } from './types';
import { PostgresTeachingStore } from './teachingPostgres';
import { SqliteTeachingStore } from './teachingSqlite';
import type { TeachingStore } from './teachingTypes';

export * from './types';
export { MemoryStaffStore } from './memory';
export { SqliteStaffStore } from './sqlite';
export { PostgresStaffStore } from './postgres';

export function createStaffStore(db: Pick<Database, 'raw'>): StaffStore {
  const raw = db.raw;
  switch (raw.kind) {
    case 'sqlite':
      return new SqliteStaffStore(raw.db);
    case 'postgres':
      return new PostgresStaffStore(raw.pool, raw.schema);
  }
}

export * from './teachingTypes';

export function createTeachingStore(db: Pick<Database, 'raw'>): TeachingStore {
  const raw = db.raw;
  switch (raw.kind) {
    case 'sqlite':
      return new SqliteTeachingStore(raw.db);
    case 'postgres':
      return new PostgresTeachingStore(raw.pool, raw.schema);
  }
}
