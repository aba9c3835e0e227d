/**
 * Per-client-IP rate limiting for HTTP endpoints (Direct Line token/endpoint, staff login).
 *
 *   const limiter = new IpRateLimiter({ limit: 10, windowMs: 60_000 });
 *   server.post('/staff/login', ipRateLimit({ limiter, trustProxy: config.TRUST_PROXY }), handler);
 *
 * Algorithm: sliding-window counter (the previous fixed window's count weighted by how
 * much of it still overlaps the sliding window, plus the current window's count).
 * O(1) memory per key; keys live in an insertion-ordered Map used as an LRU with at
 * most `maxKeys` entries, and stale keys are dropped as they are met, so memory is
 * bounded whatever the traffic. (Under a flood of distinct addresses the oldest keys
 * are evicted first, which can forget a quiet client's count — never a crash or growth.)
 *
 * Client address: the socket's remote address, unless `trustProxy` is set (config
 * TRUST_PROXY=true, for one reverse proxy such as Azure App Service's front end), in
 * which case the RIGHTMOST X-Forwarded-For entry is used — the one our proxy appended;
 * entries to its left are client-supplied and can be forged. IPv6 addresses are
 * grouped by /64 (one host usually owns a whole /64); IPv4-mapped IPv6 becomes IPv4.
 */
import { isIP } from 'node:net';
import type { Request, RequestHandler, Response } from 'restify';
import { sendError } from './respond';

export interface IpRateLimitOptions {
  /** Requests allowed per window and key. */
  limit: number;
  windowMs: number;
  /** Most keys kept in memory (default 10,000). */
  maxKeys?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export interface RateDecision {
  allowed: boolean;
  /** Requests left in the current sliding window (0 when limited). */
  remaining: number;
  /** Seconds until a request would be allowed again (0 when allowed). */
  retryAfterSeconds: number;
}

interface Entry {
  windowStart: number;
  current: number;
  previous: number;
}

export class IpRateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;
  private readonly entries = new Map<string, Entry>();

  constructor(options: IpRateLimitOptions) {
    if (!(options.limit >= 1) || !(options.windowMs >= 1)) throw new RangeError('limit and windowMs must be positive');
    this.limit = Math.floor(options.limit);
    this.windowMs = options.windowMs;
    this.maxKeys = Math.max(1, options.maxKeys ?? 10_000);
    this.now = options.now ?? Date.now;
  }

  /** Number of keys currently held (bounded by maxKeys). */
  get size(): number {
    return this.entries.size;
  }

  /** Count one request for `key` and say whether it is allowed. */
  hit(key: string): RateDecision {
    const now = this.now();
    const windowStart = now - (now % this.windowMs);
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key); // re-inserted below: most recently used last
      if (entry.windowStart !== windowStart) {
        const gap = (windowStart - entry.windowStart) / this.windowMs;
        entry = { windowStart, current: 0, previous: gap === 1 ? entry.current : 0 };
      }
    } else {
      entry = { windowStart, current: 0, previous: 0 };
    }
    this.entries.set(key, entry);
    this.evict(now);

    const overlap = 1 - (now - windowStart) / this.windowMs;
    const used = entry.previous * overlap + entry.current;
    if (used + 1 > this.limit) {
      // When will `previous * overlap + current + 1 <= limit` hold again?
      let retryMs: number;
      if (entry.current + 1 > this.limit) {
        // Not in this window: in the next one, `current` becomes the decaying previous count.
        retryMs = windowStart + this.windowMs - now + this.windowMs * Math.max(0, 1 - (this.limit - 1) / entry.current);
      } else {
        const neededOverlap = (this.limit - entry.current - 1) / entry.previous;
        retryMs = windowStart + this.windowMs * (1 - neededOverlap) - now;
      }
      return { allowed: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil(retryMs / 1000)) };
    }
    entry.current++;
    return { allowed: true, remaining: Math.max(0, Math.floor(this.limit - used - 1)), retryAfterSeconds: 0 };
  }

  /** Forget a key (e.g. after a successful login). */
  reset(key: string): void {
    this.entries.delete(key);
  }

  private evict(now: number): void {
    while (this.entries.size > this.maxKeys) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    // Drop a few stale entries from the LRU end (older than two windows count as zero).
    let checked = 0;
    for (const [key, entry] of this.entries) {
      if (checked++ >= 4) break;
      if (now - entry.windowStart >= 2 * this.windowMs) this.entries.delete(key);
      else break;
    }
  }
}

/** Normalise an address into a rate-limit key: IPv4 as is, IPv6 by /64. */
export function addressKey(address: string): string {
  let a = address.trim();
  if (a.startsWith('[')) a = a.slice(1, a.indexOf(']') > 0 ? a.indexOf(']') : undefined);
  const zone = a.indexOf('%');
  if (zone >= 0) a = a.slice(0, zone);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped?.[1]) return mapped[1];
  if (isIP(a) === 4) return a;
  if (isIP(a) === 6) return `${expandIpv6(a).slice(0, 4).join(':')}::/64`;
  return 'unknown';
}

function expandIpv6(a: string): string[] {
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  // An embedded IPv4 tail takes two groups.
  const last = t.length ? t[t.length - 1] : h[h.length - 1];
  const v4 = last && last.includes('.') ? 1 : 0;
  const fill = tail !== undefined ? Array<string>(Math.max(0, 8 - v4 - h.length - t.length)).fill('0') : [];
  return [...h, ...fill, ...t].map((g) => (g.includes('.') ? g : g.toLowerCase().replace(/^0+(?=.)/, '')));
}

/**
 * The client address for rate limiting. With `trustProxy`, the rightmost
 * X-Forwarded-For entry (appended by our proxy; may carry a port, as Azure's does).
 */
export function clientAddress(req: Request, trustProxy: boolean): string {
  if (trustProxy) {
    const header = req.headers['x-forwarded-for'];
    const value = Array.isArray(header) ? header[header.length - 1] : header;
    if (value) {
      const entries = value.split(',').map((s) => s.trim()).filter(Boolean);
      const last = entries[entries.length - 1];
      if (last) return stripPort(last);
    }
  }
  return req.socket?.remoteAddress ?? 'unknown';
}

function stripPort(entry: string): string {
  if (entry.startsWith('[')) return entry.slice(1, entry.indexOf(']') > 0 ? entry.indexOf(']') : undefined);
  const v4WithPort = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(entry);
  return v4WithPort?.[1] ?? entry;
}

export interface IpRateLimitHandlerOptions {
  limiter: IpRateLimiter;
  /** Config TRUST_PROXY. */
  trustProxy: boolean;
  /** Prefix for the key, when one limiter is shared by several routes. */
  scope?: string;
  /** Called when a request is limited (log it; never log the body). */
  onLimited?: (req: Request, key: string) => void;
}

/**
 * A restify handler: 429 `{ error: { code: 'rate_limited', message } }` with Retry-After
 * when the client's address is over its limit; otherwise sets RateLimit-* headers and
 * continues.
 */
export function ipRateLimit(options: IpRateLimitHandlerOptions): RequestHandler {
  return (req: Request, res: Response, next: (err?: false) => void) => {
    const key = `${options.scope ?? ''}${addressKey(clientAddress(req, options.trustProxy))}`;
    const decision = options.limiter.hit(key);
    res.setHeader('RateLimit-Limit', String(options.limiter.limit));
    res.setHeader('RateLimit-Remaining', String(decision.remaining));
    if (!decision.allowed) {
      options.onLimited?.(req, key);
      res.setHeader('Retry-After', String(decision.retryAfterSeconds));
      sendError(res, 429, 'rate_limited', 'Too many requests from this address. Please wait a moment and try again.');
      return next(false);
    }
    return next();
  };
}
