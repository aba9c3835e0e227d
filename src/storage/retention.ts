/**
 * Transcript retention: delete conversations (and idle bot state) older than N days, hourly.
 * Every run that deletes something, and every failed run, is written to the staff audit
 * log (action `transcripts.purge` / `transcripts.purge_failed`, actor `retention`), next
 * to purges run with `npm run purge` and deletions from the console.
 */
import type { Logger } from '../logger';
import type { ConversationIndex, PurgeResult } from './types';

export interface RetentionJob {
  /** Runs one purge now (also what the timer does). */
  runNow(): Promise<PurgeResult | null>;
  stop(): void;
}

export interface RetentionOptions {
  /** Default: one hour. */
  intervalMs?: number;
  /** First run after start-up. Default: 30 seconds. */
  initialDelayMs?: number;
  /** Writes an audit entry (src/storage/index.ts passes the staff audit log). */
  audit?: (action: 'transcripts.purge' | 'transcripts.purge_failed', detail: Record<string, unknown>) => Promise<unknown>;
}

export function startRetentionJob(db: Pick<ConversationIndex, 'purgeOlderThan'>, days: number, logger: Logger, options: RetentionOptions = {}): RetentionJob {
  let running: Promise<PurgeResult | null> | null = null;
  const record = async (action: 'transcripts.purge' | 'transcripts.purge_failed', detail: Record<string, unknown>): Promise<void> => {
    try {
      await options.audit?.(action, detail);
    } catch (err) {
      logger.error({ err: err instanceof Error ? err.message : String(err), action }, 'retention: audit entry not written');
    }
  };
  const runNow = (): Promise<PurgeResult | null> => {
    if (running) return running;
    running = db
      .purgeOlderThan(days)
      .then(async (result) => {
        if (result.conversations || result.activities || result.stateItems) {
          logger.info({ retentionDays: days, ...result }, 'retention: purged old transcripts');
          await record('transcripts.purge', { days, ...result });
        } else logger.debug({ retentionDays: days }, 'retention: nothing to purge');
        return result;
      }, async (err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        logger.error({ err: message }, 'retention: purge failed');
        await record('transcripts.purge_failed', { days, error: err instanceof Error ? err.name : 'Error' });
        return null;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const first = setTimeout(() => void runNow(), options.initialDelayMs ?? 30_000);
  first.unref();
  const timer = setInterval(() => void runNow(), options.intervalMs ?? 3_600_000);
  timer.unref();
  return {
    runNow,
    stop() {
      clearTimeout(first);
      clearInterval(timer);
    },
  };
}
