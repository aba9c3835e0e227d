/**
 * Direct Line tokens for the self-hosted endpoint: compact JWTs (HS256) signed with a
 * per-instance secret generated at start-up. A token names one conversation (`conv`)
 * and one user (`user`, which Web Chat reads from the token) and expires (`exp`).
 * A token only ever grants access to its own conversation.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface DirectLineClaims {
  conv: string;
  user: string;
  /** Seconds since the epoch. */
  iat: number;
  exp: number;
}

export type VerifyResult = { ok: true; claims: DirectLineClaims } | { ok: false; reason: 'malformed' | 'signature' | 'expired' };

const ISSUER = 'calfbot-directline';
const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

export class TokenIssuer {
  private readonly secret: Buffer;

  constructor(
    /** Token lifetime in seconds (Direct Line's default is 30 minutes). */
    readonly lifetimeSeconds = 30 * 60,
    secret?: Buffer,
    private readonly now: () => number = Date.now,
  ) {
    this.secret = secret ?? randomBytes(32);
  }

  issue(conv: string, user: string): { token: string; expiresIn: number } {
    const iat = Math.floor(this.now() / 1000);
    const payload = { iss: ISSUER, conv, user, iat, exp: iat + this.lifetimeSeconds };
    const head = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(payload))}`;
    return { token: `${head}.${this.sign(head)}`, expiresIn: this.lifetimeSeconds };
  }

  verify(token: string): VerifyResult {
    const parts = token.split('.');
    if (parts.length !== 3) return { ok: false, reason: 'malformed' };
    const [h, p, sig] = parts as [string, string, string];
    const expected = Buffer.from(this.sign(`${h}.${p}`));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'signature' };
    let claims: Partial<DirectLineClaims> & { iss?: string };
    try {
      claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (claims.iss !== ISSUER || typeof claims.conv !== 'string' || typeof claims.user !== 'string' || typeof claims.exp !== 'number' || typeof claims.iat !== 'number') {
      return { ok: false, reason: 'malformed' };
    }
    if (claims.exp * 1000 <= this.now()) return { ok: false, reason: 'expired' };
    return { ok: true, claims: { conv: claims.conv, user: claims.user, iat: claims.iat, exp: claims.exp } };
  }

  private sign(data: string): string {
    return createHmac('sha256', this.secret).update(data).digest('base64url');
  }
}

/** A random id with a prefix, URL-safe. */
export function randomId(prefix: string, bytes = 12): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}`;
}
