/**
 * Rate-limit counters shared by every instance through PostgreSQL, counted in batches:
 * every count asked for while the previous batch is on its way to the database goes in the
 * next one (the storage's GroupCommit queue), and a batch is ONE statement however many
 * keys and limiters it holds. (One
 * query per limiter per message, as a per-request shared limiter does, was two round trips
 * and two commits on every message.) Fixed windows, like rate-limiter-flexible's: a key's
 * count starts when the key is first seen and resets when its window has passed.
 *
 *   const counters = sharedCounters(raw);          // one per pool
 *   const { points, msBeforeNext } = await counters.count('conv:abc', 60);
 *
 * Rows whose window ended more than an hour ago are deleted now and then, after a batch.
 */
import { GroupCommit } from '../../storage/groupCommit';
import type { RawHandle } from '../../storage/types';

type PostgresRaw = Extract<RawHandle, { kind: 'postgres' }>;
type Pool = PostgresRaw['pool'];

export const RATE_LIMIT_TABLE = 'rate_limits';

export interface Count {
  /** The key's count in its window, this request included. */
  points: number;
  /** Milliseconds until the window ends. */
  msBeforeNext: number;
}

interface Waiting {
  key: string;
  durationMs: number;
  resolve(count: Count): void;
  reject(error: unknown): void;
}

const CLEAN_EVERY_MS = 5 * 60_000;
const KEEP_EXPIRED_MS = 60 * 60_000;

export function rateLimitTable(raw: PostgresRaw): string {
  return raw.schema ? `"${raw.schema.replace(/"/g, '""')}"."${RATE_LIMIT_TABLE}"` : `"${RATE_LIMIT_TABLE}"`;
}

export class SharedCounters {
  private readonly queue = new GroupCommit<Waiting>((batch) => this.send(batch));
  private lastCleaned = Date.now();
  /** Named: each connection has PostgreSQL parse and plan it once (see postgres.ts). */
  private readonly upsert: { name: string; text: string };

  constructor(
    private readonly pool: Pool,
    private readonly table: string,
  ) {
    // Keys in sorted order: two instances' batches lock their rows in the same order.
    this.upsert = { name: 'calfbot_rate_count', text: `INSERT INTO ${table} AS r (key, points, expire)
      SELECT k, n, $4::bigint + d FROM unnest($1::text[], $2::int[], $3::bigint[]) AS v(k, n, d) ORDER BY k
      ON CONFLICT (key) DO UPDATE SET
        points = CASE WHEN r.expire > $4 THEN r.points + EXCLUDED.points ELSE EXCLUDED.points END,
        expire = CASE WHEN r.expire > $4 THEN r.expire ELSE EXCLUDED.expire END
      RETURNING key, points, expire` };
  }

  count(key: string, durationSec: number): Promise<Count> {
    return new Promise((resolve, reject) => this.queue.submit({ key, durationMs: Math.round(durationSec * 1000), resolve, reject }));
  }

  /** Settles every count of the batch; a failed statement fails only this batch (counted in memory by the caller). */
  private async send(batch: Waiting[]): Promise<void> {
    const byKey = new Map<string, Waiting[]>();
    for (const w of batch) {
      const list = byKey.get(w.key);
      if (list) list.push(w);
      else byKey.set(w.key, [w]);
    }
    const keys = [...byKey.keys()].sort();
    const now = Date.now();
    try {
      const { rows } = await this.pool.query<{ key: string; points: number; expire: string }>({ ...this.upsert, values: [
        keys,
        keys.map((k) => byKey.get(k)?.length ?? 0),
        keys.map((k) => byKey.get(k)?.[0]?.durationMs ?? 0),
        now,
      ] });
      const stored = new Map(rows.map((r) => [r.key, r]));
      for (const [key, waiters] of byKey) {
        const row = stored.get(key);
        if (!row) {
          for (const w of waiters) w.reject(new Error(`rate limits: no count came back for a key`));
          continue;
        }
        // The batch's requests for one key are counted in the order they came in.
        const first = row.points - waiters.length;
        const msBeforeNext = Math.max(0, Number(row.expire) - now);
        waiters.forEach((w, i) => w.resolve({ points: first + i + 1, msBeforeNext }));
      }
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }
    if (now - this.lastCleaned > CLEAN_EVERY_MS) {
      this.lastCleaned = now;
      await this.pool.query(`DELETE FROM ${this.table} WHERE expire < $1`, [now - KEEP_EXPIRED_MS]).catch(() => undefined);
    }
  }
}

const perPool = new WeakMap<Pool, Promise<SharedCounters>>();

/** The pool's counters; the table is created once per pool (several limiters creating it at once would race). */
export function sharedCounters(raw: PostgresRaw): Promise<SharedCounters> {
  let counters = perPool.get(raw.pool);
  if (!counters) {
    const table = rateLimitTable(raw);
    counters = raw.pool
      .query(`CREATE TABLE IF NOT EXISTS ${table} (key varchar(255) PRIMARY KEY, points integer NOT NULL DEFAULT 0, expire bigint)`)
      .then(() => new SharedCounters(raw.pool, table));
    perPool.set(raw.pool, counters);
    counters.catch(() => perPool.delete(raw.pool));
  }
  return counters;
}
