/** Transcript retention: delete conversations (and idle bot state) older than N days, hourly. */
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
}

export function startRetentionJob(db: Pick<ConversationIndex, 'purgeOlderThan'>, days: number, logger: Logger, options: RetentionOptions = {}): RetentionJob {
  let running: Promise<PurgeResult | null> | null = null;
  const runNow = (): Promise<PurgeResult | null> => {
    if (running) return running;
    running = db
      .purgeOlderThan(days)
      .then((result) => {
        if (result.conversations || result.activities || result.stateItems) logger.info({ retentionDays: days, ...result }, 'retention: purged old transcripts');
        else logger.debug({ retentionDays: days }, 'retention: nothing to purge');
        return result;
      })
      .catch((err: unknown) => {
        logger.error({ err: err instanceof Error ? err.message : String(err) }, 'retention: purge failed');
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
