/**
 * Staff secrets. Tokens and session ids are 32 random bytes (256 bits), so a plain
 * SHA-256 is enough to store them: there is nothing to brute-force. Only hashes are kept.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';

export const TOKEN_PREFIX = 'cb_';
/** `cb_` + 32 bytes in base64url (43 characters). */
export const TOKEN_PATTERN = /^cb_[A-Za-z0-9_-]{43}$/;
export const SESSION_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

export function newAccountId(): string {
  return `acc_${randomUUID()}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
