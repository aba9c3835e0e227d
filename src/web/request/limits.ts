/**
 * Request limits shared by every instance of the service.
 *
 *   const limiter = createRateLimiter({ name: 'dl-post-addr', points: 120, durationSec: 60, raw: db.raw });
 *   const { allowed, retryAfterSec } = await limiter.consume(key);
 *
 * With a PostgreSQL database (DATABASE_URL=postgres://…) the counters live in the table
 * `rate_limits`, counted in batches on the service's own pool (./sharedCounters.ts: one
 * statement for all the counts asked for at the same moment), so a client that is spread
 * over several instances by the load balancer still meets one limit. Otherwise (SQLite,
 * memory: — one process anyway) they are kept in memory by rate-limiter-flexible.
 *
 * A database that does not answer never blocks a patient: a shared count that fails or
 * is late falls back to the in-memory limiter, and the error is logged.
 */
import { createHash } from 'node:crypto';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Request, RequestHandler, Response } from 'restify';
import { retryAfterSeconds } from '../../domain/retryAfter';
import { silentLogger, type Logger } from '../../logger';
import type { RawHandle } from '../../storage/types';
import { addressKey, clientAddress } from './clientAddress';
import { sharedCounters, type SharedCounters } from './sharedCounters';
import { sendError } from './respond';

export interface LimitDecision {
  allowed: boolean;
  /** Seconds until the key may be used again (0 when allowed). */
  retryAfterSec: number;
}

export interface RateLimiter {
  readonly name: string;
  readonly points: number;
  readonly durationSec: number;
  /** Count one request for `key`. Never rejects. */
  consume(key: string): Promise<LimitDecision>;
}

export interface RateLimiterOptions {
  /** Distinguishes limiters sharing one table (also the key prefix). */
  name: string;
  /** Requests allowed per key and window. */
  points: number;
  durationSec: number;
  /** The service's database handle: PostgreSQL shares the counters between instances. */
  raw?: RawHandle;
  logger?: Logger;
}

/** Keys longer than this are hashed (the shared table's key column holds 255 characters). */
const MAX_KEY_CHARS = 160;

function storedKey(key: string): string {
  return key.length > MAX_KEY_CHARS ? `sha256:${createHash('sha256').update(key).digest('hex')}` : key;
}

/** A refusal, with the whole seconds until the window ends (at least 1). */
function denied(msBeforeNext: number): LimitDecision {
  return { allowed: false, retryAfterSec: retryAfterSeconds(msBeforeNext) };
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter & { ready: Promise<void> } {
  const { name, points, durationSec } = options;
  const logger = options.logger ?? silentLogger;
  const memory = new RateLimiterMemory({ keyPrefix: name, points, duration: durationSec });
  const inMemory = async (key: string): Promise<LimitDecision> => {
    try {
      await memory.consume(key, 1);
      return { allowed: true, retryAfterSec: 0 };
    } catch (res) {
      if (res instanceof RateLimiterRes) return denied(res.msBeforeNext);
      throw res;
    }
  };
  // In memory until the shared table is there (a few milliseconds after start-up).
  let shared: SharedCounters | null = null;
  let ready = Promise.resolve();
  const raw = options.raw;
  if (raw?.kind === 'postgres') {
    ready = sharedCounters(raw).then(
      (counters) => {
        shared = counters;
      },
      (err: unknown) => {
        logger.warn({ limiter: name, err: err instanceof Error ? err.message : String(err) }, 'rate limits: shared table unavailable, counting in memory');
      },
    );
  }
  const sharedDecision = async (counters: SharedCounters, key: string): Promise<LimitDecision> => {
    const count = await counters.count(`${name}:${key}`, durationSec);
    return count.points <= points ? { allowed: true, retryAfterSec: 0 } : denied(count.msBeforeNext);
  };
  return {
    name,
    points,
    durationSec,
    ready,
    async consume(key: string): Promise<LimitDecision> {
      const k = storedKey(key);
      try {
        if (!shared) return await inMemory(k);
        const counters = shared;
        return await withinDeadline(sharedDecision(counters, k), () => inMemory(k));
      } catch (err) {
        logger.warn({ limiter: name, err: err instanceof Error ? err.message : String(err) }, 'rate limits: shared count failed, counted in memory');
        return inMemory(k).catch(() => ({ allowed: true, retryAfterSec: 0 }));
      }
    },
  };
}

/**
 * A shared counter that has not answered within this time (a database dropping packets)
 * is skipped for this request: it is counted in memory instead, so no patient waits on it.
 */
const SHARED_DEADLINE_MS = 250;

function withinDeadline<T>(shared: Promise<T>, fallback: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve, reject) => {
    timer = setTimeout(() => fallback().then(resolve, reject), SHARED_DEADLINE_MS);
  });
  // The shared call may still settle after the deadline; its result is then ignored.
  shared.catch(() => undefined);
  return Promise.race([shared, late]).finally(() => clearTimeout(timer));
}

/** The rate-limit key of the caller's address (IPv6 grouped by /64; TRUST_PROXY honoured). */
export function addressOf(req: Request, trustProxy: boolean): string {
  return addressKey(clientAddress(req, trustProxy));
}

/** Answers 429 with Retry-After; `message` says what was limited. */
export function sendLimited(res: Response, decision: LimitDecision, message: string): void {
  res.setHeader('Retry-After', String(decision.retryAfterSec));
  sendError(res, 429, 'rate_limited', message);
}

/** A restify handler that limits requests per client address. */
export function limitByAddress(limiter: RateLimiter, trustProxy: boolean, onLimited?: (req: Request) => void): RequestHandler {
  // Not an async handler: restify continues the chain whatever an async handler resolves to.
  return (req: Request, res: Response, next: (err?: false) => void) => {
    void limiter.consume(addressOf(req, trustProxy)).then((decision) => {
      if (decision.allowed) return next();
      onLimited?.(req);
      sendLimited(res, decision, 'Too many requests from this address. Please wait a moment and try again.');
      return next(false);
    });
  };
}

/** The service's limiters, from the configuration (see src/config.ts, .env.example). */
export interface ServiceLimits {
  /** Messages per client address (Direct Line posts; /api/messages in anonymous mode). */
  address: RateLimiter;
  /** Messages per conversation (/api/messages and Direct Line). */
  conversation: RateLimiter;
  /** New web chat conversations per client address. */
  newConversations: RateLimiter;
  trustProxy: boolean;
}

export interface LimitSettings {
  RATE_LIMIT_ADDRESS_PER_MINUTE: number;
  RATE_LIMIT_CONVERSATION_PER_MINUTE: number;
  RATE_LIMIT_NEW_CONVERSATIONS_PER_MINUTE: number;
  TRUST_PROXY: boolean;
}

export function createServiceLimits(config: LimitSettings, raw?: RawHandle, logger?: Logger): ServiceLimits {
  return {
    address: createRateLimiter({ name: 'addr', points: config.RATE_LIMIT_ADDRESS_PER_MINUTE, durationSec: 60, raw, logger }),
    conversation: createRateLimiter({ name: 'conv', points: config.RATE_LIMIT_CONVERSATION_PER_MINUTE, durationSec: 60, raw, logger }),
    newConversations: createRateLimiter({ name: 'newconv', points: config.RATE_LIMIT_NEW_CONVERSATIONS_PER_MINUTE, durationSec: 60, raw, logger }),
    trustProxy: config.TRUST_PROXY,
  };
}
