/**
 * Failed-login throttling per client address, on rate-limiter-flexible's in-memory
 * limiter (the library every limit in the service uses). Only failures are counted:
 * after `limit` failed token presentations (console login or a bad Bearer token) within
 * a window of `windowSeconds` (the window starts at the first failure), the next
 * failure answers 429 and the address is blocked, correct token or not, until that
 * window ends (Retry-After). Each address is forgotten when its window ends, so memory
 * holds only the addresses that failed within the last window.
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { retryAfterSeconds } from '../domain/retryAfter';

export interface LoginGuardOptions {
  limit?: number;
  windowSeconds?: number;
}

export class LoginGuard {
  private readonly limiter: RateLimiterMemory;

  constructor(options: LoginGuardOptions = {}) {
    this.limiter = new RateLimiterMemory({ keyPrefix: 'staff-login', points: options.limit ?? 5, duration: options.windowSeconds ?? 60 });
  }

  /** Seconds to wait if `key` is blocked now, else 0. */
  async blocked(key: string): Promise<number> {
    const res = await this.limiter.get(key);
    return res && res.consumedPoints > this.limiter.points ? retryAfterSeconds(res.msBeforeNext) : 0;
  }

  /** Count a failure; returns seconds to wait when this failure is over the limit, else 0. */
  async fail(key: string): Promise<number> {
    try {
      await this.limiter.consume(key);
      return 0;
    } catch (res) {
      if (res instanceof RateLimiterRes) return retryAfterSeconds(res.msBeforeNext);
      throw res;
    }
  }
}
