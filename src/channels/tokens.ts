/**
 * Direct Line tokens for the self-hosted endpoint: compact JWTs (HS256, signed and checked
 * with `jose`) under a per-instance secret generated at start-up. A token names one
 * conversation (`conv`) and one user (`user`, which Web Chat reads from the token) and
 * expires (`exp`). A token only ever grants access to its own conversation.
 */
import { randomBytes } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';

export interface DirectLineClaims {
  conv: string;
  user: string;
  /** Seconds since the epoch. */
  iat: number;
  exp: number;
}

export type VerifyResult = { ok: true; claims: DirectLineClaims } | { ok: false; reason: 'malformed' | 'signature' | 'expired' };

const ISSUER = 'calfbot-directline';
const ALGORITHM = 'HS256';

export class TokenIssuer {
  private readonly secret: Uint8Array;

  constructor(
    /** Token lifetime in seconds (Direct Line's default is 30 minutes). */
    readonly lifetimeSeconds = 30 * 60,
    secret?: Buffer,
    private readonly now: () => number = Date.now,
  ) {
    this.secret = secret ?? randomBytes(32);
  }

  async issue(conv: string, user: string): Promise<{ token: string; expiresIn: number }> {
    const iat = Math.floor(this.now() / 1000);
    const token = await new SignJWT({ conv, user })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setIssuer(ISSUER)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.lifetimeSeconds)
      .sign(this.secret);
    return { token, expiresIn: this.lifetimeSeconds };
  }

  async verify(token: string): Promise<VerifyResult> {
    try {
      const { payload } = await jwtVerify(token, this.secret, { issuer: ISSUER, algorithms: [ALGORITHM], currentDate: new Date(this.now()) });
      const { conv, user, iat, exp } = payload;
      if (typeof conv !== 'string' || typeof user !== 'string' || typeof iat !== 'number' || typeof exp !== 'number') return { ok: false, reason: 'malformed' };
      return { ok: true, claims: { conv, user, iat, exp } };
    } catch (err) {
      if (err instanceof errors.JWTExpired) return { ok: false, reason: 'expired' };
      if (err instanceof errors.JWSSignatureVerificationFailed) return { ok: false, reason: 'signature' };
      return { ok: false, reason: 'malformed' };
    }
  }
}

/** A random id with a prefix, URL-safe. */
export function randomId(prefix: string, bytes = 12): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}`;
}
