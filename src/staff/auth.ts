/**
 * Who is calling a staff route: a console session (httpOnly cookie, server-side session
 * stored as a hash) or an API client (`Authorization: Bearer cb_…`). Revoking an account
 * ends both at once, because every request looks the account up again.
 */
import type { TLSSocket } from 'node:tls';
import { parseCookie, stringifySetCookie } from 'cookie';
import type { Request } from 'restify';
import type { Config } from '../config';
import { addressKey, clientAddress } from '../web/request/clientAddress';
import { hashSecret, SESSION_PATTERN, TOKEN_PATTERN } from './tokens';
import type { StaffAccount, StaffStore } from './store/types';

export const SESSION_COOKIE = 'calfbot_staff';
export const COOKIE_PATH = '/staff';
/** Cookie-authenticated state changes must carry this header (the console's fetch sets it; a cross-site form cannot). */
export const CSRF_HEADER = 'x-requested-with';
export const CSRF_VALUE = 'calfbot-console';

export interface StaffCaller {
  account: StaffAccount;
  via: 'session' | 'token';
  /** Hash of the session id (cookie callers). */
  sessionHash: string | null;
  sessionExpiresAt: string | null;
}

export type AuthResult =
  | { ok: true; caller: StaffCaller }
  /** `badToken`: a token was presented and is wrong or revoked (counts as a failed login). */
  | { ok: false; badToken: boolean };

export function bearerToken(req: Request): string | null | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : null;
}

/** Looks up an account by a presented token (format-checked first, so junk never reaches the database). */
export async function accountForToken(store: StaffStore, token: unknown): Promise<StaffAccount | null> {
  if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) return null;
  return store.findActiveAccountByTokenHash(hashSecret(token));
}

export async function authenticate(store: StaffStore, req: Request, now: Date): Promise<AuthResult> {
  const bearer = bearerToken(req);
  if (bearer !== undefined) {
    const account = bearer === null ? null : await accountForToken(store, bearer);
    return account ? { ok: true, caller: { account, via: 'token', sessionHash: null, sessionExpiresAt: null } } : { ok: false, badToken: true };
  }
  const sid = parseCookie(req.headers.cookie ?? '')[SESSION_COOKIE];
  if (!sid || !SESSION_PATTERN.test(sid)) return { ok: false, badToken: false };
  const session = await store.findSession(hashSecret(sid), now.toISOString());
  if (!session) return { ok: false, badToken: false };
  return { ok: true, caller: { account: session.account, via: 'session', sessionHash: session.idHash, sessionExpiresAt: session.expiresAt } };
}

/** The caller's address (honours TRUST_PROXY like the other limiters). */
export function callerIp(req: Request, config: Config): string {
  return clientAddress(req, config.TRUST_PROXY);
}

/** Rate-limit key for the caller's address (IPv6 grouped by /64). */
export function callerKey(req: Request, config: Config): string {
  return `staff-login:${addressKey(callerIp(req, config))}`;
}

/** Secure cookies when the public URL is https or this connection is TLS. */
export function isSecureRequest(req: Request, config: Config): boolean {
  if (config.PUBLIC_BASE_URL?.startsWith('https:')) return true;
  return (req.socket as TLSSocket | undefined)?.encrypted === true;
}

/** The Set-Cookie value of a console session: httpOnly, SameSite=Strict, only for /staff. */
export function sessionCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return stringifySetCookie(SESSION_COOKIE, value, {
    path: COOKIE_PATH,
    httpOnly: true,
    sameSite: 'strict',
    maxAge: maxAgeSeconds,
    expires: new Date(Date.now() + maxAgeSeconds * 1000),
    secure,
  });
}

/** Ends the session cookie in the browser (empty, expired in 1970). */
export function clearedSessionCookie(secure: boolean): string {
  return stringifySetCookie(SESSION_COOKIE, '', { path: COOKIE_PATH, httpOnly: true, sameSite: 'strict', maxAge: 0, expires: new Date(0), secure });
}
