/**
 * `npm run purge [-- --days N]`: deletes transcripts (with their conversations' bot state, and idle bot state) older than
 * TRANSCRIPT_RETENTION_DAYS (or --days) from the database DATABASE_URL names, and
 * prints how many were removed. The server also does this hourly.
 */
import dotenv from 'dotenv';
import { ConfigError, parseConfig } from '../config';
import { describeDatabaseUrl, openDatabase, StorageStartupError } from '../storage';
import { recordSystemAudit } from '../staff/audit';

function parseDays(argv: string[], fallback: number): number {
  const i = argv.findIndex((a) => a === '--days' || a.startsWith('--days='));
  if (i < 0) return fallback;
  const raw = argv[i]!.includes('=') ? argv[i]!.split('=')[1] : argv[i + 1];
  const days = Number(raw);
  if (!raw || !Number.isInteger(days) || days < 1) throw new ConfigError(`--days must be a whole number of at least 1, got ${JSON.stringify(raw ?? '')}`);
  return days;
}

export async function main(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  try {
    const config = parseConfig(env);
    const days = parseDays(argv, config.TRANSCRIPT_RETENTION_DAYS);
    const db = await openDatabase(config.DATABASE_URL);
    try {
      const r = await db.purgeOlderThan(days);
      await recordSystemAudit(db, 'transcripts.purge', { days, ...r });
      console.log(
        `Purged ${r.conversations} conversation(s), ${r.activities} activit${r.activities === 1 ? 'y' : 'ies'} and ${r.stateItems} bot state item(s) older than ${days} day(s) from ${describeDatabaseUrl(config.DATABASE_URL)}.`,
      );
    } finally {
      await db.close();
    }
    return 0;
  } catch (err) {
    if (err instanceof ConfigError || err instanceof StorageStartupError) {
      console.error(err.message);
      return 1;
    }
    console.error(`purge failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

if (require.main === module) {
  dotenv.config({ quiet: true });
  void main(process.argv.slice(2), process.env).then((code) => {
    process.exitCode = code;
  });
}
