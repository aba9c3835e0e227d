/**
 * Failed-login throttling per client address, on the shared sliding-window limiter
 * (src/web/request/ipRateLimit.ts). Only failures are counted: after `limit` failed token
 * presentations (console login or a bad Bearer token) within `windowMs`, the next
 * failure answers 429 and the address is blocked, correct token or not, until the
 * limiter lets it through again (Retry-After).
 */
import { IpRateLimiter } from '../web/request/ipRateLimit';

export interface LoginGuardOptions {
  limit?: number;
  windowMs?: number;
  now?: () => number;
}

export class LoginGuard {
  private readonly limiter: IpRateLimiter;
  private readonly blockedUntil = new Map<string, number>();
  private readonly now: () => number;

  constructor(options: LoginGuardOptions = {}) {
    this.now = options.now ?? Date.now;
    this.limiter = new IpRateLimiter({ limit: options.limit ?? 5, windowMs: options.windowMs ?? 60_000, now: this.now });
  }

  /** Seconds to wait if `key` is blocked now, else 0. */
  blocked(key: string): number {
    const until = this.blockedUntil.get(key);
    if (until === undefined) return 0;
    const left = until - this.now();
    if (left <= 0) {
      this.blockedUntil.delete(key);
      return 0;
    }
    return Math.ceil(left / 1000);
  }

  /** Count a failure; returns seconds to wait when this failure is over the limit, else 0. */
  fail(key: string): number {
    const decision = this.limiter.hit(key);
    if (decision.allowed) return 0;
    if (this.blockedUntil.size >= 10_000) this.blockedUntil.clear();
    this.blockedUntil.set(key, this.now() + decision.retryAfterSeconds * 1000);
    return decision.retryAfterSeconds;
  }
}
