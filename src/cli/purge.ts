/**
 * `npm run purge [-- --days N]`: deletes transcripts (with their conversations' bot state, and idle bot state) older than
 * TRANSCRIPT_RETENTION_DAYS (or --days) from the database DATABASE_URL names, and
 * prints how many were removed. The server also does this hourly.
 */
import { ConfigError } from '../config';
import { describeDatabaseUrl } from '../storage';
import { recordSystemAudit } from '../staff/audit';
import { flagValue, runMain, runWithDatabase } from './databaseCommand';

function parseDays(argv: string[], fallback: number): number {
  const raw = flagValue(argv, '--days');
  if (raw === undefined) return fallback;
  const days = Number(raw);
  if (!raw || !Number.isInteger(days) || days < 1) throw new ConfigError(`--days must be a whole number of at least 1, got ${JSON.stringify(raw)}`);
  return days;
}

export async function main(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  let days = 0;
  return runWithDatabase('purge', env, (config) => {
    days = parseDays(argv, config.TRANSCRIPT_RETENTION_DAYS);
  }, async (db, config) => {
    const r = await db.purgeOlderThan(days);
    await recordSystemAudit(db, 'transcripts.purge', { days, ...r });
    console.log(
      `Purged ${r.conversations} conversation(s), ${r.activities} activit${r.activities === 1 ? 'y' : 'ies'} and ${r.stateItems} bot state item(s) older than ${days} day(s) from ${describeDatabaseUrl(config.DATABASE_URL)}.`,
    );
  });
}

runMain(module, main);
